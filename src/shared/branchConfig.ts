import { z } from 'zod';

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
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    for (const g of cfg.serviceGroups) {
      if (seen.has(g.prefix)) ctx.addIssue({ code: 'custom', message: `duplicate service-group prefix ${g.prefix}` });
      seen.add(g.prefix);
    }
  });
export type BranchConfig = z.infer<typeof BranchConfig>;
