import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { publishChanges } from '../../src/server/changes';
import { Procedure } from '../../src/shared/catalog';
import { PublishRequest } from '../../src/shared/sync';
import { startCentre, type Centre } from './centre';
import { enrol } from './counterFlows';
import { test as base, expect } from './fixtures';
import { kioskUrl, lastPrintedPdf, pdfText, renderPdfPng } from './helpers';

/**
 * The citizen looks up a procedure at the kiosk (issue 14): browse by field, search typed on the
 * on-screen keyboard with Telex, print the papers to bring, take a ticket for the procedure's
 * group; the idle reset brings the next citizen a clean start page in Vietnamese. Screenshots of
 * every screen in both orientations go to test-results/citizen/ for a person to look at.
 *
 * Against a real centre (centre.ts: its own origin, CORS for the kiosk's), nothing stubbed between
 * the page and the server: every kiosk is enrolled from its technician screen and pulls the
 * catalog and the branch's configuration from the centre, which publishes the shipped catalog with
 * one paper of its own added to 1.001193 (so a screen showing it shows the centre's catalog, not
 * the seed the kiosk ships with). A ticket taken from a procedure is asserted at the centre.
 * Offline (Chromium's own switch), the look-up works from what the kiosk pulled and the status bar
 * says it is offline; the ticket reaches the centre when the kiosk is back.
 *
 * Every test has a centre of its own: each kiosk is a new device in slot 0 and takes A0001, which
 * one centre would refuse the second time (and the other specs' tickets stay out of it).
 */
const CENTRE_PAPER = 'Giấy hẹn của trung tâm (kiểm thử e2e)';

async function publishCatalog(centre: Centre): Promise<void> {
  const seed = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
  const procedures = seed.flatMap((raw) => {
    const parsed = Procedure.safeParse(raw);
    if (!parsed.success) return [];
    const p = parsed.data;
    if (p.code !== '1.001193') return [p];
    const paper = { ...p.documents.find((d) => d.need === 'required')!, id: 'e2e-centre', name: CENTRE_PAPER };
    delete (paper as { notes?: string }).notes;
    return [{ ...p, documents: [...p.documents, paper] }];
  });
  expect(procedures.length).toBeGreaterThan(90);
  const published = await publishChanges(
    centre.db,
    PublishRequest.parse({ scope: 'global', changes: procedures.map((data) => ({ entity: 'procedure', op: 'put', data })) }),
  );
  if (!published.ok) throw new Error(`could not publish the catalog: ${published.error.code} ${published.error.detail}`);
}

const test = base.extend<{ kioskCentre: Centre }>({
  // On the worker's PGlite, emptied for each test (fixtures.ts): no test here also asks for `centre`.
  kioskCentre: async ({ centreDb }, use) => {
    const centre = await startCentre({ db: centreDb });
    await publishCatalog(centre);
    await use(centre);
    await centre.close();
  },
});

/**
 * Enrols this browser profile as a citizen kiosk at the centre and opens its start page once the
 * first sync (the pull of catalog and configuration included) is done; returns the device id.
 */
async function enrolKiosk(page: Page, centre: Centre): Promise<string> {
  const deviceId = await enrol(page, centre, 'citizen');
  await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'idle', { timeout: 20_000 });
  await page.goto(kioskUrl('?role=citizen'));
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  return deviceId;
}

/** The numbers the centre holds from this kiosk. */
const atCentre = async (centre: Centre, deviceId: string): Promise<string[]> =>
  (await centre.tickets()).filter((t) => t.deviceId === deviceId).map((t) => t.number);
const SHOTS = join('test-results', 'citizen');
mkdirSync(SHOTS, { recursive: true });

const ORIENTATIONS = [
  { name: 'portrait', viewport: { width: 1080, height: 1920 } },
  { name: 'landscape', viewport: { width: 1920, height: 1080 } },
] as const;

/** Taps keys of the on-screen keyboard, one by one (" " is the space bar). */
async function tapKeys(page: Page, keys: string): Promise<void> {
  const keyboard = page.getByTestId('lookup.keyboard');
  for (const key of keys) await keyboard.locator(`[data-skbtn="${key === ' ' ? '{space}' : key}"]`).click();
}

for (const { name, viewport } of ORIENTATIONS) {
  test.describe(`citizen look-up, ${name}`, () => {
    test.use({ viewport });

    test('browse to a procedure, print its checklist, take a ticket from it that reaches the centre', async ({ page, kioskCentre }) => {
      const deviceId = await enrolKiosk(page, kioskCentre);
      await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'true');
      await page.screenshot({ path: join(SHOTS, `${name}-home.png`) });
      // Every tile and the look-up entry are on screen above the status bar, no scrolling.
      const bar = await page.getByTestId('status.sync').boundingBox();
      for (const id of ['citizen.service.E', 'citizen.service.F', 'citizen.lookup']) {
        const box = await page.getByTestId(id).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.y + box!.height, `${id} ends above the status bar`).toBeLessThanOrEqual(bar!.y - 12);
      }

      await page.getByTestId('citizen.lookup').click();
      await expect(page.getByTestId('lookup.home')).toBeVisible();
      await expect(page.getByTestId('lookup.fieldTile').first()).toBeVisible();
      await page.screenshot({ path: join(SHOTS, `${name}-lookup.png`) });

      await page.locator('[data-testid="lookup.fieldTile"][data-field="Hộ tịch"]').click();
      await expect(page.getByTestId('lookup.fieldList')).toBeVisible();
      await page.screenshot({ path: join(SHOTS, `${name}-browse.png`) });

      await page.locator('[data-testid="lookup.procedure"][data-code="1.001193"]').click();
      await expect(page.getByTestId('procedure.name')).toHaveText('Thủ tục đăng ký khai sinh');
      await expect(page.getByTestId('procedure.takeTicket')).toHaveAttribute('data-prefix', 'A');
      await expect(page.getByTestId('procedure.takeTicket')).toContainText('Lấy số: A – Hộ tịch, chứng thực');
      await expect(page.getByTestId('procedure.fee')).toHaveText('Miễn phí');
      await expect(page.locator('[data-testid="procedure.section"][data-kind="always"]')).toContainText('Tờ khai đăng ký khai sinh');
      // The centre's catalog, as pulled: the paper only the centre's version has.
      await expect(page.getByTestId('procedure.screen')).toContainText(CENTRE_PAPER);
      await page.screenshot({ path: join(SHOTS, `${name}-procedure.png`) });

      const prints = () => page.evaluate(() => (window as Window & { __printCalls?: number }).__printCalls ?? 0);
      const printsBefore = await prints();
      // A double tap (two clicks in one task, before the page re-rendered) prints one list.
      await page.getByTestId('procedure.print').evaluate((el: HTMLElement) => {
        el.click();
        el.click();
      });
      await expect(page.getByTestId('procedure.printed')).toBeVisible();
      const pdf = await lastPrintedPdf(page, 'Giay to 1.001193');
      const text = pdfText(pdf).replace(/\s+/g, ' ');
      expect(text).toContain('DANH SÁCH GIẤY TỜ CẦN MANG');
      expect(text).toContain('Thủ tục đăng ký khai sinh');
      expect(text).toContain('Lấy số: A – Hộ tịch, chứng thực');
      expect(text).toContain('Tờ khai đăng ký khai sinh theo mẫu');
      expect(text).toContain('Nếu: Nộp hồ sơ theo ủy quyền');
      expect(text).toContain(CENTRE_PAPER);
      renderPdfPng(pdf, join(SHOTS, `${name}-checklist-print`));
      expect(await prints()).toBe(printsBefore + 1);

      // One tap takes a ticket for the group, through the same path as the home tiles.
      await page.getByTestId('procedure.takeTicket').click();
      await expect(page.getByTestId('ticket.number')).toHaveText('A0001');
      await expect(page.getByTestId('ticket.service')).toHaveText('Hộ tịch, chứng thực');
      await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
      expect(pdfText(await lastPrintedPdf(page, 'Phieu A0001'))).toContain('A0001');
      await page.getByTestId('ticket.done').click();
      await expect(page.getByTestId('citizen.home')).toBeVisible();
      // The ticket reached the centre (pushed by the kiosk's sync, cross-origin).
      await expect.poll(() => atCentre(kioskCentre, deviceId), { timeout: 20_000 }).toEqual(['A0001']);
    });
  });
}

/**
 * The rest in portrait, each screen also photographed in landscape (the browse test above checks the
 * landscape layout; the flows are the same code in both).
 */
async function bothOrientations(page: Page, label: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `portrait-${label}.png`) });
  await page.setViewportSize(ORIENTATIONS[1].viewport);
  await page.screenshot({ path: join(SHOTS, `landscape-${label}.png`) });
  await page.setViewportSize(ORIENTATIONS[0].viewport);
}

test.describe('citizen look-up', () => {
  test('search typed on the on-screen keyboard with Telex, then a ticket that reaches the centre', async ({ page, kioskCentre }) => {
    const deviceId = await enrolKiosk(page, kioskCentre);
    await page.getByTestId('citizen.lookup').click();
    await tapKeys(page, 'ddawng kys khai tuwr');
    await expect(page.getByTestId('lookup.query')).toHaveValue('đăng ký khai tử');
    await expect(page.getByTestId('lookup.results')).toBeVisible();
    await expect(page.getByTestId('lookup.procedure').first()).toContainText('khai tử');
    await bothOrientations(page, 'search-keyboard');
    // Backspace deletes one letter as shown ("tử" is two).
    for (let i = 0; i < 2; i++) await page.getByTestId('lookup.keyboard').locator('[data-skbtn="{bksp}"]').click();
    await expect(page.getByTestId('lookup.query')).toHaveValue('đăng ký khai ');
    await tapKeys(page, 'sinh');
    await expect(page.getByTestId('lookup.procedure').first()).toContainText('khai sinh');
    // A physical keyboard still types into the field.
    await page.getByTestId('lookup.query').press('End');
    await page.keyboard.type(' luu dong');
    await expect(page.getByTestId('lookup.query')).toHaveValue('đăng ký khai sinh luu dong');
    await expect(page.getByTestId('lookup.procedure').first()).toContainText('Thủ tục đăng ký khai sinh lưu động');
    await page.getByTestId('lookup.procedure').first().click();
    await expect(page.getByTestId('procedure.screen')).toHaveAttribute('data-code', '1.003583');
    await page.getByTestId('procedure.takeTicket').click();
    await expect(page.getByTestId('ticket.number')).toHaveText('A0001');
    await expect.poll(() => atCentre(kioskCentre, deviceId), { timeout: 20_000 }).toEqual(['A0001']);
  });

  test('offline: the look-up works from what the kiosk pulled, the screen says it is offline, the ticket follows on reconnect', async ({
    page,
    context,
    kioskCentre,
  }) => {
    const deviceId = await enrolKiosk(page, kioskCentre);
    // What the kiosk holds offline is also its app: wait until the service worker has it all
    // (precached) and serves this page, as on any kiosk that ran before the line dropped.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await context.setOffline(true);
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'false');
    await expect(page.getByTestId('status.sync')).toHaveText('Mất kết nối – vẫn hoạt động bình thường');

    // Browsing: the centre's catalog as the kiosk holds it.
    await page.getByTestId('citizen.lookup').click();
    await page.locator('[data-testid="lookup.fieldTile"][data-field="Hộ tịch"]').click();
    await page.locator('[data-testid="lookup.procedure"][data-code="1.001193"]').click();
    await expect(page.getByTestId('procedure.name')).toHaveText('Thủ tục đăng ký khai sinh');
    await expect(page.getByTestId('procedure.screen')).toContainText(CENTRE_PAPER);
    await expect(page.getByTestId('status.sync')).toHaveText('Mất kết nối – vẫn hoạt động bình thường');
    await bothOrientations(page, 'offline-procedure');
    await page.getByTestId('procedure.print').click();
    await expect(page.getByTestId('procedure.printed')).toBeVisible();
    expect(pdfText(await lastPrintedPdf(page, 'Giay to 1.001193')).replace(/\s+/g, ' ')).toContain(CENTRE_PAPER);

    // Searching on the on-screen keyboard.
    await page.getByTestId('procedure.home').click();
    await page.getByTestId('citizen.lookup').click();
    await tapKeys(page, 'khai tuwr');
    await expect(page.getByTestId('lookup.query')).toHaveValue('khai tử');
    await expect(page.getByTestId('lookup.procedure').first()).toContainText('khai tử');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'false');
    await bothOrientations(page, 'offline-search');

    // A ticket: printed now, at the centre once the kiosk is back.
    await page.getByTestId('lookup.procedure').first().click();
    await page.getByTestId('procedure.takeTicket').click();
    await expect(page.getByTestId('ticket.number')).toHaveText('A0001');
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '1');
    expect(await atCentre(kioskCentre, deviceId)).toEqual([]);
    await context.setOffline(false);
    await expect.poll(() => atCentre(kioskCentre, deviceId), { timeout: 20_000 }).toEqual(['A0001']);
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'true');
  });

  test('idle: a countdown, a touch keeps the visit, then everything back to the start in Vietnamese', async ({ page, kioskCentre }) => {
    await enrol(page, kioskCentre, 'citizen');
    await page.clock.install();
    await page.goto(kioskUrl('?role=citizen'));
    await page.getByTestId('status.language').click();
    await expect(page.getByTestId('citizen.lookup')).toContainText('Look up a procedure');
    await page.getByTestId('citizen.priority').click();
    await page.getByTestId('citizen.lookup').click();
    await tapKeys(page, 'quoocs tichj');
    await expect(page.getByTestId('lookup.query')).toHaveValue('quốc tịch');

    // 50 s without a touch: the countdown of the last 10 s.
    await page.clock.fastForward(50_500);
    await expect(page.getByTestId('citizen.idle')).toBeVisible();
    await expect(page.getByTestId('citizen.idle')).toContainText('The screen returns to the start page in 10 seconds');
    await bothOrientations(page, 'idle-countdown');
    // A touch keeps the visit as it was.
    await page.getByTestId('citizen.idle.continue').click();
    await page.clock.fastForward(1_000);
    await expect(page.getByTestId('citizen.idle')).toHaveCount(0);
    await expect(page.getByTestId('lookup.query')).toHaveValue('quốc tịch');

    await page.clock.fastForward(50_500);
    await expect(page.getByTestId('citizen.idle')).toBeVisible();
    await page.clock.fastForward(10_500);
    // Nobody there: the attract screen says what the kiosk can do; a touch opens the start page.
    await expect(page.getByTestId('citizen.attract')).toBeVisible();
    await expect(page.getByTestId('citizen.attract')).toContainText('Chạm vào màn hình để bắt đầu');
    await bothOrientations(page, 'attract');
    expect(await page.content()).not.toContain('quốc tịch');
    await page.getByTestId('citizen.attract').click();
    await expect(page.getByTestId('citizen.home')).toBeVisible();
    await expect(page.getByTestId('citizen.idle')).toHaveCount(0);
    await expect(page.locator('html')).toHaveAttribute('lang', 'vi');
    await expect(page.getByTestId('citizen.lookup')).toContainText('Tra cứu thủ tục');
    await expect(page.getByTestId('citizen.priority')).toHaveAttribute('aria-pressed', 'false');
    // Nothing typed remains anywhere in the page, in text or in an input's value.
    const html = await page.content();
    expect(html).not.toContain('quốc tịch');
    expect(html).not.toContain('quoocs');
    expect(await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value).filter((v) => v !== ''))).toEqual([]);
    // Reopened, the look-up starts empty.
    await page.getByTestId('citizen.lookup').click();
    await expect(page.getByTestId('lookup.query')).toHaveValue('');
    await bothOrientations(page, 'after-reset');
  });
});

test('English home in landscape: tiles E and F are above the status bar', async ({ page, kioskCentre }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await enrolKiosk(page, kioskCentre);
  await page.getByTestId('status.language').click();
  await expect(page.getByTestId('citizen.service.A')).toContainText('Civil status and certification');
  await page.screenshot({ path: join(SHOTS, 'landscape-home-en.png') });
  const bar = await page.getByTestId('status.sync').boundingBox();
  for (const id of ['citizen.service.E', 'citizen.service.F', 'citizen.lookup']) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box!.y + box!.height, `${id} ends above the status bar`).toBeLessThanOrEqual(bar!.y - 12);
  }
  await page.setViewportSize({ width: 1080, height: 1920 });
  await page.screenshot({ path: join(SHOTS, 'portrait-home-en.png') });
});
