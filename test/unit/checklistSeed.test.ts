import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checklistView, classificationOf, missingDocuments, unansweredGroups } from '../../src/domain/checklist';
import { firstClause } from '../../src/domain/checklistRules';
import { Procedure } from '../../src/shared/catalog';

/**
 * The seed's checklist classification, checked by rule over all 99 procedures, and by what an
 * officer sees for the busiest ones: an ordinary dossier needs no typed reason, and a procedure whose
 * papers all hang on a situation cannot be received without one.
 */
const raw = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
const catalog = raw.map((p) => Procedure.parse(p));
const byCode = (code: string): Procedure => {
  const p = catalog.find((x) => x.code === code);
  if (!p) throw new Error(`${code} missing from the seed`);
  return p;
};

/** Words that make a paper depend on a situation; an always-required paper must not carry them. */
const SITUATION_WORDS = /(?<!\p{L})(trường hợp|nếu|ủy quyền|uỷ quyền)(?!\p{L})|\(nếu có\)/iu;
/**
 * Reviewed papers whose words are not a situation: two forms named in one text (a form for a
 * person, a letter for an organisation); the authorisation that is the whole procedure.
 */
const REQUIRED_DESPITE_WORDS = new Set(['2.000635/d4', '1.001601/d1']);

const idsOf = (p: Procedure, need: string): string[] => p.documents.filter((d) => d.need === need).map((d) => d.id);

describe('seed checklist classification, all procedures', () => {
  it('classifies every paper of every procedure in the catalog itself, and the classification resolves', () => {
    expect(catalog).toHaveLength(99);
    for (const p of catalog) {
      expect(p.checklist, p.code).toBeDefined();
      for (const d of p.documents) expect(d.need, `${p.code} ${d.id}`).toBeDefined();
      const situationIds = new Set(p.checklist!.situationGroups.flatMap((g) => g.situations.map((s) => s.id)));
      const alternativeIds = new Set(p.checklist!.alternatives.map((a) => a.id));
      for (const d of p.documents) {
        for (const s of d.situations ?? []) expect(situationIds.has(s), `${p.code} ${d.id} → ${s}`).toBe(true);
        if (d.need === 'situation') expect(d.situations?.length ?? 0, `${p.code} ${d.id}`).toBeGreaterThan(0);
        if (d.need === 'alternative') expect(alternativeIds.has(d.alternative ?? ''), `${p.code} ${d.id}`).toBe(true);
      }
      // The catalog's own classification is the one used (not the fallback by rule).
      expect(classificationOf(p).checklist, p.code).toBe(p.checklist);
    }
  });

  it('never lists a conditional paper as always required ("trường hợp", "nếu", "ủy quyền", "(nếu có)")', () => {
    const offenders: string[] = [];
    for (const p of catalog) {
      for (const d of p.documents) {
        if (d.need !== 'required' || REQUIRED_DESPITE_WORDS.has(`${p.code}/${d.id}`)) continue;
        // The first clause: "Giấy chứng sinh; trường hợp không có … thì nộp …" names a fallback of the
        // same paper, and "(nếu … theo hình thức trực tiếp)" holds at the counter.
        if (SITUATION_WORDS.test(firstClause(d.notes ?? d.name))) offenders.push(`${p.code} ${d.id}: ${d.name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('gives every situation group and every situation a label, ids unique, and no situation without a paper', () => {
    for (const p of catalog) {
      const groups = p.checklist!.situationGroups;
      expect(new Set(groups.map((g) => g.id)).size, p.code).toBe(groups.length);
      const all = groups.flatMap((g) => g.situations);
      expect(new Set(all.map((s) => s.id)).size, p.code).toBe(all.length);
      for (const g of groups) {
        expect(g.label.trim().length, `${p.code} ${g.id}`).toBeGreaterThan(3);
        for (const s of g.situations) {
          expect(s.label.trim().length, `${p.code} ${s.id}`).toBeGreaterThan(3);
          expect(
            p.documents.some((d) => d.situations?.includes(s.id)),
            `${p.code} ${s.id} has no paper`,
          ).toBe(true);
        }
      }
      for (const a of p.checklist!.alternatives) {
        expect(a.label.trim().length, `${p.code} ${a.id}`).toBeGreaterThan(3);
        expect(p.documents.filter((d) => d.alternative === a.id).length, `${p.code} ${a.id}`).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('asks for a situation wherever nothing is required without one, so no dossier saves as "0 received, 0 missing"', () => {
    for (const p of catalog) {
      const plain = checklistView(p, new Set());
      const collects = plain.items.some((i) => i.required || i.alternative !== null);
      const hasSituationPapers = p.documents.some((d) => d.need === 'situation' || (d.need === 'alternative' && (d.situations?.length ?? 0) > 0));
      if (!collects && hasSituationPapers) expect(unansweredGroups(p, new Set()).length, p.code).toBeGreaterThan(0);
    }
  });

  it('lists only papers shown or looked up as never missing: they are not in the missing list whatever is ticked', () => {
    for (const p of catalog) {
      const everything = new Set(p.checklist!.situationGroups.flatMap((g) => g.situations.map((s) => s.id)));
      const missing = new Set(missingDocuments(p, everything, new Set()).map((m) => m.documentId));
      for (const d of p.documents)
        if (d.need === 'show' || d.need === 'info' || d.need === 'optional') expect(missing.has(d.id), `${p.code} ${d.id}`).toBe(false);
    }
  });
});

describe('the busiest procedures, as an officer works them', () => {
  it('1.001193 birth registration: an ordinary case needs the declaration and the birth certificate only', () => {
    const p = byCode('1.001193');
    expect(idsOf(p, 'required').sort()).toEqual(['d4', 'd7']);
    expect(missingDocuments(p, new Set(), new Set(['d4', 'd7']))).toEqual([]);
    // Abandoned child, surrogacy and authorisation are situations the officer ticks.
    const labels = p.checklist!.situationGroups.flatMap((g) => g.situations.map((s) => s.label));
    expect(labels).toEqual(expect.arrayContaining(['Trẻ em bị bỏ rơi', 'Trẻ em sinh ra do mang thai hộ', 'Nộp hồ sơ theo ủy quyền']));
    expect(unansweredGroups(p, new Set())).toEqual([]);
    const abandoned = p.checklist!.situationGroups.flatMap((g) => g.situations).find((s) => s.label === 'Trẻ em bị bỏ rơi')!;
    expect(missingDocuments(p, new Set([abandoned.id]), new Set(['d4', 'd7'])).map((m) => m.documentId)).toEqual(['d1']);
    // Papers shown (ID card, residence proof) and the online form are never missing.
    expect(idsOf(p, 'show')).toEqual(['d5', 'd6']);
    expect(idsOf(p, 'info')).toEqual(['d8']);
  });

  it('1.004222 permanent residence: one place must be chosen; then its papers and the CT01 declaration are required', () => {
    const p = byCode('1.004222');
    expect(idsOf(p, 'required')).toEqual([]);
    const [group] = unansweredGroups(p, new Set());
    expect(group?.label).toBe('Đăng ký thường trú vào chỗ ở nào?');
    expect(group?.pick).toBe('one');
    const renting = group!.situations.find((s) => s.label === 'Chỗ ở hợp pháp do thuê, mượn, ở nhờ')!;
    expect(missingDocuments(p, new Set([renting.id]), new Set()).map((m) => m.documentId)).toEqual(['d12', 'd15']);
    // Military or police unit: one of the two letters of introduction.
    const unit = group!.situations.find((s) => s.label.startsWith('Nơi đơn vị đóng quân'))!;
    const missing = missingDocuments(p, new Set([unit.id]), new Set());
    expect(missing.map((m) => m.name)).toEqual(['Giấy giới thiệu của đơn vị (Quân đội nhân dân hoặc Công an nhân dân)', expect.stringMatching(/^Tờ khai/)]);
    expect(missingDocuments(p, new Set([unit.id]), new Set(['d11', 'd10']))).toEqual([]);
  });

  it('1.004194 temporary residence asks how; 1.000656 death and 1.000894 marriage need no situation', () => {
    expect(unansweredGroups(byCode('1.004194'), new Set()).map((g) => g.label)).toEqual(['Đăng ký tạm trú theo hình thức nào?']);
    const death = byCode('1.000656');
    expect(idsOf(death, 'required')).toEqual(['d1', 'd8']);
    expect(unansweredGroups(death, new Set())).toEqual([]);
    const marriage = byCode('1.000894');
    expect(idsOf(marriage, 'required')).toEqual(['d4']);
  });

  it('certifications, criminal record, marital status: what the counter collects', () => {
    expect(idsOf(byCode('2.000815'), 'required')).toEqual(['d1']);
    expect(idsOf(byCode('2.000884'), 'required')).toEqual(['d2']);
    const record = byCode('3.000333');
    expect(missingDocuments(record, new Set(), new Set(['d3'])).map((m) => m.name)).toEqual([
      'Tờ khai yêu cầu cấp Phiếu Lý lịch tư pháp (Mẫu số 01 hoặc Mẫu số 02/2025/LLTP)',
    ]);
    expect(missingDocuments(record, new Set(), new Set(['d3', 'd4']))).toEqual([]);
    expect(idsOf(byCode('1.004873'), 'required')).toEqual(['d6']);
  });
});
