#!/usr/bin/env node
// `npm start`: builds the kiosk, serves the web kiosk and prints its URL; launches the Electron kiosk
// as well where the Electron binary is installed. Options: --web (no Electron), --port N.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startKioskPreview } from './kioskPreview.mjs';

const args = process.argv.slice(2);
const webOnly = args.includes('--web');
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.PORT ?? 4173);

function run(cmd, cmdArgs) {
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`\n✖ "${cmd} ${cmdArgs.join(' ')}" failed (exit ${result.status}). Fix the error above, then run npm start again.`);
    process.exit(result.status ?? 1);
  }
}

console.log('▶ Building the kiosk…');
run('npx', ['vite', 'build', '--logLevel', 'warn']);

let preview;
try {
  preview = await startKioskPreview({ port, host: '127.0.0.1' });
} catch (e) {
  console.error(`✖ Could not serve the web kiosk on port ${port}: ${e.message}\n  Another program may use it: try  npm start -- --port 4180`);
  process.exit(1);
}

console.log(`
  Web kiosk (citizen):    ${preview.url}
  Counter view:           ${preview.url}?role=counter
  Technician view:        ${preview.url}?role=technician

  Open the URL in Chromium. For a real branch kiosk in a browser:
    chromium --kiosk --kiosk-printing ${preview.url}
  Press Ctrl+C to stop.
`);

function electronBinary() {
  try {
    // The electron package exports the binary path, and throws when the binary was not downloaded.
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

let electron = null;
if (!webOnly) {
  const binary = electronBinary();
  if (binary) {
    console.log('▶ Electron found: building the shell and launching the kiosk window…');
    run('npx', ['vite', 'build', '-c', 'electron/vite.config.ts', '--logLevel', 'warn']);
    electron = spawn(binary, ['.'], { stdio: 'inherit', env: { ...process.env, KIOSK_WINDOWED: process.env.KIOSK_WINDOWED ?? '1' } });
    electron.on('exit', (code) => console.log(`Electron exited (${code}). The web kiosk keeps running.`));
  } else {
    console.log('ℹ No Electron binary installed here: only the web kiosk runs (see README, "Electron kiosk").');
  }
}

const stop = async () => {
  electron?.kill();
  await preview.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
