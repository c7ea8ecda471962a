import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueDesk, type QueueDeskDeps } from '../../src/app/queueDesk';
import type { QueueOwner } from '../../src/app/syncService';
import { applyQueueAction, applyQueueActionOnline, queueState } from '../../src/server/queue';
import { fixedClock } from '../../src/shared/clock';
import { QueueActionArgs } from '../../src/shared/queue';
import { TransportError } from '../../src/sync/Transport';
import { freshDb, nodeRandom, seededBranch } from '../unit/fixtures';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

const DAY = '2026-11-24'; // START is 09:00 in Hà Nội on this day

/**
 * The counter desk against the real queue owner (PGlite). While the owner was unreachable the
 * officer called A0015 by its number, served and finished it: three records in the outbox. The owner
 * answers again before the outbox was pushed, and the officer presses "call next": the desk sends
 * it online although its own earlier actions on the queue have not reached the owner.
 */
/**
 * A counter desk back online with actions it took offline still in its outbox (found in review,
 * 2026-12-07): call-next at the owner handed out again the ticket the counter had served offline,
 * and the desk then held a ticket the owner called served, refused everything until midnight.
 */
describe('call next while the desk’s offline actions are still in its outbox', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
    for (const [k, n] of ['A0015', 'A0016'].entries()) {
      await h.db.query(
        `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state) VALUES ($1, 'CN01', $2, $3, 'A', false, $4, 'waiting')`,
        [randomUUID(), DAY, n, START - 600_000 + k],
      );
    }
  }, 120_000);
  afterAll(async () => h?.dispose());

  it('waits for its offline actions to reach the owner before calling next, and lets go of a ticket the owner ended', async () => {
    const clock = fixedClock(START);
    let reachable = false;
    const deviceId = randomUUID();
    const owner: QueueOwner = {
      async act(args) {
        if (!reachable) throw new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
        const out = await applyQueueActionOnline(h.db, args, deviceId, clock.now());
        if (out.kind === 'refused') throw new TransportError('protocol', out.error, out.status);
        if (out.kind !== 'answered') throw new Error('kept online');
        return out.answer;
      },
      async state(day) {
        if (!reachable) throw new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
        return queueState(h.db, 'CN01', day, clock.now());
      },
    };
    const db = freshDb(`race-${randomUUID()}`);
    const timers: QueueDeskDeps['timers'] = {
      setTimeout: (fn, ms) => (ms < 5_000 ? setTimeout(fn, 0) : null),
      clearTimeout: (t) => t !== null && clearTimeout(t as ReturnType<typeof setTimeout>),
    };
    let syncWakes = 0;
    const desk = createQueueDesk({
      db,
      clock,
      random: nodeRandom,
      branch: seededBranch(),
      deviceId: () => deviceId,
      staffId: () => null,
      owner: () => owner,
      saved: async () => undefined,
      syncNow: () => void (syncWakes += 1),
      assertCaptureAllowed: () => undefined,
      timers,
    });
    expect((await desk.saveSetup({ counter: 4, groups: ['A'] })).ok).toBe(true);

    // Owner unreachable: A0015 typed, served, finished (recorded in the outbox only).
    expect((await desk.act({ kind: 'call-number', number: 'A15' })).ok).toBe(true);
    clock.advance(60_000);
    expect((await desk.act({ kind: 'serve' })).ok).toBe(true);
    clock.advance(5 * 60_000);
    expect((await desk.act({ kind: 'finish' })).ok).toBe(true);

    // The owner answers again; the sync loop has not pushed the outbox yet. "Gọi số tiếp":
    reachable = true;
    clock.advance(30_000);
    // The owner still shows A0015 waiting: calling next now would hand it out again. The desk waits
    // for its offline actions to reach the owner, says so, and wakes the sync loop.
    const early = await desk.act({ kind: 'call-next' });
    expect(early.ok ? early.value.current?.number : early.error.code).toBe('queue.offline-unsent');
    expect(syncWakes).toBeGreaterThan(0);

    // The sync loop pushes them (the desk's records in order, as the push handler applies them) and
    // the centre confirms them (they leave the outbox).
    const outbox = (await db.outbox.orderBy('deviceSeq').toArray()).filter((e) => e.name === 'queue.action@1');
    expect(outbox.map((e) => QueueActionArgs.parse(e.args).kind)).toEqual(['call', 'serve', 'finish']);
    for (const e of outbox) {
      await h.db.transaction((tx) => applyQueueAction(tx, QueueActionArgs.parse(e.args), { via: 'push', deviceId, now: clock.now() }));
    }
    await db.outbox.bulkDelete(outbox.map((e) => e.mutationId));

    // Now the next citizen is the next one.
    const next = await desk.act({ kind: 'call-next' });
    expect(next.ok ? next.value.current?.number : next.error.code).toBe('A0016');
    expect((await queueState(h.db, 'CN01', DAY, clock.now())).active.map((t) => [t.number, t.state])).toEqual([['A0016', 'called']]);

    // The owner ends A0016 elsewhere (another counter's finish after a transfer, say): this counter's
    // own finish is refused as out of place, and the counter lets the ticket go instead of holding it.
    await h.db.query(`UPDATE queue_tickets SET state = 'served' WHERE number = 'A0016'`);
    const refused = await desk.act({ kind: 'finish' });
    expect(refused.ok ? 'ok' : refused.error.code).toBe('queue.wrong-state');
    expect(desk.current()).toBeNull();
    desk.stop();
  });
});
