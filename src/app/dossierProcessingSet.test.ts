// Dexie's live queries run only where a global indexedDB existed when Dexie loaded (as in a browser).
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { jpegPage } from '../../test/support/capturedPages';
import { FIVE_DAY_PROCEDURE, fixtureCalendars, fixtureFonts, freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { createFakePlatform } from '../platform/fakePlatform';
import { fixedClock } from '../shared/clock';
import { DossierSubmitArgs, type ProcessingSet } from '../shared/records';
import { ReferenceDb } from '../storage/referenceDb';
import { openOutboxEntry } from '../storage/sealing';
import type { DossierDraft } from './dossierTypes';
import { initI18n } from './i18n';
import { startKioskApp } from './KioskApp';

/**
 * The officer sets the processing time at the counter (issue 13, "a date on every receipt"): the
 * dossier's record carries the setting, the appointment is computed from it, and the receipt prints
 * the date instead of "the officer will announce it".
 */

const fonts = fixtureFonts();
const seedCatalog = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
const calendars = fixtureCalendars();

/** Thủ tục đăng ký khai sinh: the catalog gives its time without a unit ("1"). */
const BIRTH = '1.001193';
/** A procedure with a catalog time of 5 working days, to override. */
const FIVE_DAYS = FIVE_DAY_PROCEDURE;

/** Hà Nội wall-clock time (UTC+7) as epoch ms. */
const vn = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h - 7, mi);
const SCREENS = join(import.meta.dirname, '../../test-results/screens');
const REASON = 'Theo quy định tại quầy';
const NEEDS_CONFIRMATION = 'Cán bộ tiếp nhận sẽ thông báo ngày hẹn';

function draft(procedureCode: string, processingSet: ProcessingSet | null): DossierDraft {
  return {
    procedureCode,
    selectedCases: [],
    applicant: {
      idNumber: '001095012345',
      fullName: 'Nguyễn Thị Thu Hằng',
      dateOfBirth: '1995-08-15',
      gender: 'female',
      address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội',
      phone: '0912345678',
      email: '',
      fromCard: true,
    },
    documents: [{ documentId: 'd1', name: 'Tờ khai đăng ký', originals: 1, copies: 0, pages: [jpegPage('d1', 1654, 2339, 200, 'd1')], reuse: null }],
    incompleteReason: 'Công dân bổ sung sau',
    sets: 1,
    resultDelivery: { method: 'counter', detail: '' },
    processingSet,
  };
}

async function start(at: number) {
  const db = freshDb();
  const app = await startKioskApp({
    platform: createFakePlatform(),
    db,
    reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
    clock: fixedClock(at),
    random: nodeRandom,
    loadFonts: async () => fonts,
    seedBranch: seededBranch(),
    roleOverride: 'counter',
    loadSeedCatalog: async () => [...seedCatalog, FIVE_DAYS],
    seedCalendars: calendars,
    sync: { isOnline: () => false },
  });
  return { app, db };
}

/** The receipt's text as pdftotext reads it; with `screen`, also test-results/screens/<screen>.png for a person to look at. */
async function receiptText(app: Awaited<ReturnType<typeof start>>['app'], code: string, screen?: string): Promise<string> {
  const pdf = await app.dossiers.receiptPdf(code);
  if (!pdf.ok) throw new Error(pdf.error.code);
  const file = join(mkdtempSync(join(tmpdir(), 'processing-set-')), 'r.pdf');
  writeFileSync(file, pdf.value);
  if (screen) {
    mkdirSync(SCREENS, { recursive: true });
    execFileSync('pdftoppm', ['-r', '80', '-png', '-f', '1', '-singlefile', file, join(SCREENS, screen)]);
  }
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC').replace(/\s+/g, ' ');
}

describe('processing time set by the officer at the counter', () => {
  beforeAll(() => initI18n('vi'));

  it('gives a procedure without a catalog time a date: recorded with the dossier, printed on the receipt', async () => {
    const { app, db } = await start(vn(2026, 8, 27, 10)); // Thu 27/08/2026, before National Day
    const birth = await app.dossiers.procedure(BIRTH);
    expect(birth && app.dossiers.processingTime(birth)).toBeNull();

    const set: ProcessingSet = { kind: 'date', value: '2026-09-03', reason: `  ${REASON} ` };
    const result = await app.dossiers.submit(draft(BIRTH, set));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const a = result.value.args;
    expect(a.processingSet).toEqual({ kind: 'date', value: '2026-09-03', reason: REASON });
    expect(a.appointment).toEqual({ kind: 'date', at: vn(2026, 9, 3, 8), date: '2026-09-03', provisional: false });
    // What goes to the centre carries it, and passes the schema the server applies.
    const [sealed] = (await db.outbox.toArray()).filter((e) => e.name === 'dossier.submit@1');
    const entry = sealed && (await openOutboxEntry(db, sealed));
    expect((entry?.args as DossierSubmitArgs).processingSet).toEqual(a.processingSet);
    expect(DossierSubmitArgs.safeParse(entry?.args).success).toBe(true);

    const text = await receiptText(app, a.code, 'receipt-processing-set-date');
    expect(text).toContain('08 giờ 00 phút, ngày 03 tháng 09 năm 2026');
    expect(text).toContain(`Theo ngày hẹn trả kết quả tại mục 5 (do cán bộ tiếp nhận xác định: ${REASON})`);
    expect(text).not.toContain(NEEDS_CONFIRMATION);
  });

  it('without a setting the same procedure still gets "the officer will announce the date"', async () => {
    const { app } = await start(vn(2026, 8, 27, 10));
    const result = await app.dossiers.submit(draft(BIRTH, null));
    expect(result.ok && result.value.args.appointment).toEqual({ kind: 'needs-confirmation' });
    if (!result.ok) return;
    expect(result.value.args.processingSet).toBeUndefined();
    expect(await receiptText(app, result.value.args.code)).toContain(NEEDS_CONFIRMATION);
  });

  it("overrides a catalog time: working hours roll over to the next morning, the catalog's time stays recorded", async () => {
    const { app } = await start(vn(2026, 3, 10, 16)); // Tue 10/03/2026 16:00
    const result = await app.dossiers.submit(draft(FIVE_DAYS.code, { kind: 'working-hours', value: 4, reason: 'Thủ tục giải quyết trong ngày' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const a = result.value.args;
    expect(a.appointment).toEqual({ kind: 'date', at: vn(2026, 3, 11, 10, 30), date: '2026-03-11', provisional: false });
    expect(a.procedure).toMatchObject({ processingTime: 5, unit: 'working-day' });
    const text = await receiptText(app, a.code, 'receipt-processing-set-hours');
    expect(text).toContain('4 giờ làm việc (do cán bộ tiếp nhận xác định: Thủ tục giải quyết trong ngày)');
    expect(text).not.toContain('5 ngày làm việc');
    expect(text).toContain('10 giờ 30 phút, ngày 11 tháng 03 năm 2026');
  });

  it('refuses a date on a holiday, naming it, and saves nothing', async () => {
    const { app, db } = await start(vn(2026, 8, 27, 10));
    const holiday: ProcessingSet = { kind: 'date', value: '2026-09-02', reason: REASON };
    const preview = await app.dossiers.previewProcessingSet(holiday);
    expect(preview.ok ? null : preview.error).toMatchObject({ code: 'processing.date-holiday', values: { date: '02/09/2026', name: 'Quốc khánh (2/9)' } });
    const result = await app.dossiers.submit(draft(BIRTH, holiday));
    expect(result.ok ? null : result.error.code).toBe('dossier.processing-invalid');
    expect(await db.dossiers.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });
});
