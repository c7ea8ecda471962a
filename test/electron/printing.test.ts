import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildPrintCommand,
  createPrintService,
  mapSpoolerFailure,
  parseLpJobId,
  parseLpstat,
  PRINT_TIMEOUT_MS,
  type ExecFileFn,
  type WindowsPrinterModule,
} from '../../electron/printing';

const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a]);

describe('buildPrintCommand', () => {
  it('builds lp for a named printer, one argument per value, -- before the file', () => {
    expect(buildPrintCommand({ platform: 'linux', printerName: 'Ticket_80mm', filePath: '/tmp/a.pdf', copies: 2, jobName: 'HPASC ticket' })).toEqual({
      ok: true,
      value: { command: 'lp', args: ['-d', 'Ticket_80mm', '-n', '2', '-t', 'HPASC ticket', '--', '/tmp/a.pdf'] },
    });
  });

  it('omits -d for the default printer (macOS too)', () => {
    const r = buildPrintCommand({ platform: 'darwin', printerName: null, filePath: '/tmp/b.pdf', copies: 1, jobName: 'ticket' });
    expect(r).toEqual({ ok: true, value: { command: 'lp', args: ['-n', '1', '-t', 'ticket', '--', '/tmp/b.pdf'] } });
  });

  it('keeps hostile names as single arguments (never a shell)', () => {
    const r = buildPrintCommand({ platform: 'linux', printerName: 'a;rm -rf /', filePath: '/tmp/-rf.pdf', copies: 1, jobName: '$(reboot) `id`' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.args).toContain('a;rm -rf /');
    expect(r.value.args).toContain('$(reboot) `id`');
    expect(r.value.args.indexOf('--')).toBe(r.value.args.length - 2);
    expect(r.value.args.at(-1)).toBe('/tmp/-rf.pdf');
  });

  it('has no command line on Windows', () => {
    const r = buildPrintCommand({ platform: 'win32', printerName: null, filePath: 'C:\\t.pdf', copies: 1, jobName: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'print.unsupported-platform' } });
  });
});

describe('parseLpstat', () => {
  it('reads printers, their state and the default', () => {
    const stdout = [
      'printer Cups-PDF is idle.  enabled since Sun 23 Nov 2025 10:41:07 PM UTC',
      'printer Front_Desk now printing Front_Desk-7.  enabled since Sun 23 Nov 2025 11:02:13 PM UTC',
      'printer Old_Laser disabled since Mon 03 Nov 2025 08:00:00 AM UTC -',
      '\treason unknown',
      'printer Paused_One disabled since Mon Nov 23 23:57:57 2026 -',
      '\tPaused',
      'printer Ticket_80mm is idle.  enabled since Sun 23 Nov 2025 09:00:00 AM UTC',
      'system default destination: Ticket_80mm',
      '',
    ].join('\n');
    expect(parseLpstat(stdout)).toEqual([
      { name: 'Cups-PDF', isDefault: false, status: 'idle' },
      { name: 'Front_Desk', isDefault: false, status: 'printing' },
      { name: 'Old_Laser', isDefault: false, status: 'stopped' },
      { name: 'Paused_One', isDefault: false, status: 'stopped' },
      { name: 'Ticket_80mm', isDefault: true, status: 'idle' },
    ]);
  });

  it('handles no default destination, CRLF and unknown states', () => {
    const stdout = 'printer A is idle.  enabled since x\r\nprinter B is holding new jobs.  enabled since y\r\nno system default destination\r\n';
    expect(parseLpstat(stdout)).toEqual([
      { name: 'A', isDefault: false, status: 'idle' },
      { name: 'B', isDefault: false, status: 'unknown' },
    ]);
  });

  it('returns an empty list for empty output', () => {
    expect(parseLpstat('no system default destination\n')).toEqual([]);
    expect(parseLpstat('')).toEqual([]);
  });

  it('reads the job id from lp', () => {
    expect(parseLpJobId('request id is Ticket_80mm-42 (1 file(s))\n')).toBe('Ticket_80mm-42');
    expect(parseLpJobId('')).toBeNull();
  });
});

describe('mapSpoolerFailure', () => {
  it.each([
    [{ code: 1, stderr: 'lp: Error - The printer or class does not exist.\n' }, 'print.printer-not-found'],
    [{ code: 1, stderr: 'lp: Error - no default destination available.\n' }, 'print.printer-not-found'],
    [{ code: 1, stderr: 'lpstat: Scheduler is not running.\n' }, 'print.spooler-unavailable'],
    [{ code: 1, stderr: 'lp: Unable to connect to server: Connection refused' }, 'print.spooler-unavailable'],
    [{ code: 'ENOENT', message: 'spawn lp ENOENT' }, 'print.spooler-unavailable'],
    [{ code: null, killed: true, signal: 'SIGTERM' }, 'print.failed'],
    [{ code: 1, stderr: 'lp: Error - Unsupported document-format "application/pdf".' }, 'print.failed'],
    [{ code: 1, stderr: 'lp: Destination "Stopped_One" is not accepting jobs.\n' }, 'print.failed'],
  ])('%o → %s', (failure, code) => {
    const r = mapSpoolerFailure('lp', failure);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('keeps stderr as detail, bounded in size', () => {
    const r = mapSpoolerFailure('lp', { code: 1, stderr: 'x'.repeat(10_000) });
    expect(!r.ok && r.error.detail.length).toBeLessThan(600);
  });
});

describe('createPrintService (fake execFile)', () => {
  let tmpDir: string;
  beforeEach(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpasc-print-test-'));
  });
  afterEach(() => {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  type Call = { file: string; args: readonly string[]; timeout: number; lang: string | undefined; pdf: Buffer | null; mode: number | null };
  function fakeExec(answer: (call: Call) => { stdout: string; stderr: string } | Error): { exec: ExecFileFn; calls: Call[] } {
    const calls: Call[] = [];
    const exec: ExecFileFn = async (file, args, options) => {
      const last = args.at(-1) ?? '';
      const isFile = last.endsWith('.pdf') && fs.existsSync(last);
      const call: Call = {
        file,
        args,
        timeout: options.timeout,
        lang: options.env.LC_ALL,
        pdf: isFile ? fs.readFileSync(last) : null,
        mode: isFile ? fs.statSync(last).mode & 0o777 : null,
      };
      calls.push(call);
      const a = answer(call);
      if (a instanceof Error) throw a;
      return a;
    };
    return { exec, calls };
  }

  const request = { printerName: 'Ticket_80mm', jobName: 'HPASC ticket', pdf: PDF, copies: 1 };

  it('writes a private temp file, runs lp on it, then deletes it', async () => {
    const { exec, calls } = fakeExec(() => ({ stdout: 'request id is Ticket_80mm-9 (1 file(s))\n', stderr: '' }));
    const service = createPrintService({ platform: 'linux', execFile: exec, tmpDir, newId: () => 'fixed-id' });
    const r = await service.printPdf(request);
    expect(r).toEqual({ ok: true, value: { jobId: 'Ticket_80mm-9' } });
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call?.file).toBe('lp');
    expect(call?.args.at(-1)).toBe(path.join(tmpDir, 'hpasc-print-fixed-id.pdf'));
    expect(call?.timeout).toBe(PRINT_TIMEOUT_MS);
    expect(call?.lang).toBe('C');
    expect(call?.pdf && Array.from(call.pdf)).toEqual(Array.from(PDF));
    if (process.platform !== 'win32') expect(call?.mode).toBe(0o600);
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('maps a missing printer and still deletes the temp file', async () => {
    const failure = Object.assign(new Error('Command failed: lp'), { code: 1, stderr: 'lp: Error - The printer or class does not exist.\n' });
    const { exec } = fakeExec(() => failure);
    const service = createPrintService({ platform: 'linux', execFile: exec, tmpDir });
    const r = await service.printPdf({ ...request, printerName: 'Nope' });
    expect(r).toMatchObject({ ok: false, error: { code: 'print.printer-not-found' } });
    expect(fs.readdirSync(tmpDir)).toEqual([]);
  });

  it('maps a timeout to print.failed', async () => {
    const { exec } = fakeExec(() => Object.assign(new Error('killed'), { killed: true, signal: 'SIGTERM', code: null }));
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).printPdf(request);
    expect(r).toMatchObject({ ok: false, error: { code: 'print.failed' } });
    expect(!r.ok && r.error.detail).toContain('30 s');
  });

  it('never puts PDF bytes in an error detail', async () => {
    const secret = new TextEncoder().encode('%PDF-1.7 Nguyen Van A 001099012345');
    const { exec } = fakeExec(() => Object.assign(new Error('boom'), { code: 2, stderr: 'lp: Error - some failure' }));
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).printPdf({ ...request, pdf: secret });
    expect(JSON.stringify(r)).not.toContain('Nguyen');
  });

  it('lists printers with lpstat -p -d', async () => {
    const { exec, calls } = fakeExec(() => ({
      stdout: 'printer Cups-PDF is idle.  enabled since x\nsystem default destination: Cups-PDF\n',
      stderr: '',
    }));
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).listPrinters();
    expect(r).toEqual({ ok: true, value: [{ name: 'Cups-PDF', isDefault: true, status: 'idle' }] });
    expect(calls[0]?.file).toBe('lpstat');
    expect(calls[0]?.args).toEqual(['-p', '-d']);
  });

  it('reports a stopped CUPS scheduler as print.spooler-unavailable', async () => {
    const { exec } = fakeExec(() =>
      Object.assign(new Error('Command failed: lpstat -p -d'), {
        code: 1,
        stdout: 'no system default destination\n',
        stderr: 'lpstat: Scheduler is not running.\n',
      }),
    );
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).listPrinters();
    expect(r).toMatchObject({ ok: false, error: { code: 'print.spooler-unavailable' } });
  });

  it('treats "No destinations added" as an empty list', async () => {
    const { exec } = fakeExec(() => Object.assign(new Error('x'), { code: 1, stdout: '', stderr: 'lpstat: No destinations added.\n' }));
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).listPrinters();
    expect(r).toEqual({ ok: true, value: [] });
  });

  it('reports a missing CUPS client (ENOENT) as print.spooler-unavailable', async () => {
    const { exec } = fakeExec(() => Object.assign(new Error('spawn lpstat ENOENT'), { code: 'ENOENT' }));
    const r = await createPrintService({ platform: 'linux', execFile: exec, tmpDir }).listPrinters();
    expect(r).toMatchObject({ ok: false, error: { code: 'print.spooler-unavailable' } });
  });

  describe('Windows', () => {
    it('answers print.unsupported-platform when pdf-to-printer cannot be loaded', async () => {
      const service = createPrintService({
        platform: 'win32',
        tmpDir,
        loadWindowsPrinter: () => Promise.reject(new Error("Cannot find module 'pdf-to-printer'")),
      });
      expect(await service.printPdf(request)).toMatchObject({ ok: false, error: { code: 'print.unsupported-platform' } });
      expect(await service.listPrinters()).toMatchObject({ ok: false, error: { code: 'print.unsupported-platform' } });
    });

    it('prints through pdf-to-printer and deletes the temp file', async () => {
      const printed: Array<{ file: string; options: unknown; existed: boolean }> = [];
      const fake: WindowsPrinterModule = {
        print: async (file, options) => {
          printed.push({ file, options, existed: fs.existsSync(file) });
        },
        getPrinters: async () => [{ name: 'EPSON TM-T82' }, { name: 'Microsoft Print to PDF' }],
        getDefaultPrinter: async () => ({ name: 'EPSON TM-T82' }),
      };
      const service = createPrintService({ platform: 'win32', tmpDir, loadWindowsPrinter: async () => fake });
      const r = await service.printPdf({ ...request, copies: 2 });
      expect(r.ok).toBe(true);
      expect(printed).toEqual([{ file: expect.stringContaining('hpasc-print-') as unknown, options: { printer: 'Ticket_80mm', copies: 2 }, existed: true }]);
      expect(fs.readdirSync(tmpDir)).toEqual([]);
      expect(await service.listPrinters()).toEqual({
        ok: true,
        value: [
          { name: 'EPSON TM-T82', isDefault: true, status: 'unknown' },
          { name: 'Microsoft Print to PDF', isDefault: false, status: 'unknown' },
        ],
      });
    });
  });
});
