import { afterEach, describe, expect, it } from 'vitest';
import { createElectronPlatform, getElectronBridge } from '../../src/platform/electronPlatform';
import type { KioskBridge } from '../../src/shared/ipc';
import { err, ok } from '../../src/shared/result';

const appInfo = { version: '0.1.0', shell: 'electron' as const, electronVersion: '41.7.1', chromeVersion: '146', packaged: false, platform: 'linux' };

function bridge(overrides: Partial<KioskBridge> = {}): KioskBridge {
  return {
    printPdf: async () => ok({ jobId: '1' }),
    listPrinters: async () => ok([]),
    readConfig: async () => ok(null),
    writeConfig: async (c) => ok(c as never),
    appInfo: async () => ok(appInfo),
    diskStatus: async () => ok({ freeBytes: 1, totalBytes: 2, thresholdBytes: 3, low: true }),
    journalAppend: async (r) => ok({ appended: r.entries.length }),
    journalRead: async () => ok({ journals: [] }),
    journalConfirm: async () => ok({ remaining: 0 }),
    journalReserve: async (r) => ok({ marks: r.marks }),
    credentialRead: async () => ok(null),
    credentialWrite: async (r) => ok({ stored: r.token !== null }),
    dataKeyRead: async () => ok({ key: Buffer.alloc(32, 1).toString('base64'), protection: 'os-keystore' }),
    enrolPost: async () => ok({ status: 200, contentType: 'application/json', body: '{}' }),
    listScanners: async () => ok([]),
    scanPage: async () => err('scan.unsupported', 'no scanner in this test'),
    ...overrides,
  };
}

describe('createElectronPlatform', () => {
  it('delegates to the bridge', async () => {
    const platform = createElectronPlatform(bridge());
    expect(platform.kind).toBe('electron');
    expect(await platform.appInfo()).toEqual(ok(appInfo));
    expect(await platform.listPrinters()).toEqual(ok([]));
    expect(await platform.diskStatus()).toEqual(ok({ freeBytes: 1, totalBytes: 2, thresholdBytes: 3, low: true }));
    expect(await platform.journalRead()).toEqual(ok({ journals: [] }));
    expect(await platform.journalConfirm({ journalId: '0190a5d2-7b3c-7def-8abc-1234567890ab', upToSeq: 3 })).toEqual(ok({ remaining: 0 }));
    expect(await platform.credentialRead()).toEqual(ok(null));
    expect(await platform.credentialWrite({ token: null })).toEqual(ok({ stored: false }));
  });

  it('turns a rejected journal append into ipc.unavailable', async () => {
    const platform = createElectronPlatform(bridge({ journalAppend: () => Promise.reject(new Error('An object could not be cloned.')) }));
    expect(await platform.journalAppend({ journalId: '0190a5d2-7b3c-7def-8abc-1234567890ab', entries: [] })).toMatchObject({
      ok: false,
      error: { code: 'ipc.unavailable' },
    });
  });

  it('turns a rejected IPC call into ipc.unavailable', async () => {
    const platform = createElectronPlatform(
      bridge({
        listPrinters: () => Promise.reject(new Error("Error invoking remote method 'kiosk:print.listPrinters': reply was never sent")),
        readConfig: () => {
          throw new Error('sync throw');
        },
        appInfo: async () => undefined as never,
      }),
    );
    expect(await platform.listPrinters()).toMatchObject({ ok: false, error: { code: 'ipc.unavailable' } });
    expect(await platform.readConfig()).toMatchObject({ ok: false, error: { code: 'ipc.unavailable' } });
    expect(await platform.appInfo()).toMatchObject({ ok: false, error: { code: 'ipc.unavailable' } });
  });
});

describe('getElectronBridge', () => {
  afterEach(() => {
    delete (globalThis as Record<string, unknown>).kiosk;
  });
  it('is null in a plain browser', () => {
    expect(getElectronBridge()).toBeNull();
  });
  it('is null for an incomplete bridge', () => {
    (globalThis as Record<string, unknown>).kiosk = { printPdf: () => undefined };
    expect(getElectronBridge()).toBeNull();
  });
  it('returns the preload bridge', () => {
    const b = bridge();
    (globalThis as Record<string, unknown>).kiosk = b;
    expect(getElectronBridge()).toBe(b);
  });
});
