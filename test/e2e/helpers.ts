import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

export function kioskUrl(path = ''): string {
  const base = process.env.KIOSK_URL;
  if (!base) throw new Error('KIOSK_URL is not set: run through playwright.config.ts (its globalSetup serves the kiosk)');
  return new URL(path, base).toString();
}

/** The PDF most recently handed to the browser print frame, as bytes. */
export async function lastPrintedPdf(page: Page): Promise<Buffer> {
  const frame = page.locator('iframe[data-testid="print.frame"]');
  await frame.waitFor({ state: 'attached' });
  const bytes = await frame.evaluate(async (el) => {
    const response = await fetch((el as HTMLIFrameElement).src);
    return Array.from(new Uint8Array(await response.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** Text of a PDF as poppler's pdftotext extracts it (what a screen reader or search index sees). */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'hpasc-e2e-'));
  const file = join(dir, 'doc.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
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
  const bytes = await page.evaluate(
    async ({ title, type }) => {
      const canvas = new OffscreenCanvas(1240, 1754);
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#f4f1e8';
      g.fillRect(0, 0, 1240, 1754);
      g.fillStyle = '#111';
      g.font = 'bold 64px sans-serif';
      g.fillText(title, 120, 200);
      for (let i = 0; i < 30; i++) g.fillRect(120, 320 + i * 44, 900 - (i % 4) * 120, 10);
      const blob = await canvas.convertToBlob({ type, quality: 0.85 });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    { title, type },
  );
  return Buffer.from(bytes);
}
