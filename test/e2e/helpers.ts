import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type JSHandle, type Page } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { CHROMIUM_ARGS } from '../../playwright.config';

export function kioskUrl(path = ''): string {
  const base = process.env.KIOSK_URL;
  if (!base) throw new Error('KIOSK_URL is not set: run through playwright.config.ts (its globalSetup serves the kiosk)');
  return new URL(path, base).toString();
}

/**
 * The PDF most recently handed to the browser print frame, as bytes; with `jobTitle`, the newest
 * job of that title (a frame stays a while after printing, so two jobs close together both show).
 */
export async function lastPrintedPdf(page: Page, jobTitle?: string): Promise<Buffer> {
  const frames = page.locator(jobTitle === undefined ? 'iframe[data-testid="print.frame"]' : `iframe[data-testid="print.frame"][title="${jobTitle}"]`);
  const frame = jobTitle === undefined ? frames : frames.last();
  await frame.waitFor({ state: 'attached' });
  return blobBytes(await frame.evaluateHandle(async (el) => (await fetch((el as HTMLIFrameElement).src)).blob()));
}

/**
 * The bytes of a Blob made in the page. They cross the protocol as one base64 string: an array of
 * numbers (`Array.from(bytes)`) is checked and traced by Playwright element by element, which cost
 * seconds per megabyte.
 */
export async function blobBytes(blob: JSHandle<Blob>): Promise<Buffer> {
  try {
    const base64 = await blob.evaluate(
      (b) =>
        new Promise<string>((resolve, reject) => {
          const reader = new FileReader();
          reader.onload = () => {
            const url = reader.result as string;
            resolve(url.slice(url.indexOf(',') + 1));
          };
          reader.onerror = () => reject(reader.error);
          reader.readAsDataURL(b);
        }),
    );
    return Buffer.from(base64, 'base64');
  } finally {
    await blob.dispose();
  }
}

/** A one-page A4 PDF filled by one JPEG (a photo saved as PDF, as a phone or a scanner app does). */
export async function jpegPagePdf(jpeg: Uint8Array): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const img = await doc.embedJpg(jpeg);
  doc.addPage([595, 842]).drawImage(img, { x: 0, y: 0, width: 595, height: 842 });
  return Buffer.from(await doc.save());
}

/** Text of a PDF as poppler's pdftotext extracts it (what a screen reader or search index sees). */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'hpasc-e2e-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderPdfPng(pdf: Buffer, outPrefix: string): void {
  mkdirSync(join(outPrefix, '..'), { recursive: true });
  const file = `${outPrefix}.pdf`;
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '203', '-png', '-singlefile', file, outPrefix]);
}

export const SCREENS_DIR = join('test-results', 'screens');

export async function countRows(page: Page, table: 'tickets' | 'outbox'): Promise<number> {
  return page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('hpasc-kiosk-journal');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(name, 'readonly').objectStore(name).count();
          req.onsuccess = () => {
            resolve(req.result);
            db.close();
          };
          req.onerror = () => reject(req.error);
        };
      }),
    table,
  );
}

export type JournalTable = 'tickets' | 'outbox' | 'dossiers' | 'blobs' | 'documentIndex';

/** Every row of a journal table (IndexedDB 'hpasc-kiosk-journal'), as structured-cloned JSON-able values; Blobs become their size. */
export async function readRows(page: Page, table: JournalTable): Promise<Record<string, unknown>[]> {
  return page.evaluate(
    (name) =>
      new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const open = indexedDB.open('hpasc-kiosk-journal');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(name, 'readonly').objectStore(name).getAll();
          req.onsuccess = () => {
            const flatten = (v: unknown): unknown => {
              if (v instanceof Blob) return { blobSize: v.size, blobType: v.type };
              if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return { bytes: (v as ArrayBuffer).byteLength };
              if (Array.isArray(v)) return v.map(flatten);
              if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flatten(x)]));
              return v;
            };
            resolve((req.result as unknown[]).map((r) => flatten(r) as Record<string, unknown>));
            db.close();
          };
          req.onerror = () => reject(req.error);
        };
      }),
    table,
  );
}

/**
 * Types `text` as a USB 2D scanner in keyboard-wedge mode does: a burst of trusted key events a few
 * milliseconds apart, then Enter. Sent over CDP without waiting for each key (Playwright's
 * keyboard.type waits for every round trip, which on a loaded machine spaces keys like a person).
 * Any character, diacritics included (a scanner in Unicode mode).
 */
export async function wedgeScan(page: Page, text: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  // Event times as the scanner makes them (every 5 ms), whatever the renderer is busy with.
  const start = Date.now() / 1000;
  let i = 0;
  const at = (): number => start + 0.005 * i++;
  const sent: Promise<unknown>[] = [];
  for (const ch of text) {
    sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: ch, text: ch, unmodifiedText: ch, timestamp: at() }));
    sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: ch, timestamp: at() }));
  }
  const enter = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 };
  sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', ...enter, text: '\r', timestamp: at() }));
  sent.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...enter, timestamp: at() }));
  await Promise.all(sent);
  await cdp.detach();
}

/**
 * A photo of a paper (a title and lines of text), made by the browser's own encoder: what a citizen
 * brings on a USB stick or a phone.
 */
export async function paperPhoto(page: Page, title: string, type: 'image/jpeg' | 'image/png'): Promise<Buffer> {
  const photo = await page.evaluateHandle(
    async ({ title, type }) => {
      const canvas = new OffscreenCanvas(1240, 1754);
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#f4f1e8';
      g.fillRect(0, 0, 1240, 1754);
      g.fillStyle = '#111';
      g.font = 'bold 64px sans-serif';
      g.fillText(title, 120, 200);
      for (let i = 0; i < 30; i++) g.fillRect(120, 320 + i * 44, 900 - (i % 4) * 120, 10);
      return canvas.convertToBlob({ type, quality: 0.85 });
    },
    { title, type },
  );
  return blobBytes(photo);
}

/**
 * A kiosk browser whose profile lives in `userDataDir` (IndexedDB, service worker, credential),
 * launched the way playwright.config.ts launches Chromium; a second launch on the same folder is
 * the same machine after a restart. `offline` starts it with the network unplugged (Chromium's own
 * switch), so what a restart left on disk can be looked at before the kiosk syncs it away.
 */
export async function launchKiosk(userDataDir: string, options: { offline?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1080, height: 1920 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    offline: options.offline ?? false,
  });
  // As fixtures.ts: headless Chromium has no print pipeline; print() only counts.
  await context.addInitScript(() => {
    window.print = () => {
      try {
        const top = window.top as (Window & { __printCalls?: number }) | null;
        if (top) top.__printCalls = (top.__printCalls ?? 0) + 1;
      } catch {
        // A cross-origin top would throw; the kiosk never frames foreign pages.
      }
    };
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Pids of the Chromium running on `userDataDir`: its browser process and every process under it. */
function browserTree(userDataDir: string): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const roots = rows.filter((r) => r.args.includes(`--user-data-dir=${userDataDir}`) && !r.args.includes('--type=') && !/^(\/bin\/)?(ba|da)?sh /.test(r.args));
  const tree = new Set(roots.map((r) => r.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) {
      if (tree.has(r.ppid) && !tree.has(r.pid)) {
        tree.add(r.pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/**
 * A power cut for the browser on `userDataDir`: every one of its processes (browser, renderers, the
 * storage and network services) is frozen with SIGSTOP, then all get SIGKILL, so none of them runs
 * another instruction (no shutdown, no flush, no commit) after the chosen moment. Resolves once
 * Playwright has seen the browser go.
 */
export async function killBrowser(context: BrowserContext, userDataDir: string): Promise<number[]> {
  const pids = browserTree(userDataDir);
  if (pids.length === 0) throw new Error(`no Chromium process runs on ${userDataDir}`);
  const closed = new Promise<void>((resolve) => context.once('close', () => resolve()));
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await closed;
  await context.close().catch(() => undefined);
  return pids;
}

/**
 * A TCP proxy in front of the server that forwards what the client sends at most `bytesPerSecond`
 * per connection (null: as fast as it comes); answers come back unthrottled. Nothing is changed or
 * answered by it: a slow line, so that an upload is still on its way when the test needs it to be.
 */
export interface SlowProxy {
  readonly url: string;
  bytesPerSecond: number | null;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, bytesPerSecond: number | null = null): Promise<SlowProxy> {
  const { port: targetPort, hostname } = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: SlowProxy = { url: '', bytesPerSecond, close: async () => undefined };
  const TICK_MS = 50;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), hostname);
    sockets.add(client).add(upstream);
    const queue: Buffer[] = [];
    let queued = 0;
    const drop = (): void => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
    };
    const flush = (): void => {
      let budget = proxy.bytesPerSecond === null ? Infinity : Math.max(1, Math.floor((proxy.bytesPerSecond * TICK_MS) / 1000));
      while (budget > 0 && queue.length > 0) {
        const head = queue[0]!;
        const part = head.length <= budget ? head : head.subarray(0, budget);
        if (part === head) queue.shift();
        else queue[0] = head.subarray(budget);
        budget -= part.length;
        queued -= part.length;
        upstream.write(part);
      }
      if (queued < 64 * 1024 && client.isPaused()) client.resume();
    };
    const timer = setInterval(flush, TICK_MS);
    client.on('data', (data: Buffer) => {
      queue.push(data);
      queued += data.length;
      if (proxy.bytesPerSecond === null) flush();
      if (queued >= 64 * 1024) client.pause();
    });
    upstream.pipe(client);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
