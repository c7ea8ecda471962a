import { z } from 'zod';
import { IsoDate } from './calendar';
import { ProcedureCode } from './catalog';
import { DeviceRole } from './deviceConfig';
import { ID_NUMBER_PATTERN } from './idNumber';
import { MUTATION_NAMES } from './outbox';
import { DossierCode, PUBLISHED_ENTITY_NAMES, RATING_REASONS, SATISFACTION_LEVELS, ScopeName } from './published';

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
 *  - One stream per journal: the sequence belongs to `(deviceId, journalId)`. The journal id is made
 *    when the kiosk's database is created; if the database is ever lost and created afresh, its new
 *    id starts a new stream from 1, so new mutations are never mistaken for duplicates of old ones.
 *  - Versioned: a request names `protocolVersion`; mutation names carry their own version
 *    (`ticket.issue@1`), so the server can keep accepting older kiosks.
 *  - Bounded: every string, array and number has a limit, so no request can grow a row without bound.
 */
export const SYNC_PROTOCOL_VERSION = 1;

/**
 * The Electron kiosk's page origin (PERMANENT: see electron/appProtocol.ts). Servers always allow
 * it cross-origin; web kiosks' origins are server configuration (KIOSK_ORIGINS).
 */
export const KIOSK_APP_ORIGIN = 'app://kiosk';

export const MAX_PUSH_MUTATIONS = 100;
/**
 * A push batch also stops at this many characters of mutation arguments (as `OutboxEntry.bytes`
 * counts them), always taking at least one mutation: 100 dossiers with long document lists would
 * otherwise exceed the server's 1 MiB body limit, get 413 on every attempt and stop the queue.
 * Even all-Vietnamese text (≤ 3 UTF-8 bytes a character) stays under 1 MiB.
 */
export const MAX_PUSH_ARGS_CHARS = 256 * 1024;
/** Branch codes, as in DeviceConfig and BranchConfig. */
export const BranchCode = z.string().regex(/^[A-Z0-9]{2,12}$/);
const Uuid = z.string().max(36).uuid();
/** Milliseconds since the epoch; bounded so it always fits a PostgreSQL bigint and a JS number. */
const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);
/** Content address of a scanned document. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 as 64 lower-case hex digits');
/** The receipt's short look-up secret ("mã tra cứu"): 32 symbols without I, O, 0, 1, read aloud without confusion. */
export const LOOKUP_SECRET_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const LookupSecret = z.string().regex(/^[A-HJ-NP-Z2-9]{6,12}$/, 'look-up secret of 6–12 characters from the receipt');

/** A fresh look-up secret: 8 symbols of the alphabet (40 random bits), from `random` bytes. */
export function newLookupSecret(random: (length: number) => Uint8Array): string {
  return Array.from(random(8), (b) => LOOKUP_SECRET_ALPHABET[b & 31]!).join('');
}

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
    journalId: Uuid,
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
    day: IsoDate,
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

/** Arguments of `rating.submit@1`: a citizen's satisfaction rating, anonymous (DOMAIN.md). */
export const RatingSubmitArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    /** The ticket or dossier the rating is about, if the citizen scanned one. */
    ticketId: Uuid.nullable(),
    dossierCode: DossierCode.nullable(),
    counter: z.string().max(20).nullable(),
    level: z.enum(SATISFACTION_LEVELS),
    reasons: z.array(z.enum(RATING_REASONS)).max(RATING_REASONS.length),
    comment: z.string().max(500),
    questionnaireId: z.string().max(40).nullable(),
    questionnaireVersion: z.number().int().min(1).max(2_147_483_647).nullable(),
    submittedAt: EpochMs,
  })
  .strict();
export type RatingSubmitArgs = z.infer<typeof RatingSubmitArgs>;

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

/** What a counter reports to the centre's audit log (src/server/audit.ts) about a dossier it holds. */
export const COUNTER_AUDIT_ACTIONS = ['receipt.print', 'receipt.reprint', 'dossier.reuse'] as const;
export type CounterAuditAction = (typeof COUNTER_AUDIT_ACTIONS)[number];

/**
 * Arguments of `audit.event@1` (counters only): a receipt printed or printed again, or an earlier
 * dossier's documents reused in a new one. Codes and counts only, no free text, so no personal
 * data can travel in it; the centre records it with the sending device as the actor.
 */
export const AuditEventArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    action: z.enum(COUNTER_AUDIT_ACTIONS),
    /** The dossier acted on: the one printed, or the earlier one whose documents were reused. */
    dossierCode: DossierCode,
    /** dossier.reuse: the new dossier the documents went into; otherwise null. */
    relatedCode: DossierCode.nullable(),
    /** dossier.reuse: how many documents were reused; otherwise 0. */
    documents: z.number().int().min(0).max(60),
    /** The kiosk's clock when it happened. */
    at: EpochMs,
  })
  .strict()
  .refine((a) => (a.action === 'dossier.reuse') === (a.relatedCode !== null), {
    message: 'relatedCode is set exactly for dossier.reuse',
    path: ['relatedCode'],
  });
export type AuditEventArgs = z.infer<typeof AuditEventArgs>;

/**
 * GET /v1/admin/audit (centre staff): the audit log, newest first. `since` is an ISO time; `limit`
 * defaults to 100.
 */
export const AuditQuery = z
  .object({
    code: DossierCode.optional(),
    since: z.string().datetime({ offset: true }).optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/)
      .max(64)
      .optional(),
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

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

// ---------------------------------------------------------------------------------------------
// Pull: the centre's published data, one scope at a time (see ./published.ts).
//
// The server numbers changes per scope inside the committing transaction (commit order = sequence
// order); it keeps only the newest change per (entity, key), so a kiosk starting from 0 reads each
// live record once. A kiosk applies a page and its new cursor in one local transaction. When a
// page reaches the end of the scope (hasMore = false) and the kiosk asked for it, the answer carries
// the scope's checksum: the count and the sum of the per-record checksums of all live records. A
// kiosk whose local sum differs has diverged and re-pulls the scope from 0.
// ---------------------------------------------------------------------------------------------
export const MAX_PULL_LIMIT = 1000;

export const PullRequest = z
  .object({
    protocolVersion: z.literal(SYNC_PROTOCOL_VERSION),
    scope: ScopeName,
    /** The last change seq the kiosk applied in this scope; 0 = from the beginning. */
    cursor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    limit: z.number().int().min(1).max(MAX_PULL_LIMIT),
    withChecksum: z.boolean(),
  })
  .strict();
export type PullRequest = z.infer<typeof PullRequest>;

export const Change = z
  .object({
    seq: z.number().int().min(1),
    entity: z.enum(PUBLISHED_ENTITY_NAMES),
    key: z.string().min(1).max(200),
    op: z.enum(['put', 'delete']),
    /** The record (validated by the entity's schema when published); null for a delete. */
    data: z.unknown(),
    /** 32-bit checksum of this record version, summed into the scope checksum. */
    checksum: z.number().int().min(0).max(0xffffffff),
  })
  .strict();
export type Change = z.infer<typeof Change>;

export const ScopeChecksum = z.object({ count: z.number().int().min(0), sum: z.number().int().min(0) }).strict();
export type ScopeChecksum = z.infer<typeof ScopeChecksum>;

export const PullResponse = z
  .object({
    scope: ScopeName,
    changes: z.array(Change).max(MAX_PULL_LIMIT),
    /**
     * The cursor to store with this page (the last change's seq, or the request's cursor). Below the
     * request's cursor, with no changes: the server's feed ends earlier (restored from a backup);
     * the kiosk forgets the scope and pulls it again from 0.
     */
    cursor: z.number().int().min(0),
    hasMore: z.boolean(),
    /** Present when asked for and hasMore is false: the scope's live records as of `cursor`. */
    checksum: ScopeChecksum.nullable(),
  })
  .strict();
export type PullResponse = z.infer<typeof PullResponse>;

/** What the centre sends to publish: a batch of changes to one scope, applied in one transaction. */
export const MAX_PUBLISH_CHANGES = 1000;
export const PublishRequest = z
  .object({
    scope: ScopeName,
    changes: z
      .array(
        z
          .object({
            entity: z.enum(PUBLISHED_ENTITY_NAMES),
            op: z.enum(['put', 'delete']),
            /** For a put, the record (its key is derived from it); for a delete, `{ key }`. */
            data: z.unknown(),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_PUBLISH_CHANGES),
  })
  .strict();
export type PublishRequest = z.infer<typeof PublishRequest>;

export const PublishResponse = z.object({ scope: ScopeName, firstSeq: z.number().int().min(1), lastSeq: z.number().int().min(1) }).strict();
export type PublishResponse = z.infer<typeof PublishResponse>;

// ---------------------------------------------------------------------------------------------
// Heartbeat: how the kiosk's queue is doing, for the centre's monitoring. No personal data.
// ---------------------------------------------------------------------------------------------
const NullableMs = EpochMs.nullable();
export const HeartbeatRequest = z
  .object({
    protocolVersion: z.literal(SYNC_PROTOCOL_VERSION),
    journalId: Uuid,
    pendingCount: z.number().int().min(0).max(100_000_000),
    /** Age of the oldest unconfirmed mutation in ms, by the kiosk's clock; null when none. */
    oldestPendingAgeMs: z.number().int().min(0).max(8_640_000_000_000_000).nullable(),
    pendingBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    pendingBlobs: z.number().int().min(0).max(100_000_000),
    /** Age of the oldest scan not yet verified by the server, in ms (kiosk clock); null when none. Optional: older kiosks omit it. */
    oldestPendingBlobAgeMs: z.number().int().min(0).max(8_640_000_000_000_000).nullable().optional(),
    /** Scans that have failed to reach the server for longer than the kiosk's stuck threshold. */
    stuckBlobs: z.number().int().min(0).max(100_000_000).optional(),
    /** Why the longest-failing stuck scan could not be sent. */
    lastBlobError: WireError.nullable().optional(),
    rejectedCount: z.number().int().min(0).max(100_000_000),
    lastPushAt: NullableMs,
    lastPullAt: NullableMs,
    freeDiskBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
    stuck: z.boolean(),
    lastError: WireError.nullable(),
    appVersion: z.string().max(64),
    shell: z.enum(['electron', 'browser']),
    schemaVersion: z.number().int().min(0).max(1_000_000),
    /** The kiosk's clock when it sent this, so the centre can spot a clock that is far off. */
    sentAt: EpochMs,
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z
  .object({
    /** The server's clock, for the kiosk's diagnostics (never used to order data). */
    serverTime: EpochMs,
    /** The device's lastSeq for this journal on the server. */
    lastSeq: z.number().int().min(0),
  })
  .strict();
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/**
 * POST /v1/admin/journals/close-gap (centre staff): declares seqs a kiosk can never send lost, so
 * its stream goes on; audited (who, when, why) on the server. Only a gap the kiosk reported.
 */
export const CloseGapRequest = z
  .object({
    deviceId: Uuid,
    journalId: Uuid,
    /** The last seq declared lost; the stream continues above it. */
    upToSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    reason: z.string().trim().min(10).max(1000),
  })
  .strict();
export type CloseGapRequest = z.infer<typeof CloseGapRequest>;

/** GET /v1/sync/state?journalId=…: where the server stands for this device's journal. */
export const SyncStateQuery = z.object({ journalId: Uuid }).strict();
export const SyncStateResponse = z.object({ journalId: Uuid, lastSeq: z.number().int().min(0) }).strict();
export type SyncStateResponse = z.infer<typeof SyncStateResponse>;

// ---------------------------------------------------------------------------------------------
// Blobs: scanned documents, content-addressed by SHA-256, uploaded with tus.
// ---------------------------------------------------------------------------------------------
export const MAX_BLOB_BYTES = 200 * 1024 * 1024;
/** tus endpoint (creation, resume with HEAD/PATCH); each upload names its sha256 in Upload-Metadata. */
export const BLOB_TUS_PATH = '/v1/blobs/tus';
/** HEAD/GET /v1/blobs/sha256/<hex>: 200 when the server holds a verified copy, 404 otherwise. */
export const BLOB_BY_HASH_PATH = '/v1/blobs/sha256';

// ---------------------------------------------------------------------------------------------
// Citizen status look-up: dossier code + look-up secret (printed on the receipt).
// A wrong secret and an unknown code get the same answer, so the code alone reveals nothing.
// ---------------------------------------------------------------------------------------------

export const LookupRequest = z.object({ code: DossierCode, secret: LookupSecret }).strict();
export type LookupRequest = z.infer<typeof LookupRequest>;

export const LookupResponse = z
  .object({
    code: DossierCode,
    status: z.string().max(40),
    statusAt: EpochMs,
    appointmentDate: z.string().max(10).nullable(),
    note: z.string().max(500),
  })
  .strict();
export type LookupResponse = z.infer<typeof LookupResponse>;
