import { localDayKey } from '../domain/localDay';
import type { BranchConfig, ServiceGroup } from '../shared/branchConfig';
import type { Clock, RandomBytes } from '../shared/clock';
import { uuidv7 } from '../shared/ids';
import type { OutboxEntry } from '../shared/outbox';
import {
  DEFAULT_QUEUE_CONFIG,
  QueueActionArgs,
  TicketNumberText,
  type QueueActionAnswer,
  type QueueActionKind,
  type QueueConfig,
  type QueueState,
  type QueueTicketView,
  type StaffCallAnswer,
  type StaffCallView,
  type WaitEstimate,
} from '../shared/queue';
import { AppFailure, describeUnknown, err, ok, summarizeIssues, type Result } from '../shared/result';
import {
  dossierCodesOfTicket,
  loadCounterSetup,
  loadCounterTicket,
  recordQueueAction,
  saveCounterSetup,
  saveCounterTicket,
  type CounterQueueSetup,
  type CounterTicket,
} from '../storage/queueCounterRepository';
import { taskLine } from '../shared/oneAtATime';
import type { KioskDb } from '../storage/KioskDb';
import { loadSyncMeta } from '../storage/syncRepository';
import { TransportError } from '../sync/Transport';
import type { QueueOwner } from './syncService';

/**
 * The counter's "Gọi số" desk: the officer's actions on the branch's queue (src/shared/queue.ts).
 *
 * Guarantees:
 * - Online, an action goes to the queue owner (the hub, or the centre) over the device's transport
 *   and credential. With no answer it is sent again with the same id (the owner applies an id
 *   once), up to three times. After the owner's answer, the action as applied (for call next, with
 *   the ticket the owner chose) is appended to the outbox as `queue.action@1` with the same id, in
 *   one transaction with the counter's ticket after it, and syncs to the centre like any record.
 * - A refusal (`queue.empty`, `queue.wrong-state`, …) records nothing and comes back as the
 *   owner's code, which the catalog explains with what to do next.
 * - Without the owner (offline, not enrolled, or no answer to any attempt) every action that names
 *   a ticket — calling one by its typed number, and then recall, serve, finish… — is recorded in the
 *   outbox only, with `offline: true`, and reconciled by the owner when pushed; call next cannot be
 *   (`queue.unreachable`). An action that was sent but never answered keeps the arguments it was
 *   sent with (same id, `offline: false`): whichever copy reaches the owner first is applied, the
 *   other is the same action. Once a ticket was called offline, the rest of its service is recorded
 *   the same way, so its actions reach the owner in order.
 * - The counter's number and groups, and its current ticket, are kept in IndexedDB: a reload or a
 *   restart shows the same ticket. A ticket of another day is dropped.
 * - `finish` lists the codes of the dossiers this machine received under the ticket since its
 *   service began (the queue log links ticket and dossiers).
 *
 * Live view: while someone watches, the desk reads the owner's state (waiting per group, estimates,
 * no-shows in their grace period), again on every server-sent poke, and every 15 s while the
 * event stream is not open; the stream reconnects with full-jitter backoff (1 s doubling to 30 s).
 */

export type QueueReach = 'connecting' | 'online' | 'unreachable' | 'not-enrolled';

export interface QueueWaitingRow {
  readonly group: string;
  readonly waiting: number;
  readonly estimate: WaitEstimate;
}

export interface QueueDeskView {
  /** Null until the officer chose the counter's number and groups on this machine. */
  readonly setup: CounterQueueSetup | null;
  readonly current: CounterTicket | null;
  readonly reach: QueueReach;
  /** Waiting per group of this counter (every group when it serves all), from the owner's last state. */
  readonly waiting: readonly QueueWaitingRow[] | null;
  /** No-shows still within their grace period, newest first: they may come back ("Khách quay lại"). */
  readonly noShows: readonly { readonly number: string; readonly noShowAt: number | null }[];
  /** When the owner's state shown was read (kiosk clock); null before the first. */
  readonly stateAt: number | null;
  /** The queue rules in effect: the owner's published copy, else the branch configuration's. */
  readonly config: QueueConfig;
  /** An action is on its way. */
  readonly busy: boolean;
  /** "Gọi nhân viên" from the branch's citizen kiosks not answered yet, oldest first (owner's last state). */
  readonly staffCalls: readonly StaffCallView[];
}

export type QueueRequest =
  | { readonly kind: 'call-next' }
  | { readonly kind: 'call-number'; readonly number: string }
  | { readonly kind: 'recall' }
  | { readonly kind: 'no-show' }
  | { readonly kind: 'serve' }
  | { readonly kind: 'finish' }
  | { readonly kind: 'transfer'; readonly toGroup: string | null; readonly toCounter: number | null }
  | { readonly kind: 'walk-in' }
  | { readonly kind: 'return'; readonly number: string };

export interface QueueOutcome {
  /** The action as recorded (null for a walk-in's finish: the queue log has no such event). */
  readonly action: QueueActionArgs | null;
  readonly current: CounterTicket | null;
  /** Recorded without the owner: it reaches the owner with the outbox. */
  readonly offline: boolean;
  /** The owner had applied this id before (an earlier attempt's answer was lost). */
  readonly repeated: boolean;
}

export interface QueueDesk {
  /** The branch's active service groups (what a counter may serve). */
  readonly groups: readonly ServiceGroup[];
  /** The counters the branch published (`queue.counters`); empty = any number 1–99, any groups. */
  counterChoices(): QueueConfig['counters'];
  /** Called at once and on every change; the first watcher starts the live connection, the last stops it. */
  watch(onChange: (view: QueueDeskView) => void): () => void;
  saveSetup(setup: CounterQueueSetup): Promise<Result<CounterQueueSetup>>;
  /**
   * One officer action, after those pressed before it have ended. Errors: the owner's `queue.*` codes, queue.not-set-up, queue.counter-busy, queue.recall-too-soon,
   * queue.no-ticket, queue.number-format, queue.unreachable, queue.not-enrolled, queue.failed,
   * storage.*, sync.disk-low.
   */
  act(request: QueueRequest): Promise<Result<QueueOutcome>>;
  /**
   * The officer goes to a kiosk that called for staff: closes the call on every counter. Errors:
   * queue.not-set-up, queue.staff-call-unreachable, queue.not-enrolled, queue.staff-call-not-found, queue.failed.
   */
  answerStaffCall(id: string): Promise<Result<StaffCallAnswer>>;
  /** "Thử lại": read the owner's state and reopen the event stream now. */
  reconnect(): void;
  /** The ticket the counter handles now (the dossier reception links to it). */
  current(): CounterTicket | null;
  stop(): void;
}

export interface QueueTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface QueueDeskDeps {
  readonly db: KioskDb;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly branch: BranchConfig;
  readonly deviceId: () => string;
  /** The signed-in officer's staff id (src/app/staffSession.ts), if any. */
  readonly staffId: () => string | null;
  readonly owner: () => QueueOwner | 'not-enrolled' | 'offline';
  /** A record was saved: copy it to the file journal and wake the sync loop. */
  readonly saved: (entry: OutboxEntry) => Promise<void>;
  /** Wakes the sync loop (actions taken offline must reach the owner before the next call). */
  readonly syncNow?: () => void;
  readonly assertCaptureAllowed: () => void;
  readonly timers?: QueueTimers;
  /** Waits before the 2nd and 3rd attempt of an unanswered action. */
  readonly retryDelaysMs?: readonly number[];
  readonly pollMs?: number;
  readonly jitter?: () => number;
}

export const RETRY_DELAYS_MS = [300, 1_000] as const;
const POLL_MS = 15_000;
const POLL_WHILE_STREAMING_MS = 60_000;
const RECONNECT_BASE_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const MAX_DOSSIER_CODES = 20;

const defaultTimers: QueueTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Kinds that need the counter's current ticket. */
const ON_CURRENT: ReadonlySet<QueueRequest['kind']> = new Set(['recall', 'no-show', 'serve', 'finish', 'transfer']);
/**
 * A recall this soon after the ticket's last call or recall at this counter is refused (a bouncing
 * pedal, a double click): the board would announce the number twice in a row.
 */
export const RECALL_GAP_MS = 3_000;
/** Actions after which the ticket is no longer at the counter that took them. */
const ENDS_SERVICE: ReadonlySet<QueueActionArgs['kind']> = new Set(['finish', 'no-show', 'transfer']);

export function createQueueDesk(deps: QueueDeskDeps): QueueDesk {
  const { db, clock, branch } = deps;
  const timers = deps.timers ?? defaultTimers;
  const retryDelays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  const jitter = deps.jitter ?? Math.random;
  const groups = branch.serviceGroups.filter((g) => g.active);
  const branchConfig = branch.queue ?? DEFAULT_QUEUE_CONFIG;
  const day = (): string => localDayKey(clock.now(), branch.utcOffsetMinutes);

  let setup: CounterQueueSetup | null = null;
  let current: CounterTicket | null = null;
  let reach: QueueReach = 'connecting';
  let state: QueueState | null = null;
  let stateAt: number | null = null;
  let busy = 0;
  const listeners = new Set<(v: QueueDeskView) => void>();

  // Nothing is shown before the stored counter and ticket are read: a view without them would
  // offer "choose the counter" to a counter that has one.
  let loaded = false;
  const ready = (async () => {
    setup = await loadCounterSetup(db);
    current = await loadCounterTicket(db, day());
  })()
    .catch((e: unknown) => console.warn('queue desk: could not read the counter state', describeUnknown(e)))
    .finally(() => {
      loaded = true;
    });

  function view(): QueueDeskView {
    const config = state?.config ?? branchConfig;
    const mine = setup && setup.groups.length > 0 ? setup.groups : groups.map((g) => g.prefix);
    const waiting = state ? mine.map((g) => ({ group: g, waiting: state?.waitingByGroup[g] ?? 0, estimate: state?.estimateByGroup[g] ?? null })) : null;
    const noShows = (state?.active ?? [])
      .filter((t) => t.state === 'no-show')
      .sort((a, b) => (b.noShowAt ?? 0) - (a.noShowAt ?? 0))
      .map((t) => ({ number: t.number, noShowAt: t.noShowAt }));
    // A ticket of an earlier day is not this counter's any more (a counter left on overnight).
    const shown = current && current.day === day() ? current : null;
    return { setup, current: shown, reach, waiting, noShows, stateAt, config, busy: busy > 0, staffCalls: state?.staffCalls ?? [] };
  }
  function emit(): void {
    if (!loaded) return;
    const v = view();
    for (const l of listeners) l(v);
  }
  function setReach(next: QueueReach): void {
    if (reach === next) return;
    reach = next;
    emit();
  }

  // ---- live connection (only while watched) ----
  let closeStream: (() => void) | null = null;
  let streamOpen = false;
  let reconnectTimer: unknown = null;
  let pollTimer: unknown = null;
  let failures = 0;
  let running = false;

  function schedulePoll(): void {
    if (pollTimer !== null) timers.clearTimeout(pollTimer);
    pollTimer = timers.setTimeout(
      () => {
        pollTimer = null;
        if (!running) return;
        void refreshState().finally(() => running && schedulePoll());
      },
      streamOpen ? POLL_WHILE_STREAMING_MS : (deps.pollMs ?? POLL_MS),
    );
  }

  function scheduleReconnect(): void {
    if (!running || reconnectTimer !== null) return;
    const cap = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(failures, 10));
    failures += 1;
    reconnectTimer = timers.setTimeout(
      () => {
        reconnectTimer = null;
        openStream();
      },
      Math.max(RECONNECT_BASE_MS / 2, jitter() * cap),
    );
  }

  function openStream(): void {
    if (!running) return;
    closeStream?.();
    closeStream = null;
    streamOpen = false;
    const owner = deps.owner();
    if (typeof owner === 'string') {
      setReach(owner === 'not-enrolled' ? 'not-enrolled' : 'unreachable');
      scheduleReconnect();
      return;
    }
    void refreshState();
    if (!owner.events) return; // the poll keeps the state fresh
    closeStream = owner.events(branch.branchCode, {
      onOpen: () => {
        streamOpen = true;
        failures = 0;
        void refreshState();
      },
      onPoke: () => void refreshState(),
      onError: () => {
        streamOpen = false;
        closeStream = null;
        scheduleReconnect();
      },
    });
  }

  function start(): void {
    if (running) return;
    running = true;
    failures = 0;
    openStream();
    schedulePoll();
  }

  function stopLive(): void {
    running = false;
    closeStream?.();
    closeStream = null;
    streamOpen = false;
    if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
    if (pollTimer !== null) timers.clearTimeout(pollTimer);
    reconnectTimer = null;
    pollTimer = null;
  }

  // One action at a time, in the order pressed: each sees where the one before it left the counter
  // (a bouncing foot pedal's second "next" is told the counter has a ticket, instead of calling a
  // second one that nobody serves). Taking over a ticket from the owner's state waits in the same line.
  const inLine = taskLine();

  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  /**
   * Reads the owner's state. Asked while a read is on its way, it reads once more after that one: the
   * read under way may have set out before what prompted this call (an action, a poke).
   */
  function refreshState(): Promise<void> {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      await ready;
      do {
        refreshAgain = false;
        const owner = deps.owner();
        if (typeof owner === 'string') {
          setReach(owner === 'not-enrolled' ? 'not-enrolled' : 'unreachable');
          return;
        }
        try {
          const next = await owner.state(day());
          state = next;
          stateAt = clock.now();
          reach = 'online';
          // In the actions' line: an action pressed meanwhile ends first, and the state is then older than it.
          await inLine(() => adoptFromState(next));
          emit();
        } catch (e) {
          if (e instanceof TransportError && e.kind === 'auth') setReach('not-enrolled');
          else setReach('unreachable');
          return;
        }
      } while (refreshAgain);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /**
   * A call whose answer was lost was still applied by the owner: its state shows the ticket at this
   * counter. Taken over only when the counter shows none and did not end the ticket's service itself
   * after that call: a finish, no-show or transfer in its outbox that the owner has not had yet (taken
   * offline), or that this state, read before it, does not show yet. Taking the ticket back would
   * leave the counter holding a ticket the owner then calls served, refusing every next call.
   */
  async function adoptFromState(s: QueueState): Promise<void> {
    if (!setup || current !== null || busy > 0) return;
    const counter = setup.counter;
    const ours = s.active
      .filter((t) => t.counter === counter && (t.state === 'called' || t.state === 'serving'))
      .sort((a, b) => (b.calledAt ?? 0) - (a.calledAt ?? 0))[0];
    if (!ours) return;
    if (await endedHere(ours.number, counter, ours.calledAt ?? 0)) return;
    const adopted = ticketFromView(ours, null);
    await saveCounterTicket(db, adopted);
    current = adopted;
  }

  /**
   * Whether this machine called a ticket today without the owner (offline, by its number) and has
   * not pushed that call yet. While it has, the owner still shows that ticket waiting: a call-next
   * there would hand it out again, though this counter already called (and maybe served) it.
   */
  async function offlineCallsUnsent(): Promise<boolean> {
    const meta = await loadSyncMeta(db);
    const sentUpTo = Math.max(meta.confirmedSeq, meta.heldSeq);
    const today = day();
    const unsent = await db.outbox
      .where('deviceSeq')
      .above(sentUpTo)
      .filter((e) => {
        if (e.name !== 'queue.action@1') return false;
        const a = e.args as QueueActionArgs;
        return a.day === today && a.kind === 'call' && (a.offline || a.how === 'number');
      })
      .count();
    return unsent > 0;
  }

  /**
   * The owner refused an action on this counter's ticket as out of place: if its state no longer
   * shows the ticket at this counter (ended elsewhere, or by this counter's own offline record),
   * the counter lets it go, or every next call would be refused "counter busy" for the rest of the day.
   */
  async function letGoIfEnded(owner: QueueOwner, ticket: CounterTicket, counter: number): Promise<void> {
    try {
      const s = await owner.state(day());
      // Still under the call this counter made (same called-at), whatever number the counter has now.
      const held = s.active.some(
        (t) =>
          t.number === ticket.number &&
          (t.state === 'called' || t.state === 'serving') &&
          (t.counter === counter || (ticket.calledAt !== null && t.calledAt === ticket.calledAt)),
      );
      if (held) return;
      await saveCounterTicket(db, null);
      current = null;
    } catch {
      // No answer: the counter keeps its ticket; the officer may try again.
    }
  }

  /** Whether this machine's outbox holds a finish, no-show or transfer of `number` at `counter` today, taken after `since`. */
  async function endedHere(number: string, counter: number, since: number): Promise<boolean> {
    const today = day();
    const ends = await db.outbox
      .filter((e) => {
        if (e.name !== 'queue.action@1') return false;
        const a = e.args as QueueActionArgs;
        return a.day === today && a.ticketNumber === number && a.counter === counter && ENDS_SERVICE.has(a.kind) && a.at >= since;
      })
      .count();
    return ends > 0;
  }

  function ticketFromView(t: QueueTicketView, before: CounterTicket | null): CounterTicket {
    const same = before !== null && before.number === t.number;
    return {
      day: day(),
      number: t.number,
      group: t.group,
      state: t.state === 'serving' ? 'serving' : 'called',
      priority: t.priority,
      calledAt: t.calledAt,
      calls: t.calls,
      servingSince: t.state === 'serving' ? ((same ? before.servingSince : null) ?? clock.now()) : null,
      offline: false,
      flag: t.flag,
    };
  }

  /** The counter's ticket after an action the owner answered. */
  function afterAnswer(answer: QueueActionAnswer, before: CounterTicket | null): CounterTicket | null {
    const kind = answer.action.kind;
    if (kind === 'return') return before;
    if (kind === 'walk-in') return walkIn();
    const t = answer.ticket;
    if (t && (t.state === 'called' || t.state === 'serving') && t.counter === answer.action.counter) return ticketFromView(t, before);
    return null;
  }

  function walkIn(): CounterTicket {
    const now = clock.now();
    return {
      day: day(),
      number: null,
      group: null,
      state: 'serving',
      priority: false,
      calledAt: null,
      calls: 0,
      servingSince: now,
      offline: false,
      flag: null,
    };
  }

  /** The counter's ticket after an action recorded without the owner. */
  function afterOffline(args: QueueActionArgs, before: CounterTicket | null): CounterTicket | null {
    const now = clock.now();
    switch (args.kind) {
      case 'call': {
        const number = args.ticketNumber ?? '';
        const again = before !== null && before.number === number;
        return {
          day: day(),
          number,
          group: groupOf(number)?.prefix ?? null,
          state: 'called',
          priority: again ? before.priority : false,
          calledAt: now,
          calls: again ? before.calls + 1 : 1,
          servingSince: null,
          offline: true,
          flag: null,
        };
      }
      case 'recall':
        return before ? { ...before, calledAt: now, calls: before.calls + 1 } : null;
      case 'serve':
        return before ? { ...before, state: 'serving', servingSince: before.servingSince ?? now } : null;
      case 'walk-in':
        return { ...walkIn(), offline: true };
      case 'return':
        return before;
      case 'no-show':
      case 'finish':
      case 'transfer':
        return null;
    }
  }

  /** The branch group a printed number belongs to (its longest matching prefix followed by digits only). */
  function groupOf(number: string): ServiceGroup | null {
    const matches = branch.serviceGroups.filter((g) => number.startsWith(g.prefix) && /^\d+$/.test(number.slice(g.prefix.length)));
    return matches.sort((a, b) => b.prefix.length - a.prefix.length)[0] ?? null;
  }

  /** A number as the officer typed it ("a15", "A 0015") → as printed ("A0015"), or null. */
  function normalizeNumber(typed: string): string | null {
    const compact = typed.toUpperCase().replace(/\s+/g, '');
    const group = groupOf(compact);
    if (!group) return null;
    const digits = compact.slice(group.prefix.length);
    const number = group.prefix + digits.padStart(branch.numbering.digits, '0');
    return TicketNumberText.safeParse(number).success ? number : null;
  }

  type Sent =
    | { readonly kind: 'answer'; readonly answer: QueueActionAnswer }
    | { readonly kind: 'refused'; readonly code: string; readonly detail: string }
    | { readonly kind: 'no-answer' };

  /** Sends an action, again with the same id while no answer comes (the owner applies an id once). */
  async function send(owner: QueueOwner, args: QueueActionArgs): Promise<Sent> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await owner.act(args);
        if (answer.action.id !== args.id)
          return { kind: 'refused', code: 'queue.failed', detail: `the owner answered for action ${answer.action.id}, not ${args.id}` };
        return { kind: 'answer', answer };
      } catch (e) {
        if (!(e instanceof TransportError)) return { kind: 'refused', code: 'queue.failed', detail: describeUnknown(e) };
        if (e.kind === 'auth' || e.kind === 'protocol' || e.kind === 'gap') return { kind: 'refused', code: e.wire.code, detail: e.wire.detail };
        const delay = retryDelays[attempt];
        if (delay === undefined) return { kind: 'no-answer' };
        await new Promise<void>((resolve) => timers.setTimeout(resolve, delay));
      }
    }
  }

  /** This counter's last call or recall (its own clock): a recall right after it is a bounce. */
  let lastCalled: { readonly number: string; readonly at: number } | null = null;

  async function record(args: QueueActionArgs, next: CounterTicket | null): Promise<void> {
    const entry = await recordQueueAction(db, deps.deviceId(), args, next, clock, deps.random);
    current = next;
    if ((args.kind === 'call' || args.kind === 'recall') && next?.number) lastCalled = { number: next.number, at: clock.now() };
    void deps.saved(entry).catch(() => undefined);
  }

  function act(request: QueueRequest): Promise<Result<QueueOutcome>> {
    return inLine(() => actNow(request));
  }

  async function actNow(request: QueueRequest): Promise<Result<QueueOutcome>> {
    await ready;
    if (!setup) return err('queue.not-set-up', 'choose the counter number and its groups first');
    const before = current && current.day === day() ? current : null;
    if ((request.kind === 'call-next' || request.kind === 'call-number' || request.kind === 'walk-in') && before) {
      return err('queue.counter-busy', `the counter still has ${before.number ?? 'a walk-in'} (${before.state})`);
    }
    if (ON_CURRENT.has(request.kind) && !before) return err('queue.no-ticket', `no current ticket to ${request.kind}`);
    if (request.kind === 'recall' && before && lastCalled?.number === before.number && clock.now() - lastCalled.at < RECALL_GAP_MS) {
      return err('queue.recall-too-soon', `${before.number} was called ${clock.now() - lastCalled.at} ms ago`);
    }
    // A walk-in has no ticket: the queue log can neither finish nor transfer it. It ends here.
    if (before && before.number === null) {
      if (request.kind !== 'finish') return err('queue.no-ticket', `a walk-in cannot be ${request.kind}ed`);
      await saveCounterTicket(db, null);
      current = null;
      emit();
      return ok({ action: null, current: null, offline: before.offline, repeated: false });
    }

    let ticketNumber: string | null = before?.number ?? null;
    if (request.kind === 'call-number' || request.kind === 'return') {
      ticketNumber = normalizeNumber(request.number);
      if (ticketNumber === null) return err('queue.number-format', `not a ticket number of this branch: ${request.number.slice(0, 20)}`);
    }
    if (request.kind === 'call-next' || request.kind === 'walk-in') ticketNumber = null;

    const kind: QueueActionKind =
      request.kind === 'call-next' || request.kind === 'call-number' ? 'call' : request.kind === 'walk-in' ? 'walk-in' : request.kind;
    const dossierCodes =
      request.kind === 'finish' && ticketNumber !== null
        ? (await dossierCodesOfTicket(db, ticketNumber, day(), before?.servingSince ?? before?.calledAt ?? 0)).slice(-MAX_DOSSIER_CODES)
        : [];
    const draft = {
      id: uuidv7(clock.now(), deps.random),
      branchCode: branch.branchCode,
      day: day(),
      counter: setup.counter,
      kind,
      how: request.kind === 'call-next' ? ('next' as const) : request.kind === 'call-number' ? ('number' as const) : null,
      groups: request.kind === 'call-next' ? [...setup.groups] : [],
      ticketNumber,
      toGroup: request.kind === 'transfer' ? request.toGroup : null,
      toCounter: request.kind === 'transfer' ? request.toCounter : null,
      dossierCodes,
      staffId: deps.staffId()?.slice(0, 40) ?? null,
      at: clock.now(),
      offline: false,
    };
    const checked = QueueActionArgs.safeParse(draft);
    if (!checked.success) return err('queue.bad-request', summarizeIssues(checked.error));
    const args = checked.data;

    busy += 1;
    emit();
    try {
      deps.assertCaptureAllowed();
      const owner = deps.owner();
      // The rest of a ticket called offline follows its call through the outbox, in order; so does
      // every action while a call made offline is still on its way to the owner.
      let followOffline = before?.offline === true;
      let sent = false;
      if (typeof owner !== 'string' && !followOffline && (reach !== 'unreachable' || args.how === 'next') && (await offlineCallsUnsent())) {
        deps.syncNow?.();
        if (args.how === 'next') return err('queue.offline-unsent', 'a ticket called offline has not reached the queue owner yet');
        followOffline = true;
      }
      if (typeof owner !== 'string' && !followOffline && (reach !== 'unreachable' || args.how === 'next')) {
        sent = true;
        const outcome = await send(owner, args);
        if (outcome.kind === 'answer') {
          reach = 'online';
          const next = afterAnswer(outcome.answer, before);
          await record(outcome.answer.action, next);
          void refreshState();
          return ok({ action: outcome.answer.action, current: next, offline: false, repeated: outcome.answer.repeated });
        }
        if (outcome.kind === 'refused') {
          if (outcome.code.startsWith('auth.')) reach = 'not-enrolled';
          if (outcome.code === 'queue.wrong-state' && before?.number && ON_CURRENT.has(request.kind)) await letGoIfEnded(owner, before, setup.counter);
          return err(outcome.code, outcome.detail);
        }
        reach = 'unreachable';
      } else if (typeof owner === 'string') {
        reach = owner === 'not-enrolled' ? 'not-enrolled' : 'unreachable';
      }
      if (args.how === 'next') {
        return reach === 'not-enrolled'
          ? err('queue.not-enrolled', 'this counter is not connected to a server')
          : err('queue.unreachable', 'the queue owner did not answer');
      }
      // Sent but unanswered: kept exactly as sent (the owner may hold it); never sent: offline.
      const recorded = sent ? args : { ...args, offline: true };
      const next = afterOffline(recorded, before);
      await record(recorded, next);
      return ok({ action: recorded, current: next, offline: true, repeated: false });
    } catch (e) {
      if (e instanceof AppFailure) return err(e.code, e.message);
      return err('queue.failed', describeUnknown(e));
    } finally {
      busy -= 1;
      emit();
    }
  }

  return {
    groups,
    counterChoices: () => (state?.config ?? branchConfig).counters,
    watch(onChange) {
      listeners.add(onChange);
      void ready.then(() => listeners.has(onChange) && onChange(view()));
      start();
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) stopLive();
      };
    },
    async saveSetup(next) {
      await ready;
      const known = new Set(groups.map((g) => g.prefix));
      if (!Number.isInteger(next.counter) || next.counter < 1 || next.counter > 99) return err('queue.setup-counter', `counter ${next.counter} is not 1–99`);
      const chosen = [...new Set(next.groups)].filter((g) => known.has(g));
      if (chosen.length === 0) return err('queue.setup-groups', 'choose at least one service group');
      const saved = { counter: next.counter, groups: chosen };
      try {
        await saveCounterSetup(db, saved);
      } catch (e) {
        return e instanceof AppFailure ? err(e.code, e.message) : err('queue.failed', describeUnknown(e));
      }
      setup = saved;
      emit();
      void refreshState();
      return ok(saved);
    },
    act,
    async answerStaffCall(id) {
      await ready;
      if (!setup) return err('queue.not-set-up', 'choose the counter number and its groups first');
      const owner = deps.owner();
      if (owner === 'not-enrolled') return err('queue.not-enrolled', 'this counter is not enrolled with a server');
      if (owner === 'offline' || !owner.answerStaffCall) return err('queue.staff-call-unreachable', 'the queue owner cannot be reached now');
      try {
        const answer = await owner.answerStaffCall({ id, counter: setup.counter });
        void refreshState();
        return ok(answer);
      } catch (e) {
        if (e instanceof TransportError && e.kind === 'protocol' && e.wire.code === 'queue.staff-call-not-found') {
          void refreshState();
          return err('queue.staff-call-not-found', e.wire.detail);
        }
        if (e instanceof TransportError && e.retryable) return err('queue.staff-call-unreachable', describeUnknown(e));
        return err('queue.failed', describeUnknown(e));
      }
    },
    reconnect() {
      failures = 0;
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      if (running) openStream();
      else void refreshState();
    },
    current: () => (current && current.day === day() ? current : null),
    stop: stopLive,
  };
}

export type { CounterQueueSetup, CounterTicket };
