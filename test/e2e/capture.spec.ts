import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildScanHarness, serveScanHarness } from '../../scripts/bench/scanToPdf.bench';
import type {} from '../support/scanHarness/harnessApi';

/**
 * Digitising documents (src/scan/pages) in real Chromium: OffscreenCanvas, the JPEG encoder,
 * pdf-lib and the pdf.js worker. Node has none of these, so the module is driven through its
 * harness page (test/support/scanHarness), built here with Vite into .tmp/scan-harness-e2e (never
 * dist/) and served on a free port. Pages are synthetic scans: text, a stamp, a photo block, noise.
 */

const OUT_DIR = path.resolve('.tmp/scan-harness-e2e');
let server: { url: string; close: () => Promise<void> };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  await buildScanHarness(OUT_DIR);
  server = await serveScanHarness(OUT_DIR);
});

test.afterAll(async () => {
  await server?.close();
});

/** Opens the harness and records every request that leaves its origin (there must be none: offline). */
async function openHarness(page: Page): Promise<string[]> {
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) foreign.push(request.url());
  });
  await page.goto(server.url);
  await page.getByTestId('harness.ready').waitFor({ state: 'attached' });
  await page.waitForFunction(() => typeof window.scanHarness === 'object');
  return foreign;
}

test('a 200-dpi A4 scan compresses to at most 250 KB, stays readable (its QR still decodes) and gray stays gray', async ({ page }) => {
  test.setTimeout(120_000);
  const foreign = await openHarness(page);
  const qrText = '000.00.21.H26-260212-0001|7QK2';
  const gray = await page.evaluate((text) => window.scanHarness.compressSynth({ mode: 'gray', seed: 1, qrText: text }), qrText);
  expect(gray.ok).toBe(true);
  if (!gray.ok) return;
  expect(gray.page).toMatchObject({ mime: 'image/jpeg', widthPx: 1654, heightPx: 2339, dpi: 200, rotation: 0, source: 'scanner' });
  expect(gray.page.sizeBytes as number).toBeLessThanOrEqual(250_000);
  // Ink kept: the share of dark pixels moves by less than a quarter.
  expect(gray.after.darkRatio).toBeGreaterThan(gray.before.darkRatio * 0.75);
  expect(gray.after.darkRatio).toBeLessThan(gray.before.darkRatio * 1.25);
  expect(gray.qr).toBe(qrText);
  // Gray really is gray (JPEG from a canvas has 3 channels; they must agree), while the input had a red stamp.
  expect(gray.before.maxChannelSpread).toBeGreaterThan(100);
  expect(gray.after.maxChannelSpread).toBeLessThanOrEqual(8);
  expect(Math.max(gray.thumb.width, gray.thumb.height)).toBe(320);

  const color = await page.evaluate(() => window.scanHarness.compressSynth({ mode: 'color', seed: 2 }));
  expect(color.ok).toBe(true);
  if (!color.ok) return;
  expect(color.page.sizeBytes as number).toBeLessThanOrEqual(250_000);
  expect(color.after.maxChannelSpread).toBeGreaterThan(100);
  expect(foreign).toEqual([]);
});

test('auto stores a text-only page as bilevel G4 (smaller, 200 dpi, still readable through pdf.js), a stamped page in colour, a photo page in gray', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const foreign = await openHarness(page);
  const qrText = '000.00.21.H26-260212-0002|8RL3';
  const text = await page.evaluate((q) => window.scanHarness.compressSynth({ mode: 'auto', seed: 21, extras: 'none', qrText: q }), qrText);
  const gray = await page.evaluate((q) => window.scanHarness.compressSynth({ mode: 'gray', seed: 21, extras: 'none', qrText: q }), qrText);
  expect(text.ok && gray.ok).toBe(true);
  if (!text.ok || !gray.ok) return;
  expect(text.page).toMatchObject({ mime: 'image/x-ccitt-g4', widthPx: 1654, heightPx: 2339, dpi: 200, rotation: 0 });
  expect(gray.page.mime).toBe('image/jpeg');
  // Bytes, not time: the same page is at least 3× smaller in black and white than in gray.
  expect(text.page.sizeBytes * 3).toBeLessThanOrEqual(gray.page.sizeBytes);
  // Decoded by pdf.js from the document PDF: the ink is where it was, pure black on white, and the QR reads.
  expect(text.after.darkRatio).toBeGreaterThan(text.before.darkRatio * 0.75);
  expect(text.after.darkRatio).toBeLessThan(text.before.darkRatio * 1.25);
  expect(text.after.paperLevel).toBeGreaterThanOrEqual(250);
  expect(text.qr).toBe(qrText);
  // The thumbnail is drawn from the stored bits, at the strip's size.
  expect(Math.max(text.thumb.width, text.thumb.height)).toBe(320);

  const stamped = await page.evaluate(() => window.scanHarness.compressSynth({ mode: 'auto', seed: 22, extras: 'stamp' }));
  const photo = await page.evaluate(() => window.scanHarness.compressSynth({ mode: 'auto', seed: 23, extras: 'grayPhoto' }));
  expect(stamped.ok && photo.ok).toBe(true);
  if (!stamped.ok || !photo.ok) return;
  expect(stamped.page.mime).toBe('image/jpeg');
  expect(stamped.after.maxChannelSpread).toBeGreaterThan(100);
  expect(photo.page.mime).toBe('image/jpeg');
  expect(photo.after.maxChannelSpread).toBeLessThanOrEqual(8);
  for (const p of [stamped.page, photo.page]) expect(p.sizeBytes as number).toBeLessThanOrEqual(250_000);
  expect(foreign).toEqual([]);
});

test('a camera photo of paper under a yellow lamp comes out with white paper when enhanced', async ({ page }) => {
  test.setTimeout(120_000);
  await openHarness(page);
  const plain = await page.evaluate(() => window.scanHarness.compressSynth({ mode: 'color', seed: 3, photoLike: true, enhance: false }));
  const enhanced = await page.evaluate(() => window.scanHarness.compressSynth({ mode: 'color', seed: 3, photoLike: true, enhance: true }));
  expect(plain.ok && enhanced.ok).toBe(true);
  if (!plain.ok || !enhanced.ok) return;
  expect(plain.after.paperLevel).toBeLessThan(200);
  expect(enhanced.after.paperLevel).toBeGreaterThan(235);
  expect(enhanced.after.darkRatio).toBeGreaterThan(plain.before.darkRatio * 0.5);
});

test('a 300-dpi page from the scanner is stored at 200 dpi', async ({ page }) => {
  test.setTimeout(120_000);
  await openHarness(page);
  const scanned = await page.evaluate(() => window.scanHarness.scanViaPort());
  expect(scanned).toMatchObject({ ok: true, page: { source: 'scanner', widthPx: 1653, heightPx: 2339, dpi: 200 } });
  expect(scanned.ok && (scanned.page.sizeBytes as number)).toBeLessThanOrEqual(250_000);
});

test('a camera still is refused until the video plays, then becomes one page', async ({ page }) => {
  test.setTimeout(120_000);
  await openHarness(page);
  const r = await page.evaluate(() => window.scanHarness.captureVideo());
  expect(r.notReady).toMatchObject({ code: 'scan.camera-not-ready' });
  expect(r.error).toBeNull();
  expect(r.page).toMatchObject({ source: 'camera', mime: 'image/jpeg', widthPx: 1280, heightPx: 720 });
  expect(r.page?.sizeBytes).toBeLessThanOrEqual(250_000);
});

test('the document PDF has the pages in the new order, the rotation, A4 at 595 × 842 pt and no personal metadata', async ({ page }) => {
  test.setTimeout(120_000);
  await openHarness(page);
  const r = await page.evaluate(() => window.scanHarness.assembleReordered());
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  // Captured: A (A4), B (A5, rotated 90°), C (1700 × 2200 px); C was moved to the front.
  expect(r.order).toEqual([
    [1700, 2200],
    [1654, 2339],
    [1165, 1654],
  ]);
  expect(r.pdf.pages).toEqual([
    { width: 612, height: 792, rotate: 0 },
    { width: 595, height: 842, rotate: 0 },
    { width: 419, height: 595, rotate: 90 },
  ]);
  expect(r.pdf).toMatchObject({
    title: 'Giấy khai sinh',
    producer: 'HPASC Kiosk',
    author: undefined,
    created: '2026-02-12T03:00:00.000Z',
    modified: '2026-02-12T03:00:00.000Z',
  });
  expect(r.deterministic).toBe(true);
});

test('importing a 3-page PDF keeps its 3 vector pages (with pdf.js thumbnails); a text file is refused', async ({ page }) => {
  test.setTimeout(120_000);
  const foreign = await openHarness(page);
  const r = await page.evaluate(() => window.scanHarness.importSamples());
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.pages.map((p) => p.mime)).toEqual(['application/pdf', 'application/pdf', 'application/pdf', 'image/jpeg']);
  expect(r.pages.slice(0, 3).map((p) => [p.widthPx, p.heightPx])).toEqual([
    [1653, 2339],
    [2339, 1653],
    [1167, 1653],
  ]);
  expect(r.pdfJsThumbnails).toBe(3);
  expect(r.thumbWidths.every((w) => w > 0 && w <= 320)).toBe(true);
  expect(r.assembled.pages.map((p) => [p.width, p.height])).toEqual([
    [595, 842],
    [842, 595],
    [420, 595],
    [595, 842],
  ]);
  expect(r.txt).toMatchObject({ code: 'scan.file-type' });
  expect(r.renamed).toMatchObject({ code: 'scan.file-type' });
  expect(r.broken).toMatchObject({ code: 'scan.file-unreadable' });
  // File names can hold personal data: details name files by position only.
  expect(JSON.stringify([r.txt, r.renamed, r.broken])).not.toMatch(/ghi-chu|fake\.pdf|broken\.pdf/);
  // pdf.js's worker and zxing's wasm come from the app's own files: nothing from a CDN.
  expect(foreign).toEqual([]);
});
