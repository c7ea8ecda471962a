/**
 * In-browser figures for the web kiosk, in Debian's Chromium driven by Playwright:
 *  - cold start to an interactive home: a first visit (empty profile, everything from the network)
 *    against a repeat visit served by the service worker's precache (the kiosk's everyday start);
 *  - tap → PDF bytes, read from the app's own performance measure `ticket.tap-to-pdf`, warm.
 * Run after `vite build`: `npx tsx scripts/bench/browser.bench.ts`.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { startKioskPreview } from '../kioskPreview.mjs';
import { BenchSkipped, recordFigure } from './figures';
import { percentile as percentileOfSorted } from './stats';

export const BROWSER_TARGETS = { coldStartMs: 1500, tapToPdfP95Ms: 50 } as const;

/** Percentile of unsorted samples. */
function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

async function timeToInteractiveHome(browser: Browser, url: string, warmUps: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  try {
    const page = await context.newPage();
    for (let i = 0; i < warmUps; i++) {
      await page.goto(url);
      await page.getByTestId('citizen.service.A').waitFor();
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
      });
    }
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'commit' });
    // Interactive = the first service tile is visible and enabled, i.e. React rendered the home
    // after the database, device and branch configuration were loaded.
    await page.getByTestId('citizen.service.A').waitFor({ state: 'visible' });
    await page.waitForFunction(() => !(document.querySelector('[data-testid="citizen.service.A"]') as HTMLButtonElement | null)?.disabled);
    return Date.now() - t0;
  } finally {
    await context.close();
  }
}

export interface BrowserBenchResult {
  readonly coldFirstVisit: { p50: number; p95: number };
  readonly coldCachedStart: { p50: number; p95: number };
  readonly tapToPdf: TapSeries;
  readonly tapToPdfWorker: TapSeries;
}

interface TapSeries {
  readonly p50: number;
  readonly p95: number;
  readonly samples: number;
}

/** Taps service tiles and reads the app's own `ticket.tap-to-pdf` measures. */
async function tapToPdf(browser: Browser, url: string, taps: number): Promise<TapSeries> {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  // Headless Chromium crashes when print() runs on a PDF frame (see test/e2e/fixtures.ts).
  await context.addInitScript(() => {
    window.print = () => undefined;
  });
  try {
    const page = await context.newPage();
    await page.goto(url);
    const groups = ['A', 'B', 'C', 'D', 'E'];
    for (let i = 0; i < taps + 5; i++) {
      await page.getByTestId(`citizen.service.${groups[i % groups.length]}`).click();
      await page.locator('[data-testid="ticket.result"][data-print="printed"]').waitFor();
      await page.getByTestId('ticket.done').click();
    }
    const measures = await page.evaluate(() => performance.getEntriesByName('ticket.tap-to-pdf').map((e) => e.duration));
    const warm = measures.slice(5); // the first taps load the PDF engine and JIT-compile it
    return { p50: percentile(warm, 50), p95: percentile(warm, 95), samples: warm.length };
  } finally {
    await context.close();
  }
}

export async function runBrowserBench(options: { starts?: number; taps?: number } = {}): Promise<BrowserBenchResult> {
  const starts = options.starts ?? 8;
  const taps = options.taps ?? 40;
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new BenchSkipped(`no Chromium at ${executablePath} (CHROMIUM_PATH)`);
  const preview = await startKioskPreview({ port: 0 });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const first: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < starts; i++) {
      first.push(await timeToInteractiveHome(browser, preview.url, 0));
      cached.push(await timeToInteractiveHome(browser, preview.url, 1));
    }

    const inline = await tapToPdf(browser, preview.url, taps);
    const worker = await tapToPdf(browser, `${preview.url}?pdf=worker`, taps);
    return {
      coldFirstVisit: { p50: percentile(first, 50), p95: percentile(first, 95) },
      coldCachedStart: { p50: percentile(cached, 50), p95: percentile(cached, 95) },
      tapToPdf: inline,
      tapToPdfWorker: worker,
    };
  } finally {
    await browser.close();
    await preview.close();
  }
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

export function printBrowserBench(r: BrowserBenchResult, nodeSubsetP95: number | null): void {
  const f = (n: number): string => n.toFixed(1).padStart(7);
  console.log('\nWeb kiosk in Chromium');
  console.log(`  cold start, first visit (network)   p50 ${f(r.coldFirstVisit.p50)} ms  p95 ${f(r.coldFirstVisit.p95)} ms`);
  console.log(`  cold start, cached (service worker) p50 ${f(r.coldCachedStart.p50)} ms  p95 ${f(r.coldCachedStart.p95)} ms`);
  console.log(`  ratio first-visit / cached (p50)    ${(r.coldFirstVisit.p50 / r.coldCachedStart.p50).toFixed(2)}×`);
  console.log(`  target cached start ≤ ${BROWSER_TARGETS.coldStartMs} ms (p95): ${verdict(r.coldCachedStart.p95 <= BROWSER_TARGETS.coldStartMs)}`);
  console.log(`  tap → PDF bytes, main thread (default, ${r.tapToPdf.samples} taps) p50 ${f(r.tapToPdf.p50)} ms  p95 ${f(r.tapToPdf.p95)} ms`);
  console.log(`  tap → PDF bytes, worker (?pdf=worker, ${r.tapToPdfWorker.samples} taps) p50 ${f(r.tapToPdfWorker.p50)} ms  p95 ${f(r.tapToPdfWorker.p95)} ms`);
  console.log(`  ratio worker / main thread (p95)    ${(r.tapToPdfWorker.p95 / r.tapToPdf.p95).toFixed(2)}×`);
  if (nodeSubsetP95 !== null) console.log(`  ratio browser tap→PDF / node render (p95) ${(r.tapToPdf.p95 / nodeSubsetP95).toFixed(2)}×`);
  console.log(`  target tap → PDF ≤ ${BROWSER_TARGETS.tapToPdfP95Ms} ms (p95): ${verdict(r.tapToPdf.p95 <= BROWSER_TARGETS.tapToPdfP95Ms)}`);
  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  recordFigure({
    figure: 'cold start to interactive home, cached',
    measured: `p95 ${ms(r.coldCachedStart.p95)} (first visit ${ms(r.coldFirstVisit.p95)})`,
    target: `p95 ≤ ${BROWSER_TARGETS.coldStartMs} ms`,
    pass: r.coldCachedStart.p95 <= BROWSER_TARGETS.coldStartMs,
  });
  recordFigure({
    figure: 'tap → PDF bytes in Chromium (warm)',
    measured: `p95 ${ms(r.tapToPdf.p95)} (in a worker ${ms(r.tapToPdfWorker.p95)})`,
    target: `p95 ≤ ${BROWSER_TARGETS.tapToPdfP95Ms} ms`,
    pass: r.tapToPdf.p95 <= BROWSER_TARGETS.tapToPdfP95Ms,
  });
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  printBrowserBench(await runBrowserBench(), null);
}
