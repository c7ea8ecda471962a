/**
 * Draining an offline backlog (issue 3, "Speed"): a kiosk that issued 10,000 tickets while offline
 * comes back online. Ours: the real SyncEngine + HTTP transport, kiosk journal on fake-indexeddb,
 * pushing over loopback to the real server on in-memory PGlite in a process of its own (a kiosk
 * and its server are different machines); timed from engine.runOnce() until it returns with the
 * outbox empty (the server's ticket count is checked after the clock stops).
 * Peer, same run, same JSON: PouchDB one-shot replication of the same ticket arguments from a
 * memory PouchDB to express-pouchdb (memory adapter) on loopback port 0, also in a process of its
 * own. Making the backlog is outside both timings.
 * Run alone: `npx tsx scripts/bench/drain.bench.ts` (DRAIN_RECORDS=n to change the size,
 * DRAIN_BATCH=n the mutations per push).
 * Targets: ≤ 20 s for 10,000 records, and ≥ 2× faster than the PouchDB peer.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fixedClock } from '../../src/shared/clock';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { issueTicket } from '../../src/storage/ticketRepository';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { PUSH_BATCH_MUTATIONS } from '../../src/shared/sync';
import { SyncEngine } from '../../src/sync/SyncEngine';
import type { Transport } from '../../src/sync/Transport';
import { startChildServer } from './child';
import { recordFigure } from './figures';
import { BRANCH, benchBranch, nodeRandom, round, verdict, type DbCounters } from './syncFixtures';

export const DRAIN_TARGETS = { records: 10_000, maxSeconds: 20, minSpeedup: 2 } as const;
/** Mutations per push (DRAIN_BATCH=n to try another size; default: what kiosks send). */
const DRAIN_BATCH = process.env.DRAIN_BATCH ? Number(process.env.DRAIN_BATCH) : PUSH_BATCH_MUTATIONS;

export interface DrainProfile {
  /** Push requests and the wall time spent waiting for them (HTTP + server work). */
  readonly pushRequests: number;
  readonly pushMs: number;
  /** Of pushMs: time inside the server's per-mutation SQL transactions. */
  readonly serverTxMs: number;
  readonly serverTransactions: number;
  /** SQL statements per mutation (inside transactions, plus outside ones; BEGIN/COMMIT not counted). */
  readonly sqlPerMutation: number;
  readonly pullRequests: number;
  readonly pullMs: number;
  /** runOnce minus push and pull waits: the kiosk's own Dexie work (read batch, confirm batch, meta). */
  readonly kioskMs: number;
}

export interface DrainBenchResult {
  readonly records: number;
  readonly backlogMs: number;
  readonly ours: { readonly ms: number; readonly perSecond: number; readonly serverCount: number; readonly profile: DrainProfile };
  readonly pouch: {
    readonly runs: readonly { readonly label: string; readonly ms: number; readonly perSecond: number; readonly remoteCount: number }[];
    readonly best: { readonly label: string; readonly ms: number; readonly perSecond: number };
  };
  /** best PouchDB time ÷ our time (> 1: ours is faster). */
  readonly speedup: number;
  readonly pass: { readonly time: boolean; readonly speedup: boolean };
}

const START = Date.UTC(2026, 10, 24, 1, 0, 0);
/** A kiosk issues a few hundred tickets a day: the backlog spans days, as a long outage would. */
const TICKETS_PER_DAY = 600;

async function drainOurs(records: number): Promise<{ backlogMs: number; ours: DrainBenchResult['ours']; args: unknown[] }> {
  const clock = fixedClock(START);
  // The server runs in its own process, as it does in a branch (another machine).
  const server = await startChildServer('kiosk');
  try {
    const { code } = await server.ask<{ code: string }>('enrol');
    const deviceId = randomUUID();
    const { token } = await createHttpTransport({ baseUrl: server.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'citizen' });
    const idb = new IDBFactory();
    const db = new KioskDb(`drain-${deviceId}-journal`, { indexedDB: idb, IDBKeyRange });
    const reference = new ReferenceDb(`drain-${deviceId}-reference`, { indexedDB: idb, IDBKeyRange });
    const branch = benchBranch();
    const groups = branch.serviceGroups.filter((g) => g.active);

    const backlogStart = performance.now();
    for (let i = 0; i < records; i++) {
      if (i > 0 && i % TICKETS_PER_DAY === 0) clock.advance(24 * 3600_000 - TICKETS_PER_DAY * 30_000);
      clock.advance(30_000);
      const group = groups[i % groups.length]!;
      await issueTicket(db, { deviceId, kioskSlot: 0, branch, group, priority: i % 9 === 0 }, clock, nodeRandom);
    }
    const backlogMs = performance.now() - backlogStart;
    const args = (await db.outbox.orderBy('deviceSeq').toArray()).map((e) => e.args);
    if (args.length !== records) throw new Error(`backlog has ${args.length} outbox entries, expected ${records}`);

    const profile = { pushRequests: 0, pushMs: 0, pullRequests: 0, pullMs: 0 };
    const http = createHttpTransport({ baseUrl: server.baseUrl, token: () => token });
    const timed: Transport = {
      ...http,
      async push(request) {
        const t = performance.now();
        try {
          return await http.push(request);
        } finally {
          profile.pushRequests++;
          profile.pushMs += performance.now() - t;
        }
      },
      async pull(request) {
        const t = performance.now();
        try {
          return await http.pull(request);
        } finally {
          profile.pullRequests++;
          profile.pullMs += performance.now() - t;
        }
      },
    };
    const engine = new SyncEngine({ db, reference, transport: timed, branchCode: BRANCH, clock, pushBatchSize: DRAIN_BATCH });
    await server.ask('reset');
    const start = performance.now();
    const report = await engine.runOnce();
    const ms = performance.now() - start;

    const left = await db.outbox.count();
    const c = await server.ask<{ tickets: number } & DbCounters>('stats');
    const serverCount = c.tickets;
    if (left !== 0 || serverCount !== records || report.applied !== records) {
      throw new Error(`drain incomplete: outbox ${left}, server tickets ${serverCount}, applied ${report.applied} (expected ${records})`);
    }
    db.close();
    reference.close();
    return {
      backlogMs,
      args,
      ours: {
        ms,
        perSecond: (records / ms) * 1000,
        serverCount,
        profile: {
          ...profile,
          serverTxMs: c.txMs,
          serverTransactions: c.transactions,
          sqlPerMutation: (c.txQueries + c.queries) / records,
          kioskMs: ms - profile.pushMs - profile.pullMs,
        },
      },
    };
  } finally {
    await server.close();
  }
}

/** Just what this bench calls of PouchDB (the packages ship no types). */
interface PouchDb {
  bulkDocs(docs: readonly object[]): Promise<unknown>;
  info(): Promise<{ doc_count: number }>;
  destroy(): Promise<unknown>;
}
interface PouchStatic {
  new (name: string, options?: { adapter?: string }): PouchDb;
  plugin(plugin: unknown): PouchStatic;
  defaults(options: { adapter: string }): PouchStatic;
  replicate(source: PouchDb, target: PouchDb, options?: { batch_size?: number }): Promise<{ ok: boolean; docs_written: number }>;
}

async function drainPouch(args: readonly unknown[]): Promise<DrainBenchResult['pouch']> {
  const require = createRequire(import.meta.url);
  const PouchDB = (require('pouchdb-core') as PouchStatic)
    .plugin(require('pouchdb-adapter-memory'))
    .plugin(require('pouchdb-adapter-http'))
    .plugin(require('pouchdb-replication'));
  // The PouchDB server runs in its own process too (express-pouchdb, memory adapter).
  const server = await startChildServer('pouch');
  const base = server.baseUrl;
  const docs = args.map((a) => ({ ...(a as Record<string, unknown>), _id: (a as { id: string }).id }));
  // pouchdb-replication's default batch_size is already 100 (= our MAX_PUSH_MUTATIONS); the
  // second run gives PouchDB bigger batches, in case that is its better setting.
  const settings = [
    { label: 'default (batch_size 100)', options: {} },
    { label: 'batch_size 1000', options: { batch_size: 1000 } },
  ];
  const runs: { label: string; ms: number; perSecond: number; remoteCount: number }[] = [];
  try {
    for (const [i, s] of settings.entries()) {
      const local = new PouchDB(`drain-local-${i}`, { adapter: 'memory' });
      await local.bulkDocs(docs);
      const remote = new PouchDB(`${base}/drain-remote-${i}`);
      const start = performance.now();
      const r = await PouchDB.replicate(local, remote, s.options);
      const ms = performance.now() - start;
      const remoteCount = (await remote.info()).doc_count;
      if (!r.ok || remoteCount !== docs.length) throw new Error(`PouchDB ${s.label}: remote holds ${remoteCount} of ${docs.length}`);
      runs.push({ label: s.label, ms, perSecond: (docs.length / ms) * 1000, remoteCount });
      await local.destroy();
      await remote.destroy();
    }
  } finally {
    await server.close();
  }
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { runs, best: { label: best.label, ms: best.ms, perSecond: best.perSecond } };
}

export async function runDrainBench(options: { records?: number } = {}): Promise<DrainBenchResult> {
  const records = options.records ?? Number(process.env.DRAIN_RECORDS ?? DRAIN_TARGETS.records);
  const { backlogMs, ours, args } = await drainOurs(records);
  const pouch = await drainPouch(args);
  const speedup = pouch.best.ms / ours.ms;
  const scaled = ours.ms * (DRAIN_TARGETS.records / records);
  return {
    records,
    backlogMs,
    ours,
    pouch,
    speedup,
    pass: { time: scaled <= DRAIN_TARGETS.maxSeconds * 1000, speedup: speedup >= DRAIN_TARGETS.minSpeedup },
  };
}

export function printDrainBench(r: DrainBenchResult): void {
  const s = (ms: number): string => `${round(ms / 1000)} s`;
  const p = r.ours.profile;
  console.log(`backlog ${r.records} tickets issued offline with issueTicket (fake-indexeddb): ${s(r.backlogMs)} (not timed)`);
  console.log(
    `ours    SyncEngine.runOnce → PGlite over HTTP, ${DRAIN_BATCH} per push: ${s(r.ours.ms)}, ${Math.round(r.ours.perSecond)} records/s, server holds ${r.ours.serverCount}`,
  );
  for (const run of r.pouch.runs) {
    console.log(`pouch   replicate ${run.label}: ${s(run.ms)}, ${Math.round(run.perSecond)} records/s, remote holds ${run.remoteCount}`);
  }
  console.log(`ratio   PouchDB best (${r.pouch.best.label}) ÷ ours: ${round(r.speedup)}× (> 1 = ours faster)`);
  const share = (ms: number): string => `${s(ms)} (${Math.round((ms / r.ours.ms) * 100)} %)`;
  console.log(
    `where   push HTTP ${share(p.pushMs)} in ${p.pushRequests} requests, of which server SQL transactions ${share(p.serverTxMs)} ` +
      `(${p.serverTransactions} transactions, ${round(p.sqlPerMutation, 1)} statements/mutation + BEGIN/COMMIT); ` +
      `rest of push (HTTP, JSON, auth, zod) ${share(p.pushMs - p.serverTxMs)}; pull ${share(p.pullMs)} in ${p.pullRequests} requests; ` +
      `kiosk Dexie (read + confirm batches) ${share(p.kioskMs)}`,
  );
  const note = r.records === DRAIN_TARGETS.records ? '' : ` (scaled to ${DRAIN_TARGETS.records})`;
  console.log(
    `target  ${DRAIN_TARGETS.records} records ≤ ${DRAIN_TARGETS.maxSeconds} s: ${verdict(r.pass.time)}${note}; ` +
      `≥ ${DRAIN_TARGETS.minSpeedup}× PouchDB: ${verdict(r.pass.speedup)} (${round(r.speedup)}×)`,
  );
  recordFigure({
    figure: `drain ${r.records.toLocaleString('en')} offline records → PGlite`,
    measured: `${s(r.ours.ms)}${note}`,
    target: `≤ ${DRAIN_TARGETS.maxSeconds} s`,
    pass: r.pass.time,
  });
  recordFigure({
    figure: 'same vs PouchDB → express-pouchdb',
    measured: `${round(r.speedup)}× PouchDB's best (${s(r.pouch.best.ms)})`,
    target: `≥ ${DRAIN_TARGETS.minSpeedup}×`,
    pass: r.pass.speedup,
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printDrainBench(await runDrainBench());
}
