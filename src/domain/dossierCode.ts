import { err, ok, type Result } from '../shared/result';
import { toLocalDateTime, localDayKey } from './localDay';
import { localSeqFor, ticketNumberFor } from './ticketNumbering';

/**
 * Dossier codes (mã hồ sơ) per Circular 01/2018/TT-VPCP art. 19: `<unitCode>-YYMMDD-XXXX`, e.g.
 * `000.00.21.H26-260212-0001` — the receiving unit's code, the receipt date in branch time, and the
 * unit's daily sequence. The code is printed on the receipt at once, so counters that are offline
 * cannot ask anyone for the next number.
 *
 * Guarantees:
 * - Two devices never issue the same code, online or not: device slot k owns block k of the daily
 *   sequence (with block size B, k·B+1 … k·B+B−1) and continues in overflow blocks k + slots·r
 *   when it runs out: the same arithmetic as queue tickets (ticketNumbering.ts), which no other slot
 *   can reach. Uniqueness holds per unit code, so slots must be allotted per unit code, not per
 *   branch, if several branches receive under one code.
 * - The date part and the daily sequence follow the branch's local day (fixed UTC offset), never
 *   UTC and never the machine's time zone: a receipt at 00:30 in Hà Nội (17:30 UTC the day before)
 *   carries the Hà Nội date and starts the new day's sequence.
 * - A code is never printed wider than configured: when a slot has used every block that fits in
 *   `digits`, the result is the error `dossier.sequence-exhausted`, not a longer code.
 * - parseDossierCode inverts a code to its date, slot and local sequence, so a code can be checked
 *   and a lost counter database can continue the day's sequence.
 */

/** The configurable part of the pattern besides the unit code. Same block idea as TicketNumbering. */
export interface DossierNumbering {
  /** Sequence numbers per device block. Slot k owns k·blockSize+1 … k·blockSize+blockSize−1. */
  readonly blockSize: number;
  /** Device slots of the receiving unit; overflow blocks start after them. */
  readonly slots: number;
  /** Digits of the sequence part: 4 by the Circular, up to 6 allowed by the published pattern. */
  readonly digits: number;
}

export interface DossierCodeInput {
  /** The receiving unit's code, e.g. '000.00.21.H26'. */
  readonly unitCode: string;
  /** Epoch ms of the receipt. */
  readonly receivedAt: number;
  /** Minutes east of UTC of the branch (Vietnam: 420). */
  readonly utcOffsetMinutes: number;
  /** This device's 1-based count of dossiers on the local day (see nextDailySeq). */
  readonly localSeq: number;
  /** This device's slot, 0 … slots−1. */
  readonly slot: number;
  readonly numbering: DossierNumbering;
}

export interface DossierCode {
  /** What is printed, e.g. '000.00.21.H26-260212-0001'. */
  readonly code: string;
  /** The receipt date in branch time, 'YYYY-MM-DD'. */
  readonly date: string;
  /** The number in the sequence part, e.g. 1001. */
  readonly sequence: number;
}

export interface ParsedDossierCode extends DossierCode {
  readonly unitCode: string;
  /** The slot and the local sequence that produced the code under the given numbering. */
  readonly slot: number;
  readonly localSeq: number;
}

/** A device's daily counter: the local day it counts and the last sequence it issued that day. */
export interface DailySeq {
  readonly dayKey: string;
  readonly seq: number;
}

/** Up to six levels of 1–6 upper-case letters or digits, as the published `DossierCode` accepts. */
const UNIT_CODE = /^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){1,5}$/;

/** The counter after one more receipt at `receivedAt`: seq + 1 on the same local day, 1 on a new one. */
export function nextDailySeq(previous: DailySeq | null, receivedAt: number, utcOffsetMinutes: number): DailySeq {
  const dayKey = localDayKey(receivedAt, utcOffsetMinutes);
  return { dayKey, seq: previous !== null && previous.dayKey === dayKey ? previous.seq + 1 : 1 };
}

export function dossierCodeFor(input: DossierCodeInput): Result<DossierCode> {
  checkNumbering(input.numbering);
  if (!UNIT_CODE.test(input.unitCode)) throw new RangeError(`unit code ${JSON.stringify(input.unitCode)} is not like 000.00.21.H26`);
  // ticketNumberFor checks localSeq ≥ 1 and the slot range.
  const sequence = ticketNumberFor('', input.localSeq, input.slot, input.numbering).numeric;
  if (sequence >= 10 ** input.numbering.digits) {
    return err(
      'dossier.sequence-exhausted',
      `slot ${input.slot} has used every ${input.numbering.digits}-digit block of the day (local sequence ${input.localSeq})`,
    );
  }
  const t = toLocalDateTime(input.receivedAt, input.utcOffsetMinutes);
  if (t.year < 2000 || t.year > 2099) throw new RangeError(`year ${t.year} does not fit the two-digit year of a dossier code`);
  const date = `${t.year}-${pad2(t.month)}-${pad2(t.day)}`;
  const dayPart = `${pad2(t.year % 100)}${pad2(t.month)}${pad2(t.day)}`;
  return ok({ code: `${input.unitCode}-${dayPart}-${String(sequence).padStart(input.numbering.digits, '0')}`, date, sequence });
}

/**
 * The inverse of dossierCodeFor under `numbering`: the code's parts, or an error when it is not a
 * code this numbering can produce (malformed, impossible date, wrong width, a block boundary such as
 * 0000 or 1000, another unit when `unitCode` is given).
 */
export function parseDossierCode(code: string, numbering: DossierNumbering, unitCode?: string): Result<ParsedDossierCode> {
  checkNumbering(numbering);
  const m = /^(.+)-(\d{2})(\d{2})(\d{2})-(\d+)$/.exec(code);
  if (m === null || !UNIT_CODE.test(m[1] as string)) return err('dossier.code-malformed', 'not <unit code>-YYMMDD-<sequence>');
  const unit = m[1] as string;
  if (unitCode !== undefined && unit !== unitCode) return err('dossier.code-other-unit', 'the code belongs to another receiving unit');
  const [year, month, day] = [2000 + Number(m[2]), Number(m[3]), Number(m[4])];
  const date = `${year}-${m[3]}-${m[4]}`;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return err('dossier.code-bad-date', `${date} is not a calendar date`);
  const digits = m[5] as string;
  if (digits.length !== numbering.digits) return err('dossier.code-malformed', `the sequence must have ${numbering.digits} digits`);
  const sequence = Number(digits);
  const slot = Math.floor(sequence / numbering.blockSize) % numbering.slots;
  const localSeq = localSeqFor(sequence, slot, numbering);
  if (localSeq === null) return err('dossier.code-bad-sequence', `${digits} is a block boundary no device issues`);
  return ok({ code, unitCode: unit, date, sequence, slot, localSeq });
}

function checkNumbering(n: DossierNumbering): void {
  if (!Number.isInteger(n.digits) || n.digits < 4 || n.digits > 6) throw new RangeError(`digits must be 4–6, got ${n.digits}`);
  if (!Number.isInteger(n.blockSize) || n.blockSize < 10) throw new RangeError(`blockSize must be an integer ≥ 10, got ${n.blockSize}`);
  if (!Number.isInteger(n.slots) || n.slots < 1) throw new RangeError(`slots must be a positive integer, got ${n.slots}`);
  // Every slot must own at least its first block inside the configured width.
  if (n.slots * n.blockSize > 10 ** n.digits) {
    throw new RangeError(`${n.slots} slots × ${n.blockSize} do not fit in ${n.digits} digits`);
  }
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
