import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * What a counter officer does with the "Gọi số" strip (src/ui/counter/QueuePanel.tsx), for the
 * end-to-end specs. The counter is enrolled first with `enrol(page, centre, 'counter')`
 * (counterFlows.ts) and opened at `?role=counter`. Every step waits for the strip to settle (no
 * action on its way) and returns what the strip shows, so a spec asserts on values, not on timing.
 */

/** The strip's ticket as shown: number ('' when none), state, and whether it was called offline. */
export interface ShownTicket {
  readonly number: string;
  readonly state: 'none' | 'called' | 'serving' | 'walk-in';
  readonly offline: boolean;
}

/** The queue keys (QUEUE_KEYS in QueuePanel.tsx): what a foot pedal or keypad sends. */
export const QUEUE_KEYS = { next: 'F9', recall: 'F8' } as const;

async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('queue.panel')).toHaveAttribute('data-busy', 'false', { timeout: 20_000 });
}

/**
 * Does what starts one action and waits until the strip finished it (answered, refused or
 * recorded offline): the panel counts finished actions in `data-acted`.
 */
async function acting(page: Page, start: () => Promise<void>): Promise<void> {
  const panel = page.getByTestId('queue.panel');
  const before = Number((await panel.getAttribute('data-acted')) ?? '0');
  await start();
  await expect.poll(async () => Number((await panel.getAttribute('data-acted')) ?? '0'), { timeout: 20_000 }).toBeGreaterThan(before);
  await settled(page);
}

/**
 * Sets the counter's number and groups on this machine. With published counters (`queue.counters`)
 * the number picks one of them (its groups come with it and `groups` is ignored).
 */
export async function setCounter(page: Page, counter: number, groups: readonly string[]): Promise<void> {
  const panel = page.getByTestId('queue.panel');
  await expect(panel).toBeVisible();
  const open = panel.getByTestId('queue.setupOpen');
  await ((await open.isVisible()) ? open : panel.getByTestId('queue.setupChange')).click();
  const dialog = page.getByTestId('queue.setupDialog');
  await expect(dialog).toBeVisible();
  const published = dialog.getByTestId(`queue.setupCounter.${counter}`);
  if ((await published.count()) > 0) await published.check();
  else {
    await dialog.getByTestId('queue.setupNumber').fill(String(counter));
    for (const box of await dialog.locator('[data-testid^="queue.setupGroup."]').all()) {
      const prefix = ((await box.getAttribute('data-testid')) ?? '').split('.').pop() ?? '';
      await box.setChecked(groups.includes(prefix));
    }
  }
  await dialog.getByTestId('queue.setupSave').click();
  await expect(dialog).toBeHidden();
  await expect(panel.getByTestId('queue.counter')).toHaveAttribute('data-counter', String(counter));
}

/** The counter's number and groups as the strip shows them. */
export async function counterSetup(page: Page): Promise<{ counter: number | null; groups: string[] }> {
  const el = page.getByTestId('queue.counter');
  const counter = await el.getAttribute('data-counter');
  const groups = (await el.getAttribute('data-groups')) ?? '';
  return { counter: counter ? Number(counter) : null, groups: groups ? groups.split(',') : [] };
}

export async function currentTicket(page: Page): Promise<ShownTicket> {
  await settled(page);
  const el = page.getByTestId('queue.current');
  return {
    number: (await el.getAttribute('data-number')) ?? '',
    state: ((await el.getAttribute('data-state')) ?? 'none') as ShownTicket['state'],
    offline: (await el.getAttribute('data-offline')) === 'true',
  };
}

/** The last message of the strip (kind 'ok' or 'error', the error code, the text), or null. */
export async function queueMessage(page: Page): Promise<{ kind: string; code: string; text: string } | null> {
  await settled(page);
  const el = page.getByTestId('queue.message');
  if ((await el.count()) === 0) return null;
  return { kind: (await el.getAttribute('data-kind')) ?? '', code: (await el.getAttribute('data-code')) ?? '', text: (await el.innerText()).trim() };
}

/** The plain "cannot reach the queue server" notice, or null when the strip shows none. */
export async function offlineNotice(page: Page): Promise<string | null> {
  const el = page.getByTestId('queue.offline');
  if (!(await el.isVisible())) return null;
  return (await el.innerText()).trim();
}

/** Waits until the strip says how it reaches the queue owner ('online', 'unreachable', …). */
export async function expectReach(page: Page, reach: 'online' | 'unreachable' | 'not-enrolled' | 'connecting'): Promise<void> {
  await expect(page.getByTestId('queue.panel')).toHaveAttribute('data-reach', reach, { timeout: 20_000 });
}

/** Waiting count per group as the strip shows it (groups of this counter). */
export async function waitingCounts(page: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const el of await page.locator('[data-testid^="queue.waiting."]').all()) {
    const group = ((await el.getAttribute('data-testid')) ?? '').split('.').pop() ?? '';
    out[group] = Number(await el.getAttribute('data-count'));
  }
  return out;
}

/** Call next: the key a foot pedal sends (default) or the button. */
export async function callNext(page: Page, how: 'key' | 'button' = 'key'): Promise<ShownTicket> {
  await acting(page, () => (how === 'key' ? page.keyboard.press(QUEUE_KEYS.next) : page.getByTestId('queue.next').click()));
  return currentTicket(page);
}

export async function recall(page: Page): Promise<ShownTicket> {
  await acting(page, () => page.keyboard.press(QUEUE_KEYS.recall));
  return currentTicket(page);
}

/** Calls a ticket by its typed number ("A15" or "A0015"): the path that works without the queue server. */
export async function callNumber(page: Page, number: string): Promise<ShownTicket> {
  await page.getByTestId('queue.callNumber').click();
  const dialog = page.getByTestId('queue.numberDialog');
  await dialog.getByTestId('queue.numberInput').fill(number);
  await acting(page, () => dialog.getByTestId('queue.numberSubmit').click());
  // The dialog closes on success and stays open with the message on a refusal.
  if (await dialog.isVisible()) await dialog.getByTestId('queue.numberCancel').click();
  return currentTicket(page);
}

/** A no-show came back within the grace period: back at the front of the queue. */
export async function returnNoShow(page: Page, number: string): Promise<void> {
  await page.getByTestId('queue.return').click();
  const dialog = page.getByTestId('queue.numberDialog');
  await dialog.getByTestId('queue.numberInput').fill(number);
  await acting(page, () => dialog.getByTestId('queue.numberSubmit').click());
  if (await dialog.isVisible()) await dialog.getByTestId('queue.numberCancel').click();
}

export async function serve(page: Page): Promise<ShownTicket> {
  await acting(page, () => page.getByTestId('queue.serve').click());
  return currentTicket(page);
}

export async function noShow(page: Page): Promise<ShownTicket> {
  await acting(page, () => page.getByTestId('queue.noShow').click());
  return currentTicket(page);
}

export async function finish(page: Page): Promise<ShownTicket> {
  await acting(page, () => page.getByTestId('queue.finish').click());
  return currentTicket(page);
}

export async function walkIn(page: Page): Promise<ShownTicket> {
  await acting(page, () => page.getByTestId('queue.walkIn').click());
  return currentTicket(page);
}

/** Transfers the current ticket to a group and/or a counter. */
export async function transfer(page: Page, to: { group?: string; counter?: number }): Promise<ShownTicket> {
  await page.getByTestId('queue.transfer').click();
  const dialog = page.getByTestId('queue.transferDialog');
  if (to.group) await dialog.getByTestId('queue.transferGroup').selectOption(to.group);
  if (to.counter !== undefined) await dialog.getByTestId('queue.transferCounter').fill(String(to.counter));
  await acting(page, () => dialog.getByTestId('queue.transferSubmit').click());
  if (await dialog.isVisible()) await dialog.getByTestId('queue.transferCancel').click();
  return currentTicket(page);
}

/** "Tiếp nhận hồ sơ" from the strip: the dossier form opens showing the ticket being served. */
export async function receiveForTicket(page: Page): Promise<string> {
  await page.getByTestId('queue.receive').click();
  await expect(page.getByTestId('desk.new')).toBeVisible();
  return (await page.getByTestId('desk.new').getAttribute('data-ticket')) ?? '';
}
