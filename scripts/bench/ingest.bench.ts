/**
 * Server ingest under load (issue 3, "Speed"): 20 enrolled kiosks, each with its own journal,
 * push concurrently over HTTP (fetch, keep-alive) to the real server on loopback port 0, one
 * request in flight per kiosk as the sync engine does. Each push is a batch of 10–50 mutations,
 * ticket.issue@1 and rating.submit@1 alternating, with a gapless deviceSeq and ticket numbers from
 * the kiosk's own slot (branch configuration published with 20 slots). Figures: applied
 * records/s, per-request latency p50/p99, errors, and SQL statements per mutation.
 * Main run on real PostgreSQL with the durability a centre runs (a throwaway cluster from
 * `PG_DURABLE=1 scripts/ci-postgres.sh`, or BENCH_DATABASE_URL / TEST_DATABASE_URL as given; skipped
 * with the reason when none is available). The cluster's fsync, synchronous_commit and
 * full_page_writes are read and printed; the targets are judged only when all three make a commit
 * durable, otherwise the figure is printed as not comparable. Side figure, same length, same
 * cluster: a fresh database whose sessions run with synchronous_commit=off (commits stop waiting
 * for the WAL flush; nothing else changes), with the ratio — what durability costs. The same load
 * for a shorter time on in-memory PGlite is the last comparison line.
 * Run alone: `npx tsx scripts/bench/ingest.bench.ts`. Env: INGEST_SECONDS (60, each PostgreSQL run),
 * INGEST_PGLITE_SECONDS (10), INGEST_KIOSKS (20), INGEST_POOL (PostgreSQL pool size; the server's
 * default when unset).
 * Targets: ≥ 1,000 records/s with p99 ≤ 250 ms (on durable PostgreSQL).
 */
import { fileURLToPath } from 'node:url';
import { ticketNumberFor } from '../../src/domain/ticketNumbering';
import type { Db } from '../../src/server/db/Db';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import type { BranchConfig } from '../../src/shared/branchConfig';
import { systemClock } from '../../src/shared/clock';
import { uuidv7 } from '../../src/shared/ids';
import { RATING_REASONS, SATISFACTION_LEVELS } from '../../src/shared/published';
import { SYNC_PROTOCOL_VERSION, type MutationEnvelope, type PushRequest } from '../../src/shared/sync';
import { JOURNAL_SCHEMA_VERSION } from '../../src/storage/KioskDb';
import {
  BRANCH,
  benchBranch,
  countingDb,
  describeDurability,
  enrolDevice,
  freshPostgresDb,
  isDurable,
  nodeRandom,
  percentile,
  postgresDurability,
  postgresUrl,
  round,
  startBenchServer,
  verdict,
  type PostgresDurability,
} from './syncFixtures';
import { recordFigure, recordSkipped } from './figures';

export const INGEST_TARGETS = { perSecond: 1000, p99Ms: 250 } as const;

export interface IngestRun {
  readonly engine: string;
  readonly kiosks: number;
  readonly seconds: number;
  readonly requests: number;
  readonly records: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** What the server asked of the database per applied mutation. */
  readonly sqlPerMutation: number;
  readonly serverTxMsPerMutation: number;
  /** Tickets and ratings the server holds at the end (= records when nothing was lost). */
  readonly serverRows: number;
  /** CPU time of this Node process (server + load generator) ÷ wall time: 100 % = one core busy. */
  readonly nodeCpuPercent: number;
  /** PostgreSQL only: the settings the server's sessions ran with. */
  readonly durability?: PostgresDurability;
}

export interface IngestBenchResult {
  /** The figure the targets are about. */
  readonly postgres: IngestRun | { readonly skipped: string };
  /** Side figure: the same cluster, sessions with synchronous_commit=off; null when the main run had it off already. */
  readonly postgresAsyncCommit: IngestRun | null;
  readonly postgresSource: string | null;
  readonly pglite: IngestRun;
  /** Null: not judged (no PostgreSQL, or a cluster that is not durable). */
  readonly pass: { readonly throughput: boolean; readonly p99: boolean } | null;
}

const DAY = '2026-11-24';
const DAY_START = Date.UTC(2026, 10, 24, 1, 0, 0);

/** Deterministic per kiosk, so two runs send the same shapes of batches. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** One simulated kiosk: its stream (journal + gapless deviceSeq) and its ticket counters. */
export class SimKiosk {
  private deviceSeq = 0;
  private readonly localSeq = new Map<string, number>();
  private readonly journalId = crypto.randomUUID();
  private lastTicketId: string | null = null;
  private readonly rnd: () => number;
  private at = DAY_START;

  constructor(
    readonly token: string,
    private readonly slot: number,
    private readonly branch: BranchConfig,
  ) {
    this.rnd = prng(0x9e3779b9 ^ (slot * 7919));
  }

  nextBatch(): PushRequest {
    const size = 10 + Math.floor(this.rnd() * 41);
    const groups = this.branch.serviceGroups.filter((g) => g.active);
    const mutations: MutationEnvelope[] = [];
    for (let i = 0; i < size; i++) {
      this.at += 1000;
      const seq = ++this.deviceSeq;
      let name: MutationEnvelope['name'];
      let args: Record<string, unknown>;
      if (seq % 2 === 1) {
        const group = groups[Math.floor(this.rnd() * groups.length)]!;
        const localSeq = (this.localSeq.get(group.prefix) ?? 0) + 1;
        this.localSeq.set(group.prefix, localSeq);
        const n = ticketNumberFor(group.prefix, localSeq, this.slot, this.branch.numbering);
        this.lastTicketId = uuidv7(this.at, nodeRandom);
        name = 'ticket.issue@1';
        args = {
          id: this.lastTicketId,
          branchCode: BRANCH,
          kioskSlot: this.slot,
          day: DAY,
          groupPrefix: group.prefix,
          number: n.display,
          numeric: n.numeric,
          priority: this.rnd() < 0.1,
          issuedAt: this.at,
        };
      } else {
        const level = SATISFACTION_LEVELS[Math.floor(this.rnd() * SATISFACTION_LEVELS.length)]!;
        name = 'rating.submit@1';
        args = {
          id: uuidv7(this.at, nodeRandom),
          branchCode: BRANCH,
          ticketId: this.lastTicketId,
          dossierCode: null,
          counter: this.rnd() < 0.5 ? `Q${1 + Math.floor(this.rnd() * 30)}` : null,
          level,
          reasons: level === 'dissatisfied' ? [RATING_REASONS[Math.floor(this.rnd() * RATING_REASONS.length)]!] : [],
          comment: level === 'dissatisfied' ? 'Chờ lâu quá, cần thêm quầy vào buổi sáng.' : '',
          questionnaireId: null,
          questionnaireVersion: null,
          submittedAt: this.at,
        };
      }
      mutations.push({ mutationId: uuidv7(this.at, nodeRandom), deviceSeq: seq, name, args, schemaVersion: JOURNAL_SCHEMA_VERSION, createdAt: this.at });
    }
    return { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: this.journalId, mutations };
  }
}

async function runLoad(engine: string, db: Db, options: { kiosks: number; seconds: number }): Promise<IngestRun> {
  const counted = countingDb(db);
  const branch = benchBranch(Math.max(options.kiosks, benchBranch().numbering.slots));
  const server = await startBenchServer(counted.db, systemClock, branch);
  try {
    const kiosks: SimKiosk[] = [];
    for (let i = 0; i < options.kiosks; i++) {
      const { token } = await enrolDevice(counted.db, server.baseUrl, systemClock);
      kiosks.push(new SimKiosk(token, i, branch));
    }
    const latencies: number[] = [];
    let records = 0;
    let errors = 0;
    let firstError: string | null = null;
    counted.reset();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const end = start + options.seconds * 1000;
    const url = `${server.baseUrl}/v1/sync/push`;
    await Promise.all(
      kiosks.map(async (k) => {
        let batch = k.nextBatch();
        while (performance.now() < end) {
          const t = performance.now();
          let failure: string | null = null;
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${k.token}` },
              body: JSON.stringify(batch),
            });
            const body = (await res.json()) as { results?: { status: string }[] };
            latencies.push(performance.now() - t);
            const applied = body.results?.filter((r) => r.status === 'applied').length ?? 0;
            records += applied;
            if (res.status !== 200 || applied !== batch.mutations.length) failure = `HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`;
          } catch (e) {
            failure = e instanceof Error ? e.message : String(e);
          }
          if (failure === null) {
            batch = k.nextBatch();
            continue;
          }
          // The same batch again, as the engine would (applied ones come back as duplicates).
          errors++;
          firstError ??= failure;
          if (errors > 1000) throw new Error(`too many push errors; first: ${firstError}`);
        }
      }),
    );
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const c = { ...counted.counters };
    const serverRows = Number((await db.query<{ n: unknown }>('SELECT (SELECT count(*) FROM tickets) + (SELECT count(*) FROM ratings) AS n'))[0]?.n);
    const sorted = latencies.sort((a, b) => a - b);
    return {
      engine,
      kiosks: options.kiosks,
      seconds: elapsedMs / 1000,
      requests: latencies.length,
      records,
      perSecond: (records / elapsedMs) * 1000,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
      errors,
      firstError,
      sqlPerMutation: records > 0 ? (c.queries + c.txQueries) / records : Number.NaN,
      serverTxMsPerMutation: records > 0 ? c.txMs / records : Number.NaN,
      serverRows,
      nodeCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    };
  } finally {
    await server.close();
  }
}

export async function runIngestBench(options: { kiosks?: number; seconds?: number; pgliteSeconds?: number; pool?: number } = {}): Promise<IngestBenchResult> {
  const kiosks = options.kiosks ?? Number(process.env.INGEST_KIOSKS ?? 20);
  const seconds = options.seconds ?? Number(process.env.INGEST_SECONDS ?? 60);
  const pgliteSeconds = options.pgliteSeconds ?? Number(process.env.INGEST_PGLITE_SECONDS ?? 10);
  const pool = options.pool ?? (process.env.INGEST_POOL ? Number(process.env.INGEST_POOL) : undefined);

  let postgres: IngestRun | { skipped: string };
  let postgresAsyncCommit: IngestRun | null = null;
  let postgresSource: string | null = null;
  const pgUrl = postgresUrl();
  if (pgUrl.url === null) {
    postgres = { skipped: `no PostgreSQL: ${pgUrl.reason}` };
  } else {
    postgresSource = pgUrl.source;
    const url = pgUrl.url;
    const onPostgres = async (engine: string, synchronousCommit?: 'off'): Promise<IngestRun> => {
      const fresh = await freshPostgresDb(url, pool, { synchronousCommit });
      try {
        const durability = await postgresDurability(fresh.db);
        return { ...(await runLoad(engine, fresh.db, { kiosks, seconds })), durability };
      } finally {
        await fresh.dispose();
      }
    };
    try {
      postgres = await onPostgres(`PostgreSQL (pool ${pool ?? 'default'})`);
      if (postgres.durability?.synchronous_commit !== 'off') {
        postgresAsyncCommit = await onPostgres(`PostgreSQL, synchronous_commit=off (pool ${pool ?? 'default'})`, 'off');
      }
    } finally {
      pgUrl.stop?.();
    }
  }
  const lite = await openPgliteDb(null);
  let pglite: IngestRun;
  try {
    pglite = await runLoad('PGlite (in-memory)', lite, { kiosks, seconds: pgliteSeconds });
  } finally {
    await lite.close();
  }
  const judged = 'skipped' in postgres || postgres.durability === undefined || !isDurable(postgres.durability) ? null : postgres;
  const pass = judged && { throughput: judged.perSecond >= INGEST_TARGETS.perSecond, p99: judged.p99Ms <= INGEST_TARGETS.p99Ms };
  return { postgres, postgresAsyncCommit, postgresSource, pglite, pass };
}

export function printIngestBench(r: IngestBenchResult): void {
  const line = (run: IngestRun): string =>
    `${run.engine}: ${run.kiosks} kiosks × ${round(run.seconds, 1)} s, ${run.requests} pushes, ${run.records} records → ` +
    `${Math.round(run.perSecond)} records/s; latency p50 ${round(run.p50Ms, 1)} ms, p99 ${round(run.p99Ms, 1)} ms, max ${round(run.maxMs, 1)} ms; ` +
    `errors ${run.errors}${run.firstError ? ` (first: ${run.firstError})` : ''}; ` +
    `${round(run.sqlPerMutation, 1)} SQL statements/mutation + BEGIN/COMMIT, ${round(run.serverTxMsPerMutation, 2)} ms in transactions/mutation (incl. waiting for a pooled connection, summed over concurrent pushes); ` +
    `server rows ${run.serverRows}; Node process CPU ${Math.round(run.nodeCpuPercent)} % of one core`;
  const short = (run: IngestRun): string =>
    `${Math.round(run.perSecond).toLocaleString('en')} records/s, p99 ${round(run.p99Ms, 1)} ms${run.errors > 0 ? `, ${run.errors} errors` : ''}`;
  const target = `≥ ${INGEST_TARGETS.perSecond.toLocaleString('en')} records/s, p99 ≤ ${INGEST_TARGETS.p99Ms} ms`;

  if ('skipped' in r.postgres) {
    console.log(`postgres SKIPPED — ${r.postgres.skipped}`);
    recordSkipped(`${r.pglite.kiosks} kiosks → PostgreSQL`, r.postgres.skipped);
  } else {
    const d = r.postgres.durability;
    const durable = d !== undefined && isDurable(d);
    console.log(`postgres ${line(r.postgres)}${r.postgresSource ? `\n         via ${r.postgresSource}` : ''}`);
    console.log(`         settings ${d ? describeDurability(d) : 'unknown'} → ${durable ? 'durable (as a centre runs it)' : 'NOT durable'}`);
    const side = r.postgresAsyncCommit;
    const main = durable ? 'durable' : 'main run';
    if (side === null) {
      console.log('side     not run: this cluster already has synchronous_commit=off');
    } else {
      console.log(`side     ${line(side)}`);
      console.log('         same cluster, a fresh database whose sessions run with synchronous_commit=off (commits do not wait for the WAL flush)');
      console.log(
        `ratio    ${main} ÷ synchronous_commit=off: records/s ${round(r.postgres.perSecond / side.perSecond)}×, p99 ${round(r.postgres.p99Ms / side.p99Ms)}×`,
      );
    }
    const seconds = `${Math.round(r.postgres.seconds)} s`;
    recordFigure({
      figure: durable ? `${r.postgres.kiosks} kiosks → PostgreSQL, durable, ${seconds}` : `${r.postgres.kiosks} kiosks → PostgreSQL, ${seconds}`,
      measured: short(r.postgres),
      target,
      pass: r.pass === null ? null : r.pass.throughput && r.pass.p99,
      note: durable ? undefined : `not comparable: ${d ? describeDurability(d) : 'settings unknown'}`,
    });
    if (side !== null) {
      recordFigure({
        figure: `same, sessions with synchronous_commit=off`,
        measured: `${short(side)} (${main}: ${round(r.postgres.perSecond / side.perSecond)}× the records/s)`,
        target: '—',
        pass: null,
      });
    }
  }
  console.log(`pglite   ${line(r.pglite)}`);
  recordFigure({ figure: `same on PGlite (in memory), ${Math.round(r.pglite.seconds)} s`, measured: short(r.pglite), target: '—', pass: null });
  if ('skipped' in r.postgres) {
    console.log(`target   ${target}: not judged (no PostgreSQL)`);
    return;
  }
  console.log(`ratio    PostgreSQL ÷ PGlite records/s: ${round(r.postgres.perSecond / r.pglite.perSecond)}×`);
  if (r.pass === null) {
    console.log(`target   ${target}: not judged — the cluster is not durable, so the figure is not comparable with the target`);
    return;
  }
  console.log(
    `target   ≥ ${INGEST_TARGETS.perSecond} records/s: ${verdict(r.pass.throughput)} (${Math.round(r.postgres.perSecond)}); ` +
      `p99 ≤ ${INGEST_TARGETS.p99Ms} ms: ${verdict(r.pass.p99)} (${round(r.postgres.p99Ms, 1)} ms)`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printIngestBench(await runIngestBench());
}
