import type { TicketNumbering } from '../shared/branchConfig';

/**
 * Queue-ticket numbers that never collide between kiosks of one branch, even when every kiosk is
 * offline all day.
 *
 * Choice: per-kiosk ranges. Kiosk slot k owns block k, i.e. numbers k·B+1 … k·B+(B−1) where B is the
 * block size (default 1000: slot 0 issues A0001–A0999, slot 1 A1001–A1999). A kiosk that exhausts
 * its block continues in an overflow block k + slots·r (r = 1, 2, …), which no other slot can own,
 * so the guarantee holds for any volume. Interleaving (kiosk k of N issues k, k+N, …) would give
 * denser numbers but depends on N: adding a kiosk in the middle of a day would create collisions.
 * With ranges, the first digit also tells staff which kiosk printed a ticket.
 *
 * The sequence is per (local day, service group, kiosk) and restarts at 1 every local day.
 */
export interface TicketNumber {
  /** The numeric part, unique per (branch, day, service group). */
  readonly numeric: number;
  /** What is printed and called: prefix + zero-padded numeric, e.g. "A1015". */
  readonly display: string;
}

export function ticketNumberFor(prefix: string, localSeq: number, slot: number, numbering: TicketNumbering): TicketNumber {
  if (!Number.isInteger(localSeq) || localSeq < 1) throw new RangeError(`localSeq must be a positive integer, got ${localSeq}`);
  if (!Number.isInteger(slot) || slot < 0 || slot >= numbering.slots) {
    throw new RangeError(`kiosk slot ${slot} is outside 0…${numbering.slots - 1}`);
  }
  const capacity = numbering.blockSize - 1;
  const round = Math.floor((localSeq - 1) / capacity);
  const offset = ((localSeq - 1) % capacity) + 1;
  const block = slot + numbering.slots * round;
  const numeric = block * numbering.blockSize + offset;
  return { numeric, display: `${prefix}${String(numeric).padStart(numbering.digits, '0')}` };
}

/** The inverse of ticketNumberFor: which local sequence of `slot` produced `numeric` (null if none). */
export function localSeqFor(numeric: number, slot: number, numbering: TicketNumbering): number | null {
  const block = Math.floor(numeric / numbering.blockSize);
  const offset = numeric - block * numbering.blockSize;
  if (offset < 1 || block < slot || (block - slot) % numbering.slots !== 0) return null;
  const round = (block - slot) / numbering.slots;
  return round * (numbering.blockSize - 1) + offset;
}
