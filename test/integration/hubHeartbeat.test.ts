import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/shared/clock';
import { HubHeartbeatRequest, HubsResponse, HubStatus, type HubOverview } from '../../src/shared/hub';
import { createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { heartbeatReport } from '../../src/server/hub/heartbeat';
import { hubOf, type Hub } from '../../src/server/hub/hub';
import { enrolHub, toHubIdentity, type StoredIdentity } from '../../src/server/hub/identity';
import { HUB_SILENT_AFTER_MS } from '../../src/server/hubReports';
import { dbEngines } from './engines';
import { enrolKiosk, startCentre, storedTickets, takeTicket } from './syncHarness';

/**
 * The hub's heartbeat to the centre (src/server/hub/heartbeat.ts, POST /v1/hub/heartbeat) and what
 * the centre shows of it (GET /v1/admin/hubs): real servers on port 0, the hub on PGlite, the centre
 * on each engine. The hub's link goes through a fetch the test cuts; the hub's clock runs 30 s
 * ahead of the centre's, so the centre's receive time and the hub's own clock stay apart.
 */
const MIN = 60_000;
const HUB_AHEAD_MS = 30_000;

for (const engine of dbEngines) {
  describe(`the hub's heartbeat to the centre (${engine.name})`, () => {
    const centreClock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
    const hubClock = fixedClock(centreClock.now() + HUB_AHEAD_MS);
    const advance = (ms: number) => {
      centreClock.advance(ms);
      hubClock.advance(ms);
    };
    let centre: Awaited<ReturnType<typeof startCentre>>;
    let centreDb: { db: Db; dispose(): Promise<void> };
    const link = { down: false };
    const linkFetch: typeof fetch = (input, init) => (link.down ? Promise.reject(new TypeError('fetch failed (link cut by the test)')) : fetch(input, init));
    const running: { app: FastifyInstance; db: Db }[] = [];

    async function newHubIdentity(branch: string): Promise<StoredIdentity> {
      const { code } = await createEnrolCode(centre.db, branch, 'hub', centreClock.now());
      return enrolHub(centre.baseUrl, code, null);
    }

    /** A hub whose heartbeat runs once at start and then hourly: the tests send the others by hand. */
    async function startHub(identity: StoredIdentity, options: { heartbeatEveryMs?: number; heartbeatWatchMs?: number } = {}) {
      const db = await openPgliteDb(null);
      await migrate(db);
      const app = buildServer({
        db,
        clock: hubClock,
        version: 'hub-test-1.2.3',
        blobDir: mkdtempSync(join(tmpdir(), 'hpasc-hubhb-blobs-')),
        hub: {
          upstreamUrl: centre.baseUrl,
          identity: toHubIdentity(identity),
          fetch: linkFetch,
          relayEveryMs: 100,
          relayMaxBackoffMs: 200,
          mirrorEveryMs: 300,
          heartbeatEveryMs: options.heartbeatEveryMs ?? 3_600_000,
          heartbeatWatchMs: options.heartbeatWatchMs ?? 50,
        },
      });
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      running.push({ app, db });
      return { app, db, base, hub: hubOf(app) as Hub };
    }

    const hubs = async (query = '', token = centre.adminToken) =>
      fetch(`${centre.baseUrl}/v1/admin/hubs${query}`, { headers: { authorization: `Bearer ${token}` } });
    const overview = async (deviceId: string): Promise<HubOverview | undefined> => {
      const res = await hubs();
      expect(res.status).toBe(200);
      return HubsResponse.parse(await res.json()).hubs.find((h) => h.hubDeviceId === deviceId);
    };
    const storedRow = async (deviceId: string) =>
      centre.db.query<{ received_at: unknown; report: unknown }>('SELECT received_at, report FROM hub_heartbeats WHERE hub_device_id = $1', [deviceId]);
    const postHeartbeat = (token: string, body: unknown) =>
      fetch(`${centre.baseUrl}/v1/hub/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      centreDb = await engine.open();
      centre = await startCentre(centreClock, centreDb.db);
    }, 120_000);
    afterEach(async () => {
      link.down = false;
      for (const r of running.splice(0)) {
        await r.app.close().catch(() => undefined);
        await r.db.close().catch(() => undefined);
      }
    });
    afterAll(async () => {
      await centre?.close();
      await centreDb?.dispose();
    });

    it('the centre gets the hub’s real figures: nothing while the link is cut (skipped, not queued), 3 waiting records once it is back, 0 once relayed', async () => {
      const identity = await newHubIdentity('CN01');
      const { hub, base } = await startHub(identity);
      // The heartbeat at start: nothing waits.
      await vi.waitFor(async () => expect(await storedRow(identity.deviceId)).toHaveLength(1), { timeout: 5_000, interval: 25 });
      const first = await overview(identity.deviceId);
      expect(first).toMatchObject({
        branchCode: 'CN01',
        lastHeardAt: centreClock.now(),
        silent: false,
        report: { unrelayedRecords: 0, unrelayedBytes: 0, oldestUnrelayedAgeMs: null, appVersion: 'hub-test-1.2.3', sentAt: hubClock.now() },
      });

      const kiosk = await enrolKiosk(centre.db, base, hubClock, 1);
      link.down = true;
      const ids = [await takeTicket(kiosk, hubClock), await takeTicket(kiosk, hubClock), await takeTicket(kiosk, hubClock)];
      expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(3);
      advance(90_000);
      // Cut: the heartbeat is skipped; the centre still has the last one it heard, and nothing is kept to send later.
      expect(await hub.heartbeat.sendOnce()).toBe('unreachable');
      expect(await overview(identity.deviceId)).toEqual(first);

      // The link is back before the relay has run: the heartbeat tells the centre what still waits at the hub.
      await hub.relay.stop();
      link.down = false;
      expect(await hub.heartbeat.sendOnce()).toBe('sent');
      const atHub = HubStatus.parse(await (await fetch(`${base}/v1/hub/status`)).json());
      expect(atHub.unrelayedRecords).toBe(3);
      const waiting = await overview(identity.deviceId);
      expect(waiting).toMatchObject({
        lastHeardAt: centreClock.now(),
        silent: false,
        report: {
          unrelayedRecords: 3,
          unrelayedBytes: atHub.unrelayedBytes,
          oldestUnrelayedAgeMs: 90_000,
          unrelayedScans: 0,
          stalledJournals: [],
          lastUpstreamFailure: expect.stringContaining('link cut by the test'),
          sentAt: hubClock.now(),
        },
      });
      expect(waiting!.report!.unrelayedBytes).toBeGreaterThan(0);
      expect(waiting!.report!.scopes.map((s) => s.scope)).toEqual(atHub.scopes.map((s) => s.scope));
      expect((await storedTickets(centre.db, ids)).size).toBe(0);

      // Relayed: the next heartbeat says nothing waits.
      advance(MIN);
      expect((await hub.relay.runOnce()).relayed).toBe(3);
      expect((await storedTickets(centre.db, ids)).size).toBe(3);
      // (the mirror stopped too, so that the status read below is the one the heartbeat carried)
      await hub.mirror.stop();
      expect(await hub.heartbeat.sendOnce()).toBe('sent');
      expect(await overview(identity.deviceId)).toMatchObject({
        lastHeardAt: centreClock.now(),
        report: { unrelayedRecords: 0, unrelayedBytes: 0, oldestUnrelayedAgeMs: null, lastRelayAt: hubClock.now(), sentAt: hubClock.now() },
      });
      // What the hub reports is its own status, field for field.
      const [row] = await storedRow(identity.deviceId);
      const now = HubStatus.parse(await (await fetch(`${base}/v1/hub/status`)).json());
      expect(row!.report).toEqual(heartbeatReport(now, 'hub-test-1.2.3', hubClock.now()));
      expect(Number(row!.received_at)).toBe(centreClock.now());
    }, 60_000);

    it('after a missed heartbeat the hub sends as soon as the link answers again, not at its next period', async () => {
      const identity = await newHubIdentity('CN02');
      link.down = true;
      const { hub } = await startHub(identity, { heartbeatEveryMs: 3_600_000, heartbeatWatchMs: 20 });
      // The heartbeat at start found no centre; the mirror keeps trying (every 300 ms) and fails too.
      await vi.waitFor(() => expect(hub.upstream.link().reachable).toBe(false), { timeout: 5_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 700));
      expect(await storedRow(identity.deviceId)).toHaveLength(0);
      expect(hub.heartbeat.lastSentAt()).toBeNull();
      link.down = false;
      await vi.waitFor(async () => expect(await storedRow(identity.deviceId)).toHaveLength(1), { timeout: 5_000, interval: 25 });
      expect(await overview(identity.deviceId)).toMatchObject({ branchCode: 'CN02', silent: false, report: { unrelayedRecords: 0 } });
    }, 60_000);

    it('only a hub may send one (403 auth.not-hub), and a malformed report is a 400 hub.bad-heartbeat that changes nothing', async () => {
      const identity = await newHubIdentity('CN01');
      const { hub, base } = await startHub(identity);
      await vi.waitFor(async () => expect(await storedRow(identity.deviceId)).toHaveLength(1), { timeout: 5_000, interval: 25 });
      const before = await storedRow(identity.deviceId);
      const valid = heartbeatReport(HubStatus.parse(await (await fetch(`${base}/v1/hub/status`)).json()), 'x', hubClock.now());
      expect(HubHeartbeatRequest.parse(valid)).toEqual(valid);

      const kiosk = await enrolKiosk(centre.db, centre.baseUrl, centreClock, 21);
      const asKiosk = await postHeartbeat(kiosk.token, valid);
      expect(asKiosk.status).toBe(403);
      expect((await asKiosk.json()).code).toBe('auth.not-hub');
      expect(await storedRow(kiosk.deviceId)).toHaveLength(0);
      expect((await fetch(`${centre.baseUrl}/v1/hub/heartbeat`, { method: 'POST' })).status).toBe(401);

      const { unrelayedRecords: _dropped, ...missing } = valid;
      const malformed: unknown[] = [
        missing,
        { ...valid, unrelayedRecords: -1 },
        { ...valid, unrelayedBytes: 1.5 },
        { ...valid, oldestUnrelayedAgeMs: '90000' },
        { ...valid, protocolVersion: 99 },
        { ...valid, branchCode: 'CN02' },
        { ...valid, sentAt: null },
        { ...valid, appVersion: 'v'.repeat(65) },
        { ...valid, stalledJournals: [{ deviceId: 'not-a-uuid', journalId: crypto.randomUUID(), error: { code: 'x', detail: 'y' }, since: 0 }] },
        { ...valid, scopes: Array.from({ length: 11 }, (_, i) => ({ scope: `s${i}`, cursor: 0, upToDateAt: null })) },
        [],
        null,
      ];
      for (const body of malformed) {
        const res = await postHeartbeat(hub.identity.token, body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect((await res.json()).code).toBe('hub.bad-heartbeat');
      }
      expect(await storedRow(identity.deviceId)).toEqual(before);
      expect((await postHeartbeat(hub.identity.token, valid)).status).toBe(200);
    }, 60_000);

    it('a hub not heard from for more than 5 minutes is silent, with the figures of its last heartbeat; a revoked hub leaves the list', async () => {
      const identity = await newHubIdentity('CN01');
      const { hub } = await startHub(identity);
      await vi.waitFor(async () => expect(await storedRow(identity.deviceId)).toHaveLength(1), { timeout: 5_000, interval: 25 });
      await hub.heartbeat.stop();
      expect(await hub.heartbeat.sendOnce()).toBe('sent');
      const heard = centreClock.now();
      const sent = await overview(identity.deviceId);
      expect(sent).toMatchObject({ lastHeardAt: heard, silent: false });

      advance(HUB_SILENT_AFTER_MS);
      expect(await overview(identity.deviceId)).toEqual(sent);
      advance(1);
      expect(await overview(identity.deviceId)).toEqual({ ...sent, silent: true });
      expect(HUB_SILENT_AFTER_MS).toBe(5 * MIN);

      expect(await hub.heartbeat.sendOnce()).toBe('sent');
      expect(await overview(identity.deviceId)).toMatchObject({ lastHeardAt: centreClock.now(), silent: false });

      // Enrolled, never heard: silent once 5 minutes have passed since its enrolment.
      const quiet = await newHubIdentity('CN02');
      expect(await overview(quiet.deviceId)).toMatchObject({ lastHeardAt: null, report: null, silent: false });
      advance(HUB_SILENT_AFTER_MS + 1);
      expect(await overview(quiet.deviceId)).toMatchObject({ lastHeardAt: null, silent: true });

      const cn02 = HubsResponse.parse(await (await hubs('?branch=CN02')).json());
      expect(cn02.hubs.every((h) => h.branchCode === 'CN02')).toBe(true);
      expect(cn02.hubs.map((h) => h.hubDeviceId)).toContain(quiet.deviceId);
      expect(cn02).toMatchObject({ asOf: centreClock.now(), silentAfterMs: HUB_SILENT_AFTER_MS });
      await revokeDevice(centre.db, quiet.deviceId, centreClock.now());
      expect(await overview(quiet.deviceId)).toBeUndefined();
    }, 60_000);

    it('the list is for admin tokens only, and a bad query is a 400 hubs.bad-query', async () => {
      expect((await fetch(`${centre.baseUrl}/v1/admin/hubs`)).status).toBe(401);
      const kiosk = await enrolKiosk(centre.db, centre.baseUrl, centreClock, 22);
      const asKiosk = await hubs('', kiosk.token);
      expect(asKiosk.status).toBe(401);
      expect((await asKiosk.json()).code).toBe('auth.not-admin');
      for (const q of ['?branch=cn01', '?branch=', '?other=1']) {
        const res = await hubs(q);
        expect(res.status, q).toBe(400);
        expect((await res.json()).code).toBe('hubs.bad-query');
      }
      // The staff page of the centre draws them (its script asks the same route with the typed token).
      const page = await (await fetch(`${centre.baseUrl}/thong-ke`)).text();
      expect(page).toContain('/v1/admin/hubs');
      expect(page).toContain('Máy chủ chi nhánh');
    }, 60_000);
  });
}
