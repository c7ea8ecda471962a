import type { OutboxEntry } from '../shared/outbox';
import { AppFailure } from '../shared/result';
import { DossierSubmitArgs } from '../shared/records';
import type { BlobRecord, DocumentIndexRow, DossierRecord, DossierRow, KioskDb, StoredDossierRow } from './KioskDb';
import { isSealedBox, type SealedBox } from './personalCipher';
import { toStorageFailure } from './storageErrors';

/**
 * Where personal data is sealed and opened in the journal database (see personalCipher.ts):
 * - a dossier's arguments: in its `dossiers` row and in its outbox entry (one sealed box shared by
 *   both), and so in Electron's journal file, which copies the outbox entries as stored;
 * - scans (`blobs.data`);
 * - the ID number of the reuse index and of dossier rows: a blind index.
 * Tickets and ratings hold nothing personal and stay in clear.
 */

/** The additional data a dossier's sealed arguments are bound to. */
export const DOSSIER_CONTEXT = 'dossier.submit@1';

/**
 * The `args` of a sealed outbox entry: the record's id and code stay in clear (they are not
 * personal, and confirming or describing an entry must not need the key inside a transaction).
 */
export interface SealedArgs {
  readonly id: string;
  readonly code: string;
  readonly $sealed: SealedBox;
}

export function isSealedArgs(v: unknown): v is SealedArgs {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.id === 'string' && typeof a.code === 'string' && isSealedBox(a.$sealed);
}

export function sealedArgs(args: DossierSubmitArgs, box: SealedBox): SealedArgs {
  return { id: args.id, code: args.code, $sealed: box };
}

/** The entry as the server must receive it: sealed arguments opened (and checked), others as they are. */
export async function openOutboxEntry(db: KioskDb, entry: OutboxEntry): Promise<OutboxEntry> {
  if (!isSealedArgs(entry.args)) return entry;
  const args = await db.cipher().openJson(entry.args.$sealed, DOSSIER_CONTEXT);
  return { ...entry, args };
}

export async function openOutboxEntries(db: KioskDb, entries: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
  return Promise.all(entries.map((e) => openOutboxEntry(db, e)));
}

/** A stored dossier row, opened. A row in clear (written before sealing) is read as it is. */
export async function openDossierRow(db: KioskDb, row: StoredDossierRow): Promise<DossierRow> {
  let args: DossierRecord;
  if (row.sealed) {
    const opened = (await db.cipher().openJson(row.sealed, DOSSIER_CONTEXT)) as DossierRecord;
    args = { ...opened, lookupSecret: opened.lookupSecret ?? null };
  } else if (row.args) {
    args = row.args;
  } else {
    throw new AppFailure('storage.corrupt', `dossier ${row.code} has neither sealed nor clear arguments`);
  }
  return {
    id: row.id,
    code: row.code,
    day: row.day,
    receivedAt: row.receivedAt,
    args,
    ticketNumber: row.ticketNumber ?? null,
    syncedAt: row.syncedAt,
    printedAt: row.printedAt,
    printCount: row.printCount,
  };
}

export async function openDossierRows(db: KioskDb, rows: readonly StoredDossierRow[]): Promise<DossierRow[]> {
  return Promise.all(rows.map((r) => openDossierRow(db, r)));
}

/** The documents a stored row references (hash and name), sealed or not. */
export function storedDocuments(row: StoredDossierRow): readonly { readonly sha256: string; readonly name: string }[] {
  return row.documents ?? row.args?.documents ?? [];
}

/** The scan's plain bytes (a row written before sealing is returned as it is). */
export async function openBlobData(db: KioskDb, record: Pick<BlobRecord, 'sha256' | 'data' | 'mimeType'> & { readonly sealed?: true }): Promise<Blob> {
  if (!record.sealed) return record.data;
  return db.cipher().openBlob(record.data, record.sha256, record.mimeType);
}

/**
 * Seals what an earlier version stored in clear: dossier rows and their outbox entries, scans, and
 * the ID numbers of the reuse index. Idempotent and resumable (each record is converted in its own
 * short transaction, and only if it is still the clear version that was read). Run once at start,
 * after the data key is loaded. Returns how many records were converted.
 */
export async function sealPlainRows(db: KioskDb): Promise<number> {
  const cipher = db.cipher();
  let converted = 0;
  try {
    for (const row of await db.dossiers.filter((r) => !r.sealed).toArray()) {
      const args = row.args;
      if (!args) continue;
      const box = await cipher.sealJson(args, DOSSIER_CONTEXT);
      const applicantId = await cipher.blindIndex(args.applicant.idNumber);
      await db.transaction('rw', db.dossiers, async () => {
        const now = await db.dossiers.get(row.id);
        if (!now || now.sealed) return;
        const next: StoredDossierRow = {
          id: now.id,
          code: now.code,
          day: now.day,
          receivedAt: now.receivedAt,
          applicantId,
          sealed: box,
          documents: args.documents.map((d) => ({ sha256: d.sha256, name: d.name })),
          syncedAt: now.syncedAt,
          printedAt: now.printedAt,
          printCount: now.printCount,
        };
        await db.dossiers.put(next);
        converted++;
      });
    }
    for (const entry of await db.outbox.toArray()) {
      if (entry.name !== 'dossier.submit@1' || isSealedArgs(entry.args)) continue;
      const parsed = DossierSubmitArgs.safeParse(entry.args);
      if (!parsed.success) continue;
      const box = await cipher.sealJson(parsed.data, DOSSIER_CONTEXT);
      await db.transaction('rw', db.outbox, async () => {
        const now = await db.outbox.get(entry.mutationId);
        if (!now || isSealedArgs(now.args)) return;
        await db.outbox.put({ ...now, args: sealedArgs(parsed.data, box) });
        converted++;
      });
    }
    for (const sha256 of await db.blobs.filter((b) => !b.sealed).primaryKeys()) {
      const record = await db.blobs.get(sha256);
      if (!record || record.sealed) continue;
      const data = await cipher.sealBlob(record.data, sha256);
      await db.transaction('rw', db.blobs, async () => {
        const now = await db.blobs.get(sha256);
        if (!now || now.sealed) return;
        await db.blobs.update(sha256, { data, sealed: true });
        converted++;
      });
    }
    // The reuse index: an ID number in clear is 12 digits; a blind index is 64 hex characters.
    const clearIndex = await db.documentIndex.filter((r) => r.applicantId.length !== 64).toArray();
    if (clearIndex.length > 0) {
      const rows: DocumentIndexRow[] = [];
      for (const r of clearIndex) rows.push({ ...r, applicantId: await cipher.blindIndex(r.applicantId) });
      await db.transaction('rw', db.documentIndex, async () => {
        await db.documentIndex.bulkDelete(clearIndex.map((r) => [r.applicantId, r.sha256] as [string, string]));
        await db.documentIndex.bulkPut(rows);
      });
      converted += rows.length;
    }
  } catch (e) {
    throw toStorageFailure(e);
  }
  return converted;
}
