import type { Clock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { MAX_BLOB_BYTES } from '../shared/sync';
import type { BlobRecord } from './KioskDb';
import type { KioskDb } from './KioskDb';
import { toStorageFailure } from './storageErrors';

/**
 * The only module that touches `db.blobs`: scanned documents waiting to reach the server,
 * addressed by SHA-256. A blob moves pending → uploading (a tus upload URL is stored, so a restart
 * resumes it) → verified (the server confirmed the hash). Its bytes stay until pruning, which
 * waits for verification plus a retention window.
 */

const UNVERIFIED = ['pending', 'uploading'] as const;

export async function sha256OfBlob(data: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await data.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Stores a scan for upload. Idempotent by content: the same bytes added twice give the existing
 * record (whatever its state), so re-scanning never uploads twice.
 */
export async function addBlob(db: KioskDb, data: Blob, mimeType: string, clock: Clock): Promise<BlobRecord> {
  if (data.size > MAX_BLOB_BYTES) throw new AppFailure('blob.too-large', `a scan may hold at most ${MAX_BLOB_BYTES} bytes, this one has ${data.size}`);
  const sha256 = await sha256OfBlob(data);
  try {
    return await db.transaction('rw', db.blobs, async () => {
      const existing = await db.blobs.get(sha256);
      if (existing) return existing;
      const record: BlobRecord = { sha256, size: data.size, mimeType, data, state: 'pending', uploadUrl: null, createdAt: clock.now(), verifiedAt: null };
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

/** The server holds a verified copy: the blob no longer counts as pending. */
export async function markVerified(db: KioskDb, sha256: string, clock: Clock): Promise<void> {
  try {
    await db.transaction('rw', db.blobs, async () => {
      const current = await db.blobs.get(sha256);
      if (!current || current.state === 'verified') return;
      await db.blobs.update(sha256, { state: 'verified', uploadUrl: null, verifiedAt: clock.now() });
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
