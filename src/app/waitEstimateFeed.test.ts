import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import type { QueueBoard } from '../shared/queue';
import type { QueueEventHandlers } from '../sync/Transport';
import type { QueueBoardSource } from './syncService';
import { chooseEstimate, createWaitEstimateFeed, WAIT_ESTIMATE_MAX_AGE_MS } from './waitEstimateFeed';

const NOW = Date.UTC(2026, 10, 24, 2, 0, 0);
const DAY = '2026-11-24';
const board = (version: number, a: QueueBoard['waiting'][number]['estimate'], day = DAY, branchCode = 'CN01'): QueueBoard => ({
  branchCode,
  day,
  version,
  current: [],
  lastCalls: [],
  waiting: [
    { group: 'A', name: { vi: 'Hộ tịch', en: 'Civil status' }, waiting: 4, estimate: a },
    { group: 'B', name: { vi: 'Đất đai', en: 'Land' }, waiting: 0, estimate: null },
  ],
});
const want = (group: string) => ({ branch: 'CN01', day: DAY, group });

describe('chooseEstimate', () => {
  it("takes the group's estimate from a fresh board of the kiosk's branch and day", () => {
    const last = { board: board(3, { low: 10, high: 20 }), at: NOW };
    expect(chooseEstimate(last, want('A'), NOW + 60_000)).toEqual({ low: 10, high: 20 });
    expect(chooseEstimate(last, want('A'), NOW + WAIT_ESTIMATE_MAX_AGE_MS)).toEqual({ low: 10, high: 20 });
  });

  it('says nothing when the board is stale, foreign, of another day, or has no estimate for the group', () => {
    const last = { board: board(3, { low: 10, high: 20 }), at: NOW };
    expect(chooseEstimate(null, want('A'), NOW)).toBeNull();
    expect(chooseEstimate(last, want('A'), NOW + WAIT_ESTIMATE_MAX_AGE_MS + 1)).toBeNull();
    expect(chooseEstimate(last, want('A'), NOW - 1)).toBeNull(); // the clock went back: unknown age
    expect(chooseEstimate({ board: board(3, { low: 10, high: 20 }, '2026-11-23'), at: NOW }, want('A'), NOW)).toBeNull();
    expect(chooseEstimate({ board: board(3, { low: 10, high: 20 }, DAY, 'CN02'), at: NOW }, want('A'), NOW)).toBeNull();
    expect(chooseEstimate(last, want('B'), NOW)).toBeNull();
    expect(chooseEstimate(last, want('C'), NOW)).toBeNull();
  });
});

interface FakeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
  fire(): void;
}
function fakeTimers(): FakeTimers {
  let pending: (() => void) | null = null;
  return {
    setTimeout: (fn) => (pending = fn),
    clearTimeout: () => (pending = null),
    fire: () => {
      const f = pending;
      pending = null;
      f?.();
    },
  };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('createWaitEstimateFeed', () => {
  function setup(source: () => QueueBoardSource | 'offline' | 'not-enrolled') {
    const clock = fixedClock(NOW);
    const timers = fakeTimers();
    const feed = createWaitEstimateFeed({ branch: 'CN01', today: () => DAY, source, clock, timers });
    return { clock, timers, feed };
  }

  it('answers at once from the last board, even while a fetch hangs', async () => {
    let calls = 0;
    const answer: QueueBoard = board(1, { low: 5, high: 15 });
    const hanging = new Promise<QueueBoard>(() => undefined);
    const { feed, timers, clock } = setup(() => ({ board: () => (++calls === 2 ? hanging : Promise.resolve(answer)) }));
    expect(feed.estimateFor('A')).toBeNull();
    feed.start();
    await settle();
    expect(feed.estimateFor('A')).toEqual({ low: 5, high: 15 });
    // The second fetch never answers: the tap still gets the last board's estimate, synchronously.
    clock.advance(30_000);
    timers.fire();
    expect(calls).toBe(2);
    expect(feed.estimateFor('A')).toEqual({ low: 5, high: 15 });
    // ...until it is too old to show.
    clock.advance(WAIT_ESTIMATE_MAX_AGE_MS);
    expect(feed.estimateFor('A')).toBeNull();
    feed.stop();
  });

  it('refreshes every 30 s and on a poke of the queue events', async () => {
    let n = 0;
    let handlers: QueueEventHandlers | null = null;
    const { feed, timers, clock } = setup(() => ({
      board: () => Promise.resolve(board(++n, { low: n * 5, high: n * 5 + 10 })),
      events: (_branch, h) => {
        handlers = h;
        return () => undefined;
      },
    }));
    feed.start();
    await settle();
    expect(feed.estimateFor('A')).toEqual({ low: 5, high: 15 });
    handlers!.onPoke(7);
    await settle();
    expect(feed.estimateFor('A')).toEqual({ low: 10, high: 20 });
    clock.advance(30_000);
    timers.fire();
    await settle();
    expect(feed.estimateFor('A')).toEqual({ low: 15, high: 25 });
    feed.stop();
  });

  it('shows nothing offline or not enrolled, and a failed fetch keeps the last board only until it is stale', async () => {
    let mode: 'ok' | 'fail' | 'offline' = 'offline';
    const { feed, timers, clock } = setup(() =>
      mode === 'offline' ? 'offline' : { board: () => (mode === 'ok' ? Promise.resolve(board(1, { low: 10, high: 20 })) : Promise.reject(new Error('down'))) },
    );
    feed.start();
    await settle();
    expect(feed.estimateFor('A')).toBeNull();
    mode = 'ok';
    timers.fire();
    await settle();
    expect(feed.estimateFor('A')).toEqual({ low: 10, high: 20 });
    mode = 'fail';
    for (let i = 0; i < 6; i++) {
      clock.advance(30_000);
      timers.fire();
      await settle();
    }
    expect(feed.estimateFor('A')).toEqual({ low: 10, high: 20 }); // 3 min old: still shown
    clock.advance(30_000);
    timers.fire();
    await settle();
    expect(feed.estimateFor('A')).toBeNull();
    feed.stop();
  });
});
