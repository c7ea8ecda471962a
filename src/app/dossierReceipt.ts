import type { StaffRef } from '../shared/staff';
import i18next from 'i18next';
import { maskApplicantIdNumber } from '../domain/citizenId';
import type { Platform } from '../platform/Platform';
import type { PdfFonts } from '../print/PdfFonts';
import type { ReceiptPdfRenderer } from '../print/receiptPdf';
import type { ReceiptPrintData } from '../print/ReceiptPrintData';
import type { BranchConfig, DossierReception } from '../shared/branchConfig';
import type { Clock, RandomBytes } from '../shared/clock';
import type { DeviceConfig } from '../shared/deviceConfig';
import type { PrintPdfResponse } from '../shared/ipc';
import type { OutboxEntry } from '../shared/outbox';
import { AppFailure, describeUnknown, err, ok, type Result } from '../shared/result';
import { recordReceiptAudit } from '../storage/auditRepository';
import { getDossierByCode, recordReceiptPrinted } from '../storage/dossierRepository';
import type { DossierRecord, KioskDb } from '../storage/KioskDb';
import type { Catalog } from './i18n/vi';
import { receiptLabelsFrom } from './receiptLabels';

/**
 * The dossier receipt "Giấy tiếp nhận hồ sơ và hẹn trả kết quả": rendered (A4, both copies as pages
 * of one PDF, labels always Vietnamese) and printed or reprinted.
 *
 * Guarantees:
 * - A successful print is recorded on the dossier (count, time; the first one makes this machine
 *   forget the look-up secret), as a local `receipt.printed` event for the technician, and as an
 *   `audit.event@1` for the centre (`receipt.print` / `receipt.reprint`, codes only). A failed print
 *   records nothing.
 * - The ID number is printed masked; a catalog procedure without a unit-bearing time prints no
 *   invented processing time; a time the officer set prints as set, with the officer's reason.
 * - The fonts and the receipt's PDF code (a lazily loaded chunk) load once, on the first receipt;
 *   a failed load is tried again next time.
 */
export interface DossierReceiptDeps {
  readonly db: KioskDb;
  readonly platform: Platform;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly branch: BranchConfig;
  readonly device: () => DeviceConfig;
  readonly loadFonts: () => Promise<PdfFonts>;
  /** Hands a saved outbox entry to sync. */
  readonly saved: (entry: OutboxEntry) => Promise<void>;
  /** The signed-in officer (src/app/staffSession.ts), recorded with receipts and prints; null when nobody signs in here. */
  readonly officer?: () => StaffRef | null;
}

export interface DossierReceipt {
  pdf(code: string, lookupSecret?: string | null): Promise<Result<Uint8Array>>;
  print(code: string, lookupSecret?: string | null): Promise<Result<PrintPdfResponse>>;
}

export function createDossierReceipt(deps: DossierReceiptDeps): DossierReceipt {
  const { db, platform, clock, branch } = deps;
  const reception = branch.reception ?? null;

  let renderer: Promise<ReceiptPdfRenderer> | null = null;
  function loadRenderer(): Promise<ReceiptPdfRenderer> {
    // The PDF engine is a chunk of its own, off the start path; the ticket renderer has usually loaded it already (KioskApp.ts).
    renderer ??= Promise.all([deps.loadFonts(), import('../print/receiptPdf')]).then(([fonts, m]) => m.createReceiptPdfRenderer(fonts));
    renderer.catch(() => {
      renderer = null;
    });
    return renderer;
  }

  const receipt: DossierReceipt = {
    async pdf(code, lookupSecret = null) {
      try {
        const row = await getDossierByCode(db, code);
        if (!row) return err('dossier.not-found', `no dossier ${code} on this machine`);
        if (!reception) return err('dossier.no-reception', `branch ${branch.branchCode} has no dossier reception settings`);
        return ok(await (await loadRenderer()).render(receiptData(row.args, reception, branch.utcOffsetMinutes, lookupSecret)));
      } catch (e) {
        if (e instanceof AppFailure) return err(e.code, e.message);
        return err('print.render-failed', describeUnknown(e));
      }
    },

    async print(code, lookupSecret = null) {
      const pdf = await receipt.pdf(code, lookupSecret);
      if (!pdf.ok) return pdf;
      // Both copies are pages of one PDF: one job, one copy.
      const printed = await platform
        .printPdf({ printerName: deps.device().printerName, jobName: `Giay tiep nhan ${code}`, pdf: pdf.value, copies: 1 })
        .catch((e: unknown) => err<PrintPdfResponse>('print.failed', describeUnknown(e)));
      if (printed.ok) {
        const printNumber = await recordReceiptPrinted(db, code, clock.now()).catch(() => null);
        await recordReceiptAudit(db, deps.device().deviceId, branch.branchCode, code, clock, deps.random, deps.officer?.()?.staffId ?? null, printNumber)
          .then((entry) => {
            if (entry) void deps.saved(entry).catch(() => undefined);
          })
          .catch((e: unknown) => console.error('could not record the print for the audit log', describeUnknown(e)));
      }
      return printed;
    },
  };
  return receipt;
}

/** What the receipt shows, from the stored dossier; `lookupSecret` for a reprint after the machine forgot it. */
export function receiptData(a: DossierRecord, r: DossierReception, utcOffsetMinutes: number, lookupSecret: string | null): ReceiptPrintData {
  const catalogVi = i18next.getResourceBundle('vi', 'translation') as Catalog | undefined;
  if (!catalogVi?.print?.receipt) throw new AppFailure('print.render-failed', 'the Vietnamese receipt labels are not loaded');
  return {
    agencyName: r.agencyName,
    receivingUnitName: r.receivingUnitName,
    dossierCode: a.code,
    applicant: {
      name: a.applicant.fullName,
      idNumberMasked: maskApplicantIdNumber(a.applicant.idNumber),
      address: a.applicant.address,
      phone: a.applicant.phone,
      email: a.applicant.email,
    },
    procedure: { name: a.procedure.name, code: a.procedure.code },
    documents: a.documents.map((d) => ({ name: d.name, originals: d.originals, copies: d.copies })),
    sets: a.sets,
    // No unit-bearing time in the catalog: stored as 0 with an appointment to confirm.
    processingDays: a.procedure.processingTime === 0 && a.appointment.kind === 'needs-confirmation' ? null : a.procedure.processingTime,
    processingSet: a.processingSet ?? null,
    receivedAt: a.receivedAt,
    appointment: a.appointment.kind === 'date' ? { kind: 'date', at: a.appointment.at, provisional: a.appointment.provisional } : { kind: 'needsConfirmation' },
    missing: a.missing,
    incompleteReason: a.incompleteReason,
    utcOffsetMinutes,
    resultDelivery: a.resultDelivery,
    officerName: a.officerName,
    register: a.register ?? null,
    lookupSecret: a.lookupSecret ?? lookupSecret,
    lookupBaseUrl: r.lookupBaseUrl,
    labels: receiptLabelsFrom(catalogVi.print.receipt, r.placeName, a.procedure.unit),
  };
}
