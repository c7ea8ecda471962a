import type { DeviceConfig } from '../shared/deviceConfig';
import { DEFAULT_MIN_FREE_DISK_BYTES, type DiskStatus, type PrintPdfRequest, type ScannerInfo, type ScanPageRequest } from '../shared/ipc';
import type { OutboxEntry } from '../shared/outbox';
import { err, ok, type AppError } from '../shared/result';
import type { Platform } from './Platform';

/**
 * In-memory platform for tests: records print jobs, can be told to fail the next ones; keeps the
 * journal and the credential in memory; disk status is whatever the test sets, and
 * `simulateFullDisk(true)` makes the disk low and journal appends fail with `journal.write-failed`.
 * Scanning answers a generated A4 page (white paper, dark "text lines", a black corner mark) as a
 * real PNG at the requested resolution and mode; `scanners = []` makes it `scan.no-scanner`.
 */
export interface FakePlatform extends Platform {
  readonly printed: PrintPdfRequest[];
  failPrintingWith(error: AppError | null): void;
  config: DeviceConfig | null;
  disk: DiskStatus;
  setFreeBytes(freeBytes: number): void;
  simulateFullDisk(full: boolean): void;
  /** journalId → entries in append order (first copy of each mutationId). */
  readonly journals: Map<string, OutboxEntry[]>;
  /** Counter high-water marks (journalReserve), never trimmed. */
  readonly marks: Map<string, number>;
  credential: string | null;
  /** false: the credential methods answer `credential.no-keystore`, like main without a keystore. */
  keystoreAvailable: boolean;
  /**
   * The data key `dataKeyRead` hands out (base64 of 32 bytes; fixed per fake, so a "restarted" app
   * on the same fake opens what it sealed), or an error code to answer instead (e.g. 'datakey.unreadable').
   */
  dataKey: string | { readonly error: string };
  /** What listScanners answers; an unknown device name is `scan.device-not-found`. */
  scanners: ScannerInfo[];
  readonly scanned: ScanPageRequest[];
  failScanningWith(error: AppError | null): void;
}

/** CRC-32 (PNG chunks), table-driven. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * An A4 page as an 8-bit PNG (gray or RGB) with stored (uncompressed) deflate blocks: no zlib
 * needed, so it runs in Node and in the browser. Dark bands stand for text lines.
 */
export function generateFakePagePng(resolution: number, mode: 'gray' | 'color'): { png: Uint8Array; widthPx: number; heightPx: number } {
  const widthPx = Math.round((210 / 25.4) * resolution);
  const heightPx = Math.round((297 / 25.4) * resolution);
  const channels = mode === 'gray' ? 1 : 3;
  const rowBytes = 1 + widthPx * channels;
  const raw = new Uint8Array(rowBytes * heightPx);
  const margin = Math.round(resolution * 0.8);
  const lineHeight = Math.max(2, Math.round(resolution / 12));
  for (let y = 0; y < heightPx; y++) {
    const row = y * rowBytes;
    raw[row] = 0; // filter: none
    const inText = y > margin && y < heightPx - margin && Math.floor(y / lineHeight) % 3 === 0;
    for (let x = 0; x < widthPx; x++) {
      const corner = x < margin / 2 && y < margin / 2;
      const dark = corner || (inText && x > margin && x < widthPx - margin && Math.floor(x / (lineHeight * 4)) % 5 !== 4);
      const v = dark ? 30 : 245;
      for (let c = 0; c < channels; c++) raw[row + 1 + x * channels + c] = v;
    }
  }
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const idat = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  idat[0] = 0x78;
  idat[1] = 0x01;
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const chunk = raw.subarray(b * 65535, Math.min(raw.length, (b + 1) * 65535));
    idat[at] = b === blocks - 1 ? 1 : 0;
    idat[at + 1] = chunk.length & 0xff;
    idat[at + 2] = chunk.length >>> 8;
    idat[at + 3] = ~chunk.length & 0xff;
    idat[at + 4] = (~chunk.length >>> 8) & 0xff;
    idat.set(chunk, at + 5);
    at += 5 + chunk.length;
  }
  let a = 1;
  let bsum = 0;
  for (let i = 0; i < raw.length; i++) {
    a = (a + raw[i]!) % 65521;
    bsum = (bsum + a) % 65521;
  }
  new DataView(idat.buffer).setUint32(at, ((bsum << 16) | a) >>> 0);
  const ihdr = new Uint8Array(13);
  const ihdrView = new DataView(ihdr.buffer);
  ihdrView.setUint32(0, widthPx);
  ihdrView.setUint32(4, heightPx);
  ihdr.set([8, mode === 'gray' ? 0 : 2, 0, 0, 0], 8);
  const chunks: Array<[string, Uint8Array]> = [
    ['IHDR', ihdr],
    ['IDAT', idat],
    ['IEND', new Uint8Array(0)],
  ];
  const png = new Uint8Array(8 + chunks.reduce((n, [, data]) => n + 12 + data.length, 0));
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer);
  let p = 8;
  for (const [type, data] of chunks) {
    view.setUint32(p, data.length);
    for (let i = 0; i < 4; i++) png[p + 4 + i] = type.charCodeAt(i);
    png.set(data, p + 8);
    view.setUint32(p + 8 + data.length, crc32(png, p + 4, p + 8 + data.length));
    p += 12 + data.length;
  }
  return { png, widthPx, heightPx };
}

const FAKE_TOTAL_BYTES = 64 * 1024 * 1024 * 1024;

export function createFakePlatform(initial: DeviceConfig | null = null): FakePlatform {
  let printFailure: AppError | null = null;
  let scanFailure: AppError | null = null;
  let scanning = false;
  let diskFull = false;
  const printed: PrintPdfRequest[] = [];
  const diskWith = (freeBytes: number): DiskStatus => ({
    freeBytes,
    totalBytes: FAKE_TOTAL_BYTES,
    thresholdBytes: DEFAULT_MIN_FREE_DISK_BYTES,
    low: freeBytes < DEFAULT_MIN_FREE_DISK_BYTES,
  });
  const fake: FakePlatform = {
    kind: 'fake',
    printed,
    config: initial,
    disk: diskWith(32 * 1024 * 1024 * 1024),
    journals: new Map(),
    marks: new Map(),
    credential: null,
    keystoreAvailable: true,
    dataKey: btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff))),
    scanners: [{ device: 'fake:0', description: 'Fake flatbed (virtual device)' }],
    scanned: [],
    failScanningWith(error) {
      scanFailure = error;
    },
    failPrintingWith(error) {
      printFailure = error;
    },
    setFreeBytes(freeBytes) {
      fake.disk = diskWith(freeBytes);
    },
    simulateFullDisk(full) {
      diskFull = full;
      if (full) fake.setFreeBytes(0);
    },
    async printPdf(request) {
      if (printFailure) return err(printFailure.code, printFailure.detail);
      printed.push(request);
      return ok({ jobId: `fake-${printed.length}` });
    },
    async listPrinters() {
      return ok([{ name: 'Fake_Thermal_80mm', isDefault: true, status: 'idle' as const }]);
    },
    async readConfig() {
      return ok(fake.config);
    },
    async writeConfig(config) {
      fake.config = config;
      return ok(config);
    },
    async appInfo() {
      return ok({ version: '0.0.0-test', shell: 'browser' as const, electronVersion: null, chromeVersion: null, packaged: false, platform: 'test' });
    },
    async diskStatus() {
      return ok({ ...fake.disk });
    },
    async journalAppend({ journalId, entries }) {
      if (diskFull) return err('journal.write-failed', 'ENOSPC: no space left on device (simulated)');
      const journal = fake.journals.get(journalId) ?? [];
      for (const entry of entries) {
        if (!journal.some((e) => e.mutationId === entry.mutationId)) journal.push(structuredClone(entry));
      }
      fake.journals.set(journalId, journal);
      return ok({ appended: entries.length });
    },
    async journalRead() {
      return ok({
        journals: [...fake.journals].map(([journalId, entries]) => ({ journalId, entries: structuredClone(entries), skippedLines: 0 })),
        marks: [...fake.marks].map(([key, value]) => ({ key, value })),
      });
    },
    async journalReserve({ marks }) {
      if (diskFull) return err('journal.write-failed', 'ENOSPC: no space left on device (simulated)');
      for (const m of marks) fake.marks.set(m.key, Math.max(fake.marks.get(m.key) ?? 0, m.value));
      return ok({ marks: marks.map((m) => ({ key: m.key, value: fake.marks.get(m.key)! })) });
    },
    async journalConfirm({ journalId, upToSeq }) {
      const remaining = (fake.journals.get(journalId) ?? []).filter((e) => e.deviceSeq > upToSeq);
      if (remaining.length === 0) fake.journals.delete(journalId);
      else fake.journals.set(journalId, remaining);
      return ok({ remaining: remaining.length });
    },
    async credentialRead() {
      if (!fake.keystoreAvailable) return err('credential.no-keystore', 'no keystore (fake)');
      return ok(fake.credential);
    },
    async credentialWrite({ token }) {
      if (token !== null && !fake.keystoreAvailable) return err('credential.no-keystore', 'no keystore (fake)');
      fake.credential = token;
      return ok({ stored: token !== null });
    },
    async enrolPost() {
      return err('enrol.direct', 'the fake platform lets the page send its enrolment itself');
    },
    async dataKeyRead() {
      if (typeof fake.dataKey !== 'string') return err(fake.dataKey.error, 'data key refused (fake)');
      return ok({ key: fake.dataKey, protection: fake.keystoreAvailable ? 'os-keystore' : 'file' });
    },
    async listScanners() {
      return ok(fake.scanners.map((s) => ({ ...s })));
    },
    async scanPage(request) {
      if (scanFailure) return err(scanFailure.code, scanFailure.detail);
      if (scanning) return err('scan.busy', 'another page is being scanned (fake)');
      const device = request.device ?? fake.scanners[0]?.device;
      if (device === undefined) return err('scan.no-scanner', 'no scanner (fake)');
      if (!fake.scanners.some((s) => s.device === device)) return err('scan.device-not-found', 'unknown device (fake)');
      scanning = true;
      try {
        // Yield once so a second call made meanwhile sees the scanner busy, as with a real one.
        await Promise.resolve();
        fake.scanned.push({ ...request });
        const page = generateFakePagePng(request.resolution, request.mode);
        return ok({ ...page, dpi: request.resolution, mode: request.mode });
      } finally {
        scanning = false;
      }
    },
  };
  return fake;
}
