import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { readAloudUtterance } from '../../src/app/readAloud';
import { recordDossierStatus } from '../../src/server/dossiers';
import { enrol } from './counterFlows';
import { expect, test } from './fixtures';
import { kioskUrl } from './helpers';
import { setCounter } from './queueFlows';

/**
 * The citizen kiosk for everyone (issue 14, "kiosk manners"): axe on every citizen screen in both
 * orientations, plain and with larger text and high contrast; the switches dress the whole page
 * and the idle reset takes them off (then the attract screen); "Đọc to" says the screen's guide
 * in Vietnamese, the ticket's number included, with Chromium's audio (this Chromium has no
 * Vietnamese OS voice: the shipped clips play); every control of every citizen screen is reached
 * with Tab, and those of the start page in order, working with Enter. Against a real centre (the dossier followed is the centre's). Screenshots in
 * test-results/access/.
 */
const SHOTS = join('test-results', 'access');
mkdirSync(SHOTS, { recursive: true });

const CODE = '000.00.21.H26-261203-0042';
const SECRET = 'R7TQ4WXN';

/** Serious and critical axe findings on the page as it is now, one line each (rule, node, summary). */
async function axeProblems(page: Page): Promise<string[]> {
  // Only violations are read: axe then keeps one node per passing rule instead of every one (faster).
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .options({ resultTypes: ['violations'] })
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1]?.trim() ?? v.help}`));
}

type Mode = { name: string; largeText: boolean; highContrast: boolean };
const PLAIN: Mode = { name: 'plain', largeText: false, highContrast: false };
const LARGE_CONTRAST: Mode = { name: 'large-contrast', largeText: true, highContrast: true };
const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };

/**
 * Three walks, each its own test (a failure names its variant, each has its own time-out): axe in portrait and in landscape
 * plain, and in portrait with larger text and high contrast. Landscape with larger text has the
 * colours and markup of portrait with larger text (only the layout differs): its screenshots are
 * taken in the third walk and looked at.
 */
const VARIANTS = [
  { orientation: 'portrait', viewport: PORTRAIT, mode: PLAIN, alsoLandscape: false, tab: true },
  { orientation: 'landscape', viewport: LANDSCAPE, mode: PLAIN, alsoLandscape: false, tab: false },
  { orientation: 'portrait', viewport: PORTRAIT, mode: LARGE_CONTRAST, alsoLandscape: true, tab: false },
] as const;

/**
 * The controls of the screen as it is that Tab never reaches from the top of the page: every
 * visible, enabled button, field, link and tabindex element is marked, then Tab is pressed once per
 * control and a few more, and what got the focus is noted. The on-screen keys are among them (each
 * key is a Tab stop of its own).
 */
async function unreachedByTab(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    // A native control counts even with tabindex="-1" (that is the fault looked for); any other
    // element only when it says it takes the focus. The on-screen keys count: each is a Tab stop.
    const controls = [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex]')].filter(
      (el) =>
        (el.matches('button, input, select, textarea, a[href]') || el.tabIndex >= 0) &&
        !(el as HTMLButtonElement).disabled &&
        el.getClientRects().length > 0 &&
        getComputedStyle(el).visibility !== 'hidden' &&
        !el.closest('[inert], [aria-hidden="true"]'),
    );
    controls.forEach((el, i) => el.setAttribute('data-tab-probe', String(i)));
    (document.activeElement as HTMLElement | null)?.blur();
    return controls.length;
  });
  const reached = new Set<string>();
  for (let i = 0; i < total + 3; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-tab-probe') ?? null);
    if (id !== null) reached.add(id);
  }
  return page.evaluate(
    (seen) => {
      const missed = [...document.querySelectorAll('[data-tab-probe]')]
        .filter((el) => !seen.includes(el.getAttribute('data-tab-probe') ?? ''))
        .map((el) => el.getAttribute('data-testid') ?? el.outerHTML.slice(0, 80));
      for (const el of document.querySelectorAll('[data-tab-probe]')) el.removeAttribute('data-tab-probe');
      return missed;
    },
    [...reached],
  );
}

async function setMode(page: Page, mode: Mode): Promise<void> {
  for (const [id, on] of [
    ['access.largeText', mode.largeText],
    ['access.highContrast', mode.highContrast],
  ] as const) {
    const button = page.getByTestId(id);
    if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
    await expect(button).toHaveAttribute('aria-pressed', String(on));
  }
}

for (const variant of VARIANTS) {
  test(`axe finds nothing serious on any citizen screen: ${variant.orientation}, ${variant.mode.name}`, async ({ page, centre }) => {
    test.setTimeout(120_000);
    const created = await recordDossierStatus(centre.db, {
      code: CODE,
      branchCode: 'CN01',
      lookupSecret: SECRET,
      status: 'ready',
      statusAt: Date.UTC(2026, 11, 3, 3, 15),
      appointmentDate: '2026-12-10',
      note: '',
    });
    expect(created.ok ? 'ok' : created.error).toBe('ok');
    await enrol(page, centre, 'citizen');
    await page.setViewportSize(variant.viewport);
    await page.goto(kioskUrl('?role=citizen'));
    await expect(page.getByTestId('citizen.home')).toBeVisible();
    const seen: Record<string, string[]> = {};
    // The switches last one visit: set again on every screen (a way home ends the visit).
    const check = async (screen: string): Promise<void> => {
      await setMode(page, variant.mode);
      await page.screenshot({ path: join(SHOTS, `${variant.orientation}-${variant.mode.name}-${screen}.png`) });
      seen[screen] = await axeProblems(page);
      // Every control of every citizen screen is reached with Tab (checked once, in portrait plain).
      if (variant.tab) {
        const missed = await unreachedByTab(page);
        if (missed.length > 0) seen[screen] = [...seen[screen]!, ...missed.map((m) => `not reached with Tab: ${m}`)];
      }
      if (variant.alsoLandscape) {
        await page.setViewportSize(LANDSCAPE);
        await page.screenshot({ path: join(SHOTS, `landscape-${variant.mode.name}-${screen}.png`) });
        await page.setViewportSize(variant.viewport);
      }
    };

    await check('home');
    await page.getByTestId('citizen.lookup').click();
    await expect(page.getByTestId('lookup.fields')).toBeVisible();
    await check('lookup');
    await page.getByTestId('lookup.query').fill('khai sinh');
    await expect(page.getByTestId('lookup.results').locator('[data-testid="lookup.procedure"]').first()).toBeVisible();
    await check('lookup-results');
    await page.getByTestId('lookup.results').locator('[data-testid="lookup.procedure"]').first().click();
    await expect(page.getByTestId('procedure.screen')).toBeVisible();
    await check('procedure');
    await page.getByTestId('procedure.home').click();

    await page.getByTestId('citizen.follow').click();
    await check('follow');
    await page.getByTestId('follow.codeInput').fill(CODE);
    await page.getByTestId('follow.secretInput').fill(SECRET);
    await page.getByTestId('follow.submit').click();
    await expect(page.getByTestId('follow.result')).toHaveAttribute('data-status', 'ready');
    await check('follow-result');
    await page.getByTestId('follow.back').click();

    await page.getByTestId('citizen.rating').click();
    await check('rating-ticket');
    await page.getByTestId('rating.skip').click();
    await expect(page.getByTestId('rating.answer')).toBeVisible();
    await page.getByTestId('rating.submit').click();
    await expect(page.getByTestId('rating.missingLevel')).toBeVisible();
    await check('rating-answer');
    await page.getByTestId('rating.level.satisfied').click();
    await page.getByTestId('rating.submit').click();
    await expect(page.getByTestId('rating.thanks')).toBeVisible();
    await check('rating-thanks');
    await page.getByTestId('rating.home').click();

    await page.getByTestId('citizen.service.A').click();
    await expect(page.getByTestId('ticket.result')).toBeVisible();
    await check('ticket');

    expect(Object.keys(seen)).toHaveLength(10);
    expect(seen).toEqual(Object.fromEntries(Object.keys(seen).map((k) => [k, []])));
  });
}

test('larger text and high contrast dress the whole page, the idle reset takes them off, then the attract screen', async ({ page }) => {
  await page.clock.install();
  await page.goto(kioskUrl('?role=citizen'));
  const heading = page.locator('.citizen-home .page-title');
  const plainHeight = (await heading.boundingBox())!.height;
  const plainBg = await page.locator('html').evaluate((el) => getComputedStyle(el).backgroundColor);

  await page.getByTestId('access.largeText').click();
  await expect(page.locator('html')).toHaveAttribute('data-text', 'large');
  await expect.poll(async () => (await heading.boundingBox())!.height).toBeGreaterThan(plainHeight * 1.2);
  await page.getByTestId('access.highContrast').click();
  await expect(page.locator('html')).toHaveAttribute('data-contrast', 'high');
  await expect.poll(() => page.locator('html').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
  await expect(page.getByTestId('citizen.service.A')).toHaveCSS('color', 'rgb(255, 255, 255)');
  expect(plainBg).not.toBe('rgb(0, 0, 0)');
  await page.screenshot({ path: join(SHOTS, 'portrait-switches-home.png') });

  // The switches are the visit's: a minute without a touch puts them back, and nobody is there.
  await page.clock.fastForward(50_500);
  await expect(page.getByTestId('citizen.idle')).toBeVisible();
  expect(await axeProblems(page)).toEqual([]);
  await page.clock.fastForward(10_500);
  await expect(page.getByTestId('citizen.attract')).toBeVisible();
  expect(await axeProblems(page)).toEqual([]);
  await expect(page.locator('html')).not.toHaveAttribute('data-text', /./);
  await expect(page.locator('html')).not.toHaveAttribute('data-contrast', /./);
  await page.screenshot({ path: join(SHOTS, 'portrait-attract.png') });
  // The touch that wakes the kiosk lands on the attract screen, never on a tile under it.
  await page.getByTestId('citizen.attract').click({ position: { x: 300, y: 900 } });
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  await expect(page.getByTestId('ticket.result')).toHaveCount(0);
  await expect(page.getByTestId('access.largeText')).toHaveAttribute('aria-pressed', 'false');

  // A start page nobody touches turns into the attract screen too.
  await page.clock.fastForward(61_000);
  await expect(page.getByTestId('citizen.attract')).toBeVisible();
});

test('"Đọc to" says the screen in Vietnamese, the ticket number included, once per tap', async ({ page }) => {
  await page.goto(kioskUrl('?role=citizen'));
  const read = page.getByTestId('access.readAloud');
  const said = async (): Promise<string[]> => JSON.parse((await read.getAttribute('data-said')) ?? '[]') as string[];

  // The look-up's guide (6 s; the start page's is 18 s, its words are checked in src/app/readAloud.test.ts).
  await page.getByTestId('citizen.lookup').click();
  await read.click();
  await expect(read).toHaveAttribute('data-speaking', 'true');
  // A second tap while it speaks is not queued (force: the button says aria-disabled, which Playwright would wait out).
  await read.click({ force: true });
  await expect(read).toHaveAttribute('data-speaking', 'false', { timeout: 40_000 });
  await expect(read).toHaveAttribute('data-engine', 'clips');
  await expect(read).toHaveAttribute('data-outcome', 'spoken');
  expect(await said()).toEqual([readAloudUtterance({ kind: 'lookup' }).text]);
  expect((await said())[0]).toContain('gõ tên thủ tục trên bàn phím');
  await page.getByTestId('lookup.back').click();

  // Leaving a screen ends its guide at once (the start page's runs 18 s): a citizen never hears
  // about a screen no longer shown.
  await read.click();
  await expect(read).toHaveAttribute('data-speaking', 'true');
  await page.getByTestId('citizen.follow').click();
  await expect(read).toHaveAttribute('data-speaking', 'false', { timeout: 3_000 });
  await expect(read).toHaveAttribute('data-outcome', 'stopped');
  await page.getByTestId('follow.back').click();

  await page.getByTestId('citizen.service.B').click();
  await expect(page.getByTestId('ticket.result')).toBeVisible();
  const number = (await page.getByTestId('ticket.number').textContent())!.trim();
  await read.click();
  await expect(read).toHaveAttribute('data-speaking', 'false', { timeout: 40_000 });
  await expect(read).toHaveAttribute('data-outcome', 'spoken');
  expect((await said()).at(-1)).toBe(readAloudUtterance({ kind: 'ticket', number }).text);
  expect(await said()).toContain(readAloudUtterance({ kind: 'home' }).text);
  expect((await said()).at(-1)).toMatch(/^Số thứ tự của bạn là bê /);
});

test('every control of the start page is reached with Tab, in order, and works with Enter', async ({ page }) => {
  await page.goto(kioskUrl('?role=citizen'));
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  const reached: string[] = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
    if (reached.includes(id)) break;
    reached.push(id);
  }
  const controls = await page.locator('main button, footer button').evaluateAll((els) => els.map((el) => el.getAttribute('data-testid') ?? ''));
  expect(reached.filter((id) => controls.includes(id))).toEqual(controls);
  // Enter on a focused tile takes a ticket.
  await page.getByTestId('citizen.service.A').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ticket.result')).toBeVisible();
});

async function newPage(browser: Browser, viewport: { width: number; height: number }): Promise<Page> {
  return (await browser.newContext({ viewport })).newPage();
}

test('"Gọi nhân viên" at a kiosk shows on every counter at once; the officer who goes closes it for all', async ({ browser, centre }) => {
  test.setTimeout(120_000);
  const kiosk = await newPage(browser, { width: 1080, height: 1920 });
  await kiosk.goto(kioskUrl('?role=technician'));
  await kiosk.getByTestId('technician.kioskSlot').fill('2');
  await kiosk.getByTestId('technician.save').click();
  await expect(kiosk.getByTestId('technician.kioskSlot')).toHaveValue('2');
  await enrol(kiosk, centre, 'citizen');
  const counters: Page[] = [];
  for (const [i, slot] of [0, 1].entries()) {
    const page = await newPage(browser, { width: 1366, height: 768 });
    await enrol(page, centre, 'counter', centre.url, slot);
    await page.goto(kioskUrl('?role=counter'));
    await setCounter(page, i + 1, ['A']);
    counters.push(page);
  }
  const [one, two] = counters as [Page, Page];

  await kiosk.goto(kioskUrl('?role=citizen'));
  await kiosk.getByTestId('citizen.follow').click();
  // Tapped twice in one go (before the page re-rendered): one call reaches the counters.
  await kiosk.getByTestId('access.callStaff').evaluate((el: HTMLElement) => {
    el.click();
    el.click();
  });
  await expect(kiosk.getByTestId('access.staffCalled')).toHaveAttribute('data-state', 'told', { timeout: 15_000 });
  await expect(kiosk.getByTestId('access.staffCalled')).toHaveText('Đã báo nhân viên. Vui lòng chờ tại máy, nhân viên sẽ đến ngay.');
  await kiosk.screenshot({ path: join(SHOTS, 'portrait-staff-called.png') });

  // Both counters show it, poked (no reload, well within the 15 s poll).
  for (const page of counters) {
    await expect(page.getByTestId('queue.staffCall')).toHaveCount(1, { timeout: 5_000 });
    await expect(page.getByTestId('queue.staffCall')).toContainText('Máy lấy số 3 · đang theo dõi hồ sơ · lúc');
    await expect(page.getByTestId('queue.staffCall')).toHaveAttribute('data-screen', 'follow');
  }
  await two.screenshot({ path: join(SHOTS, 'counter-staff-call.png') });
  expect(await centre.db.query('SELECT screen, answered_at FROM staff_calls')).toEqual([{ screen: 'follow', answered_at: null }]);

  await two.getByTestId('queue.staffCall.answer').click();
  for (const page of counters) await expect(page.getByTestId('queue.staffCalls')).toHaveCount(0, { timeout: 5_000 });
  expect(await centre.db.query('SELECT answered_counter FROM staff_calls')).toEqual([{ answered_counter: 2 }]);
  await expect(one.getByTestId('queue.message')).toHaveCount(0);

  // Offline, the kiosk says plainly that nobody was told yet; the call goes when the link is back.
  await kiosk.context().setOffline(true);
  await kiosk.getByTestId('access.callStaff').click();
  await expect(kiosk.getByTestId('access.staffCalled')).toHaveAttribute('data-state', 'queued');
  await expect(kiosk.getByTestId('access.staffCalled')).toHaveText('Chưa báo được nhân viên. Vui lòng đến quầy hướng dẫn, hoặc thử lại.');
  await kiosk.context().setOffline(false);
  await expect(one.getByTestId('queue.staffCall')).toHaveCount(1, { timeout: 30_000 });
  for (const page of [kiosk, ...counters]) await page.context().close();
});
