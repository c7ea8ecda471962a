import { z } from 'zod';
import { IsoDate } from './calendar';
import { STAFF_CALL_SCREENS } from './records/staffCall';
import { BranchCode, DossierCode, EpochMs, Uuid } from './wireTypes';

/**
 * The queue at a branch's counters (DOMAIN.md, "Queue tickets"): the published rules, the action a
 * counter takes on a ticket, and the views the queue owner answers with. One contract for both
 * sides: the queue owner (the branch hub, or the centre for a branch without one: src/server/queue.ts)
 * and its clients (the counter's "Gọi số" panel, the display board).
 *
 * A ticket's life: waiting → called (a counter called it; recall repeats the call) → serving →
 * served; or called → no-show (held for the grace period; `return` puts it back at the front of
 * the queue if the citizen turns up in time); a transfer puts a called or serving ticket back to
 * waiting for another group or counter, keeping its original arrival.
 */

/** A service-group prefix, as in BranchConfig. */
export const GroupPrefix = z.string().regex(/^[A-Z][A-Z0-9]{0,2}$/);
/** A counter's number at its branch ("quầy số 3"). */
export const CounterNumber = z.number().int().min(1).max(99);
/** A ticket number as printed ("A015"). */
export const TicketNumberText = z.string().regex(/^[A-Z][A-Z0-9]{0,2}\d{1,9}$/);

/** The queue rules a branch publishes (BranchConfig.queue); DEFAULT_QUEUE_CONFIG when absent. */
export const QueueConfig = z
  .object({
    /**
     * Interleave: after a priority ticket is called, this many normal tickets are called before the
     * next priority one when both wait (3 = "1 priority per 3 normal"); 0 = priority always first.
     */
    normalsPerPriority: z.number().int().min(0).max(50),
    /** How long a no-show may still return to the front of the queue, in minutes. */
    noShowGraceMinutes: z.number().int().min(0).max(480),
    /** The branch's target wait, in minutes (share served within it is a figure of the day). */
    targetWaitMinutes: z.number().int().min(1).max(480),
    /** Service weight per group prefix (higher is called first within a class); absent = 0. */
    weights: z.record(GroupPrefix, z.number().int().min(0).max(100)),
    /** The branch's counters and the groups each serves; empty = any counter number 1–99, any group. */
    counters: z
      .array(
        z
          .object({
            number: CounterNumber,
            name: z.string().max(60).optional(),
            groups: z.array(GroupPrefix).min(1).max(40),
          })
          .strict(),
      )
      .max(99),
  })
  .strict();
export type QueueConfig = z.infer<typeof QueueConfig>;

export const DEFAULT_QUEUE_CONFIG: QueueConfig = {
  normalsPerPriority: 3,
  noShowGraceMinutes: 15,
  targetWaitMinutes: 15,
  weights: {},
  counters: [],
};

export const QUEUE_ACTION_KINDS = [
  /** Call a ticket: the next by the ordering rules (`how: 'next'`) or one by its number (`how: 'number'`). */
  'call',
  /** Call the same ticket again (display board and voice repeat it). */
  'recall',
  /** The citizen did not come: held for the grace period. */
  'no-show',
  /** A no-show came back within the grace period: waiting again, at the front. */
  'return',
  /** The citizen is at the counter. */
  'serve',
  /** Done. */
  'finish',
  /** Send the ticket to another group (`toGroup`) or counter (`toCounter`); it keeps its arrival. */
  'transfer',
  /** Serve someone without a ticket (no ticket number). */
  'walk-in',
] as const;
export const QueueActionKind = z.enum(QUEUE_ACTION_KINDS);
export type QueueActionKind = z.infer<typeof QueueActionKind>;

/**
 * Arguments of `queue.action@1`: one action of a counter on the queue, as an event of the branch's
 * append-only queue log. Online, the counter sends it to the queue owner (POST /v1/queue/actions),
 * which applies it at once in one transaction and answers with the ticket; the counter then keeps the
 * completed action in its outbox, so it reaches the centre like any record (the owner already holds
 * the same id: applied once). Offline, only actions naming a ticket (by number) are possible; they
 * are applied when pushed, and a ticket another counter called meanwhile is flagged for staff.
 */
export const QueueActionArgs = z
  .object({
    /** The action's id, made by the counter: a request sent twice is applied once. */
    id: Uuid,
    branchCode: BranchCode,
    day: IsoDate,
    counter: CounterNumber,
    kind: QueueActionKind,
    /** For `call`: chosen by the owner (`next`) or typed by the officer (`number`); null otherwise. */
    how: z.enum(['next', 'number']).nullable(),
    /** The groups the counter calls for (`call` next); empty = every group. */
    groups: z.array(GroupPrefix).max(40),
    /** The ticket acted on; null for `call` next before the owner chose it and for `walk-in`. */
    ticketNumber: TicketNumberText.nullable(),
    /** For `transfer`: the group and/or counter it goes to. */
    toGroup: GroupPrefix.nullable(),
    toCounter: CounterNumber.nullable(),
    /** For `finish`: the dossiers received from this citizen (the queue log links ticket and dossiers). */
    dossierCodes: z.array(DossierCode).max(20),
    /** The signed-in officer (src/app/staffSession.ts), if any. */
    staffId: z.string().max(40).nullable(),
    /** When the counter took the action (its clock). */
    at: EpochMs,
    /** Taken without the queue owner (typed number, applied when pushed). */
    offline: z.boolean(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if ((a.kind === 'call') !== (a.how !== null)) issue('how is set for a call and only for a call');
    if (a.kind === 'walk-in' && a.ticketNumber !== null) issue('a walk-in has no ticket number');
    if (a.kind !== 'walk-in' && a.ticketNumber === null && !(a.kind === 'call' && a.how === 'next' && !a.offline)) issue(`${a.kind} names its ticket`);
    if (a.kind === 'call' && a.how === 'next' && a.offline) issue('call next needs the queue owner; offline, call by number');
    if (a.kind === 'transfer' && a.toGroup === null && a.toCounter === null) issue('a transfer names a group or a counter');
    if (a.kind !== 'transfer' && (a.toGroup !== null || a.toCounter !== null)) issue('only a transfer has toGroup/toCounter');
    if (a.kind !== 'finish' && a.dossierCodes.length > 0) issue('only a finish lists dossier codes');
  });
export type QueueActionArgs = z.infer<typeof QueueActionArgs>;

export const QUEUE_TICKET_STATES = ['waiting', 'called', 'serving', 'served', 'no-show', 'cancelled'] as const;
export type QueueTicketState = (typeof QUEUE_TICKET_STATES)[number];

/** A ticket as the queue owner sees it: no personal data (a ticket carries none). */
export const QueueTicketView = z
  .object({
    id: Uuid,
    number: TicketNumberText,
    /** The group it waits for now (after a transfer, the new one). */
    group: GroupPrefix,
    priority: z.boolean(),
    /** Booked ahead: called before walk-ins. */
    appointment: z.boolean(),
    /** Arrival: when the ticket was issued (kept through a transfer). */
    issuedAt: EpochMs,
    state: z.enum(QUEUE_TICKET_STATES),
    /** The counter that called or serves it; for a waiting transferred ticket, the counter it was sent to (if any). */
    counter: CounterNumber.nullable(),
    calledAt: EpochMs.nullable(),
    /** How many times it was called (recalls included). */
    calls: z.number().int().min(0),
    /** Back from a no-show: at the front of the queue. */
    returned: z.boolean(),
    noShowAt: EpochMs.nullable(),
    /** Why staff should look at it, e.g. `queue.called-twice` (an offline call on a ticket another counter had). */
    flag: z.string().max(60).nullable(),
  })
  .strict();
export type QueueTicketView = z.infer<typeof QueueTicketView>;

/** An honest range of minutes ("khoảng 10–20 phút"), or null when there is nothing to base it on. */
export const WaitEstimate = z
  .object({ low: z.number().int().min(0), high: z.number().int().min(0) })
  .strict()
  .nullable();
export type WaitEstimate = z.infer<typeof WaitEstimate>;

/** Answer of POST /v1/queue/actions. */
export const QueueActionAnswer = z
  .object({
    /** The action as applied (for call next: with the ticket the owner chose). */
    action: QueueActionArgs,
    /** The ticket after the action; null for a walk-in. */
    ticket: QueueTicketView.nullable(),
    /** The id was already applied: this is the earlier answer. */
    repeated: z.boolean(),
  })
  .strict();
export type QueueActionAnswer = z.infer<typeof QueueActionAnswer>;

/** Answer of GET /v1/queue/state?day= (counters and technicians of the branch). */
/** An open "Gọi nhân viên" from a citizen kiosk of the branch (src/server/staffCalls.ts). */
export const StaffCallView = z
  .object({
    id: Uuid,
    screen: z.enum(STAFF_CALL_SCREENS),
    /** The kiosk's clock when it was tapped. */
    calledAt: EpochMs,
    /** The calling kiosk's slot (its "Máy lấy số" number is slot + 1). */
    kioskSlot: z.number().int().min(0).max(49),
  })
  .strict();
export type StaffCallView = z.infer<typeof StaffCallView>;

/** POST /v1/queue/staff-calls/answer: the officer at `counter` goes to the kiosk. */
export const StaffCallAnswerRequest = z.object({ id: Uuid, counter: CounterNumber }).strict();
export type StaffCallAnswerRequest = z.infer<typeof StaffCallAnswerRequest>;
/** Its answer: who answered (the first officer; `first` false when another counter had already). */
export const StaffCallAnswer = z.object({ id: Uuid, answeredAt: EpochMs, counter: CounterNumber, first: z.boolean() }).strict();
export type StaffCallAnswer = z.infer<typeof StaffCallAnswer>;

export const QueueState = z
  .object({
    branchCode: BranchCode,
    day: IsoDate,
    /** Increases with every change of the branch's queue (the SSE poke carries it). */
    version: z.number().int().min(0),
    /** Waiting tickets in the order call-next would take them for a counter serving every group. */
    waiting: z.array(QueueTicketView),
    /** Called, serving and no-shows still in their grace period. */
    active: z.array(QueueTicketView),
    waitingByGroup: z.record(GroupPrefix, z.number().int().min(0)),
    estimateByGroup: z.record(GroupPrefix, WaitEstimate),
    config: QueueConfig,
    /** Open calls for staff, oldest first (absent from an owner older than them). */
    staffCalls: z.array(StaffCallView).max(200).optional(),
  })
  .strict();
export type QueueState = z.infer<typeof QueueState>;

/** Answer of GET /v1/queue/board?branch= (public: the branch's TV shows it; numbers only). */
export const QueueBoard = z
  .object({
    branchCode: BranchCode,
    day: IsoDate,
    version: z.number().int().min(0),
    /** Calls in progress (called or serving), newest first: ticket → counter. */
    current: z.array(z.object({ number: TicketNumberText, counter: CounterNumber, calledAt: EpochMs, calls: z.number().int().min(1) }).strict()),
    /** The last calls, newest first, recalls included (what the voice speaks, in order). */
    lastCalls: z.array(z.object({ id: Uuid, number: TicketNumberText, counter: CounterNumber, at: EpochMs, recall: z.boolean() }).strict()),
    waiting: z.array(
      z
        .object({ group: GroupPrefix, name: z.object({ vi: z.string(), en: z.string() }).strict(), waiting: z.number().int().min(0), estimate: WaitEstimate })
        .strict(),
    ),
  })
  .strict();
export type QueueBoard = z.infer<typeof QueueBoard>;

/** Query of GET /v1/queue/state (the device's branch; today in branch time when no day). */
export const QueueStateQuery = z.object({ day: IsoDate.optional() }).strict();
/** Query of GET /v1/queue/board (public; today in branch time when no day). */
export const QueueBoardQuery = z.object({ branch: BranchCode, day: IsoDate.optional() }).strict();
/** Query of GET /v1/queue/events (public server-sent events: `event: queue`, data `{"version":N}`). */
export const QueueEventsQuery = z.object({ branch: BranchCode }).strict();

/** Error codes of the queue routes (with the wire error's detail). */
export const QUEUE_ERRORS = [
  'queue.bad-request',
  'queue.empty',
  'queue.ticket-unknown',
  'queue.wrong-state',
  'queue.grace-over',
  'queue.counter-unknown',
  'queue.group-unknown',
  'queue.id-reused',
  /** A pushed queue.action@1 whose id the log holds with other content (the push's record-id rule). */
  'queue.id-taken',
  /** Board or events for a branch the server does not know. */
  'queue.branch-unknown',
  /** Too many open event streams from one address or in one process (429). */
  'queue.too-many-streams',
] as const;
export type QueueErrorCode = (typeof QUEUE_ERRORS)[number];
