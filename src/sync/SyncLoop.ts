import type { Clock } from '../shared/clock';
import type { HeartbeatRequest, WireError } from '../shared/sync';
import { INITIAL_SYNC_STATUS, type SyncState, type SyncStatus } from './SyncStatus';
import { TransportError } from './Transport';
import type { RunReport } from './SyncEngine';

/**
 * Decides when the engine runs (DESIGN.md, "Loop"):
 *  - at once on start, on every trigger (a local save, the `online` event, a staff "sync now"),
 *    and on a timer while idle (the server may have published something);
 *  - after a failure, again after a delay with full jitter (random between 0 and
 *    min(maxBackoff, base·2^attempt)), so a hundred kiosks coming back online do not stampede;
 *  - never while the browser says it is offline (it waits for `online`), never two runs at once,
 *    never a busy loop: every path to the next run goes through a timer or a trigger;
 *  - a watchdog marks the queue `stuck` when work is pending, the kiosk is online, and nothing was
 *    confirmed for `stuckAfterMs`; a heartbeat reports the queue to the centre;
 *  - scans back off on their own: when a run pushed the records but could not send a scan, the
 *    loop waits (full jitter, growing) before it tries scans again, while records saved meanwhile
 *    still go at once in runs that leave the scans out. A scan never holds back a record.
 * Only the leader window runs a loop (see leader.ts); the others only trigger it.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LoopSnapshot {
  readonly pending: number;
  readonly oldestPendingAt: number | null;
  readonly pendingBytes: number;
  readonly pendingBlobs: number;
  /** Of those, what a branch hub holds for the centre (absent: none). */
  readonly pendingAtHub?: number;
  readonly pendingBlobsAtHub?: number;
  readonly rejected: number;
  /** Scans that have failed to reach the centre for longer than the stuck threshold. */
  readonly stuckBlobs: number;
}

export interface RunOptions {
  /** False while scans back off: the run pushes and pulls only. */
  readonly blobs: boolean;
}

export interface SyncLoopOptions {
  readonly run: (options: RunOptions) => Promise<RunReport>;
  readonly snapshot: () => Promise<LoopSnapshot>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly timers?: Timers;
  readonly isOnline: () => boolean;
  readonly buildHeartbeat?: (status: SyncStatus, snapshot: LoopSnapshot) => Promise<HeartbeatRequest>;
  readonly sendHeartbeat?: (request: HeartbeatRequest) => Promise<unknown>;
  readonly onStatus?: (status: SyncStatus) => void;
  readonly onStuck?: (status: SyncStatus) => void;
  readonly intervalMs?: number;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly stuckAfterMs?: number;
  readonly heartbeatEveryMs?: number;
  /** Starts in `not-enrolled` and never runs while this says false. */
  readonly isEnrolled?: () => boolean;
  /** When the last run before this start succeeded (from the stored sync bookkeeping). */
  readonly lastSuccessAt?: number | null;
  /**
   * A save arrived while a run is in progress: the engine may push it at once (SyncEngine.pushSoon)
   * rather than after the scans it is uploading. The run after this one covers it anyway.
   */
  readonly onSaveDuringRun?: () => void;
}

export const DEFAULT_INTERVAL_MS = 60_000;
export const DEFAULT_BASE_BACKOFF_MS = 2_000;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
export const DEFAULT_STUCK_AFTER_MS = 15 * 60_000;
export const DEFAULT_HEARTBEAT_EVERY_MS = 5 * 60_000;

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

export class SyncLoop {
  private status: SyncStatus = INITIAL_SYNC_STATUS;
  private timer: unknown = null;
  private running = false;
  private rerun = false;
  /** A trigger that bypasses the backoff (the network back, "sync now", enrolment) came during the run. */
  private rerunNow = false;
  private stopped = true;
  private attempt = 0;
  /** Scans' own backoff: consecutive runs that could not send them, and when to try them again. */
  private blobAttempt = 0;
  private blobsRetryAt: number | null = null;
  private blobError: WireError | null = null;
  /** "Sync now", `online` or enrolment asked for everything: the next run tries the scans too. */
  private scansNow = false;
  private lastProgressAt: number;
  private lastHeartbeatAt: number | null = null;
  private stuckReported = false;
  private readonly timers: Timers;

  constructor(private readonly o: SyncLoopOptions) {
    this.timers = o.timers ?? realTimers;
    this.lastProgressAt = o.clock.now();
    this.status = { ...INITIAL_SYNC_STATUS, lastSuccessAt: o.lastSuccessAt ?? null };
  }

  get current(): SyncStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastProgressAt = this.o.clock.now();
    void this.refresh();
    this.trigger();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Run as soon as possible (after the current run, if one is in progress). A local save passes
   * `{ bypassBackoff: false }`: while the loop is backing off from a failing server it does not
   * hammer it on every save (the pending retry sends everything); `online`, "sync now" and
   * enrolment bypass the backoff.
   */
  trigger(options: { bypassBackoff?: boolean } = {}): void {
    if (this.stopped) return;
    // Staff pressed "sync now", the network came back, the kiosk was enrolled: scans are retried
    // now, not at their backoff time (a technician who just fixed the server must see the result).
    if (options.bypassBackoff !== false) this.scansNow = true;
    if (this.running) {
      this.rerun = true;
      if (options.bypassBackoff !== false) this.rerunNow = true;
      if (options.bypassBackoff === false) this.o.onSaveDuringRun?.();
      return;
    }
    const waiting = this.status.state === 'backoff' || this.status.state === 'stuck' || this.status.state === 'refused';
    // Waiting only because of scans: the records path works, so a save goes at once (scans stay out).
    const scansOnly = this.blobsRetryAt !== null && this.attempt === 0 && this.status.state !== 'refused';
    if (waiting && !scansOnly && options.bypassBackoff === false && this.timer !== null) return;
    this.schedule(0);
  }

  /** Re-reads the queue figures (after a local save) without running. */
  async refresh(): Promise<void> {
    const snap = await this.o.snapshot();
    this.emit({ ...this.status, ...queueFigures(snap) });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
  }

  private emit(next: SyncStatus): void {
    this.status = next;
    this.o.onStatus?.(next);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    if (this.o.isEnrolled && !this.o.isEnrolled()) {
      await this.refresh().catch(() => undefined);
      this.emit({ ...this.status, state: 'not-enrolled', nextAttemptAt: null });
      return; // enrolment calls trigger()
    }
    if (!this.o.isOnline()) {
      await this.refresh().catch(() => undefined);
      this.emit({ ...this.status, state: 'offline', nextAttemptAt: null });
      // `online` triggers us; the long timer covers a browser whose onLine flag is wrong.
      this.schedule(this.o.intervalMs ?? DEFAULT_INTERVAL_MS);
      return;
    }
    this.running = true;
    this.rerun = false;
    this.rerunNow = false;
    try {
      await this.runAndSettle();
    } finally {
      this.running = false;
      // A save that arrived after the run decided what next still gets its run.
      if (this.rerun && this.status.state === 'idle') this.schedule(0);
    }
  }

  private async runAndSettle(): Promise<void> {
    this.emit({ ...this.status, state: 'syncing', nextAttemptAt: null });
    let error: WireError | null = null;
    let refused = false;
    const withBlobs = this.scansNow || this.blobsRetryAt === null || this.o.clock.now() >= this.blobsRetryAt;
    this.scansNow = false;
    try {
      const report = await this.o.run({ blobs: withBlobs });
      if (report.pushed > 0 || report.pulled > 0 || report.blobsUploaded > 0) this.lastProgressAt = this.o.clock.now();
      this.attempt = 0;
      if (withBlobs) this.settleBlobs(report);
    } catch (e) {
      error =
        e instanceof TransportError ? e.wire : { code: 'sync.failed', detail: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : 'unknown error' };
      refused = e instanceof TransportError && e.kind === 'auth';
      this.attempt++;
    }
    const now = this.o.clock.now();
    const snap = await this.o.snapshot().catch(() => null);
    const base = {
      ...this.status,
      ...(snap ? queueFigures(snap) : {}),
      upload: null,
    };
    if (!error && this.blobsRetryAt === null) {
      if (!snap || snap.pending === 0) this.lastProgressAt = now;
      this.stuckReported = false;
      this.emit({ ...base, state: 'idle', lastSuccessAt: now, lastError: null, nextAttemptAt: null });
      await this.maybeHeartbeat(snap);
      // A run drains the whole queue; anything pending now was saved during the run, and that
      // save triggered us (rerun). Otherwise wait for the next trigger or the idle timer.
      const wasRerun = this.rerun;
      this.rerun = false;
      this.schedule(wasRerun ? 0 : (this.o.intervalMs ?? DEFAULT_INTERVAL_MS));
      return;
    }
    if (refused) {
      // A revoked or unknown credential will not heal by retrying often: say so and retry slowly.
      this.emit({ ...base, state: 'refused', lastError: error, nextAttemptAt: now + (this.o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS) });
      this.schedule(this.o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
      return;
    }
    // Records failed (error), or they went and only scans wait for their own retry time.
    const retryAt = error ? now + this.backoffDelay() : (this.blobsRetryAt ?? now);
    const stuck = snap !== null && snap.pending + snap.pendingBlobs > 0 && now - this.lastProgressAt >= (this.o.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS);
    const next: SyncStatus = { ...base, state: stuck ? 'stuck' : 'backoff', lastError: error ?? this.blobError, nextAttemptAt: retryAt };
    this.emit(next);
    if (stuck && !this.stuckReported) {
      this.stuckReported = true;
      this.o.onStuck?.(next);
    }
    await this.maybeHeartbeat(snap);
    // A save during the run waits for the retry like everything else; the network back, "sync now"
    // or an enrolment during it (rerunNow) run again at once: the run may have failed only because
    // the network was gone for a moment (a cable out and back in), and the `online` event came
    // while it settled.
    const wasRerun = (!error && this.rerun) || this.rerunNow;
    this.rerun = false;
    this.rerunNow = false;
    this.schedule(wasRerun ? 0 : Math.max(0, retryAt - now));
  }

  /**
   * After a run that tried the scans: start, grow or end their backoff. A scan the server refused
   * (blobsFailed: it starts afresh next time) backs off like one that could not be sent, so a
   * broken scan is not uploaded from zero every minute.
   */
  private settleBlobs(report: RunReport): void {
    const error = report.blobsDeferred[0]?.error.wire ?? report.blobsFailed[0]?.error ?? null;
    if (!error) {
      this.blobAttempt = 0;
      this.blobsRetryAt = null;
      this.blobError = null;
      return;
    }
    this.blobAttempt++;
    this.blobError = error;
    this.blobsRetryAt = this.o.clock.now() + this.delayFor(this.blobAttempt);
  }

  /** Full jitter: uniform in [0, min(max, base·2^(attempt−1))]. */
  backoffDelay(): number {
    return this.delayFor(this.attempt);
  }

  private delayFor(attempt: number): number {
    const base = this.o.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS;
    const cap = this.o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const ceiling = Math.min(cap, base * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    return Math.floor(this.o.random() * ceiling);
  }

  private async maybeHeartbeat(snap: LoopSnapshot | null): Promise<void> {
    if (!snap || !this.o.buildHeartbeat || !this.o.sendHeartbeat) return;
    const now = this.o.clock.now();
    const every = this.o.heartbeatEveryMs ?? DEFAULT_HEARTBEAT_EVERY_MS;
    if (this.lastHeartbeatAt !== null && now - this.lastHeartbeatAt < every && now >= this.lastHeartbeatAt) return;
    try {
      await this.o.sendHeartbeat(await this.o.buildHeartbeat(this.status, snap));
      this.lastHeartbeatAt = now;
    } catch {
      // Monitoring only, but the centre should not go without news for a whole interval because
      // one report was lost: it is sent again after the next run (runs are spaced by the backoff).
    }
  }

  /** For the watchdog's view of the state, and tests. */
  get state(): SyncState {
    return this.status.state;
  }
}

/** The status's queue figures from a snapshot. */
function queueFigures(snap: LoopSnapshot): Pick<SyncStatus, 'pending' | 'pendingBlobs' | 'pendingAtHub' | 'pendingBlobsAtHub' | 'rejected' | 'stuckBlobs'> {
  return {
    pending: snap.pending,
    pendingBlobs: snap.pendingBlobs,
    pendingAtHub: Math.min(snap.pending, snap.pendingAtHub ?? 0),
    pendingBlobsAtHub: Math.min(snap.pendingBlobs, snap.pendingBlobsAtHub ?? 0),
    rejected: snap.rejected,
    stuckBlobs: snap.stuckBlobs,
  };
}
