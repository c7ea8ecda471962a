import { localDayKey } from '../domain/localDay';
import { waitEstimate } from '../domain/queueEstimate';
import { afterCall, callOrder, mayCall, nextTicket, type QueueCandidate } from '../domain/queueOrder';
import {
  DEFAULT_QUEUE_CONFIG,
  QueueConfig,
  type QueueActionAnswer,
  type QueueActionArgs,
  type QueueBoard,
  type QueueErrorCode,
  type QueueState,
  type QueueTicketState,
  type QueueTicketView,
  type StaffCallView,
  type WaitEstimate,
} from '../shared/queue';
import type { WireError } from '../shared/sync';
import { publishedBranchConfig } from './changes';
import type { Db } from './db/Db';
import { wireError } from './wireErrors';
import { branchScope } from '../shared/published';

/**
 * The queue owner (issue 12): where every ticket of a branch's day stands, and the counters'
 * actions on it. The branch hub plays this role for its branch, the centre for a branch without
 * one: the same code.
 *
 * Guarantees:
 * - **One action at a time per branch and day.** Every action runs in one transaction that first
 *   locks the day's `queue_days` row (INSERT … ON CONFLICT DO NOTHING, then SELECT … FOR UPDATE;
 *   on PGlite transactions run one at a time anyway). Call-next reads the waiting tickets after
 *   taking the lock, so two counters never get the same ticket, and the interleave counter
 *   (per branch, src/domain/queueOrder.ts) moves in call order.
 * - **Once per action id.** The log row (`queue_actions.id` unique) is written in the action's
 *   transaction with the answer given; the same id again is answered from it (`repeated: true`),
 *   the same id with other content is refused (queue.id-reused online, queue.id-taken in a push).
 *   A counter's record of an action the owner applied online is thus confirmed, not applied again.
 * - **Nothing lost offline.** Through a push (`via: 'push'`), an action is never refused for the
 *   queue's state: one naming a ticket that has not arrived is kept `pending` and applied, in log
 *   order, by the transaction that admits the ticket (admitArrivals, queueArrivals.ts); one that no longer fits
 *   (another counter called the ticket meanwhile) is kept as a `conflict` and the ticket flagged
 *   (`queue.called-twice`) for staff. Online, the officer is told at once instead (409).
 * - **Every change is poked.** Each change moves the day's `version` and sends
 *   `pg_notify('hpasc_queue', …)` in its transaction: delivered on commit, to every replica
 *   (queuePokes.ts), never for a rolled-back one.
 */

export const QUEUE_NOTIFY_CHANNEL = 'hpasc_queue';
/** A counter with no action for this long is not counted as open for the wait estimate. */
const COUNTER_OPEN_MS = 30 * 60_000;
/** Recent tickets per group the wait estimate is based on. */
const ESTIMATE_SAMPLES = 20;
/** How far a kiosk's clock may run ahead of a counter's. */
const ISSUE_SKEW_MS = 10 * 60_000;
/** Calls the board lists. */
const BOARD_LAST_CALLS = 10;

/** What a branch publishes that the queue needs (BranchConfig: queue, serviceGroups, utcOffsetMinutes). */
export interface QueueSettings {
  readonly config: QueueConfig;
  /** The published service groups (prefix → names); null when the branch published no configuration. */
  readonly groups: ReadonlyMap<string, { vi: string; en: string }> | null;
  readonly utcOffsetMinutes: number;
}

export async function queueSettings(db: Db, branchCode: string): Promise<QueueSettings> {
  return settingsOf(await publishedBranchConfig(db, branchCode));
}

/** The queue's settings in a branch's published configuration (null: none published). */
function settingsOf(raw: Readonly<Record<string, unknown>> | null): QueueSettings {
  const parsed = QueueConfig.safeParse(raw?.queue);
  const groups = Array.isArray(raw?.serviceGroups)
    ? new Map(
        (raw.serviceGroups as { prefix?: unknown; name?: { vi?: unknown; en?: unknown } }[])
          .filter((g) => typeof g.prefix === 'string')
          .map((g) => [g.prefix as string, { vi: String(g.name?.vi ?? g.prefix), en: String(g.name?.en ?? g.prefix) }]),
      )
    : null;
  const offset = typeof raw?.utcOffsetMinutes === 'number' ? raw.utcOffsetMinutes : 420;
  return { config: parsed.success ? parsed.data : DEFAULT_QUEUE_CONFIG, groups, utcOffsetMinutes: offset };
}

/** The branch's local day now ("2026-11-24"). */
export function queueToday(settings: QueueSettings, now: number): string {
  return localDayKey(now, settings.utcOffsetMinutes);
}

interface TicketRow {
  ticket_id: string;
  branch_code: string;
  day: string;
  number: string;
  group_prefix: string;
  priority: boolean;
  appointment: boolean;
  issued_at: unknown;
  state: QueueTicketState;
  counter: number | null;
  to_counter: number | null;
  called_at: unknown;
  calls: number;
  returned: boolean;
  no_show_at: unknown;
  serving_at: unknown;
  done_at: unknown;
  occupied_ms: unknown;
  flag: string | null;
}

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function ticketView(r: TicketRow): QueueTicketView {
  return {
    id: r.ticket_id,
    number: r.number,
    group: r.group_prefix,
    priority: r.priority,
    appointment: r.appointment,
    issuedAt: Number(r.issued_at),
    state: r.state,
    counter: r.state === 'waiting' ? r.to_counter : r.counter,
    calledAt: numOrNull(r.called_at),
    calls: Number(r.calls),
    returned: r.returned,
    noShowAt: numOrNull(r.no_show_at),
    flag: r.flag,
  };
}

const TICKET_COLUMNS =
  'ticket_id, branch_code, day, number, group_prefix, priority, appointment, issued_at, state, counter, to_counter, called_at, calls, returned, no_show_at, serving_at, done_at, occupied_ms, flag';

/**
 * The tickets a caller's next call chooses from: of the waiting tickets it may call (mayCall, in
 * SQL), the first to arrive of each group, priority class and tier (returned, appointment). Within
 * one of these sets the call order (queueOrder.ts) is arrival, then number, then id, so the ticket
 * nextTicket picks among all the waiting ones is always one of these: a call reads a few rows, not
 * the whole queue (on PGlite an answer's cost is mostly decoding its rows).
 * The classes present are found by a loose index scan of `queue_tickets_leaders` (migration 022:
 * each step one descent to the next class), then each class's first ticket by one more descent; the
 * tickets sent to this counter come from `queue_tickets_sent`. No sort of the day's waiting tickets.
 */
export const LEADERS_SQL = `WITH RECURSIVE classes AS (
       (SELECT group_prefix, returned, appointment, priority FROM queue_tickets
         WHERE branch_code = $1 AND day = $2 AND state = 'waiting' AND to_counter IS NULL
         ORDER BY group_prefix, returned, appointment, priority LIMIT 1)
       UNION ALL
       SELECT n.* FROM classes c CROSS JOIN LATERAL (
         SELECT group_prefix, returned, appointment, priority FROM queue_tickets
         WHERE branch_code = $1 AND day = $2 AND state = 'waiting' AND to_counter IS NULL
           AND (group_prefix, returned, appointment, priority) > (c.group_prefix, c.returned, c.appointment, c.priority)
         ORDER BY group_prefix, returned, appointment, priority LIMIT 1) n
     )
     SELECT DISTINCT ON (returned, appointment, priority, group_prefix) * FROM (
       SELECT t.* FROM classes c CROSS JOIN LATERAL (
         SELECT ${TICKET_COLUMNS} FROM queue_tickets
         WHERE branch_code = $1 AND day = $2 AND state = 'waiting' AND to_counter IS NULL
           AND group_prefix = c.group_prefix AND returned = c.returned AND appointment = c.appointment AND priority = c.priority
         ORDER BY issued_at, number COLLATE "C", ticket_id LIMIT 1) t
       WHERE cardinality($4::text[]) = 0 OR c.group_prefix = ANY($4::text[])
       UNION ALL
       SELECT ${TICKET_COLUMNS} FROM queue_tickets WHERE branch_code = $1 AND day = $2 AND state = 'waiting' AND to_counter = $3
     ) x
     ORDER BY returned, appointment, priority, group_prefix, issued_at, number COLLATE "C", ticket_id`;

/** The ticket an action names ($1 branch, $2 day, $3 number; none for a walk-in), once it is in the queue. */
const BY_NUMBER_SQL = `SELECT ${TICKET_COLUMNS} FROM queue_tickets WHERE branch_code = $1 AND day = $2 AND number = $3::text AND state <> 'arriving'`;

/** Waiting tickets counted by group and counter they were sent to (the board's counts and estimates). */
interface WaitingCount {
  readonly group: string;
  readonly toCounter: number | null;
  readonly n: number;
}

function countWaiting(waiting: readonly QueueCandidate[]): WaitingCount[] {
  const out = new Map<string, { group: string; toCounter: number | null; n: number }>();
  for (const t of waiting) {
    const key = `${t.group}\u0000${t.toCounter ?? ''}`;
    const c = out.get(key);
    if (c) c.n++;
    else out.set(key, { group: t.group, toCounter: t.toCounter, n: 1 });
  }
  return [...out.values()];
}

function candidate(r: TicketRow): QueueCandidate & { row: TicketRow } {
  return {
    id: r.ticket_id,
    number: r.number,
    group: r.group_prefix,
    priority: r.priority,
    appointment: r.appointment,
    issuedAt: Number(r.issued_at),
    returned: r.returned,
    toCounter: r.to_counter,
    row: r,
  };
}

/**
 * Locks the branch's day (created on first use) and returns its version and interleave counter,
 * and the branch's queue settings read under the lock, in the same statement, unless given.
 */
async function lockDay(
  tx: Db,
  branchCode: string,
  day: string,
  settings?: QueueSettings,
): Promise<{ version: number; normalsSincePriority: number; settings: QueueSettings }> {
  type Locked = { version: unknown; normals_since_priority: number; config?: Readonly<Record<string, unknown>> | null };
  const lock = () =>
    settings
      ? tx.query<Locked>('SELECT version, normals_since_priority FROM queue_days WHERE branch_code = $1 AND day = $2 FOR UPDATE', [branchCode, day])
      : tx.query<Locked>(
          `SELECT version, normals_since_priority,
             (SELECT data FROM changes WHERE scope = $3 AND entity = 'branchConfig' AND key = $1 AND op = 'put') AS config
           FROM queue_days WHERE branch_code = $1 AND day = $2 FOR UPDATE`,
          [branchCode, day, branchScope(branchCode)],
        );
  // One statement on every change but the day's first.
  let rows = await lock();
  if (rows.length === 0) {
    const s = settings ?? (await queueSettings(tx, branchCode));
    await tx.query('INSERT INTO queue_days (branch_code, day, normals_since_priority) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      branchCode,
      day,
      s.config.normalsPerPriority,
    ]);
    rows = await lock();
  }
  const row = rows[0]!;
  return {
    version: Number(row.version),
    normalsSincePriority: Number(row.normals_since_priority),
    settings: settings ?? settingsOf(row.config ?? null),
  };
}

/** An action's row in the log, but for the version its change makes (queue_actions' columns in order). */
type LogRow = readonly [
  id: string,
  branchCode: string,
  day: string,
  counter: number,
  kind: string,
  ticketNumber: string | null,
  args: string,
  serverAt: number,
  offline: boolean,
  via: string,
  deviceId: string | null,
  outcome: string,
  flag: string | null,
  answer: string | null,
];
const LOG_COLUMNS = 'id, branch_code, day, counter, kind, ticket_number, args, server_at, offline, via, device_id, outcome, flag, answer, version';
const LOG_CASTS = ['uuid', 'text', 'text', 'int', 'text', 'text', 'jsonb', 'bigint', 'boolean', 'text', 'uuid', 'text', 'text', 'jsonb'];

/**
 * Moves the day's version (and the interleave counter when given) and pokes, delivered on commit;
 * with `ticket`, writes the ticket's new row, and with `log`, the action's log row (with the new
 * version), in the same statement: an action's whole effect in one round of the engine.
 */
async function bumpDay(
  tx: Db,
  branchCode: string,
  day: string,
  normalsSincePriority: number | null,
  effects: { readonly ticket?: TicketRow; readonly log?: LogRow } = {},
): Promise<number> {
  const params: unknown[] = [];
  const $ = (value: unknown, cast?: string): string => {
    params.push(value);
    return cast ? `$${params.length}::${cast}` : `$${params.length}`;
  };
  const parts: string[] = [];
  const t = effects.ticket;
  if (t) {
    parts.push(`written AS (UPDATE queue_tickets SET group_prefix = ${$(t.group_prefix)}, state = ${$(t.state)}, counter = ${$(t.counter, 'int')},
      to_counter = ${$(t.to_counter, 'int')}, called_at = ${$(numOrNull(t.called_at), 'bigint')}, calls = ${$(t.calls, 'int')}, returned = ${$(t.returned)},
      no_show_at = ${$(numOrNull(t.no_show_at), 'bigint')}, serving_at = ${$(numOrNull(t.serving_at), 'bigint')}, done_at = ${$(numOrNull(t.done_at), 'bigint')},
      occupied_ms = ${$(numOrNull(t.occupied_ms), 'bigint')}, flag = ${$(t.flag, 'text')} WHERE ticket_id = ${$(t.ticket_id, 'uuid')})`);
  }
  const bump = `UPDATE queue_days SET version = version + 1, normals_since_priority = coalesce(${$(normalsSincePriority, 'int')}, normals_since_priority)
    WHERE branch_code = ${$(branchCode)} AND day = ${$(day)}
    RETURNING version, pg_notify(${$(QUEUE_NOTIFY_CHANNEL)}, json_build_object('branch', branch_code, 'day', day, 'version', version)::text)`;
  let sql: string;
  if (effects.log) {
    parts.push(`bumped AS (${bump})`);
    const values = effects.log.map((v, k) => $(v, LOG_CASTS[k])).join(', ');
    sql = `WITH ${parts.join(', ')} INSERT INTO queue_actions (${LOG_COLUMNS}) SELECT ${values}, bumped.version FROM bumped RETURNING version`;
  } else {
    sql = parts.length > 0 ? `WITH ${parts.join(', ')} ${bump}` : bump;
  }
  const rows = await tx.query<{ version: unknown }>(sql, params);
  return Number(rows[0]!.version);
}

/** The effect of an action on its ticket: the new row, or why it does not fit the ticket's state. */
type Effect = { readonly ok: true; readonly row: TicketRow } | { readonly ok: false; readonly code: QueueErrorCode; readonly detail: string };

function describeState(r: TicketRow): string {
  const at =
    r.counter !== null && (r.state === 'called' || r.state === 'serving' || r.state === 'served' || r.state === 'no-show') ? ` at counter ${r.counter}` : '';
  return `ticket ${r.number} is ${r.state}${at}`;
}

function effectOf(a: QueueActionArgs, r: TicketRow, at: number, config: QueueConfig): Effect {
  const wrong = (needs: string): Effect => ({ ok: false, code: 'queue.wrong-state', detail: `${describeState(r)}; ${a.kind} needs ${needs}` });
  const mine = r.counter === a.counter;
  const calledAt = numOrNull(r.called_at) ?? at;
  switch (a.kind) {
    case 'call':
      if (r.state !== 'waiting') return wrong('a waiting ticket');
      return {
        ok: true,
        row: { ...r, state: 'called', counter: a.counter, to_counter: null, called_at: at, calls: r.calls + 1, serving_at: null, done_at: null },
      };
    case 'recall':
      if (r.state !== 'called' || !mine) return wrong(`a ticket called at counter ${a.counter}`);
      return { ok: true, row: { ...r, calls: r.calls + 1 } };
    case 'no-show':
      if (r.state !== 'called' || !mine) return wrong(`a ticket called at counter ${a.counter}`);
      return { ok: true, row: { ...r, state: 'no-show', no_show_at: at, done_at: at, occupied_ms: Math.max(0, at - calledAt) } };
    case 'return': {
      if (r.state !== 'no-show') return wrong('a no-show');
      const since = at - Number(r.no_show_at);
      if (since > config.noShowGraceMinutes * 60_000) {
        return {
          ok: false,
          code: 'queue.grace-over',
          detail: `ticket ${r.number} was a no-show ${Math.floor(since / 60_000)} minutes ago; it may return within ${config.noShowGraceMinutes}`,
        };
      }
      return { ok: true, row: { ...r, state: 'waiting', returned: true, counter: null, to_counter: null } };
    }
    case 'serve':
      if (r.state !== 'called' || !mine) return wrong(`a ticket called at counter ${a.counter}`);
      return { ok: true, row: { ...r, state: 'serving', serving_at: at } };
    case 'finish':
      if ((r.state !== 'called' && r.state !== 'serving') || !mine) return wrong(`a ticket called or served at counter ${a.counter}`);
      return { ok: true, row: { ...r, state: 'served', done_at: at, occupied_ms: Math.max(0, at - calledAt) } };
    case 'transfer':
      if ((r.state !== 'called' && r.state !== 'serving') || !mine) return wrong(`a ticket called or served at counter ${a.counter}`);
      return {
        ok: true,
        row: {
          ...r,
          state: 'waiting',
          group_prefix: a.toGroup ?? r.group_prefix,
          to_counter: a.toCounter,
          counter: null,
          returned: false,
          done_at: at,
          occupied_ms: Math.max(0, at - calledAt),
        },
      };
    case 'walk-in':
      return wrong('no ticket');
  }
}

/** Does the action's call count for the interleave, and how does it move it? Null when it does not. */
function interleaveAfter(a: QueueActionArgs, before: TicketRow, normals: number, config: QueueConfig): number | null {
  if (a.kind !== 'call' || before.returned) return null;
  return afterCall({ normalsSincePriority: normals }, before.priority, config).normalsSincePriority;
}

/** A flag for a pushed action that no longer fits its ticket: another counter had it, or it was late. */
function conflictFlag(a: QueueActionArgs, r: TicketRow, effect: Extract<Effect, { ok: false }>): string {
  if (r.counter !== null && r.counter !== a.counter && r.state !== 'waiting') return 'queue.called-twice';
  return effect.code;
}

/** Canonical JSON (sorted keys) to compare an action sent again with the one logged. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The same action: as the counter sent it, or as the owner applied it (call next with the ticket it chose). */
function sameAction(logged: QueueActionArgs, loggedNumber: string | null, incoming: QueueActionArgs): boolean {
  const c = canonical(incoming);
  return (
    c === canonical(logged) ||
    c === canonical({ ...logged, ticketNumber: loggedNumber }) ||
    (incoming.ticketNumber === null && canonical({ ...incoming, ticketNumber: loggedNumber }) === canonical(logged))
  );
}

export interface ApplyContext {
  /** `online`: POST /v1/queue/actions (state errors refused); `push`: a record (kept, never refused for state). */
  readonly via: 'online' | 'push';
  readonly deviceId: string | null;
  /** The server's clock. */
  readonly now: number;
}

export type ApplyOutcome =
  | { readonly kind: 'answered'; readonly answer: QueueActionAnswer }
  /** Push only: kept in the log, not (yet) applied. */
  | { readonly kind: 'kept'; readonly outcome: 'pending' | 'conflict'; readonly flag: string | null }
  | { readonly kind: 'refused'; readonly status: number; readonly error: WireError };

const refused = (status: number, code: string, detail: string): ApplyOutcome => ({ kind: 'refused', status, error: wireError(code, detail) });

/** The counter and groups an action names, against the published configuration (when it lists counters / groups). */
function configProblem(a: QueueActionArgs, settings: QueueSettings): ApplyOutcome | null {
  const { config, groups } = settings;
  const counters = new Set(config.counters.map((c) => c.number));
  if (counters.size > 0) {
    if (!counters.has(a.counter)) return refused(400, 'queue.counter-unknown', `counter ${a.counter} is not in the branch's published counters`);
    if (a.toCounter !== null && !counters.has(a.toCounter))
      return refused(400, 'queue.counter-unknown', `counter ${a.toCounter} is not in the branch's published counters`);
  }
  if (groups !== null) {
    for (const g of [...a.groups, ...(a.toGroup === null ? [] : [a.toGroup])]) {
      if (!groups.has(g)) return refused(400, 'queue.group-unknown', `service group ${g} is not in the branch's published configuration`);
    }
  }
  return null;
}

/** The groups a counter calls for: those it names, else its published ones, else every group. */
function callerGroups(a: QueueActionArgs, config: QueueConfig): string[] {
  if (a.groups.length > 0) return a.groups;
  return config.counters.find((c) => c.number === a.counter)?.groups ?? [];
}

/**
 * Applies one action in the caller's transaction (the route opens one; a push runs it in its
 * batch's). The caller's transaction must not have read the day's tickets before (it locks first).
 */
export async function applyQueueAction(tx: Db, a: QueueActionArgs, ctx: ApplyContext, settings?: QueueSettings): Promise<ApplyOutcome> {
  const day = await lockDay(tx, a.branchCode, a.day, settings);
  const s = day.settings;

  // One statement: the log's row for this id (a repeat), and the ticket(s) the action may act on.
  const caller = a.kind === 'call' && a.ticketNumber === null ? { counter: a.counter, groups: callerGroups(a, s.config) } : null;
  const [read] = await tx.query<{
    earlier: { args: QueueActionArgs; ticket_number: string | null; answer: QueueActionAnswer | null; outcome: string } | null;
    tickets: TicketRow[];
  }>(
    `SELECT (SELECT row_to_json(l) FROM (SELECT args, ticket_number, answer, outcome FROM queue_actions WHERE id = $${caller ? 5 : 4}::uuid) l) AS earlier,
       (SELECT coalesce(json_agg(t), '[]') FROM (${caller ? LEADERS_SQL : BY_NUMBER_SQL}) t) AS tickets`,
    caller ? [a.branchCode, a.day, caller.counter, caller.groups, a.id] : [a.branchCode, a.day, a.ticketNumber, a.id],
  );
  const earlier = read!.earlier;
  if (earlier) {
    if (!sameAction(earlier.args, earlier.ticket_number, a)) {
      return ctx.via === 'online'
        ? refused(409, 'queue.id-reused', 'this action id was already used for another action')
        : refused(409, 'queue.id-taken', 'a queue action with this id already exists');
    }
    if (earlier.answer) return { kind: 'answered', answer: { ...earlier.answer, repeated: true } };
    // Kept (pending or conflict) when it came in a push: answered with where its ticket stands.
    const ticket = earlier.ticket_number === null ? null : await ticketByNumber(tx, a.branchCode, a.day, earlier.ticket_number);
    return { kind: 'answered', answer: { action: { ...earlier.args }, ticket: ticket ? ticketView(ticket) : null, repeated: true } };
  }
  const problem = configProblem(a, s);
  if (problem) return problem;

  // Online the server's clock decides; a pushed action keeps the counter's time (never in the future).
  const at = ctx.via === 'online' ? ctx.now : Math.min(a.at, ctx.now);
  const logRow = (outcome: 'applied' | 'pending' | 'conflict', ticketNumber: string | null, flag: string | null, answer: QueueActionAnswer | null): LogRow => [
    a.id,
    a.branchCode,
    a.day,
    a.counter,
    a.kind,
    ticketNumber,
    JSON.stringify(a),
    ctx.now,
    a.offline,
    ctx.via,
    ctx.deviceId,
    outcome,
    flag,
    answer === null ? null : JSON.stringify(answer),
  ];
  /** Logs an action that changed nothing (version null) or whose change is already made. */
  const log = async (
    outcome: 'applied' | 'pending' | 'conflict',
    ticketNumber: string | null,
    flag: string | null,
    answer: QueueActionAnswer | null,
    version: number | null,
  ): Promise<void> => {
    await tx.query(`INSERT INTO queue_actions (${LOG_COLUMNS}) VALUES (${LOG_CASTS.map((c, k) => `$${k + 1}::${c}`).join(', ')}, $15)`, [
      ...logRow(outcome, ticketNumber, flag, answer),
      version,
    ]);
  };

  if (a.kind === 'walk-in') {
    const answer: QueueActionAnswer = { action: a, ticket: null, repeated: false };
    await bumpDay(tx, a.branchCode, a.day, null, { log: logRow('applied', null, null, answer) });
    return { kind: 'answered', answer };
  }

  let row: TicketRow | null;
  if (caller) {
    const chosen = nextTicket(read!.tickets.map(candidate), caller, s.config, { normalsSincePriority: day.normalsSincePriority });
    if (!chosen) {
      if (ctx.via === 'online') return refused(409, 'queue.empty', `no ticket waits for counter ${a.counter}`);
      // A call next that reached the owner only in a push (it was never answered): nothing to apply.
      await log('conflict', null, 'queue.empty', null, null);
      return { kind: 'kept', outcome: 'conflict', flag: 'queue.empty' };
    }
    row = chosen.row;
  } else {
    row = read!.tickets[0] ?? null;
  }
  if (!row) {
    if (ctx.via === 'online') return refused(404, 'queue.ticket-unknown', `no ticket ${a.ticketNumber} on ${a.day} at this branch (yet)`);
    await log('pending', a.ticketNumber, null, null, null);
    return { kind: 'kept', outcome: 'pending', flag: null };
  }

  const number = row.number;
  const answerFor = (after: TicketRow): QueueActionAnswer => ({ action: { ...a, ticketNumber: number }, ticket: ticketView(after), repeated: false });
  // Applied: the ticket, the day and the log in one statement.
  const applied = await applyEffect(tx, a, row, at, s.config, day.normalsSincePriority, {
    logFor: (after) => logRow('applied', number, null, answerFor(after)),
    // Online the officer is told at once and nothing changes; a pushed action that no longer fits
    // is kept, and its ticket flagged for staff.
    flag: ctx.via === 'push',
  });
  if (!applied.ok) {
    if (ctx.via === 'online') return refused(409, applied.code, applied.detail);
    await log('conflict', number, applied.flag, null, applied.version);
    return { kind: 'kept', outcome: 'conflict', flag: applied.flag };
  }
  return { kind: 'answered', answer: answerFor(applied.row) };
}

/**
 * Applies the action's effect on its ticket; when it does not fit, says why and, with `flag`,
 * flags the ticket for staff (a new version of the day). Without `flag` nothing is written and
 * `version` is null.
 */
async function applyEffect(
  tx: Db,
  a: QueueActionArgs,
  row: TicketRow,
  at: number,
  config: QueueConfig,
  normals: number,
  options: {
    /** The log row to write with the change when it applies (the caller logs otherwise). */
    readonly logFor?: (after: TicketRow) => LogRow;
    readonly flag: boolean;
  },
): Promise<{ ok: true; row: TicketRow; version: number } | { ok: false; code: QueueErrorCode; detail: string; flag: string; version: number | null }> {
  // A pushed action taken before this ticket was printed (beyond clock skew) is not about it.
  const effect: Effect =
    options.flag && Number(row.issued_at) > at + ISSUE_SKEW_MS
      ? { ok: false, code: 'queue.wrong-state', detail: `ticket ${row.number} was issued after the action` }
      : effectOf(a, row, at, config);
  if (!effect.ok) {
    const flag = conflictFlag(a, row, effect);
    if (!options.flag) return { ...effect, flag, version: null };
    // Staff see the ticket flagged; queue.called-twice is the one that matters most and stays.
    if (row.flag !== 'queue.called-twice') await tx.query('UPDATE queue_tickets SET flag = $2 WHERE ticket_id = $1', [row.ticket_id, flag]);
    return { ...effect, flag, version: await bumpDay(tx, row.branch_code, row.day, null) };
  }
  const { logFor } = options;
  const version = await bumpDay(tx, row.branch_code, row.day, interleaveAfter(a, row, normals, config), {
    ticket: effect.row,
    ...(logFor ? { log: logFor(effect.row) } : {}),
  });
  return { ok: true, row: effect.row, version };
}

async function ticketByNumber(tx: Db, branchCode: string, day: string, number: string): Promise<TicketRow | null> {
  const rows = await tx.query<TicketRow>(BY_NUMBER_SQL, [branchCode, day, number]);
  return rows[0] ?? null;
}

/** Online: one action in its own transaction. */
export async function applyQueueActionOnline(db: Db, a: QueueActionArgs, deviceId: string, now: number): Promise<ApplyOutcome> {
  return db.transaction((tx) => applyQueueAction(tx, a, { via: 'online', deviceId, now }));
}

/**
 * Moves a day's queue version and pokes its watchers, in the caller's transaction, for a change
 * beside the tickets (a call for staff raised or answered: staffCalls.ts). The day's row lock
 * orders it with the counters' actions.
 */
export async function touchQueueDay(tx: Db, branchCode: string, day: string): Promise<number> {
  await lockDay(tx, branchCode, day);
  return bumpDay(tx, branchCode, day, null);
}

export interface ArrivingTicket {
  readonly id: string;
  readonly branchCode: string;
  readonly day: string;
  readonly number: string;
  readonly groupPrefix: string;
  readonly priority: boolean;
  readonly issuedAt: number;
}

/**
 * Stores newly received tickets as arriving (records/ticketIssue.ts, in the push's transaction):
 * no lock on the day, so the kiosks of a branch push side by side. They join the queue when
 * `admitArrivals` runs for their day, right after the push commits (queueArrivals.ts). Returns the
 * ids it queued: a ticket whose printed number the day's queue already has (groups "A" and "A1"
 * can both print A1002) is left out, in batch order, and the caller refuses it.
 */
export async function enqueueTickets(tx: Db, tickets: readonly ArrivingTicket[]): Promise<Set<string>> {
  if (tickets.length === 0) return new Set();
  const rows = await tx.query<{ ticket_id: string }>(
    `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state)
     SELECT x.id, x.branch_code, x.day, x.number, x.group_prefix, x.priority, x.issued_at, 'arriving'
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, day text, number text, group_prefix text, priority boolean, issued_at bigint, ord bigint)
     ORDER BY x.ord
     ON CONFLICT DO NOTHING RETURNING ticket_id`,
    [
      JSON.stringify(
        tickets.map((t, ord) => ({
          ord,
          id: t.id,
          branch_code: t.branchCode,
          day: t.day,
          number: t.number,
          group_prefix: t.groupPrefix,
          priority: t.priority,
          issued_at: t.issuedAt,
        })),
      ),
    ],
  );
  return new Set(rows.map((r) => r.ticket_id));
}

/**
 * One transaction under the day's lock: every arriving ticket of the day starts waiting (its
 * arrived_version the day's new version, so the log says what was waiting at each call), then the
 * actions that were waiting for a ticket now in the queue (an offline counter's call by number that
 * arrived first) apply in log order. Pending actions are looked up for the whole day, not only the
 * tickets just admitted: an admission a crash cut short is made good by the next one. Returns how
 * many tickets it admitted; when there is nothing to do the version does not move.
 */
export async function admitArrivals(db: Db, branchCode: string, day: string, now: number): Promise<number> {
  return db.transaction(async (tx) => {
    const dayState = await lockDay(tx, branchCode, day);
    const s = dayState.settings;
    const admitted = await tx.query<{ number: string }>(
      `UPDATE queue_tickets SET state = 'waiting', arrived_version = $3 WHERE branch_code = $1 AND day = $2 AND state = 'arriving' RETURNING number`,
      [branchCode, day, dayState.version + 1],
    );
    const pending = await tx.query<{ id: string; args: QueueActionArgs }>(
      `SELECT a.id, a.args FROM queue_actions a
       WHERE a.branch_code = $1 AND a.day = $2 AND a.outcome = 'pending'
         AND EXISTS (SELECT 1 FROM queue_tickets q WHERE q.branch_code = $1 AND q.day = $2 AND q.number = a.ticket_number AND q.state <> 'arriving')
       ORDER BY a.seq`,
      [branchCode, day],
    );
    if (admitted.length === 0 && pending.length === 0) return 0;
    await bumpDay(tx, branchCode, day, null);
    let normals = dayState.normalsSincePriority;
    for (const p of pending) {
      const row = (await ticketByNumber(tx, branchCode, day, p.args.ticketNumber!))!;
      const applied = await applyEffect(tx, p.args, row, Math.min(p.args.at, now), s.config, normals, { flag: true });
      const after = applied.ok ? interleaveAfter(p.args, row, normals, s.config) : null;
      if (after !== null) normals = after;
      await tx.query('UPDATE queue_actions SET outcome = $2, flag = $3, answer = $4::jsonb, resolved_at = $5, version = $6 WHERE id = $1', [
        p.id,
        applied.ok ? 'applied' : 'conflict',
        applied.ok ? null : applied.flag,
        applied.ok ? JSON.stringify({ action: p.args, ticket: ticketView(applied.row), repeated: false } satisfies QueueActionAnswer) : null,
        now,
        applied.version,
      ]);
    }
    return admitted.length;
  });
}

/** Branch days with tickets still arriving (the sweep's work: an admission a crash or an error cut short). */
export async function daysWithArrivals(db: Db): Promise<{ branchCode: string; day: string }[]> {
  const rows = await db.query<{ branch_code: string; day: string }>(`SELECT DISTINCT branch_code, day FROM queue_tickets WHERE state = 'arriving'`);
  return rows.map((r) => ({ branchCode: r.branch_code, day: r.day }));
}

// ---- views ---------------------------------------------------------------------------------------
//
// A board or a desk's state is read in one statement (one snapshot): its parts are scalar subqueries
// answering JSON. On the queue owner's PGlite every statement costs the engine a round of its own,
// and the reads follow every change (each poke makes every board and desk read), so they weigh as
// much as the counters' actions.

/** Per group of the day (a transferred ticket counts in its new group): its tickets and how many are priority. */
interface DayGroup {
  readonly group: string;
  readonly tickets: number;
  readonly priority: number;
}

/**
 * The parts both views read: $1 branch, $2 day, $3 counters acting since, $4 samples per group.
 * Each is a few index descents, not a scan of the day: a board and every desk read them after every
 * change, and on a busy day the day's log holds thousands of actions. The statement starts with
 * SHARED_WITH (the day's groups, read once for the groups and for their recent services).
 * - recent: per group, its last $4 services (queue_tickets_done, newest first).
 * - counters: the day's counters, found one by one up the (branch, day, counter) index (a loose
 *   index scan), each with the groups of its last call; acting when its last action (by seq, in
 *   server order) came after $3.
 */
const SHARED_WITH = `WITH day_groups AS (
  SELECT group_prefix, count(*) AS n, count(*) FILTER (WHERE priority) AS p FROM queue_tickets
  WHERE branch_code = $1 AND day = $2 AND state <> 'arriving' GROUP BY group_prefix)`;

const SHARED_PARTS = `
  (SELECT row_to_json(d) FROM (SELECT version, normals_since_priority FROM queue_days WHERE branch_code = $1 AND day = $2) d) AS day,
  (SELECT coalesce(json_agg(g), '[]') FROM day_groups g) AS groups,
  (SELECT coalesce(json_agg(r), '[]') FROM day_groups g CROSS JOIN LATERAL (
     SELECT q.group_prefix, q.occupied_ms FROM queue_tickets q
     WHERE q.branch_code = $1 AND q.day = $2 AND q.group_prefix = g.group_prefix AND q.occupied_ms IS NOT NULL
     ORDER BY q.done_at DESC LIMIT $4) r) AS recent,
  (SELECT coalesce(json_agg(c), '[]') FROM (
     WITH RECURSIVE counters AS (
       SELECT (SELECT min(counter) FROM queue_actions WHERE branch_code = $1 AND day = $2) AS counter
       UNION ALL
       SELECT (SELECT min(x.counter) FROM queue_actions x WHERE x.branch_code = $1 AND x.day = $2 AND x.counter > counters.counter)
       FROM counters WHERE counters.counter IS NOT NULL)
     SELECT k.counter, (SELECT c.args->'groups' FROM queue_actions c WHERE c.branch_code = $1 AND c.day = $2 AND c.counter = k.counter AND c.kind = 'call'
       ORDER BY c.seq DESC LIMIT 1) AS groups
     FROM counters k
     WHERE k.counter IS NOT NULL
       AND (SELECT a.server_at FROM queue_actions a WHERE a.branch_code = $1 AND a.day = $2 AND a.counter = k.counter ORDER BY a.seq DESC LIMIT 1) > $3) c) AS counters`;

interface SharedParts {
  readonly day: { version: unknown; normals_since_priority: number } | null;
  readonly groups: { group_prefix: string; n: unknown; p: unknown }[];
  readonly recent: { group_prefix: string; occupied_ms: unknown }[];
  readonly counters: { counter: number; groups: unknown }[];
}

function sharedParams(branchCode: string, day: string, now: number): unknown[] {
  return [branchCode, day, now - COUNTER_OPEN_MS, ESTIMATE_SAMPLES];
}

/** The day's version, interleave and groups, and the wait estimates, from the shared parts. */
function sharedView(parts: SharedParts, s: QueueSettings, waiting: readonly WaitingCount[]) {
  const version = parts.day ? Number(parts.day.version) : 0;
  const normalsSincePriority = parts.day ? Number(parts.day.normals_since_priority) : s.config.normalsPerPriority;
  const perGroup: DayGroup[] = parts.groups.map((g) => ({ group: g.group_prefix, tickets: Number(g.n), priority: Number(g.p) }));
  const groups = [...new Set([...(s.groups ? [...s.groups.keys()] : []), ...perGroup.map((g) => g.group)])].sort();
  const serving = parts.counters.map((c) => ({
    counter: Number(c.counter),
    groups: s.config.counters.find((x) => x.number === Number(c.counter))?.groups ?? (Array.isArray(c.groups) ? (c.groups as string[]) : []),
  }));
  // The wait of a ticket joining each group now, from the day's log (queueEstimate.ts).
  const total = perGroup.reduce((n, g) => n + g.tickets, 0);
  const share = total === 0 ? 0 : perGroup.reduce((n, g) => n + g.priority, 0) / total;
  const overtaking = Math.min(share, 1 / (s.config.normalsPerPriority + 1));
  const weight = (g: string) => s.config.weights[g] ?? 0;
  const estimates: Record<string, WaitEstimate> = {};
  for (const g of groups) {
    const counters = serving.filter((c) => c.groups.length === 0 || c.groups.includes(g));
    const samples = parts.recent.filter((r) => r.group_prefix === g).map((r) => Number(r.occupied_ms));
    // Ahead of a normal ticket joining now: every waiting ticket those counters may call, of a group
    // weighing at least as much (they arrived earlier).
    const ahead = waiting
      .filter((t) => counters.some((c) => mayCall(t, { counter: c.counter, groups: c.groups })) && weight(t.group) >= weight(g))
      .reduce((n, t) => n + t.n, 0);
    estimates[g] = waitEstimate(ahead, { recentOccupancyMs: samples, counters: counters.length, overtaking });
  }
  return { version, normalsSincePriority, groups, estimates };
}

/** A call for staff older than this is no longer shown (the citizen has gone); staffCalls.ts. */
export const STAFF_CALL_OPEN_MS = 30 * 60_000;

/**
 * GET /v1/queue/state: the day's queue for the branch's counters and technicians, in one
 * statement ($5: a no-show's grace began after, $6: a call for staff still open after).
 */
export async function queueState(db: Db, branchCode: string, day: string, now: number, settings?: QueueSettings): Promise<QueueState> {
  const s = settings ?? (await queueSettings(db, branchCode));
  const [parts] = await db.query<
    SharedParts & { waiting: TicketRow[]; active: TicketRow[]; staff: { id: string; screen: string; called_at: unknown; kiosk_slot: number }[] }
  >(
    `${SHARED_WITH} SELECT ${SHARED_PARTS},
       (SELECT coalesce(json_agg(w), '[]') FROM (SELECT ${TICKET_COLUMNS} FROM queue_tickets
          WHERE branch_code = $1 AND day = $2 AND state = 'waiting') w) AS waiting,
       -- Called, serving, a no-show still in its grace period, and any other flagged for staff.
       (SELECT coalesce(json_agg(t), '[]') FROM (SELECT ${TICKET_COLUMNS} FROM queue_tickets
          WHERE branch_code = $1 AND day = $2
            AND (state IN ('called', 'serving') OR (state = 'no-show' AND no_show_at >= $5) OR (flag IS NOT NULL AND state NOT IN ('waiting', 'arriving')))) t) AS active,
       -- Open calls for staff (unanswered, younger than STAFF_CALL_OPEN_MS), oldest first.
       (SELECT coalesce(json_agg(f ORDER BY f.called_at, f.id), '[]') FROM (SELECT id, screen, called_at, kiosk_slot FROM staff_calls
          WHERE branch_code = $1 AND day = $2 AND answered_at IS NULL AND received_at >= $6) f) AS staff`,
    [...sharedParams(branchCode, day, now), now - s.config.noShowGraceMinutes * 60_000, now - STAFF_CALL_OPEN_MS],
  );
  const candidates = parts!.waiting.map(candidate);
  const shared = sharedView(parts!, s, countWaiting(candidates));
  const waiting = callOrder(candidates, null, s.config, { normalsSincePriority: shared.normalsSincePriority }).map((c) => ticketView(c.row));
  const active = parts!.active.sort((x, y) => Number(y.called_at ?? 0) - Number(x.called_at ?? 0)).map(ticketView);
  return {
    branchCode,
    day,
    version: shared.version,
    waiting,
    active,
    waitingByGroup: Object.fromEntries(shared.groups.map((g) => [g, waiting.filter((t) => t.group === g).length])),
    estimateByGroup: shared.estimates,
    config: s.config,
    staffCalls: parts!.staff.map((r) => ({
      id: r.id,
      screen: r.screen as StaffCallView['screen'],
      calledAt: Number(r.called_at),
      kioskSlot: Number(r.kiosk_slot),
    })),
  };
}

/** GET /v1/queue/board: numbers only, for the branch's TV, in one statement ($5: calls listed). */
export async function queueBoard(db: Db, branchCode: string, now: number, day?: string, settings?: QueueSettings): Promise<QueueBoard> {
  const s = settings ?? (await queueSettings(db, branchCode));
  const d = day ?? queueToday(s, now);
  const [parts] = await db.query<
    SharedParts & {
      current: { number: string; counter: number; called_at: unknown; calls: number }[];
      waiting: { group_prefix: string; to_counter: number | null; n: unknown }[];
      calls: { id: string; ticket_number: string; counter: number; server_at: unknown; kind: string }[];
    }
  >(
    `${SHARED_WITH} SELECT ${SHARED_PARTS},
       (SELECT coalesce(json_agg(t), '[]') FROM (SELECT number, counter, called_at, calls FROM queue_tickets
          WHERE branch_code = $1 AND day = $2 AND state IN ('called', 'serving') AND counter IS NOT NULL) t) AS current,
       (SELECT coalesce(json_agg(w), '[]') FROM (SELECT group_prefix, to_counter, count(*) AS n FROM queue_tickets
          WHERE branch_code = $1 AND day = $2 AND state = 'waiting' GROUP BY group_prefix, to_counter) w) AS waiting,
       (SELECT coalesce(json_agg(a ORDER BY a.seq DESC), '[]') FROM (SELECT seq, id, ticket_number, counter, server_at, kind FROM queue_actions
          WHERE branch_code = $1 AND day = $2 AND kind IN ('call', 'recall') AND outcome = 'applied' ORDER BY seq DESC LIMIT $5) a) AS calls`,
    [...sharedParams(branchCode, d, now), BOARD_LAST_CALLS],
  );
  const waiting: WaitingCount[] = parts!.waiting.map((w) => ({ group: w.group_prefix, toCounter: w.to_counter, n: Number(w.n) }));
  const shared = sharedView(parts!, s, waiting);
  return {
    branchCode,
    day: d,
    version: shared.version,
    current: parts!.current
      .sort((x, y) => Number(y.called_at) - Number(x.called_at))
      .map((t) => ({ number: t.number, counter: Number(t.counter), calledAt: Number(t.called_at), calls: Math.max(1, Number(t.calls)) })),
    lastCalls: parts!.calls.map((c) => ({
      id: c.id,
      number: c.ticket_number,
      counter: Number(c.counter),
      at: Number(c.server_at),
      recall: c.kind === 'recall',
    })),
    waiting: shared.groups.map((g) => ({
      group: g,
      name: s.groups?.get(g) ?? { vi: g, en: g },
      waiting: waiting.filter((t) => t.group === g).reduce((n, t) => n + t.n, 0),
      estimate: shared.estimates[g] ?? null,
    })),
  };
}

/** The day's version only (the board's cache key, the SSE's first poke). */
export async function queueVersion(db: Db, branchCode: string, day: string): Promise<number> {
  const rows = await db.query<{ version: unknown }>('SELECT version FROM queue_days WHERE branch_code = $1 AND day = $2', [branchCode, day]);
  return rows[0] ? Number(rows[0].version) : 0;
}
