import { toLocalDateTime } from './localDay';

/**
 * The branch's reception register ("Sổ theo dõi hồ sơ", Mẫu 01 of Thông tư 01/2018/TT-VPCP: "Vào Sổ
 * theo dõi hồ sơ, Quyển số … Số thứ tự …"), kept by each counter offline like its dossier codes.
 *
 * Guarantees:
 * - one book per counter (device slot) and year: "Quyển số 03/2026" is slot 2's book of 2026, so two
 *   counters never share a book and no number needs the network;
 * - serials start at 1 in each book and only go up (the caller's counter, its high-water mark beside
 *   the journal and the serials found in restored records are the floor), so a serial printed on a
 *   receipt is never given again, even after a restore;
 * - the year is the branch's local year of the receipt (a fixed UTC offset, never the machine's zone).
 */
export interface RegisterEntry {
  /** "03/2026": the counter's number (slot + 1, two digits) and the year. */
  readonly book: string;
  /** 1, 2, 3 … within the book. */
  readonly serial: number;
}

/** Books are "NN/YYYY" (slot + 1, then the year). */
export const REGISTER_BOOK_PATTERN = /^\d{2,3}\/\d{4}$/;

export function registerBook(slot: number, receivedAt: number, utcOffsetMinutes: number): string {
  const { year } = toLocalDateTime(receivedAt, utcOffsetMinutes);
  return `${String(slot + 1).padStart(2, '0')}/${year}`;
}

/** The key of a book's serial counter (the kiosk's `counters` table and the journal's high-water marks). */
export function registerCounterKey(book: string): string {
  const [counter = '', year = ''] = book.split('/');
  return `rseq|${year}|${counter}`;
}
