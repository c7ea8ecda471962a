/**
 * The seed's checklist classification: the rule's draft (src/domain/checklistRules.ts), then what a
 * person corrected after reading the busiest procedures as an officer works them (birth, marriage,
 * death, residence, certification, criminal record, household business). Each correction says why.
 *
 * Output: each document gets `need` (and `situations`, `alternative` where they apply); the
 * procedure gets `checklist` (situation groups, alternative groups). See assets/catalog/README.md.
 */
import { classifyByRules, SPECIAL_GROUP_LABEL } from '../../src/domain/checklistRules';
import type { DocumentNeed, Procedure, ProcedureChecklist, RequiredDocument } from '../../src/shared/catalog';

interface DocumentPatch {
  readonly need: DocumentNeed;
  readonly situations?: readonly string[];
  readonly alternative?: string;
}

interface Review {
  /** Group id → what changes (label, pick, required). */
  readonly groups?: Readonly<Record<string, Partial<Pick<ProcedureChecklist['situationGroups'][number], 'label' | 'pick' | 'required'>>>>;
  /** Situation id → a shorter or clearer label. */
  readonly situationLabels?: Readonly<Record<string, string>>;
  /** Situations the rule cannot see (its only paper is looked up), appended to a group. */
  readonly addSituations?: readonly { readonly group: string; readonly id: string; readonly label: string }[];
  readonly alternatives?: Readonly<Record<string, string>>;
  readonly documents?: Readonly<Record<string, DocumentPatch>>;
}

const CT01_SITUATIONS = ['th-1', 'th-2', 'th-3', 'th-5', 'th-6'];

export const CHECKLIST_REVIEW: Readonly<Record<string, Review>> = {
  // Birth registration: the ordinary case is the declaration and the birth certificate; abandoned
  // child, surrogacy and authorisation are situations the officer ticks.
  '1.001193': { situationLabels: { 'rieng-d3': 'Trẻ em sinh ra do mang thai hộ' } },
  // Permanent residence: every paper hangs on where the citizen registers; one place per dossier.
  // The CT01 declaration is needed in every situation (the portal lists it under two headings).
  '1.004222': {
    groups: { 'truong-hop': { label: 'Đăng ký thường trú vào chỗ ở nào?', pick: 'one', required: true } },
    situationLabels: {
      'th-1': 'Chỗ ở hợp pháp thuộc quyền sở hữu của mình',
      'th-2': 'Người được chăm sóc, nuôi dưỡng, trợ giúp (cơ sở trợ giúp xã hội, hộ gia đình nhận chăm sóc)',
      'th-3': 'Cơ sở tín ngưỡng, cơ sở tôn giáo có công trình phụ trợ là nhà ở',
      'th-4': 'Nơi đơn vị đóng quân trong Công an nhân dân, Quân đội nhân dân',
      'th-5': 'Chỗ ở hợp pháp do thuê, mượn, ở nhờ',
    },
    addSituations: [{ group: 'truong-hop', id: 'th-6', label: 'Chỗ ở hợp pháp của người thân (khoản 2 Điều 20 Luật Cư trú)' }],
    alternatives: { 'mot-trong-1': 'Giấy giới thiệu của đơn vị (Quân đội nhân dân hoặc Công an nhân dân)' },
    documents: {
      d5: { need: 'info', situations: ['th-6'] },
      d13: { need: 'info', situations: ['th-5'] },
      d14: { need: 'info', situations: ['th-1'] },
      d15: { need: 'situation', situations: CT01_SITUATIONS },
    },
  },
  // Temporary residence: one way of registering per dossier.
  '1.004194': {
    groups: { 'truong-hop': { label: 'Đăng ký tạm trú theo hình thức nào?', pick: 'one', required: true } },
    situationLabels: {
      'th-1': 'Cá nhân, hộ gia đình đăng ký tạm trú',
      'th-2': 'Đăng ký tạm trú theo danh sách',
      'th-3': 'Nơi đơn vị đóng quân trong Công an nhân dân, Quân đội nhân dân',
    },
    alternatives: { 'mot-trong-1': 'Giấy giới thiệu của đơn vị (Quân đội nhân dân hoặc Công an nhân dân)' },
    documents: { d1: { need: 'info', situations: ['th-1'] } },
  },
  // Death registration: papers for a death long ago replace the death notice.
  '1.000656': { situationLabels: { 'rieng-d3': 'Người chết đã lâu, không có Giấy báo tử hoặc giấy tờ thay thế' } },
  // Certifying a signature: the paper to be signed is handed in, not only shown.
  '2.000884': { documents: { d2: { need: 'required' } } },
  // Criminal record: one of the two declarations (form 01 for oneself, form 02 for an
  // authorisation or a minor's parent).
  '3.000333': {
    alternatives: { 'to-khai': 'Tờ khai yêu cầu cấp Phiếu Lý lịch tư pháp (Mẫu số 01 hoặc Mẫu số 02/2025/LLTP)' },
    documents: { d1: { need: 'alternative', alternative: 'to-khai' }, d4: { need: 'alternative', alternative: 'to-khai' } },
  },
  // A copy of a civil-status extract: a form (a person) or a letter (an organisation) is always handed in.
  '2.000635': { documents: { d4: { need: 'required' } } },
  // Authorising someone to collect social-insurance benefits: the authorisation is the dossier.
  '1.001601': { documents: { d1: { need: 'required' } } },
  // Household business: the authorisation heading and the rule's own authorisation situation are
  // one situation; the five authorisation papers are one of a kind (who was authorised); (v) is a note.
  '1.001612': {
    groups: { rieng: { label: 'Trường hợp riêng của hồ sơ (đánh dấu nếu có)' } },
    situationLabels: { 'th-1': 'Nộp hồ sơ theo ủy quyền', 'uy-quyen': 'Hộ kinh doanh do các thành viên hộ gia đình đăng ký thành lập' },
    alternatives: { 'mot-trong-1': 'Giấy tờ ủy quyền (theo người được ủy quyền: cá nhân, tổ chức, bưu chính)' },
    documents: {
      d2: { need: 'info', situations: ['th-1'] },
      d6: { need: 'situation', situations: ['th-1'] },
    },
  },
};

type Classified = RequiredDocument & Required<Pick<RequiredDocument, 'need'>>;

/** The procedure with its classification: the rule's, then the review's corrections. */
export function classifyProcedure(procedure: Procedure): Procedure & { checklist: ProcedureChecklist; documents: Classified[] } {
  const rules = classifyByRules(procedure);
  const review = CHECKLIST_REVIEW[procedure.code] ?? {};
  const situationGroups = rules.checklist.situationGroups.map((g) => ({
    ...g,
    ...(review.groups?.[g.id] ?? {}),
    situations: [
      ...g.situations.map((s) => ({ ...s, label: review.situationLabels?.[s.id] ?? s.label })),
      ...(review.addSituations ?? []).filter((a) => a.group === g.id).map(({ id, label }) => ({ id, label })),
    ],
  }));
  const documents = procedure.documents.map((d): Classified => {
    const patch = review.documents?.[d.id];
    const c = patch ?? rules.documents.get(d.id) ?? { need: 'required' as const };
    const { need: _need, situations: _s, alternative: _a, ...rest } = d;
    return {
      ...rest,
      need: c.need,
      ...(c.situations && c.situations.length > 0 ? { situations: [...c.situations] } : {}),
      ...(c.alternative ? { alternative: c.alternative } : {}),
    };
  });
  const usedAlternatives = new Set(documents.flatMap((d) => (d.alternative ? [d.alternative] : [])));
  const alternatives = [
    ...rules.checklist.alternatives.map((a) => ({ ...a, label: review.alternatives?.[a.id] ?? a.label })),
    ...Object.entries(review.alternatives ?? {})
      .filter(([id]) => !rules.checklist.alternatives.some((a) => a.id === id))
      .map(([id, label]) => ({ id, label })),
  ].filter((a) => usedAlternatives.has(a.id));
  // A situation no paper refers to any more (the review merged it) is dropped, then an empty group.
  const used = new Set(documents.flatMap((d) => d.situations ?? []));
  // The rule asks for a situation when nothing is required without one; a paper the review made
  // always required answers that, unless the review says the question stays required.
  const anyRequired = documents.some((d) => d.need === 'required');
  const groups = situationGroups
    .map((g) => ({
      ...g,
      label: review.groups?.[g.id]?.label ?? (g.required && anyRequired && g.id === 'rieng' ? SPECIAL_GROUP_LABEL : g.label),
      required: review.groups?.[g.id]?.required ?? (g.required && !anyRequired),
      situations: g.situations.filter((s) => used.has(s.id)),
    }))
    .filter((g) => g.situations.length > 0);
  return { ...procedure, documents, checklist: { situationGroups: groups, alternatives } };
}
