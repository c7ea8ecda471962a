import { z } from 'zod';
import { EnrolResponse, EnrolRole, MAX_PUSH_MUTATIONS, MutationEnvelope, SYNC_PROTOCOL_VERSION, WireError } from './sync';
import { BranchCode, EpochMs, Uuid } from './wireTypes';

/**
 * The wire between a branch hub and the centre (src/server/hub, src/server/hubRoutes.ts). The hub
 * authenticates with its own credential (a device of role `hub`, enrolled at the centre with a
 * code); every route refuses devices of another branch.
 */

/** POST /v1/hub/enrol: a kiosk's code, relayed; the answer adds what the hub stores about the device. */
export const HubEnrolResponse = EnrolResponse.extend({
  role: EnrolRole,
  slot: z.number().int().min(0).max(49).nullable(),
}).strict();
export type HubEnrolResponse = z.infer<typeof HubEnrolResponse>;

/** POST /v1/hub/relay: one kiosk journal's envelopes, unchanged; answered as a push (PushResponse, or PushGap with 409). */
export const HubRelayRequest = z
  .object({
    protocolVersion: z.literal(SYNC_PROTOCOL_VERSION),
    deviceId: Uuid,
    journalId: Uuid,
    mutations: z.array(MutationEnvelope).min(1).max(MAX_PUSH_MUTATIONS),
  })
  .strict();
export type HubRelayRequest = z.infer<typeof HubRelayRequest>;

/**
 * Sent with a relayed batch that goes while the one before it is still on its way
 * (src/server/hub/relay.ts): it may reach the centre first. The centre then answers with the gap
 * as always but does not keep it on the journal for its staff (`journals.gap_*`): the seqs are not
 * lost, they are on their way. A centre that does not know the header keeps the gap until the
 * earlier batch applies, milliseconds later.
 */
export const RELAY_FOLLOWS_HEADER = 'hub-relay-follows';

/** GET /v1/hub/state?deviceId=…&journalId=…: the centre's lastSeq of a kiosk journal of the branch. */
export const HubStateQuery = z.object({ deviceId: Uuid, journalId: Uuid }).strict();

/**
 * GET /v1/hub/devices: the branch's devices as the centre knows them, with the SHA-256 of each
 * credential (never the credential): the hub checks its kiosks' credentials offline, a kiosk
 * enrolled at the centre may move behind the hub, a hub whose database was lost recovers them, and
 * revocations reach the hub.
 */
export const HubDevice = z
  .object({
    deviceId: Uuid,
    role: z.string().max(32),
    slot: z.number().int().min(0).max(49).nullable(),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    enrolledAt: EpochMs,
    revokedAt: EpochMs.nullable(),
  })
  .strict();
export const HubDevicesResponse = z.object({ branchCode: BranchCode, devices: z.array(HubDevice).max(10_000) }).strict();
export type HubDevicesResponse = z.infer<typeof HubDevicesResponse>;

/** GET /v1/hub/status on a hub: for its technician and the centre (no personal data). */
export const HubStatus = z
  .object({
    mode: z.literal('hub'),
    branchCode: BranchCode,
    hubDeviceId: Uuid,
    upstream: z.string().max(500),
    upstreamReachable: z.boolean().nullable(),
    lastUpstreamAnswerAt: EpochMs.nullable(),
    lastUpstreamFailure: z.string().max(500).nullable(),
    /** Records (kiosk mutations) the centre has not confirmed yet, their argument bytes, the oldest one's age. */
    unrelayedRecords: z.number().int().min(0),
    unrelayedBytes: z.number().int().min(0),
    oldestUnrelayedAgeMs: z.number().int().min(0).nullable(),
    lastRelayAt: EpochMs.nullable(),
    /** Scans verified by the hub that the centre has not confirmed yet. */
    unrelayedScans: z.number().int().min(0),
    unrelayedScanBytes: z.number().int().min(0),
    oldestUnrelayedScanAgeMs: z.number().int().min(0).nullable(),
    /** Journals whose relaying stopped on an answer a retry will not change (a gap, a revoked kiosk). */
    stalledJournals: z.array(z.object({ deviceId: Uuid, journalId: Uuid, error: WireError, since: EpochMs }).strict()).max(50),
    /** The published scopes mirrored from the centre: cursor and when last brought up to date. */
    scopes: z.array(z.object({ scope: z.string().max(100), cursor: z.number().int().min(0), upToDateAt: EpochMs.nullable() }).strict()).max(10),
  })
  .strict();
export type HubStatus = z.infer<typeof HubStatus>;

/**
 * POST /v1/hub/heartbeat (hub → centre, about once a minute; skipped, never queued, while the
 * centre is out of reach): the hub's status figures as the hub computed them when it sent this.
 * What the centre knows from the credential (branch, device, its own address) is not repeated.
 */
export const HubHeartbeatRequest = HubStatus.omit({
  mode: true,
  branchCode: true,
  hubDeviceId: true,
  upstream: true,
  upstreamReachable: true,
  lastUpstreamAnswerAt: true,
})
  .extend({
    protocolVersion: z.literal(SYNC_PROTOCOL_VERSION),
    appVersion: z.string().max(64),
    /** The hub's clock when it sent this (the centre keeps its own receive time beside it). */
    sentAt: EpochMs,
  })
  .strict();
export type HubHeartbeatRequest = z.infer<typeof HubHeartbeatRequest>;

export const HubHeartbeatResponse = z.object({ serverTime: EpochMs }).strict();
export type HubHeartbeatResponse = z.infer<typeof HubHeartbeatResponse>;

/** GET /v1/admin/hubs[?branch=] (admin token, centre): the query. */
export const HubsQuery = z.object({ branch: BranchCode.optional() }).strict();

/**
 * GET /v1/admin/hubs: every enrolled, unrevoked hub with what its last heartbeat said. `silent` once
 * the centre has not heard from it for longer than `silentAfterMs` (counted from its enrolment
 * when it was never heard); the figures are then those of `lastHeardAt`, not of now.
 */
export const HubOverview = z
  .object({
    branchCode: BranchCode,
    hubDeviceId: Uuid,
    enrolledAt: EpochMs,
    /** The centre's clock when the last heartbeat arrived; null: never heard. */
    lastHeardAt: EpochMs.nullable(),
    silent: z.boolean(),
    /** The last heartbeat as the hub sent it (its `sentAt` is the hub's clock). */
    report: HubHeartbeatRequest.nullable(),
  })
  .strict();
export type HubOverview = z.infer<typeof HubOverview>;

export const HubsResponse = z.object({ asOf: EpochMs, silentAfterMs: z.number().int().min(0), hubs: z.array(HubOverview).max(10_000) }).strict();
export type HubsResponse = z.infer<typeof HubsResponse>;

/** A hub's credential at the centre, as kept beside its data (src/server/hub/identity.ts). */
export const HubIdentityFile = z
  .object({ upstream: z.string().url().max(500), deviceId: Uuid, branchCode: BranchCode, token: z.string().min(32).max(128) })
  .strict();
export type HubIdentityFile = z.infer<typeof HubIdentityFile>;
