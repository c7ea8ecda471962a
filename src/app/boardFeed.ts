import type { Clock } from '../shared/clock';
import { QueueBoard } from '../shared/queue';

/**
 * Keeps the display board's copy of the branch's queue board (GET /v1/queue/board, public) fresh.
 *
 * - A server-sent event (`event: queue`, data `{"version":N}` on GET /v1/queue/events) only pokes:
 *   the board is fetched again when N differs from what is shown (a new day starts again from 0). Every (re)connection fetches
 *   once, for the pokes missed while it was down. Never a second data path.
 * - Lost connection: the EventSource is closed and opened again after a backoff (1 s doubling to
 *   30 s, with jitter); meanwhile the board is polled every `pollMs` (5 s), and every
 *   `livePollMs` (30 s) while connected, in case a proxy holds the events back.
 * - The last good board stays on screen through any failure; `lastOkAt` says when it came.
 *   A board for another branch, an older version of the same day, or an answer that does not match
 *   the contract is ignored.
 */
export interface BoardFeedState {
  readonly board: QueueBoard | null;
  /** The last request reached the server and got a valid board (null before the first answer). */
  readonly reachable: boolean | null;
  /** Local time of the last valid board received. */
  readonly lastOkAt: number | null;
  /** The event stream is open. */
  readonly live: boolean;
}

export interface EventStream {
  addEventListener(type: string, listener: (e: MessageEvent | Event) => void): void;
  close(): void;
}

export interface BoardFeedDeps {
  /** The centre or the branch hub, e.g. "http://192.168.1.10:8787". */
  readonly serverUrl: string;
  readonly branch: string;
  readonly fetch: typeof fetch;
  readonly openEvents: (url: string) => EventStream;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly pollMs?: number;
  readonly livePollMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface BoardFeed {
  state(): BoardFeedState;
  onChange(listener: (state: BoardFeedState) => void): () => void;
  start(): void;
  stop(): void;
  /** Fetch the board now (a poke); concurrent calls share one request and one follow-up. */
  refresh(): Promise<void>;
}

export function boardUrls(serverUrl: string, branch: string): { board: string; events: string } {
  const base = serverUrl.replace(/\/+$/, '');
  const q = `branch=${encodeURIComponent(branch)}`;
  return { board: `${base}/v1/queue/board?${q}`, events: `${base}/v1/queue/events?${q}` };
}

export function createBoardFeed(deps: BoardFeedDeps): BoardFeed {
  const urls = boardUrls(deps.serverUrl, deps.branch);
  const pollMs = deps.pollMs ?? 5_000;
  const livePollMs = deps.livePollMs ?? 30_000;
  const timeoutMs = deps.requestTimeoutMs ?? 8_000;
  const random = deps.random ?? Math.random;
  let state: BoardFeedState = { board: null, reachable: null, lastOkAt: null, live: false };
  const listeners = new Set<(s: BoardFeedState) => void>();
  let running = false;
  let inFlight: Promise<void> | null = null;
  let again = false;
  let events: EventStream | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;

  const set = (patch: Partial<BoardFeedState>): void => {
    state = { ...state, ...patch };
    for (const l of listeners) l(state);
  };

  const accept = (board: QueueBoard): boolean => {
    if (board.branchCode !== deps.branch) return false;
    const shown = state.board;
    return shown === null || board.day !== shown.day || board.version >= shown.version;
  };

  async function fetchOnce(): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await deps.fetch(urls.board, { cache: 'no-store', signal: abort.signal, headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = QueueBoard.safeParse(await response.json());
      if (!parsed.success) throw new Error(`not a queue board: ${parsed.error.message.slice(0, 200)}`);
      if (accept(parsed.data)) set({ board: parsed.data, reachable: true, lastOkAt: deps.clock.now() });
      else set({ reachable: true, lastOkAt: deps.clock.now() });
    } catch (e) {
      if (state.reachable !== false) console.warn('display board: the queue board could not be fetched', e);
      set({ reachable: false });
    } finally {
      clearTimeout(timer);
    }
  }

  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        await fetchOnce();
      } while (again && running);
      inFlight = null;
    })();
    return inFlight;
  }

  function schedulePoll(): void {
    if (pollTimer) clearTimeout(pollTimer);
    if (!running) return;
    pollTimer = setTimeout(
      () => {
        void refresh().finally(schedulePoll);
      },
      state.live ? livePollMs : pollMs,
    );
  }

  function connect(): void {
    if (!running) return;
    let stream: EventStream;
    try {
      stream = deps.openEvents(urls.events);
    } catch (e) {
      console.warn('display board: the event stream could not be opened', e);
      scheduleReconnect();
      return;
    }
    events = stream;
    stream.addEventListener('open', () => {
      if (events !== stream) return;
      failures = 0;
      set({ live: true });
      schedulePoll();
      void refresh();
    });
    stream.addEventListener('queue', (e) => {
      if (events !== stream) return;
      const version = readVersion((e as MessageEvent).data);
      if (version === null || state.board === null || version !== state.board.version) void refresh();
    });
    stream.addEventListener('error', () => {
      if (events !== stream) return;
      // EventSource would retry on its own at a fixed pace; closing it puts the backoff in our hands.
      stream.close();
      events = null;
      set({ live: false });
      schedulePoll();
      void refresh();
      scheduleReconnect();
    });
  }

  function scheduleReconnect(): void {
    if (!running) return;
    failures++;
    const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5));
    const delay = ceiling / 2 + (random() * ceiling) / 2;
    reconnectTimer = setTimeout(connect, delay);
  }

  return {
    state: () => state,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (running) return;
      running = true;
      void refresh();
      connect();
      schedulePoll();
    },
    stop() {
      running = false;
      events?.close();
      events = null;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (pollTimer) clearTimeout(pollTimer);
    },
    refresh,
  };
}

function readVersion(data: unknown): number | null {
  if (typeof data !== 'string') return null;
  try {
    const v = (JSON.parse(data) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isInteger(v) ? v : null;
  } catch {
    return null;
  }
}
