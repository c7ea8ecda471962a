/**
 * The centre's look-up page for phones (src/server/lookupPage.ts): what its first load transfers and
 * how fast a look-up is answered over loopback, against GET /health on the same server in the same
 * run (the floor of any answer: HTTP and fastify without work). Embedded PGlite in memory, the
 * server in this process, sequential requests from one client. The per-address limit is raised for
 * the bench (one address sends every request; the right secret clears the per-code count), nothing
 * else changes: each answer still checks the secret with scrypt and writes the audit log.
 * Run alone: `BENCH_ONLY=lookup npm run bench`. Targets (issue 14): first load ≤ 50 KB, answer ≤ 200 ms p95.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBranch } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { hashLookupSecret, recordDossierStatus, verifyLookupSecret } from '../../src/server/dossiers';
import { LOOKUP_PAGE_PATH } from '../../src/server/lookupPage';
import { systemClock } from '../../src/shared/clock';
import { recordFigure } from './figures';
import { percentile, round, verdict } from './stats';

export const LOOKUP_PAGE_TARGETS = { maxFirstLoadKb: 50, p95Ms: 200 } as const;
const CODE = '000.00.21.H26-261203-0001';
const SECRET = 'K7P4X9QM';
const ROUNDS = 200;

export interface LookupPageBench {
  readonly pageKb: number;
  readonly lookup: { readonly p50: number; readonly p95: number };
  readonly health: { readonly p50: number; readonly p95: number };
  /** The secret's scrypt check alone, in this process: the work every answer must do. */
  readonly scrypt: { readonly p50: number; readonly p95: number };
}

async function timed(rounds: number, call: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export async function runLookupPageBench(): Promise<LookupPageBench> {
  const db = await openPgliteDb(null);
  const blobDir = await mkdtemp(join(tmpdir(), 'hpasc-bench-lookup-'));
  await migrate(db);
  await createBranch(db, 'CN01', 'Chi nhánh số 1');
  await recordDossierStatus(db, {
    code: CODE,
    branchCode: 'CN01',
    lookupSecret: SECRET,
    status: 'processing',
    statusAt: systemClock.now(),
    appointmentDate: '2026-12-10',
    note: '',
  });
  const app = buildServer({
    db,
    clock: systemClock,
    version: 'bench',
    blobDir,
    dataProtection: ephemeralDataProtection(),
    lookupLimits: { perAddressMax: 1_000_000 },
  });
  try {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const page = await fetch(`${base}${LOOKUP_PAGE_PATH}?code=${encodeURIComponent(CODE)}&s=${SECRET}`);
    // What the phone receives for the document (headers aside); the page needs nothing else to load.
    const pageKb = (await page.arrayBuffer()).byteLength / 1024;
    const lookup = await timed(ROUNDS, async () => {
      const res = await fetch(`${base}/v1/lookup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: CODE, secret: SECRET }),
      });
      if (res.status !== 200) throw new Error(`look-up answered ${res.status}`);
      await res.arrayBuffer();
    });
    const health = await timed(ROUNDS, async () => {
      await (await fetch(`${base}/health`)).arrayBuffer();
    });
    const hash = await hashLookupSecret(SECRET);
    const scrypt = await timed(50, async () => {
      if (!(await verifyLookupSecret(SECRET, hash))) throw new Error('the secret did not verify');
    });
    return {
      pageKb,
      scrypt: { p50: percentile(scrypt, 50), p95: percentile(scrypt, 95) },
      lookup: { p50: percentile(lookup, 50), p95: percentile(lookup, 95) },
      health: { p50: percentile(health, 50), p95: percentile(health, 95) },
    };
  } finally {
    await app.close();
    await db.close();
    await rm(blobDir, { recursive: true, force: true });
  }
}

export function printLookupPageBench(r: LookupPageBench): void {
  const pagePass = r.pageKb <= LOOKUP_PAGE_TARGETS.maxFirstLoadKb;
  const answerPass = r.lookup.p95 <= LOOKUP_PAGE_TARGETS.p95Ms;
  console.log(`  first load: ${round(r.pageKb, 1)} KB (one document, nothing else)   target ≤ ${LOOKUP_PAGE_TARGETS.maxFirstLoadKb} KB   ${verdict(pagePass)}`);
  console.log(
    `  look-up answer: p50 ${round(r.lookup.p50, 1)} ms, p95 ${round(r.lookup.p95, 1)} ms; GET /health p95 ${round(r.health.p95, 2)} ms, the scrypt check alone p95 ${round(r.scrypt.p95, 1)} ms   target p95 ≤ ${LOOKUP_PAGE_TARGETS.p95Ms} ms   ${verdict(answerPass)}`,
  );
  recordFigure({
    figure: 'look-up page for phones, first load',
    measured: `${round(r.pageKb, 1)} KB`,
    target: `≤ ${LOOKUP_PAGE_TARGETS.maxFirstLoadKb} KB`,
    pass: pagePass,
  });
  recordFigure({
    figure: 'look-up answer over loopback (scrypt + audit)',
    measured: `p95 ${round(r.lookup.p95, 1)} ms (GET /health ${round(r.health.p95, 2)} ms, scrypt alone ${round(r.scrypt.p95, 1)} ms)`,
    target: `p95 ≤ ${LOOKUP_PAGE_TARGETS.p95Ms} ms`,
    pass: answerPass,
  });
}
