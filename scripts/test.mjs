#!/usr/bin/env node
// The whole test suite, as README and CI run it: first the system packages the tests use
// (scripts/prerequisites.mjs: installed when root, else one message and no stage runs), then lint
// (with module-boundary rules), type-check of every tsconfig, unit and integration tests (vitest), a
// production build, then end-to-end tests in Chromium (Playwright). Stops at the first failing stage
// and ends with one summary line. `--prerequisites-only` stops after the first stage.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensurePrerequisites, processSystem } from './prerequisites.mjs';

console.log('━━ system prerequisites ━━');
const prerequisites = ensurePrerequisites(processSystem());
if (!prerequisites.ok) {
  console.error(prerequisites.message);
  process.exit(1);
}
if (process.argv.includes('--prerequisites-only')) process.exit(0);

const reports = '.tmp/test-reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const stages = [
  { name: 'lint', cmd: npm, args: ['run', '--silent', 'lint'] },
  { name: 'typecheck', cmd: npm, args: ['run', '--silent', 'typecheck'] },
  {
    name: 'unit + integration (vitest)',
    cmd: npx,
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reports}/vitest.json`],
  },
  { name: 'build', cmd: npm, args: ['run', '--silent', 'build'] },
  {
    name: 'end to end (playwright)',
    cmd: npx,
    args: ['playwright', 'test'],
    env: { E2E_SKIP_BUILD: '1', PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/playwright.json` },
    reporter: true,
  },
];

// The server tests run on PGlite and on a real PostgreSQL. Without TEST_DATABASE_URL, start a
// throwaway PostgreSQL 15 cluster (its binaries are a prerequisite; PG_BIN as in ci-postgres.sh).
let startedPostgres = false;
const pgBin = process.env.PG_BIN || '/usr/lib/postgresql/15/bin';
if (!process.env.TEST_DATABASE_URL && process.platform !== 'win32' && existsSync(`${pgBin}/pg_ctl`)) {
  const pg = spawnSync('bash', ['scripts/ci-postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const url = /^TEST_DATABASE_URL=(\S+)$/m.exec(pg.stdout ?? '')?.[1];
  if (pg.status === 0 && url) {
    process.env.TEST_DATABASE_URL = url;
    startedPostgres = true;
    console.log(`PostgreSQL for the server tests: ${url}`);
  } else {
    console.log('Could not start PostgreSQL (see above): server tests run on PGlite only.');
  }
}

let failedStage = null;
for (const stage of stages) {
  console.log(`\n━━ ${stage.name} ━━`);
  const args = stage.reporter ? [...stage.args, '--reporter=list,json'] : stage.args;
  const result = spawnSync(stage.cmd, args, { stdio: 'inherit', env: { ...process.env, ...stage.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  if (result.status !== 0) {
    failedStage = stage.name;
    break;
  }
}

if (startedPostgres) spawnSync('bash', ['scripts/ci-postgres.sh', 'stop'], { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(`${reports}/vitest.json`)) {
  const v = JSON.parse(readFileSync(`${reports}/vitest.json`, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
}
if (existsSync(`${reports}/playwright.json`)) {
  const p = JSON.parse(readFileSync(`${reports}/playwright.json`, 'utf8'));
  passed += p.stats.expected + (p.stats.flaky ?? 0);
  failed += p.stats.unexpected;
  skipped += p.stats.skipped;
}
if (failedStage) {
  console.log(`\nFAILED at stage: ${failedStage}`);
  if (failed === 0) failed = 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStage ? 1 : 0);
