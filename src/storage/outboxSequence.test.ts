import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import type { MutationName } from '../shared/records';
import type { MutationResult } from '../shared/sync';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import { isFreshJournal } from './journalRecovery';
import { JOURNAL_SCHEMA_VERSION, type KioskDb } from './KioskDb';
import { RECORD_SAMPLES } from '../../test/support/recordSamples';
import { appendOutbox, pendingCount, type StoredArgs } from './outboxRepository';
import { confirmMutations, outboxStats } from './syncRepository';

/**
 * The server applies a device's mutations in deviceSeq order and treats a gap as missing data: the
 * sequence must have no holes and never repeat, across confirmations and restores.
 */

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const DEVICE = '0193a1b2-0000-7000-8000-00000000d001';

/** The server's answer for an entry: applied (or duplicate: it had it already), or rejected for good. */
const applied = (e: { mutationId: string; deviceSeq: number }, status: 'applied' | 'duplicate' = 'applied'): MutationResult => ({
  mutationId: e.mutationId,
  deviceSeq: e.deviceSeq,
  status,
});

/** Appends an entry; the sequence does not depend on the arguments, so any shape will do here. */
function append(db: KioskDb, name: MutationName, args: unknown, clock = fixedClock(START)) {
  return db.transaction('rw', db.outbox, db.counters, () => appendOutbox(db, DEVICE, name, args as StoredArgs<typeof name>, clock, nodeRandom));
}

/** Never called: the outbox is typed by the record's name (tsc checks these lines with the tests). */
export function outboxTypedByName(db: KioskDb): void {
  const clock = fixedClock(START);
  void appendOutbox(db, DEVICE, 'ticket.issue@1', RECORD_SAMPLES['ticket.issue@1'](1, 'CN01'), clock, nodeRandom);
  // @ts-expect-error a rating's arguments under a ticket's name
  void appendOutbox(db, DEVICE, 'ticket.issue@1', RECORD_SAMPLES['rating.submit@1'](1, 'CN01'), clock, nodeRandom);
  // @ts-expect-error a ticket without its number
  void appendOutbox(db, DEVICE, 'ticket.issue@1', { ...RECORD_SAMPLES['ticket.issue@1'](1, 'CN01'), number: undefined }, clock, nodeRandom);
  // @ts-expect-error a dossier's arguments are personal: the outbox takes them sealed, never in clear
  void appendOutbox(db, DEVICE, 'dossier.submit@1', RECORD_SAMPLES['dossier.submit@1'](1, 'CN01'), clock, nodeRandom);
}

describe('the outbox sequence', () => {
  it('numbers entries 1, 2, 3 … and carries on after confirmed entries have left the queue', async () => {
    const db = freshDb('outbox-gapless');
    const clock = fixedClock(START);
    const first = await append(db, 'ticket.issue@1', { id: 't1', number: 'A1001' }, clock);
    clock.advance(1000);
    const second = await append(db, 'rating.submit@1', { id: 'r1', level: 5 }, clock);
    clock.advance(1000);
    const third = await append(db, 'ticket.issue@1', { id: 't2', number: 'A1002' }, clock);
    expect([first, second, third].map((e) => e.deviceSeq)).toEqual([1, 2, 3]);
    expect(await pendingCount(db)).toBe(3);

    await confirmMutations(
      db,
      [first, second, third].map((e) => applied(e)),
      START + 5000,
    );
    expect(await pendingCount(db)).toBe(0);
    // An emptied queue is not a fresh journal: the next entry continues the stream.
    expect(await isFreshJournal(db)).toBe(false);
    const fourth = await append(db, 'ticket.issue@1', { id: 't3', number: 'A1003' }, clock);
    expect(fourth.deviceSeq).toBe(4);
    db.close();
  });

  it('records the entry as the server will receive it: device, name, arguments, schema version, time; unique time-ordered ids', async () => {
    const db = freshDb('outbox-entry');
    const clock = fixedClock(START);
    const args = { id: 't1', number: 'A1001', day: '2026-11-24' };
    const a = await append(db, 'ticket.issue@1', args, clock);
    clock.advance(1);
    const b = await append(db, 'ticket.issue@1', { id: 't2' }, clock);
    expect(a).toMatchObject({ deviceId: DEVICE, deviceSeq: 1, name: 'ticket.issue@1', args, schemaVersion: JOURNAL_SCHEMA_VERSION, createdAt: START });
    expect(await db.outbox.get(a.mutationId)).toEqual(a);
    expect(a.mutationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.mutationId > a.mutationId).toBe(true);
    db.close();
  });

  it('continues after the sequence a restored journal left behind', async () => {
    const db = freshDb('outbox-restored');
    // What restoreFromJournal writes when the file journal ended at deviceSeq 41.
    await db.counters.put({ key: 'deviceSeq', value: 41 });
    expect(await isFreshJournal(db)).toBe(false);
    expect((await append(db, 'rating.submit@1', { id: 'r1', level: 3 })).deviceSeq).toBe(42);
    db.close();
  });

  it('leaves no number behind when the record that asked for it is rolled back', async () => {
    const db = freshDb('outbox-rollback');
    await expect(
      db.transaction('rw', db.outbox, db.counters, async () => {
        await appendOutbox(db, DEVICE, 'ticket.issue@1', { id: 't1' } as StoredArgs<'ticket.issue@1'>, fixedClock(START), nodeRandom);
        throw new Error('the ticket could not be stored');
      }),
    ).rejects.toThrow('the ticket could not be stored');
    expect((await append(db, 'ticket.issue@1', { id: 't1' })).deviceSeq).toBe(1);
    db.close();
  });

  it('counts each entry’s payload size for the heartbeat’s pending-bytes figure', async () => {
    const db = freshDb('outbox-bytes');
    expect(await outboxStats(db)).toEqual({ count: 0, oldestCreatedAt: null, bytes: 0 });
    const clock = fixedClock(START);
    const small = { id: 't1', number: 'A1001' };
    const large = { id: 'r1', comment: 'x'.repeat(5000) };
    const a = await append(db, 'ticket.issue@1', small, clock);
    clock.advance(60_000);
    const b = await append(db, 'rating.submit@1', large, clock);
    expect(a.bytes).toBe(JSON.stringify(small).length);
    expect(b.bytes).toBe(JSON.stringify(large).length);
    expect(await outboxStats(db)).toEqual({ count: 2, oldestCreatedAt: START, bytes: a.bytes + b.bytes });

    await confirmMutations(db, [applied(a)], START + 120_000);
    expect(await outboxStats(db)).toEqual({ count: 1, oldestCreatedAt: START + 60_000, bytes: b.bytes });
    db.close();
  });
});
