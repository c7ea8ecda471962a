import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueDesk, type QueueDeskDeps } from '../../src/app/queueDesk';
import type { QueueOwner } from '../../src/app/syncService';
import { applyQueueActionOnline, queueState } from '../../src/server/queue';
import { fixedClock } from '../../src/shared/clock';
import { QueueActionArgs } from '../../src/shared/queue';
import { TransportError } from '../../src/sync/Transport';
import { freshDb, nodeRandom, seededBranch } from '../unit/fixtures';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

const DAY = '2026-11-24';

/** Found in a review of the 2026-12-07 fixes: each case here failed against the first version of its fix. */
describe('call next after a typed call that was sent but never answered (owner went down between polls)', { timeout: 120_000 }, () => {
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

  it('does not hand out again the ticket this counter called and finished while the owner was down', async () => {
    const clock = fixedClock(START);
    let reachable = true;
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
    const desk = createQueueDesk({
      db,
      clock,
      random: nodeRandom,
      branch: seededBranch(),
      deviceId: () => deviceId,
      staffId: () => null,
      owner: () => owner,
      saved: async () => undefined,
      syncNow: () => undefined,
      assertCaptureAllowed: () => undefined,
      timers,
    });
    expect((await desk.saveSetup({ counter: 4, groups: ['A'] })).ok).toBe(true);
    // The desk's last read of the owner's state succeeded (reach 'online'); then the owner goes down.
    await new Promise((r) => setTimeout(r, 50));
    reachable = false;

    const call = await desk.act({ kind: 'call-number', number: 'A15' });
    expect(call.ok && call.value.offline).toBe(true); // sent three times, never answered: kept as sent
    clock.advance(60_000);
    expect((await desk.act({ kind: 'serve' })).ok).toBe(true);
    clock.advance(5 * 60_000);
    expect((await desk.act({ kind: 'finish' })).ok).toBe(true);
    const outbox = (await db.outbox.orderBy('deviceSeq').toArray()).map((e) => QueueActionArgs.parse(e.args));
    expect(outbox.map((a) => [a.kind, a.offline])).toEqual([
      ['call', false],
      ['serve', true],
      ['finish', true],
    ]);

    // The owner answers again, the outbox is not pushed yet. The owner never received the call:
    reachable = true;
    clock.advance(30_000);
    const next = await desk.act({ kind: 'call-next' });
    // Expected: the desk waits (queue.offline-unsent). Actual: the owner hands out A0015 again.
    expect(next.ok ? next.value.current?.number : next.error.code).toBe('queue.offline-unsent');
    desk.stop();
  });

  it('does not let go of a ticket still called at the counter number it had before the officer changed it', async () => {
    await h.db.query(`UPDATE queue_tickets SET state = 'waiting', counter = NULL, called_at = NULL, calls = 0, flag = NULL`);
    await h.db.query(`DELETE FROM queue_tickets WHERE number <> 'A0016' AND number <> 'A0015'`);
    const clock = fixedClock(START + 3_600_000);
    const deviceId = randomUUID();
    const owner: QueueOwner = {
      async act(args) {
        const out = await applyQueueActionOnline(h.db, args, deviceId, clock.now());
        if (out.kind === 'refused') throw new TransportError('protocol', out.error, out.status);
        if (out.kind !== 'answered') throw new Error('kept online');
        return out.answer;
      },
      state: async (day) => queueState(h.db, 'CN01', day, clock.now()),
    };
    const desk = createQueueDesk({
      db: freshDb(`setup-${randomUUID()}`),
      clock,
      random: nodeRandom,
      branch: seededBranch(),
      deviceId: () => deviceId,
      staffId: () => null,
      owner: () => owner,
      saved: async () => undefined,
      syncNow: () => undefined,
      assertCaptureAllowed: () => undefined,
    });
    expect((await desk.saveSetup({ counter: 7, groups: ['A'] })).ok).toBe(true);
    const called = await desk.act({ kind: 'call-next' });
    expect(called.ok ? called.value.current?.number : called.error.code).toBe('A0015');
    // The officer corrects the counter's number (the dialog is open to him while he holds a ticket).
    expect((await desk.saveSetup({ counter: 8, groups: ['A'] })).ok).toBe(true);
    const finish = await desk.act({ kind: 'finish' });
    expect(finish.ok ? 'ok' : finish.error.code).toBe('queue.wrong-state');
    // The owner still shows A0015 called at counter 7: nothing ended it. The desk dropped it anyway,
    // so it stays "called" at counter 7 for good and its citizen's service is never finished.
    const active = (await queueState(h.db, 'CN01', DAY, clock.now())).active.map((t) => [t.number, t.state, t.counter]);
    expect(active).toContainEqual(['A0015', 'called', 7]);
    expect(desk.current()?.number).toBe('A0015');
    desk.stop();
  });
});
