#!/usr/bin/env node
// `npm start`: builds the kiosk, starts the central server (embedded PGlite in .data/, or
// DATABASE_URL), serves the web kiosk and prints both URLs with a one-time enrolment code; launches
// the Electron kiosk as well where the Electron binary is installed.
// Options: --web (no Electron), --port N (kiosk), --server-port N (8787), --no-server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startKioskPreview } from './kioskPreview.mjs';

const args = process.argv.slice(2);
const webOnly = args.includes('--web');
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.PORT ?? 4173);
const serverPortArg = args.indexOf('--server-port');
const serverPort = serverPortArg >= 0 ? Number(args[serverPortArg + 1]) : Number(process.env.SERVER_PORT ?? 8787);
const withServer = !args.includes('--no-server');

function run(cmd, cmdArgs) {
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`\n✖ "${cmd} ${cmdArgs.join(' ')}" failed (exit ${result.status}). Fix the error above, then run npm start again.`);
    process.exit(result.status ?? 1);
  }
}

console.log('▶ Building the kiosk…');
run('npx', ['vite', 'build', '--logLevel', 'warn']);

/**
 * The origins a browser shows for the web kiosk (127.0.0.1 and localhost name the same server but
 * are two origins), plus any the caller set in KIOSK_ORIGINS.
 */
function kioskOrigins(kioskUrl) {
  const { port: p } = new URL(kioskUrl);
  return [process.env.KIOSK_ORIGINS, `http://127.0.0.1:${p}`, `http://localhost:${p}`].filter(Boolean).join(',');
}

/** Prepares the database (migrations, demo branch, enrolment code), then runs the server. */
async function startServer(origins) {
  console.log('▶ Preparing the central server (database in .data/ unless DATABASE_URL is set)…');
  // Receipts printed in the demo point their QR at this server's own look-up page.
  const setup = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/devSetup.ts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DEMO_LOOKUP_BASE_URL: process.env.DEMO_LOOKUP_BASE_URL ?? `http://127.0.0.1:${serverPort}/tra-cuu` },
  });
  if (setup.status !== 0) {
    console.error(
      '✖ The central server could not be prepared (see above). If another `npm start` or `npm run server` is running, stop it: the embedded database allows one process.',
    );
    process.exit(1);
  }
  const { code, counterCode, branchCode, staff } = JSON.parse(setup.stdout.trim().split('\n').pop());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: String(serverPort), KIOSK_ORIGINS: origins, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /Central server: (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`the server exited (${c}); is port ${serverPort} in use? try  npm start -- --server-port 8790`)));
  });
  child.stdout.pipe(process.stdout);
  return { child, url, code, counterCode, branchCode, origins, staff: staff ?? [] };
}

// The kiosk first: the server must know the kiosk's origin (its port) to allow it cross-origin.
let preview;
try {
  preview = await startKioskPreview({ port, host: '127.0.0.1' });
} catch (e) {
  console.error(`✖ Could not serve the web kiosk on port ${port}: ${e.message}\n  Another program may use it: try  npm start -- --port 4180`);
  process.exit(1);
}

let server = null;
if (withServer) {
  try {
    server = await startServer(kioskOrigins(preview.url));
  } catch (e) {
    console.error(`✖ ${e.message}`);
    await preview.close();
    process.exit(1);
  }
}

console.log(`
  Web kiosk (citizen):    ${preview.url}
  Counter view:           ${preview.url}?role=counter
  Display board:          ${server ? `${preview.url}?role=display&server=${encodeURIComponent(server.url)}&branch=${server.branchCode}` : '(needs the central server)'}
  Technician view:        ${preview.url}?role=technician

${
  server
    ? `  Central server:         ${server.url}   (branch ${server.branchCode})
  Dossier look-up page:   ${server.url}/tra-cuu   (the receipts' QR opens it; for phones)
  Kiosk origins allowed:  app://kiosk, ${server.origins.split(',').join(', ')}   (KIOSK_ORIGINS)
  Connect this kiosk:     open the Technician view, enter the server URL above
                          and the one-time code  ${server.code}  (valid 24 h)
  Connect a counter:      in a separate browser profile, set the role "Quầy tiếp nhận" in the
                          Technician view, save, then connect with  ${server.counterCode}
  Demo staff (a counter or technician view enrolled here asks for them from its next start):
${server.staff.map((s) => `                          ${s.staffId}  ${s.name}  (${s.role})  PIN ${s.pin}`).join('\n')}
`
    : ''
}
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
  server?.child.kill('SIGTERM');
  await preview.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
