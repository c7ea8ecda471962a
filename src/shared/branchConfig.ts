import { z } from 'zod';
import { QueueConfig } from './queue';

/**
 * Branch configuration published by the central server (seeded from assets/config until the first
 * sync). Regulatory and organisational facts are data, never constants in the app.
 */
export const ServiceGroup = z
  .object({
    /** Ticket prefix, 1–3 upper-case letters or digits, e.g. "A". */
    prefix: z.string().regex(/^[A-Z][A-Z0-9]{0,2}$/),
    name: z.object({ vi: z.string().min(1).max(200), en: z.string().min(1).max(200) }).strict(),
    description: z.object({ vi: z.string().max(400), en: z.string().max(400) }).strict(),
    /** Hidden groups keep their history but are not offered on the kiosk. */
    active: z.boolean(),
    /**
     * Catalog fields (`Procedure.field`, lĩnh vực) whose procedures this group receives: the
     * citizen's "take a ticket for this procedure" (src/domain/procedureGroup.ts). Optional: without
     * it the group's name decides.
     */
    fields: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strict();
export type ServiceGroup = z.infer<typeof ServiceGroup>;

export const TicketNumbering = z
  .object({
    /** Numbers per kiosk block. Slot k issues k*blockSize+1 … k*blockSize+blockSize-1. */
    blockSize: z.number().int().min(10).max(100_000),
    /** How many kiosk slots the branch has; overflow blocks start after them. */
    slots: z.number().int().min(1).max(50),
    /** Minimum digits after the prefix. */
    digits: z.number().int().min(3).max(6),
  })
  .strict();
export type TicketNumbering = z.infer<typeof TicketNumbering>;

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time as HH:mm');
export const WorkPeriodConfig = z
  .object({ start: HHMM, end: HHMM })
  .strict()
  .refine((p) => p.start < p.end, 'a working period must end after it starts');

/**
 * How this branch receives dossiers (issue 4). The unit code is the branch's own receiving-unit code
 * (Circular 01/2018/TT-VPCP art. 19): one code for the whole centre could not hold its daily volume
 * in a 4-digit sequence, so each branch is a receiving unit with its own daily sequence.
 */
export const DossierReception = z
  .object({
    /** Receiving unit code, e.g. "000.21.01.H26" (4 levels; Hà Nội's level-1 code is H26). */
    unitCode: z.string().regex(/^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){1,5}$/, 'unit code like 000.00.21.H26'),
    /** Printed top left of the receipt, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI". */
    agencyName: z.string().min(1).max(200),
    /** The receiving unit as named in the receipt's body. */
    receivingUnitName: z.string().min(1).max(200),
    /** Place in "Hà Nội, ngày … tháng … năm …". */
    placeName: z.string().min(1).max(60),
    /** Daily dossier sequence blocks per device slot (the device's kioskSlot), as for tickets. */
    numbering: z
      .object({
        blockSize: z.number().int().min(10).max(100_000),
        slots: z.number().int().min(1).max(50),
        digits: z.number().int().min(4).max(6),
      })
      .strict(),
    /** Working periods of an ordinary working day (a make-up Saturday uses them too). */
    workingHours: z.array(WorkPeriodConfig).min(1).max(4),
    /** Per ISO weekday (1 = Monday) overrides, e.g. a shorter Friday. */
    workingHoursByWeekday: z.record(z.enum(['1', '2', '3', '4', '5', '6', '7']), z.array(WorkPeriodConfig).max(4)).optional(),
    /** A receipt at or after this local time counts from the next working morning; null = none. */
    cutoff: HHMM.nullable(),
    /** The receipt's QR: `${lookupBaseUrl}?code=…&s=…`. */
    lookupBaseUrl: z.string().url().max(300),
    /** How long a digitised document stays reusable for the same citizen at this branch. */
    reuseValidityDays: z.number().int().min(0).max(3650),
  })
  .strict();
export type DossierReception = z.infer<typeof DossierReception>;

export const BranchConfig = z
  .object({
    version: z.number().int().min(1),
    branchCode: z.string().regex(/^[A-Z0-9]{2,12}$/),
    name: z.object({ vi: z.string().min(1).max(200), en: z.string().min(1).max(200) }).strict(),
    address: z.string().max(300),
    /** Minutes east of UTC used to decide which day a ticket belongs to (Vietnam: 420, no DST). */
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    numbering: TicketNumbering,
    serviceGroups: z.array(ServiceGroup).min(1).max(40),
    /** Base of the URL printed as a QR code on tickets, to follow the queue from a phone. */
    ticketQrBaseUrl: z.string().url().max(300),
    /** Dossier reception; absent for a branch whose counters do not receive dossiers yet. */
    reception: DossierReception.optional(),
    /**
     * The citizen kiosk's idle reset: after `afterSeconds` without a touch away from a clean start
     * page, a countdown of `countdownSeconds` (within them), then everything back to the start.
     * Absent: 60 and 10.
     */
    citizenIdle: z
      .object({ afterSeconds: z.number().int().min(15).max(900), countdownSeconds: z.number().int().min(3).max(60) })
      .strict()
      .refine((c) => c.countdownSeconds < c.afterSeconds, 'the countdown must be shorter than the idle time')
      .optional(),
    /** How the counters call the queue (src/shared/queue.ts); DEFAULT_QUEUE_CONFIG when absent. */
    queue: QueueConfig.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    for (const g of cfg.serviceGroups) {
      if (seen.has(g.prefix)) ctx.addIssue({ code: 'custom', message: `duplicate service-group prefix ${g.prefix}` });
      seen.add(g.prefix);
    }
    // "A" then 1002 and "A1" then 002 would both print A1002: one queue, two citizens, one number.
    for (const p of seen) {
      for (const q of seen) {
        if (q !== p && q.startsWith(p) && /^[0-9]+$/.test(q.slice(p.length))) {
          ctx.addIssue({ code: 'custom', message: `service-group prefixes ${p} and ${q} can print the same ticket number (${q} is ${p} followed by digits)` });
        }
      }
    }
  });
export type BranchConfig = z.infer<typeof BranchConfig>;
