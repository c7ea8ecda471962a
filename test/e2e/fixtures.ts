import { test as base, expect } from '@playwright/test';

/**
 * Headless Chromium has no print pipeline: calling print() on a frame that shows a PDF crashes the
 * renderer about a second later (Chromium 156, seen here). The kiosk calls print() for real; in
 * tests every frame's print() only counts the call, so a test can assert the PDF reached printing.
 */
export const test = base.extend({
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
});

export { expect };
