import { AppFailure } from '../shared/result';

/**
 * Personal data at rest on the kiosk (issue 11, DOMAIN.md "Personal data"): a dossier's arguments
 * (applicant, look-up secret, delivery address), its outbox entry (and so the Electron journal file,
 * which copies the outbox as stored) and every scan are kept sealed with AES-256-GCM; the ID number
 * the reuse index is searched by is kept as a keyed HMAC (a blind index), never in clear.
 *
 * One 32-byte device data key feeds HKDF-SHA-256, which derives two non-extractable keys: one for
 * AES-GCM, one for the HMAC. Where the data key lives is the platform's business (src/app/personalKey.ts):
 * the OS keystore through Electron's safeStorage, or the browser profile. Each sealed value carries
 * its own random 96-bit IV and is bound to what it is (additional data: "dossier", "blob:<sha256>"),
 * so a value moved to another record, or a scan swapped for another, fails to open instead of
 * being read as the wrong thing.
 *
 * WebCrypto is asynchronous and an IndexedDB transaction commits when it waits on anything else,
 * so values are sealed before a transaction and opened after it (see dossierRepository.ts).
 */

/** An AES-256-GCM sealed JSON value, in a JSON-safe form (the journal file is JSON). */
export interface SealedBox {
  readonly v: 1;
  /** base64 of the 12-byte IV. */
  readonly iv: string;
  /** base64 of ciphertext ‖ 16-byte tag. */
  readonly ct: string;
}

/** The magic bytes that start a sealed scan ("HPK1"), then the IV, then ciphertext ‖ tag. */
const BLOB_MAGIC = new Uint8Array([0x48, 0x50, 0x4b, 0x31]);
const IV_BYTES = 12;
const SALT = new TextEncoder().encode('hpasc-kiosk personal data v1');

export function isSealedBox(v: unknown): v is SealedBox {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return b.v === 1 && typeof b.iv === 'string' && typeof b.ct === 'string';
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a value could not be opened: the wrong key (a changed keystore), or damaged bytes. */
function cannotOpen(what: string): AppFailure {
  return new AppFailure(
    'storage.cannot-decrypt',
    `${what} could not be decrypted with this machine's data key (the key changed or the data is damaged); nothing was changed`,
  );
}

export class PersonalCipher {
  private constructor(
    private readonly aes: CryptoKey,
    private readonly hmac: CryptoKey,
  ) {}

  /** Derives the cipher's keys from a 32-byte data key (raw bytes or a non-extractable HKDF key). */
  static async fromDataKey(dataKey: Uint8Array | CryptoKey): Promise<PersonalCipher> {
    let base: CryptoKey;
    if (dataKey instanceof Uint8Array) {
      if (dataKey.byteLength !== 32) throw new AppFailure('storage.bad-key', `the data key must be 32 bytes, not ${dataKey.byteLength}`);
      base = await crypto.subtle.importKey('raw', new Uint8Array(dataKey), 'HKDF', false, ['deriveKey']);
    } else {
      base = dataKey;
    }
    const derive = (info: string, alg: AesKeyGenParams | HmacImportParams, usages: KeyUsage[]) =>
      crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8.encode(info) }, base, alg, false, usages);
    const [aes, hmac] = await Promise.all([
      derive('aes-256-gcm', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
      derive('hmac-sha-256 blind index', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign']),
    ]);
    return new PersonalCipher(aes, hmac);
  }

  /** A fresh random data key: 32 bytes, imported as a non-extractable HKDF key (the browser build keeps it so). */
  static async newBrowserDataKey(): Promise<CryptoKey> {
    return crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'HKDF', false, ['deriveKey']);
  }

  async sealJson(value: unknown, context: string): Promise<SealedBox> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(context) }, this.aes, utf8.encode(JSON.stringify(value)));
    return { v: 1, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
  }

  async openJson(box: SealedBox, context: string): Promise<unknown> {
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(box.iv), additionalData: utf8.encode(context) }, this.aes, fromBase64(box.ct));
    } catch {
      throw cannotOpen(`a stored ${context}`);
    }
    return JSON.parse(fromUtf8.decode(plain)) as unknown;
  }

  /** Seals a scan; the result is a Blob "HPK1" ‖ IV ‖ ciphertext ‖ tag, bound to the scan's SHA-256. */
  async sealBlob(data: Blob, sha256: string): Promise<Blob> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(`blob:${sha256}`) }, this.aes, await data.arrayBuffer());
    return new Blob([BLOB_MAGIC, iv, ct], { type: 'application/octet-stream' });
  }

  async openBlob(sealed: Blob, sha256: string, mimeType: string): Promise<Blob> {
    const bytes = new Uint8Array(await sealed.arrayBuffer());
    if (!isSealedBlobBytes(bytes)) throw cannotOpen(`scan ${sha256.slice(0, 12)}…`);
    const iv = bytes.subarray(BLOB_MAGIC.length, BLOB_MAGIC.length + IV_BYTES);
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: utf8.encode(`blob:${sha256}`) },
        this.aes,
        bytes.subarray(BLOB_MAGIC.length + IV_BYTES),
      );
    } catch {
      throw cannotOpen(`scan ${sha256.slice(0, 12)}…`);
    }
    return new Blob([plain], { type: mimeType });
  }

  /**
   * The blind index of a citizen ID number: HMAC-SHA-256 under the device key, hex. Equal numbers
   * give equal indexes on this machine, so "documents this citizen gave" is an indexed query,
   * while the database holds no ID number.
   */
  async blindIndex(idNumber: string): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', this.hmac, utf8.encode(`cccd:${idNumber.trim()}`));
    return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
  }
}

export function isSealedBlobBytes(bytes: Uint8Array): boolean {
  return bytes.length >= BLOB_MAGIC.length + IV_BYTES + 16 && BLOB_MAGIC.every((b, i) => bytes[i] === b);
}
