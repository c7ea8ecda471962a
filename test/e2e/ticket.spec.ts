import { expect, test } from './fixtures';
import { join } from 'node:path';
import { countRows, kioskUrl, lastPrintedPdf, pdfText, renderPdfPng, SCREENS_DIR } from './helpers';

test.describe('citizen kiosk, network unplugged', () => {
  test('tap a service → ticket stored, PDF printed with the Vietnamese service name; reload offline keeps it', async ({ page, context }) => {
    await page.goto(kioskUrl());
    await expect(page.getByTestId('citizen.home')).toBeVisible();
    await expect(page.getByTestId('citizen.service.A')).toContainText('Hộ tịch, chứng thực');
    // The service worker must have precached the shell before the cable is pulled.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.screenshot({ path: join(SCREENS_DIR, 'citizen-home.png') });

    await context.setOffline(true);
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-online', 'false');

    await page.getByTestId('citizen.service.A').click();
    await expect(page.getByTestId('ticket.result')).toBeVisible();
    await expect(page.getByTestId('ticket.number')).toHaveText('A0001');
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
    await page.screenshot({ path: join(SCREENS_DIR, 'ticket-result.png') });

    expect(await page.evaluate(() => (window as Window & { __printCalls?: number }).__printCalls)).toBe(1);
    const pdf = await lastPrintedPdf(page);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    expect(text).toContain('Hộ tịch, chứng thực');
    expect(text).toContain('A0001');
    expect(text).toContain('PHIẾU THỨ TỰ');
    renderPdfPng(pdf, join(SCREENS_DIR, 'ticket-A0001'));

    expect(await countRows(page, 'tickets')).toBe(1);
    expect(await countRows(page, 'outbox')).toBe(1);
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '1');
    // This kiosk was never enrolled: that, not the cable, is what staff must see first.
    await expect(page.getByTestId('status.sync')).toHaveText('Chưa kết nối máy chủ – 1 bản ghi lưu trên máy');

    // A priority ticket in another group, to see numbering per group and the priority mark.
    await page.getByTestId('ticket.done').click();
    await page.getByTestId('citizen.priority').click();
    await page.getByTestId('citizen.service.B').click();
    await expect(page.getByTestId('ticket.number')).toHaveText('B0001');
    await expect(page.getByTestId('ticket.priority')).toBeVisible();
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
    const priorityText = pdfText(await lastPrintedPdf(page));
    expect(priorityText).toContain('ƯU TIÊN');
    expect(priorityText.replace(/\s+/g, ' ')).toContain('Đất đai, nhà ở, xây dựng');

    await page.reload();
    await expect(page.getByTestId('citizen.home')).toBeVisible();
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-pending', '2');
    expect(await countRows(page, 'tickets')).toBe(2);

    // The counter view of the same machine, still offline, counts today's tickets.
    await page.goto(kioskUrl('?role=counter'));
    // The queue tab ("Phiếu thứ tự", F4); the counter opens on dossier reception. A click waits for the
    // shell to be there, where a key pressed during start-up would be lost.
    await page.getByTestId('counter.tab.queue').click();
    await expect(page.getByTestId('counter.row.A')).toBeVisible();
    await expect(page.getByTestId('counter.row.A')).toContainText('A0001');
    await expect(page.getByTestId('counter.row.B')).toContainText('B0001');
    await page.screenshot({ path: join(SCREENS_DIR, 'counter-home.png') });
  });

  test('numbers continue after a reload and the waiting count grows', async ({ page }) => {
    await page.goto(kioskUrl());
    for (const expected of ['C0001', 'C0002', 'C0003']) {
      await page.getByTestId('citizen.service.C').click();
      await expect(page.getByTestId('ticket.number')).toHaveText(expected);
      await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
      await page.getByTestId('ticket.done').click();
      await page.reload();
    }
    // Online but enrolled with no server: the pill says so (staff walking by see it), calm for the citizen.
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'not-enrolled');
    await expect(page.getByTestId('status.sync')).toHaveText('Chưa kết nối máy chủ – 3 bản ghi lưu trên máy');
    await page.getByTestId('citizen.service.C').click();
    await expect(page.getByTestId('ticket.waiting')).toHaveText('Có 3 người đang chờ trước bạn');
  });

  test('a double tap gives one ticket, not two', async ({ page }) => {
    // An impatient citizen taps twice: as two taps of the touch screen, and as two clicks in the
    // same task (before the page could paint the disabled tiles), the harshest case.
    await page.goto(kioskUrl());
    const tile = page.getByTestId('citizen.service.D');
    await tile.dblclick();
    await expect(page.getByTestId('ticket.number')).toHaveText('D0001');
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
    await page.getByTestId('ticket.done').click();
    await tile.evaluate((el: HTMLElement) => {
      el.click();
      el.click();
    });
    await expect(page.getByTestId('ticket.number')).toHaveText('D0002');
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
    expect(await countRows(page, 'tickets')).toBe(2);
    expect(await countRows(page, 'outbox')).toBe(2);
    expect(await page.evaluate(() => (window as Window & { __printCalls?: number }).__printCalls)).toBe(2);
  });

  test('a save held up by the disk says "Đang cấp số…" with the tiles waiting, then shows the number', async ({ page }) => {
    await page.goto(kioskUrl());
    await expect(page.getByTestId('citizen.home')).toBeVisible();
    // Another connection keeps the tickets store busy for 3 s: the ticket's transaction waits,
    // as it would behind a slow disk.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('hpasc-kiosk-journal');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const store = db.transaction(['tickets'], 'readwrite').objectStore('tickets');
            const until = performance.now() + 3000;
            const spin = (): void => {
              if (performance.now() < until) store.count().onsuccess = spin;
              else db.close();
            };
            spin();
            resolve();
          };
        }),
    );
    await page.getByTestId('citizen.service.E').click();
    await expect(page.getByTestId('citizen.home')).toHaveAttribute('aria-busy', 'true');
    await expect(page.getByTestId('citizen.home')).toContainText('Đang cấp số…');
    await expect(page.getByTestId('citizen.service.A')).toBeDisabled();
    // The look-up, follow and rating entries wait too, and look it (faded like the tiles).
    for (const entry of ['citizen.lookup', 'citizen.follow', 'citizen.rating']) {
      await expect(page.getByTestId(entry)).toBeDisabled();
      await expect(page.getByTestId(entry)).toHaveCSS('opacity', '0.6');
    }
    await page.screenshot({ path: join(SCREENS_DIR, 'citizen-issuing.png') });
    await expect(page.getByTestId('ticket.number')).toHaveText('E0001');
    await expect(page.getByTestId('ticket.result')).toHaveAttribute('data-print', 'printed');
  });

  test('technician screen shows diagnostics and refuses an out-of-range kiosk slot in Vietnamese', async ({ page }) => {
    await page.goto(kioskUrl('?role=technician'));
    await expect(page.getByTestId('technician.home')).toBeVisible();
    await expect(page.getByTestId('technician.deviceId')).toHaveText(/^[0-9a-f-]{36}$/);
    await page.getByTestId('technician.kioskSlot').fill('9');
    await page.getByTestId('technician.save').click();
    await expect(page.getByTestId('technician.notice')).toContainText('Vị trí kiosk phải là số từ 0 đến 3');
    // The browser build says plainly what protects personal data at rest (issue 11).
    await expect(page.getByTestId('technician.dataProtection')).toHaveAttribute('data-protection', 'browser-profile');
    await expect(page.getByTestId('technician.dataProtection')).toContainText('hồ sơ trình duyệt');
    await page.getByTestId('technician.diagnostics').screenshot({ path: join(SCREENS_DIR, 'technician-diagnostics.png') });
    await page.screenshot({ path: join(SCREENS_DIR, 'technician-home.png'), fullPage: true });
  });

  test('English is one tap away', async ({ page }) => {
    await page.goto(kioskUrl());
    await page.getByTestId('status.language').click();
    await expect(page.getByTestId('citizen.service.A')).toContainText('Civil status and certification');
    await page.screenshot({ path: join(SCREENS_DIR, 'citizen-home-en.png') });
    // The next citizen starts in Vietnamese again.
    await page.getByTestId('citizen.service.A').click();
    await expect(page.getByTestId('ticket.result')).toContainText('Your number');
    await page.getByTestId('ticket.done').click();
    await expect(page.getByTestId('citizen.service.A')).toContainText('Hộ tịch, chứng thực');
  });
});
