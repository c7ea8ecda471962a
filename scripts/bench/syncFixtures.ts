/**
 * What the sync benchmarks share: a real server on loopback port 0 with branch CN01 published,
 * enrolled devices, a database wrapper that counts SQL round trips and time in transactions, a
 * throwaway PostgreSQL (scripts/ci-postgres.sh) and small statistics helpers. Bench code only.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createAdminToken, createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { ephemeralDataProtection, type DataProtection } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPostgresDb } from '../../src/server/db/postgresDb';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { Clock } from '../../src/shared/clock';
import { createHttpTransport } from '../../src/sync/httpTransport';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const BRANCH = 'CN01';
export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** The shipped branch configuration, with as many kiosk slots as the bench needs. */
export function benchBranch(slots?: number): BranchConfig {
  const cfg = BranchConfig.parse(JSON.parse(readFileSync(join(ROOT, 'assets/config/branch.json'), 'utf8')));
  return slots === undefined ? cfg : BranchConfig.parse({ ...cfg, numbering: { ...cfg.numbering, slots } });
}

/** The shipped branch configuration with `slots` kiosk slots for tickets and for dossiers alike (a bench with many devices). */
export function benchBranchAllSlots(slots: number): BranchConfig {
  const cfg = benchBranch(slots);
  return cfg.reception ? BranchConfig.parse({ ...cfg, reception: { ...cfg.reception, numbering: { ...cfg.reception.numbering, slots } } }) : cfg;
}

/** The hub bench's branch (hub.bench.ts): 20 device slots for tickets and dossiers alike, six-digit numbers so every slot's block fits. */
export function hubBenchBranch(): BranchConfig {
  const cfg = benchBranch();
  const numbering = { blockSize: 1000, slots: 20, digits: 6 };
  return BranchConfig.parse({ ...cfg, numbering, ...(cfg.reception ? { reception: { ...cfg.reception, numbering } } : {}) });
}

export interface BenchServer {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly adminToken: string;
  close(): Promise<void>;
}

/**
 * Migrates `db`, creates CN01, starts the server on 127.0.0.1:0 and publishes `branch`. With
 * `blobDir`, the blob routes are mounted (scans sealed under `dataProtection`, default ephemeral keys).
 */
export async function startBenchServer(
  db: Db,
  clock: Clock,
  branch: BranchConfig,
  options: { readonly blobDir?: string; readonly dataProtection?: DataProtection } = {},
): Promise<BenchServer> {
  await migrate(db);
  await createBranch(db, BRANCH, 'Chi nhánh số 1');
  const adminToken = await createAdminToken(db, 'bench', clock.now());
  const app = buildServer({
    db,
    clock,
    version: 'bench',
    logger: false,
    dataProtection: options.dataProtection ?? ephemeralDataProtection(),
    blobDir: options.blobDir ?? null,
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const res = await fetch(`${baseUrl}/v1/admin/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ scope: `branch:${BRANCH}`, changes: [{ entity: 'branchConfig', op: 'put', data: branch }] }),
  });
  if (res.status !== 200) throw new Error(`publishing the branch configuration answered ${res.status}: ${await res.text()}`);
  return { app, baseUrl, adminToken, close: () => app.close() };
}

/** Enrols a citizen kiosk the way a technician does (one-time code → credential). */
export async function enrolDevice(db: Db, baseUrl: string, clock: Clock): Promise<{ deviceId: string; token: string }> {
  const { code } = await createEnrolCode(db, BRANCH, 'citizen', clock.now());
  const deviceId = randomUUID();
  const { token } = await createHttpTransport({ baseUrl, token: () => null }).enrol({ code, deviceId, role: 'citizen' });
  return { deviceId, token };
}

/** Counts what the server asks of its database: statements, transactions, time inside them. */
export interface DbCounters {
  queries: number;
  transactions: number;
  /** Statements issued inside transactions (BEGIN/COMMIT not included). */
  txQueries: number;
  txMs: number;
}

export function countingDb(inner: Db): { db: Db; counters: DbCounters; reset(): void } {
  const counters: DbCounters = { queries: 0, transactions: 0, txQueries: 0, txMs: 0 };
  const wrapTx = (tx: Db): Db => ({
    ...tx,
    query: (sql, params) => {
      counters.txQueries++;
      return tx.query(sql, params);
    },
    transaction: (fn) => fn(wrapTx(tx)),
  });
  const db: Db = {
    ...inner,
    query: (sql, params) => {
      counters.queries++;
      return inner.query(sql, params);
    },
    exec: (sql) => inner.exec(sql),
    async transaction(fn) {
      counters.transactions++;
      const start = performance.now();
      try {
        return await inner.transaction((tx) => fn(wrapTx(tx)));
      } finally {
        counters.txMs += performance.now() - start;
      }
    },
    close: () => inner.close(),
  };
  return {
    db,
    counters,
    reset() {
      Object.assign(counters, { queries: 0, transactions: 0, txQueries: 0, txMs: 0 });
    },
  };
}

/**
 * A PostgreSQL URL to benchmark against: BENCH_DATABASE_URL or TEST_DATABASE_URL as given, or a
 * throwaway cluster from scripts/ci-postgres.sh started durable (PG_DURABLE=1: fsync,
 * synchronous_commit and full_page_writes at PostgreSQL's defaults, as a centre runs it) on its own
 * port and folder (54349, /tmp/hpasc-bench-postgres-durable; BENCH_PG_PORT, BENCH_PG_DIR): never
 * the test cluster, whose durability is off. Stopped afterwards if this run started it. Whichever
 * it is, read its settings with postgresDurability() before trusting a figure. Null (with the
 * reason) when none can be had, e.g. no PostgreSQL binaries on this machine.
 */
export function postgresUrl(): { url: string; source: string; stop?: () => void } | { url: null; reason: string } {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) return { url: given, source: process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'TEST_DATABASE_URL' };
  const script = join(ROOT, 'scripts/ci-postgres.sh');
  const env = {
    ...process.env,
    PG_DURABLE: '1',
    PG_PORT: process.env.BENCH_PG_PORT ?? '54349',
    PG_DIR: process.env.BENCH_PG_DIR ?? '/tmp/hpasc-bench-postgres-durable',
  };
  const wasRunning = existsSync(join(env.PG_DIR, 'data/postmaster.pid'));
  try {
    const out = execFileSync(script, [], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
    const m = /TEST_DATABASE_URL=(\S+)/.exec(out);
    if (!m?.[1]) return { url: null, reason: `scripts/ci-postgres.sh printed no URL: ${out.trim().slice(0, 200)}` };
    return {
      url: m[1],
      source: `PG_DURABLE=1 scripts/ci-postgres.sh on port ${env.PG_PORT}, ${env.PG_DIR}${wasRunning ? ' (already running: reused)' : ''}`,
      stop: wasRunning ? undefined : () => execFileSync(script, ['stop'], { env, stdio: 'ignore' }),
    };
  } catch (e) {
    const stderr = (e as { stderr?: unknown }).stderr;
    const why = typeof stderr === 'string' && stderr.trim() ? stderr.trim() : e instanceof Error ? e.message : String(e);
    return { url: null, reason: why.split('\n').slice(-2).join(' ').slice(0, 300) };
  }
}

/** The settings that decide whether a commit survives a crash, as a session on the database sees them. */
export interface PostgresDurability {
  readonly fsync: string;
  readonly synchronous_commit: string;
  readonly full_page_writes: string;
}

export async function postgresDurability(db: Db): Promise<PostgresDurability> {
  const rows = await db.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')",
  );
  const get = (name: string): string => rows.find((r) => r.name === name)?.setting ?? 'unknown';
  return { fsync: get('fsync'), synchronous_commit: get('synchronous_commit'), full_page_writes: get('full_page_writes') };
}

/**
 * Durable = a commit that returned is on disk and a crash cannot tear a page: fsync and
 * full_page_writes on, synchronous_commit anything but off (without standbys, every other value
 * waits for the local WAL flush).
 */
export const isDurable = (s: PostgresDurability): boolean => s.fsync === 'on' && s.full_page_writes === 'on' && s.synchronous_commit !== 'off';

export const describeDurability = (s: PostgresDurability): string =>
  `fsync=${s.fsync}, synchronous_commit=${s.synchronous_commit}, full_page_writes=${s.full_page_writes}`;

/**
 * A fresh database on the PostgreSQL at `url`, dropped by dispose(). `synchronousCommit: 'off'`
 * sets it for every session on that database (ALTER DATABASE … SET): commits stop waiting for
 * the WAL flush while the cluster itself stays as it is.
 */
export async function freshPostgresDb(
  url: string,
  poolMax?: number,
  options: { synchronousCommit?: 'off' } = {},
): Promise<{ db: Db; dispose(): Promise<void> }> {
  const name = `hpasc_bench_${randomUUID().replace(/-/g, '')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  if (options.synchronousCommit) await admin(`ALTER DATABASE ${name} SET synchronous_commit = ${options.synchronousCommit}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = openPostgresDb(u.toString(), { max: poolMax });
  return {
    db,
    async dispose() {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

export { percentile, round, verdict } from './stats';
