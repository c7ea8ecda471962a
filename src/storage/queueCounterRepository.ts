import type { Clock, RandomBytes } from '../shared/clock';
import type { OutboxEntry } from '../shared/outbox';
import type { QueueActionArgs } from '../shared/records';
import type { KioskDb } from './KioskDb';
import { appendOutbox } from './outboxRepository';
import { toStorageFailure } from './storageErrors';

/**
 * The counter's side of the branch's queue kept on this machine: which counter it is (number and
 * the groups it calls for, chosen once on the machine) and the ticket it is handling now, so a
 * reload or a restart finds the citizen at the counter where they were.
 *
 * A queue action and the counter's ticket after it are written in one transaction with the
 * action's outbox entry (`queue.action@1`): the screen never shows a ticket whose action is not on
 * its way to the centre, and no action is recorded without the ticket it left on screen.
 */
export interface CounterQueueSetup {
  /** "Quầy số 3". */
  readonly counter: number;
  /** The service groups it calls for (prefixes); empty = every group. */
  readonly groups: readonly string[];
}

export const COUNTER_TICKET_STATES = ['called', 'serving'] as const;
export type CounterTicketState = (typeof COUNTER_TICKET_STATES)[number];

/** The ticket (or walk-in) this counter is handling now. No personal data: a ticket carries none. */
export interface CounterTicket {
  /** The branch's local day it belongs to ('YYYY-MM-DD'); a ticket of another day is dropped. */
  readonly day: string;
  /** As printed ("A015"); null for someone served without a ticket (walk-in). */
  readonly number: string | null;
  readonly group: string | null;
  readonly state: CounterTicketState;
  readonly priority: boolean;
  readonly calledAt: number | null;
  /** How many times it was called (recalls included). */
  readonly calls: number;
  /** Since when it has been served here (dossiers received from then on belong to this service). */
  readonly servingSince: number | null;
  /** Called without the queue owner (typed number): reconciled when the action reaches it. */
  readonly offline: boolean;
  /** Why staff should look at it, as the queue owner said (e.g. `queue.called-twice`). */
  readonly flag: string | null;
}

const SETUP_KEY = 'queue.counterSetup';
const TICKET_KEY = 'queue.counterTicket';

export async function loadCounterSetup(db: KioskDb): Promise<CounterQueueSetup | null> {
  const value = (await db.settings.get(SETUP_KEY))?.value as Partial<CounterQueueSetup> | undefined;
  if (!value || typeof value.counter !== 'number' || !Array.isArray(value.groups)) return null;
  return { counter: value.counter, groups: value.groups.filter((g): g is string => typeof g === 'string') };
}

export async function saveCounterSetup(db: KioskDb, setup: CounterQueueSetup): Promise<void> {
  try {
    await db.settings.put({ key: SETUP_KEY, value: { counter: setup.counter, groups: [...setup.groups] } });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** The ticket this counter handles now, if it belongs to `day`. */
export async function loadCounterTicket(db: KioskDb, day: string): Promise<CounterTicket | null> {
  const value = (await db.settings.get(TICKET_KEY))?.value as CounterTicket | null | undefined;
  if (!value || typeof value !== 'object' || value.day !== day) return null;
  if (!(COUNTER_TICKET_STATES as readonly string[]).includes(value.state)) return null;
  return value;
}

/** Sets the counter's ticket without recording an action (what the queue owner says the counter has). */
export async function saveCounterTicket(db: KioskDb, ticket: CounterTicket | null): Promise<void> {
  try {
    await db.settings.put({ key: TICKET_KEY, value: ticket });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/**
 * Records a queue action: its outbox entry (`queue.action@1`, the action's own id inside) and the
 * counter's ticket after it, in one strict-durability transaction.
 */
export async function recordQueueAction(
  db: KioskDb,
  deviceId: string,
  args: QueueActionArgs,
  ticket: CounterTicket | null,
  clock: Clock,
  random: RandomBytes,
): Promise<OutboxEntry> {
  try {
    return await db.transaction('rw', [db.outbox, db.counters, db.settings], async () => {
      const entry = await appendOutbox(db, deviceId, 'queue.action@1', args, clock, random);
      await db.settings.put({ key: TICKET_KEY, value: ticket });
      return entry;
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** Codes of the dossiers this machine received for a ticket on a day, from `since` on, oldest first. */
export async function dossierCodesOfTicket(db: KioskDb, ticketNumber: string, day: string, since: number): Promise<string[]> {
  const rows = await db.dossiers.where('day').equals(day).toArray();
  return rows
    .filter((r) => r.ticketNumber === ticketNumber && r.receivedAt >= since)
    .sort((a, b) => a.receivedAt - b.receivedAt)
    .map((r) => r.code);
}
