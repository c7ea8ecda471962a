import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { hubOf } from '../../src/server/hub/hub';
import { queueSettings, queueToday } from '../../src/server/queue';
import { systemClock } from '../../src/shared/clock';
import { HubIdentityFile } from '../../src/shared/hub';
import { quantiles } from './stats';
import { BRANCH, hubBenchBranch, startBenchServer } from './syncFixtures';

/**
 * The processes of the hub bench (hub.bench.ts), each on its own like the machines they stand for:
 *   tsx scripts/bench/hubChild.ts centre      → the centre: in-memory PGlite, blob routes on a
 *     temporary folder, scans sealed, the real clock; `enrol <citizen|counter|hub>` → {code};
 *     `holds <deviceId,…>` → what the centre holds from those devices (HubBenchHolds)
 *   tsx scripts/bench/hubChild.ts hub <centre URL> <identity JSON> → the branch hub as `npm run hub`
 *     runs it: PGlite in a folder, blobs beside it, relay/mirror/heartbeat at their defaults;
 *     `status` → its HubStatus, `today` → {day} (the queue's day now), `timings` → server time per
 *     route since the start or the last `timings reset` (Record<route, RouteTiming>)
 * Both print one JSON line {baseUrl} when ready.
 */

/** Server time of one route at the hub (ms). */
export interface RouteTiming {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly totalMs: number;
}

/** What the centre holds from a set of devices (every record applied, every scan verified). */
export interface HubBenchHolds {
  readonly mutations: number;
  readonly rejected: number;
  /** Tickets applied (ticket.issue records the centre applied: each one stored its ticket). */
  readonly tickets: number;
  readonly dossiers: number;
  /** Dossiers with no scan missing. */
  readonly complete: number;
  /** Scans verified at the centre whose first owner is one of the devices. */
  readonly scans: number;
}

async function centre(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-hub-bench-centre-'));
  // On disk, as a centre keeps its data: each commit waits for its fsync, as the hub's do, so the
  // relay's two paths compare like with like (in memory the direct path flushed nothing).
  const db = await openPgliteDb(path.join(dir, 'pglite'));
  const server = await startBenchServer(db, systemClock, hubBenchBranch(), { blobDir: path.join(dir, 'blobs') });
  console.log(JSON.stringify({ baseUrl: server.baseUrl }));
  const n = (v: unknown) => Number(v ?? 0);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, arg = ''] = line.split(' ');
    if (command === 'enrol') {
      const role = arg === 'counter' || arg === 'hub' ? arg : 'citizen';
      console.log(JSON.stringify({ code: (await createEnrolCode(db, BRANCH, role, systemClock.now())).code }));
    } else if (command === 'holds') {
      const ids = arg.split(',').filter(Boolean);
      const [row] = await db.query<Record<keyof HubBenchHolds, unknown>>(
        // Polled every 25 ms while the centre works: one pass over the devices' mutations (by its
        // index; tickets has none by device, and counting it took 6 ms a poll, a quarter of a core).
        `SELECT m.mutations, m.rejected, m.tickets,
           (SELECT count(*) FROM received_dossiers WHERE device_id = ANY($1::uuid[])) AS dossiers,
           (SELECT count(*) FROM received_dossiers WHERE device_id = ANY($1::uuid[]) AND blobs_missing = 0) AS complete,
           (SELECT count(*) FROM blob_owners WHERE device_id = ANY($1::uuid[])) AS scans
         FROM (SELECT count(*) AS mutations, count(*) FILTER (WHERE status <> 'applied') AS rejected,
                 count(*) FILTER (WHERE status = 'applied' AND name LIKE 'ticket.issue@%') AS tickets
               FROM mutations WHERE device_id = ANY($1::uuid[])) m`,
        [ids],
      );
      const holds: HubBenchHolds = {
        mutations: n(row?.mutations),
        rejected: n(row?.rejected),
        tickets: n(row?.tickets),
        dossiers: n(row?.dossiers),
        complete: n(row?.complete),
        scans: n(row?.scans),
      };
      console.log(JSON.stringify(holds));
    }
  }
  await server.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}

async function hub(): Promise<void> {
  const [upstreamUrl, identityJson] = process.argv.slice(3);
  if (!upstreamUrl || !identityJson) throw new Error('usage: hubChild.ts hub <centre URL> <identity JSON>');
  const identity = HubIdentityFile.parse(JSON.parse(identityJson));
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-hub-bench-hub-'));
  const db = await openPgliteDb(path.join(dir, 'pglite'));
  await migrate(db);
  const app = buildServer({
    db,
    clock: systemClock,
    version: 'bench',
    logger: false,
    dataProtection: ephemeralDataProtection(),
    blobDir: path.join(dir, 'blobs'),
    hub: { upstreamUrl, identity: { deviceId: identity.deviceId, branchCode: identity.branchCode, token: identity.token } },
  });
  // Server time per route (request received → answer sent), for the bench's report.
  const timings = new Map<string, number[]>();
  app.addHook('onResponse', async (request, reply) => {
    const route = `${request.method} ${request.routeOptions.url ?? '?'}`;
    const list = timings.get(route) ?? [];
    list.push(reply.elapsedTime);
    timings.set(route, list);
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ baseUrl }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'timings reset') {
      timings.clear();
      console.log('{}');
    } else if (line === 'timings') {
      const out: Record<string, RouteTiming> = {};
      for (const [route, ms] of timings) {
        const q = quantiles(ms);
        out[route] = { count: q.samples, p50: q.p50, p95: q.p95, totalMs: ms.reduce((a, b) => a + b, 0) };
      }
      console.log(JSON.stringify(out));
    } else if (line === 'status') console.log(JSON.stringify(await hubOf(app)!.status()));
    else if (line === 'today') console.log(JSON.stringify({ day: queueToday(await queueSettings(db, BRANCH), systemClock.now()) }));
  }
  await app.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}

const mode = process.argv[2];
const modes: Record<string, () => Promise<void>> = { centre, hub };
(modes[mode ?? ''] ?? (() => Promise.reject(new Error('usage: hubChild.ts centre|hub …'))))().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
