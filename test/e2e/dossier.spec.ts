import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { CCCD_FIXTURE_PAYLOAD } from '../support/qrFrames';
import { cccdFixtureY4m } from '../support/y4m';
import { expect, test } from './fixtures';
import { countRows, kioskUrl, lastPrintedPdf, paperPhoto, pdfText, readRows, renderPdfPng, SCREENS_DIR, wedgeScan } from './helpers';
import { chooseProcedure, typeApplicant } from './counterFlows';

/**
 * The counter officer receives a dossier with the network unplugged (issue 4's acceptance): the ID
 * card's QR read by Chromium's fake camera (a y4m made from the fixture card's QR), a procedure typed
 * without diacritics, pages from the camera and from files, missing papers that block submission
 * until a reason is typed, the dossier and its PDFs stored with outbox entries, the receipt printed
 * with the applicant's name with diacritics, the code and the appointment date; and all of it still
 * there after a reload.
 */

const cameraDir = mkdtempSync(join(tmpdir(), 'hpasc-camera-'));
const CAMERA_Y4M = join(cameraDir, 'cccd-qr.y4m');
cccdFixtureY4m(CAMERA_Y4M);

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${CAMERA_Y4M}`],
  },
});

const APPLICANT = 'Nguyễn Thị Thu Hằng';
// Thủ tục đăng ký khai sinh lưu động (assets/catalog/procedures.vi.json): 5 working days, so a real appointment date.
const PROCEDURE = '1.003583';

/** A one-page PDF, as a citizen's USB stick might hold. */
async function pdfFixture(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Giay chung sinh - ban sao (test fixture)', { x: 60, y: 760, size: 20, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** The first bytes of every stored scan, as text (a raw reader of the browser's database). */
const blobHeads = (page: Page): Promise<string> =>
  page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('hpasc-kiosk-journal');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('blobs', 'readonly').objectStore('blobs').getAll();
          req.onerror = () => reject(req.error);
          req.onsuccess = async () => {
            const heads = await Promise.all(
              (req.result as { data: Blob }[]).map(async (r) => new TextDecoder('latin1').decode(await r.data.slice(0, 16).arrayBuffer())),
            );
            open.result.close();
            resolve(heads.join('\n'));
          };
        };
      }),
  );

const printCalls = (page: Page): Promise<number> => page.evaluate(() => (window as Window & { __printCalls?: number }).__printCalls ?? 0);

const screen = (name: string): string => join(SCREENS_DIR, `counter-${name}.png`);

/** The whole screen, however long: the shell scrolls inside <main>, so the viewport grows to fit it for the shot. */
async function shot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1080, height: 1920 };
  const needed = await page.evaluate(() => {
    const main = document.querySelector('.shell__main');
    return main ? document.documentElement.clientHeight + main.scrollHeight - main.clientHeight : document.documentElement.scrollHeight;
  });
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(size.height, needed), 8000) });
  await page.screenshot({ path: screen(name) });
  await page.setViewportSize(size);
}

test.describe('counter officer, network unplugged', () => {
  test('scan the ID card by camera, pick a procedure typed without accents, attach camera and file pages, submit offline, receipt, reload', async ({
    page,
    context,
  }) => {
    test.setTimeout(180_000);
    mkdirSync(SCREENS_DIR, { recursive: true });
    await page.goto(kioskUrl('?role=counter'));
    await expect(page.getByTestId('desk.new')).toBeVisible();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // A kiosk that has run before: the page is controlled by the service worker, so the chunks
    // loaded on first use (QR engine, PDF import) come from its precache when the cable is pulled.
    await page.reload();
    await expect(page.getByTestId('desk.new')).toBeVisible();
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    const jpeg = await paperPhoto(page, 'TỜ KHAI ĐĂNG KÝ KHAI SINH', 'image/jpeg');
    const pdf = await pdfFixture();
    await shot(page, 'new-empty');

    await context.setOffline(true);

    // A USB scanner's burst of a malformed card QR, while the phone field has the focus: the
    // specific message, nothing typed into the field, nothing filled in.
    await page.getByTestId('desk.phone').focus();
    await wedgeScan(page, '001195012345|012345678|Nguyen Thi Thu Hang');
    await expect(page.getByTestId('desk.cardError')).toHaveAttribute('data-code', 'cccd.too-few-fields');
    await expect(page.getByTestId('desk.cardError')).toContainText('Mã QR trên thẻ không đủ thông tin');
    await expect(page.getByTestId('desk.phone')).toHaveValue('');
    await expect(page.getByTestId('desk.idNumber')).toHaveValue('');
    await expect(page.getByTestId('desk.fullName')).toHaveValue('');
    await expect(page.getByTestId('desk.address')).toHaveValue('');
    await shot(page, 'card-error');

    // The camera reads the card.
    await page.getByTestId('desk.scanCard').click();
    await expect(page.getByTestId('desk.cardVideo')).toBeVisible();
    await expect(page.getByTestId('desk.cardOk')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('desk.cardError')).toHaveCount(0);
    await expect(page.getByTestId('desk.fullName')).toHaveText(APPLICANT);
    await expect(page.getByTestId('desk.idNumber')).toHaveText('001*******45');
    await expect(page.getByTestId('desk.dateOfBirth')).toHaveText('15/08/1995');
    await expect(page.getByTestId('desk.gender')).toHaveText('Nữ');
    await expect(page.getByTestId('desk.address')).toHaveValue(/Hàng Bạc/);
    await page.getByTestId('desk.phone').fill('0912345678');

    // The procedure, typed without diacritics; arrows + Enter pick it.
    await page.getByTestId('desk.procedureSearch').fill('dang ky khai sinh luu dong');
    const options = page.getByTestId('desk.procedureOption');
    await expect(options.first()).toBeVisible();
    const codes = await options.evaluateAll((els) => els.map((el) => el.getAttribute('data-code')));
    const index = codes.indexOf(PROCEDURE);
    expect(index).toBeGreaterThanOrEqual(0);
    await shot(page, 'procedure-search');
    for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('desk.procedureChosen')).toHaveAttribute('data-code', PROCEDURE);
    await expect(page.getByTestId('desk.procedureChosen')).toContainText('Thủ tục đăng ký khai sinh lưu động');
    await expect(page.getByTestId('desk.appointmentPreview')).not.toHaveAttribute('data-kind', 'loading');

    // Pages: a camera still for the birth certificate, a JPEG and a PDF from "USB" for the form.
    const certificate = page.getByTestId('desk.document').filter({ hasText: 'Giấy chứng sinh' });
    await certificate.getByTestId('desk.openCamera').click();
    await expect(certificate.getByTestId('desk.pageVideo')).toBeVisible();
    // Looking at the list releases the camera (no video, no light); coming back opens it again.
    await page.keyboard.press('F3');
    await expect(page.getByTestId('desk.pageVideo')).toHaveCount(0);
    await page.keyboard.press('F2');
    await expect(certificate.getByTestId('desk.pageVideo')).toBeVisible();
    await expect.poll(() => certificate.getByTestId('desk.pageVideo').evaluate((v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(2);
    // Pages are stored as the page looks unless the officer picks a mode: 'Tự động' is chosen.
    await expect(certificate.getByTestId('desk.mode.auto')).toHaveAttribute('aria-checked', 'true');
    await expect(certificate.getByTestId('desk.mode.auto')).toHaveText('Tự động');
    await expect(certificate.getByRole('radio')).toHaveText(['Tự động', 'Đen trắng', 'Thang xám', 'Màu']);
    await certificate.getByTestId('desk.shoot').click();
    await expect(certificate).toHaveAttribute('data-pages', '1', { timeout: 15_000 });
    await expect(certificate.getByTestId('desk.page')).toHaveAttribute('data-source', 'camera');

    const form = page.getByTestId('desk.document').filter({ hasText: 'Tờ khai đăng ký khai sinh' });
    await form.getByTestId('desk.fileInput').setInputFiles([
      { name: 'to-khai.jpg', mimeType: 'image/jpeg', buffer: jpeg },
      { name: 'to-khai-trang-2.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    await expect(form).toHaveAttribute('data-pages', '2', { timeout: 30_000 });
    // Reorder: the PDF page first, then back.
    const firstId = await form.getByTestId('desk.page').first().getAttribute('data-page-id');
    await form.getByRole('button', { name: 'Chuyển trang 2 lên trước' }).click();
    await expect(form.getByTestId('desk.page').nth(1)).toHaveAttribute('data-page-id', firstId ?? '');
    await form.getByRole('button', { name: 'Chuyển trang 1 ra sau' }).click();
    await expect(form.getByTestId('desk.page').first()).toHaveAttribute('data-page-id', firstId ?? '');
    await form.getByTestId('desk.pageRotate').first().click();
    await certificate.getByRole('button', { name: 'Xong' }).click();
    await shot(page, 'checklist-pages');

    // Scanner in a plain browser: the button explains it needs the kiosk app.
    await certificate.getByTestId('desk.scanPage').click();
    await expect(certificate.getByTestId('desk.scannerNote')).toContainText('ứng dụng kiosk');

    // A surrogacy birth: ticking the situation makes its paper required; submit with it missing is
    // blocked, the list says what is missing.
    await page.getByTestId('desk.situation').filter({ hasText: 'mang thai hộ' }).click();
    await page.getByTestId('desk.submit').click();
    await expect(page.getByTestId('desk.missing')).toHaveAttribute('role', 'alert');
    await expect(page.getByTestId('desk.missingDoc').first()).toBeVisible();
    await expect(page.getByTestId('desk.reason')).toBeFocused();
    await expect(page.getByTestId('desk.done')).toHaveCount(0);
    expect(await countRows(page, 'outbox')).toBe(0);
    await page.getByTestId('desk.submitPanel').screenshot({ path: screen('missing-block') });

    // With the officer's reason it goes through.
    await page.getByTestId('desk.reason').fill('Công dân bổ sung văn bản xác nhận mang thai hộ sau');
    const printsBefore = await printCalls(page);
    await page.getByTestId('desk.submit').click();
    const done = page.getByTestId('desk.done');
    await expect(done).toBeVisible({ timeout: 20_000 });
    const code = (await done.getAttribute('data-code')) ?? '';
    expect(code).toMatch(/^000\.21\.01\.H26-\d{6}-\d{4}$/);
    await expect(page.getByTestId('desk.doneCode')).toHaveText(code);
    await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed', { timeout: 20_000 });
    expect(await printCalls(page)).toBe(printsBefore + 1);
    await shot(page, 'done');

    // Stored offline: the dossier, its two PDFs, outbox entries.
    const dossiers = await readRows(page, 'dossiers');
    expect(dossiers).toHaveLength(1);
    expect(JSON.stringify(dossiers[0])).toContain(code);
    const blobs = await readRows(page, 'blobs');
    expect(blobs.length).toBeGreaterThanOrEqual(2);
    const outbox = await readRows(page, 'outbox');
    expect(outbox.some((m) => JSON.stringify(m).includes('dossier.submit'))).toBe(true);
    // Sealed at rest (issue 11): what the browser keeps in IndexedDB has no name, ID number or
    // look-up secret in clear, and the scans are ciphertext.
    const secret = ((await page.getByTestId('desk.doneLookupSecret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-HJ-NP-Z2-9]{6,12}$/);
    const idNumber = CCCD_FIXTURE_PAYLOAD.split('|')[0]!;
    const raw = JSON.stringify([dossiers, outbox, await readRows(page, 'documentIndex')]);
    for (const personal of [APPLICANT, idNumber, secret]) expect(raw, `${personal} in clear in IndexedDB`).not.toContain(personal);
    expect(await blobHeads(page)).not.toContain('%PDF');

    // The receipt: name with diacritics, the code, the appointment date.
    const receipt = await lastPrintedPdf(page);
    const text = pdfText(receipt).replace(/\s+/g, ' ');
    expect(text).toContain(APPLICANT);
    expect(text).toContain(code);
    const appointmentDate = (await done.getAttribute('data-appointment-date')) ?? '';
    expect(appointmentDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const [yyyy, mm, dd] = appointmentDate.split('-');
    await expect(page.getByTestId('desk.doneAppointment')).toContainText(`${dd}/${mm}/${yyyy}`);
    expect(text).toMatch(new RegExp(`${dd}/${mm}/${yyyy}|ngày ${dd} tháng ${mm} năm ${yyyy}`));
    renderPdfPng(receipt, join(SCREENS_DIR, 'counter-receipt'));

    // Reload, still offline: the dossier is in today's list; details; reprint.
    await page.reload();
    await expect(page.getByTestId('desk.new')).toBeVisible();
    await expect(page.getByTestId('desk.fullName')).toHaveValue('');
    await page.keyboard.press('F3');
    const row = page.locator(`[data-testid="list.row"][data-code="${code}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText('001*******45');
    await expect(row.getByTestId('list.sync')).toHaveText('Trên máy');
    await shot(page, 'list');

    await page.getByTestId('list.search').fill('nguyen thi thu hang');
    await expect(page.getByTestId('list.row')).toHaveCount(1);
    await page.getByTestId('list.search').fill('');

    await row.getByTestId('list.open').click();
    await expect(page.getByTestId('details.screen')).toHaveAttribute('data-code', code);
    await expect(page.getByTestId('details.document')).toHaveCount(2);
    const reprintsBefore = await printCalls(page);
    await page.getByTestId('details.reprint').click();
    await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed');
    expect(await printCalls(page)).toBe(reprintsBefore + 1);
    const reprint = pdfText(await lastPrintedPdf(page)).replace(/\s+/g, ' ');
    expect(reprint).toContain(code);
    // The machine forgot the look-up secret after the first print: the reprint says where it is.
    expect(text).toContain(secret);
    expect(reprint).not.toContain(secret);
    expect(reprint).toContain('Mã tra cứu: xem bản in đầu');
    renderPdfPng(await lastPrintedPdf(page), join(SCREENS_DIR, 'counter-receipt-reprint'));
    await page.getByTestId('details.view').first().click();
    await expect(page.getByTestId('details.pdf')).toBeVisible();
    await shot(page, 'details');

    // A USB scanner reading the receipt's code opens the dossier from any tab.
    await page.getByTestId('details.back').click();
    await page.keyboard.press('F2');
    await wedgeScan(page, code);
    await expect(page.getByTestId('details.screen')).toHaveAttribute('data-code', code);

    // The same citizen comes back: a USB scanner in Unicode mode reads her card (diacritics
    // intact), the procedure is found by its code, and her birth certificate is reused, not rescanned.
    await page.keyboard.press('F2');
    await wedgeScan(page, CCCD_FIXTURE_PAYLOAD);
    await expect(page.getByTestId('desk.cardOk')).toBeVisible();
    await expect(page.getByTestId('desk.fullName')).toHaveText(APPLICANT);
    await page.getByTestId('desk.procedureSearch').fill(PROCEDURE);
    await expect(page.getByTestId('desk.procedureOption').first()).toHaveAttribute('data-code', PROCEDURE);
    await page.keyboard.press('Enter');
    const again = page.getByTestId('desk.document').filter({ hasText: 'Giấy chứng sinh' });
    await expect(again.getByTestId('desk.reuseOffer')).toContainText(code);
    await shot(page, 'reuse-offer');
    await again.getByTestId('desk.reuse').click();
    await expect(again).toHaveAttribute('data-status', 'reused');
    await page.getByTestId('desk.reason').fill('Tờ khai công dân nộp bổ sung sau');
    await page.keyboard.press('Control+Enter');
    await expect(done).toBeVisible({ timeout: 20_000 });
    const second = (await done.getAttribute('data-code')) ?? '';
    expect(second).not.toBe(code);
    await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed', { timeout: 20_000 });
    const stored = await readRows(page, 'dossiers');
    expect(stored).toHaveLength(2);
    // The reused paper is the first dossier's PDF (same SHA-256), not a new scan.
    const docsOf = (c: string) => ((stored.find((d) => d.code === c)?.documents ?? []) as { sha256: string; name: string }[]).map((d) => d.sha256);
    const certificateHash = ((stored.find((d) => d.code === code)?.documents ?? []) as { sha256: string; name: string }[]).find((d) =>
      d.name.includes('Giấy chứng sinh'),
    )?.sha256;
    expect(certificateHash).toBeDefined();
    expect(docsOf(second)).toContain(certificateHash);
  });

  test('a double click on save keeps one dossier, with one code and one receipt', async ({ page }) => {
    await page.goto(kioskUrl('?role=counter'));
    await page.keyboard.press('F2');
    await expect(page.getByTestId('desk.new')).toBeVisible();
    await typeApplicant(page);
    await chooseProcedure(page, PROCEDURE);
    // Papers are missing: the first save asks for the reason, and saves nothing.
    await page.getByTestId('desk.submit').click();
    await page.getByTestId('desk.reason').pressSequentially('Công dân bổ sung giấy tờ sau', { delay: 20 });
    // Two clicks in one task, before the page could render the disabled button.
    await page.getByTestId('desk.submit').evaluate((el: HTMLElement) => {
      el.click();
      el.click();
    });
    await expect(page.getByTestId('desk.done')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed', { timeout: 20_000 });
    expect(await readRows(page, 'dossiers')).toHaveLength(1);
    const outbox = await readRows(page, 'outbox');
    expect(outbox.filter((e) => String(e.name).startsWith('dossier.submit'))).toHaveLength(1);
  });

  test("a counter left alone covers the citizen's data, and a key brings the dossier back as it was", async ({ page }) => {
    await page.clock.install();
    await page.goto(kioskUrl('?role=counter'));
    await page.getByTestId('desk.phone').fill('0987654321');
    await expect(page.getByTestId('counter.idleLock')).toHaveCount(0);
    await page.clock.fastForward(3 * 60_000 + 10_000);
    await expect(page.getByTestId('counter.idleLock')).toBeVisible();
    await expect(page.getByTestId('desk.phone')).toBeHidden();
    await page.screenshot({ path: screen('idle-lock') });
    await page.keyboard.press('Shift');
    await expect(page.getByTestId('counter.idleLock')).toHaveCount(0);
    await expect(page.getByTestId('desk.phone')).toHaveValue('0987654321');
  });

  test('a counter whose shipped catalog could not be loaded says so in Vietnamese, and finds procedures once it can', async ({ browser }) => {
    // A web kiosk taken offline before its service worker cached the app: the catalog's file cannot
    // be fetched. No service worker here, and the file's request fails until the network is back.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    let down = true;
    await context.route('**/procedures.vi*.json', (route) => (down ? route.abort('internetdisconnected') : route.continue()));
    const page = await context.newPage();
    await page.goto(kioskUrl('?role=counter'));
    await expect(page.getByTestId('desk.procedurePicker')).toHaveAttribute('data-catalog', 'failed');
    await expect(page.getByTestId('desk.catalogUnavailable')).toContainText('Chưa tải được danh mục thủ tục trên máy này');
    await page.getByTestId('desk.procedureSearch').fill('khai sinh');
    await expect(page.getByTestId('desk.catalogUnavailable')).toContainText('Kiểm tra kết nối mạng rồi bấm “Thử lại”');
    await expect(page.getByTestId('desk.procedureOption')).toHaveCount(0);
    await page.getByTestId('desk.procedurePicker').screenshot({ path: join(SCREENS_DIR, 'desk-catalog-unavailable.png') });

    down = false;
    await page.getByTestId('desk.catalogRetry').click();
    await expect(page.getByTestId('desk.procedurePicker')).toHaveAttribute('data-catalog', 'ready');
    await expect(page.getByTestId('desk.catalogUnavailable')).toHaveCount(0);
    await expect(page.getByTestId('desk.procedureOption').first()).toContainText('khai sinh');
    await context.close();
  });
});
