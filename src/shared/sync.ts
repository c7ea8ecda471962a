import { z } from 'zod';
import { DEVICE_ROLES } from './deviceConfig';
import { DossierCode, PUBLISHED_ENTITY_NAMES, ScopeName } from './published';
import { MUTATION_NAMES } from './records';
import { BranchCode, EpochMs, LookupSecret, Uuid } from './wireTypes';

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

/**
 * The most mutations a server accepts in one push. Servers accept more than kiosks send
 * (PUSH_BATCH_MUTATIONS), so a kiosk may raise its batch only after its servers (centre, hubs)
 * run a release that accepts it: upgrade servers first.
 */
export const MAX_PUSH_MUTATIONS = 1000;
/**
 * How many mutations a kiosk sends in one push (fewer when MAX_PUSH_ARGS_CHARS is reached first).
 * Chosen by measurement (README, Benchmarks: the drain; `DRAIN_BATCH=n`): per push a server pays a
 * fixed cost (authentication, the stream's row lock, a handful of statements, one commit) that a
 * larger batch spreads over more records — 10,000 tickets drained 1.5–1.8× faster in batches of
 * 1000 than of 100. Servers of earlier releases accepted at most 100; none was deployed.
 */
export const PUSH_BATCH_MUTATIONS = MAX_PUSH_MUTATIONS;
/**
 * A push batch also stops at this many characters of mutation arguments (as `OutboxEntry.bytes`
 * counts them), always taking at least one mutation: 100 dossiers with long document lists would
 * otherwise exceed the server's 1 MiB body limit, get 413 on every attempt and stop the queue.
 * Even all-Vietnamese text (≤ 3 UTF-8 bytes a character) stays under 1 MiB.
 */
export const MAX_PUSH_ARGS_CHARS = 256 * 1024;

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
    /**
     * The seq up to which the kiosk knows the centre holds this journal (it still holds everything
     * above). A branch hub that has never seen the journal (a new hub, a deleted hub database)
     * starts its copy of the stream there; the centre ignores it. Optional: older kiosks omit it.
     */
    confirmedSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
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

/**
 * A branch hub's answer for an entry the centre holds but whose outcome only the centre knows (the
 * hub lost its database after the kiosk learnt the centre's position, and the centre could not be
 * asked just now). Not a verdict: the kiosk keeps the entry and asks again on a later run.
 */
export const OUTCOME_AT_CENTRE = 'sync.outcome-at-centre';

/**
 * Behind a branch hub, the seq up to which the **centre** holds the journal: entries above it are
 * held by the hub only, and the kiosk keeps them (it may prune only what the centre holds). Absent
 * from the centre's own answers: there, everything up to `lastSeq` is at the centre.
 */
const ConfirmedSeq = z.number().int().min(0).optional();

export const PushResponse = z
  .object({
    /** The device's lastSeq on the server after this push. */
    lastSeq: z.number().int().min(0),
    results: z.array(MutationResult).max(MAX_PUSH_MUTATIONS),
    confirmedSeq: ConfirmedSeq,
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
    confirmedSeq: ConfirmedSeq,
  })
  .strict();
export type PushGap = z.infer<typeof PushGap>;

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

/** What a code enrols: a kiosk of one of the DeviceRoles, or a branch hub (src/server/hub). */
export const ENROL_ROLES = [...DEVICE_ROLES, 'hub'] as const;
export const EnrolRole = z.enum(ENROL_ROLES);
export type EnrolRole = z.infer<typeof EnrolRole>;

export const EnrolRequest = z
  .object({
    code: z.string().min(1).max(64),
    deviceId: Uuid,
    role: EnrolRole,
    /**
     * The device's slot (DeviceConfig.kioskSlot): the centre binds it to this device, one active
     * device per slot of a branch (409 `enrol.slot-taken`). Kiosks of this release always send it;
     * it is optional only for older kiosks, which the centre enrols without a slot check.
     */
    slot: z.number().int().min(0).max(49).optional(),
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
    confirmedSeq: ConfirmedSeq,
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
export const SyncStateResponse = z.object({ journalId: Uuid, lastSeq: z.number().int().min(0), confirmedSeq: ConfirmedSeq }).strict();
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
