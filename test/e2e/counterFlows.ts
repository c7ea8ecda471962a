import type { BrowserContext, Page } from '@playwright/test';
import { CCCD_FIXTURE_PAYLOAD } from '../support/qrFrames';
import type { Centre } from './centre';
import { expect } from './fixtures';
import { kioskUrl, wedgeScan } from './helpers';

/** What a counter's user does in several specs: enrol the machine, receive a dossier, find it in today's list. */

export const PROCEDURE = '1.003583'; // Đăng ký khai sinh lưu động: "Giấy chứng sinh" and "Tờ khai" among its papers.

/**
 * Enrols the machine from the technician screen with a one-time code of the centre, at `serverUrl`
 * (the centre, or the branch's hub, possibly still starting). A counter's role, and a slot when given, are saved first (the
 * shell restarts to apply them).
 */
export async function enrol(
  page: Page,
  centre: Centre,
  role: 'citizen' | 'counter',
  serverUrl: string | PromiseLike<string> = centre.url,
  slot?: number,
): Promise<string> {
  await page.goto(kioskUrl('?role=technician'));
  if (role === 'counter' || slot !== undefined) {
    if (role === 'counter') await page.getByTestId('technician.role').selectOption('counter');
    if (slot !== undefined) await page.getByTestId('technician.kioskSlot').fill(String(slot));
    await page.getByTestId('technician.save').click();
    // Saving the role or the slot restarts the shell.
    await page.waitForEvent('load');
    await expect(page.getByTestId('technician.role')).toHaveValue(role);
    if (slot !== undefined) await expect(page.getByTestId('technician.kioskSlot')).toHaveValue(String(slot));
  }
  // A server still starting (a hub) is awaited only now: the machine's own setup goes first.
  await page.getByTestId('connection.serverUrl').fill(await serverUrl);
  await page.getByTestId('connection.code').fill(await centre.enrolCode(role));
  await page.getByTestId('connection.enrol').click();
  await expect(page.getByTestId('connection.result')).toHaveAttribute('data-branch', 'CN01');
  return (await page.getByTestId('technician.deviceId').textContent()) ?? '';
}

/**
 * Receives a dossier for the fixture citizen, with these files on these papers; returns its code and
 * look-up secret. The applicant comes from the ID card read by a USB scanner, or is typed (a page
 * on Playwright's clock: the scanner detection times keys against performance.now, which that
 * clock replaces).
 */
export async function receiveDossier(
  page: Page,
  files: { paper: string; name: string; mimeType: string; buffer: Buffer }[],
  applicant: 'card' | 'typed' = 'card',
): Promise<{ code: string; secret: string }> {
  await page.keyboard.press('F2');
  await expect(page.getByTestId('desk.new')).toBeVisible();
  if (applicant === 'card') {
    await wedgeScan(page, CCCD_FIXTURE_PAYLOAD);
    await expect(page.getByTestId('desk.cardOk')).toBeVisible();
  } else {
    await typeApplicant(page);
  }
  await chooseProcedure(page, PROCEDURE);
  await attachFiles(page, files);
  return submitDossier(page);
}

/** Attaches each file to its paper of the checklist on screen (one page each), as from a USB stick. */
export async function attachFiles(page: Page, files: { paper: string; name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  for (const f of files) {
    const paper = page.getByTestId('desk.document').filter({ hasText: f.paper });
    await paper.getByTestId('desk.fileInput').setInputFiles([{ name: f.name, mimeType: f.mimeType, buffer: f.buffer }]);
    await expect(paper).toHaveAttribute('data-pages', '1', { timeout: 30_000 });
  }
}

/** The fixture citizen (the one on CCCD_FIXTURE_PAYLOAD), typed as an officer would without the card. */
export async function typeApplicant(page: Page): Promise<void> {
  await page.getByTestId('desk.idNumber').fill('001195012345');
  await page.getByTestId('desk.fullName').fill('Nguyễn Thị Thu Hằng');
  await page.getByTestId('desk.dateOfBirth').fill('15/08/1995');
  await page.getByTestId('desk.gender').getByRole('radio', { name: 'Nữ' }).click();
  await page.getByTestId('desk.address').fill('Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội');
}

/** Types a procedure code in the search and takes the first result with Enter. */
export async function chooseProcedure(page: Page, code: string): Promise<void> {
  await page.getByTestId('desk.procedureSearch').fill(code);
  await expect(page.getByTestId('desk.procedureOption').first()).toHaveAttribute('data-code', code);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('desk.procedureChosen')).toHaveAttribute('data-code', code);
}

/**
 * Saves the dossier on screen (giving a reason when papers are missing), waits for its receipt to
 * print and returns its code and look-up secret; the screen is left on the saved dossier.
 */
export async function saveDossier(page: Page): Promise<{ code: string; secret: string }> {
  await page.getByTestId('desk.submit').click();
  const done = page.getByTestId('desk.done');
  const reason = page.getByTestId('desk.reason');
  await expect(done.or(reason)).toBeVisible({ timeout: 30_000 });
  if (await reason.isVisible()) {
    // A person's pace: a burst of keys a few milliseconds apart is a USB scanner's (useScannerWedge.ts).
    await reason.pressSequentially('Công dân bổ sung giấy tờ còn thiếu sau', { delay: 20 });
    await page.getByTestId('desk.submit').click();
  }
  await expect(done).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed', { timeout: 20_000 });
  const code = (await done.getAttribute('data-code')) ?? '';
  const secret = ((await page.getByTestId('desk.doneLookupSecret').textContent()) ?? '').trim();
  return { code, secret };
}

/** `saveDossier`, then "new dossier". */
async function submitDossier(page: Page): Promise<{ code: string; secret: string }> {
  const saved = await saveDossier(page);
  await page.getByTestId('desk.newDossier').click();
  return saved;
}

/** Makes the kiosk's sync run now (coming back online triggers a run). */
export async function nudge(context: BrowserContext): Promise<void> {
  await context.setOffline(true);
  await context.setOffline(false);
}

export const listRow = (page: Page, code: string) => page.locator(`[data-testid="list.row"][data-code="${code}"]`);
