import type { Clock, RandomBytes } from '../shared/clock';
import type { OutboxEntry } from '../shared/outbox';
import { uuidv7 } from '../shared/ids';
import type { RatingSubmitArgs } from '../shared/records';
import { appendOutbox } from './outboxRepository';
import type { KioskDb, Rating } from './KioskDb';
import { toStorageFailure } from './storageErrors';

export type RatingInput = Omit<RatingSubmitArgs, 'id' | 'submittedAt'>;

/** Stores a citizen's rating and its outbox entry in one strict-durability transaction. */
export async function submitRating(
  db: KioskDb,
  deviceId: string,
  input: RatingInput,
  clock: Clock,
  random: RandomBytes,
): Promise<{ rating: Rating; outboxEntry: OutboxEntry }> {
  try {
    return await db.transaction('rw', [db.ratings, db.outbox, db.counters], async () => {
      const now = clock.now();
      const args: RatingSubmitArgs = { ...input, id: uuidv7(now, random), submittedAt: now };
      const rating: Rating = { ...args, syncedAt: null };
      await db.ratings.add(rating);
      const outboxEntry = await appendOutbox(db, deviceId, 'rating.submit@1', args, clock, random);
      return { rating, outboxEntry };
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}
