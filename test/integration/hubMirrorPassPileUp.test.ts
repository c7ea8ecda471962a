import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/shared/clock';
import { createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { hubOf } from '../../src/server/hub/hub';
import { enrolHub, toHubIdentity, type StoredIdentity } from '../../src/server/hub/identity';
import { enrolKiosk, startCentre } from './syncHarness';

const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));

/**
 * Every kiosk is above the hub's copy after a centre restore. Each of their pulls queues a mirror
 * pass of its own (runOnce is one-at-a-time, not shared): pulls that arrive together wait for one
 * another's passes, are answered 503 although the first pass already brought the hub up to the
 * centre, and the passes go on running after every answer was sent.
 */

/** Found in a review of the 2026-12-07 fixes: each case here failed against the first version of its fix. */
describe('hub pull above the mirror: one mirror pass per request', { timeout: 180_000 }, () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let identity: StoredIdentity;
  let hub: { app: FastifyInstance; db: Db; dir: string; base: string };
  let upstreamPulls = 0;
  let rttMs = 400;
  const linkFetch: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/v1/sync/pull')) upstreamPulls += 1;
    await new Promise((r) => setTimeout(r, rttMs)); // a WAN
    return fetch(input, init);
  };

  beforeAll(async () => {
    centre = await startCentre(clock);
    const { code } = await createEnrolCode(centre.db, 'CN01', 'hub', clock.now());
    identity = await enrolHub(centre.baseUrl, code, null);
    const db = await openPgliteDb(null);
    await migrate(db);
    const dir = mkdtempSync(join(tmpdir(), 'hpasc-hub-pileup-'));
    const app = buildServer({
      db,
      clock,
      version: 'test',
      blobDir: dir,
      hub: { upstreamUrl: centre.baseUrl, identity: toHubIdentity(identity), fetch: linkFetch, mirrorEveryMs: 600_000, relayEveryMs: 600_000 },
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    hub = { app, db, dir, base };
  });
  afterAll(async () => {
    await hub?.app.close().catch(() => undefined);
    await hub?.db.close().catch(() => undefined);
    if (hub) rmSync(hub.dir, { recursive: true, force: true });
    await centre?.close();
  });

  it('pulls arriving together share a pass and are answered once the hub is up to the centre', async () => {
    const kiosks = await Promise.all([41, 42, 43, 44, 45].map((slot) => enrolKiosk(centre.db, centre.baseUrl, clock, slot)));
    await hubOf(hub.app)!.mirror.runOnce(); // the hub is up to date with the centre (and knows the kiosks)
    upstreamPulls = 0;
    // The centre went back to a backup: each kiosk's cursor is above the centre's (and the hub's) top.
    const answers = await Promise.all(
      kiosks.map((k) =>
        fetch(`${hub.base}/v1/sync/pull`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${k.token}` },
          body: JSON.stringify({ protocolVersion: 1, scope: 'global', cursor: 1_000_000, limit: 100, withChecksum: false }),
        }).then((r) => r.status),
      ),
    );
    const pullsWhenAnswered = upstreamPulls;
    await new Promise((r) => setTimeout(r, 3_000));
    // One pass after the first request (3 scopes) suffices, two at most; every kiosk told to start over.
    expect({ answers, pullsWhenAnswered, pullsAfter: upstreamPulls }).toEqual({ answers: [200, 200, 200, 200, 200], pullsWhenAnswered: 6, pullsAfter: 6 });
  });

  it('a kiosk above a centre restored from a backup is told to start over, whatever the link’s round trip', async () => {
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 46);
    rttMs = 0;
    await hubOf(hub.app)!.mirror.runOnce(); // the hub is exactly the (restored) centre
    rttMs = 1_300; // a slow WAN: a pass (3 scope pulls + the device list) takes > 5 s
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 3_000)); // the kiosk's backoff between attempts
      const r = await fetch(`${hub.base}/v1/sync/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${kiosk.token}` },
        body: JSON.stringify({ protocolVersion: 1, scope: 'global', cursor: 1_000_000, limit: 100, withChecksum: false }),
      });
      statuses.push(r.status);
    }
    // Every attempt: 503 hub.mirror-behind, although the hub holds all the centre has (each attempt
    // waits for a pass of its own, which never fits in 5 s): the kiosk is never told to start over.
    expect(statuses).toContain(200);
  });
});
