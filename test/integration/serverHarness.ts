import { dbEngines, type DbEngine } from './engines';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/shared/clock';
import { EnrolResponse, PushResponse, type MutationEnvelope } from '../../src/shared/sync';
import { createAdminToken, createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer, type ServerOptions } from '../../src/server/app';
import { resolveDataProtection } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';

/**
 * Shared set-up of the server's integration tests: the database engines (in-memory PGlite, and a
 * fresh database of a real PostgreSQL when TEST_DATABASE_URL is set — scripts/ci-postgres.sh), a
 * migrated database with two branches, the server built on it (blob folder in a temp dir), and
 * helpers to enrol a device and make an admin token.
 */
export type Engine = DbEngine;
export const postgresUrl = process.env.TEST_DATABASE_URL;
export const pgliteEngine: Engine = dbEngines.find((e) => e.name === 'pglite')!;
export const postgresEngine: Engine | null = dbEngines.find((e) => e.name === 'postgres') ?? null;
export const engines: Engine[] = dbEngines;

export const START = Date.UTC(2026, 10, 24, 2, 0, 0);

/** The keys the test servers seal personal data with (one per test process); read stored data back with them. */
export const testDataProtection = resolveDataProtection(undefined);

export interface Harness {
  readonly db: Db;
  readonly app: FastifyInstance;
  readonly clock: ReturnType<typeof fixedClock>;
  readonly blobDir: string;
  /** The base URL when started with listen: true. */
  readonly base: string | null;
  dispose(): Promise<void>;
}

/** A migrated database with branches CN01 and CN02; the server on it, listening on port 0 when asked. */
export async function openHarness(engine: Engine, options: { listen?: boolean; server?: Partial<ServerOptions> } = {}): Promise<Harness> {
  const { db, dispose } = await engine.open();
  await migrate(db);
  await createBranch(db, 'CN01', 'Chi nhánh số 1');
  await createBranch(db, 'CN02', 'Chi nhánh số 2');
  return startServerOn(db, dispose, options);
}

/** Another server instance on an existing database (fresh in-memory rate limits). */
export async function startServerOn(
  db: Db,
  disposeDb: () => Promise<void>,
  options: { listen?: boolean; server?: Partial<ServerOptions> } = {},
): Promise<Harness> {
  const clock = fixedClock(START);
  const blobDir = await mkdtemp(join(tmpdir(), 'hpasc-blobs-'));
  const app = buildServer({ db, clock, version: 'test', blobDir, dataProtection: testDataProtection, ...options.server });
  const base = options.listen ? await app.listen({ port: 0, host: '127.0.0.1' }) : (await app.ready(), null);
  return {
    db,
    app,
    clock,
    blobDir,
    base,
    async dispose() {
      await app.close();
      await disposeDb();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

export interface EnrolledDevice {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly token: string;
  readonly auth: { authorization: string };
}

/** Enrols a fresh device of `branch` through POST /v1/enrol (in-process). */
export async function enrolDevice(
  h: Pick<Harness, 'db' | 'app' | 'clock'>,
  branch = 'CN01',
  role: 'citizen' | 'counter' | 'hub' = 'citizen',
  deviceId: string = randomUUID(),
  /** A code issued for this device id: the only way to re-enrol a device the server knows. */
  forDevice = false,
) {
  const { code } = await createEnrolCode(h.db, branch, role, h.clock.now(), undefined, forDevice ? deviceId : null);
  const res = await h.app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, deviceId, role } });
  if (res.statusCode !== 200) throw new Error(`enrol failed: ${res.statusCode} ${res.body}`);
  const body = EnrolResponse.parse(res.json());
  const device: EnrolledDevice = { deviceId, branchCode: body.branchCode, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
  return device;
}

export async function adminAuthHeader(h: Pick<Harness, 'db' | 'clock'>, label = 'test-admin'): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await createAdminToken(h.db, label, h.clock.now())}` };
}

/**
 * Tables that count or record requests, not data: every look-up writes there by design (limits.ts,
 * lookup.ts), and the audit log records attempts, refused ones included (audit.ts; audit.test.ts
 * checks what it holds).
 */
const LIMIT_BOOKKEEPING = new Set(['rate_limits', 'audit_log']);

/**
 * A fingerprint of everything stored: per table of the public schema, its row count and an md5 of
 * its rows in a stable order. Equal fingerprints = nothing was written. `alsoBookkeeping` keeps
 * some of the bookkeeping tables in (e.g. the audit log, where a record type stores its rows).
 */
export async function stateHash(db: Db, alsoBookkeeping: readonly string[] = []): Promise<Record<string, string>> {
  const tables = (
    await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
  ).filter((t) => !LIMIT_BOOKKEEPING.has(t.table_name) || alsoBookkeeping.includes(t.table_name));
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const rows = await db.query<{ n: unknown; h: string }>(
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM "${table_name}" t`,
    );
    out[table_name] = `${Number(rows[0]?.n)}:${rows[0]?.h}`;
  }
  return out;
}

/** Valid `rating.submit@1` arguments for `branchCode`, with any field overridden. */
export function sampleRatingArgs(branchCode = 'CN01', extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    branchCode,
    ticketId: null,
    dossierCode: null,
    counter: null,
    level: 'satisfied',
    reasons: [] as string[],
    comment: '',
    questionnaireId: null,
    questionnaireVersion: null,
    submittedAt: START,
    ...extra,
  };
}

/** A valid heartbeat for `journalId` (nothing pending, all well), with any field overridden. */
export function sampleHeartbeat(journalId: string, extra: Record<string, unknown> = {}) {
  return {
    protocolVersion: 1,
    journalId,
    pendingCount: 0,
    oldestPendingAgeMs: null,
    pendingBytes: 0,
    pendingBlobs: 0,
    rejectedCount: 0,
    lastPushAt: null,
    lastPullAt: null,
    freeDiskBytes: null,
    stuck: false,
    lastError: null,
    appVersion: '0.1.0',
    shell: 'browser',
    schemaVersion: 1,
    sentAt: START,
    ...extra,
  };
}

/** A device that pushes over HTTP: its credential, its journal and the last seq it sent. */
export interface PushingDevice {
  readonly auth: { authorization: string };
  readonly journalId: string;
  seq: number;
}

/** Pushes records over HTTP as `device`, with its next gapless seqs; the answer must be 200. */
export async function pushRecords(
  base: string,
  device: PushingDevice,
  records: readonly { name: MutationEnvelope['name']; args: unknown }[],
): Promise<PushResponse> {
  const mutations = records.map((r) => ({ mutationId: randomUUID(), deviceSeq: ++device.seq, name: r.name, args: r.args, schemaVersion: 1, createdAt: START }));
  const res = await fetch(`${base}/v1/sync/push`, {
    method: 'POST',
    headers: { ...device.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ protocolVersion: 1, journalId: device.journalId, mutations }),
  });
  if (res.status !== 200) throw new Error(`push answered ${res.status}: ${await res.text()}`);
  return PushResponse.parse(await res.json());
}
