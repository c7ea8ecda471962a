import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RECORD_SAMPLES } from '../../test/support/recordSamples';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import type { DossierCode } from '../domain/dossierCode';
import { fixedClock } from '../shared/clock';
import type { DossierSubmitArgs } from '../shared/records';
import type { KioskDb } from './KioskDb';
import {
  allDossiers,
  blobStates,
  documentBlob,
  documentsOf,
  dossiersOfDay,
  getDossierByCode,
  receiveDossier,
  recordReceiptPrinted,
  rejectedDossierCodes,
  type NewDocumentPdf,
} from './dossierRepository';

/**
 * What the counter's screens read back from stored dossiers (the reuse suggestions, the day's
 * list, the receipt's audit trail, the scans' states) and how a save stores its scans: once each,
 * sealed, never over a copy already on the machine, even when two saves run at once.
 */
const DAY_START = Date.UTC(2026, 10, 24, 1); // 08:00 in Hà Nội, 2026-11-24
const HOUR = 3_600_000;
const UNIT = '000.21.01.H26';
const ALICE = '001090012345';
const BOB = '001090099999';

const pdf = (text: string): NewDocumentPdf => {
  const bytes = new TextEncoder().encode(`%PDF-1.7 ${text}`);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), data: new Blob([bytes], { type: 'application/pdf' }) };
};

function receive(db: KioskDb, options: { at?: number; idNumber?: string; pdfs?: readonly NewDocumentPdf[] } = {}) {
  const at = options.at ?? DAY_START;
  const pdfs = options.pdfs ?? [];
  return receiveDossier(
    db,
    {
      deviceId: '0193a1b2-0000-7000-8000-00000000d001',
      slot: 1,
      unitCode: UNIT,
      numbering: { blockSize: 1000, slots: 4, digits: 4 },
      utcOffsetMinutes: 420,
      receivedAt: at,
      pdfs,
      build: ({ code }: DossierCode): DossierSubmitArgs => {
        const sample = RECORD_SAMPLES['dossier.submit@1'](1, 'CN01');
        return {
          ...sample,
          code,
          slot: 1,
          receivedAt: at,
          applicant: { ...sample.applicant, idNumber: options.idNumber ?? ALICE, fullName: 'Phạm Thị Thu' },
          documents: pdfs.map((p, i) => ({ ...sample.documents[0]!, documentId: `doc-${i}`, name: `Giấy ${i}`, sha256: p.sha256, size: p.data.size })),
        };
      },
    },
    fixedClock(at),
    nodeRandom,
  );
}

describe("a dossier's scans", () => {
  it('are stored once each (a paper given twice in one dossier too), sealed, pending upload, as PDFs that open to their bytes', async () => {
    const db = freshDb();
    const a = pdf('tờ khai');
    const b = pdf('căn cước');
    await receive(db, { pdfs: [a, a, b] });
    const stored = await db.blobs.toArray();
    expect(stored.map((r) => r.sha256).sort()).toEqual([a.sha256, b.sha256].sort());
    for (const record of stored) {
      expect(record).toMatchObject({ mimeType: 'application/pdf', state: 'pending', sealed: true, uploadUrl: null, createdAt: DAY_START, verifiedAt: null });
      expect(record.size).toBe((record.sha256 === a.sha256 ? a : b).data.size);
    }
    expect(await (await documentBlob(db, a.sha256))!.text()).toBe(await a.data.text());
    expect(await blobStates(db, [b.sha256, 'f'.repeat(64)])).toEqual([{ state: 'pending', failingSince: null }, null]);
    expect(await blobStates(db, [])).toEqual([]);
    db.close();
  });

  it('never replace a copy already on the machine, also when two saves with the same paper run at once', async () => {
    const db = freshDb();
    const kept = pdf('giấy khai sinh');
    await receive(db, { pdfs: [kept] });
    await db.blobs.update(kept.sha256, { state: 'verified', verifiedAt: DAY_START + 1 });
    await receive(db, { pdfs: [kept], at: DAY_START + HOUR });
    expect(await db.blobs.get(kept.sha256)).toMatchObject({ state: 'verified', verifiedAt: DAY_START + 1 });

    const shared = pdf('sổ hộ khẩu');
    const saved = await Promise.all([receive(db, { pdfs: [shared], at: DAY_START + 2 * HOUR }), receive(db, { pdfs: [shared], at: DAY_START + 2 * HOUR })]);
    expect(new Set(saved.map((s) => s.row.code)).size).toBe(2);
    expect(await db.blobs.where('sha256').equals(shared.sha256).count()).toBe(1);
    db.close();
  });
});

describe('saves at the same moment', () => {
  it('get consecutive codes, none twice, and the counter ends at the last one', async () => {
    const db = freshDb();
    const saved = await Promise.all([receive(db), receive(db), receive(db)]);
    expect(saved.map((s) => s.row.code).sort()).toEqual([`${UNIT}-261124-1001`, `${UNIT}-261124-1002`, `${UNIT}-261124-1003`]);
    expect((await db.counters.get(`dseq|${UNIT}|2026-11-24`))?.value).toBe(3);
    db.close();
  });
});

describe('what the counter reads back', () => {
  it("lists a citizen's papers from a given time on (that time included), newest first, never another citizen's", async () => {
    const db = freshDb();
    const [p1, p2, p3, other] = [pdf('1'), pdf('2'), pdf('3'), pdf('khác')];
    await receive(db, { at: DAY_START, pdfs: [p1] });
    await receive(db, { at: DAY_START + HOUR, pdfs: [p2] });
    await receive(db, { at: DAY_START + 2 * HOUR, pdfs: [p3] });
    await receive(db, { at: DAY_START + 2 * HOUR, pdfs: [other], idNumber: BOB });
    const since = await documentsOf(db, ALICE, DAY_START + HOUR);
    expect(since.map((d) => d.sha256)).toEqual([p3.sha256, p2.sha256]);
    expect((await documentsOf(db, ALICE, DAY_START + HOUR + 1)).map((d) => d.sha256)).toEqual([p3.sha256]);
    expect((await documentsOf(db, BOB, 0)).map((d) => d.sha256)).toEqual([other.sha256]);
    db.close();
  });

  it("shows a day's dossiers newest first and only that day's; all dossiers newest first", async () => {
    const db = freshDb();
    const first = await receive(db, { at: DAY_START });
    const third = await receive(db, { at: DAY_START + 2 * HOUR });
    const second = await receive(db, { at: DAY_START + HOUR });
    const nextDay = await receive(db, { at: DAY_START + 24 * HOUR });
    expect((await dossiersOfDay(db, '2026-11-24')).map((d) => d.code)).toEqual([third.row.code, second.row.code, first.row.code]);
    expect((await dossiersOfDay(db, '2026-11-24'))[0]!.args.applicant.fullName).toBe('Phạm Thị Thu');
    expect((await allDossiers(db)).map((d) => d.code)).toEqual([nextDay.row.code, third.row.code, second.row.code, first.row.code]);
    db.close();
  });

  it('marks as refused only dossiers the centre rejected (their sync issue), not codes named in other records', async () => {
    const db = freshDb();
    const issue = (name: string, subject: string, seq: number) => ({
      mutationId: crypto.randomUUID(),
      deviceSeq: seq,
      name,
      reason: { code: 'x', detail: '' },
      subject,
      at: DAY_START,
      acknowledgedAt: null,
    });
    await db.syncIssues.bulkAdd([issue('dossier.submit@1', `dossier ${UNIT}-261124-1001`, 1), issue('ticket.issue@1', `dossier ${UNIT}-261124-1002`, 2)]);
    const refused = await rejectedDossierCodes(db, [`${UNIT}-261124-1001`, `${UNIT}-261124-1002`, `${UNIT}-261124-1003`]);
    expect([...refused]).toEqual([`${UNIT}-261124-1001`]);
    db.close();
  });
});

describe('a printed receipt', () => {
  it('is counted with an audit event (first print, then reprints) and the look-up secret is forgotten; an unknown code changes nothing', async () => {
    const db = freshDb();
    const { row } = await receive(db);
    await recordReceiptPrinted(db, 'no-such-code', DAY_START);
    expect(await db.events.where('kind').equals('receipt.printed').count()).toBe(0);

    await recordReceiptPrinted(db, row.code, DAY_START + 1);
    let stored = await getDossierByCode(db, row.code);
    expect(stored).toMatchObject({ printCount: 1, printedAt: DAY_START + 1 });
    expect(stored!.args.lookupSecret).toBeNull();
    expect(stored!.args.applicant.idNumber).toBe(ALICE);

    await recordReceiptPrinted(db, row.code, DAY_START + 2);
    stored = await getDossierByCode(db, row.code);
    expect(stored).toMatchObject({ printCount: 2, printedAt: DAY_START + 2 });
    const events = await db.events.where('kind').equals('receipt.printed').toArray();
    expect(events.map((e) => [e.code, e.subject, e.at])).toEqual([
      ['receipt.first', row.code, DAY_START + 1],
      ['receipt.reprint', row.code, DAY_START + 2],
    ]);
    // The outbox entry keeps the secret (sealed) until the centre has the dossier.
    expect(await db.outbox.count()).toBe(1);
    db.close();
  });
});
