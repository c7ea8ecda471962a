import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { FAKE_DATA_KEY, freshDb, nodeRandom, seededBranch, testCipher } from '../../test/unit/fixtures';
import { fixedClock } from '../shared/clock';
import { type AppFailure } from '../shared/result';
import { DossierSubmitArgs } from '../shared/records';
import { documentBlob, documentsOf, getDossierByCode, receiveDossier, recordReceiptPrinted } from './dossierRepository';
import { restoreFromJournal } from './journalRecovery';
import { KioskDb } from './KioskDb';
import { PersonalCipher } from './personalCipher';
import { sealPlainRows } from './sealing';
import { sha256OfBlob } from './blobRepository';
import { pendingBatchOutside } from './syncRepository';

/**
 * Personal data at rest on the kiosk (issue 11 item 5): what IndexedDB (and so the journal file,
 * which copies the outbox as stored) holds is ciphertext, and every read path gives back exactly
 * what was written.
 */
const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
const DEVICE = '0193a1b2-0000-7000-8000-00000000d001';
const NUMBERING = { blockSize: 1000, slots: 4, digits: 4 } as const;
const UNIT = '000.21.01.H26';
const ID = '001095012345';
const NAME = 'Nguyễn Thị Hằng Nga';
const ADDRESS = 'Số 7 ngõ Quỳnh, Bạch Mai';
const PHONE = '0912345678';
const SECRET = 'K7M4P2XQ';
const SCAN_MARK = 'SCAN-MARKER-3f9a';

function scan(): Blob {
  return new Blob([`%PDF-1.7\n${SCAN_MARK} ${'x'.repeat(2000)}`], { type: 'application/pdf' });
}

async function receive(db: KioskDb, pdf: Blob = scan()) {
  const sha256 = await sha256OfBlob(pdf);
  const { row, outboxEntry } = await receiveDossier(
    db,
    {
      deviceId: DEVICE,
      slot: 0,
      unitCode: UNIT,
      numbering: NUMBERING,
      utcOffsetMinutes: 420,
      receivedAt: clock.now(),
      pdfs: [{ sha256, data: pdf }],
      build: (code) =>
        DossierSubmitArgs.parse({
          id: crypto.randomUUID(),
          code: code.code,
          branchCode: 'CN01',
          slot: 0,
          receivedAt: clock.now(),
          procedure: { code: '1.001234', name: 'Đăng ký khai sinh', processingTime: 3, unit: 'working-day' },
          applicant: { idNumber: ID, fullName: NAME, dateOfBirth: '1995-03-08', gender: 'female', address: ADDRESS, phone: PHONE, email: '', fromCard: true },
          documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256, size: pdf.size, pages: 1, reusedFrom: null }],
          missing: [],
          incompleteReason: null,
          sets: 1,
          appointment: { kind: 'needs-confirmation' },
          resultDelivery: { method: 'post', detail: ADDRESS },
          lookupSecret: SECRET,
          officerName: '',
        }),
    },
    clock,
    nodeRandom,
  );
  return { row, outboxEntry, sha256, pdf };
}

/** Every row of every table, as a raw reader of the database files would see it (no key). */
async function rawDump(db: KioskDb): Promise<{ text: string; blobBytes: string[] }> {
  const blobBytes: string[] = [];
  const tables: Record<string, unknown[]> = {};
  for (const table of db.tables) {
    const rows = await table.toArray();
    for (const r of rows) {
      const data = (r as { data?: unknown }).data;
      if (data instanceof Blob) blobBytes.push(new TextDecoder('latin1').decode(await data.arrayBuffer()));
    }
    tables[table.name] = rows;
  }
  return { text: JSON.stringify(tables), blobBytes };
}

const PERSONAL = [ID, NAME, ADDRESS, PHONE, SECRET, '1995-03-08'];

describe('personal data sealed at rest on the kiosk', () => {
  it('stores no ID number, name, address, phone, birth date, look-up secret or scan bytes in clear — and reads them all back', async () => {
    const db = freshDb('sealed');
    const { row, sha256, pdf } = await receive(db);
    const raw = await rawDump(db);
    for (const value of PERSONAL) expect(raw.text, `"${value}" in clear`).not.toContain(value);
    expect(raw.blobBytes).toHaveLength(1);
    expect(raw.blobBytes[0]).not.toContain(SCAN_MARK);
    expect(raw.blobBytes[0]).not.toContain('%PDF');

    // Every read path opens what was sealed: the officer's view, the wire, the scan, the reuse index.
    const read = await getDossierByCode(db, row.code);
    expect(read?.args).toEqual(row.args);
    const [wire] = await pendingBatchOutside(db, 0, { confirmedSeq: 0, heldSeq: 0 }, 10);
    expect(wire?.args).toEqual(row.args);
    expect(await (await documentBlob(db, sha256))!.text()).toBe(await pdf.text());
    expect((await documentsOf(db, ID, 0)).map((d) => d.dossierCode)).toEqual([row.code]);
    expect(await documentsOf(db, '001095099999', 0)).toEqual([]);
    db.close();
  });

  it('forgets the look-up secret once the receipt printed; the outbox still carries it to the centre', async () => {
    const db = freshDb('forget');
    const { row } = await receive(db);
    await recordReceiptPrinted(db, row.code, clock.now());
    const after = await getDossierByCode(db, row.code);
    expect(after?.args.lookupSecret).toBeNull();
    expect(after?.printCount).toBe(1);
    expect({ ...after!.args, lookupSecret: SECRET }).toEqual(row.args);
    const [wire] = await pendingBatchOutside(db, 0, { confirmedSeq: 0, heldSeq: 0 }, 10);
    expect((wire?.args as DossierSubmitArgs).lookupSecret).toBe(SECRET);
    db.close();
  });

  it('without the data key nothing personal is written (storage.locked), and with another key nothing is read (storage.cannot-decrypt)', async () => {
    const idb = new IDBFactory();
    const locked = new KioskDb('k', { indexedDB: idb, IDBKeyRange });
    const failure = await receive(locked).catch((e: unknown) => e);
    expect((failure as AppFailure).code).toBe('storage.locked');
    expect([await locked.dossiers.count(), await locked.outbox.count(), await locked.blobs.count(), await locked.counters.count()]).toEqual([0, 0, 0, 0]);
    locked.personal = testCipher;
    const { row, sha256 } = await receive(locked);
    locked.close();

    const other = new KioskDb('k', { indexedDB: idb, IDBKeyRange });
    other.personal = await PersonalCipher.fromDataKey(new Uint8Array(32).fill(9));
    expect(((await getDossierByCode(other, row.code).catch((e: unknown) => e)) as AppFailure).code).toBe('storage.cannot-decrypt');
    expect(((await pendingBatchOutside(other, 0, { confirmedSeq: 0, heldSeq: 0 }, 10).catch((e: unknown) => e)) as AppFailure).code).toBe(
      'storage.cannot-decrypt',
    );
    expect(((await documentBlob(other, sha256).catch((e: unknown) => e)) as AppFailure).code).toBe('storage.cannot-decrypt');
    // Nothing was changed by the failed reads: the right key still opens everything.
    other.personal = await PersonalCipher.fromDataKey(FAKE_DATA_KEY);
    expect((await getDossierByCode(other, row.code))?.args).toEqual(row.args);
    other.close();
  });

  it('a scan sealed for one hash does not open as another (a swapped row fails instead of showing the wrong paper)', async () => {
    const db = freshDb('swap');
    const a = await receive(db, new Blob(['%PDF-1.7 first paper'], { type: 'application/pdf' }));
    const b = await receive(db, new Blob(['%PDF-1.7 second paper'], { type: 'application/pdf' }));
    const sealedA = (await db.blobs.get(a.sha256))!.data;
    await db.blobs.update(b.sha256, { data: sealedA });
    expect(((await documentBlob(db, b.sha256).catch((e: unknown) => e)) as AppFailure).code).toBe('storage.cannot-decrypt');
    db.close();
  });

  it('seals what an earlier version stored in clear, once, and reads it back unchanged', async () => {
    // A v3 database as the previous version wrote it: dossier args, outbox args, scan and index in clear.
    const clear = freshDb('legacy');
    clear.personal = null;
    const seeded = freshDb('seed');
    const { row, sha256, pdf } = await receive(seeded);
    const wire = (await pendingBatchOutside(seeded, 0, { confirmedSeq: 0, heldSeq: 0 }, 1))[0]!;
    seeded.close();
    await clear.dossiers.add({
      id: row.id,
      code: row.code,
      day: row.day,
      receivedAt: row.receivedAt,
      applicantId: ID,
      args: row.args as DossierSubmitArgs,
      syncedAt: null,
      printedAt: null,
      printCount: 0,
    });
    await clear.outbox.add(wire);
    await clear.blobs.add({
      sha256,
      size: pdf.size,
      mimeType: 'application/pdf',
      data: pdf,
      state: 'pending',
      uploadUrl: null,
      createdAt: 1,
      verifiedAt: null,
    });
    await clear.documentIndex.add({
      applicantId: ID,
      sha256,
      size: pdf.size,
      pages: 1,
      name: 'Tờ khai',
      documentId: 'to-khai',
      dossierCode: row.code,
      procedureName: 'Đăng ký khai sinh',
      receivedAt: row.receivedAt,
    });
    expect((await rawDump(clear)).text).toContain(NAME);

    clear.personal = testCipher;
    expect(await sealPlainRows(clear)).toBe(4);
    expect(await sealPlainRows(clear)).toBe(0);
    const raw = await rawDump(clear);
    for (const value of PERSONAL) expect(raw.text, `"${value}" still in clear`).not.toContain(value);
    expect(raw.blobBytes[0]).not.toContain(SCAN_MARK);
    expect((await getDossierByCode(clear, row.code))?.args).toEqual(row.args);
    expect((await pendingBatchOutside(clear, 0, { confirmedSeq: 0, heldSeq: 0 }, 10))[0]?.args).toEqual(row.args);
    expect(await (await documentBlob(clear, sha256))!.text()).toBe(await pdf.text());
    expect((await documentsOf(clear, ID, 0)).map((d) => d.dossierCode)).toEqual([row.code]);
    clear.close();
  });

  it('a journal file of sealed entries restores readable dossiers into a lost database, and an older clear one comes back sealed', async () => {
    const first = freshDb('journal-source');
    const { row } = await receive(first);
    const sealedEntries = await first.outbox.toArray();
    const clearEntries = await pendingBatchOutside(first, 0, { confirmedSeq: 0, heldSeq: 0 }, 10);
    first.close();
    expect(JSON.stringify(sealedEntries)).not.toContain(NAME);
    const branch = seededBranch();

    for (const entries of [sealedEntries, clearEntries]) {
      const lost = freshDb('journal-restored');
      const report = await restoreFromJournal(
        lost,
        { journalId: '0193a1b2-0000-7000-8000-0000000000aa', entries },
        branch.numbering,
        0,
        clock.now(),
        NUMBERING,
      );
      expect(report?.restored).toBe(1);
      const raw = await rawDump(lost);
      for (const value of PERSONAL) expect(raw.text, `"${value}" in clear after restore`).not.toContain(value);
      expect((await getDossierByCode(lost, row.code))?.args).toEqual(row.args);
      expect((await pendingBatchOutside(lost, 0, { confirmedSeq: 0, heldSeq: 0 }, 10))[0]?.args).toEqual(row.args);
      lost.close();
    }
  });

  it('the database itself cannot be opened by a plain Dexie reader into personal data', async () => {
    const idb = new IDBFactory();
    const db = new KioskDb('plain-reader', { indexedDB: idb, IDBKeyRange });
    db.personal = testCipher;
    await receive(db);
    db.close();
    const reader = new Dexie('plain-reader', { indexedDB: idb, IDBKeyRange });
    await reader.open();
    const rows = await reader.table('dossiers').toArray();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(NAME);
    reader.close();
  });
});
