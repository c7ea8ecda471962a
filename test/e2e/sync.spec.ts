import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Centre } from './centre';
import { expect, test } from './fixtures';
import { kioskUrl, SCREENS_DIR } from './helpers';

/**
 * The kiosk against a real central server (fastify + PGlite in the test worker, see centre.ts):
 * enrolment from the technician screen, sync while online, capture while offline, catch-up on the
 * `online` event, and a record the server refuses reaching the staff sync-issues screen.
 *
 * The technician screen is opened with ?role=technician (a session override); enrolment sends the
 * machine's stored role, a citizen kiosk here, so the codes are made for role `citizen`.
 */
async function enrol(page: Page, centre: Centre): Promise<string> {
  await page.goto(kioskUrl('?role=technician'));
  await expect(page.getByTestId('connection.panel')).toHaveAttribute('data-enrolled', 'false');
  const code = await centre.enrolCode('citizen');
  await page.getByTestId('connection.serverUrl').fill(centre.url);
  // As a hurried technician might type it: lower case, spaces instead of dashes.
  await page.getByTestId('connection.code').fill(code.toLowerCase().replace(/-/g, ' '));
  await page.getByTestId('connection.enrol').click();
  await expect(page.getByTestId('connection.result')).toHaveAttribute('data-branch', 'CN01');
  await expect(page.getByTestId('connection.branch')).toHaveText('CN01');
  await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'idle');
  return (await page.getByTestId('technician.deviceId').textContent()) ?? '';
}

async function takeTicket(page: Page, prefix: string): Promise<string> {
  await page.getByTestId(`citizen.service.${prefix}`).click();
  await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
  const number = (await page.getByTestId('ticket.number').textContent()) ?? '';
  await page.getByTestId('ticket.done').click();
  await expect(page.getByTestId('citizen.home')).toBeVisible();
  return number;
}

const statusBar = (page: Page) => page.getByTestId('status.bar');

test.describe('sync with a real central server', () => {
  test('enrol from the technician screen; tickets reach the server online, wait offline, and catch up on reconnect', async ({ page, context, centre }) => {
    await page.goto(kioskUrl('?role=technician'));
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'not-enrolled');
    await expect(page.getByTestId('status.help')).toContainText('Kỹ thuật viên cần đăng ký máy');
    await page.screenshot({ path: join(SCREENS_DIR, 'sync-technician-before.png'), fullPage: true });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-technician-not-enrolled.png') });

    // Errors come back in Vietnamese with what to do next.
    await page.getByTestId('connection.serverUrl').fill(centre.url);
    await page.getByTestId('connection.code').fill('abc');
    await expect(page.getByTestId('connection.codeCount')).toHaveText('3/16 ký tự');
    await page.getByTestId('connection.enrol').click();
    await expect(page.getByTestId('connection.error')).toHaveAttribute('data-code', 'enrol.code-format');
    await expect(page.getByTestId('connection.error')).toContainText('Mã đăng ký gồm 16 chữ cái và chữ số');
    await page.getByTestId('connection.code').fill('AAAA-BBBB-CCCC-DDDD');
    await page.getByTestId('connection.enrol').click();
    await expect(page.getByTestId('connection.error')).toHaveAttribute('data-code', 'enrol.unknown-code');
    await expect(page.getByTestId('connection.error')).toContainText('xin trung tâm cấp mã mới');
    await page.getByTestId('connection.panel').screenshot({ path: join(SCREENS_DIR, 'sync-technician-enrol-error.png') });
    const counterCode = await centre.enrolCode('counter');
    await page.getByTestId('connection.code').fill(counterCode);
    await page.getByTestId('connection.enrol').click();
    await expect(page.getByTestId('connection.error')).toHaveAttribute('data-code', 'enrol.role-mismatch');

    const deviceId = await enrol(page, centre);
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(page.getByTestId('connection.server')).toHaveText(centre.url);
    await expect(page.getByTestId('connection.pending')).toHaveText('0');
    await expect(page.getByTestId('connection.lastSuccess')).not.toHaveText('Chưa có từ lúc khởi động');
    await page.screenshot({ path: join(SCREENS_DIR, 'sync-technician-after.png'), fullPage: true });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-technician-synced.png') });
    await page.getByTestId('status.language').click();
    await expect(page.getByTestId('connection.state')).toHaveText('Synced');
    await page.getByTestId('connection.panel').screenshot({ path: join(SCREENS_DIR, 'sync-technician-after-en.png') });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-technician-synced-en.png') });
    await page.getByTestId('status.language').click();

    // Online: a ticket is on the server moments after the tap.
    await page.goto(kioskUrl());
    expect(await takeTicket(page, 'A')).toBe('A0001');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '0');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'idle');
    await expect(page.getByTestId('status.sync')).toHaveText('Đã đồng bộ');
    await expect.poll(async () => (await centre.tickets()).map((t) => t.number)).toEqual(['A0001']);
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-citizen-synced.png') });

    // Offline: the kiosk keeps issuing; the records wait.
    await context.setOffline(true);
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'false');
    await expect(page.getByTestId('status.sync')).toHaveText('Mất kết nối – vẫn hoạt động bình thường');
    expect(await takeTicket(page, 'A')).toBe('A0002');
    expect(await takeTicket(page, 'A')).toBe('A0003');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '2');
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-citizen-offline.png') });
    expect((await centre.tickets()).length).toBe(1);

    // The counter view of the same machine, still offline (served by the service worker).
    await page.goto(kioskUrl('?role=counter'));
    await expect(page.getByTestId('status.pending')).toHaveAttribute('data-count', '2');
    // Chromium's offline emulation does not always reach a document loaded from the service worker
    // (Debian's Chromium 150 reports navigator.onLine = true there): the kiosk then tries, fails and
    // backs off. Either way nothing is sent and the records wait.
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', /^(offline|backoff)$/);
    // The last success survives the page load (stored sync bookkeeping), offline or not.
    await expect(page.getByTestId('status.lastSuccess')).toHaveText(/^Lần cuối lúc \d{2}:\d{2}$/);
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-counter-offline.png') });

    // Back online: the `online` event triggers a run; everything reaches the server.
    await context.setOffline(false);
    await expect(page.getByTestId('status.pending')).toHaveAttribute('data-count', '0');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'idle');
    await expect(page.getByTestId('status.lastSuccess')).toContainText('Lần cuối lúc');
    await expect.poll(async () => (await centre.tickets()).map((t) => t.number)).toEqual(['A0001', 'A0002', 'A0003']);
    expect(new Set((await centre.tickets()).map((t) => t.deviceId))).toEqual(new Set([deviceId]));
    await page.screenshot({ path: join(SCREENS_DIR, 'counter-synced.png') });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-counter-synced.png') });
  });

  test('a ticket number the server already holds becomes a sync issue staff can see and dismiss with the keyboard', async ({ page, centre }) => {
    const deviceId = await enrol(page, centre);
    await page.goto(kioskUrl('?role=counter'));
    await page.getByTestId('issues.open').click();
    await expect(page.getByTestId('issues.empty')).toBeVisible();
    await page.screenshot({ path: join(SCREENS_DIR, 'sync-issues-empty.png') });
    await page.getByTestId('issues.back').click();

    // Another kiosk (same slot by mistake) already pushed C0001 today.
    const day = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    await centre.seedConflictingTicket({ deviceId, day, groupPrefix: 'C', numeric: 1, number: 'C0001' });

    await page.goto(kioskUrl());
    expect(await takeTicket(page, 'C')).toBe('C0001');
    // The citizen is never alarmed: the refused record left the queue, nothing is pending.
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '0');
    await expect(page.getByTestId('status.sync')).toHaveText('Đã đồng bộ');

    await page.goto(kioskUrl('?role=counter'));
    await expect(page.getByTestId('issues.open')).toHaveAttribute('data-count', '1');
    await expect(page.getByTestId('status.issues')).toHaveText('Sự cố đồng bộ: 1');
    await page.screenshot({ path: join(SCREENS_DIR, 'counter-with-issue.png') });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-counter-issue.png') });
    await page.getByTestId('status.issues').click();

    const item = page.getByTestId('issues.item');
    await expect(item).toHaveCount(1);
    await expect(item).toHaveAttribute('data-code', 'ticket.number-taken');
    await expect(page.getByTestId('issues.subject')).toHaveText(`Phiếu thứ tự C0001 / ${day.split('-').reverse().join('/')}`);
    await expect(item).toContainText('Có thể hai kiosk đang dùng cùng “Vị trí kiosk”');
    await page.screenshot({ path: join(SCREENS_DIR, 'sync-issues-one.png') });

    // Keyboard only: the heading has focus; Tab → Back, Tab → "Đã xem", Enter.
    await expect(page.locator('#issues-heading')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('issues.back')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('issues.ack')).toBeFocused();
    const box = await page.getByTestId('issues.ack').boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(48);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('issues.empty')).toBeVisible();
    await expect(page.getByTestId('status.issues')).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('issues.open')).toHaveAttribute('data-count', '0');
  });

  test('a failing server shows backoff with the next attempt; a revoked kiosk shows refused to staff and stays calm for citizens', async ({ page, centre }) => {
    const deviceId = await enrol(page, centre);
    await page.goto(kioskUrl());
    await takeTicket(page, 'D');
    await expect(page.getByTestId('status.sync')).toHaveText('Đã đồng bộ');

    // The centre answers 503 to every sync call (maintenance behind the load balancer).
    centre.failSync({ status: 503, code: 'server.unavailable', detail: 'maintenance' });
    await takeTicket(page, 'D');
    await expect(page.getByTestId('status.sync')).toHaveText('Đang chờ gửi: 1');
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-citizen-pending.png') });
    await page.goto(kioskUrl('?role=technician'));
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'backoff');
    await expect(page.getByTestId('status.sync')).toContainText(/Chưa gửi được – thử lại lúc \d\d:\d\d:\d\d/);
    await expect(page.getByTestId('connection.lastError')).toContainText('server.unavailable');
    await expect(page.getByTestId('connection.lastError')).toContainText('Máy chủ trung tâm tạm thời quá tải');
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-technician-backoff.png') });
    await page.getByTestId('connection.panel').screenshot({ path: join(SCREENS_DIR, 'sync-technician-backoff.png') });
    centre.failSync(null);

    // The centre revokes the kiosk: staff see why and what to do; the record stays queued.
    await centre.revoke(deviceId);
    await page.getByTestId('connection.syncNow').click();
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'refused');
    await expect(page.getByTestId('status.sync')).toHaveText('Máy chưa được đăng ký hoặc đã bị thu hồi – gọi kỹ thuật viên');
    await expect(page.getByTestId('connection.refused')).toBeVisible();
    await expect(page.getByTestId('connection.form')).toBeVisible();
    await expect(page.getByTestId('connection.pending')).toHaveText('1');
    await page.screenshot({ path: join(SCREENS_DIR, 'sync-technician-refused.png') });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-technician-refused.png') });

    await page.goto(kioskUrl());
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'refused');
    await expect(page.getByTestId('status.sync')).toHaveText('Đang chờ gửi: 1');
    await expect(page.getByTestId('status.sync')).toHaveClass(/pill--neutral/);

    // A fresh code of the branch does not lift the revocation: the technician is told what to ask for.
    await page.goto(kioskUrl('?role=technician'));
    await expect(page.getByTestId('technician.deviceId')).toHaveText(deviceId);
    await page.getByTestId('connection.code').fill(await centre.enrolCode('citizen'));
    await page.getByTestId('connection.enrol').click();
    await expect(page.getByTestId('connection.error')).toHaveAttribute('data-code', 'enrol.device-revoked');
    await expect(page.getByTestId('connection.error')).toContainText('Trung tâm phải khôi phục máy rồi cấp mã dành riêng cho máy');
    await page.getByTestId('connection.panel').screenshot({ path: join(SCREENS_DIR, 'sync-technician-enrol-revoked.png') });
    await expect(page.getByTestId('connection.pending')).toHaveText('1');

    // Staff reinstate it and issue a code for this device: enrolling with it lets the queue drain.
    await centre.reinstate(deviceId);
    await page.getByTestId('connection.code').fill(await centre.enrolCode('citizen', 'CN01', deviceId));
    await page.getByTestId('connection.enrol').click();
    await expect(page.getByTestId('connection.result')).toHaveAttribute('data-branch', 'CN01');
    await expect(page.getByTestId('status.pending')).toHaveAttribute('data-count', '0');
    await expect.poll(async () => (await centre.tickets()).filter((t) => t.number.startsWith('D')).length).toBe(2);
  });

  test('a queue that does not move for 15 minutes while online turns red for staff with what to do', async ({ page, centre }) => {
    // The page's clock is Playwright's: the watchdog's 15 minutes pass in a few jumps.
    await page.clock.install();
    await enrol(page, centre);
    centre.failSync({ status: 500, code: 'server.internal', detail: 'unexpected server error' });
    await page.goto(kioskUrl());
    await takeTicket(page, 'E');
    await page.goto(kioskUrl('?role=counter'));
    await expect(page.getByTestId('status.pending')).toHaveAttribute('data-count', '1');
    await expect(async () => {
      await page.clock.fastForward('05:00');
      await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'stuck', { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId('status.sync')).toHaveText('Đồng bộ bị kẹt');
    await expect(page.getByTestId('status.sync')).toHaveClass(/pill--danger/);
    await expect(page.getByTestId('status.help')).toContainText('bấm “Đồng bộ ngay” ở màn hình kỹ thuật');
    await expect(page.getByTestId('status.help')).toContainText('server.internal');
    await page.screenshot({ path: join(SCREENS_DIR, 'counter-stuck.png') });
    await statusBar(page).screenshot({ path: join(SCREENS_DIR, 'status-counter-stuck.png') });

    // A citizen at the same machine is not alarmed.
    await page.goto(kioskUrl());
    await expect(page.getByTestId('status.sync')).toHaveText('Đang chờ gửi: 1');
    await expect(page.getByTestId('status.sync')).toHaveClass(/pill--neutral/);
  });
});
