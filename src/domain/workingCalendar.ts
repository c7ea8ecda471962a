import type { CalendarYear } from '../shared/calendar';

/**
 * Working days and the appointment date of a dossier (DOMAIN.md, "Appointment date").
 *
 * Guarantees:
 * - A day is a working day when the centre's calendar lists it as `work` (a make-up Saturday), or it
 *   is Monday–Friday and not listed as `off`. Saturdays and Sundays are off unless listed `work`.
 * - The calendar is data the centre publishes, one record per year. A year without a record is not
 *   covered, and no answer here is ever derived from an uncovered year: instead of a date the caller
 *   gets `needs-confirmation`, so an officer confirms the appointment by hand.
 * - Finality is per period: a covered day after its year's last announced day (`finalThrough`, or
 *   the whole year for `final: true` without it, none for `final: false` without it) is the
 *   centre's estimate. A date is `provisional` exactly when a day the computation walked over, from
 *   the receipt day to the due day, is such an estimate.
 * - Processing time counts from a moment inside working hours ("countedFrom"): the receipt itself if
 *   it is, otherwise the next start of a working period. A receipt at or after the branch cut-off
 *   counts from the next working morning. The due moment is the Nth working day after that day at
 *   the same time of day (worked example: 5 working days from Thu 12/02/2026 10:00 → Thu 26/02/2026
 *   10:00, Tết off 14–22/02).
 * - Days are branch-local, computed from epoch ms and a fixed UTC offset (Vietnam: +420, no DST),
 *   never from the machine's time zone.
 */

/** One working period of a day, local time 'HH:mm', start inclusive, end exclusive. */
export interface WorkPeriod {
  readonly start: string;
  readonly end: string;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Working periods per weekday. `default` applies to every working day the map does not name. A
 * listed make-up day (`work` in the calendar) always uses `default`: it stands in for a weekday.
 */
export interface WeeklyHours {
  readonly default: readonly WorkPeriod[];
  readonly byWeekday?: Readonly<Partial<Record<IsoWeekday, readonly WorkPeriod[]>>>;
}

/** The same periods every working day, or per weekday. */
export type WorkingHours = readonly WorkPeriod[] | WeeklyHours;

/** The calendar does not cover a year the computation needed: an officer must confirm the date. */
export interface NeedsConfirmation {
  readonly kind: 'needs-confirmation';
  readonly reason: 'beyond-calendar';
  /** The latest covered year before `uncoveredYear`, or null if there is none. */
  readonly lastCoveredYear: number | null;
  /** The first year the computation reached that has no calendar record. */
  readonly uncoveredYear: number;
}

export interface Appointment {
  readonly kind: 'date';
  /** When the result is due, epoch ms. */
  readonly dueAt: number;
  /** The due day in branch time, 'YYYY-MM-DD'. */
  readonly dueDate: string;
  /** The moment processing time counts from, epoch ms (the receipt, or the next working moment). */
  readonly countedFrom: number;
  /**
   * True when a day from the receipt day to the due day is after its year's last announced day
   * (e.g. January of a year whose holidays are not yet announced): the date is right for the
   * calendar as published but may still move.
   */
  readonly provisional: boolean;
}

/** A moment processing time counts from, or a result is handed over at. */
export interface WorkingMoment {
  readonly kind: 'moment';
  /** Epoch ms. */
  readonly at: number;
  /** True when a day from the day of the given moment to the day of `at` is not yet announced. */
  readonly provisional: boolean;
}

export interface WorkingTimeInput {
  /** Epoch ms. */
  readonly at: number;
  /** Minutes east of UTC of the branch (Vietnam: 420). */
  readonly utcOffsetMinutes: number;
  readonly calendar: readonly CalendarYear[];
  readonly hours: WorkingHours;
  /** Local 'HH:mm': a receipt at or after it on a working day counts from the next working morning. */
  readonly cutoff?: string;
}

export interface AppointmentInput {
  /** When the dossier was received, epoch ms. */
  readonly receivedAt: number;
  readonly utcOffsetMinutes: number;
  /** Legal processing time in working days; 0 means the result is due at `countedFrom`. */
  readonly workingDays: number;
  readonly calendar: readonly CalendarYear[];
  readonly hours: WorkingHours;
  readonly cutoff?: string;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

type DayStatus = 'work' | 'off' | 'uncovered';

interface YearIndex {
  /** The last announced day 'YYYY-MM-DD', or null when none is (string order is date order). */
  readonly announcedThrough: string | null;
  readonly days: ReadonlyMap<string, 'off' | 'work'>;
}

interface CalendarIndex {
  readonly years: ReadonlyMap<number, YearIndex>;
}

/** A period in ms since local midnight. */
interface Span {
  readonly start: number;
  readonly end: number;
}

interface ParsedHours {
  readonly default: readonly Span[];
  readonly byWeekday: ReadonlyMap<IsoWeekday, readonly Span[]>;
}

/** Is `date` ('YYYY-MM-DD') a working day? null when the calendar does not cover its year: never read null as "no". */
export function isWorkingDay(date: string, calendar: readonly CalendarYear[]): boolean | null {
  const status = dayStatus(indexCalendar(calendar), dayNumberOf(date));
  return status === 'uncovered' ? null : status === 'work';
}

/** The earliest moment at or after `at` from which processing time counts. */
export function nextWorkingMoment(input: WorkingTimeInput): WorkingMoment | NeedsConfirmation {
  checkOffset(input.utcOffsetMinutes);
  const index = indexCalendar(input.calendar);
  const hours = parseHours(input.hours);
  const cutoff = input.cutoff === undefined ? undefined : parseClock(input.cutoff, 'cutoff');
  const localMs = input.at + input.utcOffsetMinutes * MINUTE_MS;
  const found = nextWorkingLocal(index, hours, localMs, cutoff);
  if (found.kind !== 'local') return found;
  return {
    kind: 'moment',
    at: found.localMs - input.utcOffsetMinutes * MINUTE_MS,
    provisional: anyUnannounced(index, Math.floor(localMs / DAY_MS), Math.floor(found.localMs / DAY_MS)),
  };
}

/** The appointment for the result of a dossier received at `receivedAt`, or a request for confirmation. */
export function appointmentFor(input: AppointmentInput): Appointment | NeedsConfirmation {
  if (!Number.isInteger(input.workingDays) || input.workingDays < 0) {
    throw new RangeError(`workingDays must be a non-negative integer, got ${input.workingDays}`);
  }
  checkOffset(input.utcOffsetMinutes);
  const offsetMs = input.utcOffsetMinutes * MINUTE_MS;
  const index = indexCalendar(input.calendar);
  const hours = parseHours(input.hours);
  const cutoff = input.cutoff === undefined ? undefined : parseClock(input.cutoff, 'cutoff');

  const receivedLocal = input.receivedAt + offsetMs;
  const start = nextWorkingLocal(index, hours, receivedLocal, cutoff);
  if (start.kind !== 'local') return start;

  const startDay = Math.floor(start.localMs / DAY_MS);
  const timeOfDay = start.localMs - startDay * DAY_MS;
  let day = startDay;
  for (let remaining = input.workingDays; remaining > 0;) {
    day += 1;
    const status = dayStatus(index, day);
    if (status === 'uncovered') return beyondCalendar(index, yearOfDay(day));
    if (status === 'work') remaining -= 1;
  }

  const dueLocal = day * DAY_MS + fitTimeOfDay(timeOfDay, spansFor(hours, index, day));
  return {
    kind: 'date',
    dueAt: dueLocal - offsetMs,
    dueDate: dayKeyOf(day),
    countedFrom: start.localMs - offsetMs,
    provisional: anyUnannounced(index, Math.floor(receivedLocal / DAY_MS), day),
  };
}

export interface WorkingHoursSpanInput extends WorkingTimeInput {
  /** Working hours to count (same-day services), > 0. */
  readonly workingHours: number;
}

/**
 * When `workingHours` of working time have passed since `at` (a receipt): counting starts at the
 * next working moment (the cut-off applies as for working days) and runs only inside working
 * periods, over lunch breaks, evenings, weekends and holidays (4 working hours from 16:00 with
 * 13:30–17:30 end at 10:30 the next working day when it opens at 08:00). A due moment that lands
 * exactly on a period's end stays there (the counter closes then). `provisional` as for
 * `appointmentFor`: a day from the receipt day to the due day is not yet announced.
 */
export function afterWorkingHours(input: WorkingHoursSpanInput): WorkingMoment | NeedsConfirmation {
  if (!(input.workingHours > 0) || !Number.isFinite(input.workingHours)) {
    throw new RangeError(`workingHours must be a positive number, got ${input.workingHours}`);
  }
  checkOffset(input.utcOffsetMinutes);
  const offsetMs = input.utcOffsetMinutes * MINUTE_MS;
  const index = indexCalendar(input.calendar);
  const hours = parseHours(input.hours);
  const cutoff = input.cutoff === undefined ? undefined : parseClock(input.cutoff, 'cutoff');
  const receivedLocal = input.at + offsetMs;
  const start = nextWorkingLocal(index, hours, receivedLocal, cutoff);
  if (start.kind !== 'local') return start;

  let remaining = Math.round(input.workingHours * 60) * MINUTE_MS;
  let day = Math.floor(start.localMs / DAY_MS);
  let from = start.localMs - day * DAY_MS;
  // Terminates: each working day consumes time, and the walk meets an uncovered year otherwise.
  for (;;) {
    for (const span of spansFor(hours, index, day)) {
      if (span.end <= from) continue;
      const begin = Math.max(from, span.start);
      if (remaining <= span.end - begin) {
        const dueLocal = day * DAY_MS + begin + remaining;
        return { kind: 'moment', at: dueLocal - offsetMs, provisional: anyUnannounced(index, Math.floor(receivedLocal / DAY_MS), day) };
      }
      remaining -= span.end - begin;
    }
    let status: DayStatus;
    do {
      day += 1;
      status = dayStatus(index, day);
    } while (status === 'off');
    if (status === 'uncovered') return beyondCalendar(index, yearOfDay(day));
    from = 0;
  }
}

function nextWorkingLocal(
  index: CalendarIndex,
  hours: ParsedHours,
  localMs: number,
  cutoff: number | undefined,
): { readonly kind: 'local'; readonly localMs: number } | NeedsConfirmation {
  const firstDay = Math.floor(localMs / DAY_MS);
  const timeOfDay = localMs - firstDay * DAY_MS;
  // Terminates: the calendar covers finitely many years, so the walk meets an uncovered one.
  for (let day = firstDay; ; day++) {
    const status = dayStatus(index, day);
    if (status === 'uncovered') return beyondCalendar(index, yearOfDay(day));
    if (status === 'off') continue;
    const spans = spansFor(hours, index, day);
    if (day > firstDay) return { kind: 'local', localMs: day * DAY_MS + (spans[0] as Span).start };
    if (cutoff !== undefined && timeOfDay >= cutoff) continue;
    for (const span of spans) {
      if (timeOfDay < span.end) return { kind: 'local', localMs: day * DAY_MS + Math.max(timeOfDay, span.start) };
    }
  }
}

/**
 * The due time keeps the start's time of day; if the due day's hours differ and that time is not
 * inside them, the next period start of that day, or its closing time if none is left.
 */
function fitTimeOfDay(timeOfDay: number, spans: readonly Span[]): number {
  for (const span of spans) {
    if (timeOfDay < span.end) return Math.max(timeOfDay, span.start);
  }
  return (spans[spans.length - 1] as Span).end;
}

function beyondCalendar(index: CalendarIndex, uncoveredYear: number): NeedsConfirmation {
  let lastCoveredYear: number | null = null;
  for (const year of index.years.keys()) {
    if (year < uncoveredYear && (lastCoveredYear === null || year > lastCoveredYear)) lastCoveredYear = year;
  }
  return { kind: 'needs-confirmation', reason: 'beyond-calendar', lastCoveredYear, uncoveredYear };
}

/**
 * Whether a day in `fromDay`…`toDay` is after its year's last announced day. Every day in the range
 * is covered (the walk stops at an uncovered year before a date is given).
 */
function anyUnannounced(index: CalendarIndex, fromDay: number, toDay: number): boolean {
  for (let day = fromDay; day <= toDay; day++) {
    const through = index.years.get(yearOfDay(day))?.announcedThrough ?? null;
    if (through === null || dayKeyOf(day) > through) return true;
  }
  return false;
}

/**
 * The last announced day of a published year. Without `finalThrough` (data published before it
 * existed, still on kiosks) `final` keeps its meaning: the whole year, or none of it.
 */
function announcedThroughOf(record: CalendarYear): string | null {
  if (record.finalThrough !== undefined) return record.finalThrough;
  return record.final ? `${record.year}-12-31` : null;
}

function indexCalendar(calendar: readonly CalendarYear[]): CalendarIndex {
  // Later records of the same year replace earlier ones (a re-published year supersedes the old).
  const years = new Map<number, YearIndex>();
  for (const record of calendar) {
    years.set(record.year, { announcedThrough: announcedThroughOf(record), days: new Map(record.days.map((d) => [d.date, d.kind])) });
  }
  return { years };
}

function dayStatus(index: CalendarIndex, day: number): DayStatus {
  const record = index.years.get(yearOfDay(day));
  if (record === undefined) return 'uncovered';
  const listed = record.days.get(dayKeyOf(day));
  if (listed !== undefined) return listed;
  return weekdayOf(day) >= 6 ? 'off' : 'work';
}

function spansFor(hours: ParsedHours, index: CalendarIndex, day: number): readonly Span[] {
  const listedWork = index.years.get(yearOfDay(day))?.days.get(dayKeyOf(day)) === 'work';
  if (listedWork) return hours.default;
  return hours.byWeekday.get(weekdayOf(day)) ?? hours.default;
}

/** Days since 1970-01-01 in local time → weekday (1970-01-01 was a Thursday). */
function weekdayOf(day: number): IsoWeekday {
  return (((((day + 3) % 7) + 7) % 7) + 1) as IsoWeekday;
}

function yearOfDay(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}

function dayKeyOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function dayNumberOf(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw new RangeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (dayKeyOf(ms / DAY_MS) !== date) throw new RangeError(`${date} is not a calendar date`);
  return ms / DAY_MS;
}

function checkOffset(utcOffsetMinutes: number): void {
  if (!Number.isInteger(utcOffsetMinutes) || utcOffsetMinutes < -720 || utcOffsetMinutes > 840) {
    throw new RangeError(`utcOffsetMinutes must be an integer in −720…840, got ${utcOffsetMinutes}`);
  }
}

/** 'HH:mm' → ms since local midnight. */
function parseClock(text: string, what: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (m === null) throw new RangeError(`${what} must be HH:mm, got ${JSON.stringify(text)}`);
  return (Number(m[1]) * 60 + Number(m[2])) * MINUTE_MS;
}

function parseSpans(periods: readonly WorkPeriod[], what: string): readonly Span[] {
  if (periods.length === 0) throw new RangeError(`${what}: a working day needs at least one period`);
  const spans = periods.map((p) => ({ start: parseClock(p.start, `${what} start`), end: parseClock(p.end, `${what} end`) }));
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Span;
    const previous = spans[i - 1];
    if (span.start >= span.end) throw new RangeError(`${what}: period ${i + 1} ends before it starts`);
    if (previous !== undefined && span.start < previous.end) throw new RangeError(`${what}: periods must be in order and not overlap`);
  }
  return spans;
}

function parseHours(hours: WorkingHours): ParsedHours {
  if (isPeriodList(hours)) return { default: parseSpans(hours, 'hours'), byWeekday: new Map() };
  const byWeekday = new Map<IsoWeekday, readonly Span[]>();
  for (const [key, periods] of Object.entries(hours.byWeekday ?? {})) {
    const weekday = Number(key);
    if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) throw new RangeError(`hours.byWeekday: ${key} is not an ISO weekday 1–7`);
    if (periods !== undefined) byWeekday.set(weekday as IsoWeekday, parseSpans(periods, `hours.byWeekday.${key}`));
  }
  return { default: parseSpans(hours.default, 'hours.default'), byWeekday };
}

function isPeriodList(hours: WorkingHours): hours is readonly WorkPeriod[] {
  return Array.isArray(hours);
}
