import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../../shared/clock';
import { HubEnrolResponse, type HubRelayRequest, type HubStatus } from '../../shared/hub';
import {
  PushGap,
  PushResponse,
  SYNC_PROTOCOL_VERSION,
  WireError,
  type EnrolRequest,
  type EnrolResponse,
  type MutationEnvelope,
  type MutationResult,
} from '../../shared/sync';
import type { DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';
import { sha256Hex } from '../secrets';
import { wireError } from '../wireErrors';
import type { BlobStorage } from '../blobStore';
import { createBlobRelay } from './blobRelay';
import { createHubHeartbeat, type HubHeartbeat } from './heartbeat';
import { createMirror, type Mirror } from './mirror';
import { createRelayWorker, type RelayWorker } from './relay';
import { relayFigures } from './relayStore';
import { createUpstream, UpstreamUnreachable, type Upstream } from './upstream';

/**
 * Branch mode of the server (issue 12): the same server on one machine of a branch, serving its
 * kiosks, counters and board over the LAN while the link to the centre comes and goes.
 *  - Kiosks enrol here with codes the centre issued (relayed to the centre, which keeps codes,
 *    devices and revocations); the hub keeps the credential's hash to check it offline.
 *  - Every push is applied here (the branch's queue and board run on it) and kept for the centre
 *    in the same transaction; the relay worker sends it on unchanged. Answers carry how far the
 *    centre holds the journal (confirmedSeq): kiosks prune only that.
 *  - Published data is mirrored from the centre verbatim (mirror.ts).
 *  - The hub's status figures go to the centre in a heartbeat about once a minute (heartbeat.ts).
 */
export interface HubIdentity {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly token: string;
}

export interface HubOptions {
  readonly upstreamUrl: string;
  readonly identity: HubIdentity;
  /** Tests cut the link here. */
  readonly fetch?: typeof fetch;
  readonly relayEveryMs?: number;
  readonly relayMaxBackoffMs?: number;
  /** Records per relayed batch (default the push limit; tests make it small to relay in many batches). */
  readonly relayBatchSize?: number;
  readonly mirrorEveryMs?: number;
  readonly upstreamTimeoutMs?: number;
  /** The heartbeat to the centre (heartbeat.ts): its period, and how often the link is watched after a miss. */
  readonly heartbeatEveryMs?: number;
  readonly heartbeatWatchMs?: number;
}

export interface Hub {
  readonly identity: HubIdentity;
  readonly upstream: Upstream;
  readonly relay: RelayWorker;
  readonly mirror: Mirror;
  readonly heartbeat: HubHeartbeat;
  /** Queues a scan the hub verified for the centre (blobs.ts calls it in the verification's transaction; once that commits, `afterVerified` wakes `relay.scansSoon()`). */
  scanVerified(tx: Db, blob: { sha256: string; deviceId: string; size: number; at: number }): Promise<void>;
  /** Of these scans (verified here), those still waiting for the centre: devices keep their copies of them. */
  scansNotYetUpstream(sha256s: readonly string[]): Promise<ReadonlySet<string>>;
  enrolThroughCentre(request: EnrolRequest, reply: FastifyReply): Promise<FastifyReply>;
  /** Where the hub's copy of a journal it has never seen starts (see PushRequest.confirmedSeq). */
  journalBaseSeq(deviceId: string, journalId: string, kioskConfirmedSeq: number | undefined): Promise<number>;
  /**
   * The centre's outcomes of entries it holds that this hub has none for (a journal restarted at the
   * kiosk's confirmedSeq after the hub lost its database), by seq. Asked by sending the envelopes
   * again (POST /v1/hub/relay answers them as duplicates with the centre's stored verdicts). Empty
   * when the centre cannot be asked now: the kiosk is told to ask again (pushAnswer).
   */
  outcomesFromCentre(deviceId: string, journalId: string, mutations: readonly MutationEnvelope[]): Promise<ReadonlyMap<number, MutationResult>>;
  relaySoon(): void;
  status(): Promise<HubStatus>;
}

const hubs = new WeakMap<FastifyInstance, Hub>();

/** The hub a server runs in branch mode (tests drive its relay and mirror by hand); null on a centre. */
export function hubOf(app: FastifyInstance): Hub | null {
  return hubs.get(app) ?? null;
}

export function createHub(
  app: FastifyInstance,
  options: HubOptions & { db: Db; clock: Clock; protection: DataProtection; storage: BlobStorage | null; version?: string },
): Hub {
  const { db, clock, protection, identity } = options;
  const log: FastifyBaseLogger = app.log.child({ hub: identity.branchCode });
  const upstream = createUpstream({
    baseUrl: options.upstreamUrl,
    token: () => identity.token,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.upstreamTimeoutMs ? { timeoutMs: options.upstreamTimeoutMs } : {}),
  });
  const blobs = options.storage ? createBlobRelay({ db, storage: options.storage, protection, clock, upstream, log }) : null;
  const relay = createRelayWorker({
    db,
    protection,
    clock,
    upstream,
    log,
    blobs,
    ...(options.relayEveryMs ? { everyMs: options.relayEveryMs } : {}),
    ...(options.relayMaxBackoffMs ? { maxBackoffMs: options.relayMaxBackoffMs } : {}),
    ...(options.relayBatchSize ? { batchSize: options.relayBatchSize } : {}),
  });
  const mirror = createMirror({
    db,
    clock,
    upstream,
    branchCode: identity.branchCode,
    log,
    ...(options.mirrorEveryMs ? { everyMs: options.mirrorEveryMs } : {}),
  });
  // Reads the hub's status when it sends (after onReady), so `hub` below is defined by then.
  const heartbeat = createHubHeartbeat({
    upstream,
    clock,
    log,
    status: () => hub.status(),
    appVersion: options.version ?? '0.0.0',
    ...(options.heartbeatEveryMs ? { everyMs: options.heartbeatEveryMs } : {}),
    ...(options.heartbeatWatchMs ? { watchMs: options.heartbeatWatchMs } : {}),
  });

  app.addHook('onReady', async () => {
    // The branch row the kiosks' records refer to (its name arrives with the branch's configuration).
    await db.query('INSERT INTO branches (code, name) VALUES ($1, $1) ON CONFLICT (code) DO NOTHING', [identity.branchCode]);
    relay.start();
    mirror.start();
    heartbeat.start();
  });
  app.addHook('preClose', async () => {
    await heartbeat.stop();
    await relay.stop();
    await mirror.stop();
  });

  const hub: Hub = {
    identity,
    upstream,
    relay,
    mirror,
    heartbeat,

    async enrolThroughCentre(request, reply) {
      let res;
      try {
        res = await upstream.request('POST', '/v1/hub/enrol', request);
      } catch (e) {
        if (!(e instanceof UpstreamUnreachable)) throw e;
        return reply
          .code(503)
          .send(
            wireError(
              'hub.upstream-unreachable',
              'the branch hub cannot reach the centre, and enrolment needs the centre: check the hub’s link, then try again',
            ),
          );
      }
      if (res.status !== 200) {
        const error = WireError.safeParse(res.body);
        return reply
          .code(res.status >= 400 && res.status < 600 ? res.status : 502)
          .send(error.success ? error.data : wireError('hub.upstream-error', `the centre answered HTTP ${res.status}`));
      }
      const enrolled = HubEnrolResponse.safeParse(res.body);
      if (!enrolled.success || enrolled.data.deviceId !== request.deviceId || enrolled.data.branchCode !== identity.branchCode) {
        return reply.code(502).send(wireError('hub.upstream-error', 'the centre’s answer to the enrolment does not fit this hub'));
      }
      const d = enrolled.data;
      await db.transaction(async (tx) => {
        // The centre decided the slot: a device of the hub's copy still holding it was replaced there.
        if (d.slot !== null) {
          await tx.query('UPDATE devices SET revoked_at = $4 WHERE branch_code = $1 AND slot = $2 AND device_id <> $3 AND revoked_at IS NULL', [
            d.branchCode,
            d.slot,
            d.deviceId,
            clock.now(),
          ]);
        }
        await tx.query(
          `INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot, slot_conflict) VALUES ($1, $2, $3, $4, $5, $6, NULL)
           ON CONFLICT (device_id) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, enrolled_at = EXCLUDED.enrolled_at,
             slot = EXCLUDED.slot, slot_conflict = NULL, revoked_at = NULL`,
          [d.deviceId, d.branchCode, d.role, sha256Hex(d.token), clock.now(), d.slot],
        );
      });
      log.info({ deviceId: d.deviceId, role: d.role, slot: d.slot }, 'device enrolled through the hub');
      const body: EnrolResponse = { deviceId: d.deviceId, branchCode: d.branchCode, token: d.token };
      return reply.code(200).send(body);
    },

    async outcomesFromCentre(deviceId, journalId, mutations) {
      const found = new Map<number, MutationResult>();
      if (mutations.length === 0) return found;
      const request: HubRelayRequest = { protocolVersion: SYNC_PROTOCOL_VERSION, deviceId, journalId, mutations: [...mutations] };
      let res;
      try {
        res = await upstream.request('POST', '/v1/hub/relay', request, { timeoutMs: 3_000 });
      } catch (e) {
        if (!(e instanceof UpstreamUnreachable)) throw e;
        return found;
      }
      const body = res.status === 200 ? PushResponse.safeParse(res.body) : res.status === 409 ? PushGap.safeParse(res.body) : null;
      if (!body?.success) {
        log.warn({ deviceId, journalId, status: res.status }, 'the centre did not give the outcomes of records it holds');
        return found;
      }
      for (const r of body.data.results) found.set(r.deviceSeq, r);
      log.info({ deviceId, journalId, asked: mutations.length, told: found.size }, 'outcomes read from the centre for a journal this hub restarted');
      return found;
    },

    async journalBaseSeq(deviceId, journalId, kioskConfirmedSeq) {
      // The kiosk knows what the centre confirmed to it and holds everything above: start there.
      if (kioskConfirmedSeq !== undefined) return kioskConfirmedSeq;
      // An older kiosk does not say: ask the centre, or start at 0 (its push then meets a gap the
      // centre's staff see, rather than records silently skipped).
      try {
        const res = await upstream.request(
          'GET',
          `/v1/hub/state?deviceId=${encodeURIComponent(deviceId)}&journalId=${encodeURIComponent(journalId)}`,
          undefined,
          {
            timeoutMs: 3_000,
          },
        );
        const lastSeq = (res.body as { lastSeq?: unknown } | null)?.lastSeq;
        return res.status === 200 && typeof lastSeq === 'number' ? lastSeq : 0;
      } catch {
        return 0;
      }
    },

    relaySoon: () => relay.soon(),

    async scanVerified(tx, blob) {
      await tx.query('INSERT INTO relay_blobs (sha256, device_id, size, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING', [
        blob.sha256,
        blob.deviceId,
        blob.size,
        blob.at,
      ]);
    },

    async scansNotYetUpstream(sha256s) {
      const rows = await db.query<{ sha256: string }>('SELECT sha256 FROM relay_blobs WHERE sha256 = ANY($1::text[])', [[...new Set(sha256s)]]);
      return new Set(rows.map((r) => r.sha256));
    },

    async status() {
      const now = clock.now();
      const figures = await relayFigures(db, now);
      const scans = blobs ? await blobs.pending() : { blobs: 0, bytes: 0, oldestAddedAt: null };
      const link = upstream.link();
      const scopes = await Promise.all(
        mirror.scopes().map(async (scope) => {
          const rows = await db.query<{ last_seq: unknown }>('SELECT last_seq FROM scope_seqs WHERE scope = $1', [scope]);
          return { scope, cursor: Number(rows[0]?.last_seq ?? 0), upToDateAt: mirror.upToDateAt(scope) };
        }),
      );
      return {
        mode: 'hub',
        branchCode: identity.branchCode,
        hubDeviceId: identity.deviceId,
        upstream: upstream.baseUrl,
        upstreamReachable: link.reachable,
        lastUpstreamAnswerAt: link.lastAnswerAt,
        lastUpstreamFailure: link.lastFailure,
        unrelayedRecords: figures.records,
        unrelayedBytes: figures.bytes,
        oldestUnrelayedAgeMs: figures.oldestAgeMs,
        lastRelayAt: relay.lastRelayAt(),
        unrelayedScans: scans.blobs,
        unrelayedScanBytes: scans.bytes,
        oldestUnrelayedScanAgeMs: scans.oldestAddedAt === null ? null : Math.max(0, now - scans.oldestAddedAt),
        stalledJournals: [...figures.stalled],
        scopes,
      };
    },
  };

  app.get('/v1/hub/status', async () => hub.status());
  hubs.set(app, hub);
  return hub;
}
