import type { RandomBytes } from './clock';

/**
 * UUIDv7 (RFC 9562): 48-bit Unix-ms timestamp, version 7, 74 random bits. Sorts by creation time,
 * which keeps outbox and record keys in insertion order in IndexedDB and PostgreSQL indexes.
 */
export function uuidv7(nowMs: number, randomBytes: RandomBytes): string {
  const b = randomBytes(16);
  if (b.length !== 16) throw new Error('uuidv7 needs 16 random bytes');
  let ts = Math.floor(nowMs);
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
