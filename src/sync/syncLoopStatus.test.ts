import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { SyncLoop, type LoopSnapshot, type SyncLoopOptions, type Timers } from './SyncLoop';
import type { RunReport } from './SyncEngine';
import type { SyncStatus } from './SyncStatus';

/**
 * What the sync loop shows and does around failures that are not the server's answers (a bug, a
 * full disk, something thrown that is not even an Error), after it was stopped, and when nobody
 * listens to its status: the technician's screen must name the failure, a stopped loop stays quiet.
 */
const EMPTY: RunReport = { pushed: 0, applied: 0, duplicates: 0, rejected: 0, pulled: 0, blobsUploaded: 0, blobsFailed: [], blobsDeferred: [], repulled: [] };
const SNAPSHOT: LoopSnapshot = { pending: 1, oldestPendingAt: null, pendingBytes: 10, pendingBlobs: 0, rejected: 0, stuckBlobs: 0 };

/** Timers that fire only when the test says so. */
function manualTimers() {
  const due: (() => void)[] = [];
  const timers: Timers = {
    setTimeout: (fn) => due.push(fn),
    clearTimeout: (h) => {
      due[(h as number) - 1] = () => undefined;
    },
  };
  return {
    timers,
    async fireAll() {
      for (const fn of due.splice(0)) fn();
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
  return { loop, t, statuses };
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
