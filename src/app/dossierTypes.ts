import type { ChecklistView } from '../domain/checklist';
import type { CitizenIdQrResult } from '../domain/citizenId';
import type { AppointmentPreview, ProcessingTime } from '../domain/dossierAppointment';
import type { ApplicantInput } from '../domain/normalizeApplicant';
import type { ProcessingSetOutcome } from '../domain/processingSet';
import type { CapturedPage } from '../scan/pages';
import type { DossierReception } from '../shared/branchConfig';
import type { Procedure } from '../shared/catalog';
import type { PrintPdfResponse } from '../shared/ipc';
import type { DossierStatus } from '../shared/published';
import type { Result } from '../shared/result';
import type { DossierSubmitArgs, ProcessingSet } from '../shared/records';
import type { DossierRecord } from '../storage/KioskDb';
import type { DocumentIndexRow } from '../storage/KioskDb';
import type { CatalogSearchHit } from './catalogSearch';

/**
 * The counter officer's use cases: receive a dossier offline, print its receipt, find it again.
 * What the UI calls; implemented by dossierDesk.ts over storage, printing and sync.
 */

export type { AppointmentPreview, ApplicantInput, ProcessingSet, ProcessingSetOutcome, ProcessingTime };

/** A paper received now: the pages captured at the counter, or a PDF reused from an earlier dossier. */
export interface DraftDocument {
  /** The catalog's RequiredDocument.id, or "extra-<n>" for a paper the catalog does not list. */
  readonly documentId: string;
  readonly name: string;
  readonly originals: number;
  readonly copies: number;
  /** The pages captured at the counter, in order; the desk makes them one PDF at submit. */
  readonly pages: readonly CapturedPage[];
  /** A document the citizen already gave (here, or at any counter or branch), used instead of its pages. */
  readonly reuse: ReuseCandidate | null;
}

export interface DossierDraft {
  readonly procedureCode: string;
  /** Checklist situations the officer ticked (the catalog's situation ids; see src/domain/checklist.ts). */
  readonly selectedCases: readonly string[];
  /** As the form holds it: the desk cleans it up (`normalizeApplicant`) before validating. */
  readonly applicant: ApplicantInput;
  readonly documents: readonly DraftDocument[];
  /** Required when required documents are missing: why the officer accepts the dossier anyway (ignored otherwise). */
  readonly incompleteReason: string | null;
  readonly sets: number;
  readonly resultDelivery: { readonly method: 'counter' | 'post'; readonly detail: string };
  /** The processing time the officer set (with the reason), replacing the catalog's; absent or null = the catalog's. */
  readonly processingSet?: ProcessingSet | null;
  /**
   * The queue ticket of the citizen being served ("A015"), from the counter's "Gọi số" panel; kept
   * on this machine's dossier row (not in `dossier.submit@1`) and listed by the ticket's `finish`.
   */
  readonly ticketNumber?: string | null;
}

/**
 * A document PDF from an earlier dossier of the same citizen (same ID number), still valid: given
 * at this machine (`source` 'machine' or absent), or listed by the centre (given at another counter
 * or branch; its `documentId` and `procedureName` are then empty: the centre sends neither).
 */
export type ReuseCandidate = Omit<DocumentIndexRow, 'applicantId'> & {
  readonly source?: 'machine' | 'centre';
  /** A centre paper's PDF once downloaded (`fetchReuse`), checked against `sha256`. */
  readonly pdf?: Blob;
};

/**
 * Where the reuse offers of the citizen being served come from, for the screen: the centre was
 * asked (papers from every counter and branch), or only this machine's papers could be offered
 * (offline, not enrolled, or the centre did not answer in time).
 */
export type ReuseReach =
  | { readonly state: 'idle' }
  | { readonly state: 'asking' }
  | { readonly state: 'centre' }
  | { readonly state: 'local-only'; readonly reason: 'offline' | 'not-enrolled' | 'failed' };

/**
 * Where a received dossier stands on its way to the centre, for the officer's list:
 * local (nothing sent yet) → uploading (scans travelling, record not yet confirmed) →
 * scans-pending (the centre has the record, scans still on their way) → confirmed (record and every
 * scan at the centre). Behind a branch hub, at-hub sits before confirmed: the hub holds the record
 * and every scan, the centre not yet (the link is down, or the relay is on its way); scans-stuck (a scan has failed to go for longer than the threshold: see the
 * sync-issues screen), rejected (the centre refused the record), scans-lost (a scan is no longer
 * on this machine).
 */
export type DossierSyncState = 'local' | 'uploading' | 'at-hub' | 'scans-pending' | 'confirmed' | 'scans-stuck' | 'rejected' | 'scans-lost';

/** A received dossier as stored on this machine. */
export interface ReceivedDossier {
  /** The look-up secret is null once the receipt printed: this machine no longer keeps it. */
  readonly args: DossierRecord;
  /** The queue ticket the citizen was served under at this counter, if any (this machine only). */
  readonly ticketNumber: string | null;
  /** When the centre confirmed the dossier (null until then). */
  readonly syncedAt: number | null;
  /** When the receipt was last handed to the printer, and how many times. */
  readonly printedAt: number | null;
  readonly printCount: number;
}

/** One row of the officer's dossier list. Personal data only as the officer may see it (ID masked). */
export interface DossierListRow {
  readonly id: string;
  readonly code: string;
  readonly receivedAt: number;
  readonly applicantName: string;
  readonly idNumberMasked: string;
  readonly procedureCode: string;
  readonly procedureName: string;
  readonly documents: number;
  readonly missing: number;
  /** local = only on this machine; uploading = scans or record on the way; confirmed = the centre has it. */
  readonly syncState: DossierSyncState;
  /** The centre's status once published to the branch (null before). */
  readonly centreStatus: DossierStatus | null;
  readonly appointment: DossierSubmitArgs['appointment'];
  readonly printedAt: number | null;
}

export interface DossierDesk {
  /** The branch's reception settings; null = this branch does not receive dossiers (no screen). */
  readonly reception: DossierReception | null;
  /** Active procedures of the catalog the centre published (the bundled seed until the first sync). */
  procedures(): Promise<readonly Procedure[]>;
  /** Ranked, diacritics-insensitive, typo-tolerant; results as you type. */
  searchProcedures(query: string, limit?: number): Promise<readonly CatalogSearchHit[]>;
  procedure(code: string): Promise<Procedure | null>;
  /** The procedure's checklist given the ticked situations: the questions, the papers that apply, what is required. */
  checklist(procedure: Procedure, selectedCases: readonly string[]): ChecklistView;
  /** Parses the ID card QR text (camera or USB scanner) against today's date. */
  readIdCard(text: string): CitizenIdQrResult;
  /** Legal processing time of the in-person channel, for display and the receipt. */
  processingTime(procedure: Procedure): ProcessingTime | null;
  appointmentPreview(procedure: Procedure): Promise<AppointmentPreview>;
  /** The appointment a processing time set by the officer gives if received now, or the `processing.*` refusal (with values to name). */
  previewProcessingSet(set: ProcessingSet): Promise<ProcessingSetOutcome>;
  /**
   * Earlier documents of this citizen, newest first, one per PDF: this machine's, and those the
   * centre lists (any counter, any branch) when it answers within a few seconds.
   */
  reuseCandidates(idNumber: string): Promise<readonly ReuseCandidate[]>;
  /**
   * The candidate ready to go into a dossier: a centre paper's PDF downloaded (and checked against
   * its hash); a paper of this machine as it is. Errors: reuse.offline, reuse.not-found,
   * reuse.rate-limited, reuse.pdf-mismatch, reuse.failed.
   */
  fetchReuse(candidate: ReuseCandidate): Promise<Result<ReuseCandidate>>;
  /** Whether the latest `reuseCandidates` reached the centre; called at once and on every change. */
  watchReuseReach(onChange: (reach: ReuseReach) => void): () => void;
  /** For each required document of `procedure`, the candidate that is the same paper, if any. */
  suggestReuse(procedure: Procedure, candidates: readonly ReuseCandidate[]): ReadonlyMap<string, ReuseCandidate>;
  /**
   * Cleans the applicant up, checks the papers, makes each captured paper's pages one PDF (dated
   * by the clock) and hashes it, then numbers and saves the dossier, its PDFs and its outbox entry
   * in one transaction. The caller hands over what the form holds; nothing needs preparing.
   * Errors: dossier.no-reception, dossier.procedure-unknown, dossier.applicant-invalid,
   * dossier.reuse-not-allowed, dossier.document-empty, dossier.situation-missing (a required situation
   * question unanswered), dossier.missing-documents (missing with no reason), dossier.processing-invalid
   * (the officer's processing time refused at the receipt moment), dossier.document-too-large, scan.* (a
   * page that cannot go into the PDF),
   * dossier.sequence-exhausted, storage.*, sync.disk-low.
   */
  submit(draft: DossierDraft): Promise<Result<ReceivedDossier>>;
  get(code: string): Promise<ReceivedDossier | null>;
  /** The receipt PDF (A4, two copies). */
  receiptPdf(code: string, lookupSecret?: string | null): Promise<Result<Uint8Array>>;
  /**
   * Prints (or reprints) the receipt; recorded for the audit trail. The first successful print makes
   * this machine forget the look-up secret: a reprint from the screen that still shows it passes it
   * (`lookupSecret`), a later reprint prints where to find it instead.
   */
  printReceipt(code: string, lookupSecret?: string | null): Promise<Result<PrintPdfResponse>>;
  /** Today's dossiers of this machine, newest first; called again on every change (local or from sync). */
  watchToday(onChange: (rows: readonly DossierListRow[]) => void): () => void;
  /** Dossiers on this machine whose code, applicant name (diacritics ignored) or ID number match. */
  search(query: string): Promise<readonly DossierListRow[]>;
  /** A document PDF by its hash (to view it), null when no longer on this machine. */
  documentPdf(sha256: string): Promise<Blob | null>;
}

export type { PrintPdfResponse };
