import { execFile as nodeExecFile } from 'node:child_process';
import { MAX_SCAN_PNG_BYTES, type ScannedPage, type ScannerInfo, type ScanPageRequest } from '../src/shared/ipc';
import { err, ok, type Result } from '../src/shared/result';

/**
 * Document scanners through SANE's `scanimage` (Linux; the .deb should depend on `sane-utils`).
 *
 * Guarantees:
 * - `scanimage` runs through execFile with an argument array, never a shell; the device name is one
 *   `--device-name=<name>` argument (and the IPC schema refuses names starting with "-").
 * - One scan at a time per service: a second scanPage while one runs answers `scan.busy` at once.
 * - Every command has a timeout (list 30 s, scan 120 s) and a size cap on what it may print
 *   (64 MB of PNG); a cancel (window closed) kills the running scanimage.
 * - Failures are Result values: scan.no-sane (scanimage missing), scan.no-scanner (none found when
 *   no device was named), scan.device-not-found, scan.busy, scan.timeout, scan.cancelled,
 *   scan.failed, scan.unsupported (Windows: WIA/TWAIN is a follow-up, see electron/README.md).
 *   Details summarise scanimage's stderr without device names or paths (no personal data).
 * - Mode, depth and page size are chosen from the options the device itself lists (`scanimage -A`,
 *   cached per device), because backends name them differently ("Gray", "Grayscale", "True Gray").
 *   The page is A4 (210 × 297 mm) or the largest area the device offers.
 */

export const LIST_TIMEOUT_MS = 30_000;
export const OPTIONS_TIMEOUT_MS = 30_000;
export const SCAN_TIMEOUT_MS = 120_000;
const A4_MM = { width: 210, height: 297 } as const;

export interface ExecResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** What a failed run leaves behind, as far as error mapping cares (node's execFile error fits). */
export interface ScanExecFailure {
  readonly code?: string | number | null | undefined;
  readonly killed?: boolean | undefined;
  readonly signal?: string | null | undefined;
  readonly name?: string | undefined;
  readonly stderr?: string | undefined;
  readonly message?: string | undefined;
}

export type ScanExecFn = (
  file: string,
  args: readonly string[],
  options: { readonly timeout: number; readonly maxBuffer: number; readonly env: NodeJS.ProcessEnv; readonly signal?: AbortSignal | undefined },
) => Promise<ExecResult>;

/** node:child_process.execFile with binary stdout, never a shell; rejects with a ScanExecFailure-like error. */
export const defaultScanExec: ScanExecFn = (file, args, options) =>
  new Promise((resolve, reject) => {
    nodeExecFile(
      file,
      [...args],
      {
        timeout: options.timeout,
        maxBuffer: options.maxBuffer,
        env: options.env,
        signal: options.signal,
        shell: false,
        windowsHide: true,
        encoding: 'buffer',
        killSignal: 'SIGTERM',
      },
      (error, stdout, stderr) => {
        const stderrText = stderr.toString('utf8');
        if (error) reject(Object.assign(error, { stderr: stderrText }));
        else resolve({ stdout, stderr: stderrText });
      },
    );
  });

/** `scanimage -f` format: device, vendor, model, type separated by tabs, one device per line. */
export const LIST_FORMAT = '%d\t%v\t%m\t%t%n';

export function parseScannerList(stdout: string): ScannerInfo[] {
  const scanners: ScannerInfo[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const [device, vendor = '', model = '', type = ''] = line.split('\t');
    if (device === undefined || device.trim() === '' || device.startsWith('-')) continue;
    const name = [vendor, model]
      .map((s) => s.trim())
      .filter(Boolean)
      .join(' ');
    const description = `${name}${type.trim() ? ` (${type.trim()})` : ''}`.slice(0, 256);
    if (!scanners.some((s) => s.device === device)) scanners.push({ device: device.slice(0, 256), description });
  }
  return scanners.slice(0, 64);
}

/** One option line of `scanimage -A`: name, allowed values, current value (or "inactive"). */
export interface DeviceOption {
  readonly name: string;
  readonly values: string;
  readonly current: string | null;
}

/** Parses the device-specific part of `scanimage -d <dev> -A`, e.g. `    --mode Gray|Color [Gray]`, `    -x 0..215.9mm [215.9]`. */
export function parseDeviceOptions(text: string): Map<string, DeviceOption> {
  const options = new Map<string, DeviceOption>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s+(-{1,2}[A-Za-z0-9][\w-]*)(?:\[=\(([^)]*)\)\]|\s+(.*?))?(?:\s+\[([^\]]*)\])?\s*$/.exec(line);
    if (m?.[1] === undefined) continue;
    const values = (m[2] ?? m[3] ?? '').trim();
    options.set(m[1], { name: m[1], values, current: m[4] ?? null });
  }
  return options;
}

function isActive(option: DeviceOption | undefined): option is DeviceOption {
  return option !== undefined && option.current !== 'inactive';
}

/** Picks the device's own name for gray or colour from `--mode A|B|C`. */
export function pickMode(option: DeviceOption | undefined, mode: ScanPageRequest['mode']): string | null {
  if (!isActive(option)) return null;
  const choices = option.values.split('|').map((s) => s.trim());
  const wanted = mode === 'gray' ? /gr[ae]y/i : /colou?r/i;
  // "Gray" before "True Gray"/"Gray16": prefer the shortest matching name (usually the 8-bit one).
  const matches = choices.filter((c) => wanted.test(c)).sort((a, b) => a.length - b.length);
  return matches[0] ?? null;
}

/** The largest value of a range like `0..215.9mm` or a list like `75|150|300dpi`. */
function maxOf(values: string): number | null {
  const numbers = values.match(/\d+(?:\.\d+)?/g)?.map(Number) ?? [];
  return numbers.length === 0 ? null : Math.max(...numbers);
}

/** A resolution the device accepts: the requested one if in range/list, else the nearest offered. */
export function pickResolution(option: DeviceOption | undefined, wanted: number): number {
  if (!isActive(option)) return wanted;
  const values = option.values.replace(/dpi.*$/, '');
  const range = /^(\d+)\.\.(\d+)/.exec(values);
  if (range) return Math.min(Math.max(wanted, Number(range[1])), Number(range[2]));
  const list = values
    .split('|')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
  if (list.length === 0) return wanted;
  return list.reduce((best, n) =>
    Math.abs(n - wanted) < Math.abs(best - wanted) || (Math.abs(n - wanted) === Math.abs(best - wanted) && n > best) ? n : best,
  );
}

/** scanimage arguments for one page: only options the device lists are passed (unknown ones make scanimage fail). */
export function buildScanArgs(device: string, options: ReadonlyMap<string, DeviceOption>, request: Pick<ScanPageRequest, 'mode' | 'resolution'>): string[] {
  const args = [`--device-name=${device}`, '--format=png'];
  const mode = pickMode(options.get('--mode'), request.mode);
  if (mode !== null) args.push(`--mode=${mode}`);
  if (isActive(options.get('--depth')) && options.get('--depth')?.values.split('|').includes('8')) args.push('--depth=8');
  if (isActive(options.get('--resolution'))) args.push(`--resolution=${pickResolution(options.get('--resolution'), request.resolution)}`);
  for (const [flag, a4] of [
    ['-x', A4_MM.width],
    ['-y', A4_MM.height],
  ] as const) {
    const option = options.get(flag);
    if (!isActive(option)) continue;
    const max = maxOf(option.values);
    args.push(flag, String(max === null ? a4 : Math.min(a4, max)));
  }
  if (isActive(options.get('-l'))) args.push('-l', '0');
  if (isActive(options.get('-t'))) args.push('-t', '0');
  return args;
}

export interface PngHeader {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  readonly colorType: number;
  /** From the pHYs chunk when present (pixels per metre), else null. */
  readonly dpi: number | null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads IHDR (and pHYs if it comes before the image data) of a PNG, or null when it is not one. */
export function readPngHeader(bytes: Uint8Array): PngHeader | null {
  if (bytes.byteLength < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const header = { widthPx: view.getUint32(16), heightPx: view.getUint32(20), bitDepth: bytes[24] ?? 0, colorType: bytes[25] ?? 0 };
  let dpi: number | null = null;
  let at = 8;
  while (at + 12 <= bytes.byteLength) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'pHYs' && length >= 9 && bytes[at + 16] === 1) dpi = Math.round(view.getUint32(at + 8) * 0.0254);
    at += 12 + length;
  }
  return { ...header, dpi };
}

/** stderr without the "scanimage:" prefix, device names, paths or addresses, on one short line. */
export function summarizeStderr(stderr: string, device: string | null): string {
  let text = stderr;
  if (device) text = text.split(device).join('<device>');
  text = text
    .replace(/`[^'`]*'/g, '<device>')
    .replace(/(?:[A-Za-z]:)?[\\/][^\s:'"]+/g, '<path>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<address>')
    .replace(/scanimage:\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || 'no message';
}

/** Maps a failed scanimage run to a scan.* error. */
export function mapScanFailure(failure: ScanExecFailure, device: string | null, timeoutMs: number): Result<never> {
  const stderr = failure.stderr ?? '';
  if (failure.code === 'ENOENT') {
    return err('scan.no-sane', 'scanimage not found: install sane-utils (and the scanner driver), then restart the kiosk');
  }
  if (failure.name === 'AbortError' || failure.code === 'ABORT_ERR') return err('scan.cancelled', 'the scan was cancelled (window closed)');
  if (failure.killed === true || failure.signal === 'SIGTERM' || failure.code === 'ETIMEDOUT') {
    return err('scan.timeout', `the scanner did not finish within ${Math.round(timeoutMs / 1000)} s`);
  }
  if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return err('scan.failed', `the page is larger than ${MAX_SCAN_PNG_BYTES / (1024 * 1024)} MB`);
  }
  if (/open of device .* failed|no such device|invalid argument/i.test(stderr) && /open/i.test(stderr)) {
    return err('scan.device-not-found', `the scanner could not be opened: ${summarizeStderr(stderr, device)}`);
  }
  if (/device busy/i.test(stderr)) return err('scan.busy', 'the scanner is busy with another job');
  if (/access to resource has been denied|permission denied/i.test(stderr)) {
    return err('scan.failed', `permission denied: add the kiosk user to the "scanner" group (${summarizeStderr(stderr, device)})`);
  }
  return err('scan.failed', summarizeStderr(stderr || (failure.message ?? `exit code ${String(failure.code)}`), device));
}

export interface ScannerServiceDeps {
  readonly platform: NodeJS.Platform;
  readonly exec: ScanExecFn;
  /** Passed to scanimage (with LC_ALL=C so messages can be mapped); SANE_CONFIG_DIR selects backends. */
  readonly env: NodeJS.ProcessEnv;
  readonly command: string;
  readonly scanTimeoutMs: number;
  /** Extra arguments for a device (tests: `--test-picture=Grid` for SANE's test device). */
  readonly extraArgs: (device: string) => readonly string[];
}

export interface ScannerService {
  listScanners(): Promise<Result<ScannerInfo[]>>;
  /** One page; `signal` (or cancel()) stops it with scan.cancelled. */
  scanPage(request: ScanPageRequest, signal?: AbortSignal): Promise<Result<ScannedPage>>;
  /** Kills the running scan, if any (the window that asked for it closed). */
  cancel(): void;
  readonly busy: boolean;
}

export function createScannerService(overrides: Partial<ScannerServiceDeps> = {}): ScannerService {
  const deps: ScannerServiceDeps = {
    platform: process.platform,
    exec: defaultScanExec,
    env: process.env,
    command: 'scanimage',
    scanTimeoutMs: SCAN_TIMEOUT_MS,
    extraArgs: () => [],
    ...overrides,
  };
  const env: NodeJS.ProcessEnv = { ...deps.env, LC_ALL: 'C', LANG: 'C' };
  const optionCache = new Map<string, Map<string, DeviceOption>>();
  let running: AbortController | null = null;

  const unsupported = (): Result<never> => err('scan.unsupported', 'document scanners work through SANE on Linux; Windows (WIA/TWAIN) is not supported yet');

  async function listScanners(): Promise<Result<ScannerInfo[]>> {
    if (deps.platform === 'win32') return unsupported();
    try {
      const { stdout } = await deps.exec(deps.command, [`--formatted-device-list=${LIST_FORMAT}`], { timeout: LIST_TIMEOUT_MS, maxBuffer: 1024 * 1024, env });
      return ok(parseScannerList(stdout.toString('utf8')));
    } catch (e) {
      return mapScanFailure(e as ScanExecFailure, null, LIST_TIMEOUT_MS);
    }
  }

  async function deviceOptions(device: string, signal: AbortSignal): Promise<Result<Map<string, DeviceOption>>> {
    const cached = optionCache.get(device);
    if (cached) return ok(cached);
    try {
      const { stdout } = await deps.exec(deps.command, [`--device-name=${device}`, '--all-options'], {
        timeout: OPTIONS_TIMEOUT_MS,
        maxBuffer: 1024 * 1024,
        env,
        signal,
      });
      const options = parseDeviceOptions(stdout.toString('utf8'));
      optionCache.set(device, options);
      return ok(options);
    } catch (e) {
      return mapScanFailure(e as ScanExecFailure, device, OPTIONS_TIMEOUT_MS);
    }
  }

  async function scanWith(request: ScanPageRequest, signal: AbortSignal): Promise<Result<ScannedPage>> {
    let device = request.device;
    if (device === null) {
      const listed = await listScanners();
      if (!listed.ok) return listed;
      const first = listed.value[0];
      if (first === undefined) return err('scan.no-scanner', 'SANE found no scanner (scanimage -L lists none)');
      device = first.device;
    }
    const options = await deviceOptions(device, signal);
    if (!options.ok) return options;
    const args = [...buildScanArgs(device, options.value, request), ...deps.extraArgs(device)];
    let stdout: Buffer;
    try {
      ({ stdout } = await deps.exec(deps.command, args, { timeout: deps.scanTimeoutMs, maxBuffer: MAX_SCAN_PNG_BYTES, env, signal }));
    } catch (e) {
      return mapScanFailure(e as ScanExecFailure, device, deps.scanTimeoutMs);
    }
    const png = new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength);
    const header = readPngHeader(png);
    if (header === null) return err('scan.failed', `the scanner returned no PNG image (${png.byteLength} bytes)`);
    if (header.bitDepth !== 8 || (header.colorType !== 0 && header.colorType !== 2)) {
      return err('scan.failed', `unexpected image format (depth ${header.bitDepth}, colour type ${header.colorType})`);
    }
    return ok({
      png: png.slice(),
      widthPx: header.widthPx,
      heightPx: header.heightPx,
      dpi: header.dpi ?? request.resolution,
      mode: header.colorType === 0 ? 'gray' : 'color',
    });
  }

  return {
    listScanners,
    async scanPage(request, signal) {
      if (deps.platform === 'win32') return unsupported();
      if (running !== null) return err('scan.busy', 'another page is being scanned');
      const controller = new AbortController();
      running = controller;
      const onAbort = (): void => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) controller.abort();
      try {
        return await scanWith(request, controller.signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        running = null;
      }
    },
    cancel() {
      running?.abort();
    },
    get busy() {
      return running !== null;
    },
  };
}
