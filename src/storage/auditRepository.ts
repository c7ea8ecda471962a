import type { Clock, RandomBytes } from '../shared/clock';
import { uuidv7 } from '../shared/ids';
import type { OutboxEntry } from '../shared/outbox';
import { AuditEventArgs, type CounterAuditAction } from '../shared/records';
import type { KioskDb } from './KioskDb';
import { appendOutbox } from './outboxRepository';
import { toStorageFailure } from './storageErrors';

/**
 * What the counter tells the centre's audit log (`audit.event@1`, src/server/audit.ts): a receipt
 * printed or printed again, an earlier dossier's documents reused. The outbox entry is the record
 * (no table of its own): it reaches the centre exactly once through the ordinary sync, with the
 * device as the actor. Codes and counts only, never the applicant.
 */
export interface CounterAuditInput {
  readonly action: CounterAuditAction;
  readonly dossierCode: string;
  /** dossier.reuse: the new dossier the documents went into. */
  readonly relatedCode?: string | null;
  /** dossier.reuse: how many of its documents were reused. */
  readonly documents?: number;
  /** The signed-in officer's staff id, when one is. */
  readonly staffId?: string | null;
}

/** Appends the events' outbox entries in one transaction, in the order given. */
export async function recordCounterAudit(
  db: KioskDb,
  deviceId: string,
  branchCode: string,
  events: readonly CounterAuditInput[],
  clock: Clock,
  random: RandomBytes,
): Promise<OutboxEntry[]> {
  if (events.length === 0) return [];
  try {
    return await db.transaction('rw', [db.outbox, db.counters], async () => {
      const entries: OutboxEntry[] = [];
      for (const e of events) entries.push(await appendOutbox(db, deviceId, 'audit.event@1', argsOf(e, branchCode, clock, random), clock, random));
      return entries;
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/**
 * A receipt of `code` just printed: 'receipt.print' the first time, 'receipt.reprint' after, as the
 * dossier's print count (already counting this print, recordReceiptPrinted) says — read in the
 * transaction that appends the event. Null when the dossier is not on this machine.
 */
export async function recordReceiptAudit(
  db: KioskDb,
  deviceId: string,
  branchCode: string,
  code: string,
  clock: Clock,
  random: RandomBytes,
  staffId: string | null = null,
  /** Which print of the dossier this was (recordReceiptPrinted's answer): two prints side by side read the same count after both. */
  printNumber: number | null = null,
): Promise<OutboxEntry | null> {
  try {
    return await db.transaction('rw', [db.dossiers, db.outbox, db.counters], async () => {
      const row = await db.dossiers.where('code').equals(code).first();
      if (!row) return null;
      const action: CounterAuditAction = (printNumber ?? row.printCount) <= 1 ? 'receipt.print' : 'receipt.reprint';
      return appendOutbox(db, deviceId, 'audit.event@1', argsOf({ action, dossierCode: code, staffId }, branchCode, clock, random), clock, random);
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** The event's arguments, checked with the schema the centre applies: one it would refuse is never queued. */
function argsOf(e: CounterAuditInput, branchCode: string, clock: Clock, random: RandomBytes): AuditEventArgs {
  const at = clock.now();
  return AuditEventArgs.parse({
    id: uuidv7(at, random),
    branchCode,
    action: e.action,
    dossierCode: e.dossierCode,
    relatedCode: e.relatedCode ?? null,
    documents: e.documents ?? 0,
    at,
    ...(e.staffId ? { staffId: e.staffId } : {}),
  });
}
