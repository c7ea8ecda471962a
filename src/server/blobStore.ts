import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { S3 } from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { ERRORS, type DataStore } from '@tus/server';
import { openBlobStream, sealBlobStream, sealedBlobSize } from './blobCipher';
import type { DataProtection, WrappedKey } from './dataProtection';
import type { Db } from './db/Db';
import { foldersMade, fsyncDir, fsyncDirs, writeFileDurably } from './durableFiles';

/**
 * Where scans live: the tus working files of unfinished uploads, and the stored (verified) blobs
 * the `blobs` table names by storage key. A folder by default, an S3-compatible bucket with
 * BLOB_S3_BUCKET. The server (blobs.ts) and the admin tool (export, erasure) use the same store.
 *
 * A verified blob is stored sealed (blobCipher.ts) under its own data key, in a file named after
 * its content and its upload (`sha256/ab/<hex>.<upload id>.sealed`): two uploads of the same
 * content each write their own file, and only the one whose `blobs` row is inserted stays, so a
 * file is never overwritten by bytes sealed under another key.
 */
export interface BlobStorage {
  readonly kind: 'disk' | 's3';
  readonly datastore: DataStore;
  /** Streams a finished upload's bytes (plaintext: the upload is sealed when it is verified). */
  read(uploadId: string): Promise<Readable>;
  /** Makes the finished upload the stored copy of `sha256` as is (the benchmark's unencrypted baseline); returns its storage key. */
  promote(uploadId: string, sha256: string): Promise<string>;
  /** Writes a new stored object under `key` from a stream of `size` bytes, whole or not at all. */
  writeStored(key: string, body: AsyncIterable<Buffer>, size: number): Promise<void>;
  /** Streams a stored object. */
  readStored(key: string): Promise<Readable>;
  /** Removes a stored object; nothing there is not an error. */
  removeStored(key: string): Promise<void>;
  /** Removes whatever exists of an unfinished upload; nothing there is not an error. */
  discard(uploadId: string): Promise<void>;
  /** The folder of tus working files (disk), where the sweep looks for files without a row. */
  readonly uploadsDir: string | null;
}

/** How much an upload's reader reads at once. */
const READ_BATCH_BYTES = 1024 * 1024;

export function diskStorage(blobDir: string): BlobStorage {
  const uploads = path.join(blobDir, 'uploads');
  // No tus expiration: it counts from creation and would refuse (410) an upload still moving.
  // Abandoned uploads are swept by last touch instead (blobUploads.ts).
  const datastore = new FileStore({ directory: uploads });
  const stored = (key: string) => {
    const target = path.resolve(blobDir, key);
    // Keys come from our own rows; a key leaving the folder is a corrupted row, never followed.
    if (!target.startsWith(path.resolve(blobDir) + path.sep)) throw new Error('storage key outside the blob folder');
    return target;
  };
  /**
   * Each sealed-blob folder this process used: made (if missing) with every new folder's entry in
   * its parent on disk, once. A writer whose folder another writer is still making waits for that
   * maker's fsyncs, so no file is reported stored while the folders naming it may vanish in a power
   * cut (mkdir answers the second writer at once, as if the folders were on disk).
   */
  const folders = new Map<string, Promise<void>>();
  const folderOnDisk = async (dir: string): Promise<void> => {
    let ready = folders.get(dir);
    if (ready) {
      const made = await ready.then(
        () =>
          access(dir).then(
            () => true,
            () => false,
          ),
        () => false,
      );
      if (made) return;
      if (folders.get(dir) === ready) folders.delete(dir);
      ready = folders.get(dir);
    }
    if (!ready) {
      ready = (async () => {
        const created = await mkdir(dir, { recursive: true });
        await fsyncDirs(foldersMade(dir, created).slice(1));
      })();
      folders.set(dir, ready);
      ready.catch(() => folders.delete(dir));
    }
    return ready;
  };
  return {
    kind: 'disk',
    datastore,
    uploadsDir: uploads,
    // Read in large chunks: a finished upload is read once, to be sealed (segments are cut from
    // the chunks without copying: blobCipher.ts).
    read: async (uploadId) => createReadStream(path.join(uploads, uploadId), { highWaterMark: READ_BATCH_BYTES }),
    async discard(uploadId) {
      await rm(path.join(uploads, uploadId), { force: true });
      await rm(path.join(uploads, `${uploadId}.json`), { force: true });
    },
    async promote(uploadId, sha256) {
      const key = `sha256/${sha256.slice(0, 2)}/${sha256}`;
      const target = path.join(blobDir, key);
      await mkdir(path.dirname(target), { recursive: true });
      // Same folder tree, so rename is atomic: a reader sees the whole file or none.
      await rename(path.join(uploads, uploadId), target);
      await rm(path.join(uploads, `${uploadId}.json`), { force: true });
      return key;
    },
    async writeStored(key, body) {
      const target = stored(key);
      const dir = path.dirname(target);
      // On disk before the row that names it commits, its name too (and the entry of each folder
      // made for it): after a power cut the row must not name a file that is not there.
      await folderOnDisk(dir);
      await writeFileDurably(target, body, 0o600);
      await fsyncDir(dir);
    },
    readStored: async (key) => {
      const stream = createReadStream(stored(key));
      // Opened before it is handed out, so a missing file is an error here and not mid-stream.
      await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
      return stream;
    },
    removeStored: async (key) => rm(stored(key), { force: true }),
  };
}

/**
 * S3-compatible storage, chosen by configuration (untested here: no bucket on this machine). Tus
 * writes uploads under their upload id; a verified blob is sealed into its own object through the
 * store's S3 client.
 */
export function s3Storage(env: NodeJS.ProcessEnv, bucket: string): BlobStorage {
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
  // The store keeps its client protected; it is the one configured above, reused rather than built twice.
  const client = (datastore as unknown as { client: S3 }).client;
  return {
    kind: 's3',
    datastore,
    uploadsDir: null,
    read: (uploadId) => datastore.read(uploadId),
    promote: async (uploadId) => uploadId,
    async discard(uploadId) {
      await datastore.remove(uploadId).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    },
    async writeStored(key, body, size) {
      await client.putObject({ Bucket: bucket, Key: key, Body: Readable.from(body), ContentLength: size });
    },
    async readStored(key) {
      const object = await client.getObject({ Bucket: bucket, Key: key });
      if (!object.Body) throw new Error(`stored object ${key} has no body`);
      return object.Body as Readable;
    },
    async removeStored(key) {
      await client.deleteObject({ Bucket: bucket, Key: key });
    },
  };
}

export const isGone = (error: unknown): boolean => error === ERRORS.FILE_NOT_FOUND || error === ERRORS.FILE_NO_LONGER_EXISTS;

/** The store configured for this centre: BLOB_S3_BUCKET, else the folder. */
export function blobStorageFromEnv(env: NodeJS.ProcessEnv, blobDir: string): BlobStorage {
  const bucket = env.BLOB_S3_BUCKET;
  return bucket ? s3Storage(env, bucket) : diskStorage(blobDir);
}

/**
 * Keeps unfinished uploads unreadable on disk (or in the bucket) too: every PATCH's bytes are
 * encrypted on their way into the store with AES-256-CTR under the upload's own key
 * (`DataProtection.uploadKey`, the KEK id in the upload's server-set metadata `kek`). CTR keeps
 * lengths and positions, so tus offsets, resumes at any byte and appends from any replica work
 * unchanged; integrity is the whole-scan SHA-256 checked at the end, and the verified scan is then
 * sealed with GCM (sealUpload). `read` of an upload returns its plaintext. Uploads without `kek`
 * (begun before this, or under the benchmark's baseline) are read and written as they are.
 * Install before the running hash (blobs.ts), so the hash sees the plaintext.
 */
export function keepUploadsEncrypted(storage: BlobStorage, protection: DataProtection): BlobStorage {
  const { datastore } = storage;
  const getUpload = datastore.getUpload.bind(datastore);
  datastore.getUpload = async (uploadId) => {
    const upload = await getUpload(uploadId);
    const kek = upload.metadata?.kek;
    // Begun under a key since removed from DATA_KEYS (rotate-data-keys cannot rewrap an unfinished
    // upload): its bytes can never be read again. Gone (410) to HEAD and PATCH alike, so the kiosk
    // starts the scan afresh and its new upload supersedes this one (quota and file freed).
    if (kek && !protection.keyIds.includes(kek)) throw ERRORS.FILE_NO_LONGER_EXISTS;
    return upload;
  };
  const keyOf = async (uploadId: string): Promise<Buffer | null> => {
    const kek = (await datastore.getUpload(uploadId)).metadata?.kek;
    return kek ? protection.uploadKey(kek, uploadId) : null;
  };
  const write = datastore.write.bind(datastore);
  datastore.write = async (readable, uploadId, offset) => {
    const key = await keyOf(uploadId);
    if (!key) return write(readable, uploadId, offset);
    const cipher = ctrAt(key, offset);
    readable.on('error', (error) => cipher.destroy(error));
    return write(readable.pipe(cipher), uploadId, offset);
  };
  return {
    ...storage,
    async read(uploadId) {
      const key = await keyOf(uploadId);
      const raw = await storage.read(uploadId);
      if (!key) return raw;
      const cipher = ctrAt(key, 0);
      raw.on('error', (error) => cipher.destroy(error));
      return raw.pipe(cipher);
    },
  };
}

/** AES-256-CTR positioned at byte `offset` of the stream (the counter is the 16-byte block number). */
function ctrAt(key: Buffer, offset: number): Cipher {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const skip = offset % 16;
  if (skip > 0) cipher.update(Buffer.alloc(skip));
  return cipher;
}

export interface SealedBlob {
  readonly storageKey: string;
  readonly key: WrappedKey | null;
}

/** The storage key of a sealed blob: its content, and the upload (or re-sealing) that wrote it. */
export const sealedKey = (sha256: string, writer: string) => `sha256/${sha256.slice(0, 2)}/${sha256}.${writer}.sealed`;

/**
 * Seals a finished upload into the store under a fresh data key; the upload itself is left for the
 * caller to discard. The bytes sealed are hashed on the way: what is stored is exactly the content
 * `sha256` names, or nothing (the sealed copy is removed and this throws). `plaintext`, when the
 * caller has it, is the upload's bytes as they arrived, already hashed to `sha256` (the running hash
 * of blobs.ts): they are sealed as they are, with no read-back, decryption or second hash. In the
 * benchmark's unencrypted mode the upload is promoted as is.
 */
export async function sealUpload(
  storage: BlobStorage,
  protection: DataProtection,
  uploadId: string,
  sha256: string,
  size: number,
  plaintext?: readonly Buffer[],
): Promise<SealedBlob> {
  if (protection.mode !== 'encrypted') return { storageKey: await storage.promote(uploadId, sha256), key: null };
  const dataKey = protection.newDataKey('blob', sha256);
  const storageKey = sealedKey(sha256, uploadId);
  if (plaintext) {
    await storage.writeStored(storageKey, sealBlobStream(dataKey.dek, plaintext), sealedBlobSize(size));
    return { storageKey, key: { keyId: dataKey.keyId, wrapped: dataKey.wrapped } };
  }
  const hash = createHash('sha256');
  const stream = await storage.read(uploadId);
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  await storage.writeStored(storageKey, sealBlobStream(dataKey.dek, hashed()), sealedBlobSize(size));
  if (hash.digest('hex') !== sha256) {
    await storage.removeStored(storageKey);
    throw new Error('the upload read back does not match its verified hash; nothing was stored');
  }
  return { storageKey, key: { keyId: dataKey.keyId, wrapped: dataKey.wrapped } };
}

/** A stored blob's plaintext, opened with its data key (or as is for a row written before sealing). */
export async function readBlob(storage: BlobStorage, protection: DataProtection, row: BlobRow): Promise<Readable> {
  const stored = await storage.readStored(row.storageKey);
  if (row.key === null) return stored;
  const dek = protection.unwrap('blob', row.sha256, row.key);
  return Readable.from(openBlobStream(dek, stored));
}

export interface BlobRow {
  readonly sha256: string;
  readonly size: number;
  readonly storageKey: string;
  readonly key: WrappedKey | null;
}

export async function findBlob(db: Db, sha256: string): Promise<BlobRow | null> {
  const rows = await db.query<{ sha256: string; size: unknown; storage_key: string; dek: Uint8Array | null; kek_id: string | null }>(
    'SELECT sha256, size, storage_key, dek, kek_id FROM blobs WHERE sha256 = $1',
    [sha256],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    sha256: r.sha256,
    size: Number(r.size),
    storageKey: r.storage_key,
    key: r.dek === null || r.kek_id === null ? null : { keyId: r.kek_id, wrapped: Buffer.from(r.dek) },
  };
}

/** The plaintext of a verified blob, or null when the centre holds none. */
export async function readBlobBytes(db: Db, storage: BlobStorage, protection: DataProtection, sha256: string): Promise<Buffer | null> {
  const row = await findBlob(db, sha256);
  if (!row) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await readBlob(storage, protection, row)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
