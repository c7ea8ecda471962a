import type { z } from 'zod';
import type { DeviceRole } from '../deviceConfig';
import { AuditEventArgs } from './auditEvent';
import { QueueActionArgs } from '../queue';
import { DossierSubmitArgs } from './dossierSubmit';
import { RatingSubmitArgs } from './ratingSubmit';
import { StaffCallArgs } from './staffCall';
import { TicketIssueArgs } from './ticketIssue';

/**
 * The record types a kiosk can capture and the centre receives: one entry per `name@version`, the
 * single place that ties a name to its arguments, the roles that may send it and how staff see it.
 *
 * Both sides read it: the kiosk's outbox is typed by it (`appendOutbox(…, 'ticket.issue@1', args)`
 * with the wrong arguments does not compile), the server validates and authorises every pushed
 * record with it before handing it to the record's handler (src/server/records/), and the fuzz and
 * exactly-once tests iterate it. Adding a type: README.md, "How to add a record type".
 *
 * A name never changes meaning: arguments that change shape get a new version (`ticket.issue@2`)
 * beside the old one, so kiosks not yet updated keep syncing.
 */
export interface RecordType<A extends z.ZodType<{ readonly branchCode: string }>> {
  /**
   * The arguments, bounded in every field; the server rejects a record that does not parse. Every
   * record belongs to a branch, and a device may send only its own branch's records.
   */
  readonly args: A;
  /** The enrolled roles that may send it; a record from any other role is rejected (`auth.role-forbidden`). */
  readonly roles: readonly DeviceRole[];
  /** What the record is, in error details ("ticket … says branch X"). */
  readonly noun: string;
  /**
   * A short description for staff (issues screen, events, logs), from arguments that may be
   * partial or broken (a rejected record is described too). Never personal data.
   */
  readonly describe: (args: Readonly<Record<string, unknown>>) => string;
  /** The arguments carry personal data: a kiosk keeps them sealed at rest (src/storage/sealing.ts). */
  readonly personal: boolean;
  /** Its records reference scans uploaded as blobs: the roles that may send it may upload scans. */
  readonly scans: boolean;
}

/** A field of possibly broken arguments, as text ("?" when absent). */
const field = (value: unknown): string => (value === undefined || value === null ? '?' : String(value));

/** Keeps each entry's exact schema and `personal` flag in the registry's type. */
const recordType = <const T extends RecordType<z.ZodType<{ readonly branchCode: string }>>>(type: T): T => type;

export const RECORD_TYPES = {
  /** A queue ticket issued at a citizen kiosk or a counter (src/domain/ticketNumbering.ts numbers it). */
  'ticket.issue@1': recordType({
    args: TicketIssueArgs,
    roles: ['citizen', 'counter'],
    noun: 'ticket',
    describe: (a) => `ticket ${field(a.number)} / ${field(a.day)}`,
    personal: false,
    scans: false,
  }),
  /** A citizen's satisfaction rating: anonymous, linked to a ticket or dossier at most. */
  'rating.submit@1': recordType({
    args: RatingSubmitArgs,
    roles: ['citizen', 'counter'],
    noun: 'rating',
    describe: (a) => `rating ${field(a.level)}`,
    personal: false,
    scans: false,
  }),
  /** A dossier received at a counter: the applicant, the documents (scans go as blobs), the appointment. */
  'dossier.submit@1': recordType({
    args: DossierSubmitArgs,
    roles: ['counter'],
    noun: 'dossier',
    // The code only: the applicant's name and ID never reach the issues screen or events.
    describe: (a) => `dossier ${field(a.code)}`,
    personal: true,
    scans: true,
  }),
  /** A receipt printed or printed again, or documents reused (counters only; codes and counts, no text). */
  'audit.event@1': recordType({
    args: AuditEventArgs,
    roles: ['counter'],
    noun: 'audit event',
    describe: (a) => `${a.action === undefined || a.action === null ? 'audit' : String(a.action)} ${field(a.dossierCode)}`,
    personal: false,
    scans: false,
  }),
  /**
   * A counter's action on the branch's queue (call, recall, no-show, return, serve, finish, transfer,
   * walk-in): the branch's append-only queue log (src/shared/queue.ts). Applied at once by the queue
   * owner when the counter reaches it; the record then only confirms it (same id, applied once).
   */
  'queue.action@1': recordType({
    args: QueueActionArgs,
    roles: ['counter'],
    noun: 'queue action',
    describe: (a) =>
      `queue ${field(a.kind)} ${a.ticketNumber === undefined || a.ticketNumber === null ? '' : String(a.ticketNumber) + ' '}at counter ${field(a.counter)}`,
    personal: false,
    scans: false,
  }),
  /** "Gọi nhân viên" at a citizen kiosk: shown on the branch's counters until an officer answers it. */
  'staff.call@1': recordType({
    args: StaffCallArgs,
    roles: ['citizen'],
    noun: 'call for staff',
    describe: (a) => `call for staff at ${field(a.screen)}`,
    personal: false,
    scans: false,
  }),
} as const;

export type MutationName = keyof typeof RECORD_TYPES;
/** The arguments of a record type, as its schema parses them. */
export type ArgsOf<N extends MutationName> = z.infer<(typeof RECORD_TYPES)[N]['args']>;
/** Every name, in registry order (the server stores a batch's records in this order, one statement per type). */
export const MUTATION_NAMES = Object.keys(RECORD_TYPES) as [MutationName, ...MutationName[]];

/** The roles that may upload scans: those of the record types whose records reference scans. */
export const SCAN_UPLOAD_ROLES: readonly DeviceRole[] = [...new Set(MUTATION_NAMES.flatMap((n) => (RECORD_TYPES[n].scans ? RECORD_TYPES[n].roles : [])))];

export function isMutationName(name: string): name is MutationName {
  return Object.prototype.hasOwnProperty.call(RECORD_TYPES, name);
}

export { AuditEventArgs, COUNTER_AUDIT_ACTIONS, type CounterAuditAction } from './auditEvent';
export { DossierApplicantArgs, DossierDocumentArgs, DossierSubmitArgs, PROCESSING_REASON_MAX, PROCESSING_SET_LIMITS, ProcessingSet } from './dossierSubmit';
export type { ProcessingSetKind } from './dossierSubmit';
export { QueueActionArgs } from '../queue';
export { RatingSubmitArgs } from './ratingSubmit';
export { STAFF_CALL_SCREENS, StaffCallArgs, type StaffCallScreen } from './staffCall';
export { TicketIssueArgs } from './ticketIssue';
