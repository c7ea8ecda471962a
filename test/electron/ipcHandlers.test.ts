import { describe, expect, it, vi } from 'vitest';
import { buildAppInfo, createIpcHandlers, registerIpcHandlers, type IpcInvokeEventLike, type IpcMainLike, type IpcServices } from '../../electron/ipcHandlers';
import { IPC_CHANNELS } from '../../src/shared/ipcChannels';
import { defaultDeviceConfig } from '../../src/shared/deviceConfig';
import { err, ok } from '../../src/shared/result';

const DEVICE_ID = '0190a5d2-7b3c-7def-8abc-1234567890ab';
const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31]);
const goodPrint = { printerName: 'Ticket_80mm', jobName: 'HPASC ticket', pdf: PDF, copies: 1 };
const appInfo = buildAppInfo({ version: '0.1.0', packaged: false, versions: { electron: '41.7.1', chrome: '146.0' }, platform: 'linux' });

function services(overrides: Partial<IpcServices> = {}): IpcServices {
  return {
    printPdf: vi.fn(async () => ok({ jobId: 'Ticket_80mm-1' })),
    listPrinters: vi.fn(async () => ok([{ name: 'Ticket_80mm', isDefault: true, status: 'idle' as const }])),
    readConfig: vi.fn(async () => ok(null)),
    writeConfig: vi.fn(async (c) => ok(c)),
    appInfo: () => appInfo,
    diskStatus: vi.fn(async () => ok({ freeBytes: 10, totalBytes: 20, thresholdBytes: 5, low: false })),
    journalAppend: vi.fn(async (r) => ok({ appended: r.entries.length })),
    journalRead: vi.fn(async () => ok({ journals: [] })),
    journalConfirm: vi.fn(async () => ok({ remaining: 0 })),
    journalReserve: vi.fn(async (r) => ok({ marks: r.marks })),
    credentialRead: vi.fn(async () => ok(null)),
    credentialWrite: vi.fn(async (token) => ok({ stored: token !== null })),
    dataKeyRead: vi.fn(async () => ok({ key: Buffer.alloc(32, 7).toString('base64'), protection: 'os-keystore' as const })),
    ...overrides,
  };
}

const malformedPrint: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a string', 'print please'],
  ['a number', 42],
  ['an array', [goodPrint]],
  ['an empty object', {}],
  ['missing pdf', { printerName: null, jobName: 'x', copies: 1 }],
  ['missing copies', { printerName: null, jobName: 'x', pdf: PDF }],
  ['copies as a string', { ...goodPrint, copies: '1' }],
  ['copies 0', { ...goodPrint, copies: 0 }],
  ['copies 1000', { ...goodPrint, copies: 1000 }],
  ['copies 1.5', { ...goodPrint, copies: 1.5 }],
  ['copies NaN', { ...goodPrint, copies: Number.NaN }],
  ['an extra field', { ...goodPrint, shell: 'rm -rf /' }],
  ['a prototype-pollution key', JSON.parse(`{"printerName":null,"jobName":"x","pdf":null,"copies":1,"__proto__":{"admin":true}}`)],
  ['a printer name with a space', { ...goodPrint, printerName: 'a;rm -rf /' }],
  ['a printer name with a slash', { ...goodPrint, printerName: '../x' }],
  ['a printer name with a newline', { ...goodPrint, printerName: 'a\nb' }],
  ['an empty printer name', { ...goodPrint, printerName: '' }],
  ['a huge printer name', { ...goodPrint, printerName: 'x'.repeat(1_000_000) }],
  ['a huge job name', { ...goodPrint, jobName: 'y'.repeat(5_000_000) }],
  ['an empty job name', { ...goodPrint, jobName: '' }],
  ['pdf as a string', { ...goodPrint, pdf: '%PDF-1.4' }],
  ['pdf as a plain array', { ...goodPrint, pdf: [0x25, 0x50, 0x44, 0x46] }],
  ['pdf as an ArrayBuffer', { ...goodPrint, pdf: PDF.buffer }],
  ['an empty pdf', { ...goodPrint, pdf: new Uint8Array(0) }],
  ['a non-PDF Uint8Array', { ...goodPrint, pdf: new Uint8Array([0x4d, 0x5a, 0x90, 0x00]) }],
  ['a PNG', { ...goodPrint, pdf: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]) }],
  [
    'a too large pdf',
    {
      ...goodPrint,
      pdf: (() => {
        const b = new Uint8Array(20 * 1024 * 1024 + 1);
        b.set(PDF);
        return b;
      })(),
    },
  ],
];

describe('createIpcHandlers: payload validation', () => {
  it.each(malformedPrint)('printPdf refuses %s without calling the printer', async (_name, payload) => {
    const s = services();
    const handlers = createIpcHandlers(s);
    const r = await handlers.printPdf(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ipc.invalid-payload');
      expect(r.error.detail.length).toBeLessThan(700);
    }
    expect(s.printPdf).not.toHaveBeenCalled();
  });

  it('passes a valid print request through', async () => {
    const s = services();
    expect(await createIpcHandlers(s).printPdf(goodPrint)).toEqual({ ok: true, value: { jobId: 'Ticket_80mm-1' } });
    expect(s.printPdf).toHaveBeenCalledWith(goodPrint);
  });

  it.each([
    ['null', null],
    ['a string', 'x'],
    ['an object', {}],
    ['an array', []],
    ['zero', 0],
  ])('void methods refuse %s', async (_name, payload) => {
    const handlers = createIpcHandlers(services());
    for (const method of ['listPrinters', 'readConfig', 'appInfo', 'diskStatus', 'journalRead', 'credentialRead'] as const) {
      expect(await handlers[method](payload)).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    }
  });

  it('void methods answer undefined payloads', async () => {
    const handlers = createIpcHandlers(services());
    expect(await handlers.listPrinters(undefined)).toMatchObject({ ok: true });
    expect(await handlers.readConfig(undefined)).toEqual({ ok: true, value: null });
    expect(await handlers.appInfo(undefined)).toEqual({
      ok: true,
      value: { version: '0.1.0', shell: 'electron', electronVersion: '41.7.1', chromeVersion: '146.0', packaged: false, platform: 'linux' },
    });
  });

  const good = defaultDeviceConfig(DEVICE_ID);
  it.each([
    ['null', null],
    ['an array', [good]],
    ['a bad uuid', { ...good, deviceId: 'abc' }],
    ['an unknown role', { ...good, role: 'root' }],
    ['a lowercase branch', { ...good, branchCode: 'cn01' }],
    ['slot 50', { ...good, kioskSlot: 50 }],
    ['slot "1"', { ...good, kioskSlot: '1' }],
    ['a non-URL server', { ...good, serverUrl: 'not a url' }],
    ['a huge server URL', { ...good, serverUrl: `https://x.vn/${'a'.repeat(100_000)}` }],
    ['an extra field', { ...good, debug: true }],
    ['a missing field', { deviceId: DEVICE_ID, role: 'citizen' }],
  ])('writeConfig refuses %s', async (_name, payload) => {
    const s = services();
    expect(await createIpcHandlers(s).writeConfig(payload)).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    expect(s.writeConfig).not.toHaveBeenCalled();
  });

  it('writeConfig accepts a valid config', async () => {
    expect(await createIpcHandlers(services()).writeConfig(good)).toEqual({ ok: true, value: good });
  });

  it('summarises issues without echoing values', async () => {
    const r = await createIpcHandlers(services()).printPdf({ ...goodPrint, jobName: 'Nguyễn Văn A'.repeat(20) });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('Nguyễn');
    expect(!r.ok && r.error.detail).toContain('jobName');
  });
});

describe('createIpcHandlers: never throws', () => {
  it('turns a throwing service into ipc.internal', async () => {
    const handlers = createIpcHandlers(
      services({
        printPdf: () => {
          throw new Error('disk exploded');
        },
        listPrinters: () => Promise.reject(new TypeError('boom')),
        readConfig: async () => {
          throw 'a string';
        },
        appInfo: () => {
          throw new Error('no version');
        },
      }),
    );
    await expect(handlers.printPdf(goodPrint)).resolves.toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
    await expect(handlers.listPrinters(undefined)).resolves.toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
    await expect(handlers.readConfig(undefined)).resolves.toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
    await expect(handlers.appInfo(undefined)).resolves.toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
  });

  it('passes service errors through unchanged', async () => {
    const handlers = createIpcHandlers(services({ listPrinters: async () => err('print.spooler-unavailable', 'cupsd down') }));
    expect(await handlers.listPrinters(undefined)).toEqual(err('print.spooler-unavailable', 'cupsd down'));
  });

  it('refuses a response that breaks the contract', async () => {
    const handlers = createIpcHandlers(
      services({
        printPdf: async () => ok({ jobId: 7 } as unknown as { jobId: string }),
        readConfig: async () => 'not a result' as never,
      }),
    );
    expect(await handlers.printPdf(goodPrint)).toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
    expect(await handlers.readConfig(undefined)).toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
  });
});

describe('registerIpcHandlers', () => {
  function fakeIpcMain() {
    const listeners = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
    const ipcMain: IpcMainLike = { handle: (channel, listener) => listeners.set(channel, listener) };
    return { ipcMain, listeners };
  }

  it('registers every channel of the contract', () => {
    const { ipcMain, listeners } = fakeIpcMain();
    registerIpcHandlers(ipcMain, createIpcHandlers(services()));
    expect([...listeners.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());
  });

  it('answers frames of app://kiosk', async () => {
    const { ipcMain, listeners } = fakeIpcMain();
    registerIpcHandlers(ipcMain, createIpcHandlers(services()));
    const r = await listeners.get(IPC_CHANNELS.printPdf)?.({ senderFrame: { url: 'app://kiosk/tickets' } }, goodPrint);
    expect(r).toEqual({ ok: true, value: { jobId: 'Ticket_80mm-1' } });
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://example.invalid/' } }],
    ['a look-alike host', { senderFrame: { url: 'app://kiosk.evil/' } }],
    ['a file URL', { senderFrame: { url: 'file:///tmp/x.html' } }],
    ['a destroyed frame', { senderFrame: null }],
    ['no frame at all', {}],
  ])('refuses %s with ipc.forbidden-sender', async (_name, event) => {
    const s = services();
    const { ipcMain, listeners } = fakeIpcMain();
    registerIpcHandlers(ipcMain, createIpcHandlers(s));
    const r = await listeners.get(IPC_CHANNELS.printPdf)?.(event, goodPrint);
    expect(r).toMatchObject({ ok: false, error: { code: 'ipc.forbidden-sender' } });
    expect(s.printPdf).not.toHaveBeenCalled();
  });

  it('refuses a frame whose url getter throws', async () => {
    const { ipcMain, listeners } = fakeIpcMain();
    registerIpcHandlers(ipcMain, createIpcHandlers(services()));
    const event = {
      get senderFrame(): { url: string } {
        throw new Error('Render frame was disposed');
      },
    };
    expect(await listeners.get(IPC_CHANNELS.appInfo)?.(event)).toMatchObject({ ok: false, error: { code: 'ipc.forbidden-sender' } });
  });

  it('refuses extra arguments', async () => {
    const { ipcMain, listeners } = fakeIpcMain();
    registerIpcHandlers(ipcMain, createIpcHandlers(services()));
    const r = await listeners.get(IPC_CHANNELS.printPdf)?.({ senderFrame: { url: 'app://kiosk/' } }, goodPrint, 'extra');
    expect(r).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
  });
});
