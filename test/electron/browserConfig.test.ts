import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { createBrowserPlatform, DEVICE_CONFIG_DB, DEVICE_CONFIG_STORAGE_KEY } from '../../src/platform/browserPlatform';
import type { DeviceConfig } from '../../src/shared/deviceConfig';

/** The browser build's device configuration: in IndexedDB, written with strict durability. */
const CONFIG: DeviceConfig = {
  deviceId: '0193a1b2-0000-7000-8000-00000000c0f1',
  role: 'counter',
  branchCode: 'CN01',
  kioskSlot: 2,
  printerName: null,
  serverUrl: 'https://hcc.hanoi.gov.vn',
  locale: 'vi',
};

function memoryStorage(initial: Record<string, string> = {}): Storage {
  const map = new Map(Object.entries(initial));
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    get length() {
      return map.size;
    },
  };
}

const platform = (idb: IDBFactory, storage: Storage = memoryStorage()) =>
  createBrowserPlatform({ document: {} as Document, storage, appVersion: '0.1.0', userAgent: 'Chrome/146.0', indexedDB: idb });

describe('browser platform: the device configuration', () => {
  it('is written to IndexedDB with strict durability and read back by the next start', async () => {
    const idb = new IDBFactory();
    const strict: (string | undefined)[] = [];
    const open = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<typeof open>) {
      if (args[1] === 'readwrite') strict.push(args[2]?.durability);
      return open.apply(this, args);
    });
    try {
      const storage = memoryStorage();
      expect(await platform(idb, storage).readConfig()).toEqual({ ok: true, value: null });
      expect(await platform(idb, storage).writeConfig(CONFIG)).toEqual({ ok: true, value: CONFIG });
      expect(strict).toEqual(['strict']);
      expect(storage.length).toBe(0);
      expect(await platform(idb, storage).readConfig()).toEqual({ ok: true, value: CONFIG });
    } finally {
      spy.mockRestore();
    }
  });

  it("moves an older build's localStorage configuration into IndexedDB once", async () => {
    const idb = new IDBFactory();
    const storage = memoryStorage({ [DEVICE_CONFIG_STORAGE_KEY]: JSON.stringify(CONFIG) });
    expect(await platform(idb, storage).readConfig()).toEqual({ ok: true, value: CONFIG });
    expect(storage.getItem(DEVICE_CONFIG_STORAGE_KEY)).toBeNull();
    expect(await platform(idb, memoryStorage()).readConfig()).toEqual({ ok: true, value: CONFIG });
  });

  it('says a stored configuration is corrupt instead of starting as a new device', async () => {
    const legacy = await platform(new IDBFactory(), memoryStorage({ [DEVICE_CONFIG_STORAGE_KEY]: '{"role":' })).readConfig();
    expect(legacy.ok ? null : legacy.error.code).toBe('config.corrupt');
    const idb = new IDBFactory();
    await new Promise<void>((resolve) => {
      const req = idb.open(DEVICE_CONFIG_DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('config').put({ role: 'nobody' }, 'device');
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
    });
    const bad = await platform(idb).readConfig();
    expect(bad.ok ? null : bad.error.code).toBe('config.corrupt');
    expect((await platform(idb).writeConfig({ ...CONFIG, kioskSlot: -1 })).ok).toBe(false);
  });
});
