import { applyQueueAction, queueSettings, type QueueSettings } from '../queue';
import type { RecordHandler } from './types';

/**
 * `queue.action@1`: a counter's action on the branch's queue, as a record of the queue log
 * (src/server/queue.ts applies it, in the push's transaction).
 * - An action the owner already applied online (same id, same content) is confirmed: applied,
 *   nothing changes. The same id with other content is refused (`queue.id-taken`).
 * - An action taken offline is applied when it arrives; one naming a ticket that has not arrived
 *   yet is kept and applied when the ticket comes; one that no longer fits the ticket (another
 *   counter called it meanwhile) is kept and the ticket flagged (`queue.called-twice`). The record
 *   is `applied` in all three cases: it is in the log, and nothing the officer did is lost.
 * - Refused only for what no later event can mend: a counter or group the branch's published
 *   configuration does not have (`queue.counter-unknown`, `queue.group-unknown`).
 */
export const queueAction: RecordHandler<'queue.action@1'> = {
  async store(tx, items, batch, reasons) {
    let settings: QueueSettings | undefined;
    for (const { i, a } of items) {
      settings ??= await queueSettings(tx, batch.device.branchCode);
      const outcome = await applyQueueAction(tx, a, { via: 'push', deviceId: batch.device.deviceId, now: batch.now }, settings);
      if (outcome.kind === 'refused') reasons[i] = outcome.error;
    }
  },
};
