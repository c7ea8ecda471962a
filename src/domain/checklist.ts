import type { Procedure, RequiredDocument } from '../shared/catalog';

/**
 * The required-documents checklist of a procedure, as the counter officer works through it.
 *
 * The national catalog lists documents under headings (`RequiredDocument.group`) that mean
 * different things, and the checklist must not demand all of them:
 * - no heading, "Giấy tờ phải nộp", "Thành phần hồ sơ", "… gồm các giấy tờ sau": handed in, required
 *   (unless the document itself is optional, "nếu có");
 * - "Giấy tờ phải xuất trình": shown to the officer and handed back (the ID card…): checked, not
 *   collected, never "missing";
 * - a case heading ("Trường hợp 1: …", "a) Đối với …", "(ii) Trường hợp …", "1. NLĐ …"): documents
 *   needed only in that situation. Cases are alternatives: the officer picks the ones that apply, and
 *   only their documents become required;
 * - a document marked `lookedUp` ("Thông tin … được khai thác trong Cơ sở dữ liệu quốc gia …"):
 *   information the office reads from the national databases itself, listed apart, never collected,
 *   never missing, never printed as a received paper.
 */
export type ChecklistSectionKind = 'submit' | 'show' | 'case' | 'lookup';

export interface ChecklistSection {
  readonly kind: ChecklistSectionKind;
  /** Stable id within the procedure: "submit", "show", "lookup", or "case-<n>" in catalog order. */
  readonly id: string;
  /** The catalog's heading (null for the unnamed main list). */
  readonly title: string | null;
  readonly documents: readonly RequiredDocument[];
}

export interface ChecklistItem {
  readonly document: RequiredDocument;
  readonly section: ChecklistSection;
  /** Must be received (or excused with the officer's reason) before the dossier can be submitted. */
  readonly required: boolean;
}

const SHOW = /phải xuất trình|xuất trình/i;
/** "Trường hợp …", "Đối với …", "a) Đối với …", "(2) Trường hợp 2: …", "Tùy từng trường hợp …". */
const CASE = /^\s*(\(?[0-9ivx]+\)|[a-zđ]\)|\d+\.|-)?\s*(\(?\d+\)?\s*)?(trường hợp|đối với|nếu|khi|tùy)/i;
/** "(iii) …", "(4) …", "b) …", "1. Giấy tờ chứng minh …" (numbered situations). */
const CASE_NUMBERED = /^\s*(\(?[ivx]+\)|\(\d+\)|[a-zđ]\)|\d+\.)\s/i;

const MAIN_LIST = /^\s*(giấy tờ phải nộp|thành phần hồ sơ)(?!\p{L})/iu;

/**
 * What a heading means. `namedGroups` is the number of distinct headings of the procedure that are
 * neither "to show" nor the generic main list: one such heading is the main list under another
 * name ("Hồ sơ đăng ký tạm trú gồm"); several are alternative situations ("Đăng ký thường trú vào
 * chỗ ở … của mình" / "… do thuê, mượn, ở nhờ").
 */
export function sectionKindOf(group: string | null | undefined, namedGroups = 1): ChecklistSectionKind {
  if (!group) return 'submit';
  if (SHOW.test(group)) return 'show';
  if (MAIN_LIST.test(group)) return 'submit';
  if (CASE.test(group) || CASE_NUMBERED.test(group)) return 'case';
  return namedGroups > 1 ? 'case' : 'submit';
}

function namedGroupCount(procedure: Pick<Procedure, 'documents'>): number {
  const named = new Set<string>();
  for (const d of procedure.documents) if (d.group && !SHOW.test(d.group) && !MAIN_LIST.test(d.group)) named.add(d.group);
  return named.size;
}

/** The procedure's documents in sections, catalog order kept; cases numbered in order of appearance. */
export function checklistSections(procedure: Pick<Procedure, 'documents'>): ChecklistSection[] {
  const sections: { kind: ChecklistSectionKind; id: string; title: string | null; documents: RequiredDocument[] }[] = [];
  const byKey = new Map<string, (typeof sections)[number]>();
  let cases = 0;
  const named = namedGroupCount(procedure);
  for (const doc of procedure.documents) {
    const kind = doc.lookedUp === true ? 'lookup' : sectionKindOf(doc.group, named);
    // All non-case headings of one kind share a section; each case heading is its own section.
    const key = kind === 'case' ? `case|${doc.group ?? ''}` : kind;
    let section = byKey.get(key);
    if (!section) {
      const id = kind === 'case' ? `case-${++cases}` : kind;
      section = { kind, id, title: kind === 'case' || kind === 'show' ? (doc.group ?? null) : null, documents: [] };
      byKey.set(key, section);
      sections.push(section);
    }
    section.documents.push(doc);
  }
  // The main list first, then cases, then papers to show, then what the office looks up.
  const order: Record<ChecklistSectionKind, number> = { submit: 0, case: 1, show: 2, lookup: 3 };
  return sections.sort((a, b) => order[a.kind] - order[b.kind]);
}

/** Every document with whether it is required, given the cases the officer selected. */
export function checklistItems(procedure: Pick<Procedure, 'documents'>, selectedCases: ReadonlySet<string>): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  for (const section of checklistSections(procedure)) {
    const applies = section.kind === 'submit' || (section.kind === 'case' && selectedCases.has(section.id));
    for (const document of section.documents) items.push({ document, section, required: applies && !document.optional });
  }
  return items;
}

/** Required documents not received, in checklist order. */
export function missingDocuments(
  procedure: Pick<Procedure, 'documents'>,
  selectedCases: ReadonlySet<string>,
  receivedIds: ReadonlySet<string>,
): RequiredDocument[] {
  return checklistItems(procedure, selectedCases)
    .filter((item) => item.required && !receivedIds.has(item.document.id))
    .map((item) => item.document);
}
