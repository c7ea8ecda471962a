import { describe, expect, it } from 'vitest';
import { RECORD_SAMPLES } from '../../test/support/recordSamples';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import type { DossierCode } from '../domain/dossierCode';
import type { RegisterEntry } from '../domain/receptionRegister';
import { fixedClock } from '../shared/clock';
import type { DossierSubmitArgs } from '../shared/records';
import { receiveDossier } from './dossierRepository';
import { restoreFromJournal } from './journalRecovery';

/**
 * The reception register ("Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …"): one book per counter
 * and year, serials that only go up, and never a serial given twice, even when the database is
 * lost and rebuilt from the journal file and the high-water marks kept beside it.
 */
const AT = Date.UTC(2026, 10, 24, 3); // 10:00 in Hà Nội, 2026-11-24
const UNIT = '000.21.01.H26';
const NUMBERING = { blockSize: 1000, slots: 4, digits: 4 };

/** The registry's sample dossier, received at this counter (slot 1) with this code and register entry, no scans. */
function args({ code }: DossierCode, register: RegisterEntry, receivedAt: number): DossierSubmitArgs {
  return {
    ...RECORD_SAMPLES['dossier.submit@1'](1, 'CN01'),
    code,
    slot: 1,
    receivedAt,
    documents: [],
    appointment: { kind: 'needs-confirmation' },
    register,
  };
}

async function receive(db: ReturnType<typeof freshDb>, receivedAt = AT) {
  return receiveDossier(
    db,
    {
      deviceId: '0193a1b2-0000-7000-8000-00000000d001',
      slot: 1,
      unitCode: UNIT,
      numbering: NUMBERING,
      utcOffsetMinutes: 420,
      receivedAt,
      pdfs: [],
      build: (code, register) => args(code, register, receivedAt),
    },
    fixedClock(receivedAt),
    nodeRandom,
  );
}

const entryOf = async (db: ReturnType<typeof freshDb>, receivedAt = AT) => (await receive(db, receivedAt)).row.args.register;

describe("a counter's reception register", () => {
  it('numbers 1, 2, 3 … in the book of its slot and year, across days; a new year opens a new book at 1', async () => {
    const db = freshDb();
    expect(await entryOf(db)).toEqual({ book: '02/2026', serial: 1 });
    expect(await entryOf(db)).toEqual({ book: '02/2026', serial: 2 });
    // The next day: the dossier code's daily sequence restarts, the book goes on.
    expect(await entryOf(db, AT + 86_400_000)).toEqual({ book: '02/2026', serial: 3 });
    // 31/12/2026 23:30 in Hà Nội is still 2026; 00:30 on 1/1/2027 is the new book.
    expect(await entryOf(db, Date.UTC(2026, 11, 31, 16, 30))).toEqual({ book: '02/2026', serial: 4 });
    expect(await entryOf(db, Date.UTC(2026, 11, 31, 17, 30))).toEqual({ book: '02/2027', serial: 1 });
    db.close();
  });

  it('returns the mark to reserve beside the journal with every serial', async () => {
    const db = freshDb();
    await receive(db);
    expect((await receive(db)).registerCounter).toEqual({ key: 'rseq|2026|02', value: 2 });
    db.close();
  });

  it('never gives a serial again after the database is rebuilt from the journal file, or from the marks alone', async () => {
    const first = freshDb('register-source');
    for (let i = 0; i < 3; i++) await receive(first);
    const entries = await first.outbox.toArray();
    first.close();
    const branch = seededBranch();

    // The journal still holds the three dossiers (not yet confirmed by the centre).
    const fromEntries = freshDb('register-restored');
    await restoreFromJournal(fromEntries, { journalId: '0193a1b2-0000-7000-8000-0000000000aa', entries }, branch.numbering, 1, AT, NUMBERING);
    expect(await entryOf(fromEntries)).toEqual({ book: '02/2026', serial: 4 });
    fromEntries.close();

    // The centre confirmed them (the journal was trimmed): the high-water mark is all that is left.
    const fromMarks = freshDb('register-marks');
    await restoreFromJournal(fromMarks, null, branch.numbering, 1, AT, NUMBERING, [{ key: 'rseq|2026|02', value: 20 }]);
    expect(await entryOf(fromMarks)).toEqual({ book: '02/2026', serial: 21 });
    fromMarks.close();
  });
});
