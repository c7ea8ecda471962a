import { describe, expect, it } from 'vitest';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import { fixedClock } from '../shared/clock';
import type { DossierCode } from '../domain/dossierCode';
import type { DossierSubmitArgs } from '../shared/records';
import { dossierCounterKey, receiveDossier } from './dossierRepository';

/**
 * A dossier code printed on a receipt is never issued again by the same counter on the same day,
 * even when the sequence's counter is lost (a restored database), counting the day's dossiers
 * still stored and the codes the centre published; other slots, days and units do not move it.
 */
const RECEIVED_AT = Date.UTC(2026, 10, 24, 3); // 10:00 in Hà Nội, 2026-11-24
const UNIT = '000.21.01.H26';

function args({ code }: DossierCode): DossierSubmitArgs {
  return {
    id: crypto.randomUUID(),
    code,
    branchCode: 'CN01',
    slot: 1,
    receivedAt: RECEIVED_AT,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: {
      idNumber: '001090012345',
      fullName: 'Phạm Thị Thu',
      dateOfBirth: '1991-03-04',
      gender: 'female',
      address: 'Số 2 Tràng Tiền, Hoàn Kiếm, Hà Nội',
      phone: '0912000111',
      email: '',
      fromCard: true,
    },
    documents: [
      { documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: 'a'.repeat(64), size: 10, pages: 1, reusedFrom: null },
      { documentId: 'cccd', name: 'Căn cước', originals: 0, copies: 1, sha256: 'b'.repeat(64), size: 10, pages: 1, reusedFrom: null },
    ],
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'needs-confirmation' },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: 'K7P4X9QM',
    officerName: 'Lê Văn Cường',
  };
}

async function receive(db: ReturnType<typeof freshDb>, knownCodes?: string[]) {
  const clock = fixedClock(RECEIVED_AT);
  return receiveDossier(
    db,
    {
      deviceId: '0193a1b2-0000-7000-8000-00000000d001',
      slot: 1,
      unitCode: UNIT,
      numbering: { blockSize: 1000, slots: 4, digits: 4 },
      utcOffsetMinutes: 420,
      receivedAt: RECEIVED_AT,
      pdfs: [],
      build: args,
      knownCodes,
    },
    clock,
    nodeRandom,
  );
}

describe('the dossier sequence of a counter', () => {
  it('continues above the day’s stored dossiers when its counter is lost', async () => {
    const db = freshDb();
    const codes = [(await receive(db)).row.code, (await receive(db)).row.code, (await receive(db)).row.code];
    expect(codes).toEqual([`${UNIT}-261124-1001`, `${UNIT}-261124-1002`, `${UNIT}-261124-1003`]);
    // The day's sequence counter is gone (the stored dossiers are not).
    await db.counters.delete(dossierCounterKey(UNIT, '2026-11-24'));
    expect((await receive(db)).row.code).toBe(`${UNIT}-261124-1004`);
    db.close();
  });

  it('continues above codes the centre published for this slot and day, and ignores other slots, days and units', async () => {
    const db = freshDb();
    const others = [`${UNIT}-261124-2050`, `${UNIT}-261123-1090`, `000.21.02.H26-261124-1080`, 'not a code'];
    expect((await receive(db, others)).row.code).toBe(`${UNIT}-261124-1001`);
    expect((await receive(db, [...others, `${UNIT}-261124-1009`])).row.code).toBe(`${UNIT}-261124-1010`);
    db.close();
  });

  it('keeps each document’s hash and name with the stored dossier, for the scans still to send', async () => {
    const db = freshDb();
    const { row } = await receive(db);
    const stored = await db.dossiers.get(row.id);
    expect(stored?.documents).toEqual([
      { sha256: 'a'.repeat(64), name: 'Tờ khai' },
      { sha256: 'b'.repeat(64), name: 'Căn cước' },
    ]);
    db.close();
  });
});
