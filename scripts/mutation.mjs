#!/usr/bin/env node
// `npm run mutation [-- push sync storage] [--incremental]`: mutation testing with StrykerJS (vitest
// runner), one pass per target of stryker.config.mjs (default: all three, in that order), then a
// per-file table of the mutation score: killed (and timed out) / (killed + timed out + survived +
// not covered). Reports: reports/mutation/<target>.html (every mutant, with the tests that ran) and
// .json. Slow (tens of minutes on 2 cores): it is not part of `npm test`.
// FAULT_ROUNDS (default 10 here) shortens syncFaults.test.ts, which runs for every push mutant it covers.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { TARGETS } from '../stryker.config.mjs';

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const unknownFlags = flags.filter((f) => f !== '--incremental');
const names = args.filter((a) => !a.startsWith('--'));
const targets = names.length > 0 ? names : Object.keys(TARGETS);
const wrong = targets.filter((t) => !(t in TARGETS));
if (wrong.length > 0 || unknownFlags.length > 0) {
  console.error(`usage: npm run mutation -- [${Object.keys(TARGETS).join('|')} …] [--incremental]; unknown: ${[...wrong, ...unknownFlags].join(' ')}`);
  process.exit(2);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const rows = [];
let failed = false;
for (const target of targets) {
  const started = Date.now();
  console.log(`\n━━ mutation testing: ${target} (${TARGETS[target].mutate.join(', ')}) ━━`);
  const run = spawnSync(npx, ['stryker', 'run', 'stryker.config.mjs', ...flags], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_TARGET: target, FAULT_ROUNDS: process.env.FAULT_ROUNDS ?? '10' },
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

const pad = (s, n) => String(s).padEnd(n);
const num = (s, n) => String(s).padStart(n);
console.log('\nMutation score per file (killed incl. timeouts / killed + survived + no coverage):');
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
