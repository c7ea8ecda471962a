/**
 * Builds the seed procedure catalog (assets/catalog/procedures.vi.json) from the national-portal
 * reference records (DOMAIN.md, "Procedure catalog"; procedures-reference.md for provenance).
 *
 * Run by a maintainer; the reference lives outside the repository, so the OUTPUT is committed:
 *   npx tsx scripts/catalog/buildSeed.ts [reference.json] [out.json]
 *
 * Guarantees: every written record passes the `Procedure` schema; no value is guessed (a time
 * without a unit keeps its text and gets no number, a fee is a number only when an amount in đồng is
 * stated); every dropped procedure is logged to stderr with its reason; every document carries its
 * checklist classification (scripts/catalog/checklistReview.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { Procedure, type ProcedureChannel, type RequiredDocument } from '../../src/shared/catalog';
import { classifyProcedure } from './checklistReview';
import { splitDocumentName } from './documentNames';

export const DEFAULT_REFERENCE = '/work/shared/data/procedures-reference.json';
export const DEFAULT_OUTPUT = fileURLToPath(new URL('../../assets/catalog/procedures.vi.json', import.meta.url));

/** The reference record, only the fields this script reads. */
export interface ReferenceRecord {
  code: string;
  name: string;
  field: string;
  level: string[];
  applicants: string | null;
  implementing_agency: string | null;
  processing_time: { by_channel: { channel: string; time_text: string | null }[] };
  fees: { by_channel: { channel: string; fee_label: string | null; fee_and_description: string | null }[] };
  documents: { group: string | null; name: string; originals: number; copies: number; form_template_file: string | null; note_like: boolean }[];
  result: { name: string; result_code: string | null }[] | null;
  legal_basis_raw: string | null;
}

export type BuildOutcome = { ok: true; procedure: Procedure } | { ok: false; code: string; reason: string };

const CHANNELS: Record<string, ProcedureChannel['channel']> = {
  'Trực tiếp': 'in-person',
  'Trực tuyến': 'online',
  'Dịch vụ bưu chính': 'post',
};

const LEVELS: Record<string, Procedure['level'][number]> = { 'trung ương': 'trung-uong', tỉnh: 'tinh', xã: 'xa' };

/** Known portal faults that make a record unfit to publish (procedures-reference.md, "Caveats"). */
const PORTAL_FAULTS: Record<string, string> = {
  '2.000942': 'portal data fault: step text in the agency field and result code "dsfas"',
};

const DOCUMENT_NAME_MAX = 2000;

/** Strips list bullets ("- ", "+ ", "++", "•") and a trailing ";" or ",". */
export function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[-+•*–]+\s*/, '')
    .replace(/[;,]+\s*$/, '')
    .trim();
}

/** "1.010727 Cấp giấy phép môi trường (cấp Tỉnh) ( 1.010727 )": the portal repeats the code in some names. */
function cleanName(name: string, code: string): string {
  return cleanText(name.replace(new RegExp(`\\(\\s*${code.replace(/\./g, '\\.')}\\s*\\)`), ''));
}

/**
 * The time column. A number with a unit gives `duration`; `workingDays` only for "Ngày làm việc".
 * A bare number ("1", "5") has no unit on the portal: no number is taken, the text is kept.
 */
export function parseTime(text: string | null): Pick<ProcedureChannel, 'workingDays' | 'timeText' | 'duration'> {
  const timeText = (text ?? '').trim();
  const m = /^(\d+(?:[.,]\d+)?)\s+(Ngày làm việc|Ngày|Giờ)$/i.exec(timeText);
  if (!m) return { workingDays: null, timeText, duration: null };
  const amount = Number(m[1]!.replace(',', '.'));
  const unitWord = m[2]!.toLowerCase();
  const unit = unitWord === 'ngày làm việc' ? 'working-day' : unitWord === 'ngày' ? 'day' : 'hour';
  return { workingDays: unit === 'working-day' ? amount : null, timeText, duration: { amount, unit } };
}

/** "50.000 đồng", "135.000 đồng/lần", "50,000 Việt Nam Đồng", "8,000 VNĐ" → 50000 …; null if none. */
export function firstDongAmount(text: string): number | null {
  const m = /(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|VNĐ|Việt Nam Đồng)/i.exec(text);
  if (!m) return null;
  return Number(m[1]!.replace(/[.,]/g, ''));
}

/** The fee description defers the amount to another body or text: no number can be taken. */
const FEE_SET_ELSEWHERE = /Hội đồng nhân dân|HĐND|theo quy định của Luật phí|Thực hiện theo Thông tư|Trả phí|trả phí theo quy định|Chưa quy định/i;
/** The description says the fee is waived (for everyone, not for a group of people). */
const FEE_WAIVED = /^\(?\(?\s*(Miễn lệ phí\.|Không\))/i;

/**
 * The fee of one channel. The label alone is not trusted: "Miễn phí" is often followed by the real
 * charge in the description ("135.000 đồng/lần"), or by "do HĐND tỉnh quyết định" (an amount the
 * reference does not hold: null). The text always keeps label and description.
 */
export function parseFee(label: string | null, description: string | null): Pick<ProcedureChannel, 'feeVnd' | 'feeText'> {
  const lab = (label ?? '').trim();
  const desc = (description ?? '').replace(/\s+/g, ' ').trim();
  const feeText = [lab, desc].filter((s) => s.length > 0).join(' ');
  const labelAmount = /USD/i.test(lab) ? null : firstDongAmount(lab);
  const descAmount = firstDongAmount(desc);
  if (labelAmount !== null) {
    // Portal fault (2.001610 online): label "100 VNĐ" where the description says "100.000 đồng".
    if (labelAmount < 1000 && descAmount === labelAmount * 1000) return { feeVnd: descAmount, feeText };
    if (labelAmount < 1000) return { feeVnd: null, feeText };
    return { feeVnd: labelAmount, feeText };
  }
  if (/USD/i.test(lab)) return { feeVnd: null, feeText };
  if (/^Miễn phí$/i.test(lab)) {
    if (desc === '') return { feeVnd: 0, feeText };
    if (descAmount !== null) return { feeVnd: descAmount, feeText };
    if (FEE_SET_ELSEWHERE.test(desc)) return { feeVnd: null, feeText };
    if (FEE_WAIVED.test(desc)) return { feeVnd: 0, feeText };
    // A description that speaks of something else (how to submit, deadlines): the label stands.
    if (!/lệ phí|phí/i.test(desc)) return { feeVnd: 0, feeText };
    return { feeVnd: null, feeText };
  }
  // "Không có thông tin" or anything else: only a stated amount counts.
  return { feeVnd: descAmount, feeText };
}

/** The portal lists one row per case; a channel can appear several times. The first row is the portal's main case. */
function buildChannels(rec: ReferenceRecord): ProcedureChannel[] {
  const order: ProcedureChannel['channel'][] = [];
  const times = new Map<ProcedureChannel['channel'], string[]>();
  const fees = new Map<ProcedureChannel['channel'], { label: string | null; desc: string | null }[]>();
  for (const row of rec.processing_time.by_channel) {
    const ch = CHANNELS[row.channel];
    if (!ch) continue;
    if (!order.includes(ch)) order.push(ch);
    times.set(ch, [...(times.get(ch) ?? []), (row.time_text ?? '').trim()]);
  }
  for (const row of rec.fees.by_channel) {
    const ch = CHANNELS[row.channel];
    if (!ch) continue;
    if (!order.includes(ch)) order.push(ch);
    fees.set(ch, [...(fees.get(ch) ?? []), { label: row.fee_label, desc: row.fee_and_description }]);
  }
  return order.map((channel) => {
    const timeRows = [...new Set(times.get(channel) ?? [])];
    const first = parseTime(timeRows[0] ?? null);
    const feeRows = fees.get(channel) ?? [];
    const firstFee = parseFee(feeRows[0]?.label ?? null, feeRows[0]?.desc ?? null);
    const allFeeText = [...new Set(feeRows.map((r) => parseFee(r.label, r.desc).feeText))].join(' | ');
    return {
      channel,
      workingDays: first.workingDays,
      timeText: timeRows.join(' | ').slice(0, 500),
      feeVnd: firstFee.feeVnd,
      feeText: allFeeText.slice(0, 1000),
      duration: first.duration,
    };
  });
}

const OPTIONAL_DOCUMENT = /\(nếu có\)|nếu có\b|\(trường hợp có\)|\(nếu có yêu cầu\)/i;

function buildDocuments(rec: ReferenceRecord): RequiredDocument[] | string {
  const docs: RequiredDocument[] = [];
  for (const d of rec.documents) {
    if (d.note_like) continue;
    const name = cleanText(d.name);
    if (name.length === 0) continue;
    if (name.length > DOCUMENT_NAME_MAX) return `a document text is ${name.length} characters (notes run into the name; schema max ${DOCUMENT_NAME_MAX})`;
    const group = d.group ? cleanText(d.group).replace(/:$/, '').trim() : '';
    const split = splitDocumentName(name);
    docs.push({
      id: `d${docs.length + 1}`,
      name: split.name,
      ...(split.notes === null ? {} : { notes: split.notes }),
      ...(split.lookedUp ? { lookedUp: true } : {}),
      originals: d.originals,
      copies: d.copies,
      optional: OPTIONAL_DOCUMENT.test(name),
      formTemplate: d.form_template_file ? d.form_template_file.trim().slice(0, 300) : null,
      group: group.length > 0 && group !== '--' ? group.slice(0, 500) : null,
    });
  }
  return docs;
}

/** Legal document numbers: 60/2014/QH13, 123/2015/NĐ-CP, 08.a/2010/TT-BTP, 05/2015/TTLT-BTP-BCA-BYT, 66.7/2025/NQ-CP, 10/2019/QĐ-TTg. */
const LEGAL_CODE = /\d[\d.a-z]*\/\d{4}\/(?:QH\d{2}|[A-ZĐ]+(?:-[A-ZĐ]*?[A-ZĐa-z])*?)(?=[A-ZĐ][a-zà-ỹđ]|[^A-ZĐa-z-]|$)/gu;

/**
 * The portal's legal-basis table arrives as one run of text ("<title><number><title><number>…").
 * A number that ends a row is glued to the next title's capital letter (or ends the text); numbers
 * inside a title are followed by a space or punctuation. Each row becomes "<title> (<number>)", or
 * the title alone when it already holds the number. A heuristic: check before citing.
 */
export function parseLegalBasis(raw: string | null): string[] {
  if (!raw) return [];
  const text = raw.replace(/^Tên văn bản pháp lýMã văn bản/, '').replace(/\s+/g, ' ');
  const out: string[] = [];
  const seen = new Set<string>();
  let from = 0;
  for (const m of text.matchAll(LEGAL_CODE)) {
    const end = m.index + m[0].length;
    const next = text.charAt(end);
    if (next !== '' && !/[A-ZĐÀ-ỸẠ-Ỹ]/u.test(next)) continue;
    let code = m[0];
    let title = text.slice(from, m.index).trim();
    from = end;
    // "Luật Cư trú 202068/2020/QH14": the year closing the title runs into the number.
    const glued = /^((?:19|20)\d{2})(\d{1,3}\/.*)$/.exec(code);
    if (glued && title.length > 0) {
      title = `${title} ${glued[1]}`;
      code = glued[2]!;
    }
    if (title.length === 0 || seen.has(code)) continue;
    seen.add(code);
    const entry = title.includes(code) ? title : `${title} (${code})`;
    out.push(entry.replace(/[.;]+$/, '').slice(0, 500));
    if (out.length >= 40) break;
  }
  return out;
}

export function buildProcedure(rec: ReferenceRecord): BuildOutcome {
  const code = rec.code;
  const fault = PORTAL_FAULTS[code];
  if (fault) return { ok: false, code, reason: fault };
  const level = [...new Set(rec.level.map((l) => LEVELS[l]).filter((l): l is Procedure['level'][number] => l !== undefined))];
  if (!level.includes('tinh') && !level.includes('xa')) {
    return { ok: false, code, reason: `central level only (${rec.level.join(', ')}): not received at a Hà Nội counter` };
  }
  const documents = buildDocuments(rec);
  if (typeof documents === 'string') return { ok: false, code, reason: documents };
  if (documents.length === 0) return { ok: false, code, reason: 'no document list on the portal' };
  const channels = buildChannels(rec);
  if (channels.length === 0) return { ok: false, code, reason: 'no channel on the portal' };
  const candidate = {
    code,
    name: cleanName(rec.name, code),
    field: cleanText(rec.field),
    level,
    agency: cleanText(rec.implementing_agency ?? ''),
    channels,
    documents,
    applicants: cleanText(rec.applicants ?? '').slice(0, 1000),
    conditions: '',
    result: (rec.result ?? [])
      .map((r) => cleanText(r.name))
      .filter((s) => s.length > 0)
      .join('; ')
      .slice(0, 1000),
    legalBasis: parseLegalBasis(rec.legal_basis_raw),
    active: true,
  };
  const parsed = Procedure.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code, reason: `schema: ${issue?.path.join('.')}: ${issue?.message}` };
  }
  // The checklist classification (need, situations, alternatives): rule first, then the review.
  const classified = Procedure.safeParse(classifyProcedure(parsed.data));
  if (!classified.success) {
    const issue = classified.error.issues[0];
    return { ok: false, code, reason: `checklist: ${issue?.path.join('.')}: ${issue?.message}` };
  }
  return { ok: true, procedure: classified.data };
}

export function buildSeed(records: readonly ReferenceRecord[]): { procedures: Procedure[]; skipped: { code: string; reason: string }[] } {
  const procedures: Procedure[] = [];
  const skipped: { code: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const rec of records) {
    if (seen.has(rec.code)) {
      skipped.push({ code: rec.code, reason: 'duplicate code' });
      continue;
    }
    const outcome = buildProcedure(rec);
    if (outcome.ok) {
      seen.add(rec.code);
      procedures.push(outcome.procedure);
    } else skipped.push({ code: outcome.code, reason: outcome.reason });
  }
  procedures.sort((a, b) => a.code.localeCompare(b.code));
  return { procedures, skipped };
}

async function main(): Promise<void> {
  const [input = DEFAULT_REFERENCE, output = DEFAULT_OUTPUT] = process.argv.slice(2);
  const records = JSON.parse(readFileSync(input, 'utf8')) as ReferenceRecord[];
  const { procedures, skipped } = buildSeed(records);
  for (const s of skipped) console.error(`skipped ${s.code}: ${s.reason}`);
  const perField = new Map<string, number>();
  for (const p of procedures) perField.set(p.field, (perField.get(p.field) ?? 0) + 1);
  for (const [field, n] of [...perField].sort((a, b) => b[1] - a[1])) console.error(`${String(n).padStart(3)} × ${field}`);
  console.error(`${procedures.length} procedures written to ${output}, ${skipped.length} skipped`);
  // Formatted as `prettier --check` expects, so a regenerated file differs only where the data does.
  const options = (await resolveConfig(output)) ?? {};
  writeFileSync(output, await format(JSON.stringify(procedures), { ...options, parser: 'json' }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
