import type { Clock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { MAX_BLOB_BYTES, type WireError } from '../shared/sync';
import type { BlobRecord } from './KioskDb';
import type { KioskDb } from './KioskDb';
import { storedDocuments } from './sealing';
import { toStorageFailure } from './storageErrors';

/**
 * The only module that touches `db.blobs`: scanned documents waiting to reach the server,
 * addressed by SHA-256. A blob moves pending → uploading (a tus upload URL is stored, so a restart
 * resumes it) → verified (the centre confirmed the hash); behind a branch hub it is 'held' in
 * between (the hub verified it, the centre not yet). Its bytes stay until pruning, which waits for
 * the centre's verification plus a retention window.
 */

const UNVERIFIED = ['pending', 'uploading', 'held'] as const;

export async function sha256OfBlob(data: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await data.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Stores a scan for upload, sealed (its `data` is read back through `openBlobData`). Idempotent by content: the same bytes added twice give the existing
 * record (whatever its state), so re-scanning never uploads twice.
 */
export async function addBlob(db: KioskDb, data: Blob, mimeType: string, clock: Clock): Promise<BlobRecord> {
  if (data.size > MAX_BLOB_BYTES) throw new AppFailure('blob.too-large', `a scan may hold at most ${MAX_BLOB_BYTES} bytes, this one has ${data.size}`);
  const sha256 = await sha256OfBlob(data);
  try {
    // Sealed before the transaction (WebCrypto cannot run inside one).
    const sealed = await db.cipher().sealBlob(data, sha256);
    return await db.transaction('rw', db.blobs, async () => {
      const existing = await db.blobs.get(sha256);
      if (existing) return existing;
      const record: BlobRecord = {
        sha256,
        size: data.size,
        mimeType,
        data: sealed,
        sealed: true,
        state: 'pending',
        uploadUrl: null,
        createdAt: clock.now(),
        verifiedAt: null,
      };
      await db.blobs.add(record);
      return record;
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

export async function getBlob(db: KioskDb, sha256: string): Promise<BlobRecord | undefined> {
  return db.blobs.get(sha256);
}

/** Blobs the server has not confirmed yet, oldest first. */
export async function pendingBlobs(db: KioskDb): Promise<BlobRecord[]> {
  return db.blobs.where('state').anyOf(UNVERIFIED).sortBy('createdAt');
}

export async function countPendingBlobs(db: KioskDb): Promise<number> {
  return db.blobs.where('state').anyOf(UNVERIFIED).count();
}

/** Scans a branch hub verified and holds for the centre (state `held`). */
export async function countHeldBlobs(db: KioskDb): Promise<number> {
  return db.blobs.where('state').equals('held').count();
}

/**
 * Remembers (url) or forgets (null) the tus upload of an unverified blob. Forgetting is what a
 * `blob.hash-mismatch` asks for: the next attempt starts a fresh upload. A verified blob is left
 * alone (a late callback of an old attempt must not reopen it).
 */
export async function setUploadUrl(db: KioskDb, sha256: string, uploadUrl: string | null): Promise<void> {
  try {
    await db.transaction('rw', db.blobs, async () => {
      const current = await db.blobs.get(sha256);
      if (!current || current.state === 'verified') return;
      await db.blobs.update(sha256, { uploadUrl, state: uploadUrl === null ? 'pending' : 'uploading' });
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/**
 * A branch hub verified it; the centre does not have it yet. Still counted as waiting (and asked
 * about on every run), no longer failing, and never pruned (only a verified scan is).
 */
export async function markHeld(db: KioskDb, sha256: string): Promise<void> {
  try {
    await db.transaction('rw', db.blobs, async () => {
      const current = await db.blobs.get(sha256);
      if (!current || current.state === 'verified' || current.state === 'held') return;
      await db.blobs.update(sha256, { state: 'held', uploadUrl: null, lastError: null, failingSince: null });
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** The server holds a verified copy: the blob no longer counts as pending, nor as failing. */
export async function markVerified(db: KioskDb, sha256: string, clock: Clock): Promise<void> {
  try {
    await db.transaction('rw', db.blobs, async () => {
      const current = await db.blobs.get(sha256);
      if (!current || current.state === 'verified') return;
      await db.blobs.update(sha256, { state: 'verified', uploadUrl: null, verifiedAt: clock.now(), lastError: null, failingSince: null });
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/**
 * A record that references blobs counts as synced only when every one of them is verified; an
 * unknown hash is not verified.
 */
export async function allBlobsVerified(db: KioskDb, sha256s: readonly string[]): Promise<boolean> {
  if (sha256s.length === 0) return true;
  const records = await db.blobs.bulkGet([...sha256s]);
  return records.every((r) => r?.state === 'verified');
}

/**
 * Remembers that these unverified blobs could not be sent: the reason, the time, and since when
 * they have been failing (the first failure after the last success; kept across attempts).
 */
export async function recordBlobFailure(db: KioskDb, sha256s: readonly string[], error: WireError, now: number): Promise<void> {
  if (sha256s.length === 0) return;
  const reason: WireError = { code: error.code.slice(0, 100), detail: error.detail.slice(0, 500) };
  try {
    await db.transaction('rw', db.blobs, async () => {
      const rows = await db.blobs.bulkGet([...sha256s]);
      const changes = rows
        .filter((r): r is BlobRecord => r !== undefined && r.state !== 'verified' && r.state !== 'held')
        .map((r) => ({
          key: r.sha256,
          changes: { lastError: reason, lastAttemptAt: now, failingSince: r.failingSince ?? now, failedAttempts: (r.failedAttempts ?? 0) + 1 },
        }));
      if (changes.length > 0) await db.blobs.bulkUpdate(changes);
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** A scan that has not reached the centre for longer than the threshold, for staff. */
export interface StuckScan {
  readonly sha256: string;
  readonly size: number;
  readonly mimeType: string;
  readonly createdAt: number;
  readonly failingSince: number;
  readonly lastAttemptAt: number | null;
  readonly failedAttempts: number;
  readonly lastError: WireError;
  /** The dossiers on this machine that hold it, with the document's name in each (no personal data). */
  readonly usedBy: readonly { readonly dossierCode: string; readonly documentName: string }[];
}

/** Whether a scan that has been failing since `failingSince` (null: not failing) counts as stuck now. */
export function isStuckScan(failingSince: number | null | undefined, now: number, thresholdMs: number): boolean {
  return typeof failingSince === 'number' && now - failingSince >= thresholdMs;
}

function stuckRows(rows: readonly BlobRecord[], now: number, thresholdMs: number): (BlobRecord & { failingSince: number; lastError: WireError })[] {
  return rows.filter(
    (r): r is BlobRecord & { failingSince: number; lastError: WireError } =>
      r.lastError !== null && r.lastError !== undefined && isStuckScan(r.failingSince, now, thresholdMs),
  );
}

export async function countStuckBlobs(db: KioskDb, now: number, thresholdMs: number): Promise<number> {
  return stuckRows(await db.blobs.where('state').anyOf(UNVERIFIED).toArray(), now, thresholdMs).length;
}

/** Unverified scans failing for at least `thresholdMs`, longest-failing first, with the dossiers that use them. */
export async function listStuckBlobs(db: KioskDb, now: number, thresholdMs: number): Promise<StuckScan[]> {
  const stuck = stuckRows(await db.blobs.where('state').anyOf(UNVERIFIED).toArray(), now, thresholdMs);
  if (stuck.length === 0) return [];
  const wanted = new Set(stuck.map((r) => r.sha256));
  const usedBy = new Map<string, { dossierCode: string; documentName: string }[]>();
  // A counter holds a few hundred dossiers at most (confirmed ones are pruned after the retention window).
  await db.dossiers.each((d) => {
    for (const doc of storedDocuments(d)) {
      if (!wanted.has(doc.sha256)) continue;
      const list = usedBy.get(doc.sha256) ?? [];
      list.push({ dossierCode: d.code, documentName: doc.name });
      usedBy.set(doc.sha256, list);
    }
  });
  return stuck
    .sort((a, b) => a.failingSince - b.failingSince)
    .map((r) => ({
      sha256: r.sha256,
      size: r.size,
      mimeType: r.mimeType,
      createdAt: r.createdAt,
      failingSince: r.failingSince,
      lastAttemptAt: r.lastAttemptAt ?? null,
      failedAttempts: r.failedAttempts ?? 0,
      lastError: r.lastError,
      usedBy: usedBy.get(r.sha256) ?? [],
    }));
}

/** The age of the oldest unverified blob (kiosk clock), or null when none waits. */
export async function oldestPendingBlobAt(db: KioskDb): Promise<number | null> {
  const oldest = await db.blobs.where('state').anyOf(UNVERIFIED).sortBy('createdAt');
  return oldest[0]?.createdAt ?? null;
}
