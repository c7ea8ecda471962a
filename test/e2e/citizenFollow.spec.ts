import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { ticketQrText } from '../../src/app/KioskApp';
import { publishChanges } from '../../src/server/changes';
import { recordDossierStatus } from '../../src/server/dossiers';
import { cleanQrFrame } from '../support/qrFrames';
import { writeY4m } from '../support/y4m';
import { enrol, nudge } from './counterFlows';
import { expect, test } from './fixtures';
import { kioskUrl, readRows } from './helpers';

/**
 * The citizen kiosk's "Theo dõi hồ sơ" and "Đánh giá dịch vụ" against a real centre (nothing stubbed
 * between page and server): a dossier followed by its receipt QR shown to Chromium's fake camera and
 * by its code and secret tapped on the on-screen keyboard; a wrong secret and the machine offline
 * said plainly; a ticket taken, its QR scanned at the rating point, the rating synced to the centre
 * with the ticket's id; the idle reset wipes what was typed. Screenshots in test-results/follow/.
 *
 * The fake camera plays one .y4m file; Chromium opens it again each time a page opens the camera, so
 * a test writes the QR it needs before opening the screen that films.
 */
const SHOTS = join('test-results', 'follow');
mkdirSync(SHOTS, { recursive: true });
const CAMERA_Y4M = join(mkdtempSync(join(tmpdir(), 'hpasc-follow-camera-')), 'qr.y4m');
const showToCamera = (text: string): void => writeY4m(CAMERA_Y4M, cleanQrFrame(640, 480, text));
showToCamera('nothing yet');

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${CAMERA_Y4M}`],
  },
});

const CODE = '000.00.21.H26-261203-0042';
const SECRET = 'R7TQ4WXN';
const BRANCH = JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')) as { branchCode: string; ticketQrBaseUrl: string };

/** Taps keys of the follow screen's keyboard, one by one. */
async function tapKeys(page: Page, testId: string, keys: string): Promise<void> {
  const keyboard = page.getByTestId(testId);
  for (const key of keys) await keyboard.locator(`[data-skbtn="${key}"]`).first().click();
}

async function shots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `portrait-${name}.png`) });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: join(SHOTS, `landscape-${name}.png`) });
  await page.setViewportSize({ width: 1080, height: 1920 });
}

test.beforeEach(async ({ centre }) => {
  const created = await recordDossierStatus(centre.db, {
    code: CODE,
    branchCode: 'CN01',
    lookupSecret: SECRET,
    status: 'supplement-requested',
    statusAt: Date.UTC(2026, 11, 3, 3, 15),
    appointmentDate: '2026-12-10',
    note: 'Bổ sung bản sao giấy chứng nhận kết hôn',
  });
  expect(created.ok).toBe(true);
});

test('follow a dossier by the receipt QR at the camera, then by code and secret tapped on the keyboard; a wrong secret; offline', async ({
  page,
  context,
  centre,
}) => {
  const asked: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/v1/lookup') asked.push(r.postData() ?? '');
  });
  await enrol(page, centre, 'citizen');
  showToCamera(`${centre.url}/tra-cuu?code=${encodeURIComponent(CODE)}&s=${SECRET}`);
  await page.goto(kioskUrl('?role=citizen'));
  await shots(page, 'home');

  // The receipt's QR at the camera: the status at once.
  await page.getByTestId('citizen.follow').click();
  await expect(page.getByTestId('follow.result')).toHaveAttribute('data-status', 'supplement-requested');
  await expect(page.getByTestId('follow.statusTitle')).toHaveText('Cần bổ sung giấy tờ');
  await expect(page.getByTestId('follow.statusNext')).toContainText('mang giấy tiếp nhận và giấy tờ được yêu cầu');
  await expect(page.getByTestId('follow.appointment')).toHaveText('10/12/2026');
  await expect(page.getByTestId('follow.note')).toHaveText('Bổ sung bản sao giấy chứng nhận kết hôn');
  await shots(page, 'follow-result');
  await page.getByTestId('follow.back').click();

  // Typed on the on-screen keyboard: a wrong secret first, then the right one.
  showToCamera('a QR that is not there');
  await page.getByTestId('citizen.follow').click();
  await expect(page.getByTestId('follow.keyboard')).toHaveAttribute('data-mode', 'code');
  await page.getByTestId('follow.codeInput').click();
  await tapKeys(page, 'follow.keyboard', CODE);
  await expect(page.getByTestId('follow.codeInput')).toHaveValue(CODE);
  await page.getByTestId('follow.secretInput').click();
  await tapKeys(page, 'follow.keyboard', 'R7TQ4WXM');
  // Tapping keys sends nothing; only "Tra cứu" does.
  expect(asked).toHaveLength(1);
  await page.getByTestId('follow.submit').click();
  await expect(page.getByTestId('follow.problem')).toHaveAttribute('data-kind', 'not-found');
  expect(asked).toHaveLength(2);
  await expect(page.getByTestId('follow.problem')).toHaveText(
    'Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Hãy kiểm tra lại hai mã trên giấy tiếp nhận.',
  );
  await shots(page, 'follow-wrong-secret');
  await page.getByTestId('follow.keyboard').locator('[data-skbtn="{bksp}"]').click();
  // A physical keyboard still types (the submit button had the focus).
  await page.getByTestId('follow.secretInput').focus();
  await page.keyboard.press('End');
  await page.keyboard.type('N');
  await expect(page.getByTestId('follow.secretInput')).toHaveValue(SECRET);
  await page.getByTestId('follow.submit').click();
  await expect(page.getByTestId('follow.statusTitle'), JSON.stringify(asked)).toHaveText('Cần bổ sung giấy tờ');

  // A malformed code never leaves the machine.
  await page.getByTestId('follow.again').click();
  await expect(page.getByTestId('follow.codeInput')).toHaveValue('');
  await page.getByTestId('follow.codeInput').fill('12345');
  await page.getByTestId('follow.secretInput').fill(SECRET);
  await page.getByTestId('follow.submit').click();
  await expect(page.getByTestId('follow.problem')).toHaveAttribute('data-kind', 'malformed');
  // A malformed code never leaves the machine.
  expect(asked).toHaveLength(3);

  // The network gone: said plainly.
  await context.setOffline(true);
  await page.getByTestId('follow.codeInput').fill(CODE);
  await page.getByTestId('follow.submit').click();
  await expect(page.getByTestId('follow.problem')).toHaveText('Máy đang mất kết nối – chưa tra cứu được; hãy thử lại sau hoặc hỏi quầy hướng dẫn.');
  await shots(page, 'follow-offline');
  await context.setOffline(false);

  // Leaving the screen wipes the keys.
  await page.getByTestId('follow.back').click();
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);
});

test('rate a ticket scanned from its QR: the rating reaches the centre with the ticket id', async ({ page, context, centre }) => {
  await enrol(page, centre, 'citizen');
  // The centre publishes a questionnaire; the kiosk pulls it.
  const published = await publishChanges(centre.db, {
    scope: 'global',
    changes: [
      {
        entity: 'questionnaire',
        op: 'put',
        data: {
          id: 'hai-long-e2e',
          version: 3,
          title: { vi: 'Bạn có hài lòng không?', en: 'Are you satisfied?' },
          levels: ['very-satisfied', 'satisfied', 'neutral', 'dissatisfied'],
          reasons: ['attitude', 'time', 'guidance', 'result'],
          allowComment: true,
          active: true,
        },
      },
    ],
  });
  expect(published.ok).toBe(true);
  await page.goto(kioskUrl('?role=citizen'));
  await nudge(context);

  // A ticket, as a citizen takes it when arriving.
  await page.locator('[data-testid^="citizen.service."]').first().click();
  await expect(page.getByTestId('ticket.result')).toBeVisible();
  const ticket = (await readRows(page, 'tickets'))[0] as { id: string; day: string; number: string };
  await page.goto(kioskUrl('?role=citizen'));

  // At the rating point: the published questionnaire once pulled, the ticket's QR at the camera.
  showToCamera(ticketQrText(BRANCH, ticket));
  await expect
    .poll(
      async () => {
        await nudge(context);
        await page.getByTestId('citizen.rating').click();
        // The ticket step shows first; the camera then reads the QR and the questions follow.
        const answer = page.getByTestId('rating.answer');
        await expect(answer).toBeVisible({ timeout: 10_000 });
        const which = await answer.getAttribute('data-questionnaire');
        if (which !== 'hai-long-e2e@3') await page.getByTestId('rating.back').click();
        return which;
      },
      { timeout: 30_000 },
    )
    .toBe('hai-long-e2e@3');
  await expect(page.getByTestId('rating.about')).toContainText(`Đánh giá cho phiếu số ${ticket.number}`);
  await page.getByTestId('rating.submit').click();
  await expect(page.getByTestId('rating.missingLevel')).toBeVisible();
  await page.getByTestId('rating.level.satisfied').click();
  await page.getByTestId('rating.reason.guidance').click();
  await page.getByTestId('rating.reason.attitude').click();
  await shots(page, 'rating-answer');
  await page.getByTestId('rating.submit').click();
  await expect(page.getByTestId('rating.thanks')).toBeVisible();
  await shots(page, 'rating-thanks');

  await nudge(context);
  await expect
    .poll(async () => centre.db.query('SELECT ticket_id, level, reasons, comment, questionnaire_id, questionnaire_version FROM ratings'), { timeout: 30_000 })
    .toEqual([
      {
        ticket_id: ticket.id,
        level: 'satisfied',
        reasons: ['attitude', 'guidance'],
        comment: '',
        questionnaire_id: 'hai-long-e2e',
        questionnaire_version: 3,
      },
    ]);
  // Back home by itself.
  await expect(page.getByTestId('citizen.home')).toBeVisible({ timeout: 15_000 });
});

test('the rating point without a ticket, typed number screen and its keyboard', async ({ page }) => {
  showToCamera('no ticket at the camera');
  await page.goto(kioskUrl('?role=citizen'));
  await page.getByTestId('citizen.rating').click();
  await tapKeys(page, 'rating.keyboard', 'A-1');
  await page.getByTestId('rating.next').click();
  await expect(page.getByTestId('rating.numberInvalid')).toBeVisible();
  await shots(page, 'rating-ticket');
  await page.getByTestId('rating.keyboard').locator('[data-skbtn="{clear}"]').click();
  await tapKeys(page, 'rating.keyboard', 'A015');
  await page.getByTestId('rating.next').click();
  await expect(page.getByTestId('rating.about')).toContainText('Đánh giá cho phiếu số A015');
});

test('idle reset wipes the typed code and secret', async ({ page }) => {
  await page.clock.install();
  await page.goto(kioskUrl('?role=citizen'));
  await page.getByTestId('citizen.follow').click();
  await page.getByTestId('follow.codeInput').fill(CODE);
  await page.getByTestId('follow.secretInput').fill(SECRET);
  await page.clock.fastForward(50_500);
  await expect(page.getByTestId('citizen.idle')).toBeVisible();
  await page.clock.fastForward(10_500);
  // Nobody there: the attract screen, then the start page at the next touch.
  await expect(page.getByTestId('citizen.attract')).toBeVisible();
  await expect(page.getByTestId('follow.codeInput')).toHaveCount(0);
  expect(await page.content()).not.toContain(CODE);
  await page.getByTestId('citizen.attract').click();
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  const html = await page.content();
  expect(html).not.toContain(CODE);
  expect(html).not.toContain(SECRET);
});
