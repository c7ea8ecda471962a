import type { TFunction } from 'i18next';
import { citizenChecklist, type CitizenPaper, type CitizenSection } from '../domain/citizenChecklist';
import { inPersonChannel, processingTimeOf, type ProcessingTime } from '../domain/dossierAppointment';
import { normalizeForSearch } from '../domain/normalizeText';
import { serviceGroupFor } from '../domain/procedureGroup';
import type { ChecklistPrintData } from '../print/ChecklistPrintData';
import type { PdfFonts } from '../print/PdfFonts';
import type { BranchConfig, ServiceGroup } from '../shared/branchConfig';
import type { Procedure } from '../shared/catalog';
import type { Clock } from '../shared/clock';
import type { PrintPdfResponse } from '../shared/ipc';
import { describeUnknown, err, type Result } from '../shared/result';
import type { CatalogSearchHit } from './catalogSearch';
import type { ProcedureCatalog } from './procedureCatalog';

/**
 * The citizen's procedure look-up (`app.guide`): browse the catalog by field or search it (the
 * counter's engine, catalogSearch.ts, through the same ProcedureCatalog), then one procedure:
 * the papers to bring by section (src/domain/citizenChecklist.ts), processing time, fee, the
 * service group to queue at (src/domain/procedureGroup.ts), and the papers printed on the ticket
 * printer as a take-home checklist.
 *
 * Guarantees: works offline (the published catalog, else the shipped seed); only active
 * procedures are offered; the printed list is Vietnamese whatever the screen language and holds
 * nothing the citizen typed; a print that fails is a Result with a code, never a throw.
 */
export interface FieldSummary {
  readonly field: string;
  readonly count: number;
}

export interface ProcedureFacts {
  readonly time: ProcessingTime | null;
  /** The in-person channel's fee in đồng (0 = free), null when the catalog gives only words. */
  readonly feeVnd: number | null;
  readonly feeText: string;
}

export interface ProcedureGuideView {
  readonly procedure: Procedure;
  readonly sections: readonly CitizenSection[];
  readonly group: ServiceGroup | null;
  readonly facts: ProcedureFacts;
}

export interface ProcedureGuide {
  /** Fields of the active procedures, the largest first (ties by name). */
  fields(): Promise<readonly FieldSummary[]>;
  /** Active procedures of one field, by name. */
  inField(field: string): Promise<readonly Procedure[]>;
  search(query: string, limit?: number): Promise<readonly CatalogSearchHit[]>;
  view(code: string): Promise<ProcedureGuideView | null>;
  /** Prints the procedure's checklist on the ticket printer (80 mm). */
  printChecklist(view: ProcedureGuideView): Promise<Result<PrintPdfResponse>>;
}

export interface ProcedureGuideDeps {
  readonly catalog: ProcedureCatalog;
  readonly branch: BranchConfig;
  readonly clock: Clock;
  readonly loadFonts: () => Promise<PdfFonts>;
  readonly print: (pdf: Uint8Array, jobName: string) => Promise<Result<PrintPdfResponse>>;
  /** Vietnamese messages (the printed list is always Vietnamese). */
  readonly printT: TFunction;
}

export function createProcedureGuide(deps: ProcedureGuideDeps): ProcedureGuide {
  const { catalog, branch } = deps;
  const active = async (): Promise<Procedure[]> => (await catalog.all()).filter((p) => p.active);
  let renderer: Promise<{ render(data: ChecklistPrintData): Promise<Uint8Array> }> | null = null;

  return {
    async fields() {
      const counts = new Map<string, number>();
      for (const p of await active()) counts.set(p.field, (counts.get(p.field) ?? 0) + 1);
      return [...counts].map(([field, count]) => ({ field, count })).sort((a, b) => b.count - a.count || a.field.localeCompare(b.field, 'vi'));
    },
    async inField(field) {
      return (await active()).filter((p) => p.field === field).sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    },
    search: (query, limit = 12) => catalog.search(query, limit),
    async view(code) {
      const procedure = await catalog.find(code);
      if (!procedure || !procedure.active) return null;
      return { procedure, sections: citizenChecklist(procedure), group: serviceGroupFor(procedure.field, branch.serviceGroups), facts: factsOf(procedure) };
    },
    async printChecklist(view) {
      try {
        renderer ??= Promise.all([deps.loadFonts(), import('../print/checklistPdf')]).then(([fonts, m]) => m.createChecklistPdfRenderer(fonts));
        const data = checklistPrintData(view, branch, deps.clock.now(), deps.printT);
        const pdf = await (await renderer).render(data);
        return await deps.print(pdf, `Giay to ${view.procedure.code}`);
      } catch (e) {
        renderer = null;
        return err('print.render-failed', describeUnknown(e));
      }
    },
  };
}

export function factsOf(procedure: Procedure): ProcedureFacts {
  const channel = inPersonChannel(procedure) ?? procedure.channels[0] ?? null;
  return { time: processingTimeOf(procedure), feeVnd: channel?.feeVnd ?? null, feeText: channel?.feeText ?? '' };
}

/** The facts in words of `t`'s language: "Thời hạn giải quyết: 5 ngày làm việc", "Lệ phí: Miễn phí". */
export function describeFacts(t: TFunction, facts: ProcedureFacts): { time: string; fee: string } {
  const time = facts.time ? t(`citizen.lookup.time.${facts.time.unit}`, { count: facts.time.amount }) : t('citizen.lookup.time.unknown');
  let fee: string;
  if (facts.feeVnd === 0) fee = t('citizen.lookup.fee.free');
  else if (facts.feeVnd !== null) fee = t('citizen.lookup.fee.amount', { amount: facts.feeVnd.toLocaleString('vi-VN') });
  else fee = t('citizen.lookup.fee.unknown');
  return { time, fee };
}

/** A paper in plain words: its name and how many originals and copies. */
export function describePaper(t: TFunction, paper: CitizenPaper): string {
  const parts: string[] = [];
  if (paper.originals > 0) parts.push(t('citizen.lookup.originals', { count: paper.originals }));
  if (paper.copies > 0) parts.push(t('citizen.lookup.copies', { count: paper.copies }));
  return parts.length === 0 ? paper.name : `${paper.name} (${parts.join(', ')})`;
}

/** A section's heading in words of `t`'s language. */
export function sectionTitle(t: TFunction, section: CitizenSection): string {
  return t(`citizen.lookup.section.${section.kind}`, { label: section.label });
}

/** The service line both the screen and the list print: "Lấy số quầy A – Hộ tịch, chứng thực". */
export function serviceLine(t: TFunction, group: ServiceGroup, lang: 'vi' | 'en'): string {
  return t('citizen.lookup.group', { prefix: group.prefix, name: group.name[lang] });
}

export function checklistPrintData(view: ProcedureGuideView, branch: BranchConfig, printedAt: number, t: TFunction): ChecklistPrintData {
  const facts = describeFacts(t, view.facts);
  return {
    branchName: branch.name.vi,
    procedureName: view.procedure.name,
    procedureCode: view.procedure.code,
    serviceLine: view.group ? serviceLine(t, view.group, 'vi') : t('citizen.lookup.noGroup'),
    facts: [`${t('citizen.lookup.timeLabel')}: ${facts.time}`, `${t('citizen.lookup.feeLabel')}: ${facts.fee}`],
    sections: view.sections.map((s) => ({ title: sectionTitle(t, s), papers: s.papers.map((p) => describePaper(t, p)) })),
    printedAt,
    utcOffsetMinutes: branch.utcOffsetMinutes,
    labels: {
      title: t('print.checklist.title'),
      code: t('print.checklist.code'),
      printedAt: t('print.checklist.printedAt'),
      footer: t('print.checklist.footer'),
    },
  };
}

/** For the search box: whether a query is worth a search (two letters or a digit). */
export function isSearchable(query: string): boolean {
  const q = normalizeForSearch(query).trim();
  return q.length >= 2 || /\d/u.test(q);
}
