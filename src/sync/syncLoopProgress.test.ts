import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../shared/clock';
import { SyncLoop, type LoopSnapshot, type RunOptions, type SyncLoopOptions, type Timers } from './SyncLoop';
import { emptyRunReport, type RunReport } from './SyncEngine';
import type { SyncStatus } from './SyncStatus';
import { TransportError } from './Transport';

/**
 * What the status bar and the technician see about progress: the queue is shown `stuck` only when
 * records or scans wait, the kiosk is online, and nothing moved for the threshold; it is not stuck
 * when nothing waits or when something went through meanwhile; it clears as soon as work moves; and
 * a save during a backoff starts a run or waits for the retry as the loop documents (SyncLoop.ts).
 *
 * The clock and the timers are in the test's hands: `settle()` fires whatever the loop scheduled,
 * at the time the test set, so each run happens exactly when the test says.
 */
const T0 = Date.UTC(2026, 11, 3, 2);
const MIN = 60_000;
const STUCK_AFTER = 15 * MIN;

const EMPTY: RunReport = emptyRunReport();
const down = () => new TransportError('network', { code: 'net.unreachable', detail: 'down' });
const revoked = () => new TransportError('auth', { code: 'auth.revoked', detail: 'revoked' });
const scanDeferred = (): RunReport['blobsDeferred'][number] => ({
  sha256: 'b'.repeat(64),
  error: new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503),
});

type Queue = Pick<LoopSnapshot, 'pending' | 'pendingBlobs' | 'rejected' | 'stuckBlobs'>;
/** What the next run does: a report, or an error thrown. */
type Outcome = RunReport | Error | ((options: RunOptions) => RunReport | Error | Promise<RunReport>);

function harness(extra: Partial<SyncLoopOptions> = {}) {
  const clock = fixedClock(T0);
  let due = new Map<number, { fn: () => void; ms: number }>();
  let nextId = 1;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      due.set(nextId, { fn, ms });
      return nextId++;
    },
    clearTimeout: (h) => void due.delete(h as number),
  };
  let queue: Queue = { pending: 0, pendingBlobs: 0, rejected: 0, stuckBlobs: 0 };
  let snapshotFails = false;
  let outcome: Outcome = EMPTY;
  const runs: { at: number; blobs: boolean }[] = [];
  const stuckReports: SyncStatus[] = [];
  const loop = new SyncLoop({
    clock,
    timers,
    random: () => 0.5,
    isOnline: () => true,
    stuckAfterMs: STUCK_AFTER,
    run: async (options) => {
      runs.push({ at: clock.now(), blobs: options.blobs });
      const result = await (typeof outcome === 'function' ? outcome(options) : outcome);
      if (result instanceof Error) throw result;
      return result;
    },
    snapshot: async () => {
      if (snapshotFails) throw new Error('IndexedDB closed');
      return { ...queue, oldestPendingAt: queue.pending > 0 ? T0 : null, pendingBytes: queue.pending * 100 };
    },
    onStuck: (s) => stuckReports.push(s),
    ...extra,
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    clock,
    loop,
    runs,
    stuckReports,
    settle,
    /** Fires every timer the loop set (its retry, or its idle timer) now, and lets the run finish. */
    async fire() {
      const now = due;
      due = new Map();
      for (const { fn } of now.values()) fn();
      await settle();
    },
    /** The delays the loop asked for, of the timers it has set and not yet seen fire. */
    scheduled: () => [...due.values()].map((d) => d.ms),
    setQueue: (q: Partial<Queue>) => (queue = { ...queue, ...q }),
    failSnapshot: (v: boolean) => (snapshotFails = v),
    nextRuns: (o: Outcome) => (outcome = o),
    /** Starts the loop at T0 and lets its first run finish. */
    async start() {
      loop.start();
      await settle();
      await this.fire();
    },
  };
}

describe('the stuck flag the status bar shows', () => {
  it('is raised exactly at the threshold while records wait and every run fails, and reported once', async () => {
    const h = harness();
    h.setQueue({ pending: 2 });
    h.nextRuns(down());
    await h.start();
    expect(h.loop.current).toMatchObject({ state: 'backoff', pending: 2, lastError: { code: 'net.unreachable' } });
    h.clock.set(T0 + STUCK_AFTER - 1);
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
    expect(h.stuckReports).toEqual([]);
    h.clock.set(T0 + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'stuck', pending: 2, lastError: { code: 'net.unreachable' } });
    expect(h.stuckReports).toHaveLength(1);
    expect(h.stuckReports[0]).toMatchObject({ state: 'stuck', pending: 2 });
    // Still stuck on the next failures, but the centre is told once.
    h.clock.set(T0 + STUCK_AFTER + 5 * MIN);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
    expect(h.stuckReports).toHaveLength(1);
  });

  it('uses 15 minutes when no threshold is configured', async () => {
    const h = harness({ stuckAfterMs: undefined });
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    await h.start();
    h.clock.set(T0 + 15 * MIN - 1);
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
    h.clock.set(T0 + 15 * MIN);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
  });

  it('is raised for scans alone that wait (no record pending), and for records and scans together', async () => {
    const scans = harness();
    scans.setQueue({ pending: 0, pendingBlobs: 1 });
    scans.nextRuns(down());
    await scans.start();
    scans.clock.set(T0 + STUCK_AFTER);
    await scans.fire();
    expect(scans.loop.current).toMatchObject({ state: 'stuck', pending: 0, pendingBlobs: 1 });

    const both = harness();
    both.setQueue({ pending: 2, pendingBlobs: 2 });
    both.nextRuns(down());
    await both.start();
    both.clock.set(T0 + STUCK_AFTER);
    await both.fire();
    expect(both.loop.current).toMatchObject({ state: 'stuck', pending: 2, pendingBlobs: 2 });
  });

  it('is not raised when nothing waits, however long the server has been down', async () => {
    const h = harness();
    h.nextRuns(down());
    await h.start();
    h.clock.set(T0 + 3 * STUCK_AFTER);
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'backoff', pending: 0, pendingBlobs: 0, lastError: { code: 'net.unreachable' } });
    expect(h.stuckReports).toEqual([]);
  });

  it('is not raised when the queue cannot be read after the failed run (the figures shown stay the last known)', async () => {
    const h = harness();
    h.setQueue({ pending: 4, pendingBlobs: 1, rejected: 2, stuckBlobs: 1 });
    h.nextRuns(down());
    await h.start();
    expect(h.loop.current).toMatchObject({ pending: 4, pendingBlobs: 1, rejected: 2, stuckBlobs: 1 });
    h.failSnapshot(true);
    h.clock.set(T0 + 2 * STUCK_AFTER);
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'backoff', pending: 4, pendingBlobs: 1, rejected: 2, stuckBlobs: 1 });
    expect(h.stuckReports).toEqual([]);
  });

  it('counts from the last run that moved something: records pushed, records pulled or a scan uploaded', async () => {
    for (const moved of [{ pushed: 1 }, { pulled: 1 }, { blobsUploaded: 1 }]) {
      const h = harness();
      h.setQueue({ pending: 1, pendingBlobs: 1 });
      h.nextRuns(down());
      await h.start();
      // Ten minutes in, a run moves something but a scan is still refused, and more waits.
      h.nextRuns({ ...EMPTY, ...moved, blobsDeferred: [scanDeferred()] });
      h.clock.set(T0 + 10 * MIN);
      h.loop.trigger();
      await h.fire();
      expect(h.loop.current.state, JSON.stringify(moved)).toBe('backoff');
      // Then the server goes down: stuck only 15 minutes after that progress, not after the start.
      h.nextRuns(down());
      h.clock.set(T0 + 10 * MIN + STUCK_AFTER - 1);
      await h.fire();
      expect(h.loop.current.state, JSON.stringify(moved)).toBe('backoff');
      h.clock.set(T0 + 10 * MIN + STUCK_AFTER);
      await h.fire();
      expect(h.loop.current.state, JSON.stringify(moved)).toBe('stuck');
    }
  });

  it('a run that moved nothing while scans keep failing does not hold the flag back', async () => {
    const h = harness();
    h.setQueue({ pending: 0, pendingBlobs: 1 });
    h.nextRuns({ ...EMPTY, blobsDeferred: [scanDeferred()] });
    await h.start();
    expect(h.loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'server.unavailable' } });
    h.clock.set(T0 + STUCK_AFTER - 1);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
    h.clock.set(T0 + STUCK_AFTER);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'stuck', pendingBlobs: 1, lastError: { code: 'server.unavailable' } });
    expect(h.stuckReports).toHaveLength(1);
  });

  it('an empty queue after a good run counts as progress, even when that run had nothing to send', async () => {
    const h = harness();
    await h.start();
    expect(h.loop.current.state).toBe('idle');
    // Twenty minutes later an idle run finds nothing to do: the queue is empty, all is well.
    h.clock.set(T0 + 20 * MIN);
    await h.fire();
    expect(h.loop.current.state).toBe('idle');
    // A minute later a record is saved and the server is down: one minute without progress, not 21.
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    h.clock.set(T0 + 21 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
    h.clock.set(T0 + 20 * MIN + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
  });

  it('a good run whose queue cannot be read afterwards also counts as progress', async () => {
    const h = harness();
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    await h.start();
    h.failSnapshot(true);
    h.nextRuns(EMPTY);
    h.clock.set(T0 + 20 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'idle', lastSuccessAt: T0 + 20 * MIN });
    h.failSnapshot(false);
    h.nextRuns(down());
    h.clock.set(T0 + 21 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
  });

  it('a good run that leaves records saved during it does not count as progress unless it pushed some', async () => {
    const h = harness();
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    await h.start();
    // Ten minutes in, a run gets through but pushes nothing (the record was saved while it ran).
    h.nextRuns(EMPTY);
    h.clock.set(T0 + 10 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'idle', pending: 1 });
    h.nextRuns(down());
    h.clock.set(T0 + 12 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current.state).toBe('backoff');
    h.clock.set(T0 + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
  });

  it('clears at the first good run, shows when it succeeded, and is reported again if the queue sticks again', async () => {
    const h = harness({ lastSuccessAt: T0 - 60 * MIN });
    h.setQueue({ pending: 3 });
    h.nextRuns(down());
    await h.start();
    // The last success from before the restart stays on screen through the failures.
    expect(h.loop.current).toMatchObject({ state: 'backoff', lastSuccessAt: T0 - 60 * MIN });
    expect(h.loop.current.nextAttemptAt).toBeGreaterThan(T0);
    h.clock.set(T0 + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'stuck', lastSuccessAt: T0 - 60 * MIN });
    expect(h.stuckReports).toHaveLength(1);

    // The server is back: the run pushes the three records.
    h.nextRuns({ ...EMPTY, pushed: 3 });
    h.setQueue({ pending: 0 });
    h.clock.set(T0 + STUCK_AFTER + MIN);
    await h.fire();
    expect(h.loop.current).toEqual({
      state: 'idle',
      pending: 0,
      pendingAtHub: 0,
      pendingBlobs: 0,
      pendingBlobsAtHub: 0,
      rejected: 0,
      stuckBlobs: 0,
      lastSuccessAt: T0 + STUCK_AFTER + MIN,
      lastError: null,
      nextAttemptAt: null,
      upload: null,
    });

    // Down again with a new record: not stuck until a full threshold after that success…
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    h.clock.set(T0 + STUCK_AFTER + 2 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'backoff', lastSuccessAt: T0 + STUCK_AFTER + MIN });
    h.clock.set(T0 + 2 * STUCK_AFTER + MIN);
    await h.fire();
    // …and then the centre hears of it again.
    expect(h.loop.current.state).toBe('stuck');
    expect(h.stuckReports).toHaveLength(2);
  });

  it('after a run, shows the queue as read then: records, scans, rejections, stuck scans', async () => {
    const h = harness();
    h.setQueue({ pending: 5, pendingBlobs: 2, rejected: 1, stuckBlobs: 1 });
    await h.start();
    expect(h.loop.current).toMatchObject({ state: 'idle', pending: 5, pendingBlobs: 2, rejected: 1, stuckBlobs: 1 });
    // Records saved and scans taken during the next run are still waiting after it.
    h.setQueue({ pending: 2, pendingBlobs: 1, rejected: 3, stuckBlobs: 2 });
    h.nextRuns({ ...EMPTY, pushed: 5, rejected: 2, blobsUploaded: 2 });
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current).toMatchObject({ state: 'idle', pending: 2, pendingBlobs: 1, rejected: 3, stuckBlobs: 2 });
  });
});

describe('a save while the loop waits', () => {
  it('runs at once when the loop is idle', async () => {
    const h = harness();
    await h.start();
    expect(h.loop.current.state).toBe('idle');
    h.setQueue({ pending: 1 });
    h.loop.trigger({ bypassBackoff: false });
    // The run is due now, not at the idle timer.
    expect(h.scheduled()).toEqual([0]);
    await h.fire();
    expect(h.runs).toHaveLength(2);
    expect(h.loop.current).toMatchObject({ state: 'idle', pending: 1 });
  });

  it('waits for the retry when the queue is stuck because the server is down; "sync now" does not', async () => {
    const h = harness();
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    await h.start();
    h.clock.set(T0 + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
    const runs = h.runs.length;
    h.loop.trigger({ bypassBackoff: false });
    await h.settle();
    // Only the retry that was already set is pending: the save added no run of its own.
    expect(h.scheduled()).toHaveLength(1);
    expect(h.scheduled()[0]).toBeGreaterThan(0);
    expect(h.runs).toHaveLength(runs);
    h.loop.trigger();
    await h.fire();
    expect(h.runs).toHaveLength(runs + 1);
  });

  it('waits for the slow retry when the credential was refused', async () => {
    const h = harness();
    h.setQueue({ pending: 1 });
    h.nextRuns(revoked());
    await h.start();
    expect(h.loop.current).toMatchObject({ state: 'refused', lastError: { code: 'auth.revoked' } });
    h.loop.trigger({ bypassBackoff: false });
    await h.settle();
    // The retry stays five minutes away (the default slowest retry); the save did not bring it forward.
    expect(h.scheduled()).toEqual([5 * MIN]);
    expect(h.runs).toHaveLength(1);
    expect(h.loop.current).toMatchObject({ state: 'refused', nextAttemptAt: T0 + 5 * MIN });
  });

  it('goes at once, without the scans, when only scans are stuck; the status stays stuck until they move', async () => {
    const h = harness();
    h.setQueue({ pending: 0, pendingBlobs: 1 });
    h.nextRuns((o) => (o.blobs ? { ...EMPTY, blobsDeferred: [scanDeferred()] } : { ...EMPTY, pushed: 1 }));
    await h.start();
    h.clock.set(T0 + STUCK_AFTER);
    h.loop.trigger();
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
    // A record saved now is sent at once, not at the scans' retry time, and the scans stay out.
    h.setQueue({ pending: 1 });
    h.clock.set(T0 + STUCK_AFTER + 1000);
    h.loop.trigger({ bypassBackoff: false });
    await h.fire();
    expect(h.runs.at(-1)).toEqual({ at: T0 + STUCK_AFTER + 1000, blobs: false });
    // That push was progress: the flag is down, the scan still waits for its retry.
    expect(h.loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'server.unavailable' } });
  });
});

describe('the loop started, restarted and stopped', () => {
  it('shows the last success from before the restart, and not enrolled, until its first run', () => {
    const h = harness({ lastSuccessAt: T0 - 60 * MIN });
    expect(h.loop.current).toMatchObject({ state: 'not-enrolled', lastSuccessAt: T0 - 60 * MIN, lastError: null, pending: 0 });
  });

  it('a second start is ignored: no extra run, and the stuck clock keeps counting', async () => {
    const h = harness();
    h.setQueue({ pending: 1 });
    h.nextRuns(down());
    await h.start();
    h.clock.set(T0 + 10 * MIN);
    h.loop.start();
    await h.settle();
    // Only the retry of the failed run is set; the second start asked for nothing now.
    expect(h.scheduled()).toHaveLength(1);
    expect(h.scheduled()[0]).toBeGreaterThan(0);
    h.clock.set(T0 + STUCK_AFTER);
    await h.fire();
    expect(h.loop.current.state).toBe('stuck');
  });

  it('a save during a run asks the engine to push it soon; "sync now" during a run does not', async () => {
    const pushSoon: number[] = [];
    const h = harness({ onSaveDuringRun: () => pushSoon.push(h.clock.now()) });
    let release: () => void = () => undefined;
    h.nextRuns(() => new Promise<RunReport>((resolve) => (release = () => resolve(EMPTY))));
    h.loop.start();
    await h.fire();
    h.loop.trigger();
    expect(pushSoon).toEqual([]);
    h.loop.trigger({ bypassBackoff: false });
    expect(pushSoon).toEqual([T0]);
    h.nextRuns(EMPTY);
    release();
    await h.settle();
    // The run after it is due at once.
    expect(h.scheduled()).toEqual([0]);
  });

  it('a loop stopped during a run sets no timer when the run ends', async () => {
    const h = harness();
    let release: () => void = () => undefined;
    h.nextRuns(() => new Promise<RunReport>((resolve) => (release = () => resolve(EMPTY))));
    h.loop.start();
    await h.fire();
    h.loop.stop();
    release();
    await h.settle();
    expect(h.scheduled()).toEqual([]);
    expect(h.runs).toHaveLength(1);
  });

  it('checks the server every minute by default, when idle and when the browser says it is offline', async () => {
    const idle = harness();
    await idle.start();
    expect(idle.loop.current.state).toBe('idle');
    expect(idle.scheduled()).toEqual([MIN]);

    let online = false;
    const offline = harness({ isOnline: () => online });
    offline.loop.start();
    await offline.fire();
    expect(offline.loop.current.state).toBe('offline');
    expect(offline.scheduled()).toEqual([MIN]);
    online = true;
    await offline.fire();
    expect(offline.runs).toHaveLength(1);
  });

  it('sends a heartbeat after a run when the kiosk clock was set back, not only once the interval has passed', async () => {
    const sent: number[] = [];
    const h = harness({ buildHeartbeat: async () => ({}) as never, sendHeartbeat: async () => void sent.push(h.clock.now()) });
    await h.start();
    h.clock.set(T0 - 10 * MIN);
    h.loop.trigger();
    await h.fire();
    expect(sent).toEqual([T0, T0 - 10 * MIN]);
  });
});

describe('the loop on the real timers (no timers given)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at start and again after the idle interval, and not after stop', async () => {
    vi.useFakeTimers();
    const clock = fixedClock(T0);
    let runs = 0;
    const loop = new SyncLoop({
      clock,
      random: () => 0.5,
      isOnline: () => true,
      intervalMs: MIN,
      run: async () => (runs++, EMPTY),
      snapshot: async () => ({ pending: 0, oldestPendingAt: null, pendingBytes: 0, pendingBlobs: 0, rejected: 0, stuckBlobs: 0 }),
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(MIN);
    expect(runs).toBe(2);
    loop.stop();
    // Nothing left pending on the window's timers.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(runs).toBe(2);
  });
});
