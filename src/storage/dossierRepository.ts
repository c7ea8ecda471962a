import { dossierCodeFor, parseDossierCode, type DossierCode, type DossierNumbering } from '../domain/dossierCode';
import { localDayKey } from '../domain/localDay';
import { registerBook, registerCounterKey, type RegisterEntry } from '../domain/receptionRegister';
import type { Clock, RandomBytes } from '../shared/clock';
import type { OutboxEntry } from '../shared/outbox';
import { AppFailure } from '../shared/result';
import type { DossierSubmitArgs } from '../shared/records';
import type { BlobRecord, DocumentIndexRow, DossierRow, KioskDb, StoredDossierRow } from './KioskDb';
import { DOSSIER_CONTEXT, openBlobData, openDossierRow, openDossierRows, sealedArgs } from './sealing';
import { appendOutbox } from './outboxRepository';
import { describeMutation } from './syncRepository';
import { toStorageFailure } from './storageErrors';

/**
 * Dossiers received at this counter. One strict-durability transaction stores the dossier, the
 * PDFs of its documents (as blobs the sync engine uploads before the record), the reuse index and
 * the outbox entry, and takes the next code of this device's daily sequence block and the next
 * serial of its reception-register book (src/domain/receptionRegister.ts): the officer is told
 * "saved" (and the receipt prints) only after all of it reached the disk.
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
  /** The mutation's arguments, given the code the sequence produced and the register entry. */
  readonly build: (code: DossierCode, register: RegisterEntry) => DossierSubmitArgs;
  /**
   * Codes of this unit and local day known from elsewhere (the centre's published statuses): the
   * sequence continues above this device's highest one, so a database lost after its dossiers
   * synced (counter gone with it) never reissues a code a citizen already holds.
   */
  readonly knownCodes?: readonly string[];
  /** The queue ticket being served, kept on the local row only (the record's arguments do not change). */
  readonly ticketNumber?: string | null;
}

/** The `counters` key of this device's dossier sequence for a receiving unit and local day. */
export const dossierCounterKey = (unitCode: string, day: string): string => `dseq|${unitCode}|${day}`;

/** Another save took the code this one prepared (two saves at once): prepare again. */
class CodeTaken extends Error {}

export async function receiveDossier(
  db: KioskDb,
  input: ReceiveDossierInput,
  clock: Clock,
  random: RandomBytes,
): Promise<{ row: DossierRow; outboxEntry: OutboxEntry; counter: { key: string; value: number }; registerCounter: { key: string; value: number } }> {
  const day = localDayKey(input.receivedAt, input.utcOffsetMinutes);
  const key = dossierCounterKey(input.unitCode, day);
  const book = registerBook(input.slot, input.receivedAt, input.utcOffsetMinutes);
  const registerKey = registerCounterKey(book);
  // The book's last serial: its counter, restored after a loss from the journal's records and marks.
  const usedSerial = async (): Promise<number> => (await db.counters.get(registerKey))?.value ?? 0;
  const cipher = db.cipher();
  // Highest local sequence of this slot already used: the counter, and any code of the day this
  // device issued that the counter does not know of (a restored or lost database).
  const usedSeq = async (): Promise<number> => {
    let used = (await db.counters.get(key))?.value ?? 0;
    const ofDay = (await db.dossiers.where('day').equals(day).toArray()).map((d) => d.code);
    for (const code of [...ofDay, ...(input.knownCodes ?? [])]) {
      const parsed = parseDossierCode(code, input.numbering, input.unitCode);
      if (parsed.ok && parsed.value.slot === input.slot && parsed.value.date === day) used = Math.max(used, parsed.value.localSeq);
    }
    return used;
  };
  try {
    // The scans are sealed once; only the arguments (which hold the code) are sealed per attempt.
    const existing = await db.blobs.bulkGet(input.pdfs.map((p) => p.sha256));
    const fresh: BlobRecord[] = [];
    for (const [i, pdf] of input.pdfs.entries()) {
      if (existing[i] || fresh.some((b) => b.sha256 === pdf.sha256)) continue;
      fresh.push({
        sha256: pdf.sha256,
        size: pdf.data.size,
        mimeType: 'application/pdf',
        data: await cipher.sealBlob(pdf.data, pdf.sha256),
        sealed: true,
        state: 'pending',
        uploadUrl: null,
        createdAt: input.receivedAt,
        verifiedAt: null,
      });
    }
    for (let attempt = 0; ; attempt++) {
      // WebCrypto cannot run inside an IndexedDB transaction (it would commit early): the code is
      // chosen and the arguments sealed first, and the transaction stores them only if the
      // sequence has not moved meanwhile.
      const localSeq = (await usedSeq()) + 1;
      const code = dossierCodeFor({
        unitCode: input.unitCode,
        receivedAt: input.receivedAt,
        utcOffsetMinutes: input.utcOffsetMinutes,
        localSeq,
        slot: input.slot,
        numbering: input.numbering,
      });
      if (!code.ok) throw new AppFailure(code.error.code, code.error.detail);
      const serial = (await usedSerial()) + 1;
      const args = input.build(code.value, { book, serial });
      const box = await cipher.sealJson(args, DOSSIER_CONTEXT);
      const applicantId = await cipher.blindIndex(args.applicant.idNumber);
      try {
        return await db.transaction('rw', [db.dossiers, db.documentIndex, db.blobs, db.outbox, db.counters], async () => {
          if ((await usedSeq()) + 1 !== localSeq || (await usedSerial()) + 1 !== serial) throw new CodeTaken();
          await db.counters.put({ key, value: localSeq });
          await db.counters.put({ key: registerKey, value: serial });
          // A scan stored meanwhile (the same bytes) is kept as it is.
          const present = await db.blobs.bulkGet(fresh.map((b) => b.sha256));
          const toAdd = fresh.filter((_, i) => !present[i]);
          if (toAdd.length > 0) await db.blobs.bulkAdd(toAdd);

          const stored: StoredDossierRow = {
            id: args.id,
            code: args.code,
            day,
            receivedAt: args.receivedAt,
            applicantId,
            sealed: box,
            documents: args.documents.map((d) => ({ sha256: d.sha256, name: d.name })),
            ticketNumber: input.ticketNumber ?? null,
            syncedAt: null,
            printedAt: null,
            printCount: 0,
          };
          await db.dossiers.add(stored);
          await db.documentIndex.bulkPut(
            args.documents.map((d): DocumentIndexRow => ({
              applicantId,
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
          const outboxEntry = await appendOutbox(db, input.deviceId, 'dossier.submit@1', sealedArgs(args, box), clock, random);
          const row: DossierRow = {
            id: args.id,
            code: args.code,
            day,
            receivedAt: args.receivedAt,
            args,
            ticketNumber: input.ticketNumber ?? null,
            syncedAt: null,
            printedAt: null,
            printCount: 0,
          };
          return { row, outboxEntry, counter: { key, value: localSeq }, registerCounter: { key: registerKey, value: serial } };
        });
      } catch (e) {
        if (e instanceof CodeTaken && attempt < 20) continue;
        throw e;
      }
    }
  } catch (e) {
    throw toStorageFailure(e);
  }
}

export async function getDossierByCode(db: KioskDb, code: string): Promise<DossierRow | undefined> {
  const row = await db.dossiers.where('code').equals(code).first();
  return row ? openDossierRow(db, row) : undefined;
}

/**
 * A receipt printed: counts it, keeps the audit trail, and forgets the look-up secret (the citizen
 * holds it on paper, the centre only its hash; the outbox entry keeps it sealed until the centre
 * has the dossier). A later reprint shows where the secret is instead of the secret.
 */
export async function recordReceiptPrinted(db: KioskDb, code: string, at: number): Promise<number | null> {
  try {
    const before = await db.dossiers.where('code').equals(code).first();
    if (!before) return null;
    let resealed: StoredDossierRow['sealed'];
    if (before.sealed) {
      const opened = await openDossierRow(db, before);
      if (opened.args.lookupSecret !== null) resealed = await db.cipher().sealJson({ ...opened.args, lookupSecret: null }, DOSSIER_CONTEXT);
    }
    return await db.transaction('rw', [db.dossiers, db.events], async () => {
      const row = await db.dossiers.get(before.id);
      if (!row) return null;
      // Only over the box that was opened: a concurrent change keeps its own version.
      const forget = resealed !== undefined && row.sealed?.ct === before.sealed?.ct ? { sealed: resealed } : {};
      await db.dossiers.update(row.id, { printedAt: at, printCount: row.printCount + 1, ...forget });
      // The audit trail of who printed what (DOMAIN.md): the code only, never the applicant.
      await db.events.add({ at, kind: 'receipt.printed', code: row.printCount === 0 ? 'receipt.first' : 'receipt.reprint', detail: '', subject: row.code });
      return row.printCount + 1;
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** Documents this citizen (by ID number) gave at this branch since `since`, newest first, one per PDF. */
export async function documentsOf(db: KioskDb, idNumber: string, since: number): Promise<DocumentIndexRow[]> {
  const applicantId = await db.cipher().blindIndex(idNumber);
  const rows = await db.documentIndex.where('applicantId').equals(applicantId).toArray();
  return rows.filter((r) => r.receivedAt >= since).sort((a, b) => b.receivedAt - a.receivedAt);
}

export async function dossiersOfDay(db: KioskDb, day: string): Promise<DossierRow[]> {
  const rows = (await db.dossiers.where('day').equals(day).toArray()).sort((a, b) => b.receivedAt - a.receivedAt);
  return openDossierRows(db, rows);
}

export async function allDossiers(db: KioskDb): Promise<DossierRow[]> {
  return openDossierRows(db, await db.dossiers.orderBy('receivedAt').reverse().toArray());
}

/** Upload state of a dossier's new PDFs: how many are verified by the centre or on their way. */
/** Each scan's upload state and, while failing, since when (null: the scan is not on this machine). */
export async function blobStates(db: KioskDb, sha256s: readonly string[]): Promise<({ state: BlobRecord['state']; failingSince: number | null } | null)[]> {
  if (sha256s.length === 0) return [];
  return (await db.blobs.bulkGet([...sha256s])).map((b) => (b ? { state: b.state, failingSince: b.failingSince ?? null } : null));
}

/** A document's PDF, opened; null when the scan is not on this machine. */
export async function documentBlob(db: KioskDb, sha256: string): Promise<Blob | null> {
  const record = await db.blobs.get(sha256);
  return record ? openBlobData(db, record) : null;
}

/** Codes of the dossiers the centre refused for good (their sync issues), for the officer's list. */
export async function rejectedDossierCodes(db: KioskDb, codes: readonly string[]): Promise<Set<string>> {
  const subjects = new Set((await db.syncIssues.filter((i) => i.name === 'dossier.submit@1').toArray()).map((i) => i.subject));
  return new Set(codes.filter((code) => subjects.has(describeMutation('dossier.submit@1', { code }))));
}
