import type { ChecklistAlternative, ChecklistSituationGroup, DocumentNeed, Procedure, ProcedureChecklist, RequiredDocument } from '../shared/catalog';
import { classifyByRules } from './checklistRules';

/**
 * The required-documents checklist of a procedure, as the counter officer works through it.
 *
 * The catalog classifies each paper (`RequiredDocument.need`, assets/catalog/README.md): always
 * required, required in a situation the officer ticks, one of an alternative group, handed in if
 * the citizen has one, shown and handed back, or only information. A procedure the centre has not
 * classified (or classified in a way this kiosk cannot read) is classified by rule from its
 * headings (`checklistRules.ts`), so a published catalog is always workable.
 *
 * Guarantees: only papers that apply are required; a paper only shown, only information or
 * optional is never missing; an alternative group is missing once (under its label) when none of
 * its papers was received; a required situation question without a ticked answer is reported by
 * `unansweredGroups` (the dossier cannot be received without it).
 */

export interface Classification {
  readonly checklist: ProcedureChecklist;
  readonly needOf: (doc: RequiredDocument) => { need: DocumentNeed; situations: readonly string[]; alternative: string | null };
}

/** The catalog's classification when every paper has one that resolves, else the rule's. */
export function classificationOf(procedure: Pick<Procedure, 'documents' | 'checklist'>): Classification {
  const published = procedure.checklist;
  if (published && procedure.documents.every((d) => d.need !== undefined) && resolves(procedure.documents, published)) {
    return {
      checklist: published,
      needOf: (d) => ({ need: d.need ?? 'required', situations: d.situations ?? [], alternative: d.alternative ?? null }),
    };
  }
  const rules = classifyByRules(procedure);
  return {
    checklist: rules.checklist,
    needOf: (d) => {
      const c = rules.documents.get(d.id);
      return { need: c?.need ?? 'required', situations: c?.situations ?? [], alternative: c?.alternative ?? null };
    },
  };
}

function resolves(documents: readonly RequiredDocument[], checklist: ProcedureChecklist): boolean {
  const situations = new Set(checklist.situationGroups.flatMap((g) => g.situations.map((s) => s.id)));
  const alternatives = new Set(checklist.alternatives.map((a) => a.id));
  return documents.every(
    (d) =>
      (d.situations ?? []).every((s) => situations.has(s)) &&
      (d.need !== 'situation' || (d.situations ?? []).length > 0) &&
      (d.need !== 'alternative' || (d.alternative !== undefined && alternatives.has(d.alternative))),
  );
}

export interface ChecklistItem {
  readonly document: RequiredDocument;
  readonly need: DocumentNeed;
  /** Must be received (or excused with the officer's reason): always-required papers and those of a ticked situation. */
  readonly required: boolean;
  /** The ticked situations that bring the paper in (labels), for `situation` and situation-bound alternatives. */
  readonly situations: readonly string[];
  /** The group this paper is one of (`alternative`): one received paper of the group is enough. */
  readonly alternative: ChecklistAlternative | null;
}

export interface SituationView {
  readonly id: string;
  readonly label: string;
  readonly selected: boolean;
  /** Papers the situation brings in. */
  readonly documents: number;
}

export interface SituationGroupView {
  readonly id: string;
  readonly label: string;
  readonly pick: ChecklistSituationGroup['pick'];
  readonly required: boolean;
  readonly situations: readonly SituationView[];
  /** Required and none of its situations ticked: the dossier cannot be received yet. */
  readonly unanswered: boolean;
}

export interface ChecklistView {
  readonly groups: readonly SituationGroupView[];
  /** Papers that apply, in order: to hand in (catalog order), optional, to show, information. */
  readonly items: readonly ChecklistItem[];
  /** Papers of situations not ticked: not shown as papers to collect. */
  readonly hidden: number;
}

const ORDER: Record<DocumentNeed, number> = { required: 0, situation: 0, alternative: 0, optional: 1, show: 2, info: 3 };

/** The checklist given the situations the officer ticked (ids). */
export function checklistView(procedure: Pick<Procedure, 'documents' | 'checklist'>, selected: ReadonlySet<string>): ChecklistView {
  const { checklist, needOf } = classificationOf(procedure);
  const labelOf = new Map(checklist.situationGroups.flatMap((g) => g.situations.map((s) => [s.id, s.label] as const)));
  const alternatives = new Map(checklist.alternatives.map((a) => [a.id, a]));
  const counts = new Map<string, number>();
  const items: ChecklistItem[] = [];
  let hidden = 0;
  for (const document of procedure.documents) {
    const { need, situations, alternative } = needOf(document);
    for (const s of situations) counts.set(s, (counts.get(s) ?? 0) + 1);
    const ticked = situations.filter((s) => selected.has(s));
    if (situations.length > 0 && ticked.length === 0 && (need === 'situation' || need === 'alternative')) {
      hidden += 1;
      continue;
    }
    items.push({
      document,
      need,
      required: need === 'required' || need === 'situation',
      situations: ticked.map((s) => labelOf.get(s) ?? s),
      alternative: need === 'alternative' && alternative !== null ? (alternatives.get(alternative) ?? null) : null,
    });
  }
  items.sort((a, b) => ORDER[a.need] - ORDER[b.need]);
  const groups = checklist.situationGroups.map((g): SituationGroupView => {
    const situations = g.situations.map((s) => ({ id: s.id, label: s.label, selected: selected.has(s.id), documents: counts.get(s.id) ?? 0 }));
    return { id: g.id, label: g.label, pick: g.pick, required: g.required, situations, unanswered: g.required && !situations.some((s) => s.selected) };
  });
  return { groups, items, hidden };
}

/** Every applicable paper with whether it is required, given the situations the officer ticked. */
export function checklistItems(procedure: Pick<Procedure, 'documents' | 'checklist'>, selected: ReadonlySet<string>): ChecklistItem[] {
  return [...checklistView(procedure, selected).items];
}

/** Required situation questions with nothing ticked. */
export function unansweredGroups(procedure: Pick<Procedure, 'documents' | 'checklist'>, selected: ReadonlySet<string>): SituationGroupView[] {
  return checklistView(procedure, selected).groups.filter((g) => g.unanswered);
}

/** A required paper not received: an alternative group counts once, named by its label, under its first paper's id. */
export interface MissingPaper {
  readonly documentId: string;
  readonly name: string;
}

/** What is missing among `items` given the received ids, in checklist order. */
export function missingOf(items: readonly ChecklistItem[], receivedIds: ReadonlySet<string>): MissingPaper[] {
  const missing: MissingPaper[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const group = item.alternative;
    if (group !== null) {
      if (seen.has(group.id)) continue;
      seen.add(group.id);
      const members = items.filter((i) => i.alternative?.id === group.id);
      if (!members.some((i) => receivedIds.has(i.document.id))) missing.push({ documentId: item.document.id, name: group.label });
    } else if (item.required && !receivedIds.has(item.document.id)) missing.push({ documentId: item.document.id, name: item.document.name });
  }
  return missing;
}

/** Required papers not received, given the ticked situations. */
export function missingDocuments(
  procedure: Pick<Procedure, 'documents' | 'checklist'>,
  selected: ReadonlySet<string>,
  receivedIds: ReadonlySet<string>,
): MissingPaper[] {
  return missingOf(checklistView(procedure, selected).items, receivedIds);
}
