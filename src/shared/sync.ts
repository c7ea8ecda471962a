import { z } from 'zod';
import { DeviceRole } from './deviceConfig';
import { MUTATION_NAMES } from './outbox';

/**
 * The sync wire contract between a kiosk and the central server (DESIGN.md, "Sync requirements").
 * Both sides import these schemas; the server validates every request body with them.
 *
 * What the protocol guarantees:
 *  - Exactly once, in order: each device numbers its mutations with a gapless `deviceSeq` from 1.
 *    The server applies mutation `lastSeq + 1` in one SQL transaction together with the device's
 *    new `lastSeq`; a mutation at or below `lastSeq` is a duplicate and gets its stored outcome
 *    back, so a kiosk may resend a batch any number of times (lost response, crash, restart).
 *  - Never stuck: a permanently invalid mutation (bad arguments, another branch, a number already
 *    taken) is recorded as `rejected` with a reason and still advances `lastSeq`; the kiosk shows
 *    it to staff and carries on with the next one.
 *  - No holes: a mutation above `lastSeq + 1` stops the batch with HTTP 409 `PushGap` carrying the
 *    expected seq (mutations before the gap are committed and listed); the kiosk resends from there.
 *  - Versioned: a request names `protocolVersion`; mutation names carry their own version
 *    (`ticket.issue@1`), so the server can keep accepting older kiosks.
 *  - Bounded: every string, array and number has a limit, so no request can grow a row without bound.
 */
export const SYNC_PROTOCOL_VERSION = 1;

export const MAX_PUSH_MUTATIONS = 100;
/** Branch codes, as in DeviceConfig and BranchConfig. */
export const BranchCode = z.string().regex(/^[A-Z0-9]{2,12}$/);
const Uuid = z.string().max(36).uuid();
/** Milliseconds since the epoch; bounded so it always fits a PostgreSQL bigint and a JS number. */
const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);

export const MutationEnvelope = z
  .object({
    mutationId: Uuid,
    deviceSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    name: z.enum(MUTATION_NAMES),
    /** Validated per mutation name on the server (e.g. TicketIssueArgs), so one bad mutation is rejected alone. */
    args: z.unknown(),
    schemaVersion: z.number().int().min(0).max(1_000_000),
    createdAt: EpochMs,
  })
  .strict();
export type MutationEnvelope = z.infer<typeof MutationEnvelope>;

export const PushRequest = z
  .object({
    protocolVersion: z.literal(SYNC_PROTOCOL_VERSION),
    mutations: z.array(MutationEnvelope).min(1).max(MAX_PUSH_MUTATIONS),
  })
  .strict();
export type PushRequest = z.infer<typeof PushRequest>;

/** Why the server refused something: a stable code plus an English detail (no personal data). */
export const WireError = z.object({ code: z.string().min(1).max(100), detail: z.string().max(1000) }).strict();
export type WireError = z.infer<typeof WireError>;

export const MUTATION_STATUSES = ['applied', 'duplicate', 'rejected'] as const;
export const MutationResult = z
  .object({
    mutationId: Uuid,
    deviceSeq: z.number().int().min(1),
    status: z.enum(MUTATION_STATUSES),
    reason: WireError.optional(),
  })
  .strict();
export type MutationResult = z.infer<typeof MutationResult>;

export const PushResponse = z
  .object({
    /** The device's lastSeq on the server after this push. */
    lastSeq: z.number().int().min(0),
    results: z.array(MutationResult).max(MAX_PUSH_MUTATIONS),
  })
  .strict();
export type PushResponse = z.infer<typeof PushResponse>;

/** HTTP 409: a mutation skipped ahead of the device's lastSeq + 1. */
export const PushGap = z
  .object({
    code: z.literal('sync.gap'),
    detail: z.string().max(1000),
    expectedSeq: z.number().int().min(1),
    /** Outcomes of the mutations before the gap, already committed. */
    results: z.array(MutationResult).max(MAX_PUSH_MUTATIONS),
  })
  .strict();
export type PushGap = z.infer<typeof PushGap>;

/** Arguments of `ticket.issue@1`: what src/storage/ticketRepository.ts puts in the outbox. */
export const TicketIssueArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    kioskSlot: z.number().int().min(0).max(49),
    day: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/),
    groupPrefix: z.string().regex(/^[A-Z][A-Z0-9]{0,2}$/),
    number: z.string().regex(/^[A-Z][A-Z0-9]{0,2}\d{1,9}$/),
    numeric: z.number().int().min(0).max(999_999_999),
    priority: z.boolean(),
    issuedAt: EpochMs,
  })
  .strict()
  .refine((a) => a.number.startsWith(a.groupPrefix) && Number(a.number.slice(a.groupPrefix.length)) === a.numeric, {
    message: 'number must be groupPrefix followed by numeric',
  });
export type TicketIssueArgs = z.infer<typeof TicketIssueArgs>;

/** A one-time enrolment code as the admin tool prints it: 4 groups of 4 from an unambiguous alphabet. */
export const EnrolCode = z.string().regex(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);

export const EnrolRequest = z
  .object({
    code: z.string().min(1).max(64),
    deviceId: Uuid,
    role: DeviceRole,
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequest>;

export const EnrolResponse = z
  .object({
    deviceId: Uuid,
    branchCode: BranchCode,
    /** The device's credential, sent as `Authorization: Bearer <token>`; the server keeps only its hash. */
    token: z.string().min(32).max(128),
  })
  .strict();
export type EnrolResponse = z.infer<typeof EnrolResponse>;

export const HealthResponse = z
  .object({
    status: z.literal('ok'),
    db: z.enum(['pglite', 'postgres']),
    version: z.string().max(64),
    protocolVersion: z.number().int(),
  })
  .strict();
export type HealthResponse = z.infer<typeof HealthResponse>;
