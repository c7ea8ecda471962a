/**
 * In-page probes for the tap → ticket figures, all timed with the page's own clock
 * (performance.now(), event.timeStamp), never with Playwright round trips:
 *  - tap: the `pointerup` that ends the tap on a service tile (its event timestamp; the click the
 *    app reacts to is dispatched in the same input task);
 *  - number on screen: a MutationObserver, armed by that pointerup, sees the ticket number
 *    (`ticket.number`, non-empty) inserted into the DOM;
 *  - print job handed to the platform: the same observer sees the browser platform's print frame
 *    (`print.frame`) inserted, which `printPdf` does synchronously once it holds the PDF bytes;
 *  - print(): the stubbed `print()` of that frame, called once the PDF has loaded in it (what
 *    `--kiosk-printing` sends to the spooler; headless Chromium crashes on a real one).
 * The fsync floor is one small put in a strict-durability IndexedDB transaction on a database of
 * the same origin, so it goes through the same backing store as the app's journal database.
 */
import type { BrowserContext, Page } from '@playwright/test';

export interface TapSample {
  /** pointerup on the tile, ms on the page clock. */
  readonly tap: number;
  readonly screen: number | null;
  readonly job: number | null;
  readonly printCall: number | null;
}

interface ProbeState {
  samples: { tap: number; screen: number | null; job: number | null; printCall: number | null }[];
}

declare global {
  interface Window {
    __tapProbe?: ProbeState;
  }
}

/** Installs the probes in every page and frame of the context (before any page script runs). */
export async function installTapProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    // Every frame: print() only records when it was called, in the top page's clock.
    window.print = () => {
      try {
        const top = window.top;
        const current = top?.__tapProbe?.samples.at(-1);
        if (top && current && current.printCall === null) current.printCall = performance.timeOrigin + performance.now() - top.performance.timeOrigin;
      } catch {
        // A cross-origin top would throw; the kiosk never frames foreign pages.
      }
    };
    if (window.top !== window) return;
    const probe: ProbeState = { samples: [] };
    window.__tapProbe = probe;
    let observer: MutationObserver | null = null;
    document.addEventListener(
      'pointerup',
      (event) => {
        const tile = event.target instanceof Element ? event.target.closest('[data-testid^="citizen.service."]') : null;
        if (!tile) return;
        const sample = { tap: event.timeStamp, screen: null as number | null, job: null as number | null, printCall: null as number | null };
        probe.samples.push(sample);
        observer?.disconnect();
        observer = new MutationObserver((records) => {
          const now = performance.now();
          for (const record of records) {
            for (const node of record.addedNodes) {
              if (!(node instanceof Element)) continue;
              const number = node.matches('[data-testid="ticket.number"]') ? node : node.querySelector('[data-testid="ticket.number"]');
              if (sample.screen === null && number && (number.textContent ?? '').trim() !== '') sample.screen = now;
              if (sample.job === null && node.matches('iframe[data-testid="print.frame"]')) sample.job = now;
            }
          }
          if (sample.screen !== null && sample.job !== null) observer?.disconnect();
        });
        observer.observe(document, { childList: true, subtree: true });
      },
      { capture: true },
    );
  });
}

export async function readTapSamples(page: Page): Promise<TapSample[]> {
  return page.evaluate(() => (window.__tapProbe?.samples ?? []).map((s) => ({ ...s })));
}

/** `count` strict-durability transactions, each one small put, one after the other; their durations in ms. */
export async function sampleFsyncFloor(page: Page, count: number): Promise<number[]> {
  return page.evaluate(async (n) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('bench-fsync-floor', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('floor');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('bench-fsync-floor did not open'));
    });
    const durations: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction('floor', 'readwrite', { durability: 'strict' });
          tx.objectStore('floor').put({ i, at: t0 }, 'k');
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error ?? new Error('floor transaction failed'));
          tx.onabort = () => reject(tx.error ?? new Error('floor transaction aborted'));
        });
        durations.push(performance.now() - t0);
      }
    } finally {
      db.close();
    }
    return durations;
  }, count);
}
