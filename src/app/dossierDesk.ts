import i18next from 'i18next';
import { checklistItems, missingDocuments } from '../domain/checklist';
import { maskIdNumber, parseCitizenIdQr } from '../domain/citizenId';
import { localDayKey, toLocalDateTime } from '../domain/localDay';
import { appointmentFor, nextWorkingMoment, type IsoWeekday, type WeeklyHours } from '../domain/workingCalendar';
import type { Platform } from '../platform/Platform';
import type { PdfFonts } from '../print/PdfFonts';
import { createReceiptPdfRenderer, type ReceiptPdfRenderer } from '../print/receiptPdf';
import type { ReceiptPrintData } from '../print/ReceiptPrintData';
import type { BranchConfig, DossierReception } from '../shared/branchConfig';
import { CalendarYear } from '../shared/calendar';
import { Procedure } from '../shared/catalog';
import type { Clock, RandomBytes } from '../shared/clock';
import type { DeviceConfig } from '../shared/deviceConfig';
import { uuidv7 } from '../shared/ids';
import type { OutboxEntry } from '../shared/outbox';
import type { PrintPdfResponse } from '../shared/ipc';
import { branchScope, GLOBAL_SCOPE, type DossierStatus } from '../shared/published';
import { AppFailure, describeUnknown, err, ok, summarizeIssues, type Result } from '../shared/result';
import { MAX_BLOB_BYTES } from '../shared/sync';
import { DossierApplicantArgs, DossierSubmitArgs, type DossierDocumentArgs } from '../shared/records';
import { newLookupSecret } from '../shared/wireTypes';
import {
  allDossiers,
  blobStates,
  documentBlob,
  documentsOf,
  dossiersOfDay,
  rejectedDossierCodes,
  getDossierByCode,
  receiveDossier,
  recordReceiptPrinted,
  type NewDocumentPdf,
} from '../storage/dossierRepository';
import { isStuckScan, sha256OfBlob } from '../storage/blobRepository';
import { recordCounterAudit, recordReceiptAudit } from '../storage/auditRepository';
import type { DossierRecord, DossierRow, KioskDb } from '../storage/KioskDb';
import { watchQuery } from '../storage/watch';
import { DEFAULT_STUCK_AFTER_MS } from '../sync/SyncLoop';
import type { ReferenceDb } from '../storage/referenceDb';
import { getCursor, publishedKeysWithPrefix, readPublished, readPublishedOne } from '../storage/referenceRepository';
import { createCatalogSearch, normalizeForSearch, type CatalogSearch } from './catalogSearch';
import type { AppointmentPreview, DossierDesk, DossierDraft, DossierListRow, DossierSyncState, ReceivedDossier, ReuseCandidate } from './dossierTypes';
import type { Catalog } from './i18n/vi';
import { receiptLabelsFrom, type ProcessingUnit } from './receiptLabels';

export interface DossierDeskDeps {
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  readonly platform: Platform;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly branch: BranchConfig;
  readonly device: () => DeviceConfig;
  readonly loadFonts: () => Promise<PdfFonts>;
  /** The catalog shipped with the app (assets/catalog), used until the centre publishes one. */
  readonly loadSeedCatalog: () => Promise<unknown>;
  /** Calendar years shipped with the app (assets/calendar); published years replace them. */
  readonly seedCalendars: readonly unknown[];
  /** Refuses new capture when the disk is nearly full (throws AppFailure). */
  readonly assertCaptureAllowed: () => void;
  /** Hands the saved entry to sync (file journal copy, wake the leader). */
  readonly saved: (entry: OutboxEntry) => Promise<void>;
  /** Resolves once this counter value's high-water mark is on disk (before the code is shown). */
  readonly reserveCounter?: (mark: { readonly key: string; readonly value: number }) => Promise<void>;
  /** A scan failing to reach the centre this long marks its dossier 'scans-stuck' (sync's threshold). */
  readonly stuckScanAfterMs?: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function createDossierDesk(deps: DossierDeskDeps): DossierDesk {
  const { db, reference, platform, clock, branch } = deps;
  const stuckScanAfterMs = deps.stuckScanAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  const reception: DossierReception | null = branch.reception ?? null;

  // --- catalog: the published one when there is one, else the seed; rebuilt when it changes -----
  let catalogState: { key: string; procedures: readonly Procedure[]; search: CatalogSearch } | null = null;
  let seed: Promise<readonly Procedure[]> | null = null;

  function loadSeed(): Promise<readonly Procedure[]> {
    seed ??= deps
      .loadSeedCatalog()
      .then((raw) => {
        const list = Array.isArray(raw) ? raw : ((raw as { procedures?: unknown[] } | null)?.procedures ?? []);
        return list.flatMap((p) => {
          const parsed = Procedure.safeParse(p);
          return parsed.success ? [parsed.data] : [];
        });
      })
      .catch((e: unknown) => {
        seed = null;
        throw new AppFailure('dossier.catalog-unavailable', describeUnknown(e));
      });
    return seed;
  }

  async function catalog(): Promise<NonNullable<typeof catalogState>> {
    // Called on every keystroke of the picker: the global scope's pull cursor moves with every
    // published change, so one read tells whether the index is still current.
    const key = `cursor:${await getCursor(reference, GLOBAL_SCOPE)}`;
    if (catalogState?.key === key) return catalogState;
    const published = await readPublished<Procedure>(reference, GLOBAL_SCOPE, 'procedure');
    const source = published.length > 0 ? published : await loadSeed();
    catalogState = { key, procedures: source, search: createCatalogSearch(source) };
    return catalogState;
  }

  async function calendars(): Promise<CalendarYear[]> {
    const byYear = new Map<number, CalendarYear>();
    for (const raw of deps.seedCalendars) {
      const parsed = CalendarYear.safeParse(raw);
      if (parsed.success) byYear.set(parsed.data.year, parsed.data);
    }
    for (const year of await readPublished<CalendarYear>(reference, GLOBAL_SCOPE, 'calendar')) byYear.set(year.year, year);
    return [...byYear.values()].sort((a, b) => a.year - b.year);
  }

  function hoursOf(r: DossierReception): WeeklyHours {
    const byWeekday: Partial<Record<IsoWeekday, readonly { start: string; end: string }[]>> = {};
    for (const [day, periods] of Object.entries(r.workingHoursByWeekday ?? {})) byWeekday[Number(day) as IsoWeekday] = periods ?? [];
    return { default: r.workingHours, byWeekday };
  }

  function processingTime(procedure: Procedure): { amount: number; unit: ProcessingUnit; text: string } | null {
    const channel = procedure.channels.find((c) => c.channel === 'in-person') ?? procedure.channels[0];
    if (!channel) return null;
    if (channel.duration) return { amount: channel.duration.amount, unit: channel.duration.unit, text: channel.timeText };
    if (channel.workingDays !== null) return { amount: channel.workingDays, unit: 'working-day', text: channel.timeText };
    return null;
  }

  async function appointmentAt(procedure: Procedure, receivedAt: number): Promise<AppointmentPreview> {
    const time = processingTime(procedure);
    if (!reception || !time) return { kind: 'needs-confirmation', reason: 'no-working-days' };
    const calendar = await calendars();
    const base = { utcOffsetMinutes: branch.utcOffsetMinutes, calendar, hours: hoursOf(reception), cutoff: reception.cutoff ?? undefined };
    if (time.unit === 'working-day') {
      // Half days and the like are rounded up: the citizen is never told a day too early.
      const a = appointmentFor({ ...base, receivedAt, workingDays: Math.ceil(time.amount) });
      if (a.kind !== 'date') return { kind: 'needs-confirmation', reason: 'beyond-calendar' };
      return { kind: 'date', at: a.dueAt, date: a.dueDate, provisional: a.provisional };
    }
    // Calendar days or hours run around the clock; the result is handed over at the next working moment.
    const due = receivedAt + time.amount * (time.unit === 'day' ? DAY_MS : HOUR_MS);
    const m = nextWorkingMoment({ ...base, at: due, cutoff: undefined });
    if (m.kind !== 'moment') return { kind: 'needs-confirmation', reason: 'beyond-calendar' };
    const provisional = calendar.some((y) => !y.final && y.year === toLocalDateTime(m.at, branch.utcOffsetMinutes).year);
    return { kind: 'date', at: m.at, date: localDayKey(m.at, branch.utcOffsetMinutes), provisional };
  }

  function toReceived(row: DossierRow): ReceivedDossier {
    return { args: row.args, syncedAt: row.syncedAt, printedAt: row.printedAt, printCount: row.printCount };
  }

  /** List rows; the sync issues are read once for all of them. */
  async function listRows(rows: readonly DossierRow[]): Promise<DossierListRow[]> {
    const rejected = await rejectedDossierCodes(
      db,
      rows.map((r) => r.code),
    );
    return Promise.all(rows.map((row) => listRow(row, rejected.has(row.code))));
  }

  async function listRow(row: DossierRow, rejected: boolean): Promise<DossierListRow> {
    const a = row.args;
    const fresh = a.documents.filter((d) => d.reusedFrom === null).map((d) => d.sha256);
    const scans = await blobStates(db, fresh);
    const now = clock.now();
    const unsent = scans.filter((s) => s !== null && s.state !== 'verified');
    let syncState: DossierSyncState = 'local';
    if (rejected) syncState = 'rejected';
    else if (scans.some((s) => s === null)) syncState = 'scans-lost';
    else if (unsent.some((s) => isStuckScan(s!.failingSince, now, stuckScanAfterMs))) syncState = 'scans-stuck';
    // The record goes first (SyncEngine); the centre has the dossier complete only with every scan.
    else if (row.syncedAt !== null) syncState = unsent.length > 0 ? 'scans-pending' : 'confirmed';
    else if (scans.some((s) => s!.state === 'uploading' || s!.state === 'verified')) syncState = 'uploading';
    const centreStatus = await readPublishedOne<DossierStatus>(reference, branchScope(branch.branchCode), 'dossierStatus', row.code);
    return {
      id: row.id,
      code: row.code,
      receivedAt: row.receivedAt,
      applicantName: a.applicant.fullName,
      idNumberMasked: maskId(a.applicant.idNumber),
      procedureCode: a.procedure.code,
      procedureName: a.procedure.name,
      documents: a.documents.length,
      missing: a.missing.length,
      syncState,
      centreStatus,
      appointment: a.appointment,
      printedAt: row.printedAt,
    };
  }

  let receiptRenderer: Promise<ReceiptPdfRenderer> | null = null;
  function renderer(): Promise<ReceiptPdfRenderer> {
    receiptRenderer ??= deps.loadFonts().then((fonts) => createReceiptPdfRenderer(fonts));
    receiptRenderer.catch(() => {
      receiptRenderer = null;
    });
    return receiptRenderer;
  }

  /**
   * The centre's audit log: one `dossier.reuse` per earlier dossier whose documents went into
   * `code`, right after the dossier is saved. The dossier stands if this fails; it is logged.
   */
  async function auditReuse(code: string, documents: readonly DossierDocumentArgs[]): Promise<void> {
    const reused = new Map<string, number>();
    for (const d of documents) if (d.reusedFrom !== null) reused.set(d.reusedFrom, (reused.get(d.reusedFrom) ?? 0) + 1);
    if (reused.size === 0) return;
    const events = [...reused].map(([from, count]) => ({ action: 'dossier.reuse' as const, dossierCode: from, relatedCode: code, documents: count }));
    try {
      const entries = await recordCounterAudit(db, deps.device().deviceId, branch.branchCode, events, clock, deps.random);
      for (const entry of entries) void deps.saved(entry).catch(() => undefined);
    } catch (e) {
      console.error('could not record the reuse for the audit log', describeUnknown(e));
    }
  }

  function receiptData(a: DossierRecord, r: DossierReception, lookupSecret: string | null): ReceiptPrintData {
    const catalogVi = i18next.getResourceBundle('vi', 'translation') as Catalog | undefined;
    if (!catalogVi?.print?.receipt) throw new AppFailure('print.render-failed', 'the Vietnamese receipt labels are not loaded');
    return {
      agencyName: r.agencyName,
      receivingUnitName: r.receivingUnitName,
      dossierCode: a.code,
      applicant: {
        name: a.applicant.fullName,
        idNumberMasked: maskId(a.applicant.idNumber),
        address: a.applicant.address,
        phone: a.applicant.phone,
        email: a.applicant.email,
      },
      procedure: { name: a.procedure.name, code: a.procedure.code },
      documents: a.documents.map((d) => ({ name: d.name, originals: d.originals, copies: d.copies })),
      sets: a.sets,
      // No unit-bearing time in the catalog: stored as 0 with an appointment to confirm.
      processingDays: a.procedure.processingTime === 0 && a.appointment.kind === 'needs-confirmation' ? null : a.procedure.processingTime,
      receivedAt: a.receivedAt,
      appointment:
        a.appointment.kind === 'date' ? { kind: 'date', at: a.appointment.at, provisional: a.appointment.provisional } : { kind: 'needsConfirmation' },
      missing: a.missing,
      incompleteReason: a.incompleteReason,
      utcOffsetMinutes: branch.utcOffsetMinutes,
      resultDelivery: a.resultDelivery,
      officerName: a.officerName,
      lookupSecret: a.lookupSecret ?? lookupSecret,
      lookupBaseUrl: r.lookupBaseUrl,
      labels: receiptLabelsFrom(catalogVi.print.receipt, r.placeName, a.procedure.unit),
    };
  }

  const desk: DossierDesk = {
    reception,

    async procedures() {
      return (await catalog()).procedures.filter((p) => p.active);
    },

    async searchProcedures(query, limit = 20) {
      return (await catalog()).search.search(query, limit);
    },

    async procedure(code) {
      return (await catalog()).procedures.find((p) => p.code === code) ?? null;
    },

    checklist: (procedure, selectedCases) => checklistItems(procedure, new Set(selectedCases)),

    readIdCard(text) {
      const t = toLocalDateTime(clock.now(), branch.utcOffsetMinutes);
      return parseCitizenIdQr(text, { year: t.year, month: t.month, day: t.day });
    },

    processingTime,

    appointmentPreview: (procedure) => appointmentAt(procedure, clock.now()),

    async reuseCandidates(idNumber) {
      const validityDays = reception?.reuseValidityDays ?? 0;
      const rows = await documentsOf(db, idNumber.trim(), clock.now() - validityDays * DAY_MS);
      const seen = new Set<string>();
      const out: ReuseCandidate[] = [];
      for (const r of rows) {
        if (seen.has(r.sha256)) continue;
        seen.add(r.sha256);
        out.push({
          sha256: r.sha256,
          size: r.size,
          pages: r.pages,
          name: r.name,
          documentId: r.documentId,
          dossierCode: r.dossierCode,
          procedureName: r.procedureName,
          receivedAt: r.receivedAt,
        });
      }
      return out;
    },

    suggestReuse(procedure, candidates) {
      const out = new Map<string, ReuseCandidate>();
      const words = candidates.map((c) => ({ c, w: docWords(c.name) }));
      for (const doc of procedure.documents) {
        const mine = docWords(doc.name);
        let best: { c: ReuseCandidate; score: number } | null = null;
        for (const { c, w } of words) {
          const score = jaccard(mine, w);
          if (score >= 0.75 && (!best || score > best.score)) best = { c, score };
        }
        if (best) out.set(doc.id, best.c);
      }
      return out;
    },

    async submit(draft: DossierDraft): Promise<Result<ReceivedDossier>> {
      try {
        deps.assertCaptureAllowed();
        if (!reception) return err('dossier.no-reception', `branch ${branch.branchCode} has no dossier reception settings`);
        const device = deps.device();
        if (device.kioskSlot >= reception.numbering.slots) {
          return err('dossier.slot-out-of-range', `device slot ${device.kioskSlot} ≥ the branch's ${reception.numbering.slots} dossier slots`);
        }
        const procedure = await desk.procedure(draft.procedureCode);
        if (!procedure) return err('dossier.procedure-unknown', `no procedure ${draft.procedureCode} in the catalog`);
        const time = processingTime(procedure);

        const applicant = DossierApplicantArgs.safeParse(cleanApplicant(draft.applicant));
        if (!applicant.success) return err('dossier.applicant-invalid', summarizeIssues(applicant.error));

        // Documents: a PDF captured now, or one reused by hash; never both, never neither. A reused
        // PDF must be one this applicant gave here (another citizen's papers never slip in).
        const pdfs: NewDocumentPdf[] = [];
        const documents: DossierDocumentArgs[] = [];
        const reusable = new Set(draft.documents.some((d) => d.reuse) ? (await desk.reuseCandidates(applicant.data.idNumber)).map((c) => c.sha256) : []);
        for (const d of draft.documents) {
          if (d.reuse) {
            if (!reusable.has(d.reuse.sha256)) {
              return err('dossier.reuse-not-allowed', `document ${d.documentId}: the reused PDF is not one this applicant gave at this branch`);
            }
            documents.push({
              documentId: d.documentId,
              name: d.name,
              originals: d.originals,
              copies: d.copies,
              sha256: d.reuse.sha256,
              size: d.reuse.size,
              pages: d.reuse.pages,
              reusedFrom: d.reuse.dossierCode,
            });
            continue;
          }
          if (!d.pdf || d.pdf.bytes.size === 0 || d.pdf.pages < 1) {
            return err('dossier.document-empty', `document ${d.documentId} has no pages; capture it or remove it`);
          }
          if (d.pdf.bytes.size > MAX_BLOB_BYTES) return err('dossier.document-too-large', `document ${d.documentId} has ${d.pdf.bytes.size} bytes`);
          const sha256 = await sha256OfBlob(d.pdf.bytes);
          pdfs.push({ sha256, data: d.pdf.bytes });
          documents.push({
            documentId: d.documentId,
            name: d.name,
            originals: d.originals,
            copies: d.copies,
            sha256,
            size: d.pdf.bytes.size,
            pages: d.pdf.pages,
            reusedFrom: null,
          });
        }
        const received = new Set(documents.map((d) => d.documentId));
        const missing = missingDocuments(procedure, new Set(draft.selectedCases), received).map((d) => ({ documentId: d.id, name: d.name }));
        const reason = draft.incompleteReason?.trim() ?? '';
        if (missing.length > 0 && reason === '') {
          return err('dossier.missing-documents', `${missing.length} required document(s) missing and no reason given`);
        }

        const receivedAt = clock.now();
        const appointment = await appointmentAt(procedure, receivedAt);
        // Today's codes of this unit the centre has published back (read before the transaction).
        const t = toLocalDateTime(receivedAt, branch.utcOffsetMinutes);
        const datePart = `${String(t.year % 100).padStart(2, '0')}${String(t.month).padStart(2, '0')}${String(t.day).padStart(2, '0')}`;
        const knownCodes = await publishedKeysWithPrefix(reference, branchScope(branch.branchCode), 'dossierStatus', `${reception.unitCode}-${datePart}-`);
        const id = uuidv7(receivedAt, deps.random);
        const lookupSecret = newLookupSecret(deps.random);
        const { row, outboxEntry, counter } = await receiveDossier(
          db,
          {
            deviceId: device.deviceId,
            slot: device.kioskSlot,
            unitCode: reception.unitCode,
            numbering: reception.numbering,
            utcOffsetMinutes: branch.utcOffsetMinutes,
            receivedAt,
            pdfs,
            knownCodes,
            build: (code) => {
              const args: DossierSubmitArgs = {
                id,
                code: code.code,
                branchCode: branch.branchCode,
                slot: device.kioskSlot,
                receivedAt,
                procedure: { code: procedure.code, name: procedure.name, processingTime: time?.amount ?? 0, unit: time?.unit ?? 'working-day' },
                applicant: applicant.data,
                documents,
                missing,
                incompleteReason: missing.length > 0 ? reason.slice(0, 1000) : null,
                sets: Math.min(10, Math.max(1, Math.trunc(draft.sets) || 1)),
                appointment:
                  appointment.kind === 'date'
                    ? { kind: 'date', at: appointment.at, date: appointment.date, provisional: appointment.provisional }
                    : { kind: 'needs-confirmation' },
                resultDelivery: { method: draft.resultDelivery.method, detail: draft.resultDelivery.detail.trim().slice(0, 300) },
                lookupSecret,
                officerName: '',
              };
              // The same schema the server applies: a dossier the centre would refuse is never saved.
              const checked = DossierSubmitArgs.safeParse(args);
              if (!checked.success) throw new AppFailure('dossier.invalid', summarizeIssues(checked.error));
              return checked.data;
            },
          },
          clock,
          deps.random,
        );
        void deps.saved(outboxEntry).catch(() => undefined);
        await deps.reserveCounter?.(counter);
        await auditReuse(row.code, documents);
        return ok(toReceived(row));
      } catch (e) {
        if (e instanceof AppFailure) return err(e.code, e.message);
        return err('storage.write-failed', describeUnknown(e));
      }
    },

    async get(code) {
      const row = await getDossierByCode(db, code);
      return row ? toReceived(row) : null;
    },

    async receiptPdf(code, lookupSecret = null) {
      try {
        const row = await getDossierByCode(db, code);
        if (!row) return err('dossier.not-found', `no dossier ${code} on this machine`);
        if (!reception) return err('dossier.no-reception', `branch ${branch.branchCode} has no dossier reception settings`);
        return ok(await (await renderer()).render(receiptData(row.args, reception, lookupSecret)));
      } catch (e) {
        if (e instanceof AppFailure) return err(e.code, e.message);
        return err('print.render-failed', describeUnknown(e));
      }
    },

    async printReceipt(code, lookupSecret = null): Promise<Result<PrintPdfResponse>> {
      const pdf = await desk.receiptPdf(code, lookupSecret);
      if (!pdf.ok) return pdf;
      // Both copies are pages of one PDF: one job, one copy.
      const printed = await platform
        .printPdf({ printerName: deps.device().printerName, jobName: `Giay tiep nhan ${code}`, pdf: pdf.value, copies: 1 })
        .catch((e: unknown) => err<PrintPdfResponse>('print.failed', describeUnknown(e)));
      if (printed.ok) {
        await recordReceiptPrinted(db, code, clock.now()).catch(() => undefined);
        // The centre's audit log: who printed (this device) which receipt, first print or reprint.
        await recordReceiptAudit(db, deps.device().deviceId, branch.branchCode, code, clock, deps.random)
          .then((entry) => {
            if (entry) void deps.saved(entry).catch(() => undefined);
          })
          .catch((e: unknown) => console.error('could not record the print for the audit log', describeUnknown(e)));
      }
      return printed;
    },

    watchToday(onChange) {
      return watchQuery(
        async () => listRows(await dossiersOfDay(db, localDayKey(clock.now(), branch.utcOffsetMinutes))),
        onChange,
        (e) => console.error('dossier list failed', describeUnknown(e)),
      );
    },

    async search(query) {
      const q = normalizeForSearch(query).trim();
      if (q === '') return [];
      const digits = query.replace(/\D/g, '');
      const words = q.split(/\s+/);
      const rows = (await allDossiers(db)).filter((r) => {
        if (r.code.toLowerCase().includes(query.trim().toLowerCase())) return true;
        if (digits.length >= 4 && r.args.applicant.idNumber.includes(digits)) return true;
        const name = normalizeForSearch(r.args.applicant.fullName);
        return words.every((w) => name.includes(w));
      });
      return listRows(rows.slice(0, 100));
    },

    documentPdf: (sha256) => documentBlob(db, sha256),
  };
  return desk;
}

function maskId(id: string): string {
  return /^\d{12}$/.test(id) ? maskIdNumber(id) : id.length > 4 ? `${'*'.repeat(id.length - 3)}${id.slice(-3)}` : '***';
}

function cleanApplicant(a: DossierDraft['applicant']): DossierDraft['applicant'] {
  const text = (s: string): string => s.normalize('NFC').replace(/\s+/g, ' ').trim();
  return {
    ...a,
    idNumber: a.idNumber.replace(/\s+/g, '').toUpperCase(),
    fullName: text(a.fullName),
    address: text(a.address),
    phone: a.phone.replace(/[^\d+]/g, ''),
    email: a.email.trim(),
  };
}

/** Words of a document name that tell papers apart ("bản sao", "bản chính" say how, not what). */
function docWords(name: string): Set<string> {
  const stop = new Set(['ban', 'sao', 'chinh', 'hop', 'le', 'co', 'chung', 'thuc', 'cua', 'va', 'hoac', 'the', 'neu', '01', '02', 'mot']);
  return new Set(
    normalizeForSearch(name.replace(/\(.*?\)/g, ' '))
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !stop.has(w)),
  );
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  for (const w of a) if (b.has(w)) common++;
  return common / (a.size + b.size - common);
}
