import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { Clock } from '../shared/clock';
import { HubHeartbeatRequest, HubsQuery, type HubOverview, type HubsResponse } from '../shared/hub';
import type { Db } from './db/Db';
import { describeIssues, wireError } from './wireErrors';

/**
 * What the centre knows of its branch hubs' backlogs (migration 019): each hub's latest heartbeat
 * (POST /v1/hub/heartbeat, hubRoutes.ts) with the centre's receive time, and the list for centre
 * staff, GET /v1/admin/hubs (admin token), also drawn on the staff page /thong-ke.
 */

/** A hub the centre has not heard from for longer than this is `silent`. */
export const HUB_SILENT_AFTER_MS = 5 * 60_000;

/** Replaces the hub's stored heartbeat with this one (the hub sends one at a time, in order). */
export async function storeHubHeartbeat(db: Db, hub: { deviceId: string; branchCode: string }, report: HubHeartbeatRequest, receivedAt: number): Promise<void> {
  await db.query(
    `INSERT INTO hub_heartbeats (hub_device_id, branch_code, received_at, sent_at, app_version, report) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
     ON CONFLICT (hub_device_id) DO UPDATE SET branch_code = EXCLUDED.branch_code, received_at = EXCLUDED.received_at, sent_at = EXCLUDED.sent_at,
       app_version = EXCLUDED.app_version, report = EXCLUDED.report`,
    [hub.deviceId, hub.branchCode, receivedAt, report.sentAt, report.appVersion, JSON.stringify(report)],
  );
}

/** Every enrolled, unrevoked hub (of one branch, or all), with its last heartbeat; by branch. */
export async function listHubs(db: Db, now: number, options: { branch?: string } = {}): Promise<HubsResponse> {
  const silentAfterMs = HUB_SILENT_AFTER_MS;
  const rows = await db.query<{ device_id: string; branch_code: string; enrolled_at: unknown; received_at: unknown; report: unknown }>(
    `SELECT d.device_id, d.branch_code, d.enrolled_at, h.received_at, h.report
       FROM devices d LEFT JOIN hub_heartbeats h ON h.hub_device_id = d.device_id
      WHERE d.role = 'hub' AND d.revoked_at IS NULL AND ($1::text IS NULL OR d.branch_code = $1)
      ORDER BY d.branch_code, d.enrolled_at, d.device_id`,
    [options.branch ?? null],
  );
  const hubs = rows.map((r): HubOverview => {
    const lastHeardAt = r.received_at === null ? null : Number(r.received_at);
    const enrolledAt = Number(r.enrolled_at);
    // A stored report a later version of the schema no longer reads is shown as none, not as a 500.
    const report = r.report === null ? null : HubHeartbeatRequest.safeParse(typeof r.report === 'string' ? JSON.parse(r.report) : r.report);
    return {
      branchCode: r.branch_code,
      hubDeviceId: r.device_id,
      enrolledAt,
      lastHeardAt,
      silent: now - (lastHeardAt ?? enrolledAt) > silentAfterMs,
      report: report?.success ? report.data : null,
    };
  });
  return { asOf: now, silentAfterMs, hubs };
}

/** GET /v1/admin/hubs[?branch=CN01] (admin token) → HubsResponse; 400 `hubs.bad-query`. */
export function registerHubReportRoutes(
  app: FastifyInstance,
  options: { readonly db: Db; readonly clock: Clock; readonly authenticateAdmin: onRequestHookHandler },
): void {
  app.get('/v1/admin/hubs', { onRequest: options.authenticateAdmin }, async (request, reply) => {
    const parsed = HubsQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('hubs.bad-query', `${describeIssues(parsed.error.issues)} (branch like CN01)`));
    reply.header('cache-control', 'no-store');
    return reply.code(200).send(await listHubs(options.db, options.clock.now(), parsed.data.branch ? { branch: parsed.data.branch } : {}));
  });
}
