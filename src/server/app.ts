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
  type HealthResponse,
  type HeartbeatResponse,
  type PublishResponse,
  type SyncStateResponse,
} from '../shared/sync';
import { adminAuth, deviceAuth, requireDevice } from './auth';
import { recordAudit, registerAuditRoutes } from './audit';
import { registerStaffRoutes } from './staff';
import { registerCatalogRoutes } from './catalogCorrections';
import { registerBlobRoutes } from './blobs';
import { blobStorageFromEnv, type BlobStorage } from './blobStore';
import { resolveDataProtection, type DataProtection } from './dataProtection';
import { DEFAULT_RETENTION_DAYS } from './personalData';
import { registerArrivalSweep } from './queueArrivals';
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
import { countStatuses, outcomesAtCentre, pushAnswer } from './pushAnswer';
import { enrolDevice } from './enrol';
import { registerHubRoutes } from './hubRoutes';
import { registerHubReportRoutes } from './hubReports';
import { createHub, type Hub, type HubOptions } from './hub/hub';
import { relayJournalState } from './hub/relayStore';
import { describeIssues, wireError } from './wireErrors';
import { sweepIncompleteDossiers } from './dossiers';
import { closeJournalGap, listClosedGaps, listStalledJournals } from './journalGaps';

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
  /** Branch mode (src/server/hub): this server is its branch's hub, relaying to the centre at `upstreamUrl`. */
  readonly hub?: HubOptions;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** How long a hub's pull waits for a mirror pass when a kiosk is ahead of its copy (below the kiosk's 20 s timeout). */
const MIRROR_CATCH_UP_MS = 5_000;
/** How long after it ended such a pass, begun at a refusal, still answers the kiosk's next try. */
const MIRROR_PASS_COUNTS_MS = 60_000;

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
  const hub: Hub | null = options.hub ? createHub(app, { ...options.hub, db, clock, protection, storage, version: options.version ?? '0.0.0' }) : null;
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
    // A branch hub enrols its kiosks at the centre (the code is the centre's) and keeps the credential's hash.
    if (hub) return hub.enrolThroughCentre(parsed.data, reply);
    const outcome = await enrolDevice(db, clock, request.log, parsed.data);
    return reply.code(outcome.status).send(outcome.body);
  });

  const authenticate = deviceAuth(db, hub ? { refreshUnknown: () => hub.mirror.devicesNow() } : {});
  const authenticateAdmin = adminAuth(db);

  app.post('/v1/sync/push', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = PushRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const { journalId, mutations, confirmedSeq } = parsed.data;
    const outcome = await pushMutations(db, device, journalId, mutations, {
      clock,
      protection,
      ...(hub ? { relay: { baseSeq: () => hub.journalBaseSeq(device.deviceId, journalId, confirmedSeq) } } : {}),
    });
    // Best effort, after the push committed: a dossier left incomplete by a failed recount heals here.
    if (outcome.kind === 'done' || outcome.kind === 'gap') {
      await sweepIncompleteDossiers(db, device.branchCode).catch((e: unknown) => request.log.warn({ err: String(e) }, 'completeness sweep failed'));
    }
    const counts = outcome.kind === 'revoked' || outcome.kind === 'journal-limit' ? {} : countStatuses(outcome.results);
    request.log.info({ deviceId: device.deviceId, outcome: outcome.kind, ...counts }, 'push');
    if (outcome.kind === 'journal-limit') request.log.warn({ deviceId: device.deviceId, limit: outcome.limit }, 'device opened too many journal streams');
    if (hub && (outcome.kind === 'done' || outcome.kind === 'gap')) hub.relaySoon();
    const state = hub ? await relayJournalState(db, device.deviceId, journalId) : undefined;
    let upstream: NonNullable<Parameters<typeof pushAnswer>[1]>['upstream'] = state;
    if (hub && state && (outcome.kind === 'done' || outcome.kind === 'gap')) {
      // Entries the centre holds but this hub has no outcome for (it lost its database): the centre tells.
      const ask = new Set(outcomesAtCentre(outcome.results, state.baseSeq).map((r) => r.deviceSeq));
      if (ask.size > 0) {
        const fromCentre = await hub.outcomesFromCentre(
          device.deviceId,
          journalId,
          mutations.filter((m) => ask.has(m.deviceSeq)),
        );
        upstream = { ...state, fromCentre };
      }
    }
    const answer = pushAnswer(outcome, upstream ? { upstream } : {});
    return reply.code(answer.status).send(answer.body);
  });

  /** On a hub: per scope, the mirror pass started when a kiosk ahead of its copy was last refused. */
  const lateMirror = new Map<string, { endedAt?: number }>();
  app.post('/v1/sync/pull', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = PullRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    if (!deviceMayRead(device.branchCode, parsed.data.scope, device.role ?? 'citizen')) {
      return reply
        .code(403)
        .send(wireError('auth.scope-forbidden', `a ${device.role} device of branch ${device.branchCode} cannot read scope ${parsed.data.scope}`));
    }
    let answer = await pullChanges(db, parsed.data);
    if (hub && answer.changes.length === 0 && answer.cursor < parsed.data.cursor) {
      // The feed ends below the kiosk's cursor, which tells it to start the scope over (the centre
      // went back to a backup). On a hub it may only mean the mirror is late (the link is down, the
      // hub is new or lost its database): only a mirror pass that reached the centre's end may say
      // so. Otherwise the kiosk keeps what it has and asks again later (found in review, 2026-12-07:
      // a kiosk moved behind such a hub dropped its catalog and branch data).
      // Kiosks ahead at once share one pass (freshPass). A pass that set out at an earlier refusal of
      // this scope and has ended since counts too, however long it took (a slow link): the hub's
      // copy is then the centre's, and a centre that went back is told as such.
      const scope = parsed.data.scope;
      const endedAt = lateMirror.get(scope)?.endedAt;
      // Only a pass that ended a moment ago: an old one says nothing of a link that went down since.
      let caughtUp = endedAt !== undefined && performance.now() - endedAt < MIRROR_PASS_COUNTS_MS;
      if (!caughtUp) {
        const pass: { endedAt?: number } = {};
        const fresh = hub.mirror.freshPass().then(
          () => ((pass.endedAt = performance.now()), true),
          () => false,
        );
        let timer: NodeJS.Timeout | undefined;
        caughtUp = await Promise.race([fresh, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), MIRROR_CATCH_UP_MS)))]);
        clearTimeout(timer);
        if (!caughtUp) lateMirror.set(scope, pass);
      }
      if (caughtUp) lateMirror.delete(scope);
      if (!caughtUp) {
        return reply
          .code(503)
          .header('retry-after', String(Math.ceil(MIRROR_CATCH_UP_MS / 1000)))
          .send(wireError('hub.mirror-behind', 'this hub has not mirrored the centre up to your cursor yet; ask again later'));
      }
      answer = await pullChanges(db, parsed.data);
    }
    return reply.code(200).send(answer);
  });

  app.get('/v1/sync/state', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    const parsed = SyncStateQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const body: SyncStateResponse = {
      journalId: parsed.data.journalId,
      lastSeq: await journalLastSeq(db, device.deviceId, parsed.data.journalId),
      ...(hub ? { confirmedSeq: (await relayJournalState(db, device.deviceId, parsed.data.journalId)).centreSeq } : {}),
    };
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
    const body: HeartbeatResponse = {
      serverTime: now,
      lastSeq: await journalLastSeq(db, device.deviceId, h.journalId),
      ...(hub ? { confirmedSeq: (await relayJournalState(db, device.deviceId, h.journalId)).centreSeq } : {}),
    };
    return reply.code(200).send(body);
  });

  app.post('/v1/admin/publish', { onRequest: authenticateAdmin }, async (request, reply) => {
    if (hub) return reply.code(409).send(wireError('hub.publish-at-centre', 'a branch hub mirrors what the centre publishes; publish at the centre'));
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

  if (!hub) {
    registerHubRoutes(app, { db, clock, protection, authenticate });
    registerHubReportRoutes(app, { db, clock, authenticateAdmin });
  }
  registerBlobRoutes(app, {
    db,
    clock,
    authenticate,
    blobDir,
    cors,
    protection,
    ...(storage ? { storage } : {}),
    ...(hub
      ? {
          onVerified: (tx: Db, blob: { sha256: string; deviceId: string; size: number; at: number }) => hub.scanVerified(tx, blob),
          afterVerified: () => hub.relay.scansSoon(),
          notYetUpstream: (sha256s: readonly string[]) => hub.scansNotYetUpstream(sha256s),
        }
      : {}),
  });
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
  registerArrivalSweep(app, { db, clock });
  registerQueueFiguresRoutes(app, { db, clock, authenticateAdmin });
  registerQueueFiguresPage(app);

  return app;
}
