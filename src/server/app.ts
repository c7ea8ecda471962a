import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Clock } from '../shared/clock';
import { systemClock } from '../shared/clock';
import {
  CloseGapRequest,
  EnrolRequest,
  HeartbeatRequest,
  PublishRequest,
  PullRequest,
  PushRequest,
  SYNC_PROTOCOL_VERSION,
  SyncStateQuery,
  type EnrolResponse,
  type HealthResponse,
  type HeartbeatResponse,
  type PublishResponse,
  type PushGap,
  type PushResponse,
  type SyncStateResponse,
  type WireError,
} from '../shared/sync';
import { adminAuth, deviceAuth, requireDevice } from './auth';
import { recordAudit, registerAuditRoutes, withAudit } from './audit';
import { registerStaffRoutes } from './staff';
import { registerCatalogRoutes } from './catalogCorrections';
import { registerBlobRoutes } from './blobs';
import { blobStorageFromEnv, type BlobStorage } from './blobStore';
import { resolveDataProtection, type DataProtection } from './dataProtection';
import { DEFAULT_RETENTION_DAYS } from './personalData';
import { DEFAULT_RETENTION_JOB_EVERY_MS, registerRetentionJob } from './retentionJob';
import { CORS_ALLOWED_METHODS, corsPolicy, registerCors } from './cors';
import { deviceMayRead, publishChanges, pullChanges } from './changes';
import { registerLookupRoutes, type LookupLimits } from './lookup';
import { logRequestUrl, registerLookupPage } from './lookupPage';
import { registerRatingRoutes } from './ratingFigures';
import { registerQueueFiguresRoutes } from './queueFigures';
import { registerQueueFiguresPage } from './queueFiguresPage';
import { registerReuseRoutes, type ReuseLimits } from './reuse';
import { registerQueueRoutes, type QueueLimits } from './queueRoutes';
import {
  capConnectionsPerAddress,
  DEFAULT_SERVER_LIMITS,
  fastifyTimeoutOptions,
  JSON_TOO_DEEP,
  parseTrustedProxies,
  registerJsonParser,
  type ServerLimits,
  type TrustedProxies,
} from './limits';
import { isTransientDbError, type Db } from './db/Db';
import { journalLastSeq, pushMutations } from './push';
import { describeIssues, wireError } from './wireErrors';
import { sweepIncompleteDossiers } from './dossiers';
import { closeJournalGap, listClosedGaps, listStalledJournals } from './journalGaps';
import { newDeviceToken, normaliseEnrolCode, sha256Hex } from './secrets';
import { decideSlot, isActiveSlotTaken, SLOT_ROLES } from './deviceSlots';

/**
 * The central server's HTTP API. Stateless between requests (everything is in the database), so
 * it can run as N replicas. Every body is validated with the shared wire schemas before anything
 * touches the database; every error answer is `{code, detail}`; logs carry method, URL, status and
 * timing, never request bodies, tokens or personal data.
 */
export interface ServerOptions {
  readonly db: Db;
  /** Fastify logger options: false (tests), true, or { level } (and a stream, for tests that read the log). */
  readonly logger?: boolean | { level: string; stream?: { write(line: string): void } };
  readonly clock?: Clock;
  readonly version?: string;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit?: number;
  /** Folder where uploaded blobs (scans) are stored; null or absent = blob routes not mounted. */
  readonly blobDir?: string | null;
  /**
   * Web-kiosk origins allowed to call the API from a browser (`KIOSK_ORIGINS`), besides
   * `app://kiosk`, which is always allowed. Never `*` (see cors.ts).
   */
  readonly corsOrigins?: readonly string[];
  /** Timeouts, connections per address, JSON depth (limits.ts); absent fields take the defaults. */
  readonly limits?: Partial<ServerLimits>;
  /** Reverse proxies whose X-Forwarded-For is believed (`TRUST_PROXY`); none by default. */
  readonly trustedProxies?: TrustedProxies;
  /** Look-up limits (lookup.ts); absent fields take the defaults. */
  readonly lookupLimits?: Partial<LookupLimits>;
  /** Limits of the cross-branch reuse routes (reuse.ts); absent fields take the defaults. */
  readonly reuseLimits?: Partial<ReuseLimits>;
  /** Limits of the queue's event streams (queueRoutes.ts); absent fields take the defaults. */
  readonly queueLimits?: Partial<QueueLimits>;
  /**
   * The keys personal data and scans are sealed with (dataProtection.ts): main.ts passes
   * dataProtectionFromEnv(). Required outside vitest, where a per-process test keyring stands in.
   */
  readonly dataProtection?: DataProtection;
  /** Where scans are stored; default from the environment (BLOB_S3_BUCKET, else blobDir). */
  readonly blobStorage?: BlobStorage;
  /** Days personal data is kept after a dossier's final status (RETENTION_DAYS), and how often the job runs. */
  readonly retention?: { readonly retentionDays?: number; readonly everyMs?: number };
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function buildServer(options: ServerOptions): FastifyInstance {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  const protection = resolveDataProtection(options.dataProtection);
  const blobDir = options.blobDir ?? null;
  const storage = blobDir === null ? null : (options.blobStorage ?? blobStorageFromEnv(process.env, blobDir));
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const trusted = options.trustedProxies ?? parseTrustedProxies(undefined);
  const logger = options.logger ?? false;
  const app = Fastify({
    // The request log masks the look-up page's query (it carries the receipt's secret).
    logger:
      logger === false
        ? false
        : {
            ...(logger === true ? {} : logger),
            serializers: {
              req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: logRequestUrl(req.url), remoteAddress: req.ip }),
            },
          },
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...fastifyTimeoutOptions(limits),
    trustProxy: trusted.list.length > 0 ? [...trusted.list] : false,
    // Malformed URLs and over-long parameters: answered like every other error, without echoing the URL.
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void (reply as unknown as FastifyReply).code(status).send(wireError('http.bad-url', 'malformed URL'));
    },
  });
  // The API speaks JSON only; any other body type is answered 415 before a handler runs.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app, limits.maxJsonDepth);
  capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress, (address) => trusted.has(address));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.code === JSON_TOO_DEEP) return reply.code(400).send(wireError('http.too-deep', error.message));
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'http.body-too-large' : status === 415 ? 'http.unsupported-media-type' : 'http.bad-request';
      // Parser messages can quote the body (JSON.parse does), so 400s get a fixed detail.
      const detail = status === 400 ? `malformed request (${error.code ?? 'invalid body'})` : error.message;
      return reply.code(status).send(wireError(code, detail));
    }
    if (isTransientDbError(error)) {
      request.log.warn({ err: { code: (error as { code?: unknown }).code } }, 'transient database error');
      return reply.code(503).header('retry-after', '5').send(wireError('server.unavailable', 'temporary database problem; retry'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(wireError('server.internal', 'unexpected server error'));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(wireError('http.not-found', `no such route (${request.method.slice(0, 10)})`)));

  // CORS for the kiosks' origins (cors.ts), before any route: every route and the tus scope.
  const cors = corsPolicy(options.corsOrigins ?? []);
  registerCors(app, cors);
  // Every preflight must match a route for the hook above to answer it; other OPTIONS calls
  // (tus capability discovery aside) just say what the server speaks.
  app.options('/*', async (_request, reply) => reply.code(204).header('allow', CORS_ALLOWED_METHODS.join(', ')).send());

  app.get('/health', async (): Promise<HealthResponse> => {
    await db.query('SELECT 1');
    return { status: 'ok', db: db.kind, version: options.version ?? '0.0.0', protocolVersion: SYNC_PROTOCOL_VERSION };
  });

  app.post('/v1/enrol', async (request, reply) => {
    const parsed = EnrolRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('enrol.bad-request', describeIssues(parsed.error.issues)));
    const { code, deviceId, role, slot } = parsed.data;
    const now = clock.now();
    const token = newDeviceToken();
    const enrol = async (tx: Db): Promise<{ status: number; body: WireError | EnrolResponse; roleChange?: string; slot?: number | null }> => {
      const codes = await tx.query<{ branch_code: string; role: string; expires_at: unknown; used_at: unknown; device_id: string | null }>(
        'SELECT branch_code, role, expires_at, used_at, device_id FROM enrolment_codes WHERE code_hash = $1 FOR UPDATE',
        [sha256Hex(normaliseEnrolCode(code))],
      );
      const c = codes[0];
      if (!c) return { status: 401, body: wireError('enrol.unknown-code', 'no such enrolment code') };
      if (c.used_at !== null) return { status: 410, body: wireError('enrol.code-used', 'this enrolment code was already used; ask for a new one') };
      if (Number(c.expires_at) <= now) return { status: 410, body: wireError('enrol.code-expired', 'this enrolment code has expired; ask for a new one') };
      if (c.role !== role) return { status: 403, body: wireError('enrol.role-mismatch', `this code enrols a ${c.role} device, not ${role}`) };
      if (c.device_id !== null && c.device_id !== deviceId) {
        return { status: 403, body: wireError('enrol.code-other-device', 'this code was issued to re-enrol another device') };
      }
      const existing = await tx.query<{ branch_code: string; role: string; revoked_at: unknown; slot: number | null; slot_conflict: number | null }>(
        'SELECT branch_code, role, revoked_at, slot, slot_conflict FROM devices WHERE device_id = $1 FOR UPDATE',
        [deviceId],
      );
      const known = existing[0];
      if (known && known.branch_code !== c.branch_code) {
        return { status: 409, body: wireError('enrol.other-branch', `device is enrolled in branch ${known.branch_code}`) };
      }
      // A revocation stands until staff reinstate the device; no code lifts it.
      if (known && known.revoked_at !== null) {
        return {
          status: 403,
          body: wireError('enrol.device-revoked', 'this device was revoked; the centre must reinstate it and issue a code for this device id'),
        };
      }
      // A device the server knows is re-enrolled only with a code the centre issued for it: any
      // fresh code of the branch plus a known device id must not take over its stream and role.
      if (known && c.device_id === null) {
        return {
          status: 409,
          body: wireError('enrol.device-known', 'this device is already enrolled; re-enrolling it needs a code the centre issues for this device id'),
        };
      }
      // One active device per slot of the branch (deviceSlots.ts). Refused before the code is
      // spent: the technician may choose another slot with the same code.
      const slotDecision = await decideSlot(tx, {
        branchCode: c.branch_code,
        role,
        deviceId,
        requested: slot,
        known: known ? { slot: known.slot, slotConflict: known.slot_conflict } : null,
      });
      if (!slotDecision.ok) return { status: slotDecision.status, body: slotDecision.error };
      // Re-enrolling a known device (reinstall, lost credential) replaces its credential and keeps
      // last_seq, so its outbox continues where the server stopped. Its role changes only through
      // the code staff issued for it (logged).
      await tx.query(
        `INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot, slot_conflict) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (device_id) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, enrolled_at = EXCLUDED.enrolled_at,
           slot = EXCLUDED.slot, slot_conflict = EXCLUDED.slot_conflict`,
        [deviceId, c.branch_code, role, sha256Hex(token), now, slotDecision.slot, slotDecision.slotConflict],
      );
      await tx.query('UPDATE enrolment_codes SET used_at = $2, used_by = $3 WHERE code_hash = $1', [sha256Hex(normaliseEnrolCode(code)), now, deviceId]);
      return {
        status: 200,
        body: { deviceId, branchCode: c.branch_code, token },
        slot: slotDecision.slot,
        ...(known && known.role !== role ? { roleChange: `${known.role} → ${role}` } : {}),
      };
    };
    const audited = () =>
      withAudit(db, enrol, (o) =>
        // Audited: every enrolment, and the refusals that protect a device the server knows (a code
        // was valid, so someone holds one). Unknown, used and expired codes prove nothing and are not.
        o.status === 200 || (o.status !== 401 && o.status !== 410 && 'code' in o.body && o.body.code !== 'enrol.role-mismatch')
          ? {
              actorKind: 'device',
              actorId: deviceId,
              branchCode: 'branchCode' in o.body ? o.body.branchCode : null,
              action: 'device.enrol',
              target: deviceId,
              outcome: o.status === 200 ? 'ok' : 'refused',
              detail:
                'code' in o.body
                  ? o.body.code
                  : `as ${role}${o.slot !== null && o.slot !== undefined ? ` in slot ${o.slot}` : ''}${o.roleChange ? ` (role ${o.roleChange})` : ''}`,
              at: now,
            }
          : null,
      );
    // Two enrolments claiming one free slot at once both pass the look-up; the unique index lets
    // one commit. The other runs again and now finds the slot held (refused, audited).
    const outcome = await audited().catch((e: unknown) => {
      if (isActiveSlotTaken(e)) return audited();
      throw e;
    });
    if (outcome.status === 200) request.log.info({ deviceId, slot: outcome.slot }, 'device enrolled');
    if (outcome.status === 200 && slot === undefined && SLOT_ROLES.has(role)) {
      request.log.warn({ deviceId }, 'device enrolled without a slot (a kiosk older than the slot binding): its slot is not checked');
    }
    if (outcome.roleChange) request.log.warn({ deviceId, roleChange: outcome.roleChange }, 'device role changed by a code issued for it');
    return reply.code(outcome.status).send(outcome.body);
  });

  const authenticate = deviceAuth(db);
  const authenticateAdmin = adminAuth(db);

  app.post('/v1/sync/push', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = PushRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await pushMutations(db, device, parsed.data.journalId, parsed.data.mutations, { clock, protection });
    // Best effort, after the push committed: a dossier left incomplete by a failed recount heals here.
    if (outcome.kind === 'done' || outcome.kind === 'gap') {
      await sweepIncompleteDossiers(db, device.branchCode).catch((e: unknown) => request.log.warn({ err: String(e) }, 'completeness sweep failed'));
    }
    const counts = outcome.kind === 'revoked' || outcome.kind === 'journal-limit' ? {} : countStatuses(outcome.results);
    request.log.info({ deviceId: device.deviceId, outcome: outcome.kind, ...counts }, 'push');
    if (outcome.kind === 'revoked') return reply.code(401).send(wireError('auth.revoked', 'this device has been revoked; re-enrol it'));
    if (outcome.kind === 'journal-limit') {
      request.log.warn({ deviceId: device.deviceId, limit: outcome.limit }, 'device opened too many journal streams');
      return reply
        .code(409)
        .send(
          wireError(
            'sync.journal-limit',
            `this device already has ${outcome.limit} journal streams; the centre must check it (list-journals) before it opens another`,
          ),
        );
    }
    if (outcome.kind === 'gap') {
      const body: PushGap = {
        code: 'sync.gap',
        detail: `expected deviceSeq ${outcome.expectedSeq}`,
        expectedSeq: outcome.expectedSeq,
        results: outcome.results,
      };
      return reply.code(409).send(body);
    }
    const body: PushResponse = { lastSeq: outcome.lastSeq, results: outcome.results };
    return reply.code(200).send(body);
  });

  app.post('/v1/sync/pull', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = PullRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    if (!deviceMayRead(device.branchCode, parsed.data.scope, device.role ?? 'citizen')) {
      return reply
        .code(403)
        .send(wireError('auth.scope-forbidden', `a ${device.role} device of branch ${device.branchCode} cannot read scope ${parsed.data.scope}`));
    }
    return reply.code(200).send(await pullChanges(db, parsed.data));
  });

  app.get('/v1/sync/state', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = SyncStateQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const body: SyncStateResponse = { journalId: parsed.data.journalId, lastSeq: await journalLastSeq(db, device.deviceId, parsed.data.journalId) };
    return reply.code(200).send(body);
  });

  app.post('/v1/heartbeat', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = HeartbeatRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('heartbeat.bad-request', describeIssues(parsed.error.issues)));
    const now = clock.now();
    await db.query(
      `INSERT INTO heartbeats (device_id, received_at, report) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (device_id) DO UPDATE SET received_at = EXCLUDED.received_at, report = EXCLUDED.report`,
      [device.deviceId, now, JSON.stringify(parsed.data)],
    );
    // The journal row is created by the stream's first push, not here: a heartbeat writes one row
    // per device whatever journal id it names.
    const h = parsed.data;
    request.log.info(
      {
        deviceId: device.deviceId,
        pending: h.pendingCount,
        oldestPendingAgeMs: h.oldestPendingAgeMs,
        stuck: h.stuck,
        pendingBlobs: h.pendingBlobs,
        oldestPendingBlobAgeMs: h.oldestPendingBlobAgeMs ?? null,
        stuckBlobs: h.stuckBlobs ?? 0,
        freeDisk: h.freeDiskBytes,
        app: h.appVersion,
      },
      'heartbeat',
    );
    // A scan the kiosk has not been able to send for a while: the centre's log says so and why.
    if ((h.stuckBlobs ?? 0) > 0) {
      request.log.warn({ deviceId: device.deviceId, stuckBlobs: h.stuckBlobs, reason: h.lastBlobError?.code ?? null }, 'kiosk reports scans it cannot send');
    }
    const body: HeartbeatResponse = { serverTime: now, lastSeq: await journalLastSeq(db, device.deviceId, h.journalId) };
    return reply.code(200).send(body);
  });

  app.post('/v1/admin/publish', { onRequest: authenticateAdmin }, async (request, reply) => {
    const parsed = PublishRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('publish.bad-request', describeIssues(parsed.error.issues)));
    // Published and audited in one transaction.
    const outcome = await db.transaction(async (tx) => {
      const published = await publishChanges(tx, parsed.data);
      await recordAudit(tx, {
        actorKind: 'admin-token',
        actorId: request.adminLabel ?? 'admin',
        branchCode: parsed.data.scope.startsWith('branch:') ? parsed.data.scope.slice('branch:'.length) : null,
        action: 'config.publish',
        target: parsed.data.scope,
        outcome: published.ok ? 'ok' : 'refused',
        detail: published.ok ? `${parsed.data.changes.length} change(s), seq ${published.firstSeq}–${published.lastSeq}` : published.error.code,
        at: clock.now(),
      });
      return published;
    });
    if (!outcome.ok)
      return reply.code(outcome.error.code === 'publish.unknown-branch' || outcome.error.code === 'publish.unknown-key' ? 404 : 422).send(outcome.error);
    request.log.info({ admin: request.adminLabel, scope: parsed.data.scope, count: parsed.data.changes.length, lastSeq: outcome.lastSeq }, 'published');
    const body: PublishResponse = { scope: parsed.data.scope, firstSeq: outcome.firstSeq, lastSeq: outcome.lastSeq };
    return reply.code(200).send(body);
  });

  app.get('/v1/admin/journals', { onRequest: authenticateAdmin }, async (_request, reply) => {
    return reply.code(200).send({ stalled: await listStalledJournals(db), closed: await listClosedGaps(db) });
  });

  app.post('/v1/admin/journals/close-gap', { onRequest: authenticateAdmin }, async (request, reply) => {
    const parsed = CloseGapRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('gap.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await closeJournalGap(db, { ...parsed.data, closedBy: request.adminLabel ?? 'admin', actorKind: 'admin-token', now: clock.now() });
    if (!outcome.ok) return reply.code(outcome.status).send(outcome.error);
    request.log.warn(
      { admin: request.adminLabel, deviceId: outcome.gap.deviceId, from: outcome.gap.fromSeq, to: outcome.gap.toSeq },
      'journal gap closed: records declared lost',
    );
    return reply.code(200).send(outcome.gap);
  });

  registerBlobRoutes(app, { db, clock, authenticate, blobDir, cors, protection, ...(storage ? { storage } : {}) });
  registerRetentionJob(app, {
    db,
    clock,
    protection,
    storage,
    retentionDays: options.retention?.retentionDays ?? DEFAULT_RETENTION_DAYS,
    everyMs: options.retention?.everyMs ?? DEFAULT_RETENTION_JOB_EVERY_MS,
  });
  registerLookupRoutes(app, { db, clock, limits: options.lookupLimits });
  registerLookupPage(app);
  registerReuseRoutes(app, { db, clock, protection, authenticate, storage, limits: options.reuseLimits });
  registerAuditRoutes(app, { db, clock, authenticateAdmin });
  registerRatingRoutes(app, { db, authenticateAdmin });
  registerStaffRoutes(app, { db, clock, authenticateAdmin });
  registerCatalogRoutes(app, { db, clock, authenticateAdmin });
  registerQueueRoutes(app, { db, clock, authenticate, limits: options.queueLimits });
  registerQueueFiguresRoutes(app, { db, clock, authenticateAdmin });
  registerQueueFiguresPage(app);

  return app;
}

function countStatuses(results: readonly { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
