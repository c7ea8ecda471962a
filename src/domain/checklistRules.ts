import type { DocumentNeed, Procedure, ProcedureChecklist, RequiredDocument } from '../shared/catalog';

/**
 * The checklist classification read from the national portal's words, for a procedure the centre
 * has not classified (and as the first draft of the seed's, `scripts/catalog/buildSeed.ts`).
 *
 * - a paper under "Giấy tờ phải xuất trình" is `show`; one the office looks up (`lookedUp`), or one
 *   only an online application uses ("Mẫu … điện tử tương tác", "… hình thức trực tuyến"), is `info`;
 * - "(nếu có)" or the catalog's `optional`: `optional`;
 * - a case heading ("Trường hợp …", "Đăng ký … tại …" beside other named headings) is a situation of
 *   the question "Hồ sơ thuộc trường hợp nào?", required when no paper is always required; its papers
 *   are alternatives when the heading says "một trong", or when several start "Đối với …:";
 * - a paper of the main list whose words make it conditional ("Trường hợp trẻ em bị bỏ rơi thì …",
 *   "… trong trường hợp ủy quyền …") is a situation of its own (all authorisations share one) in the
 *   question "Trường hợp riêng", never required until ticked; "…; trường hợp không có … thì nộp …"
 *   names a fallback of the same paper and stays required; a condition on the in-person channel
 *   ("nếu … nộp hồ sơ theo hình thức trực tiếp") holds at the counter;
 * - everything else is `required`.
 */

const SHOW = /xuất trình/i;
const MAIN_LIST = /^\s*(giấy tờ phải nộp|thành phần hồ sơ)(?!\p{L})/iu;
const ENUMERATOR = /^\s*(\(?[0-9ivx]+\)|[a-zđ]\)|\d+\.|-)\s*/i;
const CASE_HEADING = /^\s*(\(?[0-9ivx]+\)|[a-zđ]\)|\d+\.|-)?\s*(\(?\d+\)?\s*)?(trường hợp|đối với|nếu|khi|tùy)/i;
const CASE_NUMBERED = /^\s*(\(?[ivx]+\)|\(\d+\)|[a-zđ]\)|\d+\.)\s/i;
const CONDITION_START = /^(trường hợp|đối với|nếu|khi)(?!\p{L})/iu;
const CONDITION_INSIDE = /(?<!\p{L})(trong trường hợp|đối với trường hợp|trường hợp|nếu|ủy quyền|uỷ quyền)(?!\p{L})/iu;
const FALLBACK = /^(trường hợp|nếu) không có(?!\p{L})/iu;
const AUTHORISATION = /(?<!\p{L})(ủy|uỷ) quyền(?!\p{L})/iu;
const ONLINE_ONLY = /điện tử tương tác|mẫu điện tử|hình thức trực tuyến|dịch vụ công trực tuyến/iu;
const IN_PERSON = /trực tiếp/iu;
const OPTIONAL = /\(nếu có\)|(?<!\p{L})nếu có(?!\p{L})|\(trường hợp có\)/iu;
const ONE_OF = /một trong/iu;

export const AUTHORISATION_SITUATION = { id: 'uy-quyen', label: 'Nộp hồ sơ theo ủy quyền' } as const;
export const CASE_GROUP_LABEL = 'Hồ sơ thuộc trường hợp nào?';
export const SPECIAL_GROUP_LABEL = 'Trường hợp riêng của hồ sơ (đánh dấu nếu có)';

/**
 * The paper's first clause (up to ";" or the end of the first sentence), with an enumerator and a
 * condition on the in-person channel removed. Read on the portal's whole text (`notes`) when there
 * is one: the short name may stop before the condition.
 */
export function firstClause(text: string): string {
  const t = text.replace(ENUMERATOR, '').replace(/\([^()]*trực tiếp[^()]*\)/giu, '');
  return (t.split(/;|\.\s/u)[0] ?? '').trim();
}

/** Whether a paper's words make it depend on a situation (not counting a fallback of the same paper). */
export function isConditional(name: string): boolean {
  const clause = firstClause(name);
  if (FALLBACK.test(clause)) return true;
  if (CONDITION_START.test(clause)) return true;
  return CONDITION_INSIDE.test(clause);
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('vi') + text.slice(1);
}

function cut(text: string, max: number): string {
  const t = text.trim().replace(/[\s:;,.]+$/u, '');
  return t.length <= max ? t : `${t.slice(0, max - 1).replace(/\s+\S*$/u, '')}…`;
}

/** "Trường hợp trẻ em bị bỏ rơi thì phải có …" → "Trẻ em bị bỏ rơi". */
export function situationLabelOf(name: string): string {
  const clause = firstClause(name);
  const m = /(?:trong |đối với )?(?:trường hợp|đối với|nếu|khi)\s+(.+?)(?:\s+thì\s|\s+phải\s|[,;:.(]|$)/iu.exec(clause);
  return capitalise(cut(m?.[1] ?? clause, 100));
}

/** A case heading's label: enumerators and "… hồ sơ gồm:" dropped. */
export function headingLabelOf(heading: string): string {
  const t = heading
    .replace(ENUMERATOR, '')
    .replace(/\s*(,\s*)?(thì\s+)?(hồ sơ\s+)?(phải kèm theo\s+)?(gồm|bao gồm)?(\s+(các|một trong những|một trong các) giấy tờ sau)?\s*:?\s*$/iu, '');
  return capitalise(cut(t, 160));
}

function headingKind(group: string | null | undefined, namedGroups: number): 'main' | 'show' | 'case' {
  if (!group) return 'main';
  if (SHOW.test(group)) return 'show';
  if (MAIN_LIST.test(group)) return 'main';
  if (CASE_HEADING.test(group) || CASE_NUMBERED.test(group)) return 'case';
  return namedGroups > 1 ? 'case' : 'main';
}

export interface RuleClassification {
  readonly checklist: ProcedureChecklist;
  readonly documents: ReadonlyMap<string, { need: DocumentNeed; situations?: string[]; alternative?: string }>;
}

/** The classification by rule (see the module header). Pure; ids are stable for the same catalog text. */
export function classifyByRules(procedure: Pick<Procedure, 'documents'>): RuleClassification {
  const named = new Set<string>();
  for (const d of procedure.documents) if (d.group && !SHOW.test(d.group) && !MAIN_LIST.test(d.group)) named.add(d.group);

  const caseSituations: { id: string; label: string; heading: string }[] = [];
  const specialSituations: { id: string; label: string }[] = [];
  const alternatives: { id: string; label: string }[] = [];
  const documents = new Map<string, { need: DocumentNeed; situations?: string[]; alternative?: string }>();

  const caseOf = (heading: string): string => {
    let found = caseSituations.find((c) => c.heading === heading);
    if (!found) {
      found = { id: `th-${caseSituations.length + 1}`, label: headingLabelOf(heading), heading };
      caseSituations.push(found);
    }
    return found.id;
  };
  const special = (doc: RequiredDocument): string => {
    if (AUTHORISATION.test(firstClause(doc.notes ?? doc.name))) {
      if (!specialSituations.some((s) => s.id === AUTHORISATION_SITUATION.id)) specialSituations.push({ ...AUTHORISATION_SITUATION });
      return AUTHORISATION_SITUATION.id;
    }
    const id = `rieng-${doc.id}`;
    specialSituations.push({ id, label: situationLabelOf(doc.notes ?? doc.name) });
    return id;
  };

  for (const doc of procedure.documents) {
    const text = doc.name;
    const kind = headingKind(doc.group, named.size);
    if (doc.lookedUp === true) documents.set(doc.id, { need: 'info' });
    else if (kind === 'show') documents.set(doc.id, { need: 'show' });
    else if (ONLINE_ONLY.test(doc.notes ?? text) && !IN_PERSON.test(doc.notes ?? text)) documents.set(doc.id, { need: 'info' });
    else if (doc.optional || OPTIONAL.test(text)) documents.set(doc.id, { need: 'optional' });
    else if (kind === 'case') documents.set(doc.id, { need: 'situation', situations: [caseOf(doc.group ?? '')] });
    else if (isConditional(doc.notes ?? text)) documents.set(doc.id, { need: 'situation', situations: [special(doc)] });
    else documents.set(doc.id, { need: 'required' });
  }

  // Papers of one case that are alternatives: the heading says "một trong", or several start "Đối với …:".
  for (const c of caseSituations) {
    const docs = procedure.documents.filter((d) => d.group === c.heading && documents.get(d.id)?.need === 'situation');
    const byUnit = docs.filter((d) => /^đối với [^:]{1,80}:/iu.test(d.name.replace(ENUMERATOR, '')));
    const members = ONE_OF.test(c.heading) ? docs : byUnit.length >= 2 ? byUnit : [];
    if (members.length < 2) continue;
    const id = `mot-trong-${alternatives.length + 1}`;
    alternatives.push({ id, label: `Một trong các giấy tờ: ${c.label}` });
    for (const d of members) documents.set(d.id, { need: 'alternative', situations: [c.id], alternative: id });
  }

  const anyRequired = [...documents.values()].some((d) => d.need === 'required' || (d.need === 'alternative' && d.situations === undefined));
  const situationGroups: ProcedureChecklist['situationGroups'] = [];
  if (caseSituations.length > 0) {
    situationGroups.push({
      id: 'truong-hop',
      label: CASE_GROUP_LABEL,
      pick: 'any',
      required: !anyRequired,
      situations: caseSituations.map(({ id, label }) => ({ id, label })),
    });
  }
  if (specialSituations.length > 0) {
    // Nothing collected without a situation: the officer must say which one applies.
    const ask = !anyRequired && caseSituations.length === 0;
    situationGroups.push({ id: 'rieng', label: ask ? CASE_GROUP_LABEL : SPECIAL_GROUP_LABEL, pick: 'any', required: ask, situations: specialSituations });
  }
  return { checklist: { situationGroups, alternatives }, documents };
}
