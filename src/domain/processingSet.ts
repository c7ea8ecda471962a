import type { CalendarYear } from '../shared/calendar';
import { PROCESSING_REASON_MAX, PROCESSING_SET_LIMITS, type ProcessingSet } from '../shared/records';
import type { AppointmentContext } from './dossierAppointment';
import { weeklyHoursOf } from './dossierAppointment';
import { localDayKey } from './localDay';
import { afterWorkingHours, appointmentFor, isWorkingDay, nextWorkingMoment } from './workingCalendar';

/**
 * The appointment from a processing time the officer sets at the counter (`ProcessingSet`): when the
 * catalog gives no time with a unit (birth, marriage, certifications…) or the officer overrides it.
 *
 * Guarantees:
 * - Working days count as the catalog's do (`appointmentFor`: hours, cut-off, holidays, make-up
 *   Saturdays); working hours count only inside working periods (`afterWorkingHours`), so a
 *   same-day service received late rolls over to the next working morning.
 * - A fixed date must be a real date after the receipt day, within a year, and a working day of the
 *   published calendar: a weekend, a holiday or a swap day is refused (a holiday or swap day with its name). The
 *   result is due when the counter opens that day.
 * - Finality as everywhere (DOMAIN.md): a date that depends on a day not yet announced is
 *   `provisional`; a fixed date in a year the centre has not published cannot be checked against
 *   holidays and is `provisional`; working days or hours that reach such a year give no date
 *   (`processing.beyond-calendar`: the officer may fix a date instead).
 * - Every refusal is a specific code (`processing.*`) with `values` the screen can name (the date,
 *   the holiday); nothing is ever silently adjusted.
 * - Pure: the receipt time, the calendar and the branch hours arrive as arguments.
 */

export interface SetAppointment {
  readonly kind: 'date';
  readonly at: number;
  /** YYYY-MM-DD, branch time. */
  readonly date: string;
  readonly provisional: boolean;
}

export interface ProcessingSetError {
  readonly code: string;
  /** English, for logs. */
  readonly detail: string;
  /** What the message names: `date` dd/MM/yyyy, `name` of a holiday, `year`. */
  readonly values: Readonly<Record<string, string>>;
}

export type ProcessingSetOutcome = { readonly ok: true; readonly value: SetAppointment } | { readonly ok: false; readonly error: ProcessingSetError };

/** How far ahead a fixed date may be: further is almost surely a typo (2062 for 2026). */
export const FIXED_DATE_MAX_DAYS_AHEAD = 366;

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A refusal (named `err` like shared/result's, so the i18n catalog test finds every code here). */
function err(code: string, detail: string, values: Record<string, string> = {}): { readonly ok: false; readonly error: ProcessingSetError } {
  return { ok: false, error: { code, detail, values } };
}

/** "26/02/2026" (also 26-2-2026, 26.02.2026) → "2026-02-26" when it is a real date, else null. */
export function isoFromViDate(text: string): string | null {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "2026-02-26" → "26/02/2026". */
export function viDateOf(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : isoDate;
}

/** The set's own checks, before any calendar: the reason and the value's bounds. */
export function checkProcessingSet(set: ProcessingSet): ProcessingSetError | null {
  const reason = set.reason.trim();
  if (reason === '') return err('processing.reason-required', 'no reason given').error;
  if (reason.length > PROCESSING_REASON_MAX) {
    return err('processing.reason-too-long', `reason of ${reason.length} characters`, { max: String(PROCESSING_REASON_MAX) }).error;
  }
  if (set.kind === 'date') {
    if (typeof set.value !== 'string' || isoFromViDate(viDateOf(set.value)) !== set.value) {
      return err('processing.date-invalid', `not a date: ${String(set.value)}`).error;
    }
    return null;
  }
  const { min, max } = PROCESSING_SET_LIMITS[set.kind];
  if (typeof set.value !== 'number' || !Number.isInteger(set.value) || set.value < min || set.value > max) {
    const values = { min: String(min), max: String(max) };
    const detail = `${set.kind} ${String(set.value)} outside ${min}–${max}`;
    return (set.kind === 'working-days' ? err('processing.days-invalid', detail, values) : err('processing.hours-invalid', detail, values)).error;
  }
  return null;
}

/** The appointment for a dossier received at `receivedAt` with the processing time the officer set. */
export function processingSetAppointment(set: ProcessingSet, receivedAt: number, context: AppointmentContext): ProcessingSetOutcome {
  const invalid = checkProcessingSet(set);
  if (invalid) return { ok: false, error: invalid };
  const { reception, utcOffsetMinutes, calendar } = context;
  if (!reception) return err('processing.no-reception', 'the branch has no reception settings');
  const base = { utcOffsetMinutes, calendar, hours: weeklyHoursOf(reception), cutoff: reception.cutoff ?? undefined };

  if (set.kind === 'working-days') {
    const a = appointmentFor({ ...base, receivedAt, workingDays: set.value });
    if (a.kind !== 'date') return err('processing.beyond-calendar', `reaches ${a.uncoveredYear}, not published`, { year: String(a.uncoveredYear) });
    return { ok: true, value: { kind: 'date', at: a.dueAt, date: a.dueDate, provisional: a.provisional } };
  }
  if (set.kind === 'working-hours') {
    const m = afterWorkingHours({ ...base, at: receivedAt, workingHours: set.value });
    if (m.kind !== 'moment') return err('processing.beyond-calendar', `reaches ${m.uncoveredYear}, not published`, { year: String(m.uncoveredYear) });
    return { ok: true, value: { kind: 'date', at: m.at, date: localDayKey(m.at, utcOffsetMinutes), provisional: m.provisional } };
  }

  const date = set.value;
  const shown = { date: viDateOf(date) };
  const today = localDayKey(receivedAt, utcOffsetMinutes);
  if (date < today) return err('processing.date-past', `${date} is before the receipt day ${today}`, shown);
  if (date === today) return err('processing.date-today', `${date} is the receipt day`, shown);
  const dayMs = Date.parse(`${date}T00:00:00Z`);
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  if ((dayMs - todayMs) / DAY_MS > FIXED_DATE_MAX_DAYS_AHEAD) {
    return err('processing.date-too-far', `${date} is more than ${FIXED_DATE_MAX_DAYS_AHEAD} days after ${today}`, shown);
  }
  const working = isWorkingDay(date, calendar);
  if (working === false) {
    const name = offDayName(date, calendar);
    if (name === null) return err('processing.date-weekend', `${date} is a Saturday or Sunday`, shown);
    return err('processing.date-holiday', `${date} is a day off in the calendar`, { ...shown, name });
  }
  const midnight = dayMs - utcOffsetMinutes * MINUTE_MS;
  if (working === null) {
    // The year is not published: no holiday can be checked, so the date is the officer's and provisional.
    const opening = reception.workingHours[0]?.start ?? '08:00';
    const [h, mi] = opening.split(':').map(Number);
    return { ok: true, value: { kind: 'date', at: midnight + ((h ?? 8) * 60 + (mi ?? 0)) * MINUTE_MS, date, provisional: true } };
  }
  const opens = nextWorkingMoment({ ...base, at: midnight, cutoff: undefined });
  if (opens.kind !== 'moment') return err('processing.beyond-calendar', `${date} is not covered`, { year: date.slice(0, 4) });
  return { ok: true, value: { kind: 'date', at: opens.at, date, provisional: opens.provisional } };
}

/** The calendar's name of an off day ("Quốc khánh (2/9)"), or null for a plain weekend. */
function offDayName(date: string, calendar: readonly CalendarYear[]): string | null {
  const year = Number(date.slice(0, 4));
  // Later records of a year replace earlier ones, as the calendar rules read them.
  const record = [...calendar].reverse().find((y) => y.year === year);
  return record?.days.find((d) => d.date === date && d.kind === 'off')?.name ?? null;
}
