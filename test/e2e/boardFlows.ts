import type { BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';
import { kioskUrl } from './helpers';

/**
 * What the display board's user (the branch TV) does and shows, for the end-to-end specs: open the
 * board for a server and a branch, turn the sound on, read the calls in progress, the last calls and
 * the waiting counts, and what the voice was asked to say.
 *
 * The board's test hooks (src/ui/board/BoardScreen.tsx): `board.screen` (data-version,
 * data-reachable, data-live), `board.current` (data-number, data-counter, data-newest),
 * `board.lastCall`, `board.waiting` (data-group, data-count, data-estimate "low-high" or ""),
 * `board.voice` (data-said: JSON of the sentences handed to the voice, oldest first; data-engine,
 * data-gate, data-queued, data-speaking, data-clips once sound is on), `board.offline`.
 */

export interface BoardOptions {
  /** Force the voice engine (`clips` in headless Chromium: it has no OS voice). */
  readonly voice?: 'clips' | 'speech';
}

export function boardUrl(serverUrl: string, branch: string, options: BoardOptions = {}): string {
  const q = new URLSearchParams({ role: 'display', server: serverUrl, branch });
  if (options.voice) q.set('voice', options.voice);
  return kioskUrl(`/?${q.toString()}`);
}

/** Opens the board in a new page of `context`; waits until it shows a board from the server. */
export async function openBoard(context: BrowserContext, serverUrl: string, branch: string, options: BoardOptions = { voice: 'clips' }): Promise<Page> {
  const page = await context.newPage();
  await page.goto(boardUrl(serverUrl, branch, options));
  await expect(page.getByTestId('board.screen')).not.toHaveAttribute('data-version', '', { timeout: 15_000 });
  return page;
}

/**
 * Clicks "Bật âm thanh" (a real click is the user gesture Chromium's autoplay policy asks for) and
 * waits until sound is allowed and every clip decoded.
 */
export async function enableSound(page: Page): Promise<void> {
  const voice = page.getByTestId('board.voice');
  if ((await voice.getAttribute('data-gate')) === 'blocked') await page.getByTestId('board.soundOn').click();
  await expect(voice).toHaveAttribute('data-gate', 'allowed');
  await expect(voice).not.toHaveAttribute('data-clips', '', { timeout: 15_000 });
  expect(await voice.getAttribute('data-clips-failed')).toBe('');
}

export interface ShownCall {
  readonly number: string;
  readonly counter: number;
}

/** The calls in progress, newest first (the first is the highlighted one). */
export async function currentCalls(page: Page): Promise<ShownCall[]> {
  return page
    .getByTestId('board.current')
    .evaluateAll((rows) => rows.map((r) => ({ number: (r as HTMLElement).dataset.number ?? '', counter: Number((r as HTMLElement).dataset.counter) })));
}

/** The last calls as listed, newest first. */
export async function lastCalls(page: Page): Promise<ShownCall[]> {
  return page
    .getByTestId('board.lastCall')
    .evaluateAll((rows) => rows.map((r) => ({ number: (r as HTMLElement).dataset.number ?? '', counter: Number((r as HTMLElement).dataset.counter) })));
}

/** Waiting count and estimate ("10-20", or null) per group prefix. */
export async function waitingCounts(page: Page): Promise<Record<string, { count: number; estimate: string | null }>> {
  const rows = await page.getByTestId('board.waiting').evaluateAll((els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return [d.group ?? '', { count: Number(d.count), estimate: d.estimate ? d.estimate : null }] as const;
    }),
  );
  return Object.fromEntries(rows);
}

/** The sentences the board handed to its voice, oldest first (the last 50). */
export async function spokenPhrases(page: Page): Promise<string[]> {
  return JSON.parse((await page.getByTestId('board.voice').getAttribute('data-said')) ?? '[]') as string[];
}

/** Waits until the voice was asked to say at least `count` sentences, and returns them. */
export async function waitForSpoken(page: Page, count: number, timeout = 30_000): Promise<string[]> {
  await expect.poll(async () => (await spokenPhrases(page)).length, { timeout }).toBeGreaterThanOrEqual(count);
  return spokenPhrases(page);
}

/** Waits until nothing is being said or queued. */
export async function waitForQuiet(page: Page, timeout = 30_000): Promise<void> {
  const voice = page.getByTestId('board.voice');
  await expect(voice).toHaveAttribute('data-speaking', '', { timeout });
  await expect(voice).toHaveAttribute('data-queued', '0', { timeout });
}

/** The sentence the board says for a call: "Mời khách hàng số a không một năm, đến quầy số ba". */
export { utteranceFor } from '../../src/app/callAnnouncer';
