import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import {
  HubHeartbeatRequest,
  HubRelayRequest,
  HubStateQuery,
  RELAY_FOLLOWS_HEADER,
  type HubDevicesResponse,
  type HubEnrolResponse,
  type HubHeartbeatResponse,
} from '../shared/hub';
import { EnrolRequest, type SyncStateResponse } from '../shared/sync';
import { requireDevice } from './auth';
import type { DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { sweepIncompleteDossiers } from './dossiers';
import { enrolDevice } from './enrol';
import { storeHubHeartbeat } from './hubReports';
import { journalLastSeq, pushMutations } from './push';
import { countStatuses, pushAnswer } from './pushAnswer';
import type { AuthenticatedDevice } from './records';
import { describeIssues, wireError } from './wireErrors';

/**
 * The centre's side of a branch hub (src/server/hub): routes only a device enrolled as `hub` may
 * call, each limited to the hub's own branch.
 *  - POST /v1/hub/enrol: a kiosk's enrolment code, relayed by the hub (codes stay the centre's).
 *  - POST /v1/hub/relay: a kiosk journal's envelopes, unchanged; applied exactly as the kiosk's own
 *    push would be (same journal, same seqs), so exactly-once holds end to end.
 *  - GET /v1/hub/state: the centre's lastSeq of a kiosk journal (a hub that never saw it starts there).
 *  - GET /v1/hub/devices: the branch's devices with their credentials' hashes (HubDevice).
 *  - POST /v1/hub/heartbeat: the hub's status figures (HubHeartbeatRequest); the latest is kept
 *    with the centre's receive time (hubReports.ts).
 */
export function registerHubRoutes(
  app: FastifyInstance,
  options: { db: Db; clock: Clock; protection: DataProtection; authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void> },
): void {
  const { db, clock, protection, authenticate } = options;

  const hubOf = (request: FastifyRequest, reply: FastifyReply): AuthenticatedDevice | null => {
    const device = requireDevice(request);
    if (device.role === 'hub') return device;
    void reply.code(403).send(wireError('auth.not-hub', 'only a branch hub may call this route'));
    return null;
  };

  /** A kiosk of the hub's branch (never a hub), as the centre knows it. */
  const kioskOf = async (hub: AuthenticatedDevice, deviceId: string, reply: FastifyReply): Promise<AuthenticatedDevice | null> => {
    const rows = await db.query<{ device_id: string; branch_code: string; role: string; slot: number | null; revoked_at: unknown }>(
      'SELECT device_id, branch_code, role, slot, revoked_at FROM devices WHERE device_id = $1',
      [deviceId],
    );
    const d = rows[0];
    if (!d || d.branch_code !== hub.branchCode || d.role === 'hub') {
      void reply.code(404).send(wireError('hub.unknown-device', `no device ${deviceId} in branch ${hub.branchCode}`));
      return null;
    }
    if (d.revoked_at !== null) {
      void reply.code(403).send(wireError('hub.device-revoked', `device ${deviceId} was revoked at the centre; its records are not accepted`));
      return null;
    }
    return { deviceId: d.device_id, branchCode: d.branch_code, role: d.role, slot: d.slot };
  };

  app.post('/v1/hub/enrol', { onRequest: authenticate }, async (request, reply) => {
    const hub = hubOf(request, reply);
    if (!hub) return reply;
    const parsed = EnrolRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('enrol.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await enrolDevice(db, clock, request.log, parsed.data, { viaHubOf: hub.branchCode });
    if (outcome.status !== 200 || !('token' in outcome.body)) return reply.code(outcome.status).send(outcome.body);
    const body: HubEnrolResponse = { ...outcome.body, role: parsed.data.role, slot: outcome.slot ?? null };
    return reply.code(200).send(body);
  });

  app.post('/v1/hub/relay', { onRequest: authenticate }, async (request, reply) => {
    const hub = hubOf(request, reply);
    if (!hub) return reply;
    const parsed = HubRelayRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const kiosk = await kioskOf(hub, parsed.data.deviceId, reply);
    if (!kiosk) return reply;
    // A batch sent while the one before it was on its way: a gap is answered, not kept (shared/hub.ts).
    const follows = request.headers[RELAY_FOLLOWS_HEADER] !== undefined;
    const outcome = await pushMutations(db, kiosk, parsed.data.journalId, parsed.data.mutations, { clock, protection, keepGaps: !follows });
    if (outcome.kind === 'done' || outcome.kind === 'gap') {
      await sweepIncompleteDossiers(db, kiosk.branchCode).catch((e: unknown) => request.log.warn({ err: String(e) }, 'completeness sweep failed'));
    }
    const counts = outcome.kind === 'revoked' || outcome.kind === 'journal-limit' ? {} : countStatuses(outcome.results);
    request.log.info({ hub: hub.deviceId, deviceId: kiosk.deviceId, outcome: outcome.kind, ...counts }, 'relayed push');
    const answer = pushAnswer(outcome, {
      revoked: { status: 403, ...wireError('hub.device-revoked', `device ${kiosk.deviceId} was revoked at the centre; its records are not accepted`) },
    });
    return reply.code(answer.status).send(answer.body);
  });

  app.get('/v1/hub/state', { onRequest: authenticate }, async (request, reply) => {
    const hub = hubOf(request, reply);
    if (!hub) return reply;
    const parsed = HubStateQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('sync.bad-request', describeIssues(parsed.error.issues)));
    const rows = await db.query<{ branch_code: string }>('SELECT branch_code FROM devices WHERE device_id = $1', [parsed.data.deviceId]);
    if (rows[0]?.branch_code !== hub.branchCode)
      return reply.code(404).send(wireError('hub.unknown-device', `no device ${parsed.data.deviceId} in branch ${hub.branchCode}`));
    const body: SyncStateResponse = { journalId: parsed.data.journalId, lastSeq: await journalLastSeq(db, parsed.data.deviceId, parsed.data.journalId) };
    return reply.code(200).send(body);
  });

  app.post('/v1/hub/heartbeat', { onRequest: authenticate }, async (request, reply) => {
    const hub = hubOf(request, reply);
    if (!hub) return reply;
    const parsed = HubHeartbeatRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('hub.bad-heartbeat', describeIssues(parsed.error.issues)));
    const now = clock.now();
    await storeHubHeartbeat(db, hub, parsed.data, now);
    const h = parsed.data;
    request.log.info(
      {
        hub: hub.deviceId,
        branch: hub.branchCode,
        unrelayedRecords: h.unrelayedRecords,
        unrelayedBytes: h.unrelayedBytes,
        oldestUnrelayedAgeMs: h.oldestUnrelayedAgeMs,
        unrelayedScans: h.unrelayedScans,
        stalledJournals: h.stalledJournals.length,
        clockOffsetMs: h.sentAt - now,
        app: h.appVersion,
      },
      'hub heartbeat',
    );
    if (h.stalledJournals.length > 0) {
      request.log.warn({ hub: hub.deviceId, stalled: h.stalledJournals.map((j) => j.error.code) }, 'hub reports journals it cannot relay');
    }
    const body: HubHeartbeatResponse = { serverTime: now };
    return reply.code(200).send(body);
  });

  app.get('/v1/hub/devices', { onRequest: authenticate }, async (request, reply) => {
    const hub = hubOf(request, reply);
    if (!hub) return reply;
    // Kiosks and counters only: no hub's credential, its own included.
    const rows = await db.query<{ device_id: string; role: string; slot: number | null; token_hash: string; enrolled_at: unknown; revoked_at: unknown }>(
      `SELECT device_id, role, slot, token_hash, enrolled_at, revoked_at FROM devices WHERE branch_code = $1 AND role <> 'hub' ORDER BY device_id`,
      [hub.branchCode],
    );
    const body: HubDevicesResponse = {
      branchCode: hub.branchCode,
      devices: rows.map((r) => ({
        deviceId: r.device_id,
        role: r.role,
        slot: r.slot,
        tokenHash: r.token_hash,
        enrolledAt: Number(r.enrolled_at),
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
      })),
    };
    return reply.code(200).send(body);
  });
}
