import { z } from 'zod';
import { IsoDate } from '../calendar';
import { ID_NUMBER_PATTERN } from '../idNumber';
import { ProcedureCode } from '../catalog';
import { StaffId } from '../staff';
import { DossierCode } from '../published';
import { BranchCode, EpochMs, LookupSecret, Sha256Hex, Uuid } from '../wireTypes';

/** One document of a dossier as received: its digitised PDF (a blob the engine uploads first). */
export const DossierDocumentArgs = z
  .object({
    /** The catalog's RequiredDocument.id, or "extra-<n>" for a paper the catalog does not list. */
    documentId: z.string().regex(/^[a-z0-9-]{1,40}$/),
    name: z.string().min(1).max(2000),
    originals: z.number().int().min(0).max(20),
    copies: z.number().int().min(0).max(20),
    /** The document's PDF, content-addressed. */
    sha256: Sha256Hex,
    size: z
      .number()
      .int()
      .min(1)
      .max(200 * 1024 * 1024),
    pages: z.number().int().min(1).max(1000),
    /** Set when the PDF is one this citizen gave in an earlier dossier at this branch (reused, not rescanned). */
    reusedFrom: DossierCode.nullable(),
  })
  .strict();
export type DossierDocumentArgs = z.infer<typeof DossierDocumentArgs>;

export const DossierApplicantArgs = z
  .object({
    /** 12-digit personal ID (CCCD / thẻ căn cước), or a 9-digit old ID / passport number typed by the officer. */
    idNumber: z.string().regex(ID_NUMBER_PATTERN),
    fullName: z.string().min(1).max(200),
    dateOfBirth: IsoDate.nullable(),
    gender: z.enum(['male', 'female']).nullable(),
    address: z.string().max(500),
    phone: z.string().max(20),
    email: z.string().max(254),
    /** True when name, ID, birth date and gender came from the ID card's QR, not typing. */
    fromCard: z.boolean(),
  })
  .strict();
export type DossierApplicantArgs = z.infer<typeof DossierApplicantArgs>;

/** Longest reason an officer may give for a processing time set at the counter. */
export const PROCESSING_REASON_MAX = 200;
/** Bounds of a processing time set at the counter. */
export const PROCESSING_SET_LIMITS = { 'working-days': { min: 1, max: 3650 }, 'working-hours': { min: 1, max: 200 } } as const;

const ProcessingReason = z
  .string()
  .max(PROCESSING_REASON_MAX)
  .refine((s) => s.trim().length > 0, 'a processing time set at the counter needs the reason');

/**
 * A processing time the officer set at the counter, because the catalog gives none with a unit or
 * to override the catalog's: working days, working hours (same-day services) or a fixed date
 * (YYYY-MM-DD, branch time), always with the officer's reason. Not personal data: the reason is a
 * staff note ("Theo quy định tại quầy"), and the screen says to write no personal data in it.
 */
export const ProcessingSet = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('working-days'),
      value: z.number().int().min(PROCESSING_SET_LIMITS['working-days'].min).max(PROCESSING_SET_LIMITS['working-days'].max),
      reason: ProcessingReason,
    })
    .strict(),
  z
    .object({
      kind: z.literal('working-hours'),
      value: z.number().int().min(PROCESSING_SET_LIMITS['working-hours'].min).max(PROCESSING_SET_LIMITS['working-hours'].max),
      reason: ProcessingReason,
    })
    .strict(),
  z.object({ kind: z.literal('date'), value: IsoDate, reason: ProcessingReason }).strict(),
]);
export type ProcessingSet = z.infer<typeof ProcessingSet>;
export type ProcessingSetKind = ProcessingSet['kind'];

/**
 * Arguments of `dossier.submit@1`: a dossier received at a counter. It carries personal data (the
 * applicant) because the dossier is the citizen's request; the look-up secret travels once, over
 * the authenticated channel, and the server keeps only its scrypt hash.
 */
export const DossierSubmitArgs = z
  .object({
    id: Uuid,
    code: DossierCode,
    branchCode: BranchCode,
    /** The device slot whose sequence block produced the code. */
    slot: z.number().int().min(0).max(49),
    receivedAt: EpochMs,
    procedure: z
      .object({
        code: ProcedureCode,
        name: z.string().min(1).max(500),
        /** Legal processing time as printed (working days unless `unit` says otherwise). */
        processingTime: z.number().min(0).max(3650),
        unit: z.enum(['working-day', 'day', 'hour']),
      })
      .strict(),
    applicant: DossierApplicantArgs,
    documents: z.array(DossierDocumentArgs).max(60),
    /** Required documents not received. Non-empty only with the officer's reason. */
    missing: z.array(z.object({ documentId: z.string().regex(/^[a-z0-9-]{1,40}$/), name: z.string().min(1).max(2000) }).strict()).max(60),
    incompleteReason: z.string().max(1000).nullable(),
    sets: z.number().int().min(1).max(10),
    appointment: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('date'), at: EpochMs, date: IsoDate, provisional: z.boolean() }).strict(),
      z.object({ kind: z.literal('needs-confirmation') }).strict(),
    ]),
    resultDelivery: z.object({ method: z.enum(['counter', 'post']), detail: z.string().max(300) }).strict(),
    lookupSecret: LookupSecret,
    officerName: z.string().max(100),
    /** The signed-in officer's staff id (src/shared/staff.ts); absent or null where nobody signs in. */
    officerId: StaffId.nullable().optional(),
    /**
     * Where the receipt entered the counter's reception register ("Vào Sổ theo dõi hồ sơ, Quyển số …
     * Số thứ tự …", src/domain/receptionRegister.ts). Optional and additive: dossiers saved before
     * the register existed (in outboxes and journal files) stay valid as they are.
     */
    register: z
      .object({
        book: z.string().regex(/^\d{2,3}\/\d{4}$/),
        serial: z.number().int().min(1).max(9_999_999),
      })
      .strict()
      .optional(),
    /**
     * The processing time the officer set (the appointment is computed from it, not from the
     * catalog's time, which `procedure` still records); null or absent: the catalog's. Optional and
     * additive like `register`: kiosks without the control keep sending valid records.
     */
    processingSet: ProcessingSet.nullable().optional(),
  })
  .strict()
  .refine((a) => a.missing.length === 0 || (a.incompleteReason ?? '').trim().length > 0, {
    message: "a dossier with missing documents needs the officer's reason",
    path: ['incompleteReason'],
  })
  .refine((a) => new Set(a.documents.map((d) => d.documentId)).size === a.documents.length, {
    message: 'each document appears once',
    path: ['documents'],
  });
export type DossierSubmitArgs = z.infer<typeof DossierSubmitArgs>;
