import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { recordDossierStatus } from '../../src/server/dossiers';
import { LookupResponse } from '../../src/shared/sync';
import { startCentre, type Centre } from './centre';
import { expect, test } from './fixtures';
import { enrol, listRow, nudge, receiveDossier } from './counterFlows';
import { blobBytes, jpegPagePdf, kioskUrl, paperPhoto, SCREENS_DIR } from './helpers';

/**
 * Every sync path from where its user stands: a real Chromium page served by the kiosk's own
 * server (vite preview, KIOSK_URL) calling the central server on another port — another origin,
 * as in production (a web kiosk on its host, Electron's app://kiosk) — with nothing stubbed in
 * between: no page.route(), no answered preflight, no faked response. The browser enforces CORS
 * on every call, the tus upload's PATCH/HEAD included. Faults come from the server (centre.ts:
 * stopped and started again, a broken blob folder, an origin it does not allow); the only
 * browser-side helper is Chromium's own offline switch.
 */

/**
 * A one-page PDF holding a photo of noise (incompressible), as a citizen's phone might save it:
 * `megapixels` decides its size (about 2.4 MB per megapixel), so the upload spans several tus chunks.
 */
async function bigPdfFixture(page: Page, megapixels: number): Promise<Buffer> {
  const side = Math.round(Math.sqrt(megapixels * 1e6));
  const jpeg = await page.evaluateHandle(async (n) => {
    const canvas = new OffscreenCanvas(n, n);
    const g = canvas.getContext('2d')!;
    const image = g.createImageData(n, n);
    let x = 2463534242;
    for (let i = 0; i < image.data.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      image.data[i] = i % 4 === 3 ? 255 : x & 255;
    }
    g.putImageData(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: 1 });
  }, side);
  return jpegPagePdf(await blobBytes(jpeg));
}

async function centreDossier(centre: Centre, code: string): Promise<{ blob_count: number; blobs_missing: number } | undefined> {
  const rows = await centre.db.query<{ blob_count: number; blobs_missing: number }>('SELECT blob_count, blobs_missing FROM received_dossiers WHERE code = $1', [
    code,
  ]);
  return rows[0];
}

/** The citizen's look-up, from the kiosk page (cross-origin, preflighted: JSON body). */
async function lookUp(page: Page, centre: Centre, code: string, secret: string): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ url, code, secret }) => {
      const res = await fetch(`${url}/v1/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, secret }) });
      return { status: res.status, body: (await res.json()) as unknown };
    },
    { url: centre.url, code, secret },
  );
}

/** The `online` event: the kiosk runs a sync at once (pull included). Chromium's own switch, nothing stubbed. */
test.describe('a kiosk on its own origin, the real centre on another, nothing stubbed between', () => {
  // A centre of this file's own: its tickets and dossier codes must not meet the other specs'
  // (the worker's shared centre), and these tests stop and break it.
  let centre: Centre;
  test.beforeAll(async () => {
    centre = await startCentre();
  });
  test.afterAll(async () => {
    await centre.close();
  });

  test('a counter and a citizen kiosk: enrol, a ticket, dossiers with PNG and PDF scans complete at the centre, the look-up, a pulled status, the heartbeat', async ({
    page,
    context,
    browser,
  }) => {
    test.setTimeout(180_000);
    mkdirSync(SCREENS_DIR, { recursive: true });
    expect(new URL(kioskUrl()).origin).not.toBe(new URL(centre.url).origin);
    const browserErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') browserErrors.push(m.text());
    });

    // A citizen kiosk (its own browser profile, so its own device) takes a ticket online.
    const citizenContext = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    await citizenContext.addInitScript(() => {
      window.print = () => undefined;
    });
    const citizen = await citizenContext.newPage();
    const citizenId = await enrol(citizen, centre, 'citizen');
    await citizen.goto(kioskUrl());
    await citizen.getByTestId('citizen.service.A').click();
    await expect(citizen.getByTestId('ticket.result')).toBeVisible();
    const ticket = (await citizen.getByTestId('ticket.number').textContent()) ?? '';
    await expect.poll(async () => (await centre.tickets()).filter((t) => t.deviceId === citizenId).map((t) => t.number)).toEqual([ticket]);
    await citizenContext.close();

    // The counter: enrolled from its technician screen, then two dossiers — one with a PNG photo and
    // a PDF from a USB stick, one with no papers at all.
    const counterId = await enrol(page, centre, 'counter');
    await page.goto(kioskUrl('?role=counter'));
    const png = await paperPhoto(page, 'GIẤY CHỨNG SINH', 'image/png');
    const pdf = await bigPdfFixture(page, 1.5);
    const first = await receiveDossier(page, [
      { paper: 'Giấy chứng sinh', name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png },
      { paper: 'Tờ khai đăng ký khai sinh', name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    const second = await receiveDossier(page, []);

    // The officer's list: both at the centre.
    await page.keyboard.press('F3');
    await expect(listRow(page, first.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận', { timeout: 30_000 });
    await expect(listRow(page, second.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận');
    await expect(page.getByTestId('status.sync')).toHaveAttribute('data-state', 'idle');
    await page.screenshot({ path: join(SCREENS_DIR, 'cross-origin-counter-list.png') });

    // The centre has them complete: every scan verified.
    expect(await centreDossier(centre, first.code)).toEqual({ blob_count: 2, blobs_missing: 0 });
    expect(await centreDossier(centre, second.code)).toEqual({ blob_count: 0, blobs_missing: 0 });
    expect(centre.tusLog.filter((r) => r.method === 'POST')).toHaveLength(2);

    // The citizen's look-up answers from the page.
    const found = await lookUp(page, centre, first.code, first.secret);
    expect(found.status).toBe(200);
    expect(LookupResponse.parse(found.body)).toMatchObject({ code: first.code, status: 'received' });
    expect((await lookUp(page, centre, second.code, 'AAAAAAAA')).status).toBe(404);

    // The centre moves the first dossier on; the counter pulls it.
    const moved = await recordDossierStatus(centre.db, {
      code: first.code,
      branchCode: 'CN01',
      status: 'processing',
      statusAt: Date.now(),
      appointmentDate: null,
      note: '',
    });
    expect(moved.ok).toBe(true);
    await nudge(context);
    await expect(listRow(page, first.code).getByTestId('list.status')).toHaveText('Đang xử lý', { timeout: 30_000 });

    // The heartbeat reached the centre (one at the loop's first run, then every 5 minutes).
    await expect
      .poll(async () => {
        const beats = await centre.db.query<{ report: { journalId: string } }>('SELECT report FROM heartbeats WHERE device_id = $1', [counterId]);
        return beats[0]?.report.journalId ?? null;
      })
      .toMatch(/^[0-9a-f-]{36}$/);
    expect(browserErrors.filter((e) => /CORS|Access-Control/i.test(e))).toEqual([]);
  });

  test('the server cut in the middle of a scan and brought back: the upload resumes where it stopped', async ({ page, context }) => {
    test.setTimeout(180_000);
    await enrol(page, centre, 'counter');
    await page.goto(kioskUrl('?role=counter'));
    const pdf = await bigPdfFixture(page, 1.5); // ≈ 3.5 MB: two 2 MiB tus chunks.
    expect(pdf.length).toBeGreaterThan(2 * 1024 * 1024);
    const before = centre.tusLog.length;
    // The server goes down while the second chunk is on its way.
    const down = centre.stopAtPatch(2);
    const dossier = await receiveDossier(page, [{ paper: 'Tờ khai đăng ký khai sinh', name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: pdf }]);
    await down;
    await page.keyboard.press('F3');
    // Records go first: the centre has the dossier; its scan is what is left.
    await expect(listRow(page, dossier.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận hồ sơ – đang gửi bản quét');
    await page.screenshot({ path: join(SCREENS_DIR, 'cross-origin-scan-cut.png') });
    expect(await centreDossier(centre, dossier.code)).toEqual({ blob_count: 1, blobs_missing: 1 });

    await centre.start();
    await nudge(context);
    await expect(listRow(page, dossier.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận', { timeout: 60_000 });
    expect(await centreDossier(centre, dossier.code)).toEqual({ blob_count: 1, blobs_missing: 0 });

    const mine = centre.tusLog.slice(before);
    // One upload created, never started again: after the restart the kiosk asked where it stood
    // (HEAD) and sent the rest from there.
    expect(mine.filter((r) => r.method === 'POST')).toHaveLength(1);
    const afterRestart = mine.filter((r) => r.instance > mine[0]!.instance);
    expect(afterRestart[0]?.method).toBe('HEAD');
    const resumedAt = afterRestart.find((r) => r.method === 'PATCH')?.offset ?? 0;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(pdf.length);
  });

  test('a scan the centre cannot store never holds back the next dossier; after 15 minutes staff see it with what to do, and so does the heartbeat', async ({
    page,
    context,
  }) => {
    test.setTimeout(180_000);
    // The page runs on Playwright's clock from the start, at 10:00 today in Hà Nội, so the quarter
    // of an hour jumped below never crosses midnight (today's list would empty) whenever CI runs.
    const hanoiToday = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    await page.clock.install({ time: new Date(`${hanoiToday}T10:00:00+07:00`) });
    const counterId = await enrol(page, centre, 'counter');
    await page.goto(kioskUrl('?role=counter'));
    const png = await paperPhoto(page, 'GIẤY CHỨNG SINH', 'image/png');
    // The centre's upload folder breaks (a full or read-only disk): every new upload answers 500.
    const uploads = join(centre.blobDir, 'uploads');
    mkdirSync(uploads, { recursive: true });
    renameSync(uploads, `${uploads}.ok`);
    writeFileSync(uploads, 'not a folder');
    try {
      const withScan = await receiveDossier(page, [{ paper: 'Giấy chứng sinh', name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png }], 'typed');
      const withoutPapers = await receiveDossier(page, [], 'typed');
      await page.keyboard.press('F3');
      // The dossier after the failing scan is not held back, and the failing one's record went too.
      await expect(listRow(page, withoutPapers.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận', { timeout: 30_000 });
      await expect(listRow(page, withScan.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận hồ sơ – đang gửi bản quét');
      expect(await centreDossier(centre, withScan.code)).toEqual({ blob_count: 1, blobs_missing: 1 });
      expect(await centreDossier(centre, withoutPapers.code)).toEqual({ blob_count: 0, blobs_missing: 0 });

      // A quarter of an hour of failed retries later, the scan is on the sync-issues screen.
      await expect(async () => {
        await page.clock.fastForward('05:00');
        await expect(page.getByTestId('issues.open')).toHaveAttribute('data-count', '1', { timeout: 1000 });
      }).toPass({ timeout: 60_000 });
      // The counter's idle lock covered the list meanwhile; a key brings it back. The list is
      // opened afresh: a live query kept across minutes jumped in one go came back empty in two
      // runs of the whole suite (suspected: Dexie's query cache expires entries on a 3 s timer,
      // which a jump fires before the re-query it raced with has subscribed).
      await page.keyboard.press('Shift');
      await expect(page.getByTestId('counter.idleLock')).toHaveCount(0);
      await page.keyboard.press('F2');
      await page.keyboard.press('F3');
      await expect(listRow(page, withScan.code).getByTestId('list.sync')).toHaveText('Bản quét chưa gửi được – xem Sự cố đồng bộ');
      await page.screenshot({ path: join(SCREENS_DIR, 'cross-origin-scan-stuck-list.png') });
      await page.getByTestId('issues.open').click();
      const scan = page.getByTestId('issues.scan');
      await expect(scan).toHaveCount(1);
      await expect(scan).toHaveAttribute('data-code', /^(server\.internal|blob\.http)$/);
      await expect(scan.getByTestId('issues.scanSubject')).toContainText(`Hồ sơ ${withScan.code} – Bản chính Giấy chứng sinh`);
      await expect(scan).toContainText('Máy sẽ tự thử lại');
      await page.screenshot({ path: join(SCREENS_DIR, 'cross-origin-scan-stuck-issues.png') });

      // The heartbeat tells the centre.
      await expect
        .poll(
          async () => {
            await page.clock.fastForward('05:00');
            const rows = await centre.db.query<{ report: { stuckBlobs?: number; lastBlobError?: { code: string } | null } }>(
              'SELECT report FROM heartbeats WHERE device_id = $1',
              [counterId],
            );
            return rows[0]?.report.stuckBlobs ?? 0;
          },
          { timeout: 60_000 },
        )
        .toBe(1);
    } finally {
      rmSync(uploads, { force: true });
      renameSync(`${uploads}.ok`, uploads);
    }

    // The disk is mended: the next retry sends the scan, the issue goes by itself.
    await expect(async () => {
      await page.clock.fastForward('05:00');
      await expect(page.getByTestId('issues.open')).toHaveAttribute('data-count', '0', { timeout: 1000 });
    }).toPass({ timeout: 60_000 });
    await expect(page.getByTestId('issues.empty')).toBeVisible();
    await page.keyboard.press('Escape');
    await nudge(context);
  });

  test("a server that does not allow the kiosk's origin: the technician is told the server answers and what to configure, not to check the cable", async ({
    page,
  }) => {
    const strict = await startCentre({ corsOrigins: [] });
    try {
      await page.goto(kioskUrl('?role=technician'));
      await page.getByTestId('connection.serverUrl').fill(strict.url);
      await page.getByTestId('connection.code').fill(await strict.enrolCode('citizen'));
      await page.getByTestId('connection.enrol').click();
      const error = page.getByTestId('connection.error');
      await expect(error).toHaveAttribute('data-code', 'net.blocked');
      await expect(error).toContainText('KIOSK_ORIGINS');
      await expect(error).toContainText(new URL(kioskUrl()).origin);
      await expect(error).not.toContainText('cáp mạng');
      await page.getByTestId('connection.panel').screenshot({ path: join(SCREENS_DIR, 'cross-origin-not-allowed.png') });
    } finally {
      await strict.close();
    }
  });
});
