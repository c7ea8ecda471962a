import { localSeqFor } from '../../domain/ticketNumbering';
import { TicketNumbering } from '../../shared/branchConfig';
import type { WireError } from '../../shared/sync';
import { enqueueTickets } from '../queue';
import { admitDay } from '../queueArrivals';
import { wireError } from '../wireErrors';
import { insertedIds, notInserted, type RecordHandler } from './types';

/** The numbering in a batch's branch configuration, parsed once per batch (the object lives as long as its batch). */
const parsedNumbering = new WeakMap<object, TicketNumbering | null>();
function numberingOf(config: Readonly<Record<string, unknown>> | null): TicketNumbering | null {
  if (!config) return null;
  let numbering = parsedNumbering.get(config);
  if (numbering === undefined) {
    const parsed = TicketNumbering.safeParse(config.numbering);
    numbering = parsed.success ? parsed.data : null;
    parsedNumbering.set(config, numbering);
  }
  return numbering;
}

/**
 * `ticket.issue@1`: a queue ticket. Unique per id and per (branch, day, group, number). A number
 * must come from the sending kiosk's own blocks under the branch's published numbering
 * (src/domain/ticketNumbering.ts: the same rule that made it), otherwise two kiosks could have
 * issued it; without a published numbering the check is skipped (the unique number still holds).
 * A stored ticket joins the branch's queue as soon as its push commits (queueArrivals.ts).
 */
export const ticketIssue: RecordHandler<'ticket.issue@1'> = {
  async check(_tx, a, batch): Promise<WireError | null> {
    // The slot is bound to one device at enrolment (deviceSlots.ts): a number from another slot's
    // blocks is one another device may print. A device enrolled without a slot is not checked.
    const enrolled = batch.device.slot;
    if (typeof enrolled === 'number' && a.kioskSlot !== enrolled) {
      return wireError('ticket.slot-not-enrolled', `the ticket is numbered in slot ${a.kioskSlot}, but this device is enrolled with slot ${enrolled}`);
    }
    const numbering = numberingOf(await batch.branchConfig());
    if (!numbering) return null;
    if (a.kioskSlot >= numbering.slots)
      return wireError('ticket.slot-out-of-range', `kiosk slot ${a.kioskSlot} is not below the branch's ${numbering.slots} slots`);
    if (localSeqFor(a.numeric, a.kioskSlot, numbering) === null)
      return wireError('ticket.number-out-of-range', `ticket ${a.number} is outside the number blocks of kiosk slot ${a.kioskSlot}`);
    return null;
  },

  async store(tx, items, batch, reasons) {
    const inserted = await insertedIds(
      tx,
      `INSERT INTO tickets (id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at)
       SELECT x.id, x.branch_code, $2::uuid, x.kiosk_slot, x.day, x.group_prefix, x.number, x.numeric, x.priority, x.issued_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, kiosk_slot integer, day text, group_prefix text,
         number text, numeric integer, priority boolean, issued_at bigint, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING id`,
      items.map(({ a }, ord) => ({
        ord,
        id: a.id,
        branch_code: a.branchCode,
        kiosk_slot: a.kioskSlot,
        day: a.day,
        group_prefix: a.groupPrefix,
        number: a.number,
        numeric: a.numeric,
        priority: a.priority,
        issued_at: a.issuedAt,
      })),
      batch.device.deviceId,
    );
    const refused = notInserted(items, inserted);
    // Received tickets are stored arriving here and join their day's queue once this push commits
    // (queueArrivals.ts): the day's lock is never held for the length of a push.
    const refusedSet = new Set(refused);
    const stored = items.filter((item) => !refusedSet.has(item));
    const queued = await enqueueTickets(
      tx,
      stored.map(({ a }) => a),
    );
    for (const { a } of stored) {
      if (queued.has(a.id)) batch.afterCommit(`queue:${a.branchCode}\u0000${a.day}`, (db) => admitDay(db, a.branchCode, a.day, () => batch.now));
    }
    // A ticket whose printed number the day's queue already holds (another group's prefix followed
    // by digits: "A" 1002 and "A1" 002 both print A1002) would be stored but never called: refused.
    const unqueued = stored.filter(({ a }) => !queued.has(a.id));
    if (unqueued.length > 0) {
      await tx.query('DELETE FROM tickets WHERE id = ANY($1::uuid[])', [unqueued.map(({ a }) => a.id)]);
      for (const { i, a } of unqueued) {
        reasons[i] = wireError('ticket.number-taken', `ticket ${a.number} of ${a.day} already exists in branch ${a.branchCode}`);
      }
    }
    if (refused.length === 0) return;
    // Refused by a unique key: the same id (here or earlier), or the number already taken.
    const existingIds = new Set(
      (await tx.query<{ id: string }>('SELECT id FROM tickets WHERE id = ANY($1::uuid[])', [refused.map(({ a }) => a.id)])).map((r) => r.id),
    );
    for (const { i, a } of refused) {
      reasons[i] = existingIds.has(a.id)
        ? wireError('ticket.id-taken', 'a ticket with this id already exists')
        : wireError('ticket.number-taken', `ticket ${a.number} of ${a.day} already exists in branch ${a.branchCode}`);
    }
  },
};
