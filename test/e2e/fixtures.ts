import { test as base, expect } from '@playwright/test';
import type { Db } from '../../src/server/db/Db';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { startCentre, type Centre } from './centre';

/**
 * Headless Chromium has no print pipeline: calling print() on a frame that shows a PDF crashes the
 * renderer about a second later (Chromium 156, seen here). The kiosk calls print() for real; in
 * tests every frame's print() only counts the call, so a test can assert the PDF reached printing.
 *
 * `centre` is a real central server (see centre.ts), started for each test that asks for it, on an
 * emptied database: no test sees another's tickets, devices or dossiers, whatever the order the
 * files run in. The PGlite behind it is booted once per worker (`centreDb`).
 */
export const test = base.extend<{ centre: Centre; closeOwnContexts: void }, { centreDb: Db }>({
  /**
   * Every browser context a test opened itself (another machine, the board) is closed when it ends,
   * whether it passed or not: the browser lives as long as the worker, and a context left open keeps
   * its sync loops, timers and event streams running through every later test.
   */
  closeOwnContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      await Promise.all(
        browser
          .contexts()
          .filter((c) => !before.has(c))
          .map((c) => c.close().catch(() => undefined)),
      );
    },
    { auto: true },
  ],
  context: async ({ context }, use) => {
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
    await use(context);
  },
  centreDb: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern; this one has none
    async ({}, use) => {
      const db = await openPgliteDb(null);
      await use(db);
      await db.close();
    },
    { scope: 'worker' },
  ],
  centre: async ({ centreDb }, use) => {
    const centre = await startCentre({ db: centreDb });
    await use(centre);
    await centre.close();
  },
});

export { expect };
