import { dossierCodeFor, parseDossierCode, type DossierCode, type DossierNumbering } from '../domain/dossierCode';
import { localDayKey } from '../domain/localDay';
import type { Clock, RandomBytes } from '../shared/clock';
import type { OutboxEntry } from '../shared/outbox';
import { AppFailure } from '../shared/result';
import type { DossierSubmitArgs } from '../shared/sync';
import type { BlobRecord, DocumentIndexRow, DossierRow, KioskDb } from './KioskDb';
import { appendOutbox } from './outboxRepository';
import { describeMutation } from './syncRepository';
import { toStorageFailure } from './storageErrors';

/**
 * Dossiers received at this counter. One strict-durability transaction stores the dossier, the
 * PDFs of its documents (as blobs the sync engine uploads before the record), the reuse index and
 * the outbox entry, and takes the next code of this device's daily sequence block: the officer is
 * told "saved" (and the receipt prints) only after all of it reached the disk.
 */

/** A document PDF to store with the dossier; its SHA-256 is computed by the caller, outside the transaction. */
export interface NewDocumentPdf {
  readonly sha256: string;
  readonly data: Blob;
}

export interface ReceiveDossierInput {
  readonly deviceId: string;
  readonly slot: number;
  readonly unitCode: string;
  readonly numbering: DossierNumbering;
  readonly utcOffsetMinutes: number;
  readonly receivedAt: number;
  /** New PDFs (reused documents are referenced by hash only). */
  readonly pdfs: readonly NewDocumentPdf[];
  /** The mutation's arguments, given the code the sequence produced. */
  readonly build: (code: DossierCode) => DossierSubmitArgs;
  /**
   * Codes of this unit and local day known from elsewhere (the centre's published statuses): the
   * sequence continues above this device's highest one, so a database lost after its dossiers
   * synced (counter gone with it) never reissues a code a citizen already holds.
   */
  readonly knownCodes?: readonly string[];
}

/** The `counters` key of this device's dossier sequence for a receiving unit and local day. */
export const dossierCounterKey = (unitCode: string, day: string): string => `dseq|${unitCode}|${day}`;

export async function receiveDossier(
  db: KioskDb,
  input: ReceiveDossierInput,
  clock: Clock,
  random: RandomBytes,
): Promise<{ row: DossierRow; outboxEntry: OutboxEntry; counter: { key: string; value: number } }> {
  const day = localDayKey(input.receivedAt, input.utcOffsetMinutes);
  try {
    return await db.transaction('rw', [db.dossiers, db.documentIndex, db.blobs, db.outbox, db.counters], async () => {
      const key = dossierCounterKey(input.unitCode, day);
      // Highest local sequence of this slot already used: the counter, and any code of the day this
      // device issued that the counter does not know of (a restored or lost database).
      let used = (await db.counters.get(key))?.value ?? 0;
      const ofDay = (await db.dossiers.where('day').equals(day).toArray()).map((d) => d.code);
      for (const code of [...ofDay, ...(input.knownCodes ?? [])]) {
        const parsed = parseDossierCode(code, input.numbering, input.unitCode);
        if (parsed.ok && parsed.value.slot === input.slot && parsed.value.date === day) used = Math.max(used, parsed.value.localSeq);
      }
      const localSeq = used + 1;
      const code = dossierCodeFor({
        unitCode: input.unitCode,
        receivedAt: input.receivedAt,
        utcOffsetMinutes: input.utcOffsetMinutes,
        localSeq,
        slot: input.slot,
        numbering: input.numbering,
      });
      if (!code.ok) throw new AppFailure(code.error.code, code.error.detail);
      await db.counters.put({ key, value: localSeq });

      const args = input.build(code.value);
      const existing = await db.blobs.bulkGet(input.pdfs.map((p) => p.sha256));
      const fresh: BlobRecord[] = [];
      for (const [i, pdf] of input.pdfs.entries()) {
        if (existing[i] || fresh.some((b) => b.sha256 === pdf.sha256)) continue;
        fresh.push({
          sha256: pdf.sha256,
          size: pdf.data.size,
          mimeType: 'application/pdf',
          data: pdf.data,
          state: 'pending',
          uploadUrl: null,
          createdAt: input.receivedAt,
          verifiedAt: null,
        });
      }
      if (fresh.length > 0) await db.blobs.bulkAdd(fresh);

      const row: DossierRow = {
        id: args.id,
        code: args.code,
        day,
        receivedAt: args.receivedAt,
        applicantId: args.applicant.idNumber,
        args,
        syncedAt: null,
        printedAt: null,
        printCount: 0,
      };
      await db.dossiers.add(row);
      await db.documentIndex.bulkPut(
        args.documents.map((d): DocumentIndexRow => ({
          applicantId: args.applicant.idNumber,
          sha256: d.sha256,
          size: d.size,
          pages: d.pages,
          name: d.name,
          documentId: d.documentId,
          dossierCode: args.code,
          procedureName: args.procedure.name,
          receivedAt: args.receivedAt,
        })),
      );
      const outboxEntry = await appendOutbox(db, input.deviceId, 'dossier.submit@1', args, clock, random);
      return { row, outboxEntry, counter: { key, value: localSeq } };
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

export async function getDossierByCode(db: KioskDb, code: string): Promise<DossierRow | undefined> {
  return db.dossiers.where('code').equals(code).first();
}

export async function recordReceiptPrinted(db: KioskDb, code: string, at: number): Promise<void> {
  try {
    await db.transaction('rw', [db.dossiers, db.events], async () => {
      const row = await db.dossiers.where('code').equals(code).first();
      if (!row) return;
      await db.dossiers.update(row.id, { printedAt: at, printCount: row.printCount + 1 });
      // The audit trail of who printed what (DOMAIN.md): the code only, never the applicant.
      await db.events.add({ at, kind: 'receipt.printed', code: row.printCount === 0 ? 'receipt.first' : 'receipt.reprint', detail: '', subject: row.code });
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** Documents this citizen gave at this branch since `since`, newest first, one per PDF. */
export async function documentsOf(db: KioskDb, applicantId: string, since: number): Promise<DocumentIndexRow[]> {
  const rows = await db.documentIndex.where('applicantId').equals(applicantId).toArray();
  return rows.filter((r) => r.receivedAt >= since).sort((a, b) => b.receivedAt - a.receivedAt);
}

export async function dossiersOfDay(db: KioskDb, day: string): Promise<DossierRow[]> {
  return (await db.dossiers.where('day').equals(day).toArray()).sort((a, b) => b.receivedAt - a.receivedAt);
}

export async function allDossiers(db: KioskDb): Promise<DossierRow[]> {
  return db.dossiers.orderBy('receivedAt').reverse().toArray();
}

/** Upload state of a dossier's new PDFs: how many are verified by the centre or on their way. */
/** Each scan's upload state and, while failing, since when (null: the scan is not on this machine). */
export async function blobStates(db: KioskDb, sha256s: readonly string[]): Promise<({ state: BlobRecord['state']; failingSince: number | null } | null)[]> {
  if (sha256s.length === 0) return [];
  return (await db.blobs.bulkGet([...sha256s])).map((b) => (b ? { state: b.state, failingSince: b.failingSince ?? null } : null));
}

export async function documentBlob(db: KioskDb, sha256: string): Promise<Blob | null> {
  return (await db.blobs.get(sha256))?.data ?? null;
}

/** Codes of the dossiers the centre refused for good (their sync issues), for the officer's list. */
export async function rejectedDossierCodes(db: KioskDb, codes: readonly string[]): Promise<Set<string>> {
  const subjects = new Set((await db.syncIssues.filter((i) => i.name === 'dossier.submit@1').toArray()).map((i) => i.subject));
  return new Set(codes.filter((code) => subjects.has(describeMutation('dossier.submit@1', { code }))));
}
