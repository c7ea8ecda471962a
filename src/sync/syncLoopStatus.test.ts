import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { SyncLoop, type LoopSnapshot, type SyncLoopOptions, type Timers } from './SyncLoop';
import { emptyRunReport, type RunReport } from './SyncEngine';
import type { SyncStatus } from './SyncStatus';

/**
 * What the sync loop shows and does around failures that are not the server's answers (a bug, a
 * full disk, something thrown that is not even an Error), after it was stopped, and when nobody
 * listens to its status: the technician's screen must name the failure, a stopped loop stays quiet.
 */
const EMPTY: RunReport = emptyRunReport();
const SNAPSHOT: LoopSnapshot = { pending: 1, oldestPendingAt: null, pendingBytes: 10, pendingBlobs: 0, rejected: 0, stuckBlobs: 0 };

/** Timers that fire only when the test says so; `delays` lists what each one asked for. */
function manualTimers() {
  let due = new Map<number, () => void>();
  let next = 1;
  const delays: number[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      delays.push(ms);
      due.set(next, fn);
      return next++;
    },
    clearTimeout: (h) => void due.delete(h as number),
  };
  return {
    timers,
    delays,
    async fireAll() {
      const now = due;
      due = new Map();
      for (const fn of now.values()) fn();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

function loopWith(run: SyncLoopOptions['run'], extra: Partial<SyncLoopOptions> = {}) {
  const clock = fixedClock(Date.UTC(2026, 10, 24, 2));
  const t = manualTimers();
  const statuses: SyncStatus[] = [];
  const loop = new SyncLoop({
    clock,
    timers: t.timers,
    random: () => 0.5,
    isOnline: () => true,
    run,
    snapshot: async () => SNAPSHOT,
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  return { loop, t, statuses, clock };
}

describe('the sync loop around failures that are not answers of the server', () => {
  it('names an unexpected failure sync.failed with what was thrown, and backs off', async () => {
    const { loop, t } = loopWith(async () => {
      throw new RangeError(`disk quota ${'x'.repeat(400)}`);
    });
    loop.start();
    await t.fireAll();
    expect(loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'sync.failed' } });
    expect(loop.current.lastError!.detail).toBe(`RangeError: disk quota ${'x'.repeat(400)}`.slice(0, 300));
  });

  it('says "unknown error" when what was thrown is not an Error', async () => {
    const { loop, t } = loopWith(async () => {
      throw 'a string';
    });
    loop.start();
    await t.fireAll();
    expect(loop.current.lastError).toEqual({ code: 'sync.failed', detail: 'unknown error' });
  });

  it('runs without anyone listening to its status', async () => {
    let runs = 0;
    const { loop, t } = loopWith(async () => (runs++, EMPTY), { onStatus: undefined });
    loop.start();
    await t.fireAll();
    expect(runs).toBe(1);
    expect(loop.current.state).toBe('idle');
  });

  it('once stopped, ignores saves: no run, and no push beside a run still finishing', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const savedDuringRun: number[] = [];
    const { loop, t } = loopWith(
      async () => {
        runs++;
        await new Promise<void>((r) => (release = r));
        return EMPTY;
      },
      { onSaveDuringRun: () => savedDuringRun.push(1) },
    );
    loop.start();
    await t.fireAll();
    expect(runs).toBe(1);
    loop.stop();
    loop.trigger({ bypassBackoff: false });
    loop.trigger();
    release();
    await t.fireAll();
    expect(savedDuringRun).toEqual([]);
    expect(runs).toBe(1);
  });
});

describe('the sync loop when its own bookkeeping fails or nobody listens', () => {
  it('still shows the backoff and sends no heartbeat when the outbox cannot be read after a failed run', async () => {
    const built: unknown[] = [];
    let reads = 0;
    const { loop, t } = loopWith(
      async () => {
        throw new Error('down');
      },
      {
        snapshot: async () => {
          if (reads++ > 0) throw new Error('IndexedDB closed');
          return SNAPSHOT;
        },
        buildHeartbeat: async (_s, snap) => (built.push(snap), {}) as never,
        sendHeartbeat: async () => undefined,
      },
    );
    loop.start();
    await t.fireAll();
    expect(loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'sync.failed', detail: 'Error: down' } });
    expect(built).toEqual([]);
  });

  it('reports a stuck queue with nobody listening for it', async () => {
    const { loop, t, clock } = loopWith(
      async () => {
        throw new Error('down');
      },
      { onStuck: undefined, stuckAfterMs: 1000 },
    );
    loop.start();
    clock.advance(2000);
    await t.fireAll();
    expect(loop.current.state).toBe('stuck');
  });
});

describe('heartbeats', () => {
  function beating(every?: number) {
    const sent: number[] = [];
    const k = loopWith(async () => EMPTY, {
      heartbeatEveryMs: every,
      buildHeartbeat: async () => ({}) as never,
      sendHeartbeat: async () => void sent.push(k.clock.now()),
    });
    return { ...k, sent };
  }

  it('sends one at the first run, then once its interval has passed, counting from the last one sent', async () => {
    const { loop, t, clock, sent } = beating(60_000);
    const start = clock.now();
    loop.start();
    await t.fireAll();
    clock.advance(59_999);
    loop.trigger();
    await t.fireAll();
    clock.advance(1);
    loop.trigger();
    await t.fireAll();
    // Two runs at the same instant: one report.
    loop.trigger();
    await t.fireAll();
    expect(sent).toEqual([start, start + 60_000]);
  });

  it('sends one every 5 minutes by default', async () => {
    const { loop, t, clock, sent } = beating();
    loop.start();
    await t.fireAll();
    clock.advance(4 * 60_000);
    loop.trigger();
    await t.fireAll();
    clock.advance(60_000);
    loop.trigger();
    await t.fireAll();
    expect(sent).toHaveLength(2);
  });
});

describe('a save during a run whose scans back off', () => {
  it('is pushed at once after the run, not at the scans’ retry time', async () => {
    let runs = 0;
    let save: () => void = () => undefined;
    const deferred = { sha256: 'a'.repeat(64), error: { wire: { code: 'net.blocked', detail: 'refused' } } } as unknown as RunReport['blobsDeferred'][number];
    const { loop, t } = loopWith(async () => {
      runs++;
      if (runs === 1) save();
      return { ...EMPTY, blobsDeferred: [deferred] };
    });
    save = () => loop.trigger({ bypassBackoff: false });
    loop.start();
    await t.fireAll();
    expect(loop.current.state).toBe('backoff');
    // The run after it is scheduled now, not when the scans may go again.
    expect(t.delays.at(-1)).toBe(0);
    await t.fireAll();
    expect(runs).toBe(2);
    // That one saw no save: it waits for the scans' retry time.
    expect(t.delays.at(-1)).toBeGreaterThan(0);
  });
});
