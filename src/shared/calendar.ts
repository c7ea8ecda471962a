import { z } from 'zod';

/**
 * The working-day calendar the centre publishes, one record per year (DOMAIN.md, "Appointment
 * date"). A date not listed follows the week: Mon–Fri work, Sat–Sun off. `off` marks a public
 * holiday or swap day, `work` a make-up Saturday. A year not published is "not covered": the
 * kiosk must not invent an appointment date in it.
 *
 * Finality is per period: the days up to `finalThrough` are announced, a day after it is only the
 * centre's estimate, and a date that depends on it is provisional. A record without `finalThrough`
 * (every record published before it existed) means what it always meant: `final: true` announced
 * the whole year, `final: false` none of it.
 */
export const IsoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'date as YYYY-MM-DD');

export const CalendarDay = z
  .object({
    date: IsoDate,
    kind: z.enum(['off', 'work']),
    name: z.string().min(1).max(200),
  })
  .strict();
export type CalendarDay = z.infer<typeof CalendarDay>;

export const CalendarYear = z
  .object({
    year: z.number().int().min(2000).max(2100),
    days: z.array(CalendarDay).max(120),
    /**
     * True when the whole year is announced. Kiosks older than `finalThrough` read only this, so a
     * year announced in part is published `final: false` and they mark all of its dates provisional,
     * as before.
     */
    final: z.boolean(),
    /**
     * The last day whose status is announced, or null when no day is; absent, `final` decides (the
     * whole year or none). A day after it is the centre's estimate (e.g. the next year's fixed-date
     * holidays before the government sets the Tết and National Day breaks).
     */
    finalThrough: IsoDate.nullable().optional(),
  })
  .strict()
  .superRefine((y, ctx) => {
    const lastDay = `${y.year}-12-31`;
    if (typeof y.finalThrough === 'string') {
      if (!isRealDate(y.finalThrough) || !y.finalThrough.startsWith(`${y.year}-`)) {
        ctx.addIssue({ code: 'custom', path: ['finalThrough'], message: `finalThrough ${y.finalThrough} is not a date in ${y.year}` });
      }
    }
    // `final` must agree with `finalThrough`: older kiosks read only `final`.
    if (y.final && y.finalThrough !== undefined && y.finalThrough !== lastDay) {
      ctx.addIssue({ code: 'custom', path: ['final'], message: `final: true announces the whole year, but finalThrough is ${String(y.finalThrough)}` });
    }
    if (!y.final && y.finalThrough === lastDay) {
      ctx.addIssue({ code: 'custom', path: ['final'], message: `finalThrough ${lastDay} announces the whole year: publish final: true` });
    }
    const seen = new Set<string>();
    for (const d of y.days) {
      if (!d.date.startsWith(`${y.year}-`)) ctx.addIssue({ code: 'custom', message: `${d.date} is not in ${y.year}` });
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', message: `${d.date} listed twice` });
      seen.add(d.date);
    }
  });
export type CalendarYear = z.infer<typeof CalendarYear>;

function isRealDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === date;
}
