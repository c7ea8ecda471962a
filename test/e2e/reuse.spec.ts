import type { BrowserContext, Page } from '@playwright/test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Centre } from './centre';
import { enrol } from './counterFlows';
import { expect, test } from './fixtures';
import { kioskUrl, readRows } from './helpers';

/**
 * A paper the citizen gave at counter A's machine is offered at counter B's machine (two browser
 * profiles of the web kiosk, each with its own IndexedDB, one real centre on another origin,
 * nothing stubbed between page and server): B offers A's paper once the ID number is typed, marks
 * it as coming from the centre, downloads its PDF when the officer presses "Dùng lại", and the
 * dossier B saves records which dossier the paper came from. Offline, B says plainly that only
 * its own papers are offered, and the officer carries on.
 */
const PROCEDURE = '1.003583'; // Đăng ký khai sinh lưu động: "Giấy chứng sinh" and "Tờ khai" among its papers.
const CITIZEN = { idNumber: '001195012345', fullName: 'Nguyễn Thị Thu Hằng' };

async function certificatePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Giay chung sinh - ban sao (reuse fixture)', { x: 60, y: 760, size: 20, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** The same print stand-in as the fixture's page (fixtures.ts), for a second machine's profile. */
async function secondMachine(context: BrowserContext): Promise<Page> {
  const browser = context.browser()!;
  const other = await browser.newContext();
  await other.addInitScript(() => {
    window.print = () => undefined;
  });
  return other.newPage();
}

/** The technician makes the machine a counter in `slot` and enrols it with the centre; then the counter opens. */
async function installCounter(page: Page, centre: Centre, slot: number): Promise<void> {
  await enrol(page, centre, 'counter', centre.url, slot);
  await page.goto(kioskUrl());
  await expect(page.getByTestId('desk.new')).toBeVisible();
  // The desk loads the catalog as it opens; only then can the machine search offline.
  await expect(page.getByTestId('desk.procedurePicker')).toHaveAttribute('data-catalog', 'ready');
}

async function startDossier(page: Page): Promise<void> {
  await page.getByTestId('desk.idNumber').fill(CITIZEN.idNumber);
  await page.getByTestId('desk.fullName').fill(CITIZEN.fullName);
  await page.getByTestId('desk.dateOfBirth').fill('15/08/1995');
  await page.getByTestId('desk.gender').getByRole('radio', { name: 'Nữ' }).click();
  await page.getByTestId('desk.address').fill('Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội');
  await page.getByTestId('desk.procedureSearch').fill(PROCEDURE);
  await expect(page.getByTestId('desk.procedureOption').first()).toHaveAttribute('data-code', PROCEDURE);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('desk.procedureChosen')).toHaveAttribute('data-code', PROCEDURE);
}

async function save(page: Page): Promise<string> {
  await page.getByTestId('desk.submit').click();
  await page.getByTestId('desk.reason').fill('Công dân bổ sung giấy tờ sau');
  await page.getByTestId('desk.submit').click();
  const done = page.getByTestId('desk.done');
  await expect(done).toBeVisible({ timeout: 30_000 });
  return (await done.getAttribute('data-code')) ?? '';
}

test.describe('reusing a paper given at another counter', () => {
  test("counter B's machine offers the paper given at counter A's, downloads it when reused, and records where it came from", async ({
    page,
    context,
    centre,
  }) => {
    test.setTimeout(240_000);
    const pdf = await certificatePdf();

    // Counter A receives the citizen's birth certificate and syncs it to the centre.
    await installCounter(page, centre, 0);
    await startDossier(page);
    const certificate = page.getByTestId('desk.document').filter({ hasText: 'Giấy chứng sinh' });
    await certificate.getByTestId('desk.fileInput').setInputFiles([{ name: 'giay-chung-sinh.pdf', mimeType: 'application/pdf', buffer: pdf }]);
    await expect(certificate).toHaveAttribute('data-pages', '1', { timeout: 30_000 });
    const codeA = await save(page);
    const given = (await readRows(page, 'documentIndex')).find((r) => r.dossierCode === codeA)!;
    await expect
      .poll(async () => (await centre.db.query('SELECT 1 FROM received_dossiers WHERE code = $1 AND blobs_missing = 0', [codeA])).length, { timeout: 60_000 })
      .toBe(1);

    // Counter B, another machine of the branch, offline: only its own papers, and it says so.
    const b = await secondMachine(context);
    await installCounter(b, centre, 1);
    await b.context().setOffline(true);
    await startDossier(b);
    await expect(b.getByTestId('desk.reuseReach')).toHaveAttribute('data-state', 'local-only');
    await expect(b.getByTestId('desk.reuseReach')).toContainText('chỉ gợi ý giấy tờ công dân đã nộp tại máy này');
    await expect(b.getByTestId('desk.reuseOffer')).toHaveCount(0);

    // Online again: the citizen's card is read again (the ID typed anew), and A's paper is offered.
    await b.context().setOffline(false);
    await b.getByTestId('desk.idNumber').fill('');
    await b.getByTestId('desk.idNumber').fill(CITIZEN.idNumber);
    await expect(b.getByTestId('desk.reuseReach')).toHaveAttribute('data-state', 'centre', { timeout: 20_000 });
    const offered = b.getByTestId('desk.document').filter({ hasText: 'Giấy chứng sinh' });
    await expect(offered.getByTestId('desk.reuseOffer')).toContainText(codeA);
    await expect(offered.getByTestId('desk.reuse')).toHaveAttribute('data-source', 'centre');
    expect((await readRows(b, 'blobs')).length).toBe(0);

    await offered.getByTestId('desk.reuse').click();
    await expect(offered.getByTestId('desk.reused')).toContainText(codeA);
    const codeB = await save(b);

    // The dossier B saved records the source; the PDF arrived on B's machine and is A's very PDF.
    const rowsB = await readRows(b, 'documentIndex');
    expect(rowsB.find((r) => r.dossierCode === codeB && r.sha256 === given.sha256)).toBeTruthy();
    expect((await readRows(b, 'blobs')).map((r) => r.sha256)).toContain(given.sha256);
    await expect
      .poll(async () => (await centre.db.query('SELECT 1 FROM received_dossiers WHERE code = $1 AND blobs_missing = 0', [codeB])).length, { timeout: 60_000 })
      .toBe(1);
    const [stored] = await centre.db.query<{ documents: { sha256: string; reusedFrom: string | null }[] }>(
      'SELECT documents FROM received_dossiers WHERE code = $1',
      [codeB],
    );
    expect(stored!.documents).toContainEqual(expect.objectContaining({ sha256: given.sha256, reusedFrom: codeA }));
    await b.context().close();
  });
});
