import type { Clock, RandomBytes } from '../shared/clock';
import { uuidv7 } from '../shared/ids';
import type { OutboxEntry } from '../shared/outbox';
import type { StaffCallArgs } from '../shared/records';
import type { KioskDb } from './KioskDb';
import { appendOutbox } from './outboxRepository';
import { toStorageFailure } from './storageErrors';

/**
 * "Gọi nhân viên": the call is a record of the outbox only (no table of its own: the kiosk keeps
 * nothing about it once the queue owner has it), in one strict-durability transaction.
 */
export async function recordStaffCall(
  db: KioskDb,
  deviceId: string,
  input: Omit<StaffCallArgs, 'id' | 'calledAt'>,
  clock: Clock,
  random: RandomBytes,
): Promise<OutboxEntry> {
  try {
    return await db.transaction('rw', [db.outbox, db.counters], async () => {
      const now = clock.now();
      const args: StaffCallArgs = { ...input, id: uuidv7(now, random), calledAt: now };
      return appendOutbox(db, deviceId, 'staff.call@1', args, clock, random);
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

/** Whether the outbox still holds the entry (it leaves once the server answered for it). */
export async function stillPending(db: KioskDb, mutationId: string): Promise<boolean> {
  return (await db.outbox.get(mutationId)) !== undefined;
}
