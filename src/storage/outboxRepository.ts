import type { Clock, RandomBytes } from '../shared/clock';
import { uuidv7 } from '../shared/ids';
import type { OutboxEntry } from '../shared/outbox';
import type { ArgsOf, MutationName, RECORD_TYPES } from '../shared/records';
import { JOURNAL_SCHEMA_VERSION, type KioskDb } from './KioskDb';
import type { SealedArgs } from './sealing';

const DEVICE_SEQ_KEY = 'deviceSeq';

/**
 * What the outbox keeps for a record type: its arguments, or — for a type whose arguments are
 * personal (the registry's `personal`) — their sealed form, opened again just before a push.
 */
export type StoredArgs<N extends MutationName> = (typeof RECORD_TYPES)[N]['personal'] extends true ? SealedArgs : ArgsOf<N>;

/**
 * Appends a mutation to the outbox with the next gapless device sequence. Must run inside the
 * caller's transaction (which includes db.outbox and db.counters) so the record and its entry
 * commit together. The arguments are typed by the record's name (src/shared/records): passing
 * another type's arguments does not compile.
 */
export async function appendOutbox<N extends MutationName>(
  db: KioskDb,
  deviceId: string,
  name: N,
  args: StoredArgs<N>,
  clock: Clock,
  random: RandomBytes,
): Promise<OutboxEntry> {
  const staged = stageOutbox(deviceId, await readDeviceSeq(db), name, args, clock, random);
  await staged.write(db);
  return staged.entry;
}

/** The device sequence the outbox last used (0 for none): read it beside the caller's other reads. */
export async function readDeviceSeq(db: KioskDb): Promise<number> {
  return (await db.counters.get(DEVICE_SEQ_KEY))?.value ?? 0;
}

/** The key of the device sequence in db.counters, for a caller that reads it in one request with its own counters. */
export const OUTBOX_SEQ_KEY = DEVICE_SEQ_KEY;

/**
 * appendOutbox in two steps, for a caller on the tap path that reads everything first and then
 * writes everything at once (one round trip to the browser's IndexedDB each, not one per
 * request): the entry after `lastSeq`, and its two writes (the sequence, the entry) to issue
 * beside the caller's own, in the same transaction.
 */
export function stageOutbox<N extends MutationName>(
  deviceId: string,
  lastSeq: number,
  name: N,
  args: StoredArgs<N>,
  clock: Clock,
  random: RandomBytes,
): { entry: OutboxEntry; write(db: KioskDb): Promise<unknown> } {
  const now = clock.now();
  const deviceSeq = lastSeq + 1;
  const entry: OutboxEntry = {
    mutationId: uuidv7(now, random),
    deviceId,
    deviceSeq,
    name,
    args,
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    createdAt: now,
    bytes: JSON.stringify(args).length,
  };
  return { entry, write: (db) => Promise.all([db.counters.put({ key: DEVICE_SEQ_KEY, value: deviceSeq }), db.outbox.add(entry)]) };
}

export async function pendingCount(db: KioskDb): Promise<number> {
  return db.outbox.count();
}
