import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, net, protocol, safeStorage, session } from 'electron';
import { APP_SCHEME, APP_START_URL, resolveAppRequest } from './appProtocol';
import { CredentialStore } from './credentialStore';
import { DataKeyStore } from './dataKeyStore';
import { DeviceConfigStore } from './deviceConfigStore';
import { DiskWatcher, thresholdFromEnv } from './diskWatcher';
import { buildAppInfo, createIpcHandlers, registerIpcHandlers } from './ipcHandlers';
import { JournalStore } from './journalStore';
import { createPrintService } from './printing';
import { buildWindowOptions, contentSecurityPolicy, hardenKeyboard, hardenSession, hardenWebContents, isWindowed, serverOrigin } from './windowHardening';

/**
 * Electron main process entry (bundled to dist-electron/main.cjs).
 *
 * Order matters: the privileged `app` scheme must be registered before `ready`; the
 * single-instance lock is taken before anything opens IndexedDB (a second process would lock the
 * store); the journal folder exists and the disk watcher runs before the window loads, and so do
 * the handlers and the protocol. Logs carry no personal data:
 * origins, codes and file names only.
 */

const DIST_DIR = path.join(__dirname, '..', 'dist');
const PRELOAD_PATH = path.join(__dirname, 'preload.cjs');

function log(message: string): void {
  console.info(`[kiosk-main] ${message}`);
}

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: {
      standard: true,
      secure: true,
      supportFetchAPI: true,
      allowServiceWorkers: true,
      corsEnabled: true,
      stream: true,
      codeCache: true,
    },
  },
]);

let mainWindow: BrowserWindow | null = null;

/** The server the page may connect to (DeviceConfig.serverUrl), kept in step with writeConfig. */
let configuredServer: string | null = null;

function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed', { status: 405 });
    }
    const resolved = resolveAppRequest(DIST_DIR, request.url);
    if (resolved.kind === 'refused') {
      log(`app:// refused (${resolved.status}): ${resolved.reason}`);
      return new Response(resolved.reason, { status: resolved.status, headers: { 'content-type': 'text/plain' } });
    }
    try {
      const file = await net.fetch(pathToFileURL(resolved.path).toString());
      if (!file.ok) return new Response('not found', { status: 404 });
      const headers: Record<string, string> = {
        'content-type': resolved.contentType,
        'x-content-type-options': 'nosniff',
        // index.html must be re-read after an update; hashed assets may be cached by Chromium.
        'cache-control': resolved.contentType.startsWith('text/html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      };
      if (resolved.contentType.startsWith('text/html')) headers['content-security-policy'] = contentSecurityPolicy([configuredServer], !app.isPackaged);
      return new Response(request.method === 'HEAD' ? null : file.body, { status: 200, headers });
    } catch (e) {
      log(`app:// read failed: ${e instanceof Error ? e.name : 'unknown error'}`);
      return new Response('read failed', { status: 500 });
    }
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow(buildWindowOptions({ packaged: app.isPackaged, env: process.env, preloadPath: PRELOAD_PATH }));
  hardenKeyboard(win.webContents, isWindowed(process.env), log);
  win.once('ready-to-show', () => win.show());
  // The renderer keeps everything in IndexedDB; reloading resumes where it was. A renderer that keeps
  // dying is not reloaded in a tight loop: the delay doubles (1 s … 60 s) while crashes keep coming.
  let crashes = 0;
  let lastCrash = 0;
  win.webContents.on('render-process-gone', (_event, details) => {
    const now = Date.now();
    crashes = now - lastCrash > 5 * 60_000 ? 1 : crashes + 1;
    lastCrash = now;
    const delay = Math.min(60_000, 1000 * 2 ** (crashes - 1));
    log(`renderer gone (${details.reason}), reload #${crashes} in ${delay} ms`);
    setTimeout(() => {
      if (!win.isDestroyed()) void win.loadURL(APP_START_URL);
    }, delay);
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_START_URL);
  return win;
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession, log);
  // No menu in kiosk mode: its accelerators (reload, zoom, devtools…) would act behind the app's back.
  if (!isWindowed(process.env)) Menu.setApplicationMenu(null);
  registerAppProtocol();

  const userData = app.getPath('userData');
  const configStore = new DeviceConfigStore(userData);
  // The page may connect only to the configured server (its CSP, set per page load above).
  const stored = await configStore.read();
  configuredServer = stored.ok ? (stored.value?.serverUrl ?? null) : null;
  const journal = new JournalStore(userData, log);
  const journalReady = await journal.init();
  // Not fatal: each append retries the folder and answers journal.write-failed if it still fails.
  if (!journalReady.ok) log(`journal folder: ${journalReady.error.code}`);
  const disk = new DiskWatcher({ dir: userData, thresholdBytes: thresholdFromEnv(process.env, log), log });
  disk.start();
  // safeStorage is usable only after ready, which start() runs after.
  const credential = new CredentialStore(userData, safeStorage);
  const dataKey = new DataKeyStore(userData, safeStorage);
  const printing = createPrintService();
  const handlers = createIpcHandlers({
    printPdf: (request) => printing.printPdf(request),
    listPrinters: () => printing.listPrinters(),
    readConfig: () => configStore.read(),
    writeConfig: async (config) => {
      const written = await configStore.write(config);
      if (written.ok && serverOrigin(written.value.serverUrl) !== serverOrigin(configuredServer)) {
        // A new server (enrolment): the page reloads so its CSP lets it reach that server and no other.
        configuredServer = written.value.serverUrl;
        log('server changed: reloading the page for its new connection policy');
        setTimeout(() => mainWindow?.webContents.reload(), 300);
      }
      return written;
    },
    appInfo: () =>
      buildAppInfo({
        version: app.getVersion(),
        packaged: app.isPackaged,
        versions: process.versions,
        platform: process.platform,
      }),
    diskStatus: () => disk.sample(),
    journalAppend: (request) => journal.append(request),
    journalRead: () => journal.read(),
    journalConfirm: (request) => journal.confirm(request),
    journalReserve: (request) => journal.reserve(request),
    credentialRead: () => credential.read(),
    credentialWrite: (token) => credential.write(token),
    dataKeyRead: () => dataKey.read(),
  });
  registerIpcHandlers(ipcMain, handlers);

  mainWindow = createWindow();
  log(`started ${app.getVersion()} (electron ${process.versions.electron ?? '?'}, packaged=${String(app.isPackaged)})`);
}

if (!app.requestSingleInstanceLock()) {
  // Another kiosk process owns the IndexedDB store; a second one would fight over its lock.
  log('another instance is running, quitting');
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow === null) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // Every WebContents (window, devtools, anything created later) gets the same navigation rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
  app.on('window-all-closed', () => app.quit());
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      log(`startup failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'unknown error'}`);
      app.exit(1);
    });
}
