import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import type { HeartbeatRequest } from '../shared/sync';
import { SyncLoop, type LoopSnapshot, type SyncLoopOptions, type Timers } from './SyncLoop';
import { emptyRunReport, type RunReport } from './SyncEngine';
import type { SyncStatus } from './SyncStatus';
import { TransportError } from './Transport';

/** Virtual time: timers fire only when the test advances the clock. */
function virtualTimers(clock: ReturnType<typeof fixedClock>) {
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout(fn, ms) {
      const id = next++;
      pending.set(id, { at: clock.now() + ms, fn });
      return id;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  return {
    timers,
    scheduled: () => [...pending.values()].map((p) => p.at - clock.now()),
    /** Advances time to `ms` later, firing due timers in order and letting their promises settle. */
    async advance(ms: number) {
      const end = clock.now() + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        clock.set(Math.max(clock.now(), due[1].at));
        due[1].fn();
        for (let i = 0; i < 20; i++) await Promise.resolve();
        await new Promise((r) => setImmediate(r));
      }
      clock.set(end);
    },
  };
}

const EMPTY: RunReport = emptyRunReport();

function setup(overrides: Partial<SyncLoopOptions> & { failures?: number } = {}) {
  const clock = fixedClock(Date.UTC(2026, 10, 24, 2));
  const vt = virtualTimers(clock);
  let online = true;
  let pending = 3;
  const runs: number[] = [];
  let failuresLeft = overrides.failures ?? 0;
  const statuses: SyncStatus[] = [];
  const heartbeats: HeartbeatRequest[] = [];
  const loop = new SyncLoop({
    clock,
    timers: vt.timers,
    random: () => 0.5,
    isOnline: () => online,
    async run() {
      runs.push(clock.now());
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new TransportError('network', { code: 'net.unreachable', detail: 'down' });
      }
      const pushed = pending;
      pending = 0;
      return { ...EMPTY, pushed };
    },
    snapshot: async (): Promise<LoopSnapshot> => ({
      pending,
      oldestPendingAt: pending ? clock.now() - 1000 : null,
      pendingBytes: pending * 100,
      pendingBlobs: 0,
      rejected: 0,
      stuckBlobs: 0,
    }),
    onStatus: (s) => statuses.push(s),
    buildHeartbeat: async (s, snap) => ({ pendingCount: snap.pending, stuck: s.state === 'stuck' }) as unknown as HeartbeatRequest,
    sendHeartbeat: async (r) => heartbeats.push(r),
    ...overrides,
  });
  return {
    clock,
    vt,
    loop,
    runs,
    statuses,
    heartbeats,
    setOnline: (v: boolean) => (online = v),
    addPending: (n: number) => (pending += n),
  };
}

describe('SyncLoop', () => {
  it('runs at once, then waits for a trigger or the idle timer: never a busy loop', async () => {
    const t = setup({ intervalMs: 60_000 });
    t.loop.start();
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(1);
    expect(t.loop.current.state).toBe('idle');
    // An hour with nothing to do: one run per idle interval, no more.
    await t.vt.advance(3600_000);
    expect(t.runs).toHaveLength(61);
    t.loop.stop();
    expect(t.vt.scheduled()).toEqual([]);
  });

  it('a save triggers a run at once', async () => {
    const t = setup();
    t.loop.start();
    await t.vt.advance(10);
    t.addPending(1);
    t.loop.trigger();
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(2);
    expect(t.loop.current.pending).toBe(0);
  });

  it('backs off with full jitter after failures, capped, and recovers', async () => {
    const t = setup({ failures: 12, baseBackoffMs: 2000, maxBackoffMs: 300_000, stuckAfterMs: 3600_000_000 });
    t.loop.start();
    await t.vt.advance(0);
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect(t.loop.current.state).toBe('backoff');
      expect(t.loop.current.lastError?.code).toBe('net.unreachable');
      delays.push(t.loop.current.nextAttemptAt! - t.clock.now());
      await t.vt.advance(t.loop.current.nextAttemptAt! - t.clock.now());
    }
    // random() = 0.5: half of min(cap, base·2^(n−1)).
    expect(delays.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 16000, 32000]);
    expect(Math.max(...delays)).toBe(150_000);
    expect(t.loop.current.state).toBe('idle');
    expect(t.runs).toHaveLength(13);
  });

  it('a save during backoff waits for the scheduled retry; "sync now" does not', async () => {
    const t = setup({ failures: 3, baseBackoffMs: 60_000, maxBackoffMs: 60_000, random: () => 1 });
    t.loop.start();
    await t.vt.advance(0);
    expect(t.loop.current.state).toBe('backoff');
    t.addPending(1);
    t.loop.trigger({ bypassBackoff: false });
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(1);
    t.loop.trigger();
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(2);
  });

  it('scans back off on their own: records saved meanwhile go at once, without the scans; once the scans go, idle', async () => {
    let scanFailures = 3;
    let scans = 1;
    const withBlobs: boolean[] = [];
    const t = setup({
      baseBackoffMs: 60_000,
      maxBackoffMs: 600_000,
      random: () => 1,
      stuckAfterMs: 3600_000_000,
      async run(options) {
        withBlobs.push(options.blobs);
        if (!options.blobs || scanFailures === 0) {
          if (options.blobs) scans = 0;
          return EMPTY;
        }
        scanFailures--;
        return { ...EMPTY, blobsDeferred: [{ sha256: 'a'.repeat(64), error: new TransportError('blocked', { code: 'net.blocked', detail: 'refused' }) }] };
      },
      snapshot: async () => ({ pending: 0, oldestPendingAt: null, pendingBytes: 0, pendingBlobs: scans, rejected: 0, stuckBlobs: 0 }),
    });
    t.loop.start();
    await t.vt.advance(0);
    // The scan's refusal is what staff see, with the next attempt; the records path is fine.
    expect(t.loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'net.blocked' } });
    expect(t.loop.current.nextAttemptAt! - t.clock.now()).toBe(60_000);
    // A save during the scans' backoff runs at once, without the scans.
    t.loop.trigger({ bypassBackoff: false });
    await t.vt.advance(10);
    expect(withBlobs).toEqual([true, false]);
    expect(t.loop.current.state).toBe('backoff');
    // The scans' own retries, with growing delays (60 s, then 120 s): still refused, then sent.
    const untilRetry = async (): Promise<void> => t.vt.advance(t.loop.current.nextAttemptAt! - t.clock.now());
    await untilRetry();
    expect(withBlobs).toEqual([true, false, true]);
    expect(t.loop.current.nextAttemptAt! - t.clock.now()).toBe(120_000);
    await untilRetry();
    expect(withBlobs.filter(Boolean)).toHaveLength(3);
    expect(t.loop.current.nextAttemptAt! - t.clock.now()).toBe(240_000);
    await untilRetry();
    expect(withBlobs.filter(Boolean)).toHaveLength(4);
    expect(t.loop.current).toMatchObject({ state: 'idle', lastError: null, pendingBlobs: 0 });
  });

  it('"sync now" and the network coming back retry the scans at once, not at their backoff time', async () => {
    let scanFailures = 1;
    const withBlobs: boolean[] = [];
    const t = setup({
      baseBackoffMs: 600_000,
      maxBackoffMs: 600_000,
      random: () => 1,
      async run(options) {
        withBlobs.push(options.blobs);
        if (options.blobs && scanFailures-- > 0) {
          return { ...EMPTY, blobsDeferred: [{ sha256: 'a'.repeat(64), error: new TransportError('blocked', { code: 'net.blocked', detail: 'refused' }) }] };
        }
        return EMPTY;
      },
    });
    t.loop.start();
    await t.vt.advance(0);
    expect(t.loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'net.blocked' } });
    // The technician fixed the server and presses "Đồng bộ ngay": the scans go now.
    t.loop.trigger();
    await t.vt.advance(10);
    expect(withBlobs).toEqual([true, true]);
    expect(t.loop.current).toMatchObject({ state: 'idle', lastError: null });
  });

  it('while scans back off, a failing records path backs off as usual: a save then waits', async () => {
    let recordsDown = false;
    const t = setup({
      baseBackoffMs: 60_000,
      maxBackoffMs: 60_000,
      random: () => 1,
      async run(options) {
        if (recordsDown) throw new TransportError('network', { code: 'net.unreachable', detail: 'down' });
        return options.blobs
          ? {
              ...EMPTY,
              blobsDeferred: [{ sha256: 'a'.repeat(64), error: new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503) }],
            }
          : EMPTY;
      },
    });
    t.loop.start();
    await t.vt.advance(0);
    recordsDown = true;
    t.loop.trigger({ bypassBackoff: false });
    await t.vt.advance(10);
    expect(t.loop.current.lastError?.code).toBe('net.unreachable');
    const runs = t.runs.length;
    t.loop.trigger({ bypassBackoff: false });
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(runs);
  });

  it('a scan the server refused backs off too (it would be sent from zero every minute otherwise), and is shown', async () => {
    const withBlobs: boolean[] = [];
    const t = setup({
      baseBackoffMs: 60_000,
      maxBackoffMs: 600_000,
      random: () => 1,
      intervalMs: 60_000,
      async run(options) {
        withBlobs.push(options.blobs);
        return options.blobs
          ? { ...EMPTY, blobsFailed: [{ sha256: 'a'.repeat(64), detail: 'bytes differ', error: { code: 'blob.hash-mismatch', detail: 'bytes differ' } }] }
          : EMPTY;
      },
    });
    t.loop.start();
    await t.vt.advance(0);
    expect(t.loop.current).toMatchObject({ state: 'backoff', lastError: { code: 'blob.hash-mismatch' } });
    await t.vt.advance(3 * 60_000 + 10);
    // 60 s, then 120 s: two retries in three minutes, not three.
    expect(withBlobs.filter(Boolean)).toHaveLength(3);
  });

  it('a save during a run lets the engine push it beside the scans it is uploading', async () => {
    let release: () => void = () => undefined;
    const pushedSoon: number[] = [];
    const t = setup({
      onSaveDuringRun: () => pushedSoon.push(1),
      run: () => new Promise<RunReport>((resolve) => (release = () => resolve(EMPTY))),
    });
    t.loop.start();
    await t.vt.advance(0);
    t.loop.trigger({ bypassBackoff: false });
    t.loop.trigger();
    expect(pushedSoon).toHaveLength(1);
    release();
    await t.vt.advance(10);
    // …and the run after it covers the save anyway.
    expect(t.statuses.filter((s) => s.state === 'syncing').length).toBeGreaterThanOrEqual(2);
  });

  it('the network back while a run fails for its loss: runs again at once, not after the backoff', async () => {
    // A cable pulled and put back within one run: the run's request fails (the cable was out), and
    // the `online` event came while that run was still settling.
    let fail: () => void = () => undefined;
    let calls = 0;
    const t = setup({
      baseBackoffMs: 600_000,
      maxBackoffMs: 600_000,
      run: () => {
        calls++;
        if (calls === 1)
          return new Promise<RunReport>(
            (_resolve, reject) => (fail = () => reject(new TransportError('network', { code: 'net.unreachable', detail: 'down' }))),
          );
        return Promise.resolve(EMPTY);
      },
    });
    t.loop.start();
    await t.vt.advance(0);
    expect(calls).toBe(1);
    t.loop.trigger(); // the `online` event, during the run
    fail();
    // The failed run settles (its snapshot, its heartbeat) before any timer is due.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    await t.vt.advance(10);
    expect(calls).toBe(2);
    expect(t.loop.current.state).toBe('idle');
    t.loop.stop();
  });

  it('does not run while offline and runs when the network comes back', async () => {
    const t = setup();
    t.setOnline(false);
    t.loop.start();
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(0);
    expect(t.loop.current.state).toBe('offline');
    await t.vt.advance(30_000);
    expect(t.runs).toHaveLength(0);
    t.setOnline(true);
    t.loop.trigger(); // the `online` event
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(1);
    expect(t.loop.current.state).toBe('idle');
  });

  it('flags a queue stuck while online once, and reports it in the heartbeat', async () => {
    const stuck: SyncStatus[] = [];
    const t = setup({ failures: 1000, stuckAfterMs: 15 * 60_000, maxBackoffMs: 60_000, onStuck: (s) => stuck.push(s), heartbeatEveryMs: 5 * 60_000 });
    t.loop.start();
    await t.vt.advance(30 * 60_000);
    expect(t.loop.current.state).toBe('stuck');
    expect(stuck).toHaveLength(1);
    expect(t.heartbeats.some((h) => (h as unknown as { stuck: boolean }).stuck)).toBe(true);
    // Heartbeats are spaced, not sent on every retry.
    expect(t.heartbeats.length).toBeLessThanOrEqual(7);
  });

  it('a lost heartbeat is sent again after the next run, not a whole interval later', async () => {
    let lose = 1;
    const sent: number[] = [];
    const t = setup({
      heartbeatEveryMs: 5 * 60_000,
      intervalMs: 60_000,
      sendHeartbeat: async () => {
        if (lose-- > 0) throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
        sent.push(1);
      },
    });
    t.loop.start();
    await t.vt.advance(0);
    expect(sent).toHaveLength(0);
    await t.vt.advance(60_000);
    expect(sent).toHaveLength(1);
    // Then spaced again.
    await t.vt.advance(3 * 60_000);
    expect(sent).toHaveLength(1);
  });

  it('a refused credential is retried slowly and shown as refused', async () => {
    const t = setup({
      run: async () => {
        throw new TransportError('auth', { code: 'auth.revoked', detail: 'revoked' });
      },
      maxBackoffMs: 300_000,
    });
    t.loop.start();
    await t.vt.advance(10);
    expect(t.loop.current.state).toBe('refused');
    await t.vt.advance(3600_000);
    // One attempt at start, then one per 5 minutes: 13 or 14 in an hour, not thousands.
    const attempts = t.statuses.filter((s) => s.state === 'syncing').length;
    expect(attempts).toBeGreaterThanOrEqual(12);
    expect(attempts).toBeLessThanOrEqual(14);
  });

  it('waits for enrolment', async () => {
    let enrolled = false;
    const t = setup({ isEnrolled: () => enrolled });
    t.loop.start();
    await t.vt.advance(600_000);
    expect(t.runs).toHaveLength(0);
    expect(t.loop.current.state).toBe('not-enrolled');
    enrolled = true;
    t.loop.trigger();
    await t.vt.advance(10);
    expect(t.runs).toHaveLength(1);
  });
});
