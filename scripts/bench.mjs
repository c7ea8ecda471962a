#!/usr/bin/env node
// `npm run bench`: builds the web kiosk, then runs scripts/bench/index.ts (TypeScript, through tsx).
import { spawnSync } from 'node:child_process';

const steps = [
  ['npx', ['vite', 'build', '--logLevel', 'error']],
  ['npx', ['tsx', 'scripts/bench/index.ts']],
];
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
