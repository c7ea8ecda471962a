import type { MutationName } from '../../shared/records';
import { auditEvent } from './auditEvent';
import { dossierSubmit } from './dossierSubmit';
import { queueAction } from './queueAction';
import { ratingSubmit } from './ratingSubmit';
import { staffCall } from './staffCall';
import { ticketIssue } from './ticketIssue';
import type { RecordHandler } from './types';

/**
 * The server's handler of every record type in the registry (src/shared/records). Typed by the
 * registry: a record type without a handler here does not compile.
 */
export const RECORD_HANDLERS: { readonly [N in MutationName]: RecordHandler<N, unknown> } = {
  'ticket.issue@1': ticketIssue,
  'rating.submit@1': ratingSubmit,
  'dossier.submit@1': dossierSubmit,
  'audit.event@1': auditEvent,
  'queue.action@1': queueAction,
  'staff.call@1': staffCall,
};

export type { AuthenticatedDevice, Batch, RecordHandler, RecordItem } from './types';
