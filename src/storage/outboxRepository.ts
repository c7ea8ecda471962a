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
  const now = clock.now();
  const deviceSeq = ((await db.counters.get(DEVICE_SEQ_KEY))?.value ?? 0) + 1;
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
  await db.counters.put({ key: DEVICE_SEQ_KEY, value: deviceSeq });
  await db.outbox.add(entry);
  return entry;
}

export async function pendingCount(db: KioskDb): Promise<number> {
  return db.outbox.count();
}
