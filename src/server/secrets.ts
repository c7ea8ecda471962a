import { createHash, randomBytes } from 'node:crypto';

/**
 * Enrolment codes and device tokens are stored only as SHA-256 hashes: a leaked database does not
 * let anyone enrol a kiosk or push as one. Both are high-entropy random values, so a plain hash
 * (no salt, no slow KDF) is enough and keeps look-up by hash possible.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** 32 random bytes, base64url: the device credential. */
export function newDeviceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Unambiguous upper-case alphabet (no I, O, 0, 1): 32 symbols, so each byte maps without bias. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time enrolment code, XXXX-XXXX-XXXX-XXXX: 80 random bits, easy to read out and type. */
export function newEnrolCode(): string {
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b & 31]!).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** What a technician may type: lower case, spaces, missing dashes. */
export function normaliseEnrolCode(code: string): string {
  const compact = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return compact.length === 16 ? compact.match(/.{4}/g)!.join('-') : compact;
}
