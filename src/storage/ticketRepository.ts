import Dexie from 'dexie';
import { localDayKey } from '../domain/localDay';
import { WAITING_STATUSES, type PrintStatus, type Ticket } from '../domain/ticket';
import { ticketNumberFor } from '../domain/ticketNumbering';
import type { BranchConfig, ServiceGroup } from '../shared/branchConfig';
import type { Clock, RandomBytes } from '../shared/clock';
import type { OutboxEntry } from '../shared/outbox';
import type { TicketIssueArgs } from '../shared/records';
import { uuidv7 } from '../shared/ids';
import { AppFailure } from '../shared/result';
import { OUTBOX_SEQ_KEY, stageOutbox } from './outboxRepository';
import type { DeviceEvent, KioskDb } from './KioskDb';
import { toStorageFailure } from './storageErrors';

export interface IssueTicketInput {
  readonly deviceId: string;
  readonly kioskSlot: number;
  readonly branch: BranchConfig;
  readonly group: ServiceGroup;
  readonly priority: boolean;
}

export interface IssuedTicket {
  readonly ticket: Ticket;
  /** The outbox entry saved with it (for the file journal's second copy). */
  readonly outboxEntry: OutboxEntry;
  /** Tickets of the same group, issued today at this kiosk or synced from others, still waiting. */
  readonly waitingAhead: number;
  /** The counter this number came from, as it stands now (its high-water mark must cover it before it is shown). */
  readonly counter: { readonly key: string; readonly value: number };
}

/** The `counters` key of a ticket group's sequence for one day and kiosk slot. */
export function ticketCounterKey(day: string, groupPrefix: string, kioskSlot: number): string {
  return `seq|${day}|${groupPrefix}|${kioskSlot}`;
}

/**
 * Issues a ticket: the next number of this kiosk's range, the ticket record and its outbox entry,
 * all in one strict-durability transaction. Either everything is on disk or nothing is.
 */
export async function issueTicket(
  db: KioskDb,
  input: IssueTicketInput,
  clock: Clock,
  random: RandomBytes,
  /**
   * Called once the number is allocated, before the transaction commits, so slow work (rendering
   * the ticket) can overlap the disk flush. It must not assume the ticket is saved: the returned
   * promise says that. Runs synchronously, outside the transaction's zone.
   */
  onNumbered?: (issued: IssuedTicket) => void,
): Promise<IssuedTicket> {
  const { branch, group } = input;
  if (!group.active) throw new AppFailure('ticket.group-inactive', `service group ${group.prefix} is not offered`);
  if (input.kioskSlot >= branch.numbering.slots) {
    throw new AppFailure('config.slot-out-of-range', `kiosk slot ${input.kioskSlot} is not below the branch's ${branch.numbering.slots} slots`);
  }
  try {
    return await db.transaction('rw', [db.tickets, db.outbox, db.counters], async () => {
      const now = clock.now();
      const day = localDayKey(now, branch.utcOffsetMinutes);
      // The slot is part of the key: a kiosk moved to another slot mid-day starts that slot's range
      // afresh instead of continuing into numbers another kiosk may have issued.
      const counterKey = ticketCounterKey(day, group.prefix, input.kioskSlot);
      // Every read in one round trip to IndexedDB, then every write in one: on the tap path each
      // awaited request costs a trip to the browser's storage process and back.
      const [[counterRow, seqRow], waitingAhead] = await Promise.all([db.counters.bulkGet([counterKey, OUTBOX_SEQ_KEY]), countWaiting(db, day, group.prefix)]);
      const localSeq = (counterRow?.value ?? 0) + 1;
      const number = ticketNumberFor(group.prefix, localSeq, input.kioskSlot, branch.numbering);
      const ticket: Ticket = {
        id: uuidv7(now, random),
        branchCode: branch.branchCode,
        deviceId: input.deviceId,
        kioskSlot: input.kioskSlot,
        day,
        groupPrefix: group.prefix,
        localSeq,
        numeric: number.numeric,
        number: number.display,
        priority: input.priority,
        status: 'issued',
        issuedAt: now,
        printStatus: 'pending',
      };
      const staged = stageOutbox(input.deviceId, seqRow?.value ?? 0, 'ticket.issue@1', ticketWireArgs(ticket), clock, random);
      await Promise.all([db.counters.put({ key: counterKey, value: localSeq }), db.tickets.add(ticket), staged.write(db)]);
      const outboxEntry = staged.entry;
      const issued: IssuedTicket = { ticket, waitingAhead, outboxEntry, counter: { key: counterKey, value: localSeq } };
      // ignoreTransaction: the callback's promises must not join (and hold open) this transaction.
      if (onNumbered) Dexie.ignoreTransaction(() => onNumbered(issued));
      return issued;
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** What the server receives: the ticket without local-only fields. */
function ticketWireArgs(t: Ticket): TicketIssueArgs {
  return {
    id: t.id,
    branchCode: t.branchCode,
    kioskSlot: t.kioskSlot,
    day: t.day,
    groupPrefix: t.groupPrefix,
    number: t.number,
    numeric: t.numeric,
    priority: t.priority,
    issuedAt: t.issuedAt,
  };
}

async function countWaiting(db: KioskDb, day: string, prefix: string): Promise<number> {
  const counts = await Promise.all(WAITING_STATUSES.map((status) => db.tickets.where('[day+groupPrefix+status]').equals([day, prefix, status]).count()));
  return counts.reduce((a, b) => a + b, 0);
}

/** Records how printing went; a failure also becomes a device event for the technician. */
export async function recordPrintOutcome(
  db: KioskDb,
  ticket: Ticket,
  status: PrintStatus,
  failure: { code: string; detail: string } | null,
  clock: Clock,
): Promise<void> {
  try {
    await db.transaction('rw', [db.tickets, db.events], async () => {
      await db.tickets.update(ticket.id, { printStatus: status });
      if (failure) {
        const event: DeviceEvent = { at: clock.now(), kind: 'print.failed', code: failure.code, detail: failure.detail, subject: ticket.number };
        await db.events.add(event);
      }
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}
