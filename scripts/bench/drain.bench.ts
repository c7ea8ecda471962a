/**
 * Draining an offline backlog (issue 3, "Speed"): a kiosk that issued 10,000 tickets while offline
 * comes back online. Ours: the real SyncEngine + HTTP transport, kiosk journal on fake-indexeddb,
 * pushing over loopback to the real server in a process of its own (a kiosk and its server are
 * different machines), on PGlite in a folder (the embedded default, as `npm start` runs it) and on
 * a durable PostgreSQL (postgresUrl(): its own PG_DURABLE cluster unless BENCH_DATABASE_URL /
 * TEST_DATABASE_URL say otherwise; judged only when durable); timed from engine.runOnce() until it
 * returns with the outbox empty (the server's ticket count is checked after the clock stops). The
 * backlog is made once and copied into a fresh kiosk database for each server.
 * Peer, same run, same JSON: PouchDB one-shot replication of the same ticket arguments from a
 * memory PouchDB to express-pouchdb (memory adapter) on loopback port 0, also in a process of its
 * own. Making the backlog is outside both timings.
 * Run alone: `npx tsx scripts/bench/drain.bench.ts` (DRAIN_RECORDS=n to change the size,
 * DRAIN_BATCH=n the mutations per push).
 * Targets: ≤ 20 s for 10,000 records; ≥ 2× faster than the PouchDB peer on PGlite, ≥ 5× on PostgreSQL.
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
import { recordFigure, recordSkipped } from './figures';
import {
  BRANCH,
  benchBranch,
  describeDurability,
  isDurable,
  nodeRandom,
  postgresUrl,
  round,
  verdict,
  type DbCounters,
  type PostgresDurability,
} from './syncFixtures';

export const DRAIN_TARGETS = { records: 10_000, maxSeconds: 20, minSpeedup: 2, minSpeedupPostgres: 5 } as const;
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

export interface DrainRun {
  readonly server: DrainServer;
  /** PostgreSQL's commit settings as the server's sessions see them; null on PGlite. */
  readonly durability: PostgresDurability | null;
  readonly ms: number;
  readonly perSecond: number;
  readonly serverCount: number;
  readonly profile: DrainProfile;
}

export interface DrainBenchResult {
  readonly records: number;
  readonly backlogMs: number;
  readonly runs: readonly DrainRun[];
  /** A server that could not be measured here (no PostgreSQL), with the reason. */
  readonly skipped: readonly { readonly server: DrainServer; readonly reason: string }[];
  readonly pouch: {
    readonly runs: readonly { readonly label: string; readonly ms: number; readonly perSecond: number; readonly remoteCount: number }[];
    readonly best: { readonly label: string; readonly ms: number; readonly perSecond: number };
  };
}

const START = Date.UTC(2026, 10, 24, 1, 0, 0);
/** A kiosk issues a few hundred tickets a day: the backlog spans days, as a long outage would. */
const TICKETS_PER_DAY = 600;

/** The kiosk's offline backlog, made once and copied into a fresh kiosk database per server. */
interface Backlog {
  readonly deviceId: string;
  readonly ms: number;
  readonly args: unknown[];
  readonly rows: { readonly [table: string]: unknown[] };
}

const BACKLOG_TABLES = ['outbox', 'settings', 'counters', 'tickets'] as const;

async function makeBacklog(records: number): Promise<Backlog> {
  const clock = fixedClock(START);
  const deviceId = randomUUID();
  const db = new KioskDb(`drain-${deviceId}-backlog`, { indexedDB: new IDBFactory(), IDBKeyRange });
  const branch = benchBranch();
  const groups = branch.serviceGroups.filter((g) => g.active);
  const start = performance.now();
  for (let i = 0; i < records; i++) {
    if (i > 0 && i % TICKETS_PER_DAY === 0) clock.advance(24 * 3600_000 - TICKETS_PER_DAY * 30_000);
    clock.advance(30_000);
    const group = groups[i % groups.length]!;
    await issueTicket(db, { deviceId, kioskSlot: 0, branch, group, priority: i % 9 === 0 }, clock, nodeRandom);
  }
  const ms = performance.now() - start;
  const args = (await db.outbox.orderBy('deviceSeq').toArray()).map((e) => e.args);
  if (args.length !== records) throw new Error(`backlog has ${args.length} outbox entries, expected ${records}`);
  const rows: Record<string, unknown[]> = {};
  for (const table of BACKLOG_TABLES) rows[table] = await db.table(table).toArray();
  db.close();
  return { deviceId, ms, args, rows };
}

/** Where the server under test keeps its data (childServer.ts kiosk …). */
export interface DrainServer {
  /** In the figures: "PGlite on disk", "PostgreSQL (durable)". */
  readonly label: string;
  readonly childArgs: readonly string[];
  readonly minSpeedup: number;
}

async function drainOurs(backlog: Backlog, target: DrainServer): Promise<DrainRun> {
  const clock = fixedClock(START + 30 * 24 * 3600_000);
  const records = backlog.args.length;
  // The server runs in its own process, as it does in a branch (another machine).
  const server = await startChildServer('kiosk', target.childArgs);
  try {
    const durability = await server.ask<PostgresDurability | null>('durability');
    const { code } = await server.ask<{ code: string }>('enrol');
    const { deviceId } = backlog;
    const { token } = await createHttpTransport({ baseUrl: server.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'citizen' });
    const idb = new IDBFactory();
    const db = new KioskDb(`drain-${deviceId}-journal`, { indexedDB: idb, IDBKeyRange });
    const reference = new ReferenceDb(`drain-${deviceId}-reference`, { indexedDB: idb, IDBKeyRange });
    for (const table of BACKLOG_TABLES) {
      await db.table(table).clear();
      await db.table(table).bulkPut(backlog.rows[table]!);
    }

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
      throw new Error(`drain to ${target.label} incomplete: outbox ${left}, server tickets ${serverCount}, applied ${report.applied} (expected ${records})`);
    }
    db.close();
    reference.close();
    return {
      server: target,
      durability,
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
  const backlog = await makeBacklog(records);
  const runs: DrainRun[] = [];
  const skipped: { server: DrainServer; reason: string }[] = [];
  runs.push(await drainOurs(backlog, { label: 'PGlite on disk', childArgs: [], minSpeedup: DRAIN_TARGETS.minSpeedup }));
  const postgres: DrainServer = { label: 'PostgreSQL', childArgs: [], minSpeedup: DRAIN_TARGETS.minSpeedupPostgres };
  const pg = postgresUrl();
  if (pg.url === null) skipped.push({ server: postgres, reason: pg.reason });
  else {
    try {
      runs.push(await drainOurs(backlog, { ...postgres, childArgs: ['postgres', pg.url] }));
    } finally {
      pg.stop?.();
    }
  }
  const pouch = await drainPouch(backlog.args);
  return { records, backlogMs: backlog.ms, runs, skipped, pouch };
}

export function printDrainBench(r: DrainBenchResult): void {
  const s = (ms: number): string => `${round(ms / 1000)} s`;
  const note = r.records === DRAIN_TARGETS.records ? '' : ` (scaled to ${DRAIN_TARGETS.records})`;
  console.log(
    `backlog ${r.records} tickets issued offline with issueTicket (fake-indexeddb): ${s(r.backlogMs)} (not timed), copied into a fresh kiosk per server`,
  );
  for (const run of r.pouch.runs) {
    console.log(`pouch   replicate ${run.label}: ${s(run.ms)}, ${Math.round(run.perSecond)} records/s, remote holds ${run.remoteCount}`);
  }
  for (const run of r.runs) {
    const p = run.profile;
    const speedup = r.pouch.best.ms / run.ms;
    const scaled = run.ms * (DRAIN_TARGETS.records / r.records);
    const durable = run.durability === null || isDurable(run.durability);
    const where = run.durability ? ` (${describeDurability(run.durability)})` : '';
    console.log(
      `ours    SyncEngine.runOnce → ${run.server.label}${where} over HTTP, ${DRAIN_BATCH} per push: ${s(run.ms)}, ${Math.round(run.perSecond)} records/s, server holds ${run.serverCount}`,
    );
    const share = (ms: number): string => `${s(ms)} (${Math.round((ms / run.ms) * 100)} %)`;
    console.log(
      `where   push HTTP ${share(p.pushMs)} in ${p.pushRequests} requests, of which server SQL transactions ${share(p.serverTxMs)} ` +
        `(${p.serverTransactions} transactions, ${round(p.sqlPerMutation, 1)} statements/mutation + BEGIN/COMMIT); ` +
        `rest of push (HTTP, JSON, auth, zod) ${share(p.pushMs - p.serverTxMs)}; pull ${share(p.pullMs)} in ${p.pullRequests} requests; ` +
        `kiosk Dexie (read + confirm batches) ${share(p.kioskMs)}`,
    );
    const fast = speedup >= run.server.minSpeedup;
    console.log(
      `target  ${DRAIN_TARGETS.records} records ≤ ${DRAIN_TARGETS.maxSeconds} s: ${verdict(scaled <= DRAIN_TARGETS.maxSeconds * 1000)}${note}; ` +
        `≥ ${run.server.minSpeedup}× PouchDB (best: ${r.pouch.best.label}): ${durable ? verdict(fast) : 'not judged (not a durable cluster)'} (${round(speedup)}×)`,
    );
    recordFigure({
      figure: `drain ${r.records.toLocaleString('en')} offline records → ${run.server.label}`,
      measured: `${s(run.ms)}${note}, ${round(speedup)}× PouchDB's best (${s(r.pouch.best.ms)})`,
      target: `≤ ${DRAIN_TARGETS.maxSeconds} s, ≥ ${run.server.minSpeedup}× PouchDB`,
      pass: durable ? scaled <= DRAIN_TARGETS.maxSeconds * 1000 && fast : null,
      ...(durable ? {} : { note: 'not judged: the cluster is not durable' }),
    });
  }
  for (const { server, reason } of r.skipped) {
    console.log(`SKIPPED — drain → ${server.label}: ${reason}`);
    recordSkipped(`drain ${r.records.toLocaleString('en')} offline records → ${server.label}`, reason);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printDrainBench(await runDrainBench());
}
