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

/** Document needs, see `RequiredDocument.need`. */
export const DOCUMENT_NEEDS = ['required', 'situation', 'alternative', 'optional', 'show', 'info'] as const;
export type DocumentNeed = (typeof DOCUMENT_NEEDS)[number];

const ChecklistId = z.string().regex(/^[a-z0-9-]{1,40}$/);

/**
 * Published data is read tolerantly: unknown fields are ignored (a newer centre may add some), and a
 * classification this kiosk cannot read is dropped rather than the procedure.
 */
export const RequiredDocument = z.object({
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
  /**
   * How the counter's checklist treats the paper (the centre's classification, see
   * assets/catalog/README.md): `required` always handed in; `situation` handed in when one of
   * `situations` applies (the officer ticks it); `alternative` one paper of the `alternative`
   * group is enough; `optional` handed in if the citizen has one ("nếu có"); `show` shown and
   * handed back; `info` only shown (looked up by the office, or for another channel). Absent or
   * unknown: the kiosk reads the headings (src/domain/checklistRules.ts).
   */
  need: z.enum(DOCUMENT_NEEDS).optional().catch(undefined),
  /** Ids of the procedure's situations (`checklist.situationGroups[].situations[].id`) that bring the paper in. */
  situations: z.array(ChecklistId).max(20).optional().catch(undefined),
  /** Id of the procedure's alternative group (`checklist.alternatives[].id`) the paper belongs to. */
  alternative: ChecklistId.optional().catch(undefined),
});
export type RequiredDocument = z.infer<typeof RequiredDocument>;

/** A situation the officer ticks ("Trẻ em bị bỏ rơi", "Nộp hồ sơ theo ủy quyền"). */
export const ChecklistSituation = z.object({ id: ChecklistId, label: Text(300) });
export type ChecklistSituation = z.infer<typeof ChecklistSituation>;

/**
 * A question about the dossier's situation: `pick` one or any of its situations; `required`: the
 * dossier cannot be received until one is ticked (every paper hangs on a situation).
 */
export const ChecklistSituationGroup = z.object({
  id: ChecklistId,
  label: Text(300),
  pick: z.enum(['one', 'any']).catch('any'),
  required: z.boolean(),
  situations: z.array(ChecklistSituation).min(1).max(30),
});
export type ChecklistSituationGroup = z.infer<typeof ChecklistSituationGroup>;

/** Papers of which one is enough ("Giấy chứng sinh, hoặc văn bản của người làm chứng"). */
export const ChecklistAlternative = z.object({ id: ChecklistId, label: Text(300) });
export type ChecklistAlternative = z.infer<typeof ChecklistAlternative>;

/** The procedure's checklist classification; its documents refer to it by id. */
export const ProcedureChecklist = z.object({
  situationGroups: z.array(ChecklistSituationGroup).max(10),
  alternatives: z.array(ChecklistAlternative).max(30),
});
export type ProcedureChecklist = z.infer<typeof ProcedureChecklist>;

export const Procedure = z.object({
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
  /** Situations and alternative groups the documents refer to; absent = read from the headings. */
  checklist: ProcedureChecklist.optional().catch(undefined),
});
export type Procedure = z.infer<typeof Procedure>;
