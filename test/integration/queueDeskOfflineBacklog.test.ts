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
 * A counter desk back online with actions it took without the queue owner still in its outbox
 * (found in review, 2026-12-07, and in a review of the first fix): call-next at the owner handed out
 * again the ticket the counter had called and served meanwhile, and the desk then held a ticket the
 * owner called served, refused "busy" until midnight. The real desk and its IndexedDB against the
 * real owner (PGlite); the owner's link is `link.up`.
 */
async function ownerWithA0015AndA0016(): Promise<Harness> {
  const h = await openHarness(pgliteEngine);
  for (const [k, n] of ['A0015', 'A0016'].entries()) {
    await h.db.query(
      `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state) VALUES ($1, 'CN01', $2, $3, 'A', false, $4, 'waiting')`,
      [randomUUID(), DAY, n, START - 600_000 + k],
    );
  }
  return h;
}

function deskAt(h: Harness, options: { up: boolean; start?: number }) {
  const clock = fixedClock(options.start ?? START);
  const link = { up: options.up };
  const deviceId = randomUUID();
  const unreachable = () => new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
  const owner: QueueOwner = {
    async act(args) {
      if (!link.up) throw unreachable();
      const out = await applyQueueActionOnline(h.db, args, deviceId, clock.now());
      if (out.kind === 'refused') throw new TransportError('protocol', out.error, out.status);
      if (out.kind !== 'answered') throw new Error('kept online');
      return out.answer;
    },
    async state(day) {
      if (!link.up) throw unreachable();
      return queueState(h.db, 'CN01', day, clock.now());
    },
  };
  const db = freshDb(`desk-${randomUUID()}`);
  const timers: QueueDeskDeps['timers'] = {
    setTimeout: (fn, ms) => (ms < 5_000 ? setTimeout(fn, 0) : null),
    clearTimeout: (t) => t !== null && clearTimeout(t as ReturnType<typeof setTimeout>),
  };
  const wakes = { count: 0 };
  const desk = createQueueDesk({
    db,
    clock,
    random: nodeRandom,
    branch: seededBranch(),
    deviceId: () => deviceId,
    staffId: () => null,
    owner: () => owner,
    saved: async () => undefined,
    syncNow: () => void (wakes.count += 1),
    assertCaptureAllowed: () => undefined,
    timers,
  });
  /** The sync loop's push of the desk's queue records, in order, then the centre's confirmation (they leave the outbox). */
  const pushOutbox = async (): Promise<QueueActionArgs[]> => {
    const entries = (await db.outbox.orderBy('deviceSeq').toArray()).filter((e) => e.name === 'queue.action@1');
    const actions = entries.map((e) => QueueActionArgs.parse(e.args));
    for (const a of actions) await h.db.transaction((tx) => applyQueueAction(tx, a, { via: 'push', deviceId, now: clock.now() }));
    await db.outbox.bulkDelete(entries.map((e) => e.mutationId));
    return actions;
  };
  return { desk, db, clock, link, wakes, pushOutbox };
}

describe('a counter desk with a call made offline still in its outbox', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await ownerWithA0015AndA0016();
  }, 120_000);
  afterAll(async () => h?.dispose());

  it('waits for its offline actions to reach the owner before calling next, and lets go of a ticket the owner ended', async () => {
    const { desk, clock, link, wakes, pushOutbox } = deskAt(h, { up: false });
    expect((await desk.saveSetup({ counter: 4, groups: ['A'] })).ok).toBe(true);

    // Owner unreachable: A0015 typed, served, finished (recorded in the outbox only).
    expect((await desk.act({ kind: 'call-number', number: 'A15' })).ok).toBe(true);
    clock.advance(60_000);
    expect((await desk.act({ kind: 'serve' })).ok).toBe(true);
    clock.advance(5 * 60_000);
    expect((await desk.act({ kind: 'finish' })).ok).toBe(true);

    // The owner answers again; the sync loop has not pushed the outbox yet. The owner still shows
    // A0015 waiting: calling next now would hand it out again. The desk waits, says so, wakes the loop.
    link.up = true;
    clock.advance(30_000);
    const early = await desk.act({ kind: 'call-next' });
    expect(early.ok ? early.value.current?.number : early.error.code).toBe('queue.offline-unsent');
    expect(wakes.count).toBeGreaterThan(0);

    expect((await pushOutbox()).map((a) => a.kind)).toEqual(['call', 'serve', 'finish']);
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

describe('a counter desk whose typed call got no answer', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await ownerWithA0015AndA0016();
  }, 120_000);
  afterAll(async () => h?.dispose());

  it('does not hand out again the ticket this counter called and finished while the owner was down', async () => {
    const { desk, db, clock, link } = deskAt(h, { up: true });
    expect((await desk.saveSetup({ counter: 4, groups: ['A'] })).ok).toBe(true);
    // The desk's last read of the owner's state succeeded (it believes it is online); then the owner goes down.
    await new Promise((r) => setTimeout(r, 50));
    link.up = false;

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

    // The owner answers again, the outbox is not pushed yet, and it never received the call.
    link.up = true;
    clock.advance(30_000);
    const next = await desk.act({ kind: 'call-next' });
    expect(next.ok ? next.value.current?.number : next.error.code).toBe('queue.offline-unsent');
    desk.stop();
  });

  it('does not let go of a ticket still called at the counter number it had before the officer changed it', async () => {
    await h.db.query(`UPDATE queue_tickets SET state = 'waiting', counter = NULL, called_at = NULL, calls = 0, flag = NULL`);
    const { desk, clock } = deskAt(h, { up: true, start: START + 3_600_000 });
    expect((await desk.saveSetup({ counter: 7, groups: ['A'] })).ok).toBe(true);
    const called = await desk.act({ kind: 'call-next' });
    expect(called.ok ? called.value.current?.number : called.error.code).toBe('A0015');
    // The officer corrects the counter's number (the dialog is open to him while he holds a ticket).
    expect((await desk.saveSetup({ counter: 8, groups: ['A'] })).ok).toBe(true);
    const finish = await desk.act({ kind: 'finish' });
    expect(finish.ok ? 'ok' : finish.error.code).toBe('queue.wrong-state');
    // Nothing ended A0015 (still called at counter 7): the counter keeps it, to switch back and finish it.
    const active = (await queueState(h.db, 'CN01', DAY, clock.now())).active.map((t) => [t.number, t.state, t.counter]);
    expect(active).toContainEqual(['A0015', 'called', 7]);
    expect(desk.current()?.number).toBe('A0015');
    desk.stop();
  });
});
