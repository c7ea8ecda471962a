import { join } from 'node:path';
import { recordDossierStatus } from '../../src/server/dossiers';
import { expect, test } from './fixtures';
import { SCREENS_DIR } from './helpers';

/**
 * A citizen follows a dossier from a phone at home: the receipt's QR opens the centre's look-up page
 * (src/server/lookupPage.ts) with the code and the secret in its address. A real centre, a phone-sized
 * Chromium, nothing stubbed: the page's strict policy must let its own script run, its look-up goes
 * to the same route the kiosk uses, and the secret leaves the address bar at once.
 */
const CODE = '000.00.21.H26-261203-0042';
const SECRET = 'R7TQ4WXN';

test.use({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });

test('the receipt QR opens the status on a phone; a mistyped secret gets a plain answer and a retry works', async ({ page, centre }) => {
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
  const problems: string[] = [];
  const failedRequests: string[] = [];
  page.on('console', (m) => {
    // Chromium logs every 4xx answer as a failed resource; those are checked by URL below.
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });

  // What the receipt's QR encodes (lookupBaseUrl = <centre>/tra-cuu).
  await page.goto(`${centre.url}/tra-cuu?code=${encodeURIComponent(CODE)}&s=${SECRET}`);
  const status = page.locator('.status');
  await expect(status).toHaveText('Cần bổ sung giấy tờ');
  await expect(status).toHaveAttribute('data-status', 'supplement-requested');
  await expect(page.locator('#out')).toContainText('Ngày hẹn trả10/12/2026');
  await expect(page.locator('#out')).toContainText('Bổ sung bản sao giấy chứng nhận kết hôn');
  await expect(page.locator('#out')).toContainText('Cập nhật lúc');
  // The secret is out of the address bar (and the history) as soon as the page read it.
  expect(page.url()).toBe(`${centre.url}/tra-cuu`);
  await page.screenshot({ path: join(SCREENS_DIR, 'lookup-page-phone.png'), fullPage: true });

  // Typed by hand with one wrong character: the same plain answer as for an unknown code.
  await page.locator('#secret').fill('R7TQ4WXM');
  await page.locator('#go').tap();
  await expect(page.locator('#out')).toHaveText('Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Hãy kiểm tra lại hai mã trên giấy tiếp nhận.');
  await expect(page.locator('#out')).toHaveClass('error');
  await page.screenshot({ path: join(SCREENS_DIR, 'lookup-page-phone-not-found.png') });

  // Lower case and spaces as a citizen types them: the centre reads the secret's canonical form.
  await page.locator('#code').fill(CODE.toLowerCase());
  await page.locator('#secret').fill('r7tq 4wxn');
  await page.locator('#go').tap();
  await expect(status).toHaveText('Cần bổ sung giấy tờ');
  // No policy violation, no script error; the one 404 is the mistyped secret's answer.
  expect(problems).toEqual([]);
  expect(failedRequests.filter((r) => r !== '404 /favicon.ico')).toEqual(['404 /v1/lookup']);
});

test('a malformed code and an unreachable centre are said plainly', async ({ page, centre }) => {
  await page.goto(`${centre.url}/tra-cuu`);
  await page.locator('#code').fill('12345');
  await page.locator('#secret').fill('ABCDEFGH');
  await page.locator('#go').tap();
  await expect(page.locator('#out')).toContainText('Mã chưa đúng dạng. Mã hồ sơ có dạng 000.00.21.H26-261124-0001');
  await page.locator('#code').fill('');
  await page.locator('#go').tap();
  await expect(page.locator('#out')).toHaveText('Hãy nhập cả mã hồ sơ và mã tra cứu in trên giấy tiếp nhận.');
  // The phone loses its connection after the page loaded.
  await page.context().setOffline(true);
  await page.locator('#code').fill(CODE);
  await page.locator('#go').tap();
  await expect(page.locator('#out')).toHaveText('Không kết nối được máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.');
  await page.context().setOffline(false);
});
