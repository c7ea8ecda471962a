import type { Procedure, RequiredDocument } from '../shared/catalog';
import { classificationOf } from './checklist';

/**
 * The papers to bring, as a citizen reads them at the kiosk or on the printed list: the counter's
 * classification (checklist.ts, the catalog's `need` or the heading rules) regrouped by situation,
 * since the citizen has no officer to tick situations for them.
 *
 * Sections, in this order, each left out when empty:
 * - `always`: papers every dossier hands in;
 * - `oneOf`: one paper of the group is enough (one section per alternative group that applies in
 *   every case);
 * - `situation`: one section per situation ("Nộp hồ sơ theo ủy quyền"), with the papers it
 *   brings in (its own alternatives included), under the question's label;
 * - `ifAny`: papers handed in if the citizen has one ("nếu có");
 * - `show`: papers shown at the counter and handed back.
 * Information the office looks up itself (`info`) is never listed: the citizen brings nothing for it.
 * Every paper the counter could ask for appears in at least one section.
 */
export type CitizenSectionKind = 'always' | 'oneOf' | 'situation' | 'ifAny' | 'show';

export interface CitizenPaper {
  readonly id: string;
  readonly name: string;
  readonly originals: number;
  readonly copies: number;
}

export interface CitizenSection {
  readonly kind: CitizenSectionKind;
  /** The alternative group's or the situation's label (Vietnamese, from the catalog); '' for the others. */
  readonly label: string;
  /** For a situation: the question it answers ("Hồ sơ thuộc trường hợp nào?"). */
  readonly question: string;
  readonly papers: readonly CitizenPaper[];
}

export function citizenChecklist(procedure: Pick<Procedure, 'documents' | 'checklist'>): CitizenSection[] {
  const { checklist, needOf } = classificationOf(procedure);
  const paper = (d: RequiredDocument): CitizenPaper => ({ id: d.id, name: d.name, originals: d.originals, copies: d.copies });
  const docs = procedure.documents.map((d) => ({ d, ...needOf(d) }));
  const sections: CitizenSection[] = [];
  const push = (kind: CitizenSectionKind, label: string, question: string, papers: CitizenPaper[]): void => {
    if (papers.length > 0) sections.push({ kind, label, question, papers });
  };

  push(
    'always',
    '',
    '',
    docs.filter((x) => x.need === 'required' && x.situations.length === 0).map((x) => paper(x.d)),
  );
  for (const alt of checklist.alternatives) {
    push(
      'oneOf',
      alt.label,
      '',
      docs.filter((x) => x.need === 'alternative' && x.alternative === alt.id && x.situations.length === 0).map((x) => paper(x.d)),
    );
  }
  for (const group of checklist.situationGroups) {
    for (const s of group.situations) {
      const inSituation = docs.filter((x) => (x.need === 'situation' || x.need === 'alternative' || x.need === 'required') && x.situations.includes(s.id));
      push(
        'situation',
        s.label,
        group.label,
        inSituation.map((x) => paper(x.d)),
      );
    }
  }
  push(
    'ifAny',
    '',
    '',
    docs.filter((x) => x.need === 'optional').map((x) => paper(x.d)),
  );
  push(
    'show',
    '',
    '',
    docs.filter((x) => x.need === 'show').map((x) => paper(x.d)),
  );
  return sections;
}
