import { randomUUID } from 'node:crypto';
import type { QueueActionArgs } from '../../src/shared/queue';

/**
 * A counter's queue action (`queue.action@1`, POST /v1/queue/actions) as a desk sends it: a fresh
 * id, no groups, ticket, transfer or dossiers unless given; a call is "next" unless it names a
 * ticket ("number"). Tests and benches give what their case is about and take the rest from here.
 */
export function queueAction(base: Pick<QueueActionArgs, 'branchCode' | 'day' | 'counter' | 'kind' | 'at'> & Partial<QueueActionArgs>): QueueActionArgs {
  return {
    id: randomUUID(),
    how: base.kind === 'call' ? (base.ticketNumber ? 'number' : 'next') : null,
    groups: [],
    ticketNumber: null,
    toGroup: null,
    toCounter: null,
    dossierCodes: [],
    staffId: null,
    offline: false,
    ...base,
  };
}
