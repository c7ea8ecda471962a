import type { Clock, RandomBytes } from '../shared/clock';
import { uuidv7 } from '../shared/ids';
import type { MutationName, OutboxEntry } from '../shared/outbox';
import { JOURNAL_SCHEMA_VERSION, type KioskDb } from './KioskDb';

const DEVICE_SEQ_KEY = 'deviceSeq';

/**
 * Appends a mutation to the outbox with the next gapless device sequence. Must run inside the
 * caller's transaction (which includes db.outbox and db.counters) so the record and its entry
 * commit together.
 */
export async function appendOutbox(db: KioskDb, deviceId: string, name: MutationName, args: unknown, clock: Clock, random: RandomBytes): Promise<OutboxEntry> {
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
