import type { Browser, Page } from '@playwright/test';
import type { Centre } from './centre';
import { enrol } from './counterFlows';
import { expect } from './fixtures';
import { kioskUrl } from './helpers';
import { counterSetup, setCounter } from './queueFlows';

/**
 * The machines of a branch for the end-to-end specs that run several at once (queue.spec.ts,
 * hub.spec.ts): each its own browser context (its own IndexedDB, credential and sync loop), a
 * citizen kiosk enrolled in a ticket slot of its own, a counter with its number and groups, and
 * what the citizen does at the kiosk. `serverUrl` is where the machine is enrolled: the centre, or
 * the branch's hub (the codes always come from the centre).
 */

/**
 * A new machine: a browser context of its own at a counter's screen size, print() counted
 * (fixtures.ts). Without the service worker: the offline app shell is not what these specs test,
 * and its precaching of the whole app in every new context costs seconds of a 2-core machine.
 */
export async function newMachine(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, serviceWorkers: 'block' });
  // Headless Chromium cannot print a PDF frame (see fixtures.ts): count the calls instead.
  await context.addInitScript(() => {
    window.print = () => {
      const top = window.top as (Window & { __printCalls?: number }) | null;
      if (top) top.__printCalls = (top.__printCalls ?? 0) + 1;
    };
  });
  return context.newPage();
}

/** A citizen kiosk in its own ticket slot (two kiosks in one slot would print the same numbers). */
export async function enrolKiosk(page: Page, centre: Centre, slot: number, serverUrl: string | PromiseLike<string> = centre.url): Promise<string> {
  const deviceId = await enrol(page, centre, 'citizen', serverUrl, slot);
  await page.goto(kioskUrl());
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  return deviceId;
}

/** A counter machine in `slot`, set to counter number `counter` calling `groups`; left on the counter's screen. */
export async function openCounter(
  page: Page,
  centre: Centre,
  slot: number,
  counter: number,
  groups: string[],
  serverUrl: string | PromiseLike<string> = centre.url,
): Promise<string> {
  const deviceId = await enrol(page, centre, 'counter', serverUrl, slot);
  await page.goto(kioskUrl('?role=counter'));
  await setCounter(page, counter, groups);
  expect(await counterSetup(page)).toEqual({ counter, groups });
  return deviceId;
}

/** A citizen takes a ticket of `group` (with the priority toggle when asked); returns its number once printed. */
export async function takeTicket(page: Page, group: string, priority = false): Promise<string> {
  if (priority) await page.getByTestId('citizen.priority').click();
  await page.getByTestId(`citizen.service.${group}`).click();
  await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
  const number = (await page.getByTestId('ticket.number').textContent()) ?? '';
  await page.getByTestId('ticket.done').click();
  return number;
}

/** The sync engine's bookkeeping on a machine (syncRepository.ts, SyncMeta): how far the centre and the server hold its journal. */
export interface ShownSyncMeta {
  readonly lastPushAt: number | null;
  /** The centre holds the journal up to here (entries at or below it are confirmed and leave the outbox). */
  readonly confirmedSeq: number;
  /** The server it is enrolled with holds it up to here (a hub: above confirmedSeq, entries only the hub has). */
  readonly heldSeq: number;
}

export async function syncMeta(page: Page): Promise<ShownSyncMeta> {
  const value = await page.evaluate(
    () =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open('hpasc-kiosk-journal');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('settings', 'readonly').objectStore('settings').get('syncMeta');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as { value?: unknown } | undefined)?.value ?? null);
          };
        };
      }),
  );
  const meta = (value ?? {}) as Partial<ShownSyncMeta>;
  return { lastPushAt: meta.lastPushAt ?? null, confirmedSeq: meta.confirmedSeq ?? 0, heldSeq: meta.heldSeq ?? 0 };
}

/**
 * Makes the machine's sync run now, as the network coming back does: the kiosk listens for the
 * window's `online` event (syncService.ts) and runs at once, scans included. Nothing about the
 * network is changed; the alternative is the idle timer's minute.
 */
export async function syncNow(page: Page): Promise<void> {
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
}
