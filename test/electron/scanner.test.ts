import { execFileSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildScanArgs,
  createScannerService,
  mapScanFailure,
  parseDeviceOptions,
  parseScannerList,
  readPngHeader,
  summarizeStderr,
  type ScannerService,
} from '../../electron/scanner';
import { createIpcHandlers, type IpcServices } from '../../electron/ipcHandlers';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import { err, ok } from '../../src/shared/result';

/**
 * Runs electron/scanner.ts FOR REAL against SANE's `test` backend (sane-utils): the frontend-tester
 * virtual devices test:0 and test:1. Debian ships the backend disabled in /etc/sane.d/dll.conf, so
 * the test points SANE_CONFIG_DIR at a private folder whose dll.conf enables only `test` (this is
 * also how a technician can check a kiosk's SANE set-up without a scanner).
 */

function hasScanimage(): boolean {
  try {
    execFileSync('scanimage', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SANE = hasScanimage();
if (!SANE) console.warn('scanner.test: scanimage not found — install sane-utils (apt-get install sane-utils) to run the SANE tests; skipping them');

// The test device's largest page is 200 × 200 mm: at 200 dpi that takes
// ~0.1 s (SANE rounds the pixel count down: 1574 × 1574), so the real-device tests stay fast.
const TEST_SIDE_PX_200DPI = Math.floor((200 / 25.4) * 200);

describe.skipIf(!SANE)('SANE test device, for real', () => {
  let configDir: string;
  let scanner: ScannerService;

  beforeAll(() => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'hpasc-sane-'));
    writeFileSync(path.join(configDir, 'dll.conf'), 'test\n');
    writeFileSync(path.join(configDir, 'test.conf'), 'number_of_devices 2\n');
    scanner = createScannerService({
      env: { ...process.env, SANE_CONFIG_DIR: configDir },
      // Content on the page: a black/white 10 mm grid (the default is solid black).
      extraArgs: (device) => (device.startsWith('test') ? ['--test-picture=Grid'] : []),
    });
  });
  afterAll(() => rmSync(configDir, { recursive: true, force: true }));

  it('lists the test devices with a description', async () => {
    const r = await scanner.listScanners();
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((s) => s.device)).toEqual(expect.arrayContaining(['test:0', 'test:1']));
    expect(r.value.find((s) => s.device === 'test:0')?.description).toMatch(/frontend-tester/);
  });

  it('scans a gray page at 200 dpi as an 8-bit grayscale PNG with the grid on it', async () => {
    const r = await scanner.scanPage({ device: 'test:0', mode: 'gray', resolution: 200 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ mode: 'gray', widthPx: TEST_SIDE_PX_200DPI, heightPx: TEST_SIDE_PX_200DPI, dpi: 200 });
    const header = readPngHeader(r.value.png);
    expect(header).toMatchObject({ widthPx: TEST_SIDE_PX_200DPI, heightPx: TEST_SIDE_PX_200DPI, bitDepth: 8, colorType: 0 });
    // A solid page compresses to almost nothing; the grid does not.
    expect(r.value.png.byteLength).toBeGreaterThan(2_000);
  });

  it('scans a colour page at 200 dpi as an 8-bit RGB PNG', async () => {
    const r = await scanner.scanPage({ device: 'test:1', mode: 'color', resolution: 200 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.mode).toBe('color');
    expect(readPngHeader(r.value.png)).toMatchObject({ widthPx: TEST_SIDE_PX_200DPI, heightPx: TEST_SIDE_PX_200DPI, bitDepth: 8, colorType: 2 });
  });

  it('with no device named, scans on the first scanner found', async () => {
    const r = await scanner.scanPage({ device: null, mode: 'gray', resolution: 150 });
    expect(r.ok && r.value.widthPx).toBe(Math.floor((200 / 25.4) * 150));
  });

  it('refuses a second scan while one runs, with scan.busy, then scans again', async () => {
    const first = scanner.scanPage({ device: 'test:0', mode: 'gray', resolution: 150 });
    const second = await scanner.scanPage({ device: 'test:0', mode: 'gray', resolution: 150 });
    expect(second).toMatchObject({ ok: false, error: { code: 'scan.busy' } });
    expect((await first).ok).toBe(true);
    expect((await scanner.scanPage({ device: 'test:0', mode: 'gray', resolution: 150 })).ok).toBe(true);
  });

  it('answers scan.device-not-found for a device that does not exist, without naming it', async () => {
    const r = await scanner.scanPage({ device: 'pixma:04A9_NOSUCH', mode: 'gray', resolution: 200 });
    expect(r).toMatchObject({ ok: false, error: { code: 'scan.device-not-found' } });
    expect(!r.ok && r.error.detail).not.toContain('04A9_NOSUCH');
  });

  it('cancels a running scan when its signal fires (window closed)', async () => {
    const slow = createScannerService({
      env: { ...process.env, SANE_CONFIG_DIR: configDir },
      // 200 ms after each buffer: the page takes seconds, long enough to cancel it.
      extraArgs: () => ['--read-delay=yes', '--read-delay-duration=200000', '--read-limit=yes', '--read-limit-size=4096'],
    });
    const controller = new AbortController();
    const pending = slow.scanPage({ device: 'test:0', mode: 'gray', resolution: 300 }, controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'scan.cancelled' } });
    expect(slow.busy).toBe(false);
  });

  it('answers scan.no-scanner when SANE finds none and no device was named', async () => {
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'hpasc-sane-empty-'));
    try {
      writeFileSync(path.join(emptyDir, 'dll.conf'), '\n');
      const none = createScannerService({ env: { ...process.env, SANE_CONFIG_DIR: emptyDir } });
      expect(await none.listScanners()).toEqual({ ok: true, value: [] });
      expect(await none.scanPage({ device: null, mode: 'gray', resolution: 200 })).toMatchObject({ ok: false, error: { code: 'scan.no-scanner' } });
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

describe('scanner without SANE or off Linux', () => {
  it('answers scan.no-sane naming sane-utils when scanimage is missing', async () => {
    const s = createScannerService({ command: 'scanimage-not-installed-here' });
    const r = await s.listScanners();
    expect(r).toMatchObject({ ok: false, error: { code: 'scan.no-sane' } });
    expect(!r.ok && r.error.detail).toContain('sane-utils');
  });

  it('answers scan.unsupported on Windows', async () => {
    const s = createScannerService({ platform: 'win32' });
    expect(await s.scanPage({ device: null, mode: 'gray', resolution: 200 })).toMatchObject({ ok: false, error: { code: 'scan.unsupported' } });
  });
});

describe('scanner parsing and error mapping', () => {
  it('parses the formatted device list', () => {
    expect(parseScannerList('test:0\tNoname\tfrontend-tester\tvirtual device\nairscan:e0:Canon\tCanon\tMF240\teSCL network scanner\n\n')).toEqual([
      { device: 'test:0', description: 'Noname frontend-tester (virtual device)' },
      { device: 'airscan:e0:Canon', description: 'Canon MF240 (eSCL network scanner)' },
    ]);
    expect(parseScannerList('')).toEqual([]);
  });

  it("uses the device's own mode names and clamps the page to what it offers", () => {
    const options = parseDeviceOptions(
      ['    --mode Lineart|Gray|Color [Color]', '    --resolution 75|150|300|600dpi [75]', '    -x 0..215.9mm [215.9]', '    -y 0..297.011mm [297.011]'].join(
        '\n',
      ),
    );
    expect(buildScanArgs('pixma:1', options, { mode: 'gray', resolution: 200 })).toEqual([
      '--device-name=pixma:1',
      '--format=png',
      '--mode=Gray',
      '--resolution=150',
      '-x',
      '210',
      '-y',
      '297',
    ]);
    const other = parseDeviceOptions('    --mode Binary|True Gray|24bit Color [24bit Color]\n    --resolution 50..1200dpi [300]\n');
    expect(buildScanArgs('x:1', other, { mode: 'color', resolution: 300 })).toContain('--mode=24bit Color');
  });

  it('maps SANE messages to codes and keeps paths, addresses and device names out of details', () => {
    const notFound = mapScanFailure({ code: 1, stderr: 'scanimage: open of device net:10.0.0.5:pixma failed: Invalid argument\n' }, 'net:10.0.0.5:pixma', 1000);
    expect(notFound).toMatchObject({ ok: false, error: { code: 'scan.device-not-found' } });
    expect(!notFound.ok && notFound.error.detail).not.toMatch(/10\.0\.0\.5/);
    expect(mapScanFailure({ code: 3, stderr: 'scanimage: sane_read: Device busy' }, 'a', 1000)).toMatchObject({ error: { code: 'scan.busy' } });
    expect(mapScanFailure({ killed: true, signal: 'SIGTERM' }, 'a', 120_000)).toMatchObject({ error: { code: 'scan.timeout' } });
    expect(summarizeStderr('scanimage: cannot write /home/nguyen/out.png: denied', null)).toBe('cannot write <path>: denied');
  });
});

describe('scanPage over IPC', () => {
  const base = {} as IpcServices;
  it('validates the request before any scanner runs', async () => {
    let calls = 0;
    const handlers = createIpcHandlers({
      ...base,
      scanPage: async () => {
        calls++;
        return err('scan.failed', 'x');
      },
    });
    expect(await handlers.scanPage({ device: '--help', mode: 'gray', resolution: 200 })).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    expect(await handlers.scanPage({ device: null, mode: 'gray', resolution: 600 })).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    expect(calls).toBe(0);
  });

  it('refuses an answer that is not a PNG', async () => {
    const handlers = createIpcHandlers({
      ...base,
      scanPage: async () => ok({ png: new Uint8Array(100), widthPx: 1, heightPx: 1, dpi: 200, mode: 'gray' as const }),
    });
    expect(await handlers.scanPage({ device: null, mode: 'gray', resolution: 200 })).toMatchObject({ ok: false, error: { code: 'ipc.internal' } });
  });
});

describe('the fake platform scanner', () => {
  it('answers a real PNG page at the requested resolution and mode, and the same errors as main', async () => {
    const fake = createFakePlatform();
    const r = await fake.scanPage({ device: null, mode: 'gray', resolution: 150 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(readPngHeader(r.value.png)).toMatchObject({ widthPx: 1240, heightPx: 1754, bitDepth: 8, colorType: 0 });
    // The IDAT is a valid zlib stream (inflateSync checks the Adler-32) holding every row.
    const idatLength = new DataView(r.value.png.buffer, r.value.png.byteOffset).getUint32(33);
    const raw = inflateSync(r.value.png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(1754 * (1 + 1240));
    expect(await fake.scanPage({ device: 'nope:0', mode: 'gray', resolution: 150 })).toMatchObject({ ok: false, error: { code: 'scan.device-not-found' } });
    const first = fake.scanPage({ device: null, mode: 'color', resolution: 150 });
    expect(await fake.scanPage({ device: null, mode: 'color', resolution: 150 })).toMatchObject({ ok: false, error: { code: 'scan.busy' } });
    expect((await first).ok).toBe(true);
    fake.scanners = [];
    expect(await fake.scanPage({ device: null, mode: 'gray', resolution: 150 })).toMatchObject({ ok: false, error: { code: 'scan.no-scanner' } });
  });
});
