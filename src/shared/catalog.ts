import { z } from 'zod';

/**
 * The procedure catalog as the centre publishes it (DOMAIN.md, "Procedure catalog"; fields of the
 * national database). Published in the global scope, one record per procedure, keyed by its code.
 * Texts are Vietnamese, as on the national portal.
 */
export const ProcedureCode = z.string().regex(/^\d\.\d{6}(\.[A-Za-z0-9.]{1,40})?$/, 'procedure code like 1.001612 (optionally with an agency suffix)');

const Text = (max: number) => z.string().min(1).max(max);

export const PROCEDURE_CHANNELS = ['in-person', 'online', 'post'] as const;

export const PROCEDURE_TIME_UNITS = ['working-day', 'day', 'hour'] as const;

export const ProcedureChannel = z
  .object({
    channel: z.enum(PROCEDURE_CHANNELS),
    /** Processing time in working days; null when the portal gives no unit-bearing number. */
    workingDays: z.number().min(0).max(3650).nullable(),
    /** The time as the portal words it, kept for display ("5 Ngày làm việc"). */
    timeText: z.string().max(500),
    /** Fee in đồng; 0 = free; null = see feeText. */
    feeVnd: z.number().int().min(0).max(1_000_000_000).nullable(),
    feeText: z.string().max(1000),
    /**
     * The time with the unit the portal shows: "Ngày làm việc" (working days), "Ngày" (calendar
     * days) or "Giờ" (hours). `workingDays` can hold only the first; "10 Ngày" is not 10 working
     * days. Null or absent when the portal shows no unit (then only timeText is known).
     */
    duration: z
      .object({ amount: z.number().min(0).max(3650), unit: z.enum(PROCEDURE_TIME_UNITS) })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
export type ProcedureChannel = z.infer<typeof ProcedureChannel>;

export const RequiredDocument = z
  .object({
    /** Stable within the procedure, e.g. "d1". */
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    /** The short name a checklist shows and a receipt prints (the seed keeps it ≤ 120 characters). */
    name: Text(2000),
    /** The portal's full text when it says more than the name (conditions, legal notes); absent = none. */
    notes: z.string().max(8000).nullable().optional(),
    /**
     * Information the office looks up itself (national population or residence databases, VNeID):
     * shown to the officer, never collected, never missing, never printed as a received paper.
     */
    lookedUp: z.boolean().optional(),
    originals: z.number().int().min(0).max(20),
    copies: z.number().int().min(0).max(20),
    /** Optional: a required document that may be missing without an officer's reason. */
    optional: z.boolean(),
    formTemplate: z.string().max(300).nullable(),
    /**
     * The portal's heading above the document ("Giấy tờ phải xuất trình", "Trường hợp 1: …"): tells
     * papers to show from papers to hand in, and alternative sets from one another. Absent = none.
     */
    group: z.string().min(1).max(500).nullable().optional(),
  })
  .strict();
export type RequiredDocument = z.infer<typeof RequiredDocument>;

export const Procedure = z
  .object({
    code: ProcedureCode,
    name: Text(500),
    field: Text(200),
    level: z.array(z.enum(['trung-uong', 'tinh', 'xa'])).max(3),
    agency: Text(500),
    channels: z.array(ProcedureChannel).min(1).max(3),
    documents: z.array(RequiredDocument).max(60),
    applicants: z.string().max(1000),
    conditions: z.string().max(4000),
    result: z.string().max(1000),
    legalBasis: z.array(z.string().min(1).max(500)).max(40),
    /** Retired procedures stay in the catalog for old dossiers but are not offered. */
    active: z.boolean(),
  })
  .strict();
export type Procedure = z.infer<typeof Procedure>;
