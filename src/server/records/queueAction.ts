import { wireError } from '../wireErrors';
import type { RecordHandler } from './types';

/**
 * `queue.action@1`: PLACEHOLDER until the queue owner lands (src/server/queue.ts). Every record is
 * refused so nothing is stored half-understood; the server helper replaces this file.
 */
export const queueAction: RecordHandler<'queue.action@1'> = {
  async store(_tx, items, _batch, reasons) {
    for (const { i } of items) reasons[i] = wireError('queue.not-ready', 'this server does not apply queue actions yet');
  },
};
