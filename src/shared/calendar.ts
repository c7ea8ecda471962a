import { z } from 'zod';

/**
 * The working-day calendar the centre publishes, one record per year (DOMAIN.md, "Appointment
 * date"). A date not listed follows the week: Mon–Fri work, Sat–Sun off. `off` marks a public
 * holiday or swap day, `work` a make-up Saturday. A year not published is "not covered": the
 * kiosk must not invent an appointment date in it.
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
    /** False while the government has not fixed the whole year (e.g. National Day pending). */
    final: z.boolean(),
  })
  .strict()
  .superRefine((y, ctx) => {
    const seen = new Set<string>();
    for (const d of y.days) {
      if (!d.date.startsWith(`${y.year}-`)) ctx.addIssue({ code: 'custom', message: `${d.date} is not in ${y.year}` });
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', message: `${d.date} listed twice` });
      seen.add(d.date);
    }
  });
export type CalendarYear = z.infer<typeof CalendarYear>;
