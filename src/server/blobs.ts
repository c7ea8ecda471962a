import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { ERRORS, MemoryLocker, Server as TusServer, type DataStore, type Locker, type Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import {
  BLOB_RELAY_HEADER,
  BLOB_RELAY_PENDING,
  BLOB_VERIFIED_HEADER,
  BLOBS_KNOWN_PATH,
  BlobsKnownRequest,
  MAX_BLOBS_KNOWN,
  type BlobsKnownResponse,
} from '../shared/blobsKnown';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, MAX_BLOB_BYTES, type WireError } from '../shared/sync';
import { Sha256Hex } from '../shared/wireTypes';
import { requireDevice } from './auth';
import { wireError } from './wireErrors';
import { SCAN_UPLOAD_ROLES } from '../shared/records';
import { LOCK_DRAIN_TIMEOUT_MS, PostgresLeaseLocker } from './blobLocker';
import { blobStorageFromEnv, keepUploadsEncrypted, sealUpload, type BlobStorage } from './blobStore';
import {
  blobUploadLimitsFromEnv,
  DEFAULT_BLOB_UPLOAD_LIMITS,
  forgetUpload,
  discardUnderLock,
  reserveUpload,
  sweepUploads,
  touchSpacingMs,
  UPLOAD_ID,
  uploadOwnership,
  type BlobUploadLimits,
  type SweepReport,
} from './blobUploads';
import { CORS_EXPOSED_HEADERS, type CorsPolicy } from './cors';
import type { DataProtection } from './dataProtection';
import { isTransientDbError, type Db } from './db/Db';
import { lockBlobBuckets, recomputeDossierCompleteness, type CompletenessChange } from './dossiers';
import type { AuthenticatedDevice } from './records';

/**
 * Blob storage over tus (issue 3, item 4): scanned documents, content-addressed by SHA-256.
 *
 * Guarantees:
 * - Every tus request (OPTIONS aside) carries a valid device bearer token; an upload belongs to the
 *   device that created it (its `blob_uploads` row, or the server-set metadata of an upload begun
 *   before that table), and any other device is told 404.
 * - Only roles in BLOB_UPLOAD_ROLES create uploads and PATCH them; others get 403 `blob.role-forbidden`.
 * - Creation needs `Upload-Metadata: sha256 <64 lower-case hex>` and `Upload-Length` ≤ MAX_BLOB_BYTES,
 *   and must fit the device's quota of unfinished uploads (blobUploads.ts): else 429 (or 413 for an
 *   upload larger than the whole byte quota) `blob.quota-exceeded`.
 * - When the last byte arrives the stored file is hashed (streamed). A mismatch deletes the upload
 *   and answers 422 `blob.hash-mismatch` (the client starts again from scratch); a match seals the
 *   file under a fresh data key into `sha256/ab/<hex>.<upload>.sealed` (blobStore.ts, blobCipher.ts),
 *   deletes the plaintext upload and inserts the `blobs` row with the wrapped key, and only then
 *   answers 204 with `Blob-Verified: <hex>`. A `blobs` row therefore always names a verified,
 *   complete, sealed file. The SHA-256 of the plaintext stays the blob's identity.
 * - Unfinished uploads are encrypted as they arrive (AES-256-CTR under a key derived per upload,
 *   blobStore.ts keepUploadsEncrypted), so no scan byte reaches the store in plaintext.
 * - The bytes are stored once per hash (`blobs`), but every branch whose own upload of them
 *   verified owns the blob (`blob_owners`, migration 012), even when they were already stored (that
 *   upload's sealed copy is then deleted). `HEAD|GET /v1/blobs/sha256/:hex` answers 200 only to a
 *   device of an owning branch, 404 to any other (no existence oracle across branches);
 *   `POST /v1/blobs/known` lists, of up to MAX_BLOBS_KNOWN hashes, those that would answer 200.
 * - Malformed headers, ids or hashes are 4xx, never 500.
 * - Unfinished uploads untouched for `abandonAfterMs` are swept (every `sweepEveryMs`, and on demand
 *   with sweepAbandonedUploads); verified blobs are never touched by it.
 * - Replicas: on PostgreSQL an upload's tus lock is a lease in the database (blobLocker.ts), so two
 *   server processes never write one upload at once; on PGlite (one process) it is in memory. The
 *   quota and the sweep read the database. What stays in process memory are hints checked against
 *   the store before use (the running hash), so any replica may serve any request of an upload.
 *
 * Storage is a folder (`blobDir`) by default; with `BLOB_S3_BUCKET` set, uploads go to an
 * S3-compatible bucket through @tus/s3-store (see src/server/README.md, "Blobs").
 */
export interface BlobRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Folder for uploaded files; null = blob routes are not mounted. */
  readonly blobDir: string | null;
  /** The server's CORS policy: tus writes its own replies, so it applies the same origins. */
  readonly cors: CorsPolicy;
  /**
   * Quotas and sweep of unfinished uploads; absent fields come from the environment
   * (`BLOB_MAX_UPLOADS_PER_DEVICE`, `BLOB_MAX_BYTES_PER_DEVICE`, `BLOB_ABANDON_AFTER_HOURS`,
   * `BLOB_SWEEP_EVERY_MINUTES`), then DEFAULT_BLOB_UPLOAD_LIMITS.
   */
  readonly limits?: Partial<BlobUploadLimits>;
  /** Seals each verified blob (dataProtection.ts); the benchmark's baseline passes unencryptedForBenchmarkOnly(). */
  readonly protection: DataProtection;
  /** The store; default from the environment (BLOB_S3_BUCKET, else `blobDir`). */
  readonly storage?: BlobStorage;
  /** In the verification's transaction (a branch hub queues the scan for the centre: hub/blobRelay.ts). */
  readonly onVerified?: (tx: Db, blob: { sha256: string; deviceId: string; size: number; at: number }) => Promise<void>;
  /** Once that transaction committed, so what onVerified wrote is visible (a branch hub wakes its relay). */
  readonly afterVerified?: () => void;
  /**
   * A branch hub: of these verified scans, those not yet at the centre. Answers about them say so
   * (`held` in blobs/known, `Blob-Relay: pending` on the final PATCH and HEAD), so a device keeps
   * its copy until the centre has it and the hub is never the only one.
   */
  readonly notYetUpstream?: (sha256s: readonly string[]) => Promise<ReadonlySet<string>>;
}

/**
 * Roles whose devices upload scans: those that may send a record type whose records reference
 * scans (the registry's `scans`: today `dossier.submit@1`, counters only). A citizen kiosk and the
 * technician screen scan nothing, so a scan from them could never be referenced; refusing it keeps
 * a misused credential off the disk.
 */
export const BLOB_UPLOAD_ROLES: readonly string[] = SCAN_UPLOAD_ROLES;

/** Sent with HEAD/GET by hash: the verified blob's size in bytes. */
const BLOB_SIZE_HEADER = 'Blob-Size';

const TUS_METHODS = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A bounded map of hints kept in memory; a miss (restart, another replica, eviction) falls back to the store. */
export class RecentMap<K, V> {
  private readonly map = new Map<K, V>();
  /** `onEvict` is told of an entry pushed out by a newer one or replaced by another value (not of one deleted). */
  constructor(
    private readonly limit: number,
    private readonly onEvict?: (value: V) => void,
  ) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  /** Oldest first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }
  set(key: K, value: V): void {
    const replaced = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, value);
    if (replaced !== undefined && replaced !== value) this.onEvict?.(replaced);
    if (this.map.size > this.limit) {
      const [oldest, evicted] = this.map.entries().next().value as [K, V];
      this.map.delete(oldest);
      this.onEvict?.(evicted);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

export interface RunningHash {
  readonly hash: Hash;
  /** Bytes [0, offset) of the upload went through `hash`. */
  readonly offset: number;
  /**
   * The same bytes, as they arrived (the request's own buffers, not copied), while the upload is
   * small enough and the process's budget allows: a finished upload is then sealed from memory
   * instead of being read back from the store and decrypted. null once dropped (set to null by
   * KeptBytes.reclaim when newer uploads need the budget).
   */
  kept: Buffer[] | null;
}

/** An upload's bytes are kept in memory up to this size (a scan's PDF is typically 0.2–2 MB). */
export const KEEP_UPLOAD_BYTES = 8 * 1024 * 1024;
/** All uploads' kept bytes together, per process (≈ 12 scans of 2 MB in flight). */
export const KEEP_BUDGET_BYTES = 24 * 1024 * 1024;

/** What the kept bytes of all running hashes add up to; entries leaving the map give theirs back. */
export class KeptBytes {
  used = 0;
  constructor(readonly budget: number = KEEP_BUDGET_BYTES) {}
  release(running: RunningHash | undefined): void {
    if (running?.kept) this.used -= running.offset;
  }
  /**
   * Makes room for `bytes` more by dropping the kept bytes of the oldest entries of `hashes` (an
   * upload whose next PATCH or whose end went to another replica, one deleted or swept, or one
   * simply waiting): those are read back when they finish. True when there is room now.
   */
  reclaim(bytes: number, hashes: RecentMap<string, RunningHash>): boolean {
    for (const running of hashes.values()) {
      if (this.used + bytes <= this.budget) break;
      if (!running.kept) continue;
      this.used -= running.offset;
      running.kept = null;
    }
    return this.used + bytes <= this.budget;
  }
}

/**
 * Hashes bytes on their way into the store, so verifying a finished upload needs no second read
 * (on S3, no GET of the whole object). The running hash is trusted only when it covers exactly
 * the bytes the store reports written, contiguously from 0; anything else drops it and the
 * finished file is read back instead. With replicas this stays right: bytes below an upload's
 * offset never change (appends only, under the shared lock, and ids are never reused), so a hash
 * this process made up to offset n is still the hash of bytes [0, n) when a PATCH at n comes back
 * after others were served elsewhere; a PATCH at any other offset drops it. The bytes themselves
 * are kept beside the hash under the same rule, within KEEP_UPLOAD_BYTES and `kept`'s budget.
 */
export function hashWhileWriting(
  datastore: DataStore,
  hashes: RecentMap<string, RunningHash>,
  keptBytes: KeptBytes = new KeptBytes(0),
  /** An upload's declared size when this process knows it (it created the upload): one too large to keep is not kept at all. */
  declaredSize: (id: string) => number | undefined = () => undefined,
): void {
  const write = datastore.write.bind(datastore);
  datastore.write = async (readable, id, offset) => {
    const running = hashes.get(id);
    hashes.delete(id);
    const continues = running?.offset === offset;
    if (!continues) keptBytes.release(running);
    const hash = continues ? running.hash : offset === 0 ? createHash('sha256') : null;
    if (!hash) return write(readable, id, offset);
    // Known from the start to be too large: nothing is kept, and nobody else's bytes are dropped for it.
    let kept = (declaredSize(id) ?? 0) > KEEP_UPLOAD_BYTES ? null : continues ? running.kept : [];
    let seen = 0;
    const keep = (chunk: Buffer): void => {
      if (!kept) return;
      if (offset + seen + chunk.length <= KEEP_UPLOAD_BYTES && keptBytes.reclaim(chunk.length, hashes)) {
        kept.push(chunk);
        keptBytes.used += chunk.length;
        return;
      }
      // Too large, or too much kept already: this upload is read back when it finishes.
      keptBytes.used -= offset + seen;
      kept = null;
    };
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        keep(chunk);
        seen += chunk.length;
        done(null, chunk);
      },
    });
    readable.on('error', (error) => tap.destroy(error));
    // The store reports a failure through write()'s promise. A request that fails after the store
    // gave up on it (a 410 for an upload already gone, then the client cut) must not become an
    // 'error' nobody listens to: that would be an uncaught exception and stop the server.
    tap.on('error', () => undefined);
    let written: number;
    try {
      written = await write(readable.pipe(tap), id, offset);
    } catch (error) {
      if (kept) keptBytes.used -= offset + seen;
      throw error;
    }
    const entry: RunningHash = { hash, offset: offset + seen, kept };
    if (written === offset + seen) hashes.set(id, entry);
    else keptBytes.release(entry);
    return written;
  };
}

class TusHookError {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {}
}
const hookError = (status: number, code: string, detail: string) => new TusHookError(status, JSON.stringify(wireError(code, detail)));

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The sweep of each server's blob routes, for sweepAbandonedUploads. */
const sweepers = new WeakMap<FastifyInstance, () => Promise<SweepReport>>();

/**
 * Sweeps the abandoned uploads of the blob routes mounted on `app` now, with the server's clock
 * (a fake one in tests): what the periodic sweep does every `sweepEveryMs`.
 */
export function sweepAbandonedUploads(app: FastifyInstance): Promise<SweepReport> {
  const sweep = sweepers.get(app);
  if (!sweep) throw new Error('no blob routes are mounted on this server (blobDir is null)');
  return sweep();
}

export function registerBlobRoutes(app: FastifyInstance, options: BlobRouteOptions): void {
  const { db, clock, authenticate, blobDir, cors, protection } = options;
  if (blobDir === null) return;
  const stored = options.storage ?? blobStorageFromEnv(process.env, blobDir);
  // Unfinished uploads are encrypted as they arrive (before the running hash is installed below).
  const storage = protection.mode === 'encrypted' ? keepUploadsEncrypted(stored, protection) : stored;
  const limits: BlobUploadLimits = { ...DEFAULT_BLOB_UPLOAD_LIMITS, ...blobUploadLimitsFromEnv(process.env), ...options.limits };
  // PGlite is one process (its data directory is locked to it): memory locks are exact there.
  const leaseLocker = db.kind === 'postgres' ? new PostgresLeaseLocker(db, { onError: (err) => app.log.warn({ err }, 'blob lock renewal failed') }) : null;
  const locker: Locker = leaseLocker ?? new MemoryLocker();
  // Of each recent upload: when this process last recorded it touched (its creation or a PATCH), and
  // its declared size when this process created it (the kept bytes' budget skips those too large).
  const seen = new RecentMap<string, { readonly touchedAt: number; readonly size?: number }>(10_000);
  const touchSpacing = touchSpacingMs(limits);
  // Hot-path hint: the running hash of each recent upload's bytes (and the bytes, within a budget).
  const keptBytes = new KeptBytes();
  const hashes = new RecentMap<string, RunningHash>(1_000, (evicted) => keptBytes.release(evicted));
  hashWhileWriting(storage.datastore, hashes, keptBytes, (id) => seen.get(id)?.size);
  forgetWhenRemoved(storage.datastore, db, app);

  // The authenticated device of each request tus is handling, keyed by the Node request that
  // @tus/server wraps (it exposes it as `runtime.node.req`).
  const devices = new WeakMap<IncomingMessage, AuthenticatedDevice>();
  const deviceOf = (req: unknown): AuthenticatedDevice => {
    const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const device = raw && devices.get(raw);
    if (!device) throw hookError(401, 'auth.missing', 'no authenticated device for this upload request');
    return device;
  };

  const tus = new TusServer({
    path: BLOB_TUS_PATH,
    datastore: storage.datastore,
    maxSize: MAX_BLOB_BYTES,
    relativeLocation: true,
    // tus answers CORS itself (its replies bypass fastify): the same origins as every other route,
    // and the same exposed headers (its own list lacks Retry-After, Upload-Expires, Blob-*).
    allowedOrigins: (origin) => cors.allows(origin),
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    locker,
    // A dropped PATCH frees its lock quickly so the kiosk's resume is not kept waiting.
    lockDrainTimeout: LOCK_DRAIN_TIMEOUT_MS,
    async onUploadCreate(req, upload) {
      const device = deviceOf(req);
      const sha256 = Sha256Hex.safeParse(upload.metadata?.sha256);
      if (!sha256.success) throw hookError(400, 'blob.bad-metadata', 'Upload-Metadata must name the content: sha256 <64 lower-case hex>');
      if (upload.sizeIsDeferred || upload.size === undefined) throw hookError(400, 'blob.length-required', 'Upload-Length is required');
      // Counted and recorded before the store creates anything, so a row always covers the files
      // (a creation failing between the two leaves a row alone, which the sweep removes).
      const createdAt = clock.now();
      const reservation = await reserveUpload(db, limits, {
        uploadId: upload.id,
        deviceId: device.deviceId,
        size: upload.size,
        now: createdAt,
        sha256: sha256.data,
      });
      if (!reservation.ok) {
        app.log.warn({ deviceId: device.deviceId, reason: reservation.reason, ...reservation.held }, 'blob upload quota exceeded');
        throw quotaError(reservation.reason, reservation.held, upload.size, limits);
      }
      // The device's older uploads of this content are superseded (their rows went with this
      // reservation): their files go too, after this answer, each under its lock.
      if (reservation.superseded.length > 0) {
        app.log.info({ deviceId: device.deviceId, superseded: reservation.superseded.length }, 'older uploads of the same scan superseded');
        void discardUnderLock(locker, reservation.superseded, (id) => storage.discard(id));
      }
      // The row was written touched now: its first PATCH need not write it again.
      seen.set(upload.id, { touchedAt: createdAt, size: upload.size });
      // Server-set, so a device cannot claim another's upload or branch; `kek` names the key the
      // upload's bytes are encrypted under while it is unfinished (blobStore.ts).
      return {
        metadata: {
          sha256: sha256.data,
          deviceId: device.deviceId,
          branchCode: device.branchCode,
          ...(protection.mode === 'encrypted' ? { kek: protection.currentKeyId } : {}),
        },
      };
    },
    async onUploadFinish(req, upload) {
      const device = deviceOf(req);
      const sha256 = await verifyAndStore(upload, device);
      const held = options.notYetUpstream ? (await options.notYetUpstream([sha256])).has(sha256) : false;
      return { headers: { [BLOB_VERIFIED_HEADER]: sha256, ...(held ? { [BLOB_RELAY_HEADER]: BLOB_RELAY_PENDING } : {}) } };
    },
    onResponseError(_req, err) {
      if (err instanceof TusHookError) return { status_code: err.status_code, body: err.body };
      if (err === ERRORS.ERR_LOCK_TIMEOUT) {
        return { status_code: 503, body: JSON.stringify(wireError('blob.busy', 'another request is still writing this upload; retry shortly')) };
      }
      // The quota, the ownership and the locks live in the database: a passing failure is retried.
      if (isTransientDbError(err)) {
        return { status_code: 503, body: JSON.stringify(wireError('server.unavailable', 'temporary database problem; retry')) };
      }
      // tus's own protocol errors keep their status; their text goes into a wire error.
      // 501 is tus's "extension not supported" (e.g. Upload-Concat): the client asked for too much.
      if ('status_code' in err && err.status_code === 501) {
        return { status_code: 400, body: JSON.stringify(wireError('blob.unsupported', 'this tus extension is not supported')) };
      }
      if ('status_code' in err && err.status_code < 500) {
        return { status_code: err.status_code, body: JSON.stringify(wireError('blob.tus', err.body.trim())) };
      }
      app.log.error({ err }, 'blob upload failed');
      return { status_code: 500, body: JSON.stringify(wireError('server.internal', 'unexpected server error')) };
    },
  });

  /** Deletes an upload that will never be verified, and frees its share of the device's quota. */
  async function dropUpload(uploadId: string): Promise<void> {
    await storage.discard(uploadId).catch((err: unknown) => app.log.error({ err, uploadId }, 'cannot delete upload'));
    await forgetUpload(db, uploadId).catch((err: unknown) => app.log.error({ err, uploadId }, 'cannot forget upload'));
  }

  async function verifyAndStore(upload: Upload, device: AuthenticatedDevice): Promise<string> {
    const running = hashes.get(upload.id);
    hashes.delete(upload.id);
    try {
      return await verifyAndSeal(upload, device, running);
    } finally {
      // Counted until the seal is done with them: the budget bounds what is held, sealing included.
      keptBytes.release(running);
    }
  }

  async function verifyAndSeal(upload: Upload, device: AuthenticatedDevice, running: RunningHash | undefined): Promise<string> {
    const declared = upload.metadata?.sha256 ?? '';
    let actual: string;
    try {
      actual = running && running.offset === upload.size ? running.hash.digest('hex') : await sha256Of(await storage.read(upload.id));
    } catch (error) {
      app.log.error({ err: error, uploadId: upload.id }, 'cannot read finished upload');
      await dropUpload(upload.id);
      throw hookError(503, 'server.unavailable', 'the upload could not be verified; upload it again');
    }
    if (actual !== declared) {
      await dropUpload(upload.id);
      app.log.warn({ deviceId: device.deviceId, uploadId: upload.id }, 'blob hash mismatch');
      throw hookError(422, 'blob.hash-mismatch', 'the uploaded bytes do not match the declared sha256; the upload was deleted, start again');
    }
    let sealed: Awaited<ReturnType<typeof sealUpload>> | null = null;
    let inserted: boolean;
    let completed: CompletenessChange[] = [];
    try {
      const size = upload.size ?? upload.offset;
      // Sealed under a fresh data key into a file of its own (blobStore.ts) before the row names it.
      // The bytes the running hash covered, when this process kept them all: sealed from memory.
      const plaintext = running?.kept && running.offset === size ? running.kept : undefined;
      sealed = await sealUpload(storage, protection, upload.id, actual, size, plaintext);
      const { storageKey, key } = sealed;
      // The row vouching for the blob, the recount of the dossiers waiting for it and the end of the
      // upload's quota share commit together (the completeness lock first: see lockBlobBuckets).
      inserted = await db.transaction(async (tx) => {
        await lockBlobBuckets(tx, [actual]);
        const rows = await tx.query(
          `INSERT INTO blobs (sha256, size, storage_key, branch_code, device_id, verified_at, dek, kek_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (sha256) DO NOTHING RETURNING 1`,
          [actual, size, storageKey, device.branchCode, device.deviceId, clock.now(), key?.wrapped ?? null, key?.keyId ?? null],
        );
        // The branch proved it holds these bytes: it owns the blob, whoever stored them first.
        await tx.query(
          `INSERT INTO blob_owners (sha256, branch_code, device_id, verified_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256, branch_code) DO NOTHING`,
          [actual, device.branchCode, device.deviceId, clock.now()],
        );
        await forgetUpload(tx, upload.id);
        await options.onVerified?.(tx, { sha256: actual, deviceId: device.deviceId, size, at: clock.now() });
        completed = await recomputeDossierCompleteness(tx, actual);
        return rows.length > 0;
      });
    } catch (error) {
      if (sealed?.key) await storage.removeStored(sealed.storageKey).catch(() => undefined);
      // Not verified after all: drop the upload so the kiosk sends it again from scratch rather
      // than finding a complete upload that no row vouches for.
      app.log.error({ err: error, uploadId: upload.id }, 'cannot store verified blob');
      await dropUpload(upload.id);
      throw hookError(503, 'server.unavailable', 'the blob could not be stored; upload it again');
    }
    options.afterVerified?.();
    if (sealed.key !== null) {
      // The plaintext upload goes as soon as its sealed copy is stored; a copy of content the
      // centre already held (another branch, a retry) is not kept. Failures are left to the sweep.
      await storage.discard(upload.id).catch((err: unknown) => app.log.error({ err, uploadId: upload.id }, 'cannot delete sealed upload'));
      if (!inserted) await storage.removeStored(sealed.storageKey).catch((err: unknown) => app.log.error({ err }, 'cannot delete duplicate sealed blob'));
    }
    app.log.info({ deviceId: device.deviceId, size: upload.size }, 'blob verified');
    if (completed.length > 0) {
      app.log.info({ dossiers: completed.length, complete: completed.filter((c) => c.blobsMissing === 0).length }, 'dossier completeness');
    }
    return actual;
  }

  /**
   * The device a hub's upload request stands for: on creation, the `device` named in its
   * Upload-Metadata; on an existing upload, the upload's owner. Only a device of the hub's branch,
   * not revoked; the role check and the quota are then that device's, as if it uploaded itself.
   */
  async function actingForHub(hub: AuthenticatedDevice, request: FastifyRequest<{ Params: { id?: string } }>): Promise<AuthenticatedDevice | WireError> {
    let deviceId: string | undefined;
    const id = request.params.id;
    if (id !== undefined) {
      if (!UPLOAD_ID.test(id)) return wireError('hub.unknown-device', 'no such upload');
      const rows = await db.query<{ device_id: string }>('SELECT device_id FROM blob_uploads WHERE upload_id = $1', [id]);
      deviceId = rows[0]?.device_id ?? (await storage.datastore.getUpload(id).catch(() => null))?.metadata?.deviceId ?? undefined;
    } else {
      const metadata = request.headers['upload-metadata'];
      const pair = typeof metadata === 'string' ? metadata.split(',').find((p) => p.trim().startsWith('device ')) : undefined;
      deviceId = pair ? Buffer.from(pair.trim().slice('device '.length), 'base64').toString('utf8') : undefined;
    }
    if (deviceId === undefined || !/^[0-9a-f-]{36}$/.test(deviceId)) {
      return request.method === 'POST'
        ? wireError('blob.bad-metadata', 'a hub names the device it uploads for: Upload-Metadata device <base64 device id>')
        : wireError('hub.unknown-device', 'no such upload');
    }
    const rows = await db.query<{ branch_code: string; role: string; slot: number | null; revoked_at: unknown }>(
      'SELECT branch_code, role, slot, revoked_at FROM devices WHERE device_id = $1',
      [deviceId],
    );
    const d = rows[0];
    if (!d || d.branch_code !== hub.branchCode || d.role === 'hub') return wireError('hub.unknown-device', `no device ${deviceId} in branch ${hub.branchCode}`);
    if (d.revoked_at !== null) return wireError('hub.device-revoked', `device ${deviceId} was revoked at the centre; its scans are not accepted`);
    return { deviceId, branchCode: d.branch_code, role: d.role, slot: d.slot };
  }

  app.register(async (scope) => {
    // tus reads the request body itself: never let fastify consume it, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    const handleTus = async (request: FastifyRequest<{ Params: { id?: string } }>, reply: FastifyReply) => {
      const caller = requireDevice(request);
      // A branch hub relays its kiosks' scans: it uploads as the device that scanned them.
      const device = caller.role === 'hub' ? await actingForHub(caller, request) : caller;
      if ('code' in device) return reply.code(device.code === 'hub.unknown-device' ? 404 : 403).send(device);
      if ((request.method === 'POST' || request.method === 'PATCH') && !BLOB_UPLOAD_ROLES.includes(device.role ?? '')) {
        request.log.warn({ deviceId: device.deviceId, role: device.role }, 'blob upload refused for role');
        return reply
          .code(403)
          .send(
            wireError(
              'blob.role-forbidden',
              `a ${device.role ?? 'device without a role'} device may not upload scans; only ${BLOB_UPLOAD_ROLES.join(', ')} devices do`,
            ),
          );
      }
      // Headers tus would refuse in plain text are refused here, as {code, detail} like every route.
      const h = request.headers;
      if (h['tus-resumable'] !== '1.0.0') return reply.code(412).send(wireError('blob.tus-version', 'Tus-Resumable: 1.0.0 required'));
      if (h['upload-concat'] !== undefined) return reply.code(400).send(wireError('blob.unsupported', 'Upload-Concat is not supported'));
      // A scan's size is known before it is sent (it is hashed first): no deferred length.
      if (h['upload-defer-length'] !== undefined) {
        return reply.code(400).send(wireError('blob.unsupported', 'Upload-Defer-Length is not supported; send Upload-Length'));
      }
      const metadata = h['upload-metadata'];
      if (metadata !== undefined && !validTusMetadata(metadata)) {
        return reply.code(400).send(wireError('blob.bad-metadata', 'Upload-Metadata must be "key base64" pairs separated by commas'));
      }
      for (const name of ['upload-length', 'upload-offset'] as const) {
        const v = h[name];
        if (v !== undefined && (typeof v !== 'string' || !/^\d{1,15}$/.test(v))) {
          return reply.code(400).send(wireError('blob.bad-header', `${name} must be a non-negative integer`));
        }
      }
      const id = request.params.id;
      if (id !== undefined) {
        if (!UPLOAD_ID.test(id)) return reply.code(404).send(wireError('blob.unknown-upload', 'no such upload'));
        // A PATCH marks the upload touched (the sweep spares it) while its owner is checked; not
        // again within `touchSpacing` of this process's last mark (a scan's PATCHes follow each
        // other within seconds, and each mark is a commit): then the owner is only read.
        const now = clock.now();
        const last = seen.get(id);
        const touchAt = request.method === 'PATCH' && (last === undefined || now - last.touchedAt >= touchSpacing) ? now : null;
        const ownership = await uploadOwnership(db, id, device.deviceId, touchAt);
        if (touchAt !== null && ownership === 'mine') seen.set(id, { touchedAt: touchAt, size: last?.size });
        const mine =
          ownership === 'mine' ||
          (ownership === 'unknown' && (await storage.datastore.getUpload(id).catch(() => null))?.metadata?.deviceId === device.deviceId);
        if (!mine) return reply.code(404).send(wireError('blob.unknown-upload', 'no such upload'));
      } else if (request.method !== 'POST' && request.method !== 'OPTIONS') {
        return reply.code(405).send(wireError('http.method-not-allowed', `${request.method} needs an upload URL`));
      }
      devices.set(request.raw, device);
      reply.hijack();
      try {
        await tus.handle(request.raw, reply.raw);
      } catch (error) {
        request.log.error({ err: error }, 'tus handler failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify(wireError('server.internal', 'unexpected server error')));
      }
    };
    // OPTIONS is tus's capability discovery (and CORS preflight): no credential, nothing revealed.
    scope.route({ method: 'OPTIONS', url: BLOB_TUS_PATH, handler: (request, reply) => (reply.hijack(), tus.handle(request.raw, reply.raw)) });
    const authenticated = TUS_METHODS.filter((m) => m !== 'OPTIONS');
    scope.route({ method: authenticated, url: BLOB_TUS_PATH, onRequest: authenticate, handler: handleTus });
    scope.route({ method: authenticated, url: `${BLOB_TUS_PATH}/:id`, onRequest: authenticate, handler: handleTus });
  });

  // The sweep of abandoned uploads: each process runs it (claims make concurrent sweeps safe),
  // soon after start and then every sweepEveryMs; closing the server stops it.
  let sweeping: Promise<SweepReport> | null = null;
  const sweep = (): Promise<SweepReport> => {
    sweeping ??= sweepUploads(
      {
        db,
        locker,
        discard: (uploadId) => storage.discard(uploadId),
        uploadsDir: storage.uploadsDir,
        onError: (err, uploadId) => app.log.warn({ err, uploadId }, 'cannot sweep upload'),
      },
      clock.now() - limits.abandonAfterMs,
    )
      .then((report) => {
        if (report.swept + report.orphans + report.skipped > 0) app.log.info({ ...report }, 'abandoned uploads swept');
        return report;
      })
      .finally(() => {
        sweeping = null;
      });
    return sweeping;
  };
  sweepers.set(app, sweep);
  const runSweep = () => void sweep().catch((err: unknown) => app.log.error({ err }, 'upload sweep failed'));
  const firstSweep = setTimeout(runSweep, Math.min(60_000, limits.sweepEveryMs));
  const everySweep = setInterval(runSweep, limits.sweepEveryMs);
  firstSweep.unref();
  everySweep.unref();
  app.addHook('onClose', async () => {
    clearTimeout(firstSweep);
    clearInterval(everySweep);
    await sweeping?.catch(() => undefined);
    await leaseLocker?.close();
  });

  app.get<{ Params: { sha256: string } }>(`${BLOB_BY_HASH_PATH}/:sha256`, { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = Sha256Hex.safeParse(request.params.sha256);
    if (!parsed.success) return reply.code(400).send(wireError('blob.bad-hash', 'expected a SHA-256 as 64 lower-case hex digits'));
    const rows = await db.query<{ size: unknown }>(
      'SELECT b.size FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256 WHERE b.sha256 = $1 AND o.branch_code = $2',
      [parsed.data, device.branchCode],
    );
    const row = rows[0];
    if (!row) return reply.code(404).send(wireError('blob.not-found', 'no verified blob with this hash'));
    const size = Number(row.size);
    if (options.notYetUpstream && (await options.notYetUpstream([parsed.data])).has(parsed.data)) reply.header(BLOB_RELAY_HEADER, BLOB_RELAY_PENDING);
    return reply.code(200).header(BLOB_SIZE_HEADER, String(size)).send({ sha256: parsed.data, size });
  });

  // The same question for many scans at once (src/shared/blobsKnown.ts): one round trip per sync run.
  app.post(BLOBS_KNOWN_PATH, { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = BlobsKnownRequest.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send(wireError('blob.bad-hash', `expected {"sha256": [1 to ${MAX_BLOBS_KNOWN} SHA-256 as 64 lower-case hex digits]}`));
    }
    const rows = await db.query<{ sha256: string }>('SELECT sha256 FROM blob_owners WHERE sha256 = ANY($1::text[]) AND branch_code = $2', [
      [...new Set(parsed.data.sha256)],
      device.branchCode,
    ]);
    const known = rows.map((r) => r.sha256);
    if (!options.notYetUpstream) return reply.code(200).send({ verified: known } satisfies BlobsKnownResponse);
    const held = known.length > 0 ? await options.notYetUpstream(known) : new Set<string>();
    const answer: BlobsKnownResponse = { verified: known.filter((h) => !held.has(h)), held: known.filter((h) => held.has(h)) };
    return reply.code(200).send(answer);
  });
}

/**
 * Keeps `blob_uploads` in step with the store: an upload the store fails to create, or that tus
 * removes (termination), no longer counts against its device.
 */
function forgetWhenRemoved(datastore: DataStore, db: Db, app: FastifyInstance): void {
  const create = datastore.create.bind(datastore);
  const remove = datastore.remove.bind(datastore);
  const forget = (uploadId: string) => forgetUpload(db, uploadId).catch((err: unknown) => app.log.error({ err, uploadId }, 'cannot forget upload'));
  datastore.create = async (upload) => {
    try {
      return await create(upload);
    } catch (error) {
      await forget(upload.id);
      throw error;
    }
  };
  datastore.remove = async (uploadId) => {
    try {
      await remove(uploadId);
    } finally {
      await forget(uploadId);
    }
  };
}

const GIB = 1024 * 1024 * 1024;
const formatBytes = (bytes: number) => (bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`);

/** 429 while the device holds too much (it frees as uploads finish or are swept); 413 when this upload alone is too large. */
function quotaError(
  reason: 'uploads' | 'bytes' | 'too-large',
  held: { uploads: number; bytes: number },
  uploadSize: number,
  limits: BlobUploadLimits,
): TusHookError {
  const days = Math.round((limits.abandonAfterMs / (24 * 3600 * 1000)) * 10) / 10;
  const then = `finish or delete the device's unfinished uploads and retry (an upload untouched for ${days} days is deleted by the centre)`;
  if (reason === 'too-large') {
    return hookError(
      413,
      'blob.quota-exceeded',
      `this upload (${formatBytes(uploadSize)}) is larger than one device may hold at once (${formatBytes(limits.maxBytesPerDevice)}); the centre must raise BLOB_MAX_BYTES_PER_DEVICE`,
    );
  }
  if (reason === 'uploads') {
    return hookError(
      429,
      'blob.quota-exceeded',
      `this device already holds ${held.uploads} unfinished uploads (at most ${limits.maxUploadsPerDevice}); ${then}`,
    );
  }
  return hookError(
    429,
    'blob.quota-exceeded',
    `this device's unfinished uploads already declare ${formatBytes(held.bytes)}; with ${formatBytes(uploadSize)} more they would pass ${formatBytes(limits.maxBytesPerDevice)}; ${then}`,
  );
}

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The tus Upload-Metadata grammar, strictly: "key base64value" pairs, keys unique and ordinary. */
function validTusMetadata(value: string | string[]): boolean {
  if (typeof value !== 'string' || value.length > 4096) return false;
  const keys = new Set<string>();
  for (const pair of value.split(',')) {
    const m = /^([A-Za-z0-9_.-]{1,64})(?: ([A-Za-z0-9+/]*={0,2}))?$/.exec(pair.trim());
    if (!m || RESERVED_KEYS.has(m[1]!) || keys.has(m[1]!)) return false;
    if (m[2] !== undefined && m[2].length % 4 !== 0) return false;
    keys.add(m[1]!);
  }
  return true;
}
