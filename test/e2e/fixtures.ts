import { test as base, expect } from '@playwright/test';
import { startCentre, type Centre } from './centre';

/**
 * Headless Chromium has no print pipeline: calling print() on a frame that shows a PDF crashes the
 * renderer about a second later (Chromium 156, seen here). The kiosk calls print() for real; in
 * tests every frame's print() only counts the call, so a test can assert the PDF reached printing.
 *
 * `centre` is a real central server (see centre.ts), started once per worker and only by the tests
 * that ask for it.
 */
export const test = base.extend<object, { centre: Centre }>({
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
  centre: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern; this one has none
    async ({}, use) => {
      const centre = await startCentre();
      await use(centre);
      await centre.close();
    },
    { scope: 'worker' },
  ],
});

export { expect };
