import { z } from 'zod';
import { BranchCode } from './wireTypes';

/**
 * Branch staff accounts (officers at the counters, supervisors, technicians), managed at the centre
 * and published to the branch's counter and technician machines in the scope `staff:<branch>`
 * (never to citizen kiosks). A machine verifies a PIN offline against the account's verifier.
 *
 * The verifier is PBKDF2-HMAC-SHA256 (WebCrypto: the same code in the browser, Electron and Node),
 * 600,000 iterations (OWASP's figure for PBKDF2-SHA256), a 16-byte random salt, 32 bytes out. A
 * six-digit PIN has only 10^6 values, so no KDF makes a stolen verifier safe on its own: the
 * iterations make each guess cost what one sign-in costs (≈ 0.1–0.2 s on a counter PC, measured
 * by `npm run bench -- pin`), verifiers reach only staff machines, and repeated wrong PINs lock
 * the account on the machine (src/app/officerSession.ts). A parameter change is a new verifier
 * (`iterations` travels with it), so old and new coexist while PINs are reset.
 */
export const STAFF_ROLES = ['officer', 'supervisor', 'technician'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const PIN_KDF_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** A PIN is 6 to 8 digits. */
export const PIN_PATTERN = /^\d{6,8}$/;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

export const PinVerifier = z
  .object({
    kdf: z.literal('pbkdf2-sha256'),
    iterations: z.number().int().min(100_000).max(10_000_000),
    salt: Base64.max(64),
    hash: Base64.max(64),
  })
  .strict();
export type PinVerifier = z.infer<typeof PinVerifier>;

/** Staff id as printed on the staff card, e.g. "CB0012". */
export const StaffId = z.string().regex(/^[A-Z0-9][A-Z0-9._-]{1,19}$/, 'staff id: 2–20 capital letters, digits, ".", "_" or "-"');

export const StaffAccount = z
  .object({
    staffId: StaffId,
    /** Full name as printed on receipts ("Người tiếp nhận hồ sơ"). */
    name: z.string().trim().min(1).max(100),
    role: z.enum(STAFF_ROLES),
    /** False once disabled at the centre: the account can no longer sign in anywhere. */
    active: z.boolean(),
    pin: PinVerifier,
    /** When the PIN was last set (centre clock, epoch ms): a machine forgets its lock-out for older PINs. */
    pinSetAt: z.number().int().min(0),
  })
  .strict();
export type StaffAccount = z.infer<typeof StaffAccount>;

/** The staff fields a record carries: who received, printed or called (never the verifier). */
export const StaffRef = z.object({ staffId: StaffId, name: z.string().min(1).max(100) }).strict();
export type StaffRef = z.infer<typeof StaffRef>;

/** Admin API bodies (src/server/staff.ts): create an account; name one; list a branch's. */
export const StaffCreateRequest = z
  .object({ branchCode: BranchCode, staffId: StaffId, name: z.string().trim().min(1).max(100), role: z.enum(STAFF_ROLES) })
  .strict();
export const StaffAccountRequest = z.object({ branchCode: BranchCode, staffId: StaffId }).strict();
export const StaffListQuery = z.object({ branch: BranchCode }).strict();

/** Which staff roles may use a machine of this role: counters take officers and supervisors, the technician area technicians and supervisors. */
export function staffRolesFor(deviceRole: 'counter' | 'technician'): readonly StaffRole[] {
  return deviceRole === 'counter' ? ['officer', 'supervisor'] : ['technician', 'supervisor'];
}

/**
 * WebCrypto, as both the browser and Node 20 expose it on globalThis; typed here because src/shared
 * compiles without DOM or Node types (it runs everywhere).
 */
interface WebCryptoLike {
  readonly subtle: {
    importKey(format: 'raw', key: Uint8Array, algorithm: 'PBKDF2', extractable: false, usages: ['deriveBits']): Promise<unknown>;
    deriveBits(algorithm: { name: 'PBKDF2'; hash: 'SHA-256'; salt: Uint8Array; iterations: number }, key: unknown, length: number): Promise<ArrayBuffer>;
  };
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
}
const webCrypto = (): WebCryptoLike => (globalThis as unknown as { crypto: WebCryptoLike }).crypto;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of clean) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const digits = new Uint8Array([...pin].map((c) => c.charCodeAt(0)));
  const key = await webCrypto().subtle.importKey('raw', digits, 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await webCrypto().subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BYTES * 8));
}

/** A verifier for `pin` (the centre makes these; `salt` only for tests). */
export async function makePinVerifier(pin: string, options: { iterations?: number; salt?: Uint8Array<ArrayBuffer> } = {}): Promise<PinVerifier> {
  if (!PIN_PATTERN.test(pin)) throw new Error('a PIN is 6 to 8 digits');
  const salt = options.salt ?? webCrypto().getRandomValues(new Uint8Array(SALT_BYTES));
  const iterations = options.iterations ?? PIN_KDF_ITERATIONS;
  return { kdf: 'pbkdf2-sha256', iterations, salt: toBase64(salt), hash: toBase64(await derive(pin, salt, iterations)) };
}

/** Whether `pin` matches the verifier; compares every byte (no early exit). */
export async function verifyPin(pin: string, verifier: PinVerifier): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  const expected = fromBase64(verifier.hash);
  const actual = await derive(pin, fromBase64(verifier.salt), verifier.iterations);
  if (actual.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual[i]! ^ expected[i]!;
  return diff === 0;
}

/** PINs nobody should get: one digit repeated, or a run up or down (123456, 987654). */
export function isWeakPin(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const digits = [...pin].map(Number);
  const up = digits.every((d, i) => i === 0 || d === (digits[i - 1]! + 1) % 10);
  const down = digits.every((d, i) => i === 0 || d === (digits[i - 1]! + 9) % 10);
  return up || down;
}

/** A random six-digit PIN that is not weak (the centre issues these; shown once). */
export function randomPin(): string {
  for (;;) {
    const n = webCrypto().getRandomValues(new Uint32Array(1))[0]! % 1_000_000;
    const pin = String(n).padStart(6, '0');
    if (!isWeakPin(pin)) return pin;
  }
}
