import type { Clock } from '../shared/clock';
import type { QueueBoard, WaitEstimate } from '../shared/queue';
import type { QueueBoardSource } from './syncService';
import type { QueueTimers } from './queueDesk';

/**
 * The wait estimate the citizen kiosk shows and prints on a ticket ("khoảng 10–20 phút"), from the
 * public board of its branch on the server it is enrolled with (GET /v1/queue/board, which carries
 * the queue owner's estimate per group: src/domain/queueEstimate.ts).
 *
 * Guarantees:
 * - **Never delays a ticket.** `estimateFor` is synchronous and reads the last board fetched; the
 *   network is only read in the background: at start, every `refreshMs` (30 s) and on each poke of
 *   the queue's events when the transport has them.
 * - **Nothing rather than something stale or foreign.** No estimate when the last board is older
 *   than `maxAgeMs` (3 min: offline, not enrolled, owner unreachable), is for another branch or
 *   another day than the kiosk's today, or has no estimate for the group (too few samples, no
 *   counter open). Then nothing about the wait is shown or printed; a failed fetch keeps the last
 *   board only until it turns stale.
 */
export const WAIT_ESTIMATE_REFRESH_MS = 30_000;
export const WAIT_ESTIMATE_MAX_AGE_MS = 3 * 60_000;

export interface FetchedBoard {
  readonly board: QueueBoard;
  /** Local time it arrived. */
  readonly at: number;
}

/** The estimate for one group from the last board, or null (see the guarantees above). Pure. */
export function chooseEstimate(
  last: FetchedBoard | null,
  want: { readonly branch: string; readonly day: string; readonly group: string },
  now: number,
  maxAgeMs = WAIT_ESTIMATE_MAX_AGE_MS,
): WaitEstimate {
  if (!last || now - last.at > maxAgeMs || now < last.at) return null;
  if (last.board.branchCode !== want.branch || last.board.day !== want.day) return null;
  const e = last.board.waiting.find((w) => w.group === want.group)?.estimate ?? null;
  return e && e.high >= e.low ? e : null;
}

export interface WaitEstimateFeedDeps {
  readonly branch: string;
  /** The kiosk's today in branch time. */
  readonly today: () => string;
  readonly source: () => QueueBoardSource | 'not-enrolled' | 'offline';
  readonly clock: Clock;
  readonly timers?: QueueTimers;
  readonly refreshMs?: number;
  readonly maxAgeMs?: number;
}

export interface WaitEstimateFeed {
  estimateFor(group: string): WaitEstimate;
  /** Fetch the board now (concurrent calls share one request). */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
}

const defaultTimers: QueueTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function createWaitEstimateFeed(deps: WaitEstimateFeedDeps): WaitEstimateFeed {
  const timers = deps.timers ?? defaultTimers;
  const refreshMs = deps.refreshMs ?? WAIT_ESTIMATE_REFRESH_MS;
  let last: FetchedBoard | null = null;
  let inFlight: Promise<void> | null = null;
  let timer: unknown = null;
  let closeEvents: (() => void) | null = null;
  let running = false;

  function refresh(): Promise<void> {
    if (inFlight) return inFlight;
    const source = deps.source();
    if (typeof source === 'string') return Promise.resolve();
    inFlight = source
      .board(deps.branch)
      .then((board) => {
        // A board older than the one held (a slow answer overtaken by a newer one) is ignored.
        if (last && last.board.day === board.day && board.version < last.board.version) return;
        last = { board, at: deps.clock.now() };
      })
      .catch(() => undefined)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  function openEvents(): void {
    if (closeEvents) return;
    const source = deps.source();
    if (typeof source === 'string' || !source.events) return;
    closeEvents = source.events(deps.branch, {
      onOpen: () => void refresh(),
      onPoke: () => void refresh(),
      onError: () => {
        // Opened again at the next tick (the transport's stream does not reconnect by itself).
        closeEvents = null;
      },
    });
  }

  function tick(): void {
    if (!running) return;
    openEvents();
    void refresh();
    timer = timers.setTimeout(tick, refreshMs);
  }

  return {
    estimateFor: (group) => chooseEstimate(last, { branch: deps.branch, day: deps.today(), group }, deps.clock.now(), deps.maxAgeMs),
    refresh,
    start() {
      if (running) return;
      running = true;
      tick();
    },
    stop() {
      running = false;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      closeEvents?.();
      closeEvents = null;
    },
  };
}
