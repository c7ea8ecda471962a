import type { DossierReception } from '../shared/branchConfig';
import type { CalendarYear } from '../shared/calendar';
import type { Procedure, PROCEDURE_TIME_UNITS } from '../shared/catalog';
import { localDayKey } from './localDay';
import { appointmentFor, nextWorkingMoment, type IsoWeekday, type WeeklyHours } from './workingCalendar';

/**
 * When a dossier's result is due (DOMAIN.md, "Appointment date"): the procedure's processing time
 * on the branch's working calendar.
 *
 * Guarantees:
 * - The time is the in-person channel's (the counter receives in person), else the first channel's;
 *   a channel with no unit-bearing time gives no time, and then no date: `needs-confirmation`.
 * - Working days count on the published calendar within the branch's working hours and cut-off; a
 *   fraction is rounded up, so the citizen is never told a day too early.
 * - Calendar days and hours run around the clock from the receipt; the result is handed over at the
 *   next working moment after that.
 * - Past the calendar's last published year the answer is `needs-confirmation` (the officer
 *   announces the date); a date that depends on a day not yet announced (after its year's
 *   `finalThrough`) is `provisional`: for working days any day from the receipt to the due day, for
 *   calendar days and hours any day from the due moment to the working moment it is handed over.
 * - Pure: the receipt time and the calendar arrive as arguments.
 */

export type ProcessingUnit = (typeof PROCEDURE_TIME_UNITS)[number];

export interface ProcessingTime {
  readonly amount: number;
  readonly unit: ProcessingUnit;
  /** As the portal words it ("5 Ngày làm việc"), for display. */
  readonly text: string;
}

/** The appointment a dossier gets (or would get, shown before submitting). */
export type AppointmentPreview =
  | { readonly kind: 'date'; readonly at: number; readonly date: string; readonly provisional: boolean }
  | { readonly kind: 'needs-confirmation'; readonly reason: 'beyond-calendar' | 'no-working-days' };

export interface AppointmentContext {
  /** The branch's reception settings; null = the branch does not receive dossiers (no date). */
  readonly reception: DossierReception | null;
  readonly utcOffsetMinutes: number;
  /** The working-day calendar years known to the kiosk, in any order. */
  readonly calendar: readonly CalendarYear[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The channel the counter works in: in person, else the first the catalog lists. */
export function inPersonChannel(procedure: Procedure): Procedure['channels'][number] | undefined {
  return procedure.channels.find((c) => c.channel === 'in-person') ?? procedure.channels[0];
}

/** The legal processing time of the counter's channel, or null when the catalog gives no unit. */
export function processingTimeOf(procedure: Procedure): ProcessingTime | null {
  const channel = inPersonChannel(procedure);
  if (!channel) return null;
  if (channel.duration) return { amount: channel.duration.amount, unit: channel.duration.unit, text: channel.timeText };
  if (channel.workingDays !== null) return { amount: channel.workingDays, unit: 'working-day', text: channel.timeText };
  return null;
}

/** The branch's working hours as the calendar rules read them (weekday overrides keyed 1–7). */
export function weeklyHoursOf(reception: DossierReception): WeeklyHours {
  const byWeekday: Partial<Record<IsoWeekday, readonly { start: string; end: string }[]>> = {};
  for (const [day, periods] of Object.entries(reception.workingHoursByWeekday ?? {})) byWeekday[Number(day) as IsoWeekday] = periods ?? [];
  return { default: reception.workingHours, byWeekday };
}

export function dossierAppointment(procedure: Procedure, receivedAt: number, context: AppointmentContext): AppointmentPreview {
  const { reception, utcOffsetMinutes, calendar } = context;
  const time = processingTimeOf(procedure);
  if (!reception || !time) return { kind: 'needs-confirmation', reason: 'no-working-days' };
  const base = { utcOffsetMinutes, calendar, hours: weeklyHoursOf(reception), cutoff: reception.cutoff ?? undefined };
  if (time.unit === 'working-day') {
    const a = appointmentFor({ ...base, receivedAt, workingDays: Math.ceil(time.amount) });
    if (a.kind !== 'date') return { kind: 'needs-confirmation', reason: 'beyond-calendar' };
    return { kind: 'date', at: a.dueAt, date: a.dueDate, provisional: a.provisional };
  }
  const due = receivedAt + time.amount * (time.unit === 'day' ? DAY_MS : HOUR_MS);
  const m = nextWorkingMoment({ ...base, at: due, cutoff: undefined });
  if (m.kind !== 'moment') return { kind: 'needs-confirmation', reason: 'beyond-calendar' };
  return { kind: 'date', at: m.at, date: localDayKey(m.at, utcOffsetMinutes), provisional: m.provisional };
}
