import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOURNAL_DIR } from '../../electron/journalStore';
import { IPC_CHANNELS } from '../../src/shared/ipcChannels';

/**
 * electron/main.ts with `electron` mocked (there is no Electron binary here): the single-instance
 * lock comes first, and start() creates the journal folder and registers every channel.
 */

type Listener = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>;

const state = vi.hoisted(() => ({
  lock: true,
  userData: '',
  quit: [] as string[],
  whenReadyCalls: 0,
  handled: new Map<string, Listener>(),
  encryptionAvailable: false,
  menus: [] as unknown[],
  windowEvents: [] as string[],
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      on: (event: string) => void state.windowEvents.push(event),
      setVisualZoomLevelLimits: async () => undefined,
      setZoomLevel: () => undefined,
    };
    once = () => undefined;
    on = () => undefined;
    loadURL = async () => undefined;
    isDestroyed = () => false;
  }
  return {
    app: {
      requestSingleInstanceLock: () => state.lock,
      quit: () => state.quit.push('quit'),
      exit: (code: number) => state.quit.push(`exit ${code}`),
      on: () => undefined,
      whenReady: () => {
        state.whenReadyCalls++;
        return Promise.resolve();
      },
      getPath: () => state.userData,
      getVersion: () => '0.1.0',
      isPackaged: false,
    },
    BrowserWindow,
    Menu: { setApplicationMenu: (menu: unknown) => void state.menus.push(menu) },
    ipcMain: { handle: (channel: string, listener: Listener) => state.handled.set(channel, listener) },
    net: { fetch: async () => new Response(null, { status: 404 }) },
    protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
    session: {
      defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined, setDevicePermissionHandler: () => undefined },
    },
    safeStorage: {
      isEncryptionAvailable: () => state.encryptionAvailable,
      encryptString: (s: string) => Buffer.from(`v10${s}`).reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString().slice(3),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
  };
});

const APP_FRAME = { senderFrame: { url: 'app://kiosk/' } };

describe('electron/main.ts', () => {
  let logs: string[];
  beforeEach(async () => {
    vi.resetModules();
    state.userData = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-main-test-'));
    state.lock = true;
    state.quit = [];
    state.whenReadyCalls = 0;
    state.handled.clear();
    state.encryptionAvailable = false;
    state.menus = [];
    state.windowEvents = [];
    logs = [];
    vi.spyOn(console, 'info').mockImplementation((m: string) => void logs.push(m));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fs.rm(state.userData, { recursive: true, force: true });
  });

  it('quits at once when another instance holds the single-instance lock', async () => {
    state.lock = false;
    await import('../../electron/main');
    expect(state.quit).toEqual(['quit']);
    expect(state.whenReadyCalls).toBe(0);
    expect(state.handled.size).toBe(0);
    expect(logs.some((l) => l.includes('another instance is running'))).toBe(true);
  });

  it('creates the journal folder and registers every channel at start', async () => {
    await import('../../electron/main');
    await vi.waitFor(() => expect(logs.some((l) => l.includes('started 0.1.0'))).toBe(true));
    expect(state.quit).toEqual([]);
    expect((await fs.stat(path.join(state.userData, JOURNAL_DIR))).isDirectory()).toBe(true);
    expect([...state.handled.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());

    const disk = await state.handled.get(IPC_CHANNELS.diskStatus)?.(APP_FRAME);
    expect(disk).toMatchObject({ ok: true, value: { thresholdBytes: 512 * 1024 * 1024 } });
    // Kiosk mode: no application menu, and the window's shortcuts and zoom are guarded.
    expect(state.menus).toEqual([null]);
    expect(state.windowEvents).toEqual(expect.arrayContaining(['before-input-event', 'zoom-changed', 'render-process-gone']));
  });

  it('wires the credential to safeStorage and refuses without a keystore', async () => {
    await import('../../electron/main');
    await vi.waitFor(() => expect(state.handled.size).toBeGreaterThan(0));
    const write = state.handled.get(IPC_CHANNELS.credentialWrite);
    const token = 'Abc123_-'.repeat(6);
    expect(await write?.(APP_FRAME, { token })).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(await fs.readdir(state.userData)).toEqual([JOURNAL_DIR]);
    state.encryptionAvailable = true;
    expect(await write?.(APP_FRAME, { token })).toEqual({ ok: true, value: { stored: true } });
    expect(await fs.readFile(path.join(state.userData, 'credential.bin'), 'utf8')).not.toContain(token);
    expect(await state.handled.get(IPC_CHANNELS.credentialRead)?.(APP_FRAME)).toEqual({ ok: true, value: token });
    expect(logs.join('\n')).not.toContain(token);
  });
});
