import { describe, expect, it } from 'vitest';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import { fixedClock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { RECORD_SAMPLES } from '../../test/support/recordSamples';
import { getDossierByCode, receiveDossier } from './dossierRepository';

describe('receiveDossier', () => {
  it('writes nothing at all — no code used, no scan, no outbox entry — when building the record fails inside the transaction', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
    const failure = await receiveDossier(
      db,
      {
        deviceId: '0193a1b2-0000-7000-8000-00000000d001',
        slot: 0,
        unitCode: '000.21.01.H26',
        numbering: { blockSize: 1000, slots: 4, digits: 4 },
        utcOffsetMinutes: 420,
        receivedAt: clock.now(),
        pdfs: [{ sha256: 'a'.repeat(64), data: new Blob(['%PDF-1.7 x']) }],
        build: () => {
          throw new AppFailure('dossier.invalid', 'refused by the schema');
        },
      },
      clock,
      nodeRandom,
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect((failure as AppFailure).code).toBe('dossier.invalid');
    expect([await db.counters.count(), await db.blobs.count(), await db.dossiers.count(), await db.documentIndex.count(), await db.outbox.count()]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    db.close();
  });
});

describe('a dossier’s queue ticket', () => {
  it('is kept on the local row, outside the record’s arguments', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
    const { row, outboxEntry } = await receiveDossier(
      db,
      {
        deviceId: '0193a1b2-0000-7000-8000-00000000d001',
        slot: 0,
        unitCode: '000.21.01.H26',
        numbering: { blockSize: 1000, slots: 4, digits: 4 },
        utcOffsetMinutes: 420,
        receivedAt: clock.now(),
        pdfs: [],
        ticketNumber: 'A0015',
        build: (code) => ({ ...RECORD_SAMPLES['dossier.submit@1'](1, 'CN01'), code: code.code }),
      },
      clock,
      nodeRandom,
    );
    expect(row.ticketNumber).toBe('A0015');
    expect((await getDossierByCode(db, row.code))?.ticketNumber).toBe('A0015');
    expect(JSON.stringify(outboxEntry.args)).not.toContain('A0015');
    db.close();
  });
});
