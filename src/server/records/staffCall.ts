import { touchQueueDay } from '../queue';
import { wireError } from '../wireErrors';
import { insertedIds, notInserted, type RecordHandler } from './types';

/**
 * `staff.call@1`: "Gọi nhân viên" at a citizen kiosk. Unique per id; a stored call is open on the
 * branch's counters at once (the day's queue is poked in the push's transaction: staffCalls.ts).
 */
export const staffCall: RecordHandler<'staff.call@1'> = {
  async store(tx, items, batch, reasons) {
    const inserted = await insertedIds(
      tx,
      `INSERT INTO staff_calls (id, branch_code, device_id, day, screen, kiosk_slot, called_at, received_at)
       SELECT x.id, x.branch_code, $2::uuid, x.day, x.screen, x.kiosk_slot, x.called_at, $3
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, day text, screen text, kiosk_slot integer, called_at bigint, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING id`,
      items.map(({ a }, ord) => ({ ord, id: a.id, branch_code: a.branchCode, day: a.day, screen: a.screen, kiosk_slot: a.kioskSlot, called_at: a.calledAt })),
      batch.device.deviceId,
      batch.now,
    );
    for (const { i } of notInserted(items, inserted)) reasons[i] = wireError('staff.id-taken', 'a call for staff with this id already exists');
    const days = new Set(items.filter(({ a }) => inserted.has(a.id)).map(({ a }) => `${a.branchCode}\u0000${a.day}`));
    for (const key of [...days].sort()) {
      const [branch, day] = key.split('\u0000') as [string, string];
      await touchQueueDay(tx, branch, day);
    }
  },
};
