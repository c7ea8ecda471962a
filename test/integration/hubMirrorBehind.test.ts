import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/shared/clock';
import { createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { hubOf } from '../../src/server/hub/hub';
import { enrolHub, toHubIdentity, type StoredIdentity } from '../../src/server/hub/identity';
import { getCursor, readPublishedOne } from '../../src/storage/referenceRepository';
import { enrolKiosk, procedure, publish, startCentre } from './syncHarness';

/**
 * Review: a kiosk whose cursor is above the hub's mirror (it pulled from the centre, or from the
 * hub before the hub lost its database) is answered "the feed ends at <hub top>", which the kiosk
 * takes for a restored server: it drops the whole scope and re-pulls the hub's older (or empty)
 * copy. Published changes it already held disappear from it until the hub's mirror catches up
 * (never, while the hub cannot reach the centre).
 */
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));

/**
 * A kiosk whose cursors are ahead of a hub's copy of the centre's scopes (found in review,
 * 2026-12-07): a late mirror is not a centre restored from a backup, so the kiosk keeps its data.
 */
describe('kiosk ahead of the hub mirror', { timeout: 180_000 }, () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let identity: StoredIdentity;
  /** The hub's link to the centre: cut, its pulls held 5 s, its round trip, and the pulls it carried. */
  const link = { down: false, holdPulls: false, rttMs: 0, pulls: 0 };
  const linkFetch: typeof fetch = async (input, init) => {
    if (link.down) throw new TypeError('fetch failed (link cut by the test)');
    if (String(input).endsWith('/v1/sync/pull')) link.pulls += 1;
    if (link.rttMs > 0) await new Promise((r) => setTimeout(r, link.rttMs));
    // A slow WAN: the mirror's pulls of a big catalog take long; the device list is small.
    if (link.holdPulls && String(input).endsWith('/v1/sync/pull')) await new Promise((r) => setTimeout(r, 5_000));
    return fetch(input, init);
  };
  const running: { app: FastifyInstance; db: Db; dir: string }[] = [];

  async function startHub(): Promise<{ app: FastifyInstance; db: Db; base: string }> {
    const db = await openPgliteDb(null);
    await migrate(db);
    const dir = mkdtempSync(join(tmpdir(), 'hpasc-hub-behind-'));
    const app = buildServer({
      db,
      clock,
      version: 'test',
      blobDir: dir,
      hub: { upstreamUrl: centre.baseUrl, identity: toHubIdentity(identity), fetch: linkFetch, mirrorEveryMs: 600_000, relayEveryMs: 600_000 },
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    running.push({ app, db, dir });
    return { app, db, base };
  }

  beforeAll(async () => {
    centre = await startCentre(clock);
    const { code } = await createEnrolCode(centre.db, 'CN01', 'hub', clock.now());
    identity = await enrolHub(centre.baseUrl, code, null);
    expect(
      (await publish(centre.baseUrl, centre.adminToken, 'global', [{ entity: 'procedure', op: 'put', data: procedure('1.000001', 'Thủ tục một') }])).status,
    ).toBe(200);
  });
  afterEach(async () => {
    Object.assign(link, { down: false, holdPulls: false, rttMs: 0, pulls: 0 });
    for (const h of running.splice(0)) {
      await h.app.close().catch(() => undefined);
      await h.db.close().catch(() => undefined);
      rmSync(h.dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await centre?.close();
  });

  it('a kiosk moved from the centre to a hub whose link is down keeps what it pulled from the centre', async () => {
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 31);
    const hub = await startHub();
    await hubOf(hub.app)!.mirror.runOnce(); // knows the kiosk, mirrors global up to here
    link.down = true; // the branch's WAN goes down for the hub
    expect(
      (await publish(centre.baseUrl, centre.adminToken, 'global', [{ entity: 'procedure', op: 'put', data: procedure('1.000002', 'Thủ tục hai') }])).status,
    ).toBe(200);
    await kiosk.engine.runOnce({ blobs: false }); // still on the centre: pulls the new procedure
    const cursorAtCentre = await getCursor(kiosk.reference, 'global');
    expect(await readPublishedOne(kiosk.reference, 'global', 'procedure', '1.000002')).not.toBeNull();

    kiosk.moveTo(hub.base);
    // The hub cannot reach the centre to catch up: the kiosk is told to ask again later, and must not
    // throw away a published change it holds because the hub has not got it yet. The run itself
    // succeeds (the scope is pulled again next run), so the kiosk's records still go to the hub at
    // once, not after a backoff.
    const late = await kiosk.engine.runOnce({ blobs: false });
    expect(late.pullLate).toContain('global');
    expect(await readPublishedOne(kiosk.reference, 'global', 'procedure', '1.000002')).not.toBeNull();
    expect(await getCursor(kiosk.reference, 'global')).toBe(cursorAtCentre);
    // The link comes back: the hub catches up during the kiosk's pull, and nothing is pulled again.
    link.down = false;
    const report = await kiosk.engine.runOnce({ blobs: false });
    expect(report.repulled).toEqual([]);
    expect(await readPublishedOne(kiosk.reference, 'global', 'procedure', '1.000002')).not.toBeNull();
    expect(await getCursor(kiosk.reference, 'global')).toBe(cursorAtCentre);
  });

  it('a kiosk behind a hub that lost its database keeps its catalog while the new hub mirrors', async () => {
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 32);
    await kiosk.engine.runOnce({ blobs: false });
    expect(await readPublishedOne(kiosk.reference, 'global', 'procedure', '1.000001')).not.toBeNull();
    expect(await readPublishedOne(kiosk.reference, 'branch:CN01', 'branchConfig', 'CN01')).not.toBeNull();
    // A hub starting empty (its disk replaced); its first mirror pass is under way over a slow link.
    link.holdPulls = true;
    const hub = await startHub();
    kiosk.moveTo(hub.base);
    // The hub reads the kiosk's credential from the centre at once (devicesNow) and answers its pull.
    const late = await kiosk.engine.runOnce({ blobs: false });
    expect(late.pullLate).toEqual(expect.arrayContaining(['global', 'branch:CN01']));
    expect(await readPublishedOne(kiosk.reference, 'global', 'procedure', '1.000001')).not.toBeNull();
    expect(await readPublishedOne(kiosk.reference, 'branch:CN01', 'branchConfig', 'CN01')).not.toBeNull();
  });
  /** A pull from a kiosk whose cursor is above every feed's end (the centre went back to a backup); its status. */
  const pullAhead = (base: string, token: string): Promise<number> =>
    fetch(`${base}/v1/sync/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ protocolVersion: 1, scope: 'global', cursor: 1_000_000, limit: 100, withChecksum: false }),
    }).then((r) => r.status);

  // Found in a review of the first version of the fix (2026-12-07), which gave each such pull a pass
  // of its own: pulls arriving together waited for one another's passes and were answered 503
  // although the first pass had brought the hub up to the centre; over a slow link every try was.
  it('pulls arriving together share a pass and are answered once the hub is up to the centre', async () => {
    const kiosks = await Promise.all([41, 42, 43, 44, 45].map((slot) => enrolKiosk(centre.db, centre.baseUrl, clock, slot)));
    link.rttMs = 400; // a WAN
    const hub = await startHub();
    await hubOf(hub.app)!.mirror.runOnce(); // the hub is up to date with the centre (and knows the kiosks)
    link.pulls = 0;
    const answers = await Promise.all(kiosks.map((k) => pullAhead(hub.base, k.token)));
    const pullsWhenAnswered = link.pulls;
    await new Promise((r) => setTimeout(r, 3_000));
    // One pass after the first request (3 scopes) suffices, two at most; every kiosk told to start over.
    expect({ answers, pullsWhenAnswered, pullsAfter: link.pulls }).toEqual({ answers: [200, 200, 200, 200, 200], pullsWhenAnswered: 6, pullsAfter: 6 });
  });

  it('a kiosk above a centre restored from a backup is told to start over, whatever the link’s round trip', async () => {
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 46);
    const hub = await startHub();
    await hubOf(hub.app)!.mirror.runOnce(); // the hub is exactly the (restored) centre
    link.rttMs = 1_300; // a slow WAN: a pass (3 scope pulls + the device list) takes > 5 s
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 3_000)); // the kiosk's backoff between attempts
      statuses.push(await pullAhead(hub.base, kiosk.token));
    }
    expect(statuses).toContain(200);
  });
});
