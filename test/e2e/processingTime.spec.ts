import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { localDayKey } from '../../src/domain/localDay';
import { isWorkingDay } from '../../src/domain/workingCalendar';
import { CalendarYear } from '../../src/shared/calendar';
import { expect, test } from './fixtures';
import { kioskUrl, lastPrintedPdf, pdfText, renderPdfPng, SCREENS_DIR } from './helpers';

/**
 * Issue 13, "a date on every receipt": at the counter, a procedure whose catalog time has no unit
 * (Thủ tục đăng ký khai sinh) would print "the officer will announce the date". The officer sets a
 * fixed date with the keyboard alone — Tab to the field, arrows for the unit, Enter to move on —
 * is told in Vietnamese that a weekend is not a working day, corrects it, and the receipt prints
 * the date.
 */

const BIRTH = '1.001193';
const calendar = ['2026', '2027'].map((y) => CalendarYear.parse(JSON.parse(readFileSync(`assets/calendar/${y}.json`, 'utf8'))));
const DAY_MS = 86_400_000;
/** A person's pace: a burst of keys a few milliseconds apart is a USB scanner's (useScannerWedge.ts). */
const TYPING = { delay: 40 };

/** Today in Hà Nội (the branch's UTC+7), then the first day `from` days on that passes `keep`. */
function dayAfter(from: number, keep: (iso: string) => boolean): string {
  const today = Date.parse(`${localDayKey(Date.now(), 420)}T00:00:00Z`);
  for (let d = from; ; d++) {
    const iso = new Date(today + d * DAY_MS).toISOString().slice(0, 10);
    if (keep(iso)) return iso;
  }
}
const vi = (iso: string): string => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

async function focused(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
}

test('the officer sets a date for a procedure with no catalog time, by keyboard, and the receipt prints it', async ({ page }) => {
  test.setTimeout(120_000);
  mkdirSync(SCREENS_DIR, { recursive: true });
  const saturday = dayAfter(2, (iso) => new Date(`${iso}T00:00:00Z`).getUTCDay() === 6);
  const workingDay = dayAfter(3, (iso) => isWorkingDay(iso, calendar) === true);

  await page.goto(kioskUrl('?role=counter'));
  await expect(page.getByTestId('desk.new')).toBeVisible();
  // A citizen without a chip card: typed by hand.
  await page.getByTestId('desk.idNumber').fill('001095012345');
  await page.getByTestId('desk.fullName').fill('Nguyễn Thị Thu Hằng');

  await page.getByTestId('desk.procedureSearch').fill(BIRTH);
  await expect(page.getByTestId('desk.procedureOption').first()).toHaveAttribute('data-code', BIRTH);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('desk.procedureChosen')).toHaveAttribute('data-code', BIRTH);
  await expect(page.getByTestId('desk.appointmentPreview')).toHaveAttribute('data-kind', 'needs-confirmation');
  await expect(page.getByTestId('processing.missing')).toContainText('Danh mục chưa có thời hạn giải quyết');

  // From the last applicant field, Tab reaches the unit choice; arrows pick "Ngày cố định", Enter goes to the date.
  await page.getByTestId('desk.email').focus();
  let presses = 0;
  while (!(await focused(page)).startsWith('processing.kind.') && presses < 12) {
    await page.keyboard.press('Tab');
    presses++;
  }
  expect(await focused(page)).toBe('processing.kind.working-days');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('processing.kind.date')).toBeChecked();
  await page.keyboard.press('Enter');
  expect(await focused(page)).toBe('processing.value');

  // A Saturday: refused, saying why and what to do.
  await page.keyboard.type(vi(saturday), TYPING);
  await page.keyboard.press('Enter');
  expect(await focused(page)).toBe('processing.reason');
  await page.keyboard.type('Theo quy định tại quầy', TYPING);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('processing.error')).toHaveAttribute('data-code', 'processing.date-weekend');
  await expect(page.getByTestId('processing.error')).toHaveText(`Ngày ${vi(saturday)} là thứ Bảy hoặc Chủ nhật (ngày nghỉ): chọn một ngày làm việc.`);
  await page.getByTestId('processing.control').screenshot({ path: join(SCREENS_DIR, 'counter-processing-error.png') });

  // Corrected to a working day: the appointment follows at once.
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toBe('processing.value');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(vi(workingDay), TYPING);
  await expect(page.getByTestId('processing.error')).toHaveCount(0);
  await expect(page.getByTestId('processing.result')).toHaveAttribute('data-date', workingDay);
  await expect(page.getByTestId('processing.result')).toContainText(`08:00 ngày ${vi(workingDay)}`);
  await expect(page.getByTestId('desk.appointmentPreview')).toHaveAttribute('data-date', workingDay);
  await page.getByTestId('desk.procedure').screenshot({ path: join(SCREENS_DIR, 'counter-processing-set.png') });

  // Submit from the keyboard; the missing papers need the officer's reason first.
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('desk.reason')).toBeFocused();
  await page.keyboard.type('Công dân bổ sung giấy tờ sau', TYPING);
  await page.keyboard.press('Control+Enter');
  const done = page.getByTestId('desk.done');
  await expect(done).toBeVisible({ timeout: 20_000 });
  await expect(done).toHaveAttribute('data-appointment-date', workingDay);
  await expect(page.getByTestId('desk.doneAppointment')).toContainText(vi(workingDay));
  await expect(page.getByTestId('desk.printState')).toHaveAttribute('data-state', 'printed', { timeout: 20_000 });

  const receipt = await lastPrintedPdf(page);
  const text = pdfText(receipt).replace(/\s+/g, ' ');
  const [yyyy, mm, dd] = workingDay.split('-');
  expect(text).toContain(`08 giờ 00 phút, ngày ${dd} tháng ${mm} năm ${yyyy}`);
  expect(text).toContain('(do cán bộ tiếp nhận xác định: Theo quy định tại quầy)');
  expect(text).not.toContain('Cán bộ tiếp nhận sẽ thông báo ngày hẹn');
  expect(text).toContain('Công dân bổ sung giấy tờ sau');
  renderPdfPng(receipt, join(SCREENS_DIR, 'counter-receipt-processing-set'));
});
