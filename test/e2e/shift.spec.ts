import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createStaff } from '../../src/server/staff';
import { startCentre, type Centre } from './centre';
import { chooseProcedure, enrol, listRow, nudge, receiveDossier, saveDossier, typeApplicant } from './counterFlows';
import { expect, test } from './fixtures';
import { kioskUrl, lastPrintedPdf, paperPhoto, pdfText, renderPdfPng, SCREENS_DIR } from './helpers';

/**
 * An officer's shift at a counter enrolled at a real centre (its own server on another origin,
 * nothing stubbed between page and server): the branch's accounts arrive with the first sync, the
 * counter asks who is working, the receipts carry the officer's name, the idle lock asks for the
 * PIN, and the centre's records say who received each dossier and who reprinted.
 */
const PROCEDURE = '1.003583'; // Đăng ký khai sinh lưu động: "Giấy chứng sinh" among its papers.
const BIRTH = '1.001193'; // Đăng ký khai sinh: no processing time with a unit in the catalog.
const OFFICER = { staffId: 'CB0107', name: 'Phạm Minh Đức', role: 'officer' as const, pin: '480315' };
const OTHER = { staffId: 'CB0108', name: 'Lê Thu Trang', role: 'officer' as const, pin: '735190' };
const TECHNICIAN = { staffId: 'KT0101', name: 'Đỗ Văn Kiên', role: 'technician' as const, pin: '602481' };

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS_DIR, `shift-${name}.png`) });
/** A person's pace at the keyboard (a burst of keys is a USB scanner's, useScannerWedge.ts). */
const TYPING = { delay: 40 };

/** From the machine's next start once the accounts arrived, the counter asks who works; `who` signs in. */
async function signIn(page: Page, who: { staffId: string; pin: string }, url = kioskUrl('?role=counter')): Promise<void> {
  await expect(async () => {
    await page.goto(url);
    await expect(page.getByTestId('staff.signIn')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await page.getByTestId(`staff.signIn.choice.${who.staffId}`).click();
  await page.getByTestId('staff.signIn.form.pin').fill(who.pin);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('staff.bar')).toBeVisible();
}

test.describe("an officer's shift", () => {
  let centre: Centre;
  test.beforeAll(async () => {
    centre = await startCentre();
    for (const s of [OFFICER, OTHER, TECHNICIAN]) {
      const out = await createStaff(
        centre.db,
        { branchCode: 'CN01', staffId: s.staffId, name: s.name, role: s.role },
        { kind: 'admin-cli', id: 'e2e' },
        Date.now(),
        s.pin,
      );
      expect(out.ok).toBe(true);
    }
  });
  test.afterAll(async () => {
    await centre?.close();
  });

  test('sign in → three dossiers → reprint → idle lock → PIN → sign out; receipts and the centre name the officer', async ({ page, context }) => {
    test.setTimeout(240_000);
    let givenAtA!: string;
    // Playwright's clock from the start, at 10:00 today in Hà Nội: the idle minutes jumped below never cross midnight.
    const hanoiToday = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    await page.clock.install({ time: new Date(`${hanoiToday}T10:00:00+07:00`) });
    await enrol(page, centre, 'counter');
    // The accounts come with the first sync; from the next start nobody works at this counter until an officer signs in.
    const signInScreen = page.getByTestId('staff.signIn');
    await expect(async () => {
      await page.goto(kioskUrl('?role=counter'));
      await expect(signInScreen).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId('desk.new')).toHaveCount(0);
    await expect(signInScreen.getByRole('radio')).toHaveText([`${OTHER.name}${OTHER.staffId}`, `${OFFICER.name}${OFFICER.staffId}`]);
    await expect(page.getByTestId(`staff.signIn.choice.${TECHNICIAN.staffId}`)).toHaveCount(0);
    await shot(page, 'sign-in');
    // Keyboard only: the first name has the focus, an arrow moves to the officer, Enter picks it, the PIN goes in.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId(`staff.signIn.choice.${OFFICER.staffId}`)).toHaveAttribute('aria-checked', 'true');
    await expect(page.getByTestId('staff.signIn.form.pin')).toBeFocused();
    await page.keyboard.type('480316');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('staff.signIn.form.error')).toHaveText('Mã PIN không đúng. Còn 4 lần thử, sau đó tài khoản bị tạm khoá trên máy này.');
    await shot(page, 'wrong-pin');
    await page.keyboard.type(OFFICER.pin);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('staff.bar.name')).toHaveText(`Cán bộ: ${OFFICER.name}`);
    await expect(page.getByTestId('desk.new')).toBeVisible();

    // Counter A, another machine of the branch, where a colleague received the citizen's birth certificate earlier.
    const machineA = await page.context().browser()!.newContext();
    await machineA.addInitScript(() => {
      window.print = () => undefined;
    });
    const a = await machineA.newPage();
    try {
      await enrol(a, centre, 'counter', centre.url, 1);
      await signIn(a, OTHER);
      const png = await paperPhoto(a, 'GIẤY CHỨNG SINH', 'image/png');
      const given = await receiveDossier(a, [{ paper: 'Giấy chứng sinh', name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png }], 'typed');
      await a.keyboard.press('F3');
      await expect(async () => {
        await nudge(machineA);
        await expect(listRow(a, given.code).getByTestId('list.sync')).toHaveText('Trung tâm đã nhận', { timeout: 3_000 });
      }).toPass({ timeout: 60_000 });
      givenAtA = given.code;
    } finally {
      await machineA.close();
    }

    // Dossier 1 at this counter: the same citizen; the paper given at counter A is offered and reused, not scanned again.
    await page.keyboard.press('F2');
    await typeApplicant(page);
    await chooseProcedure(page, PROCEDURE);
    const certificate = page.getByTestId('desk.document').filter({ hasText: 'Giấy chứng sinh' });
    await expect(certificate.getByTestId('desk.reuseOffer')).toContainText(givenAtA, { timeout: 20_000 });
    await certificate.getByTestId('desk.reuse').click();
    await expect(certificate.getByTestId('desk.reused')).toContainText(givenAtA, { timeout: 20_000 });
    const first = await saveDossier(page);
    const receipt = pdfText(await lastPrintedPdf(page));
    expect(receipt).toContain(OFFICER.name);
    expect(receipt).toContain('NGƯỜI TIẾP NHẬN HỒ SƠ');
    expect(receipt).toMatch(/Vào Sổ theo dõi hồ sơ, Quyển số: \d{2}\/\d{4}, Số thứ tự: \d+/);
    renderPdfPng(await lastPrintedPdf(page), join(SCREENS_DIR, 'shift-receipt'));
    await page.getByTestId('desk.newDossier').click();

    // Dossier 2: a procedure whose catalog has no processing time; the officer sets three working days.
    await page.getByTestId('desk.idNumber').fill('001089006789');
    await page.getByTestId('desk.fullName').fill('Trần Văn Bình');
    await chooseProcedure(page, BIRTH);
    await expect(page.getByTestId('desk.appointmentPreview')).toHaveAttribute('data-kind', 'needs-confirmation');
    await page.getByTestId('processing.kind.working-days').check();
    await page.getByTestId('processing.value').pressSequentially('3', TYPING);
    await page.getByTestId('processing.reason').pressSequentially('Theo quy định tại quầy', TYPING);
    await expect(page.getByTestId('desk.appointmentPreview')).toHaveAttribute('data-kind', 'date');
    const setDate = (await page.getByTestId('desk.appointmentPreview').getAttribute('data-date')) ?? '';
    const second = await saveDossier(page);
    await expect(page.getByTestId('desk.done')).toHaveAttribute('data-appointment-date', setDate);
    const setReceipt = pdfText(await lastPrintedPdf(page)).replace(/\s+/g, ' ');
    const [yyyy, mm, dd] = setDate.split('-');
    expect(setReceipt).toContain(`ngày ${dd} tháng ${mm} năm ${yyyy}`);
    expect(setReceipt).toContain('(do cán bộ tiếp nhận xác định: Theo quy định tại quầy)');
    expect(setReceipt).toContain(OFFICER.name);
    await page.getByTestId('desk.newDossier').click();

    // Dossier 3: an ordinary one.
    const third = await receiveDossier(page, [], 'typed');

    // A reprint of the first from today's list.
    await page.keyboard.press('F3');
    await listRow(page, first.code).getByTestId('list.open').click();
    const framesOfFirst = page.locator(`iframe[data-testid="print.frame"][title="Giay tiep nhan ${first.code}"]`);
    await page.getByTestId('details.reprint').click();
    // (The audit log below proves it was a reprint; the frame shows what was printed.)
    await expect.poll(() => framesOfFirst.count()).toBeGreaterThan(0);
    const reprinted = pdfText(await lastPrintedPdf(page, `Giay tiep nhan ${first.code}`));
    expect(reprinted).toContain(first.code);
    expect(reprinted).toContain(OFFICER.name);

    // Left alone with a dossier half typed: the lock asks for this officer's PIN; a key does not open it.
    await page.keyboard.press('F2');
    await page.getByTestId('desk.phone').fill('0987654321');
    await page.clock.fastForward(3 * 60_000 + 10_000);
    const lock = page.getByTestId('counter.idleLock');
    await expect(lock).toBeVisible();
    await expect(page.getByTestId('counter.idleLock.who')).toHaveText(`Đang làm việc: ${OFFICER.name} (${OFFICER.staffId})`);
    await expect(page.getByTestId('desk.phone')).toBeHidden();
    await page.keyboard.press('Shift');
    await expect(lock).toBeVisible();
    await expect(page.getByTestId('counter.idleLock.form.pin')).toBeFocused();
    await page.keyboard.type(OTHER.pin);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('counter.idleLock.form.error')).toContainText('Mã PIN không đúng');
    await shot(page, 'idle-lock');
    await page.keyboard.type(OFFICER.pin);
    await page.keyboard.press('Enter');
    await expect(lock).toHaveCount(0);
    await expect(page.getByTestId('desk.phone')).toHaveValue('0987654321');

    // Sign out: the counter asks who works next, the half-typed dossier is gone with the session.
    await page.getByTestId('staff.signOut').click();
    await expect(page.getByTestId('staff.signIn')).toBeVisible();
    await expect(page.getByTestId('desk.phone')).toHaveCount(0);

    // The centre: who received each dossier (the reused paper's dossier from counter A's officer), and who printed and reprinted.
    await nudge(context);
    await expect
      .poll(
        async () =>
          (
            await centre.db.query<{ code: string; officer_name: string; officer_id: string | null }>(
              'SELECT code, officer_name, officer_id FROM received_dossiers WHERE code = ANY($1) ORDER BY code',
              [[first.code, second.code, third.code]],
            )
          ).map((r) => `${r.code} ${r.officer_id} ${r.officer_name}`),
        { timeout: 30_000 },
      )
      .toEqual([first.code, second.code, third.code].sort().map((c) => `${c} ${OFFICER.staffId} ${OFFICER.name}`));
    await expect
      .poll(
        async () =>
          (
            await centre.db.query<{ action: string; detail: string | null }>(
              `SELECT action, detail FROM audit_log WHERE target = $1 AND action LIKE 'receipt.%' ORDER BY id`,
              [first.code],
            )
          ).map((r) => `${r.action} ${r.detail}`),
        { timeout: 30_000 },
      )
      .toEqual([`receipt.print officer ${OFFICER.staffId}`, `receipt.reprint officer ${OFFICER.staffId}`]);
    const givenRow = await centre.db.query<{ officer_id: string | null }>('SELECT officer_id FROM received_dossiers WHERE code = $1', [givenAtA]);
    expect(givenRow.map((r) => r.officer_id)).toEqual([OTHER.staffId]);
    const reuseAudit = await centre.db.query<{ detail: string | null }>(`SELECT detail FROM audit_log WHERE action = 'dossier.reuse' AND target = $1`, [
      givenAtA,
    ]);
    expect(reuseAudit.map((r) => r.detail ?? '').join(' ')).toContain(first.code);
  });

  test('the technician area of an enrolled machine opens only with a technician PIN', async ({ page }) => {
    await enrol(page, centre, 'citizen');
    // A citizen kiosk never holds the accounts: its technician area stays as it was.
    await page.goto(kioskUrl('?role=technician'));
    await expect(page.getByTestId('technician.role')).toBeVisible();
    const fresh = await page.context().browser()!.newContext();
    const counter = await fresh.newPage();
    try {
      await enrol(counter, centre, 'counter');
      // The technician who enrolled keeps the area until the machine starts again; then it asks.
      await expect(counter.getByTestId('technician.role')).toBeVisible();
      await expect(async () => {
        await counter.goto(kioskUrl('?role=technician'));
        await expect(counter.getByTestId('staff.signIn')).toHaveAttribute('data-purpose', 'technician', { timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(counter.getByRole('radio')).toHaveText([`${TECHNICIAN.name}${TECHNICIAN.staffId}`]);
      // The only account is chosen and the cursor goes to the PIN field a frame later: type then.
      await expect(counter.getByTestId('staff.signIn.form.pin')).toBeFocused();
      await counter.keyboard.type(OFFICER.pin);
      await counter.keyboard.press('Enter');
      await expect(counter.getByTestId('staff.signIn.form.error')).toContainText('Mã PIN không đúng');
      await counter.keyboard.type(TECHNICIAN.pin);
      await counter.keyboard.press('Enter');
      await expect(counter.getByTestId('technician.role')).toBeVisible();
      await expect(counter.getByTestId('staff.bar.name')).toHaveText(`Cán bộ: ${TECHNICIAN.name}`);
    } finally {
      await fresh.close();
    }
  });
});
