import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitArrivals, applyQueueAction, applyQueueActionOnline, enqueueTickets } from '../../src/server/queue';
import { queueAction } from '../support/queueActions';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

const DAY = '2026-11-24';
const MIN = 60_000;

/**
 * An offline counter's actions on a number the owner has not seen are kept pending and applied to
 * whichever ticket of that number arrives later that day, even one printed long after the actions
 * were taken (a mistyped number, or a number not issued yet): that citizen's ticket is served on
 * arrival and never called.
 */
describe('a pending offline action and a ticket issued after it', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
  }, 120_000);
  afterAll(async () => h?.dispose());

  it('a ticket printed after the pending call/finish is not consumed by them', async () => {
    const push = (a: ReturnType<typeof queueAction>, now: number) =>
      h.db.transaction((tx) => applyQueueAction(tx, a, { via: 'push', deviceId: randomUUID(), now }));
    // 09:00 local: counter 4, offline, calls "A0105" by number (a typo for A0015), serves, finishes.
    const t0 = START;
    for (const [k, kind] of (['call', 'serve', 'finish'] as const).entries()) {
      const out = await push(
        queueAction({ branchCode: 'CN01', day: DAY, counter: 4, kind, ticketNumber: 'A0105', at: t0 + k * MIN, offline: true }),
        t0 + 5 * MIN,
      );
      expect(out).toMatchObject({ kind: 'kept', outcome: 'pending' });
    }
    // 11:00: a kiosk prints A0105 for another citizen; it is pushed and admitted.
    const t1 = t0 + 120 * MIN;
    const id = randomUUID();
    await h.db.transaction((tx) =>
      enqueueTickets(tx, [{ id, branchCode: 'CN01', day: DAY, number: 'A0105', groupPrefix: 'A', priority: false, issuedAt: t1 }]),
    );
    await admitArrivals(h.db, 'CN01', DAY, t1 + 1000);
    const [row] = await h.db.query<{ state: string; counter: number | null; flag: string | null }>(
      'SELECT state, counter, flag FROM queue_tickets WHERE ticket_id = $1',
      [id],
    );
    // The citizen's ticket must still wait to be called (the actions, two hours older than it, could not be about it).
    expect(row).toMatchObject({ state: 'waiting' });
    const called = await applyQueueActionOnline(
      h.db,
      queueAction({ branchCode: 'CN01', day: DAY, counter: 1, kind: 'call', at: t1 + 2000 }),
      randomUUID(),
      t1 + 2000,
    );
    expect(called.kind === 'answered' ? called.answer.ticket?.number : called.kind).toBe('A0105');
  });
});
