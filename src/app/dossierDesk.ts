import { TicketNumberText } from '../shared/queue';
import { checklistView, missingDocuments, unansweredGroups } from '../domain/checklist';
import { parseCitizenIdQr } from '../domain/citizenId';
import { dossierAppointment, processingTimeOf, type AppointmentPreview } from '../domain/dossierAppointment';
import { suggestReuse } from '../domain/documentReuse';
import { toLocalDateTime } from '../domain/localDay';
import { normalizeApplicant } from '../domain/normalizeApplicant';
import { normalizeText } from '../domain/normalizeText';
import { processingSetAppointment } from '../domain/processingSet';
import type { DossierReception } from '../shared/branchConfig';
import type { Procedure } from '../shared/catalog';
import { uuidv7 } from '../shared/ids';
import { branchScope } from '../shared/published';
import { AppFailure, describeUnknown, err, ok, summarizeIssues, type Result } from '../shared/result';
import { DossierApplicantArgs, DossierSubmitArgs, type ProcessingSet } from '../shared/records';
import { newLookupSecret } from '../shared/wireTypes';
import { documentBlob, getDossierByCode, receiveDossier } from '../storage/dossierRepository';
import type { DossierRow } from '../storage/KioskDb';
import { publishedKeysWithPrefix } from '../storage/referenceRepository';
import { DEFAULT_STUCK_AFTER_MS } from '../sync/SyncLoop';
import { assembleDocuments, checkDocuments } from './dossierDocuments';
import { createDossierList } from './dossierList';
import { createDossierReceipt, type DossierReceiptDeps } from './dossierReceipt';
import { createDossierReuse } from './dossierReuse';
import type { ReuseCentre } from './syncService';
import type { DossierDesk, DossierDraft, ReceivedDossier } from './dossierTypes';
import { createProcedureCatalog, type ProcedureCatalog, type ProcedureCatalogDeps } from './procedureCatalog';

/**
 * The counter officer's desk (`app.dossiers`): composes the catalog (procedureCatalog.ts), the
 * rules in src/domain (checklist, appointment, applicant clean-up), the citizen's earlier papers
 * (dossierReuse.ts), the papers (dossierDocuments.ts), the list (dossierList.ts) and the receipt
 * (dossierReceipt.ts), and owns the one write: `submit`.
 *
 * `submit` guarantees: the dossier is checked with the schema the server applies before anything
 * is saved; the dossier, its new PDFs, its number and its outbox entry are one transaction; the
 * number and its reception-register serial are shown only once their counter marks are on disk
 * (`reserveCounter`); a reused paper is one this applicant gave (at this machine, or listed by the
 * centre for this applicant) within the validity window. The centre records every reuse in its
 * audit log from the dossier itself when it arrives (records/dossierSubmit.ts on the server).
 */
export interface DossierDeskDeps extends ProcedureCatalogDeps, DossierReceiptDeps {
  /** Refuses new capture when the disk is nearly full (throws AppFailure). */
  readonly assertCaptureAllowed: () => void;
  /** Resolves once this counter value's high-water mark is on disk (before the code is shown). */
  readonly reserveCounter?: (mark: { readonly key: string; readonly value: number }) => Promise<void>;
  /** A scan failing to reach the centre this long marks its dossier 'scans-stuck' (sync's threshold). */
  readonly stuckScanAfterMs?: number;
  /** The centre's reuse routes now, or why not (syncService.ts); absent = this machine's papers only. */
  readonly reuseCentre?: () => ReuseCentre | 'not-enrolled' | 'offline';
  /** The catalog shared with the citizen's look-up (one index per kiosk); default: a new one from these deps. */
  readonly catalog?: ProcedureCatalog;
}

export function createDossierDesk(deps: DossierDeskDeps): DossierDesk {
  const { db, reference, clock, branch } = deps;
  const reception: DossierReception | null = branch.reception ?? null;
  const catalog = deps.catalog ?? createProcedureCatalog(deps);
  const list = createDossierList({ db, reference, branch, clock, stuckScanAfterMs: deps.stuckScanAfterMs ?? DEFAULT_STUCK_AFTER_MS });
  const receipt = createDossierReceipt(deps);
  const reuse = createDossierReuse({ db, clock, reuseValidityDays: reception?.reuseValidityDays ?? 0, centre: deps.reuseCentre });

  async function appointmentAt(procedure: Procedure, receivedAt: number): Promise<AppointmentPreview> {
    return dossierAppointment(procedure, receivedAt, { reception, utcOffsetMinutes: branch.utcOffsetMinutes, calendar: await catalog.calendars() });
  }

  async function setAppointmentAt(set: ProcessingSet, receivedAt: number) {
    return processingSetAppointment(set, receivedAt, { reception, utcOffsetMinutes: branch.utcOffsetMinutes, calendar: await catalog.calendars() });
  }

  /** Today's codes of this unit that the centre has published back, so a lost counter never reissues one. */
  async function knownCodesOfDay(r: DossierReception, receivedAt: number): Promise<string[]> {
    const t = toLocalDateTime(receivedAt, branch.utcOffsetMinutes);
    const datePart = `${String(t.year % 100).padStart(2, '0')}${String(t.month).padStart(2, '0')}${String(t.day).padStart(2, '0')}`;
    return publishedKeysWithPrefix(reference, branchScope(branch.branchCode), 'dossierStatus', `${r.unitCode}-${datePart}-`);
  }

  const desk: DossierDesk = {
    reception,

    async procedures() {
      return (await catalog.all()).filter((p) => p.active);
    },

    searchProcedures: (query, limit = 20) => catalog.search(query, limit),

    procedure: (code) => catalog.find(code),

    checklist: (procedure, selectedCases) => checklistView(procedure, new Set(selectedCases)),

    readIdCard(text) {
      const t = toLocalDateTime(clock.now(), branch.utcOffsetMinutes);
      return parseCitizenIdQr(text, { year: t.year, month: t.month, day: t.day });
    },

    processingTime: processingTimeOf,

    appointmentPreview: (procedure) => appointmentAt(procedure, clock.now()),

    previewProcessingSet: (set) => setAppointmentAt(set, clock.now()),

    reuseCandidates: (idNumber) => reuse.candidates(idNumber),
    fetchReuse: (candidate) => reuse.fetch(candidate),
    watchReuseReach: (onChange) => reuse.watchReach(onChange),

    suggestReuse: (procedure, candidates) => suggestReuse(procedure.documents, candidates),

    async submit(draft: DossierDraft): Promise<Result<ReceivedDossier>> {
      try {
        deps.assertCaptureAllowed();
        if (!reception) return err('dossier.no-reception', `branch ${branch.branchCode} has no dossier reception settings`);
        const device = deps.device();
        if (device.kioskSlot >= reception.numbering.slots) {
          return err('dossier.slot-out-of-range', `device slot ${device.kioskSlot} ≥ the branch's ${reception.numbering.slots} dossier slots`);
        }
        const procedure = await catalog.find(draft.procedureCode);
        if (!procedure) return err('dossier.procedure-unknown', `no procedure ${draft.procedureCode} in the catalog`);
        const time = processingTimeOf(procedure);

        const applicant = DossierApplicantArgs.safeParse(normalizeApplicant(draft.applicant));
        if (!applicant.success) return err('dossier.applicant-invalid', summarizeIssues(applicant.error));

        // A reused PDF must be one this applicant gave: another citizen's papers never slip in.
        const reusable = draft.documents.some((d) => d.reuse) ? await reuse.reusable(applicant.data.idNumber) : new Set<string>();
        const checked = checkDocuments(draft.documents, reusable);
        if (!checked.ok) return checked;
        const selected = new Set(draft.selectedCases);
        const unanswered = unansweredGroups(procedure, selected);
        if (unanswered.length > 0) return err('dossier.situation-missing', `no situation chosen for ${unanswered.map((g) => g.id).join(', ')}`);
        const received = new Set(draft.documents.map((d) => d.documentId));
        const missing = missingDocuments(procedure, selected, received).map((d) => ({ documentId: d.documentId, name: d.name }));
        const reason = draft.incompleteReason?.trim() ?? '';
        if (missing.length > 0 && reason === '') {
          return err('dossier.missing-documents', `${missing.length} required document(s) missing and no reason given`);
        }

        const receivedAt = clock.now();
        const assembled = await assembleDocuments(draft.documents, receivedAt);
        if (!assembled.ok) return assembled;
        const { documents, pdfs } = assembled.value;
        // The officer's processing time replaces the catalog's; checked again at the receipt moment.
        const set: ProcessingSet | null = draft.processingSet ? { ...draft.processingSet, reason: normalizeText(draft.processingSet.reason) } : null;
        let appointment = await appointmentAt(procedure, receivedAt);
        if (set) {
          const fromSet = await setAppointmentAt(set, receivedAt);
          if (!fromSet.ok) return err('dossier.processing-invalid', `${fromSet.error.code}: ${fromSet.error.detail}`);
          appointment = fromSet.value;
        }
        const knownCodes = await knownCodesOfDay(reception, receivedAt);
        const officer = deps.officer?.() ?? null;
        const id = uuidv7(receivedAt, deps.random);
        const lookupSecret = newLookupSecret(deps.random);
        const { row, outboxEntry, counter, registerCounter } = await receiveDossier(
          db,
          {
            deviceId: device.deviceId,
            slot: device.kioskSlot,
            unitCode: reception.unitCode,
            numbering: reception.numbering,
            utcOffsetMinutes: branch.utcOffsetMinutes,
            receivedAt,
            pdfs: [...pdfs],
            knownCodes,
            // A malformed number is dropped rather than refusing the dossier: the link is a convenience.
            ticketNumber: draft.ticketNumber && TicketNumberText.safeParse(draft.ticketNumber).success ? draft.ticketNumber : null,
            build: (code, register) => {
              const args: DossierSubmitArgs = {
                id,
                code: code.code,
                branchCode: branch.branchCode,
                slot: device.kioskSlot,
                receivedAt,
                procedure: { code: procedure.code, name: procedure.name, processingTime: time?.amount ?? 0, unit: time?.unit ?? 'working-day' },
                applicant: applicant.data,
                documents: [...documents],
                missing,
                incompleteReason: missing.length > 0 ? reason.slice(0, 1000) : null,
                sets: Math.min(10, Math.max(1, Math.trunc(draft.sets) || 1)),
                appointment:
                  appointment.kind === 'date'
                    ? { kind: 'date', at: appointment.at, date: appointment.date, provisional: appointment.provisional }
                    : { kind: 'needs-confirmation' },
                resultDelivery: { method: draft.resultDelivery.method, detail: normalizeText(draft.resultDelivery.detail).slice(0, 300) },
                lookupSecret,
                officerName: officer?.name ?? '',
                ...(officer ? { officerId: officer.staffId } : {}),
                register,
                ...(set ? { processingSet: set } : {}),
              };
              // The same schema the server applies: a dossier the centre would refuse is never saved.
              const valid = DossierSubmitArgs.safeParse(args);
              if (!valid.success) throw new AppFailure('dossier.invalid', summarizeIssues(valid.error));
              return valid.data;
            },
          },
          clock,
          deps.random,
        );
        void deps.saved(outboxEntry).catch(() => undefined);
        await Promise.all([deps.reserveCounter?.(counter), deps.reserveCounter?.(registerCounter)]);
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

    receiptPdf: (code, lookupSecret) => receipt.pdf(code, lookupSecret),
    printReceipt: (code, lookupSecret) => receipt.print(code, lookupSecret),
    watchToday: (onChange) => list.watchToday(onChange),
    search: (query) => list.search(query),
    documentPdf: (sha256) => documentBlob(db, sha256),
  };
  return desk;
}

function toReceived(row: DossierRow): ReceivedDossier {
  return { args: row.args, ticketNumber: row.ticketNumber, syncedAt: row.syncedAt, printedAt: row.printedAt, printCount: row.printCount };
}
