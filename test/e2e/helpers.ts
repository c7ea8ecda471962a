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
