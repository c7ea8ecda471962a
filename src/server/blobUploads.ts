import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Locker } from '@tus/server';
import type { Db } from './db/Db';

/**
 * Bookkeeping of unfinished tus uploads in `blob_uploads` (migration 007): what a device holds and
 * what was abandoned are read from the database, so they are the same for every replica and
 * survive a restart.
 *
 * Guarantees:
 * - A device holds at most `maxUploadsPerDevice` unfinished uploads and `maxBytesPerDevice`
 *   declared bytes (`Upload-Length`) at once. The count and the new row are one transaction under
 *   a lock per device, so concurrent creations, on one replica or several, cannot overshoot.
 * - A row exists from creation until the upload is verified (deleted in the transaction that
 *   inserts the `blobs` row), terminated, refused (hash mismatch) or swept: a finished upload frees
 *   its share at once.
 * - A PATCH marks its upload touched at most once per `touchSpacingMs(limits)` per process (the
 *   touch is a write, a commit and, on a durable database, a disk flush): an upload's recorded
 *   touch is at most that much older than its last request, a tenth of `abandonAfterMs` or less.
 * - The sweep removes uploads untouched (no creation, no PATCH) for `abandonAfterMs`. Each is
 *   claimed (its row deleted, if still that old) under the upload's tus lock, so the sweep never
 *   removes an upload a request is writing, and replicas sweeping at once remove each upload once.
 *   Verified blobs (`sha256/…`, the `blobs` table) are never looked at. On disk it also removes
 *   working files without a row (uploads begun before migration 007, or left by a crash) once
 *   their files are that old.
 */
export interface BlobUploadLimits {
  /** Unfinished uploads one device may hold at once. */
  readonly maxUploadsPerDevice: number;
  /** Sum of the declared sizes of one device's unfinished uploads. */
  readonly maxBytesPerDevice: number;
  /** An unfinished upload with no creation or PATCH for this long is deleted. */
  readonly abandonAfterMs: number;
  /** How often each server process sweeps. */
  readonly sweepEveryMs: number;
}

/**
 * A counter sends up to three scans at a time (DEFAULT_PARALLEL_SCANS, src/sync/SyncEngine.ts), so
 * it holds up to three unfinished uploads, plus one per upload it lost track of (a kiosk database
 * rebuilt, a URL forgotten after a failure) until the sweep.
 * 50 uploads and 2 GiB (ten uploads of MAX_BLOB_BYTES) leave a healthy counter far below, and
 * bound the disk one credential, stolen or broken, can fill.
 */
export const DEFAULT_BLOB_UPLOAD_LIMITS: BlobUploadLimits = {
  maxUploadsPerDevice: 50,
  maxBytesPerDevice: 2 * 1024 * 1024 * 1024,
  abandonAfterMs: 7 * 24 * 3600 * 1000,
  sweepEveryMs: 3600 * 1000,
};

/** The environment's overrides; a malformed value stops the server at start, naming the variable. */
export function blobUploadLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<BlobUploadLimits> {
  const read = (name: string, scale: number, integer: boolean): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw.slice(0, 40)}"`);
    }
    return Math.round(n * scale);
  };
  const out: { -readonly [K in keyof BlobUploadLimits]?: number } = {};
  const set = (key: keyof BlobUploadLimits, value: number | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('maxUploadsPerDevice', read('BLOB_MAX_UPLOADS_PER_DEVICE', 1, true));
  set('maxBytesPerDevice', read('BLOB_MAX_BYTES_PER_DEVICE', 1, true));
  set('abandonAfterMs', read('BLOB_ABANDON_AFTER_HOURS', 3600 * 1000, false));
  set('sweepEveryMs', read('BLOB_SWEEP_EVERY_MINUTES', 60 * 1000, false));
  return out;
}

/** @tus/server names uploads with 16 random bytes in hex; anything else is not one of ours. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** Advisory lock class of the per-device quota (the key is a hash of the device id). */
const QUOTA_LOCK_CLASS = 0x0b10b0a1;

export interface HeldUploads {
  readonly uploads: number;
  readonly bytes: number;
}

export type Reservation =
  /** `superseded`: the device's older unfinished uploads of the same content, whose rows went in this transaction (their files are the caller's to remove). */
  | { readonly ok: true; readonly superseded: readonly string[] }
  /** `uploads`/`bytes`: the device holds too much now; `too-large`: this upload alone exceeds the byte quota. */
  | { readonly ok: false; readonly reason: 'uploads' | 'bytes' | 'too-large'; readonly held: HeldUploads };

/**
 * Counts the device's unfinished uploads and, when one more fits, records it. The device's older
 * unfinished uploads of the same content go first: a kiosk keeps one upload URL per scan, so a new
 * upload of a scan means the kiosk lost the older one's URL (its creation answer was lost, it
 * restarted) and will never resume it. Without this, such orphans filled the device's quota on a
 * flaky link and blocked every new scan until the sweep (7 days).
 */
export async function reserveUpload(
  db: Db,
  limits: Pick<BlobUploadLimits, 'maxUploadsPerDevice' | 'maxBytesPerDevice'>,
  upload: { readonly uploadId: string; readonly deviceId: string; readonly size: number; readonly now: number; readonly sha256: string },
): Promise<Reservation> {
  return db
    .transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2::text))', [QUOTA_LOCK_CLASS, upload.deviceId]);
      const superseded = (
        await tx.query<{ upload_id: string }>('DELETE FROM blob_uploads WHERE device_id = $1 AND sha256 = $2 RETURNING upload_id', [
          upload.deviceId,
          upload.sha256,
        ])
      ).map((r) => r.upload_id);
      const rows = await tx.query<{ n: unknown; bytes: unknown }>(
        'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM blob_uploads WHERE device_id = $1',
        [upload.deviceId],
      );
      const held = { uploads: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
      // A refusal keeps the older uploads' rows too (the transaction is rolled back).
      const refuse = (reason: 'uploads' | 'bytes' | 'too-large'): never => {
        throw new QuotaRefusal({ ok: false, reason, held: { uploads: held.uploads + superseded.length, bytes: held.bytes } });
      };
      if (upload.size > limits.maxBytesPerDevice) refuse('too-large');
      if (held.uploads >= limits.maxUploadsPerDevice) refuse('uploads');
      if (held.bytes + upload.size > limits.maxBytesPerDevice) refuse('bytes');
      await tx.query('INSERT INTO blob_uploads (upload_id, device_id, size, created_at, touched_at, sha256) VALUES ($1, $2, $3, $4, $4, $5)', [
        upload.uploadId,
        upload.deviceId,
        upload.size,
        upload.now,
        upload.sha256,
      ]);
      return { ok: true, superseded } as const;
    })
    .catch((error: unknown) => {
      if (error instanceof QuotaRefusal) return error.reservation;
      throw error;
    });
}

class QuotaRefusal extends Error {
  constructor(readonly reservation: Reservation) {
    super('quota');
  }
}

/** Removes the files of uploads whose rows are gone (superseded), each under its tus lock; one held by a request is left to the sweep. */
export async function discardUnderLock(locker: Locker, uploadIds: readonly string[], discard: (uploadId: string) => Promise<void>): Promise<void> {
  for (const uploadId of uploadIds) await underLock(locker, uploadId, () => discard(uploadId)).catch(() => undefined);
}

/** How often one process records a touch of an upload: 10 minutes, or a tenth of `abandonAfterMs` if that is shorter. */
export function touchSpacingMs(limits: Pick<BlobUploadLimits, 'abandonAfterMs'>): number {
  return Math.min(10 * 60 * 1000, limits.abandonAfterMs / 10);
}

/**
 * Whose upload this is, from its row: 'mine' (a PATCH also marks it touched now), 'other', or
 * 'unknown' when it has no row (begun before migration 007, or gone): the store's metadata decides.
 */
export async function uploadOwnership(db: Db, uploadId: string, deviceId: string, touchAt: number | null): Promise<'mine' | 'other' | 'unknown'> {
  if (touchAt !== null) {
    const touched = await db.query('UPDATE blob_uploads SET touched_at = GREATEST(touched_at, $3) WHERE upload_id = $1 AND device_id = $2 RETURNING 1', [
      uploadId,
      deviceId,
      touchAt,
    ]);
    if (touched.length > 0) return 'mine';
  }
  const rows = await db.query<{ device_id: string }>('SELECT device_id FROM blob_uploads WHERE upload_id = $1', [uploadId]);
  const owner = rows[0]?.device_id;
  return owner === undefined ? 'unknown' : owner === deviceId ? 'mine' : 'other';
}

/** The upload is finished or gone: it no longer counts against its device. */
export async function forgetUpload(db: Db, uploadId: string): Promise<void> {
  await db.query('DELETE FROM blob_uploads WHERE upload_id = $1', [uploadId]);
}

export interface SweepTarget {
  readonly db: Db;
  /** The tus server's locker: the sweep holds an upload's lock while it removes it. */
  readonly locker: Locker;
  /** Removes whatever exists of an unfinished upload (data, metadata). */
  readonly discard: (uploadId: string) => Promise<void>;
  /** Disk store: the folder of tus working files, searched for files without a row; null on S3. */
  readonly uploadsDir: string | null;
  readonly onError?: (error: unknown, uploadId: string) => void;
}

export interface SweepReport {
  /** Uploads with a row, untouched for the period, removed. */
  readonly swept: number;
  /** Working files without a row, that old, removed (disk only). */
  readonly orphans: number;
  /** Left for the next sweep: their lock was held, or removing them failed. */
  readonly skipped: number;
}

const SWEEP_BATCH = 500;
/** The sweep waits this long for an upload's lock, then leaves it for the next sweep. */
const SWEEP_LOCK_WAIT_MS = 5_000;

/** Removes the uploads untouched since before `cutoff` (ms, the server's clock). */
export async function sweepUploads(target: SweepTarget, cutoff: number): Promise<SweepReport> {
  const { db } = target;
  let swept = 0;
  let orphans = 0;
  let skipped = 0;
  const attempt = async (uploadId: string, remove: () => Promise<boolean>): Promise<boolean> => {
    try {
      const done = await underLock(target.locker, uploadId, remove);
      if (done === 'busy') skipped++;
      return done === true;
    } catch (error) {
      target.onError?.(error, uploadId);
      skipped++;
      return false;
    }
  };

  // Keyset pages by id: the loop ends even when some uploads stay (busy, or failing).
  let after = '';
  for (;;) {
    const page = await db.query<{ upload_id: string }>(
      'SELECT upload_id FROM blob_uploads WHERE touched_at < $1 AND upload_id > $2 ORDER BY upload_id LIMIT $3',
      [cutoff, after, SWEEP_BATCH],
    );
    for (const { upload_id: uploadId } of page) {
      const removed = await attempt(uploadId, async () => {
        // Claimed only if still that old: a PATCH that touched it meanwhile keeps it.
        const claimed = await db.query('DELETE FROM blob_uploads WHERE upload_id = $1 AND touched_at < $2 RETURNING 1', [uploadId, cutoff]);
        if (claimed.length === 0) return false;
        await target.discard(uploadId);
        return true;
      });
      if (removed) swept++;
    }
    if (page.length < SWEEP_BATCH) break;
    after = page.at(-1)!.upload_id;
  }

  if (target.uploadsDir !== null) {
    const dir = target.uploadsDir;
    for (const uploadId of await rowlessUploads(db, dir)) {
      const newest = await newestMtime(dir, uploadId);
      if (newest === null || newest >= cutoff) continue;
      const removed = await attempt(uploadId, async () => {
        // A row appears before the files (creation reserves first): one now means it is in use.
        if ((await db.query('SELECT 1 FROM blob_uploads WHERE upload_id = $1', [uploadId])).length > 0) return false;
        await target.discard(uploadId);
        return true;
      });
      if (removed) orphans++;
    }
  }

  // Leases of processes that died (blobLocker.ts); an hour past expiry, nobody is waiting on them.
  await db.query("DELETE FROM blob_upload_locks WHERE expires_at < clock_timestamp() - interval '1 hour'");
  return { swept, orphans, skipped };
}

async function underLock<T>(locker: Locker, uploadId: string, fn: () => Promise<T>): Promise<T | 'busy'> {
  const lock = locker.newLock(uploadId);
  try {
    // An abandoned upload has no request; if one turns up, the sweep is the one to step aside.
    await lock.lock(AbortSignal.timeout(SWEEP_LOCK_WAIT_MS), () => undefined);
  } catch {
    return 'busy';
  }
  try {
    return await fn();
  } finally {
    await lock.unlock();
  }
}

/** Upload ids in the folder (data or metadata file) that have no row. */
async function rowlessUploads(db: Db, dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const ids = [...new Set(names.map((n) => /^([0-9a-f]{32})(?:\.json)?$/.exec(n)?.[1]).filter((id): id is string => id !== undefined))];
  const rowless: string[] = [];
  for (let i = 0; i < ids.length; i += SWEEP_BATCH) {
    const chunk = ids.slice(i, i + SWEEP_BATCH);
    const known = new Set(
      (await db.query<{ upload_id: string }>('SELECT upload_id FROM blob_uploads WHERE upload_id = ANY($1::text[])', [chunk])).map((r) => r.upload_id),
    );
    rowless.push(...chunk.filter((id) => !known.has(id)));
  }
  return rowless;
}

/** The latest modification time of an upload's files (each PATCH writes the data file), or null. */
async function newestMtime(dir: string, uploadId: string): Promise<number | null> {
  let newest: number | null = null;
  for (const file of [uploadId, `${uploadId}.json`]) {
    const s = await stat(path.join(dir, file)).catch(() => null);
    if (s && (newest === null || s.mtimeMs > newest)) newest = s.mtimeMs;
  }
  return newest;
}
