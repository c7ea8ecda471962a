import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { kioskUrl } from './helpers';

/**
 * The reception form as an officer works it on the counter's landscape screen: it fits (checklist
 * and submit button on screen without scrolling the page), every error shows at once with focus on
 * the first, each field is checked where it is typed, and a procedure whose papers all hang on a
 * situation asks for it. Screenshots go to .tmp/screens/ for a look at the layout.
 */

const SCREENS = join('.tmp', 'screens');
const BIRTH = '1.001193';
const RESIDENCE = '1.004222';

async function openCounter(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await page.goto(kioskUrl('?role=counter'));
  await expect(page.getByTestId('desk.new')).toBeVisible();
}

async function pickProcedure(page: Page, code: string): Promise<void> {
  await page.getByTestId('desk.procedureSearch').fill(code);
  await expect(page.getByTestId('desk.procedureOption').first()).toHaveAttribute('data-code', code);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('desk.procedureChosen')).toHaveAttribute('data-code', code);
}

/** The element lies wholly inside the viewport (no page scroll needed to see it). */
async function expectOnScreen(page: Page, locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  const size = page.viewportSize()!;
  expect(box, what).not.toBeNull();
  expect(box!.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(box!.x, `${what} left`).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, `${what} bottom`).toBeLessThanOrEqual(size.height);
  expect(box!.x + box!.width, `${what} right`).toBeLessThanOrEqual(size.width);
}

const pageScrolls = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const main = document.querySelector('.shell__main');
    const doc = document.scrollingElement!;
    return doc.scrollHeight > doc.clientHeight + 1 || (main !== null && main.scrollHeight > main.clientHeight + 1);
  });

test.describe('reception form on the counter screen', () => {
  test.beforeAll(() => mkdirSync(SCREENS, { recursive: true }));

  test('1920×1080, birth registration: applicant, procedure and checklist side by side; submit and papers on screen without scrolling', async ({ page }) => {
    await openCounter(page, { width: 1920, height: 1080 });
    // Search results open within the screen.
    await page.getByTestId('desk.procedureSearch').fill('dang ky khai sinh');
    await expect(page.getByTestId('desk.procedureOption').first()).toBeVisible();
    await expectOnScreen(page, page.locator('.picker__list'), 'procedure results');
    await page.getByTestId('desk.procedureSearch').fill('');
    await pickProcedure(page, BIRTH);

    expect(await pageScrolls(page)).toBe(false);
    await expectOnScreen(page, page.getByTestId('desk.submit'), 'submit button');
    await expectOnScreen(page, page.getByTestId('desk.checklist').locator('h2'), 'checklist heading');
    // Every paper to hand in is on screen, and the columns sit beside each other.
    for (const doc of await page
      .getByTestId('desk.section')
      .filter({ has: page.locator('[data-kind="submit"]') })
      .all())
      await expectOnScreen(page, doc, 'paper');
    const papers = page.locator('[data-testid="desk.section"][data-kind="submit"] [data-testid="desk.document"]');
    await expect(papers).toHaveCount(2);
    for (const paper of await papers.all()) await expectOnScreen(page, paper, 'paper to hand in');
    const applicant = (await page.getByTestId('desk.applicant').boundingBox())!;
    const procedure = (await page.getByTestId('desk.procedure').boundingBox())!;
    const checklist = (await page.getByTestId('desk.checklist').boundingBox())!;
    expect(procedure.x).toBeGreaterThan(applicant.x + applicant.width - 1);
    expect(checklist.x).toBeGreaterThan(procedure.x + procedure.width - 1);

    // An ordinary birth: the conditional papers are situations to tick, not missing papers.
    await expect(page.getByTestId('desk.missingDoc')).toHaveText([/^Giấy chứng sinh/, /^Tờ khai đăng ký khai sinh/]);
    await expect(page.getByTestId('desk.situation')).toHaveText([/Trẻ em bị bỏ rơi/, /Nộp hồ sơ theo ủy quyền/, /Trẻ em sinh ra do mang thai hộ/]);
    await page.getByTestId('desk.situation').filter({ hasText: 'Trẻ em bị bỏ rơi' }).click();
    await expect(page.getByTestId('desk.missingDoc')).toHaveCount(3);
    await page.getByTestId('desk.situation').filter({ hasText: 'Trẻ em bị bỏ rơi' }).click();

    // Ctrl+Enter with nothing typed: the summary at the top lists every problem, focus on the first.
    await page.keyboard.press('Control+Enter');
    const summary = page.getByTestId('desk.errorSummary');
    await expect(summary).toBeVisible();
    await expectOnScreen(page, summary, 'error summary');
    await expect(page.locator('#desk-id')).toBeFocused();
    await page.screenshot({ path: join(SCREENS, 'form-1920-birth-errors.png') });
  });

  test('every error at once, focus on the first; bad ID, impossible date and bad e-mail are marked where they are typed', async ({ page }) => {
    await openCounter(page, { width: 1920, height: 1080 });
    // Checked on leaving the field (not while typing): an ID of 5 digits is not "no ID".
    await page.getByTestId('desk.idNumber').fill('12345');
    await expect(page.getByTestId('desk.fieldError.desk-id')).toHaveCount(0);
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('desk.fieldError.desk-id')).toHaveText(/12 chữ số.*đang có 5 chữ số/);
    await expect(page.getByTestId('desk.idNumber')).toHaveAttribute('aria-invalid', 'true');
    await page.getByTestId('desk.dateOfBirth').fill('31/02/2030');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('desk.fieldError.desk-dob')).toHaveText(/không có thật/);
    await page.getByTestId('desk.email').fill('not-an-email');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('desk.fieldError.desk-email')).toHaveText(/ten@mien\.vn/);
    // The phone was never visited: nothing to mark there.
    await expect(page.getByTestId('desk.fieldError.desk-phone')).toHaveCount(0);

    await page.getByTestId('desk.phone').focus();
    await page.keyboard.press('Control+Enter');
    const items = page.getByTestId('desk.errorItem');
    await expect(items).toHaveText([/12 chữ số/, /Chưa có họ tên/, /Ngày sinh không có thật/, /Thư điện tử chưa đúng/, /Chưa chọn thủ tục/]);
    await expect(page.locator('#desk-id')).toBeFocused();
    await expect(page.getByTestId('desk.fieldError.desk-name')).toBeVisible();
    // A link of the summary takes the officer to its field.
    await items.filter({ hasText: 'Thư điện tử' }).locator('a').click();
    await expect(page.locator('#desk-email')).toBeFocused();
    await expect(page.getByTestId('desk.done')).toHaveCount(0);

    // Fixed fields lose their mark.
    await page.getByTestId('desk.email').fill('hang.nguyen@gmail.com');
    await expect(page.getByTestId('desk.fieldError.desk-email')).toHaveCount(0);
    await expect(items).toHaveCount(4);
  });

  test('permanent residence: no situation chosen asks for it, with focus there; choosing one lists its papers', async ({ page }) => {
    await openCounter(page, { width: 1920, height: 1080 });
    await page.getByTestId('desk.idNumber').fill('001195012345');
    await page.getByTestId('desk.fullName').fill('Nguyễn Thị Thu Hằng');
    await pickProcedure(page, RESIDENCE);
    await expect(page.getByTestId('desk.missing')).toHaveCount(0);
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('desk.errorItem')).toHaveText([/Chưa chọn trường hợp: “Đăng ký thường trú vào chỗ ở nào\?”/]);
    const group = page.getByTestId('desk.situationGroup');
    await expect(group.getByTestId('desk.situationError')).toBeVisible();
    await expect(page.getByTestId('desk.situation').first()).toBeFocused();
    await expectOnScreen(page, page.getByTestId('desk.situation').first(), 'first situation');
    await page.screenshot({ path: join(SCREENS, 'form-1920-residence-errors.png') });

    // One place per dossier: picking another unticks the first; its papers become required.
    await page.getByTestId('desk.situation').filter({ hasText: 'Chỗ ở hợp pháp thuộc quyền sở hữu' }).click();
    await page.getByTestId('desk.situation').filter({ hasText: 'do thuê, mượn, ở nhờ' }).click();
    await expect(page.locator('[data-testid="desk.situation"][aria-checked="true"]')).toHaveCount(1);
    await expect(page.getByTestId('desk.missingDoc')).toHaveText([/^Hợp đồng, văn bản về việc cho thuê/, /^Tờ khai thay đổi thông tin cư trú/]);
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('desk.errorItem')).toHaveText([/Còn thiếu 2 giấy tờ/]);
    await expect(page.getByTestId('desk.reason')).toBeFocused();
  });

  test('1366×768: two columns, the submit button in view; screenshots with errors', async ({ page }) => {
    await openCounter(page, { width: 1366, height: 768 });
    await pickProcedure(page, BIRTH);
    expect(await pageScrolls(page)).toBe(false);
    await expectOnScreen(page, page.getByTestId('desk.submit'), 'submit button');
    await expectOnScreen(page, page.getByTestId('desk.checklist').locator('h2'), 'checklist heading');
    await page.getByTestId('desk.idNumber').fill('12345');
    await page.getByTestId('desk.email').fill('not-an-email');
    await page.keyboard.press('Control+Enter');
    await expect(page.locator('#desk-id')).toBeFocused();
    await expectOnScreen(page, page.locator('#desk-id'), 'first field in error');
    await expectOnScreen(page, page.getByTestId('desk.submit'), 'submit button after errors');
    await page.screenshot({ path: join(SCREENS, 'form-1366-birth-errors.png') });

    await page.getByTestId('desk.changeProcedure').click();
    await pickProcedure(page, RESIDENCE);
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('desk.situationError')).toBeVisible();
    await page.screenshot({ path: join(SCREENS, 'form-1366-residence-errors.png') });
  });
});
