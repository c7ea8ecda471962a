import { z } from 'zod';

/**
 * The small value types every wire contract shares (push, pull, look-up, the record types of
 * records/): each is defined here once, with its bound.
 */
/** Branch codes, as in DeviceConfig and BranchConfig. */
export const BranchCode = z.string().regex(/^[A-Z0-9]{2,12}$/);
/** A UUID as text (every record id, mutation id, journal id). */
export const Uuid = z.string().max(36).uuid();
/** Milliseconds since the epoch; bounded so it always fits a PostgreSQL bigint and a JS number. */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);
/** Dossier code per Circular 01/2018/TT-VPCP art. 19, e.g. 000.00.21.H26-260212-0001. */
export const DossierCode = z.string().regex(/^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){1,5}-\d{6}-\d{4,6}$/, 'dossier code like 000.00.21.H26-260212-0001');
/** Content address of a scanned document. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 as 64 lower-case hex digits');
/** The receipt's short look-up secret ("mã tra cứu"): 32 symbols without I, O, 0, 1, read aloud without confusion. */
export const LOOKUP_SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const LookupSecret = z.string().regex(/^[A-HJ-NP-Z2-9]{6,12}$/, 'look-up secret of 6–12 characters from the receipt');

/** A fresh look-up secret: 8 symbols of the alphabet (40 random bits), from `random` bytes. */
export function newLookupSecret(random: (length: number) => Uint8Array): string {
  return Array.from(random(8), (b) => LOOKUP_SECRET_ALPHABET[b & 31]!).join('');
}
