import { execFile as nodeExecFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PrinterInfo, PrintPdfRequest, PrintPdfResponse } from '../src/shared/ipc';
import { describeUnknown, err, ok, truncateDetail, type Result } from '../src/shared/result';

/**
 * Printing a PDF (tickets, receipts) through the operating system's spooler.
 *
 * Guarantees:
 * - Linux/macOS use CUPS' `lp`/`lpstat` through execFile with an argument array, never a shell, so
 *   a printer or job name is always exactly one argument; `--` ends the options before the file.
 * - The PDF goes to a private temp file (mode 0o600) that is deleted after the spooler took it,
 *   whether printing succeeded or not. The PDF content is never logged.
 * - Every failure is a Result error: print.printer-not-found, print.spooler-unavailable,
 *   print.unsupported-platform or print.failed (with the spooler's stderr, which holds no
 *   personal data: job names are generic by contract). Commands time out after 30 s.
 * - Windows uses the `pdf-to-printer` package (SumatraPDF). It is NOT a dependency yet: add it
 *   (`npm install pdf-to-printer`, and unpack its .exe from asar, see electron-builder.yml) before
 *   building for Windows. It is loaded with a dynamic import only on win32; when it cannot be
 *   loaded printing answers print.unsupported-platform instead of crashing main.
 */

export const PRINT_TIMEOUT_MS = 30_000;
export interface PrintCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export interface PrintCommandInput {
  readonly platform: NodeJS.Platform;
  /** null = the system default destination. */
  readonly printerName: string | null;
  readonly filePath: string;
  readonly copies: number;
  readonly jobName: string;
}

export function buildPrintCommand(input: PrintCommandInput): Result<PrintCommand> {
  if (input.platform === 'win32') {
    return err('print.unsupported-platform', 'Windows prints through pdf-to-printer, not a command line');
  }
  const args: string[] = [];
  if (input.printerName !== null) args.push('-d', input.printerName);
  args.push('-n', String(input.copies), '-t', input.jobName, '--', input.filePath);
  return ok({ command: 'lp', args });
}

export const LIST_PRINTERS_COMMAND: PrintCommand = { command: 'lpstat', args: ['-p', '-d'] };

/** "request id is Cups-PDF-12 (1 file(s))" → "Cups-PDF-12". */
export function parseLpJobId(stdout: string): string | null {
  const m = /request id is (\S+)/.exec(stdout);
  return m?.[1] ?? null;
}

const SCHEDULER_DOWN = /scheduler is not running|unable to connect to server|connection refused|cups server is not running/i;

/**
 * Parses `LC_ALL=C lpstat -p -d`:
 *   printer Cups-PDF is idle.  enabled since Sun 23 Nov 2025 10:00:00 PM UTC
 *   printer Front_Desk now printing Front_Desk-7.  enabled since ...
 *   printer Old_Laser disabled since ... -
 *   \treason unknown
 *   system default destination: Cups-PDF      (or: no system default destination)
 */
export function parseLpstat(stdout: string): PrinterInfo[] {
  const printers: PrinterInfo[] = [];
  let defaultName: string | null = null;
  for (const rawLine of stdout.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    const def = /^system default destination:\s*(\S+)/.exec(line);
    if (def?.[1] !== undefined) {
      defaultName = def[1];
      continue;
    }
    const p = /^printer (\S+) (.*)$/.exec(line);
    if (p?.[1] === undefined) continue;
    const rest = p[2] ?? '';
    let status: PrinterInfo['status'] = 'unknown';
    if (/\bdisabled since\b/.test(rest)) status = 'stopped';
    else if (/^now printing\b/.test(rest)) status = 'printing';
    else if (/^is idle\b/.test(rest)) status = 'idle';
    printers.push({ name: p[1], isDefault: false, status });
  }
  return printers.map((printer) => ({ ...printer, isDefault: printer.name === defaultName }));
}

/** What a failed execFile leaves behind, as far as error mapping cares. */
export interface ExecFailure {
  readonly code?: string | number | null | undefined;
  readonly killed?: boolean | undefined;
  readonly signal?: string | null | undefined;
  readonly stdout?: string | undefined;
  readonly stderr?: string | undefined;
  readonly message?: string | undefined;
}

function truncate(s: string): string {
  return truncateDetail(s.trim().replace(/\s+/g, ' '));
}

export function mapSpoolerFailure(command: string, failure: ExecFailure): Result<never> {
  const stderr = failure.stderr ?? '';
  const stdout = failure.stdout ?? '';
  if (failure.code === 'ENOENT') {
    return err('print.spooler-unavailable', `${command} not found: the CUPS client is not installed`);
  }
  if (failure.killed === true || failure.signal === 'SIGTERM' || failure.code === 'ETIMEDOUT') {
    return err('print.failed', `${command} did not finish within ${PRINT_TIMEOUT_MS / 1000} s`);
  }
  if (SCHEDULER_DOWN.test(stderr) || SCHEDULER_DOWN.test(stdout)) {
    return err('print.spooler-unavailable', truncate(stderr || stdout));
  }
  if (/printer or class does not exist|no default destination|invalid destination name/i.test(stderr)) {
    return err('print.printer-not-found', truncate(stderr));
  }
  // lp's own messages already start with "lp:"; other failures get the command name.
  if (stderr.trim() !== '') return err('print.failed', truncate(stderr));
  return err('print.failed', `${command}: ${truncate(failure.message ?? `exit code ${String(failure.code)}`)}`);
}

export type ExecFileFn = (
  file: string,
  args: readonly string[],
  options: { readonly timeout: number; readonly env: NodeJS.ProcessEnv },
) => Promise<{ stdout: string; stderr: string }>;

/** node:child_process.execFile, promisified, never a shell; rejects with an ExecFailure-like error. */
export const defaultExecFile: ExecFileFn = (file, args, options) =>
  new Promise((resolve, reject) => {
    nodeExecFile(
      file,
      [...args],
      { timeout: options.timeout, env: options.env, shell: false, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

/** The part of pdf-to-printer (v5) this module uses. */
export interface WindowsPrinterModule {
  print(pdfPath: string, options?: { printer?: string; copies?: number }): Promise<void>;
  getPrinters(): Promise<ReadonlyArray<{ name: string }>>;
  getDefaultPrinter(): Promise<{ name: string } | null>;
}

const PDF_TO_PRINTER = 'pdf-to-printer';

/** Loaded only on win32; the variable specifier keeps bundlers and tsc from resolving it. */
export async function loadPdfToPrinter(): Promise<WindowsPrinterModule> {
  const mod = (await import(/* @vite-ignore */ PDF_TO_PRINTER)) as WindowsPrinterModule & { default?: WindowsPrinterModule };
  return typeof mod.print === 'function' ? mod : (mod.default ?? mod);
}

export interface PrintServiceDeps {
  readonly platform: NodeJS.Platform;
  readonly execFile: ExecFileFn;
  readonly tmpDir: string;
  readonly newId: () => string;
  readonly loadWindowsPrinter: () => Promise<WindowsPrinterModule>;
  readonly env: NodeJS.ProcessEnv;
}

export interface PrintService {
  printPdf(request: PrintPdfRequest): Promise<Result<PrintPdfResponse>>;
  listPrinters(): Promise<Result<PrinterInfo[]>>;
}

export function defaultPrintServiceDeps(): PrintServiceDeps {
  return {
    platform: process.platform,
    execFile: defaultExecFile,
    tmpDir: os.tmpdir(),
    newId: randomUUID,
    loadWindowsPrinter: loadPdfToPrinter,
    env: process.env,
  };
}

export function createPrintService(overrides: Partial<PrintServiceDeps> = {}): PrintService {
  const deps: PrintServiceDeps = { ...defaultPrintServiceDeps(), ...overrides };
  // CUPS translates its messages; the error mapping reads English.
  const cupsEnv: NodeJS.ProcessEnv = { ...deps.env, LC_ALL: 'C', LANG: 'C' };

  async function loadWindows(): Promise<Result<WindowsPrinterModule>> {
    try {
      return ok(await deps.loadWindowsPrinter());
    } catch (e) {
      return err('print.unsupported-platform', `pdf-to-printer is not installed: ${describeUnknown(e)}`);
    }
  }

  async function withTempPdf<T>(pdf: Uint8Array, use: (filePath: string) => Promise<Result<T>>): Promise<Result<T>> {
    const filePath = path.join(deps.tmpDir, `hpasc-print-${deps.newId()}.pdf`);
    try {
      await fs.writeFile(filePath, pdf, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      await fs.rm(filePath, { force: true }).catch(() => undefined);
      return err('print.failed', `could not write the temporary PDF: ${describeUnknown(e)}`);
    }
    try {
      return await use(filePath);
    } finally {
      await fs.rm(filePath, { force: true }).catch(() => undefined);
    }
  }

  async function printPdf(request: PrintPdfRequest): Promise<Result<PrintPdfResponse>> {
    if (deps.platform === 'win32') {
      const loaded = await loadWindows();
      if (!loaded.ok) return loaded;
      const windows = loaded.value;
      return withTempPdf(request.pdf, async (filePath) => {
        try {
          await withTimeout(
            windows.print(filePath, {
              ...(request.printerName === null ? {} : { printer: request.printerName }),
              copies: request.copies,
            }),
          );
          return ok({ jobId: `win-${deps.newId()}` });
        } catch (e) {
          return err('print.failed', truncate(describeUnknown(e)));
        }
      });
    }
    return withTempPdf(request.pdf, async (filePath) => {
      const built = buildPrintCommand({
        platform: deps.platform,
        printerName: request.printerName,
        filePath,
        copies: request.copies,
        jobName: request.jobName,
      });
      if (!built.ok) return built;
      try {
        const { stdout } = await deps.execFile(built.value.command, built.value.args, { timeout: PRINT_TIMEOUT_MS, env: cupsEnv });
        return ok({ jobId: parseLpJobId(stdout) ?? 'unknown' });
      } catch (e) {
        return mapSpoolerFailure(built.value.command, e as ExecFailure);
      }
    });
  }

  async function listPrinters(): Promise<Result<PrinterInfo[]>> {
    if (deps.platform === 'win32') {
      const loaded = await loadWindows();
      if (!loaded.ok) return loaded;
      try {
        const [printers, def] = await withTimeout(Promise.all([loaded.value.getPrinters(), loaded.value.getDefaultPrinter()]));
        return ok(printers.map((p) => ({ name: p.name, isDefault: p.name === def?.name, status: 'unknown' as const })));
      } catch (e) {
        return err('print.failed', truncate(describeUnknown(e)));
      }
    }
    const { command, args } = LIST_PRINTERS_COMMAND;
    let stdout: string;
    let stderr: string;
    try {
      ({ stdout, stderr } = await deps.execFile(command, args, { timeout: PRINT_TIMEOUT_MS, env: cupsEnv }));
    } catch (e) {
      const failure = e as ExecFailure;
      // No printer configured at all: lpstat exits non-zero, but that is an empty list, not an error.
      if (/no destinations added/i.test(failure.stderr ?? '') && !SCHEDULER_DOWN.test(failure.stderr ?? '')) return ok([]);
      return mapSpoolerFailure(command, failure);
    }
    // lpstat may exit 0 while telling on stderr that cupsd is down.
    if (SCHEDULER_DOWN.test(stderr)) return err('print.spooler-unavailable', truncate(stderr));
    return ok(parseLpstat(stdout));
  }

  return { printPdf, listPrinters };
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`printing did not finish within ${PRINT_TIMEOUT_MS / 1000} s`)), PRINT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
