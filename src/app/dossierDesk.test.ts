// Dexie's live queries run only where a global indexedDB existed when Dexie loaded (as in a browser).
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { jpegPage, onePagePdf } from '../../test/support/capturedPages';
import { fixtureCalendars, fixtureFonts, freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { createFakePlatform } from '../platform/fakePlatform';
import { rotate, type CapturedPage } from '../scan/pages';
import type { Procedure } from '../shared/catalog';
import { fixedClock } from '../shared/clock';
import { DossierSubmitArgs } from '../shared/records';
import { confirmMutations } from '../storage/syncRepository';
import { markVerified, recordBlobFailure } from '../storage/blobRepository';
import { DEFAULT_STUCK_AFTER_MS } from '../sync/SyncLoop';
import { ReferenceDb } from '../storage/referenceDb';
import { applyPullPage } from '../storage/referenceRepository';
import type { DossierDraft, DossierListRow } from './dossierTypes';
import { initI18n } from './i18n';
import { startKioskApp } from './KioskApp';
import { RESERVE_AHEAD } from './counterReservations';

const fonts = fixtureFonts();
const seedCatalog = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
const calendars = fixtureCalendars();

/** A procedure with the DOMAIN.md worked example's 5 working days and every kind of checklist entry. */
const TEST_PROCEDURE: Procedure = {
  code: '1.999999',
  name: 'Đăng ký thử nghiệm hồ sơ',
  field: 'Hộ tịch',
  level: ['xa'],
  agency: 'UBND phường',
  channels: [{ channel: 'in-person', workingDays: 5, timeText: '5 Ngày làm việc', feeVnd: 0, feeText: 'Miễn phí' }],
  documents: [
    { id: 'd1', name: 'Tờ khai đăng ký', originals: 1, copies: 0, optional: false, formTemplate: null, group: null },
    { id: 'd2', name: 'Bản sao Giấy khai sinh', originals: 0, copies: 1, optional: false, formTemplate: null, group: null },
    { id: 'd3', name: 'Giấy tờ khác (nếu có)', originals: 0, copies: 1, optional: true, formTemplate: null, group: null },
    { id: 'd4', name: 'Thẻ căn cước', originals: 1, copies: 0, optional: false, formTemplate: null, group: 'Giấy tờ phải xuất trình' },
  ],
  applicants: 'Công dân',
  conditions: '',
  result: 'Giấy xác nhận',
  legalBasis: [],
  active: true,
};

// Thu 12/02/2026 10:00 in Hà Nội (DOMAIN.md worked example): due Thu 26/02/2026 10:00 after Tết.
const WORKED_EXAMPLE = Date.UTC(2026, 1, 12, 3, 0);
const ID = '001095012345';

/** One captured A4 page per paper; `tag` makes the pages (and so the PDFs) of different papers differ. */
const pages = (tag: string): CapturedPage[] => [jpegPage(tag, 1654, 2339, 200, tag)];

function draft(over: Partial<DossierDraft> = {}): DossierDraft {
  return {
    procedureCode: TEST_PROCEDURE.code,
    selectedCases: [],
    applicant: {
      idNumber: ID,
      fullName: 'Nguyễn Thị Thu Hằng',
      dateOfBirth: '1995-08-15',
      gender: 'female',
      address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội',
      phone: '0912 345 678',
      email: '',
      fromCard: true,
    },
    documents: [
      { documentId: 'd1', name: 'Tờ khai đăng ký', originals: 1, copies: 0, pages: pages('d1'), reuse: null },
      { documentId: 'd2', name: 'Bản sao Giấy khai sinh', originals: 0, copies: 1, pages: pages('d2'), reuse: null },
    ],
    incompleteReason: null,
    sets: 1,
    resultDelivery: { method: 'counter', detail: '' },
    ...over,
  };
}

async function start(
  at = WORKED_EXAMPLE,
  slot = 0,
  shared?: { db: ReturnType<typeof freshDb>; reference: ReferenceDb; platform: ReturnType<typeof createFakePlatform> },
): Promise<{
  app: Awaited<ReturnType<typeof startKioskApp>>;
  db: ReturnType<typeof freshDb>;
  platform: ReturnType<typeof createFakePlatform>;
  clock: ReturnType<typeof fixedClock>;
  reference: ReferenceDb;
}> {
  const platform = shared?.platform ?? createFakePlatform();
  const db = shared?.db ?? freshDb();
  const reference = shared?.reference ?? new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange });
  const clock = fixedClock(at);
  const app = await startKioskApp({
    platform,
    db,
    reference,
    clock,
    random: nodeRandom,
    loadFonts: async () => fonts,
    seedBranch: seededBranch(),
    roleOverride: 'counter',
    loadSeedCatalog: async () => [...seedCatalog, TEST_PROCEDURE],
    seedCalendars: calendars,
    sync: { isOnline: () => false },
  });
  if (slot !== app.device.kioskSlot) {
    // The slot is the technician's setting: saved, then in effect from the next start.
    const saved = await app.saveDeviceConfig({ ...app.storedDevice, kioskSlot: slot });
    expect(saved.ok).toBe(true);
    app.sync.stop();
    return start(at, slot, { db, reference, platform });
  }
  return { app, db, platform, clock, reference };
}

function pdfText(bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'desk-')), 'r.pdf');
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
}

/** The outbox entries for the centre's audit log, in order. */
async function auditEvents(db: ReturnType<typeof freshDb>) {
  return (await db.outbox.orderBy('deviceSeq').toArray()).filter((e) => e.name === 'audit.event@1');
}

function firstValue<T>(watch: (cb: (v: T) => void) => () => void, until: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const stop = watch((v) => {
      if (until(v)) {
        queueMicrotask(() => stop());
        resolve(v);
      }
    });
  });
}

describe('dossier desk (counter officer, offline)', () => {
  beforeAll(() => initI18n('vi'));

  it('saves the dossier, its PDFs and its outbox entry together, numbered from this device block, with the appointment', async () => {
    const { app, db } = await start();
    const result = await app.dossiers.submit(draft());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const a = result.value.args;
    expect(a.code).toBe('000.21.01.H26-260212-0001');
    expect(a.appointment).toEqual({ kind: 'date', at: Date.UTC(2026, 1, 26, 3, 0), date: '2026-02-26', provisional: false });
    expect(a.applicant.phone).toBe('0912345678');
    expect(a.lookupSecret).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(DossierSubmitArgs.safeParse(a).success).toBe(true);
    expect(await db.dossiers.count()).toBe(1);
    expect(await db.blobs.count()).toBe(2);
    const [entry] = await db.outbox.toArray();
    expect(entry?.name).toBe('dossier.submit@1');
    expect((entry?.args as DossierSubmitArgs).code).toBe(a.code);

    const second = await app.dossiers.submit(draft());
    expect(second.ok && second.value.args.code).toBe('000.21.01.H26-260212-0002');
    // Identical PDFs are stored once (content-addressed).
    expect(await db.blobs.count()).toBe(2);
  });

  it('makes each paper one PDF from its captured pages, hashes it once and cleans the applicant up: the screen hands over the form as it is', async () => {
    const { app, db } = await start();
    const digest = vi.spyOn(crypto.subtle, 'digest');
    const captured = [jpegPage('p1', 1654, 2339, 200, 'p1'), rotate(jpegPage('p2', 1165, 1654, 200, 'p2'), 90), await onePagePdf(842, 595)];
    const result = await app.dossiers.submit(
      draft({
        applicant: {
          idNumber: ' 001 095-012345 ',
          fullName: '  Nguyễn   Thị\tThu Hằng '.normalize('NFD'),
          dateOfBirth: '',
          gender: '',
          address: ' Số 12  ngõ 34 phố Hàng Bạc,\n Hoàn Kiếm ',
          phone: '0912 345 678',
          email: ' hang@example.vn ',
          fromCard: false,
        },
        documents: [{ ...draft().documents[0]!, pages: captured }, draft().documents[1]!],
      }),
    );
    const hashed = digest.mock.calls.filter(([algorithm]) => algorithm === 'SHA-256').length;
    digest.mockRestore();
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
    const a = result.value.args;
    expect(a.applicant).toEqual({
      idNumber: ID,
      fullName: 'Nguyễn Thị Thu Hằng',
      dateOfBirth: null,
      gender: null,
      address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm',
      phone: '0912345678',
      email: 'hang@example.vn',
      fromCard: false,
    });
    expect(a.applicant.fullName).toBe(a.applicant.fullName.normalize('NFC'));
    // One PDF per paper, pages in the captured order, titled with the paper's name, dated by the clock port.
    expect(a.documents.map((d) => [d.documentId, d.pages, d.reusedFrom])).toEqual([
      ['d1', 3, null],
      ['d2', 1, null],
    ]);
    expect(hashed).toBe(2);
    for (const d of a.documents) {
      const stored = await app.dossiers.documentPdf(d.sha256);
      const bytes = new Uint8Array(await stored!.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(d.sha256);
      expect(bytes.length).toBe(d.size);
      const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
      expect(pdf.getTitle()).toBe(d.name);
      expect(pdf.getCreationDate()?.getTime()).toBe(WORKED_EXAMPLE);
      expect(pdf.getPageCount()).toBe(d.pages);
    }
    const first = await PDFDocument.load(new Uint8Array(await (await app.dossiers.documentPdf(a.documents[0]!.sha256))!.arrayBuffer()));
    expect(first.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight()), p.getRotation().angle])).toEqual([
      [595, 842, 0],
      [419, 595, 90],
      [842, 595, 0],
    ]);
    expect(await db.blobs.count()).toBe(2);
    // A page that cannot go into a PDF is the scanner's error, and nothing is saved.
    const broken = { ...jpegPage('bad', 10, 10), bytes: new Blob(['not a jpeg']) };
    const refused = await app.dossiers.submit(draft({ documents: [{ ...draft().documents[0]!, pages: [broken] }, draft().documents[1]!] }));
    expect(!refused.ok && refused.error.code).toBe('scan.file-unreadable');
    expect(await db.dossiers.count()).toBe(1);
  });

  it('gives two offline counters disjoint codes and restarts the sequence on the next local day', async () => {
    const one = await start(WORKED_EXAMPLE, 0);
    const two = await start(WORKED_EXAMPLE, 1);
    const a = await one.app.dossiers.submit(draft());
    const b = await two.app.dossiers.submit(draft());
    expect(a.ok && a.value.args.code).toBe('000.21.01.H26-260212-0001');
    expect(b.ok && b.value.args.code).toBe('000.21.01.H26-260212-1001');
    // 23:59 → 00:01 Hà Nội time (16:59 → 17:01 UTC).
    one.clock.set(Date.UTC(2026, 1, 12, 16, 59));
    const late = await one.app.dossiers.submit(draft());
    one.clock.set(Date.UTC(2026, 1, 12, 17, 1));
    const next = await one.app.dossiers.submit(draft());
    expect(late.ok && late.value.args.code).toBe('000.21.01.H26-260212-0002');
    expect(next.ok && next.value.args.code).toBe('000.21.01.H26-260213-0001');
  });

  it('continues above the codes the centre already published when this database lost its counter', async () => {
    const reference = new ReferenceDb('ref-lost', { indexedDB: new IDBFactory(), IDBKeyRange });
    const status = (code: string) => ({ code, status: 'received', statusAt: WORKED_EXAMPLE, appointmentDate: null, note: '' });
    const codes = ['000.21.01.H26-260212-0001', '000.21.01.H26-260212-0002', '000.21.01.H26-260212-1001', '000.21.01.H26-260211-0007'];
    await applyPullPage(
      reference,
      'branch:CN01',
      codes.map((code, i) => ({ seq: i + 1, entity: 'dossierStatus' as const, key: code, op: 'put' as const, data: status(code), checksum: 1 })),
      codes.length,
      WORKED_EXAMPLE,
    );
    const { app } = await start(WORKED_EXAMPLE, 0, { db: freshDb(), reference, platform: createFakePlatform() });
    const saved = await app.dossiers.submit(draft());
    expect(saved.ok && saved.value.args.code).toBe('000.21.01.H26-260212-0003');
  });

  it('never reissues a code after the database is lost with nothing left in the journal: it continues above the mark kept beside it', async () => {
    const platform = createFakePlatform();
    const first = await start(WORKED_EXAMPLE, 0, {
      db: freshDb(),
      reference: new ReferenceDb('ref-a', { indexedDB: new IDBFactory(), IDBKeyRange }),
      platform,
    });
    const a = await first.app.dossiers.submit(draft());
    const b = await first.app.dossiers.submit(draft());
    if (!a.ok || !b.ok) throw new Error('not saved');
    expect([a.value.args.code, b.value.args.code]).toEqual(['000.21.01.H26-260212-0001', '000.21.01.H26-260212-0002']);
    // The code was on disk beside the journal before it was shown (one reservation covers a block).
    expect(platform.marks.get('dseq|000.21.01.H26|2026-02-12')).toBe(RESERVE_AHEAD);
    expect(platform.marks.get('rseq|2026|01')).toBe(RESERVE_AHEAD);
    // Both records reached the centre and left the journal file; then IndexedDB is lost.
    const journal = [...platform.journals.keys()][0]!;
    await platform.journalConfirm({ journalId: journal, upToSeq: 2 });
    expect(platform.journals.size).toBe(0);
    const second = await start(WORKED_EXAMPLE, 0, {
      db: freshDb(),
      reference: new ReferenceDb('ref-b', { indexedDB: new IDBFactory(), IDBKeyRange }),
      platform,
    });
    const c = await second.app.dossiers.submit(draft());
    expect(c.ok && c.value.args.code).toBe(`000.21.01.H26-260212-${String(RESERVE_AHEAD + 1).padStart(4, '0')}`);
    // The register's serial, printed on the receipt, continues above its mark too.
    expect(c.ok && c.value.args.register).toEqual({ book: '01/2026', serial: RESERVE_AHEAD + 1 });
  });

  it("refuses a reused paper that is not this applicant's", async () => {
    const { app } = await start();
    const first = await app.dossiers.submit(draft());
    if (!first.ok) throw new Error(first.error.code);
    const [candidate] = await app.dossiers.reuseCandidates(ID);
    const other = await app.dossiers.submit(
      draft({
        applicant: { ...draft().applicant, idNumber: '079203000001', fullName: 'Trần Văn Bình' },
        documents: [draft().documents[0]!, { documentId: 'd2', name: 'Bản sao Giấy khai sinh', originals: 0, copies: 1, pages: [], reuse: candidate! }],
      }),
    );
    expect(!other.ok && other.error.code).toBe('dossier.reuse-not-allowed');
  });

  it('blocks a dossier with missing required documents unless the officer gives a reason, and saves nothing meanwhile', async () => {
    const { app, db } = await start();
    const blocked = await app.dossiers.submit(draft({ documents: draft().documents.slice(0, 1) }));
    expect(blocked).toEqual({ ok: false, error: { code: 'dossier.missing-documents', detail: expect.any(String) } });
    expect(await db.dossiers.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    const accepted = await app.dossiers.submit(draft({ documents: draft().documents.slice(0, 1), incompleteReason: '  Công dân bổ sung bản sao sau  ' }));
    expect(accepted.ok).toBe(true);
    if (!accepted.ok) return;
    expect(accepted.value.args.missing).toEqual([{ documentId: 'd2', name: 'Bản sao Giấy khai sinh' }]);
    expect(accepted.value.args.incompleteReason).toBe('Công dân bổ sung bản sao sau');
  });

  it('asks for the situation of a procedure whose papers all hang on one (1.004222), and records only its papers as missing', async () => {
    const { app, db } = await start();
    const residence = (await app.dossiers.procedure('1.004222'))!;
    const none = await app.dossiers.submit(draft({ procedureCode: residence.code, documents: [], incompleteReason: 'Bổ sung sau' }));
    expect(!none.ok && none.error.code).toBe('dossier.situation-missing');
    expect(await db.dossiers.count()).toBe(0);
    const renting = residence.checklist!.situationGroups[0]!.situations.find((s) => s.label.includes('thuê, mượn'))!;
    const saved = await app.dossiers.submit(
      draft({
        procedureCode: residence.code,
        selectedCases: [renting.id],
        documents: [{ documentId: 'd12', name: 'Hợp đồng thuê nhà', originals: 1, copies: 0, pages: pages('d12'), reuse: null }],
        incompleteReason: 'Công dân nộp tờ khai sau',
      }),
    );
    if (!saved.ok) throw new Error(saved.error.code);
    // The record the centre validates: only the really missing paper (the CT01 declaration).
    expect(saved.value.args.missing.map((m) => m.documentId)).toEqual(['d15']);
    expect(saved.value.args.documents.map((d) => d.documentId)).toEqual(['d12']);
  });

  it('does not list conditional birth-registration papers as missing in an ordinary case (1.001193)', async () => {
    const { app } = await start();
    const birth = (await app.dossiers.procedure('1.001193'))!;
    const saved = await app.dossiers.submit(
      draft({
        procedureCode: birth.code,
        documents: ['d4', 'd7'].map((id) => ({ documentId: id, name: id, originals: 1, copies: 0, pages: pages(id), reuse: null })),
      }),
    );
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value.args.missing).toEqual([]);
    expect(saved.value.args.incompleteReason).toBeNull();
  });

  it('refuses an applicant without a name or with a malformed ID, and a document without pages', async () => {
    const { app } = await start();
    const noName = await app.dossiers.submit(draft({ applicant: { ...draft().applicant, fullName: '   ' } }));
    expect(!noName.ok && noName.error.code).toBe('dossier.applicant-invalid');
    const badId = await app.dossiers.submit(draft({ applicant: { ...draft().applicant, idNumber: '12-34' } }));
    expect(!badId.ok && badId.error.code).toBe('dossier.applicant-invalid');
    const empty = await app.dossiers.submit(draft({ documents: [{ ...draft().documents[0]!, pages: [] }, draft().documents[1]!] }));
    expect(!empty.ok && empty.error.code).toBe('dossier.document-empty');
  });

  it('prints a receipt whose text carries the applicant, the code and the appointment, and counts reprints', async () => {
    const { app, platform, db } = await start();
    const saved = await app.dossiers.submit(draft());
    if (!saved.ok) throw new Error(saved.error.code);
    const printed = await app.dossiers.printReceipt(saved.value.args.code);
    expect(printed.ok).toBe(true);
    const text = pdfText(platform.printed[0]!.pdf);
    expect(text).toContain('Nguyễn Thị Thu Hằng');
    expect(text).toContain('000.21.01.H26-260212-0001');
    expect(text).toContain('ngày 26 tháng 02 năm 2026');
    expect(text).toContain('001*******45');
    expect(text).not.toContain(ID);
    expect(text).toContain('5 ngày làm việc');
    // The counter's reception register: slot 0's book of 2026, first serial.
    expect(saved.value.args.register).toEqual({ book: '01/2026', serial: 1 });
    expect(text.replace(/\s+/g, ' ')).toContain('Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 1');
    expect(text).toContain('NGƯỜI TIẾP NHẬN HỒ SƠ');
    // Every day of 2026 is announced: the date is not marked "dự kiến".
    expect(text).not.toContain('dự kiến');
    expect(text).not.toContain('Giấy tờ còn thiếu');
    await app.dossiers.printReceipt(saved.value.args.code);
    expect((await app.dossiers.get(saved.value.args.code))?.printCount).toBe(2);
    const audit = await db.events.where('kind').equals('receipt.printed').toArray();
    expect(audit.map((e) => e.code)).toEqual(['receipt.first', 'receipt.reprint']);
    expect(JSON.stringify(audit)).not.toContain('Hằng');
  });

  it('two prints of one receipt side by side are told to the audit log as a print and a reprint', async () => {
    const { app, db } = await start();
    const saved = await app.dossiers.submit(draft());
    if (!saved.ok) throw new Error(saved.error.code);
    const code = saved.value.args.code;
    const printed = await Promise.all([app.dossiers.printReceipt(code), app.dossiers.printReceipt(code)]);
    expect(printed.every((p) => p.ok)).toBe(true);
    expect((await auditEvents(db)).map((e) => (e.args as { action: string }).action).sort()).toEqual(['receipt.print', 'receipt.reprint']);
  });

  it("tells the centre's audit log of each print and reprint (audit.event@1 in the outbox and the journal), never of a failed print, with codes only", async () => {
    const { app, db, platform, clock } = await start();
    const saved = await app.dossiers.submit(draft());
    if (!saved.ok) throw new Error(saved.error.code);
    const code = saved.value.args.code;
    platform.failPrintingWith({ code: 'print.failed', detail: 'paper out' });
    expect((await app.dossiers.printReceipt(code)).ok).toBe(false);
    expect(await auditEvents(db)).toEqual([]);
    platform.failPrintingWith(null);
    expect((await app.dossiers.printReceipt(code)).ok).toBe(true);
    clock.advance(60_000);
    expect((await app.dossiers.printReceipt(code)).ok).toBe(true);
    const events = await auditEvents(db);
    expect(events.map((e) => e.args)).toEqual([
      expect.objectContaining({ action: 'receipt.print', dossierCode: code, branchCode: 'CN01', relatedCode: null, documents: 0, at: WORKED_EXAMPLE }),
      expect.objectContaining({ action: 'receipt.reprint', dossierCode: code, at: WORKED_EXAMPLE + 60_000 }),
    ]);
    // After the dossier's own entry, in order, each with its own event id, and handed to sync (the file journal).
    const dossierSeq = (await db.outbox.toArray()).find((e) => e.name === 'dossier.submit@1')!.deviceSeq;
    expect(events.map((e) => e.deviceSeq)).toEqual([dossierSeq + 1, dossierSeq + 2]);
    expect(new Set(events.map((e) => (e.args as { id: string }).id)).size).toBe(2);
    await vi.waitFor(() => expect([...platform.journals.values()].flat().filter((e) => e.name === 'audit.event@1')).toHaveLength(2));
    const text = JSON.stringify(events);
    for (const personal of [ID, 'Hằng', 'Hàng Bạc', '0912']) expect(text).not.toContain(personal);
  });

  it('prints what is missing and why on the receipt of an incomplete dossier, and no invented processing time', async () => {
    const { app, platform } = await start();
    const saved = await app.dossiers.submit(draft({ documents: draft().documents.slice(0, 1), incompleteReason: 'Công dân hẹn bổ sung bản sao' }));
    if (!saved.ok) throw new Error(saved.error.code);
    expect((await app.dossiers.printReceipt(saved.value.args.code)).ok).toBe(true);
    const text = pdfText(platform.printed[0]!.pdf).replace(/\s+/g, ' ');
    expect(text).toContain('Giấy tờ còn thiếu: Bản sao Giấy khai sinh');
    expect(text).toContain('Công dân hẹn bổ sung bản sao');

    // A catalog procedure without a unit-bearing processing time (the portal's bare "1").
    const noTime = (await app.dossiers.procedures()).find((p) => app.dossiers.processingTime(p) === null && p.documents.length > 0)!;
    const docs = app.dossiers.checklist(noTime, []).items.filter((i) => i.required);
    const other = await app.dossiers.submit(
      draft({
        procedureCode: noTime.code,
        documents: docs.map((i) => ({ documentId: i.document.id, name: i.document.name, originals: 1, copies: 0, pages: pages(i.document.id), reuse: null })),
      }),
    );
    if (!other.ok) throw new Error(other.error.code);
    expect(other.value.args.appointment).toEqual({ kind: 'needs-confirmation' });
    await app.dossiers.printReceipt(other.value.args.code);
    const second = pdfText(platform.printed[1]!.pdf).replace(/\s+/g, ' ');
    expect(second).toContain('Theo quy định của thủ tục');
    expect(second).not.toContain('0 ngày làm việc');
    expect(second).toContain('Cán bộ tiếp nhận sẽ thông báo ngày hẹn');
  });

  it('offers the documents this citizen gave before, suggests the same paper, and reuses it without storing it again', async () => {
    const { app, db, clock } = await start();
    const first = await app.dossiers.submit(draft());
    if (!first.ok) throw new Error(first.error.code);
    clock.advance(3 * 86_400_000);
    const candidates = await app.dossiers.reuseCandidates(ID);
    expect(candidates.map((c) => c.name).sort()).toEqual(['Bản sao Giấy khai sinh', 'Tờ khai đăng ký']);
    const khaiSinh = (await app.dossiers.procedures()).find((p) => p.documents.some((d) => /^Bản sao Giấy khai sinh/.test(d.name)));
    const suggestion = app.dossiers.suggestReuse(TEST_PROCEDURE, candidates);
    expect(suggestion.get('d2')?.dossierCode).toBe(first.value.args.code);
    expect(khaiSinh === undefined || suggestion.size >= 1).toBe(true);
    const blobsBefore = await db.blobs.count();
    const reused = await app.dossiers.submit(
      draft({
        documents: [
          draft().documents[0]!,
          { documentId: 'd2', name: 'Bản sao Giấy khai sinh', originals: 0, copies: 1, pages: [], reuse: suggestion.get('d2')! },
        ],
      }),
    );
    expect(reused.ok).toBe(true);
    if (!reused.ok) return;
    expect(reused.value.args.documents[1]).toMatchObject({ reusedFrom: first.value.args.code, sha256: candidates.find((c) => c.documentId === 'd2')!.sha256 });
    // d1 was captured again (a new PDF, dated at this receipt): one blob more; the reused d2 is not stored again.
    expect(await db.blobs.count()).toBe(blobsBefore + 1);
    expect(await app.dossiers.reuseCandidates('079203000001')).toEqual([]);
    // The centre records the reuse from the dossier itself (its reusedFrom): no separate event is sent.
    expect(await auditEvents(db)).toEqual([]);
    // Not enrolled: only this machine's papers were offered, and the screen is told so.
    const reach: unknown[] = [];
    app.dossiers.watchReuseReach((r) => reach.push(r))();
    expect(reach).toEqual([{ state: 'local-only', reason: 'not-enrolled' }]);
  });

  it("lists today's dossiers with their sync state and the centre's status, and finds them by code, name or ID", async () => {
    const { app, db, reference, clock } = await start();
    const saved = await app.dossiers.submit(draft());
    if (!saved.ok) throw new Error(saved.error.code);
    const code = saved.value.args.code;
    const local = await firstValue<readonly DossierListRow[]>(
      (cb) => app.dossiers.watchToday(cb),
      (rows) => rows.length === 1,
    );
    expect(local[0]).toMatchObject({ code, applicantName: 'Nguyễn Thị Thu Hằng', idNumberMasked: '001*******45', syncState: 'local', centreStatus: null });

    const [entry] = await db.outbox.toArray();
    await confirmMutations(db, [{ mutationId: entry!.mutationId, deviceSeq: entry!.deviceSeq, status: 'applied' }], clock.now());
    await applyPullPage(
      reference,
      'branch:CN01',
      [
        {
          seq: 1,
          entity: 'dossierStatus',
          key: code,
          op: 'put',
          data: { code, status: 'processing', statusAt: clock.now(), appointmentDate: '2026-02-26', note: '' },
          checksum: 1,
        },
      ],
      1,
      clock.now(),
    );
    // The record reaches the centre before its scans (SyncEngine): the list says the scans are still on their way.
    const recordOnly = await firstValue<readonly DossierListRow[]>(
      (cb) => app.dossiers.watchToday(cb),
      (rows) => rows[0]?.centreStatus !== null,
    );
    expect(recordOnly[0]?.syncState).toBe('scans-pending');
    // A scan failing to go for longer than the threshold turns the row red (details on the sync-issues screen).
    const [firstScan, ...otherScans] = saved.value.args.documents.map((d) => d.sha256);
    await recordBlobFailure(db, [firstScan!], { code: 'net.blocked', detail: 'refused' }, clock.now() - DEFAULT_STUCK_AFTER_MS);
    const stuck = await firstValue<readonly DossierListRow[]>(
      (cb) => app.dossiers.watchToday(cb),
      (rows) => rows[0]?.syncState !== 'scans-pending',
    );
    expect(stuck[0]?.syncState).toBe('scans-stuck');
    for (const sha of [firstScan!, ...otherScans]) await markVerified(db, sha, clock);
    const confirmed = await firstValue<readonly DossierListRow[]>(
      (cb) => app.dossiers.watchToday(cb),
      (rows) => rows[0]?.syncState === 'confirmed' && rows[0].centreStatus !== null,
    );
    expect(confirmed[0]?.centreStatus?.status).toBe('processing');

    expect((await app.dossiers.search('nguyen thi thu hang')).map((r) => r.code)).toEqual([code]);
    expect((await app.dossiers.search('012345')).map((r) => r.code)).toEqual([code]);
    expect((await app.dossiers.search(code.toLowerCase())).map((r) => r.code)).toEqual([code]);
    expect(await app.dossiers.search('tran van')).toEqual([]);
  });

  it('shows a dossier the centre refused as rejected, and one whose unsent scans are gone as scans-lost', async () => {
    const { app, db, clock } = await start();
    const a = await app.dossiers.submit(draft());
    const b = await app.dossiers.submit(
      draft({
        documents: [
          { ...draft().documents[0]!, pages: pages('other-1') },
          { ...draft().documents[1]!, pages: pages('other-2') },
        ],
      }),
    );
    if (!a.ok || !b.ok) throw new Error('not saved');
    const [first] = await db.outbox.orderBy('deviceSeq').toArray();
    await confirmMutations(
      db,
      [{ mutationId: first!.mutationId, deviceSeq: first!.deviceSeq, status: 'rejected', reason: { code: 'dossier.code-taken', detail: 'taken' } }],
      clock.now(),
    );
    // A database restored from the journal file has the record but not the scans that never left.
    await db.blobs.bulkDelete(b.value.args.documents.map((d) => d.sha256));
    const rows = await firstValue<readonly DossierListRow[]>(
      (cb) => app.dossiers.watchToday(cb),
      (r) => r.length === 2,
    );
    expect(Object.fromEntries(rows.map((r) => [r.code, r.syncState]))).toEqual({ [a.value.args.code]: 'rejected', [b.value.args.code]: 'scans-lost' });
  });

  it("takes the branch configuration the centre published when it is newer than the kiosk's (from the next start)", async () => {
    const reference = new ReferenceDb('ref-config', { indexedDB: new IDBFactory(), IDBKeyRange });
    const seed = seededBranch();
    const newer = { ...seed, version: seed.version + 1, reception: { ...seed.reception!, unitCode: '000.21.09.H26' } };
    await applyPullPage(reference, 'branch:CN01', [{ seq: 1, entity: 'branchConfig', key: 'CN01', op: 'put', data: newer, checksum: 1 }], 1, WORKED_EXAMPLE);
    const db = freshDb();
    const { app } = await start(WORKED_EXAMPLE, 0, { db, reference, platform: createFakePlatform() });
    expect(app.branch.version).toBe(seed.version + 1);
    const saved = await app.dossiers.submit(draft());
    expect(saved.ok && saved.value.args.code).toBe('000.21.09.H26-260212-0001');
    // An older publication never takes a kiosk back.
    const older = new ReferenceDb('ref-old', { indexedDB: new IDBFactory(), IDBKeyRange });
    await applyPullPage(
      older,
      'branch:CN01',
      [{ seq: 1, entity: 'branchConfig', key: 'CN01', op: 'put', data: { ...seed, version: 1 }, checksum: 1 }],
      1,
      WORKED_EXAMPLE,
    );
    const again = await start(WORKED_EXAMPLE, 0, { db, reference: older, platform: createFakePlatform() });
    expect(again.app.branch.reception?.unitCode).toBe('000.21.09.H26');
  });

  it('marks the receipt "dự kiến" when the appointment lands in a period whose holidays are not yet announced', async () => {
    // Wed 30/12/2026 10:00 + 5 working days = Thu 07/01/2027 10:00 (1/1 off), on the estimated 2027 calendar.
    const { app, platform } = await start(Date.UTC(2026, 11, 30, 3));
    const saved = await app.dossiers.submit(draft());
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value.args.appointment).toEqual({ kind: 'date', at: Date.UTC(2027, 0, 7, 3, 0), date: '2027-01-07', provisional: true });
    expect((await app.dossiers.printReceipt(saved.value.args.code)).ok).toBe(true);
    const text = pdfText(platform.printed[0]!.pdf).replace(/\s+/g, ' ');
    expect(text).toContain('ngày 07 tháng 01 năm 2027');
    expect(text).toContain('(dự kiến');
  });

  it('finds procedures typed without diacritics and previews a provisional or to-be-confirmed appointment', async () => {
    const { app } = await start();
    const hits = await app.dossiers.searchProcedures('dang ky thu nghiem');
    expect(hits[0]?.procedure.code).toBe('1.999999');
    expect((await app.dossiers.searchProcedures('khai sinh')).length).toBeGreaterThan(0);
    expect(await app.dossiers.appointmentPreview(TEST_PROCEDURE)).toMatchObject({ kind: 'date', date: '2026-02-26', provisional: false });
    const december = await start(Date.UTC(2026, 11, 30, 3));
    expect(await december.app.dossiers.appointmentPreview(TEST_PROCEDURE)).toMatchObject({ kind: 'date', date: '2027-01-07', provisional: true });
    const late = await start(Date.UTC(2027, 11, 30, 3));
    expect(await late.app.dossiers.appointmentPreview(TEST_PROCEDURE)).toEqual({ kind: 'needs-confirmation', reason: 'beyond-calendar' });
  });

  it('reads the ID card QR against today, all or nothing', async () => {
    const { app } = await start();
    const card = app.dossiers.readIdCard('001195012345|012345678|Nguyễn Thị Thu Hằng|15081995|Nữ|Số 12 ngõ 34 phố Hàng Bạc, Hà Nội|20042021');
    expect(card.ok && card.card.fullName).toBe('Nguyễn Thị Thu Hằng');
    const foreign = app.dossiers.readIdCard('https://example.com/not-a-card');
    expect(foreign.ok).toBe(false);
  });
});
