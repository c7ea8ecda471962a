import type { Db } from './db/Db';
import { touchQueueDay } from './queue';

/**
 * "Gọi nhân viên" at the queue owner (the hub, or the centre without one): a citizen kiosk's
 * `staff.call@1` (records/staffCall.ts) opens a call, every counter of the branch sees it in the
 * queue's state (and is poked), and the first officer who answers closes it for all.
 *
 * Guarantees:
 * - A call is open until answered, or until it is older than STAFF_CALL_OPEN_MS (queue.ts,
 *   queueState: the citizen has gone by then; it stays in the table for the day's figures).
 * - Answering is idempotent: answering an answered call says who answered it first and changes
 *   nothing; a call of another branch is not found.
 * - Every change moves the day's queue version (touchQueueDay), so counters refresh within a poke.
 */
export type AnswerOutcome =
  { readonly kind: 'answered'; readonly answeredAt: number; readonly counter: number; readonly first: boolean } | { readonly kind: 'not-found' };

/** An officer at `counter` goes to the kiosk: closes the call for every counter. */
export async function answerStaffCall(db: Db, branchCode: string, id: string, counter: number, deviceId: string, now: number): Promise<AnswerOutcome> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ day: string; answered_at: unknown; answered_counter: number | null }>(
      'SELECT day, answered_at, answered_counter FROM staff_calls WHERE id = $1 AND branch_code = $2 FOR UPDATE',
      [id, branchCode],
    );
    const row = rows[0];
    if (!row) return { kind: 'not-found' };
    if (row.answered_at !== null) return { kind: 'answered', answeredAt: Number(row.answered_at), counter: row.answered_counter ?? counter, first: false };
    await tx.query('UPDATE staff_calls SET answered_at = $2, answered_counter = $3, answered_device = $4 WHERE id = $1', [id, now, counter, deviceId]);
    await touchQueueDay(tx, branchCode, row.day);
    return { kind: 'answered', answeredAt: now, counter, first: true };
  });
}
