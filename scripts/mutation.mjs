#!/usr/bin/env node
// `npm run mutation [-- push sync storage] [--incremental]`: mutation testing with StrykerJS (vitest
// runner), one pass per target of stryker.config.mjs (default: all three, in that order), then a
// per-file table of the mutation score: killed (and timed out) / (killed + timed out + survived +
// not covered). Reports: reports/mutation/<target>.html (every mutant, with the tests that ran) and
// .json. Slow (tens of minutes on 2 cores): it is not part of `npm test`.
// The server tests run on a real PostgreSQL only (MUTATION_DB=postgres; TEST_DATABASE_URL, or a
// throwaway cluster started here with scripts/ci-postgres.sh when its binaries are installed):
// starting PGlite for every mutant is most of their time. Without PostgreSQL they run on PGlite
// started from a snapshot (test/support/mutationDatabases.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { TARGETS } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const sampleFlag = flags.find((f) => /^--sample=\d+$/.test(f));
const unknownFlags = flags.filter((f) => f !== '--incremental' && f !== sampleFlag);
const names = args.filter((a) => !a.startsWith('--'));
const targets = names.length > 0 ? names : Object.keys(TARGETS);
const wrong = targets.filter((t) => !(t in TARGETS));
if (wrong.length > 0 || unknownFlags.length > 0) {
  console.error(
    `usage: npm run mutation -- [${Object.keys(TARGETS).join('|')} …] [--incremental] [--sample=k]; unknown: ${[...wrong, ...unknownFlags].join(' ')}`,
  );
  process.exit(2);
}

const env = { ...process.env };
let startedPostgres = null;
if (!env.MUTATION_DB) {
  if (!env.TEST_DATABASE_URL && process.platform !== 'win32' && existsSync('/usr/lib/postgresql/15/bin/pg_ctl')) {
    // A cluster of its own (port and folder), stopped at the end.
    startedPostgres = { ...env, PG_PORT: env.MUTATION_PG_PORT ?? '54391', PG_DIR: '/tmp/hpasc-mutation-postgres' };
    const pg = spawnSync('bash', ['scripts/ci-postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: startedPostgres });
    const url = /^TEST_DATABASE_URL=(\S+)$/m.exec(pg.stdout ?? '')?.[1];
    if (pg.status === 0 && url) env.TEST_DATABASE_URL = url;
    else startedPostgres = null;
  }
  env.MUTATION_DB = env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
}
console.log(`server tests on ${env.MUTATION_DB === 'postgres' ? `PostgreSQL (${env.TEST_DATABASE_URL})` : 'PGlite (from a snapshot)'}`);

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const rows = [];
let failed = false;
for (const target of targets) {
  const started = Date.now();
  console.log(`\n━━ mutation testing: ${target} (${TARGETS[target].mutate.join(', ')}) ━━`);
  const run = spawnSync(npx, ['stryker', 'run', 'stryker.config.mjs', ...flags.filter((f) => f !== sampleFlag)], {
    stdio: 'inherit',
    env: { ...env, MUTATION_TARGET: target, ...(sampleFlag ? { MUTATION_SAMPLE: sampleFlag.slice('--sample='.length) } : {}) },
  });
  const minutes = (Date.now() - started) / 60_000;
  const report = `reports/mutation/${target}.json`;
  if (run.status !== 0 || !existsSync(report)) {
    console.error(`stryker failed for ${target} (exit ${run.status})`);
    failed = true;
    continue;
  }
  for (const [file, { mutants }] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files)) {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
    const killed = count('Killed', 'Timeout');
    const survived = count('Survived');
    const noCoverage = count('NoCoverage');
    const valid = killed + survived + noCoverage;
    rows.push({
      target,
      file: relative(process.cwd(), file) || file,
      killed,
      survived,
      noCoverage,
      ignored: count('Ignored'),
      errors: count('CompileError', 'RuntimeError'),
      score: valid === 0 ? null : (100 * killed) / valid,
      minutes,
    });
  }
}

if (startedPostgres) spawnSync('bash', ['scripts/ci-postgres.sh', 'stop'], { stdio: 'inherit', env: startedPostgres });

const pad = (s, n) => String(s).padEnd(n);
const num = (s, n) => String(s).padStart(n);
console.log(
  `\nMutation score per file (killed incl. timeouts / killed + survived + no coverage)${sampleFlag ? `, on lines 1–10 of every ${10 * Number(sampleFlag.slice(9))}` : ''}:`,
);
console.log(`${pad('file', 36)}${num('score', 8)}${num('killed', 8)}${num('survived', 10)}${num('no cov', 8)}${num('ignored', 9)}${num('errors', 8)}`);
for (const r of rows) {
  const score = r.score === null ? 'n/a' : `${r.score.toFixed(1)} %`;
  console.log(`${pad(r.file, 36)}${num(score, 8)}${num(r.killed, 8)}${num(r.survived, 10)}${num(r.noCoverage, 8)}${num(r.ignored, 9)}${num(r.errors, 8)}`);
}
for (const target of targets) {
  const mine = rows.filter((r) => r.target === target);
  if (mine.length > 0) console.log(`${target}: ${mine[0].minutes.toFixed(1)} min`);
}
const below = rows.filter((r) => r.score !== null && r.score < 80);
if (below.length > 0) console.log(`\nBelow the 80 % target: ${below.map((r) => r.file).join(', ')}`);
process.exit(failed ? 1 : 0);
