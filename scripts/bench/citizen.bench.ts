/**
 * The citizen kiosk in Debian's Chromium (issue 14's speed section), a kiosk enrolled at a real
 * centre that published a 1,700-procedure catalog (the seed plus generated procedures), in a
 * Chromium profile on disk as on a kiosk:
 *  - tap → next screen: from the `pointerup` of a tap (the input event's own timestamp) to the
 *    moment the next screen is in the DOM, and to the animation frame that paints it; against the
 *    frame floor of the same taps (pointerup → the first animation frame after it, whatever the
 *    app does), over every screen change a visit makes (start page, look-up, a field, a procedure,
 *    follow a dossier, rate, back);
 *  - keystroke → search results: from the `pointerdown` on an on-screen key (simple-keyboard acts on
 *    it) to the results of the new text in the DOM (the pane's `data-query` equals the field), and
 *    to the frame that paints them; against the keyboard's own echo (the letter in the field) of
 *    the same keystrokes;
 *  - memory: 2,000 simulated visits (look-up with a search and a procedure, follow with a code
 *    typed, rating), each ended by the idle reset (the page's clock jumped past the idle time) and
 *    the attract screen; the renderer's JS heap after a forced garbage collection (and the DOM
 *    node count) every 100 visits; growth after the warm-up (the first 200 visits) against its
 *    target of 10 %.
 * Every time is taken with the page's own clock, never with Playwright round trips.
 */
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { publishChanges } from '../../src/server/changes';
import { Procedure } from '../../src/shared/catalog';
import { PublishRequest } from '../../src/shared/sync';
import { startCentre } from '../../test/e2e/centre';
import { generateCatalog } from '../../test/support/catalogGenerator';
import { seededRandom } from '../../test/support/seededRandom';
import { startKioskPreview } from '../kioskPreview.mjs';
import { recordFigure } from './figures';
import { quantiles, round, verdict, type Quantiles } from './stats';

export const CITIZEN_TARGETS = { tapToScreenP95Ms: 100, keystrokeToResultsP95Ms: 16, heapGrowth: 0.1 } as const;
const CATALOG_SIZE = 1_700;
/** Rounds of the screen walk (each about a dozen taps) and of the typed words, after one of each to warm up. */
const TAP_ROUNDS = 20;
const WORDS = ['khai sinh', 'ket hon', 'ho chieu', 'dat dai', 'chung thuc', 'tam tru', 'xay dung', 'giay phep'];
const SESSIONS = Number(process.env.CITIZEN_SESSIONS ?? 2_000);
/** Fails fast in a visit (a step that does not happen is a broken bench, not a slow one). */
const STEP_TIMEOUT_MS = 10_000;
const HEAP_EVERY = 100;
const WARM_UP_SESSIONS = 200;

export interface CitizenBench {
  /** pointerup → next screen in the DOM. */
  readonly tapDom: Quantiles;
  /** pointerup → the animation frame after the next screen is in the DOM. */
  readonly tapFrame: Quantiles;
  /** pointerup → the first animation frame (the floor). */
  readonly tapFloor: Quantiles;
  /** Per screen change, p95 of tapFrame. */
  readonly tapByScreen: Readonly<Record<string, number>>;
  readonly keyDom: Quantiles;
  readonly keyFrame: Quantiles;
  /** pointerdown → the typed text in the field (the keyboard's own echo). */
  readonly keyEcho: Quantiles;
  readonly catalogSize: number;
  /** Of those, the active ones the look-up shows. */
  readonly activeProcedures: number;
  readonly heap: {
    readonly sessions: number;
    readonly points: readonly { session: number; heapMb: number; nodes: number; listeners: number }[];
    readonly growth: number;
  };
}

interface ProbeSample {
  readonly kind: 'tap' | 'key';
  readonly label: string;
  readonly start: number;
  dom: number | null;
  frame: number | null;
  floor: number | null;
  echo: number | null;
}

declare global {
  interface Window {
    __citizenProbe?: {
      armed: { kind: 'tap' | 'key'; label: string; target: string } | null;
      samples: ProbeSample[];
    };
  }
}

/**
 * In every page: on the armed tap's pointerup (or key's pointerdown) a sample starts with the
 * event's timestamp; a MutationObserver sees the target appear (a tap: an element matching the
 * armed selector; a key: the results pane answering the field's text) and the next animation
 * frame after that ends it.
 */
async function installProbe(context: BrowserContext): Promise<void> {
  // tsx (esbuild, keepNames) wraps named functions in `__name(fn, "name")`; the probe below is sent
  // to the page as source, where that helper does not exist: give the page a harmless one.
  await context.addInitScript({ content: 'window.__name = (fn) => fn;' });
  await context.addInitScript(() => {
    if (window.top !== window) return;
    const probe = { armed: null as { kind: 'tap' | 'key'; label: string; target: string } | null, samples: [] as ProbeSample[] };
    window.__citizenProbe = probe;
    const start = (event: Event, kind: 'tap' | 'key'): void => {
      const armed = probe.armed;
      if (!armed || armed.kind !== kind) return;
      if (kind === 'key' && !(event.target instanceof Element && event.target.closest('.hg-button'))) return;
      probe.armed = null;
      const sample: ProbeSample = { kind, label: armed.label, start: event.timeStamp, dom: null, frame: null, floor: null, echo: null };
      probe.samples.push(sample);
      requestAnimationFrame(() => (sample.floor = performance.now()));
      const field = document.querySelector<HTMLInputElement>('[data-testid="lookup.query"]');
      const before = field?.value ?? '';
      const reached = (): boolean => {
        if (kind === 'tap') return document.querySelector(armed.target) !== null;
        const input = document.querySelector<HTMLInputElement>('[data-testid="lookup.query"]');
        const pane = document.querySelector<HTMLElement>('[data-testid="lookup.resultsPane"]');
        if (!input || input.value === before) return false;
        if (sample.echo === null) sample.echo = performance.now();
        return pane?.dataset.query === input.value;
      };
      const finish = (): void => {
        sample.dom = performance.now();
        observer.disconnect();
        requestAnimationFrame(() => (sample.frame = performance.now()));
      };
      const observer = new MutationObserver(() => {
        if (sample.dom === null && reached()) finish();
      });
      observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
      // React may have committed before this listener ran (a discrete event's render is synchronous).
      queueMicrotask(() => {
        if (sample.dom === null && reached()) finish();
      });
    };
    document.addEventListener('pointerup', (e) => start(e, 'tap'), { capture: true });
    document.addEventListener('pointerdown', (e) => start(e, 'key'), { capture: true });
  });
}

async function arm(page: Page, kind: 'tap' | 'key', label: string, target = ''): Promise<void> {
  await page.evaluate(
    (a) => {
      window.__citizenProbe!.armed = a;
    },
    { kind, label, target },
  );
}

/** Waits until the newest sample has its frame (or gives up: the step did not lead where it should). */
async function settle(page: Page): Promise<void> {
  try {
    await page.waitForFunction(
      () => {
        const s = window.__citizenProbe!.samples.at(-1);
        return s !== undefined && s.frame !== null && s.floor !== null;
      },
      undefined,
      { timeout: 10_000 },
    );
  } catch (e) {
    const probe = await page.evaluate(() => ({
      armed: window.__citizenProbe?.armed,
      last: window.__citizenProbe?.samples.at(-1),
      n: window.__citizenProbe?.samples.length,
    }));
    throw new Error(`a timed step did not end: ${JSON.stringify(probe)}`, { cause: e });
  }
}

async function tapTo(page: Page, testId: string, target: string, label: string, nth = 0): Promise<void> {
  await arm(page, 'tap', label, target);
  await page.getByTestId(testId).nth(nth).click();
  await settle(page);
}

async function typeWord(page: Page, word: string): Promise<void> {
  const keyboard = page.getByTestId('lookup.keyboard');
  for (const [i, ch] of [...word].entries()) {
    const button = keyboard.locator(`[data-skbtn="${ch === ' ' ? '{space}' : ch}"]`);
    // The first letter alone is not searched (two letters or a digit): nothing to time.
    if (i === 0) {
      await button.click();
      continue;
    }
    await arm(page, 'key', word.slice(0, i + 1));
    await button.click();
    await settle(page);
  }
  await keyboard.locator('[data-skbtn="{clear}"]').click();
}

const HOME = '[data-testid="citizen.home"]';

/** One walk over the citizen screens: every screen change a visit makes, timed. */
async function screenWalk(page: Page, round: number): Promise<void> {
  await tapTo(page, 'citizen.lookup', '[data-testid="lookup.home"]', 'start → look-up');
  await tapTo(page, 'lookup.fieldTile', '[data-testid="lookup.field"]', 'look-up → a field', round % 5);
  await tapTo(page, 'lookup.procedure', '[data-testid="procedure.screen"]', 'field → procedure', round % 3);
  await tapTo(page, 'procedure.back', '[data-testid="lookup.field"]', 'procedure → field');
  await tapTo(page, 'lookup.back', '[data-testid="lookup.home"]', 'field → look-up');
  await tapTo(page, 'lookup.back', HOME, 'look-up → start');
  await tapTo(page, 'citizen.follow', '[data-testid="follow.home"]', 'start → follow');
  await tapTo(page, 'follow.back', HOME, 'follow → start');
  await tapTo(page, 'citizen.rating', '[data-testid="rating.ticket"]', 'start → rating');
  await tapTo(page, 'rating.skip', '[data-testid="rating.answer"]', 'rating → questions');
  await tapTo(page, 'rating.back', HOME, 'rating → start');
}

async function readSamples(page: Page): Promise<ProbeSample[]> {
  return page.evaluate(() => window.__citizenProbe!.samples.map((s) => ({ ...s })));
}

async function clearSamples(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.__citizenProbe!.samples = [];
  });
}

async function heapPoint(page: Page, cdp: Awaited<ReturnType<BrowserContext['newCDPSession']>>, session: number) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  const dom = (await cdp.send('Memory.getDOMCounters')) as { nodes: number; jsEventListeners: number };
  void page;
  return { session, heapMb: heap.usedSize / 2 ** 20, nodes: dom.nodes, listeners: dom.jsEventListeners };
}

/** One simulated visit, ended by the idle reset and the attract screen; the next starts on the start page. */
async function visit(page: Page, i: number, idleMs: number): Promise<void> {
  await page.getByTestId('citizen.home').waitFor();
  switch (i % 3) {
    case 0: {
      await page.getByTestId('citizen.lookup').click();
      const keyboard = page.getByTestId('lookup.keyboard');
      for (const ch of WORDS[i % WORDS.length]!.slice(0, 5)) await keyboard.locator(`[data-skbtn="${ch === ' ' ? '{space}' : ch}"]`).click();
      await page.getByTestId('lookup.results').getByTestId('lookup.procedure').first().click();
      await page.getByTestId('procedure.screen').waitFor();
      break;
    }
    case 1: {
      await page.getByTestId('citizen.follow').click();
      const keyboard = page.getByTestId('follow.keyboard');
      for (const ch of '000.00') await keyboard.locator(`[data-skbtn="${ch}"]`).first().click();
      break;
    }
    default:
      await page.getByTestId('citizen.rating').click();
      await page.getByTestId('rating.ticket').waitFor();
  }
  await page.clock.fastForward(idleMs + 1_000);
  await page.getByTestId('citizen.attract').click();
}

export async function runCitizenBench(): Promise<CitizenBench> {
  const preview = await startKioskPreview({ port: 0 });
  process.env.KIOSK_URL = preview.url;
  const centre = await startCentre();
  const profile = mkdtempSync(join(tmpdir(), 'hpasc-citizen-bench-'));
  let context: BrowserContext | null = null;
  try {
    const seed = (JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[]).flatMap((raw) => {
      const parsed = Procedure.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
    const catalog = generateCatalog(CATALOG_SIZE, seededRandom(20261204), seed);
    // A publication holds at most 1,000 changes: the catalog goes in batches, as the centre's admin does.
    for (let i = 0; i < catalog.length; i += 500) {
      const published = await publishChanges(
        centre.db,
        PublishRequest.parse({ scope: 'global', changes: catalog.slice(i, i + 500).map((data) => ({ entity: 'procedure', op: 'put', data })) }),
      );
      if (!published.ok) throw new Error(`could not publish the catalog: ${published.error.code}`);
    }

    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      viewport: { width: 1080, height: 1920 },
      locale: 'vi-VN',
      timezoneId: 'Asia/Ho_Chi_Minh',
    });
    await installProbe(context);
    await context.addInitScript(() => {
      window.print = () => undefined;
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const url = (path: string) => new URL(path, preview.url).toString();

    // Enrolled from its technician screen, as a technician does; the first sync pulls the catalog.
    await page.goto(url('?role=technician'));
    await page.getByTestId('connection.serverUrl').fill(centre.url);
    await page.getByTestId('connection.code').fill(await centre.enrolCode('citizen'));
    await page.getByTestId('connection.enrol').click();
    await page.locator('[data-testid="connection.result"][data-branch="CN01"]').waitFor({ timeout: 30_000 });
    await page.goto(url('?role=citizen'));
    await page.getByTestId('citizen.home').waitFor();
    // Until the look-up's fields add up to the whole published catalog (its active procedures: the
    // generator withdraws a few, as the centre does, and a citizen never sees those).
    const expected = catalog.filter((p) => p.active).length;
    let catalogSize = 0;
    for (let attempt = 0; attempt < 60 && catalogSize < expected; attempt++) {
      await page.getByTestId('citizen.lookup').click();
      await page.getByTestId('lookup.fieldTile').first().waitFor();
      catalogSize = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="lookup.fieldTile"] .field-tile__count')].reduce(
          (n, el) => n + Number(/\d+/.exec(el.textContent ?? '')?.[0] ?? 0),
          0,
        ),
      );
      await page.getByTestId('lookup.back').click();
      if (catalogSize < expected) await page.waitForTimeout(1_000);
    }
    if (catalogSize !== expected) throw new Error(`the kiosk shows ${catalogSize} procedures, not the ${expected} active of the ${CATALOG_SIZE} published`);

    // Taps and keystrokes: one walk and one word to warm up, then the measured rounds.
    for (let round = 0; round <= TAP_ROUNDS; round++) {
      if (round === 1) await clearSamples(page);
      await screenWalk(page, round);
      await page.getByTestId('citizen.lookup').click();
      await typeWord(page, WORDS[round % WORDS.length]!);
      await page.getByTestId('lookup.back').click();
    }
    const samples = await readSamples(page);
    const taps = samples.filter((s) => s.kind === 'tap');
    const keys = samples.filter((s) => s.kind === 'key');
    const since = (s: ProbeSample, t: number | null) => (t ?? Number.NaN) - s.start;
    const byScreen: Record<string, number> = {};
    for (const label of new Set(taps.map((s) => s.label))) {
      byScreen[label] = quantiles(taps.filter((s) => s.label === label).map((s) => since(s, s.frame))).p95;
    }

    // Memory: visits with idle resets on the page's clock (installed on a fresh load).
    const idleMs = 60_000;
    await page.clock.install();
    await page.goto(url('?role=citizen'));
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const cdp = await context.newCDPSession(page);
    const points: { session: number; heapMb: number; nodes: number; listeners: number }[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      if (i % HEAP_EVERY === 0) points.push(await heapPoint(page, cdp, i));
      try {
        await visit(page, i, idleMs);
      } catch (e) {
        await page.screenshot({ path: 'test-results/bench/citizen-visit-failed.png' });
        throw new Error(`visit ${i} did not go as planned (test-results/bench/citizen-visit-failed.png)`, { cause: e });
      }
    }
    points.push(await heapPoint(page, cdp, SESSIONS));
    const warm = points.find((p) => p.session >= WARM_UP_SESSIONS) ?? points[0]!;
    const after = points.filter((p) => p.session >= warm.session);
    const growth = Math.max(...after.map((p) => p.heapMb)) / warm.heapMb - 1;

    return {
      tapDom: quantiles(taps.map((s) => since(s, s.dom))),
      tapFrame: quantiles(taps.map((s) => since(s, s.frame))),
      tapFloor: quantiles(taps.map((s) => since(s, s.floor))),
      tapByScreen: byScreen,
      keyDom: quantiles(keys.map((s) => since(s, s.dom))),
      keyFrame: quantiles(keys.map((s) => since(s, s.frame))),
      keyEcho: quantiles(keys.map((s) => since(s, s.echo))),
      catalogSize: CATALOG_SIZE,
      activeProcedures: catalogSize,
      heap: { sessions: SESSIONS, points, growth },
    };
  } finally {
    await context?.close();
    await centre.close();
    await preview.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export function printCitizenBench(r: CitizenBench): void {
  const q = (x: Quantiles) => `p50 ${round(x.p50, 1)} ms, p95 ${round(x.p95, 1)} ms`;
  console.log(`  catalog on the kiosk: ${r.catalogSize} procedures (${r.activeProcedures} active, shown to citizens)`);
  console.log(`  tap → next screen in the DOM      ${q(r.tapDom)} (${r.tapDom.samples} taps)`);
  console.log(`  tap → the frame that paints it    ${q(r.tapFrame)}`);
  console.log(`  tap → first frame (floor)         ${q(r.tapFloor)}`);
  for (const [label, p95] of Object.entries(r.tapByScreen)) console.log(`    ${label.padEnd(22)} p95 ${round(p95, 1)} ms`);
  const tapPass = r.tapFrame.p95 <= CITIZEN_TARGETS.tapToScreenP95Ms;
  console.log(
    `  tap → next screen p95 ${round(r.tapFrame.p95, 1)} ms, ${round(r.tapFrame.p95 / r.tapFloor.p95, 2)}× the frame floor: ${verdict(tapPass)} (≤ ${CITIZEN_TARGETS.tapToScreenP95Ms} ms)`,
  );
  console.log(`  key → results in the DOM          ${q(r.keyDom)} (${r.keyDom.samples} keystrokes, ${r.catalogSize} procedures)`);
  console.log(`  key → the frame that paints them  ${q(r.keyFrame)}`);
  console.log(`  key → the letter in the field     ${q(r.keyEcho)} (the keyboard's own echo)`);
  const keyPass = r.keyDom.p95 <= CITIZEN_TARGETS.keystrokeToResultsP95Ms;
  console.log(
    `  key → results p95 ${round(r.keyDom.p95, 1)} ms, ${round(r.keyDom.p95 / r.keyEcho.p95, 2)}× the echo: ${verdict(keyPass)} (≤ ${CITIZEN_TARGETS.keystrokeToResultsP95Ms} ms, in the DOM)`,
  );
  console.log(`  renderer heap over ${r.heap.sessions} visits with idle resets (after GC):`);
  for (const p of r.heap.points)
    console.log(`    after ${String(p.session).padStart(5)} visits: ${round(p.heapMb, 2)} MB, ${p.nodes} DOM nodes, ${p.listeners} listeners`);
  const heapPass = r.heap.growth <= CITIZEN_TARGETS.heapGrowth;
  console.log(
    `  heap growth after the first ${WARM_UP_SESSIONS} visits: ${round(r.heap.growth * 100, 1)} %: ${verdict(heapPass)} (≤ ${CITIZEN_TARGETS.heapGrowth * 100} %)`,
  );

  recordFigure({
    figure: 'citizen kiosk: tap → next screen (Chromium, painted frame)',
    measured: `p95 ${round(r.tapFrame.p95, 1)} ms (frame floor ${round(r.tapFloor.p95, 1)} ms, in the DOM ${round(r.tapDom.p95, 1)} ms)`,
    target: `p95 ≤ ${CITIZEN_TARGETS.tapToScreenP95Ms} ms`,
    pass: tapPass,
  });
  recordFigure({
    figure: `citizen kiosk: on-screen key → search results, ${r.catalogSize} procedures`,
    measured: `p95 ${round(r.keyDom.p95, 1)} ms in the DOM (painted ${round(r.keyFrame.p95, 1)} ms; the letter's echo ${round(r.keyEcho.p95, 1)} ms)`,
    target: `p95 ≤ ${CITIZEN_TARGETS.keystrokeToResultsP95Ms} ms`,
    pass: keyPass,
  });
  const first = r.heap.points.find((p) => p.session >= WARM_UP_SESSIONS);
  const last = r.heap.points.at(-1);
  recordFigure({
    figure: `citizen kiosk: renderer heap over ${r.heap.sessions} visits with idle resets`,
    measured: `${round(r.heap.growth * 100, 1)} % after warm-up (${round(first?.heapMb ?? 0, 2)} → ${round(last?.heapMb ?? 0, 2)} MB)`,
    target: `≤ ${CITIZEN_TARGETS.heapGrowth * 100} %`,
    pass: heapPass,
  });
}
