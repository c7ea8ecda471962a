#!/usr/bin/env node
// The whole test suite, as README and CI run it: first the system packages the tests use
// (scripts/prerequisites.mjs: installed when root, else one message and no stage runs), then lint
// (with module-boundary rules), type-check of every tsconfig and a production build side by side,
// then unit and integration tests (vitest) side by side with the end-to-end tests in Chromium
// (Playwright). A phase starts only when every stage of the one before passed; the stages of a
// phase all run to the end. Ends with one summary line. `--prerequisites-only` stops after the
// first stage.
//
// Why side by side: the end-to-end tests leave the two cores about two thirds idle (the browser waits for
// speech, for sync back-off, for servers starting), and vitest fills them; one after the other the
// two took 686 s + 960 s of a 1847 s CI run. The end-to-end output streams as it comes; every other
// stage's output is kept in .tmp/test-reports/<stage>.log and printed whole when that stage ends,
// so a failure reads as one block.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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
const phases = [
  [
    { name: 'lint', cmd: npm, args: ['run', '--silent', 'lint'] },
    { name: 'typecheck', cmd: npm, args: ['run', '--silent', 'typecheck'] },
    { name: 'build', cmd: npm, args: ['run', '--silent', 'build'] },
  ],
  [
    {
      name: 'end to end (playwright)',
      cmd: npx,
      args: ['playwright', 'test', '--reporter=list,json'],
      env: { E2E_SKIP_BUILD: '1', PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/playwright.json` },
      live: true,
    },
    {
      name: 'unit + integration (vitest)',
      cmd: npx,
      args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reports}/vitest.json`],
    },
  ],
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

/** The side stages under way and their logs: a run stopped from outside prints what they wrote. */
const running = new Map();
const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    for (const [name, log] of running) {
      const lines = readFileSync(log, 'utf8').split('\n');
      console.log(`\n━━ ${name}: stopped by ${signal}; the last lines of ${log} ━━\n${lines.slice(-60).join('\n')}`);
    }
    if (startedPostgres) spawnSync('bash', ['scripts/ci-postgres.sh', 'stop'], { stdio: 'inherit' });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** Runs one stage; its output streams (live) or goes to its log, printed whole when it ends. */
function run(stage) {
  const started = Date.now();
  const log = `${reports}/${stage.name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}.log`;
  if (stage.live) console.log(`\n━━ ${stage.name} ━━`);
  return new Promise((resolve) => {
    // Colours only on a terminal: a log file, a pipe or CI gets plain text. NO_COLOR, since some
    // of the tools' colour libraries read any FORCE_COLOR, even FORCE_COLOR=0, as "colours on".
    const env = { ...process.env, ...stage.env };
    if (stage.live && process.stdout.isTTY && !process.env.CI) env.FORCE_COLOR = '1';
    else {
      delete env.FORCE_COLOR;
      env.NO_COLOR = '1';
    }
    const child = spawn(stage.cmd, stage.args, { stdio: stage.live ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    child.on('exit', () => children.delete(child));
    const file = stage.live ? null : createWriteStream(log);
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    if (file) running.set(stage.name, log);
    let finished = false;
    const finish = (status) => {
      // A command that cannot start emits 'error' and then 'close': one report.
      if (finished) return;
      finished = true;
      running.delete(stage.name);
      const seconds = Math.round((Date.now() - started) / 1000);
      const done = () => {
        if (!stage.live) {
          console.log(`\n━━ ${stage.name} ━━ (output kept in ${log})`);
          process.stdout.write(readFileSync(log, 'utf8'));
        }
        console.log(`━━ ${stage.name}: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds} s ━━`);
        resolve(status);
      };
      if (file) file.end(done);
      else done();
    };
    child.on('error', (error) => {
      if (file) file.write(`${error.message}\n`);
      else console.error(`${stage.name}: ${error.message}`);
      finish(1);
    });
    child.on('close', (code) => finish(code ?? 1));
  });
}

const failedStages = [];
for (const phase of phases) {
  if (phase.length > 1) console.log(`\nSide by side: ${phase.map((stage) => stage.name).join(', ')}`);
  const statuses = await Promise.all(phase.map(run));
  phase.forEach((stage, i) => statuses[i] !== 0 && failedStages.push(stage.name));
  if (failedStages.length > 0) break;
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
if (failedStages.length > 0) {
  console.log(`\nFAILED at stage: ${failedStages.join(', ')}`);
  if (failed === 0) failed = 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStages.length > 0 ? 1 : 0);
