import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db/Db';
import { writeFileDurablySync } from './durableFiles';

/**
 * Envelope encryption of personal data at rest at the centre (issue 11, item 5).
 *
 * Guarantees:
 * - Every sealed record (a received dossier's personal fields, a stored scan) has its own random
 *   256-bit data key (DEK). The record is sealed with AES-256-GCM under its DEK; the DEK is stored
 *   beside it wrapped (AES-256-GCM) by a key-encryption key (KEK) from configuration, together
 *   with the KEK's id. The wrap is bound to the record (kind and id in the associated data), so a
 *   wrapped key copied onto another row does not open it.
 * - Keys rotate without touching ciphertext: `rotate-data-keys` unwraps each DEK with the KEK
 *   named by its row and wraps it again under the current KEK. Every KEK still named by a row
 *   keeps decrypting until then; a server missing one refuses to start (checkKeysAgainstDatabase).
 * - A wrong key under a known id is refused at start too: each KEK and the index key leave a
 *   fingerprint (an HMAC of a constant, not the key) in `data_key_fingerprints`.
 * - The blind index of an ID number is HMAC-SHA-256 under its own key (DATA_INDEX_KEY): one
 *   citizen's dossiers are found without decrypting the others, and without the key the column
 *   does not reveal an ID number (a plain hash of a 12-digit number would be reversed by search).
 * - Nothing personal is stored in plaintext silently: with no keys configured the embedded
 *   (PGlite) centre creates a key file beside its data, mode 0600, and says once that production
 *   must configure DATA_KEYS; on PostgreSQL (DATABASE_URL) it refuses to start, naming DATA_KEYS.
 *   The one unencrypted mode is `unencryptedForBenchmarkOnly()`, reachable from code only (the
 *   benchmark's baseline), never from configuration.
 */
/** What a data key seals: a received dossier, a stored scan, or a record a branch hub holds for the centre (hub/relayStore.ts). */
export type SealedKind = 'dossier' | 'blob' | 'relay';

export interface WrappedKey {
  readonly keyId: string;
  readonly wrapped: Buffer;
}

export interface DataKey extends WrappedKey {
  readonly dek: Buffer;
}

export interface DataProtection {
  /** 'benchmark-plaintext' only from unencryptedForBenchmarkOnly(): records are stored as before encryption existed. */
  readonly mode: 'encrypted' | 'benchmark-plaintext';
  /** The KEK new data keys are wrapped under (DATA_KEY_ID). */
  readonly currentKeyId: string;
  /** Ids of every KEK held (DATA_KEYS). */
  readonly keyIds: readonly string[];
  /** A fresh DEK for one record, and its wrap under the current KEK. */
  newDataKey(kind: SealedKind, recordId: string): DataKey;
  /** The DEK of a record, unwrapped with the KEK its row names; throws when that KEK is absent or the wrap does not match the record. */
  unwrap(kind: SealedKind, recordId: string, key: WrappedKey): Buffer;
  /** The same DEK wrapped under the current KEK (rotation). */
  rewrap(kind: SealedKind, recordId: string, key: WrappedKey): WrappedKey;
  /** The blind index of an ID number (normalised first): 64 hex digits. */
  blindIndex(idNumber: string): string;
  /**
   * The key an unfinished upload is kept under (blobStore.ts), derived from KEK `keyId` and the
   * upload id (HKDF-SHA-256), so nothing needs storing: an upload outlives no key it was begun under
   * by more than the sweep's period, and one whose key was retired fails its hash and is sent again.
   */
  uploadKey(keyId: string, uploadId: string): Buffer;
  /** Fingerprints of the keys, stored at first use to refuse a different key under the same id later. */
  fingerprints(): readonly { kind: 'kek' | 'index'; keyId: string; fingerprint: string }[];
}

/** How data protection was configured, for the start-up log. */
export interface DataProtectionSource {
  readonly protection: DataProtection;
  /** Where the keys came from: the environment, or the key file created beside the embedded database. */
  readonly source: 'environment' | 'key-file';
  readonly keyFile: string | null;
  /** Set when the key file was created now. */
  readonly created: boolean;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** ID numbers as typed: case, spaces, dashes and dots do not make another person. */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s.\-_/]/g, '');
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

const wrapAad = (kind: SealedKind, recordId: string) => Buffer.from(`hpasc/dek/v1/${kind}/${recordId}`, 'utf8');
const fingerprintOf = (key: Buffer, label: string) => createHmac('sha256', key).update(`hpasc/key-fingerprint/v1/${label}`).digest('hex').slice(0, 32);

/** Keys from configuration: KEKs by id, the current one, and the blind-index key. */
export function keyring(keks: ReadonlyMap<string, Buffer>, currentKeyId: string, indexKey: Buffer): DataProtection {
  for (const [id, key] of keks) {
    if (!KEY_ID.test(id)) throw new Error(`DATA_KEYS: key id "${id.slice(0, 40)}" must be 1–32 letters, digits, _ or -`);
    if (key.length !== KEY_BYTES) throw new Error(`DATA_KEYS: key "${id}" must be ${KEY_BYTES} bytes (base64 of 32 random bytes), got ${key.length}`);
  }
  if (!keks.has(currentKeyId))
    throw new Error(`DATA_KEY_ID: "${currentKeyId.slice(0, 40)}" is not one of the ids in DATA_KEYS (${[...keks.keys()].join(', ')})`);
  if (indexKey.length !== KEY_BYTES) throw new Error(`DATA_INDEX_KEY must be ${KEY_BYTES} bytes (base64 of 32 random bytes), got ${indexKey.length}`);
  const kek = (id: string): Buffer => {
    const k = keks.get(id);
    if (!k) throw new Error(`a record is sealed under data key "${id}", which DATA_KEYS does not hold; add it back (id:key) until rotate-data-keys has run`);
    return k;
  };
  const current = kek(currentKeyId);
  const protection: DataProtection = {
    mode: 'encrypted',
    currentKeyId,
    keyIds: [...keks.keys()],
    newDataKey(kind, recordId) {
      const dek = randomBytes(KEY_BYTES);
      return { dek, keyId: currentKeyId, wrapped: gcmSeal(current, dek, wrapAad(kind, recordId)) };
    },
    unwrap(kind, recordId, key) {
      return gcmOpen(kek(key.keyId), key.wrapped, wrapAad(kind, recordId));
    },
    rewrap(kind, recordId, key) {
      const dek = protection.unwrap(kind, recordId, key);
      return { keyId: currentKeyId, wrapped: gcmSeal(current, dek, wrapAad(kind, recordId)) };
    },
    uploadKey(keyId, uploadId) {
      return Buffer.from(hkdfSync('sha256', kek(keyId), Buffer.from(uploadId, 'utf8'), 'hpasc/upload/v1', KEY_BYTES));
    },
    blindIndex(idNumber) {
      return createHmac('sha256', indexKey)
        .update(`id-number:${normaliseIdNumber(idNumber)}`, 'utf8')
        .digest('hex');
    },
    fingerprints() {
      return [
        ...[...keks].map(([keyId, key]) => ({ kind: 'kek' as const, keyId, fingerprint: fingerprintOf(key, `kek/${keyId}`) })),
        { kind: 'index' as const, keyId: 'index', fingerprint: fingerprintOf(indexKey, 'index') },
      ];
    },
  };
  return protection;
}

/** Personal fields of a record sealed under its DEK; the associated data binds them to the record. */
export function sealRecord(dek: Buffer, kind: SealedKind, recordId: string, plaintext: Buffer): Buffer {
  return gcmSeal(dek, plaintext, Buffer.from(`hpasc/record/v1/${kind}/${recordId}`, 'utf8'));
}

export function openRecord(dek: Buffer, kind: SealedKind, recordId: string, sealed: Buffer): Buffer {
  return gcmOpen(dek, sealed, Buffer.from(`hpasc/record/v1/${kind}/${recordId}`, 'utf8'));
}

/** Keys that exist only in this process: for tests and end-to-end runs whose data dies with them. */
export function ephemeralDataProtection(): DataProtection {
  return keyring(new Map([['ephemeral', randomBytes(KEY_BYTES)]]), 'ephemeral', randomBytes(KEY_BYTES));
}

let processTestProtection: DataProtection | null = null;

/**
 * The keyring a server built without one uses under vitest (VITEST is set): one per test process,
 * so every server and every decrypting read of a test share it. Anywhere else a missing keyring is
 * a programming error and throws: personal data is never stored in plaintext by omission.
 */
export function resolveDataProtection(given: DataProtection | undefined): DataProtection {
  if (given) return given;
  if (process.env.VITEST) return (processTestProtection ??= ephemeralDataProtection());
  throw new Error('the server needs a data protection keyring (dataProtectionFromEnv); personal data is never stored unencrypted by default');
}

/**
 * Stores personal fields and scans unencrypted, exactly as before encryption existed — for the
 * benchmark's baseline only ("receive a 20-page dossier, encrypted vs not"). No configuration
 * reaches it; a centre started by main.ts is always encrypted, and its periodic job seals any
 * unencrypted record it finds.
 */
export function unencryptedForBenchmarkOnly(): DataProtection {
  const inner = ephemeralDataProtection();
  return { ...inner, mode: 'benchmark-plaintext' };
}

function decodeKey(name: string, value: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value.trim())) {
    throw new Error(`${name} must be base64 of exactly ${KEY_BYTES} random bytes (e.g. openssl rand -base64 32)`);
  }
  return key;
}

/** DATA_KEYS="<id>:<base64>[,<id>:<base64>…]" */
function parseDataKeys(raw: string): Map<string, Buffer> {
  const keks = new Map<string, Buffer>();
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new Error('DATA_KEYS must be <id>:<base64 key>[,<id>:<base64 key>…] with ids of 1–32 letters, digits, _ or -');
    if (keks.has(id)) throw new Error(`DATA_KEYS names key "${id}" twice`);
    keks.set(id, decodeKey(`DATA_KEYS key "${id}"`, entry.slice(colon + 1)));
  }
  if (keks.size === 0) throw new Error('DATA_KEYS is set but holds no key');
  return keks;
}

export const KEY_FILE_NAME = 'data-keys.json';

interface KeyFile {
  readonly keys: Record<string, string>;
  readonly current: string;
  readonly indexKey: string;
}

/**
 * The keys from the environment (DATA_KEYS, DATA_KEY_ID, DATA_INDEX_KEY); without DATA_KEYS,
 * PostgreSQL refuses to start and the embedded PGlite centre uses (or creates) DATA_DIR/data-keys.json.
 */
export function dataProtectionFromEnv(env: NodeJS.ProcessEnv, options: { dataDir: string; usesPostgres: boolean }): DataProtectionSource {
  const raw = env.DATA_KEYS?.trim();
  if (raw) {
    const keks = parseDataKeys(raw);
    const currentId = env.DATA_KEY_ID?.trim() || (keks.size === 1 ? [...keks.keys()][0]! : '');
    if (currentId === '') throw new Error('DATA_KEY_ID must name the current key when DATA_KEYS holds several');
    const index = env.DATA_INDEX_KEY?.trim();
    if (!index)
      throw new Error('DATA_INDEX_KEY is not set: the blind index of ID numbers needs its own key (base64 of 32 random bytes, e.g. openssl rand -base64 32)');
    return { protection: keyring(keks, currentId, decodeKey('DATA_INDEX_KEY', index)), source: 'environment', keyFile: null, created: false };
  }
  if (env.DATA_KEY_ID?.trim() || env.DATA_INDEX_KEY?.trim())
    throw new Error('DATA_KEY_ID or DATA_INDEX_KEY is set but DATA_KEYS is not: set DATA_KEYS=<id>:<base64 key>');
  if (options.usesPostgres) {
    throw new Error(
      'DATA_KEYS is not set: on PostgreSQL (DATABASE_URL) the centre does not store personal data without a key from configuration. ' +
        'Set DATA_KEYS=<id>:<base64 of 32 random bytes> (openssl rand -base64 32), DATA_KEY_ID=<id> and DATA_INDEX_KEY=<base64 of 32 random bytes>; see src/server/README.md, "Personal data at rest"',
    );
  }
  const keyFile = join(options.dataDir, KEY_FILE_NAME);
  let created = false;
  if (!existsSync(keyFile)) {
    const id = `local-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    const file: KeyFile = { keys: { [id]: randomBytes(KEY_BYTES).toString('base64') }, current: id, indexKey: randomBytes(KEY_BYTES).toString('base64') };
    try {
      // Durably (fsync'ed, folder too): sealed scans and encrypted fields written a moment later
      // would be unreadable for ever if a power cut left this file empty.
      writeFileDurablySync(keyFile, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, exclusive: true });
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  // Readable by others, it protects nothing: narrow it rather than start with it so.
  if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
  let parsed: KeyFile;
  try {
    parsed = JSON.parse(readFileSync(keyFile, 'utf8')) as KeyFile;
  } catch (e) {
    throw new Error(`cannot read the key file ${keyFile}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (typeof parsed.keys !== 'object' || parsed.keys === null || typeof parsed.current !== 'string' || typeof parsed.indexKey !== 'string') {
    throw new Error(`the key file ${keyFile} must hold {keys: {id: base64}, current, indexKey}`);
  }
  const keks = new Map(Object.entries(parsed.keys).map(([id, k]) => [id, decodeKey(`key "${id}" of ${keyFile}`, String(k))] as const));
  return { protection: keyring(keks, parsed.current, decodeKey(`indexKey of ${keyFile}`, parsed.indexKey)), source: 'key-file', keyFile, created };
}

/**
 * Refuses to run with keys that cannot open the stored data: a KEK named by a row but absent from
 * the keyring, or a key whose fingerprint differs from the one stored under its id (a typo, a key
 * file of another installation). Records the fingerprints of new keys. Run at start (main.ts) and
 * by the admin commands.
 */
export async function checkKeysAgainstDatabase(db: Db, protection: DataProtection): Promise<void> {
  if (protection.mode !== 'encrypted') return;
  const stored = new Map(
    (await db.query<{ kind: string; key_id: string; fingerprint: string }>('SELECT kind, key_id, fingerprint FROM data_key_fingerprints')).map((r) => [
      `${r.kind}/${r.key_id}`,
      r.fingerprint,
    ]),
  );
  for (const f of protection.fingerprints()) {
    const known = stored.get(`${f.kind}/${f.keyId}`);
    if (known !== undefined && known !== f.fingerprint) {
      throw new Error(
        f.kind === 'index'
          ? 'DATA_INDEX_KEY is not the key the blind index was built with: citizens could no longer be found; restore the original key'
          : `DATA_KEYS: key "${f.keyId}" is not the key stored data was sealed with under that id; restore it (or give the new key another id)`,
      );
    }
  }
  const used = await db.query<{ key_id: string }>(
    `SELECT DISTINCT personal_kek_id AS key_id FROM received_dossiers WHERE personal_kek_id IS NOT NULL
     UNION SELECT DISTINCT kek_id FROM blobs WHERE kek_id IS NOT NULL
     UNION SELECT DISTINCT kek_id FROM relay_outbox WHERE kek_id IS NOT NULL`,
  );
  const missing = used.map((r) => r.key_id).filter((id) => !protection.keyIds.includes(id));
  if (missing.length > 0) {
    throw new Error(
      `stored records are sealed under data key(s) ${missing.join(', ')}, which DATA_KEYS does not hold: add them back until rotate-data-keys has run`,
    );
  }
  for (const f of protection.fingerprints()) {
    await db.query('INSERT INTO data_key_fingerprints (kind, key_id, fingerprint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      f.kind,
      f.keyId,
      f.fingerprint,
    ]);
  }
}
