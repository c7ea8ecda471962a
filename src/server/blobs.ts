import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { Server as TusServer, type DataStore, type Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, MAX_BLOB_BYTES, Sha256Hex } from '../shared/sync';
import { requireDevice, wireError } from './auth';
import { CORS_EXPOSED_HEADERS, type CorsPolicy } from './cors';
import type { Db } from './db/Db';
import { recomputeDossierCompleteness } from './dossiers';
import type { AuthenticatedDevice } from './push';

/**
 * Blob storage over tus (issue 3, item 4): scanned documents, content-addressed by SHA-256.
 *
 * Guarantees:
 * - Every tus request (OPTIONS aside) carries a valid device bearer token; an upload belongs to the
 *   device that created it (its id is in the server-set metadata), and any other device is told 404.
 * - Creation needs `Upload-Metadata: sha256 <64 lower-case hex>` and `Upload-Length` ≤ MAX_BLOB_BYTES.
 * - When the last byte arrives the stored file is hashed (streamed). A mismatch deletes the upload
 *   and answers 422 `blob.hash-mismatch` (the client starts again from scratch); a match moves the
 *   file to `sha256/ab/<hex>` and inserts the `blobs` row, and only then answers 204 with
 *   `Blob-Verified: <hex>`. A `blobs` row therefore always names a verified, complete file.
 * - `HEAD|GET /v1/blobs/sha256/:hex` answers 200 only for a verified blob of the device's branch.
 * - Malformed headers, ids or hashes are 4xx, never 500.
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
}

/** Sent on the final PATCH when the server has verified and stored the blob. */
const BLOB_VERIFIED_HEADER = 'Blob-Verified';
/** Sent with HEAD/GET by hash: the verified blob's size in bytes. */
const BLOB_SIZE_HEADER = 'Blob-Size';

/** @tus/server names uploads with 16 random bytes in hex; anything else is not one of ours. */
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const TUS_METHODS = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Where verified blobs live and how an upload is hashed and promoted to its content address. */
interface BlobStorage {
  readonly kind: 'disk' | 's3';
  readonly datastore: DataStore;
  /** Streams the finished upload's bytes. */
  read(uploadId: string): Promise<Readable>;
  /** Makes the finished upload the stored copy of `sha256`; returns its storage key. */
  promote(uploadId: string, sha256: string): Promise<string>;
}

function diskStorage(blobDir: string): BlobStorage {
  const uploads = path.join(blobDir, 'uploads');
  const datastore = new FileStore({ directory: uploads, expirationPeriodInMilliseconds: 7 * 24 * 3600 * 1000 });
  return {
    kind: 'disk',
    datastore,
    read: async (uploadId) => createReadStream(path.join(uploads, uploadId)),
    async promote(uploadId, sha256) {
      const key = `sha256/${sha256.slice(0, 2)}/${sha256}`;
      const target = path.join(blobDir, key);
      await mkdir(path.dirname(target), { recursive: true });
      // Same folder tree, so rename is atomic: a reader sees the whole file or none. Identical
      // content may already be there (another branch, or a retry): it is the same bytes.
      await rename(path.join(uploads, uploadId), target);
      await rm(path.join(uploads, `${uploadId}.json`), { force: true });
      return key;
    },
  };
}

/**
 * S3-compatible storage, chosen by configuration (untested here: no bucket on this machine). The
 * object stays under its upload id; the `blobs` row maps the hash to that key, which keeps the
 * content address without a server-side copy.
 */
function s3Storage(env: NodeJS.ProcessEnv, bucket: string): BlobStorage {
  const accessKeyId = env.BLOB_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.BLOB_S3_SECRET_ACCESS_KEY;
  const datastore = new S3Store({
    partSize: 8 * 1024 * 1024,
    s3ClientConfig: {
      bucket,
      region: env.BLOB_S3_REGION ?? 'us-east-1',
      ...(env.BLOB_S3_ENDPOINT ? { endpoint: env.BLOB_S3_ENDPOINT, forcePathStyle: true } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    },
  });
  return { kind: 's3', datastore, read: (uploadId) => datastore.read(uploadId), promote: async (uploadId) => uploadId };
}

/** A bounded map of hints kept in memory; a miss (restart, another replica, eviction) falls back to the store. */
class RecentMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as K);
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

interface RunningHash {
  readonly hash: Hash;
  /** Bytes [0, offset) of the upload went through `hash`. */
  readonly offset: number;
}

/**
 * Hashes bytes on their way into the store, so verifying a finished upload needs no second read
 * (on S3, no GET of the whole object). The running hash is trusted only when it covers exactly
 * the bytes the store reports written, contiguously from 0; anything else drops it and the
 * finished file is read back instead.
 */
function hashWhileWriting(datastore: DataStore, hashes: RecentMap<string, RunningHash>): void {
  const write = datastore.write.bind(datastore);
  datastore.write = async (readable, id, offset) => {
    const running = hashes.get(id);
    hashes.delete(id);
    const hash = running?.offset === offset ? running.hash : offset === 0 ? createHash('sha256') : null;
    if (!hash) return write(readable, id, offset);
    let seen = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        seen += chunk.length;
        done(null, chunk);
      },
    });
    readable.on('error', (error) => tap.destroy(error));
    const written = await write(readable.pipe(tap), id, offset);
    if (written === offset + seen) hashes.set(id, { hash, offset: written });
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

export function registerBlobRoutes(app: FastifyInstance, options: BlobRouteOptions): void {
  const { db, clock, authenticate, blobDir, cors } = options;
  if (blobDir === null) return;
  // Read here because buildServer's options do not carry storage settings yet (see README).
  const bucket = process.env.BLOB_S3_BUCKET;
  const storage = bucket ? s3Storage(process.env, bucket) : diskStorage(blobDir);
  // Hot-path hints: the owner of each recent upload (saves reading its metadata on every PATCH)
  // and the running hash of its bytes.
  const owners = new RecentMap<string, string>(10_000);
  const hashes = new RecentMap<string, RunningHash>(1_000);
  hashWhileWriting(storage.datastore, hashes);

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
    // A dropped PATCH frees its lock quickly so the kiosk's resume is not kept waiting.
    lockDrainTimeout: 1000,
    async onUploadCreate(req, upload) {
      const device = deviceOf(req);
      const sha256 = Sha256Hex.safeParse(upload.metadata?.sha256);
      if (!sha256.success) throw hookError(400, 'blob.bad-metadata', 'Upload-Metadata must name the content: sha256 <64 lower-case hex>');
      if (upload.sizeIsDeferred || upload.size === undefined) throw hookError(400, 'blob.length-required', 'Upload-Length is required');
      owners.set(upload.id, device.deviceId);
      // Server-set, so a device cannot claim another's upload or branch.
      return { metadata: { sha256: sha256.data, deviceId: device.deviceId, branchCode: device.branchCode } };
    },
    async onUploadFinish(req, upload) {
      const device = deviceOf(req);
      return { headers: { [BLOB_VERIFIED_HEADER]: await verifyAndStore(upload, device) } };
    },
    onResponseError(_req, err) {
      if (err instanceof TusHookError) return { status_code: err.status_code, body: err.body };
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

  async function verifyAndStore(upload: Upload, device: AuthenticatedDevice): Promise<string> {
    const declared = upload.metadata?.sha256 ?? '';
    const running = hashes.get(upload.id);
    hashes.delete(upload.id);
    owners.delete(upload.id);
    let actual: string;
    try {
      actual = running && running.offset === upload.size ? running.hash.digest('hex') : await sha256Of(await storage.read(upload.id));
    } catch (error) {
      app.log.error({ err: error, uploadId: upload.id }, 'cannot read finished upload');
      await storage.datastore.remove(upload.id).catch(() => undefined);
      throw hookError(503, 'server.unavailable', 'the upload could not be verified; upload it again');
    }
    if (actual !== declared) {
      await storage.datastore.remove(upload.id).catch(() => undefined);
      app.log.warn({ deviceId: device.deviceId, uploadId: upload.id }, 'blob hash mismatch');
      throw hookError(422, 'blob.hash-mismatch', 'the uploaded bytes do not match the declared sha256; the upload was deleted, start again');
    }
    try {
      const key = await storage.promote(upload.id, actual);
      await db.query(
        `INSERT INTO blobs (sha256, size, storage_key, branch_code, device_id, verified_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (sha256) DO NOTHING`,
        [actual, upload.size ?? upload.offset, key, device.branchCode, device.deviceId, clock.now()],
      );
    } catch (error) {
      // Not verified after all: drop the upload so the kiosk sends it again from scratch rather
      // than finding a complete upload that no row vouches for.
      app.log.error({ err: error, uploadId: upload.id }, 'cannot store verified blob');
      await storage.datastore.remove(upload.id).catch(() => undefined);
      throw hookError(503, 'server.unavailable', 'the blob could not be stored; upload it again');
    }
    app.log.info({ deviceId: device.deviceId, size: upload.size }, 'blob verified');
    // Dossiers received before this blob was verified may now be complete (dossiers.ts). The blob
    // itself is stored and verified whatever happens here, so a failure is logged, not answered.
    try {
      const changed = await recomputeDossierCompleteness(db, actual);
      if (changed.length > 0) app.log.info({ dossiers: changed.length, complete: changed.filter((c) => c.blobsMissing === 0).length }, 'dossier completeness');
    } catch (error) {
      app.log.error({ err: error }, 'cannot recompute dossier completeness');
    }
    return actual;
  }

  app.register(async (scope) => {
    // tus reads the request body itself: never let fastify consume it, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    const handleTus = async (request: FastifyRequest<{ Params: { id?: string } }>, reply: FastifyReply) => {
      const device = requireDevice(request);
      // Headers tus would refuse in plain text are refused here, as {code, detail} like every route.
      const h = request.headers;
      if (h['tus-resumable'] !== '1.0.0') return reply.code(412).send(wireError('blob.tus-version', 'Tus-Resumable: 1.0.0 required'));
      if (h['upload-concat'] !== undefined) return reply.code(400).send(wireError('blob.unsupported', 'Upload-Concat is not supported'));
      const metadata = h['upload-metadata'];
      if (metadata !== undefined && !validTusMetadata(metadata)) {
        return reply.code(400).send(wireError('blob.bad-metadata', 'Upload-Metadata must be "key base64" pairs separated by commas'));
      }
      for (const name of ['upload-length', 'upload-offset', 'upload-defer-length'] as const) {
        const v = h[name];
        if (v !== undefined && (typeof v !== 'string' || !/^\d{1,15}$/.test(v))) {
          return reply.code(400).send(wireError('blob.bad-header', `${name} must be a non-negative integer`));
        }
      }
      const id = request.params.id;
      if (id !== undefined) {
        if (!UPLOAD_ID.test(id)) return reply.code(404).send(wireError('blob.unknown-upload', 'no such upload'));
        const owner = owners.get(id) ?? (await storage.datastore.getUpload(id).catch(() => null))?.metadata?.deviceId;
        if (owner !== device.deviceId) return reply.code(404).send(wireError('blob.unknown-upload', 'no such upload'));
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

  app.get<{ Params: { sha256: string } }>(`${BLOB_BY_HASH_PATH}/:sha256`, { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = Sha256Hex.safeParse(request.params.sha256);
    if (!parsed.success) return reply.code(400).send(wireError('blob.bad-hash', 'expected a SHA-256 as 64 lower-case hex digits'));
    const rows = await db.query<{ size: unknown }>('SELECT size FROM blobs WHERE sha256 = $1 AND branch_code = $2', [parsed.data, device.branchCode]);
    const row = rows[0];
    if (!row) return reply.code(404).send(wireError('blob.not-found', 'no verified blob with this hash'));
    const size = Number(row.size);
    return reply.code(200).header(BLOB_SIZE_HEADER, String(size)).send({ sha256: parsed.data, size });
  });
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
