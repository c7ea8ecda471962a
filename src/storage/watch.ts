import { liveQuery } from 'dexie';
import { localDayKey } from '../domain/localDay';
import { pendingCount } from './outboxRepository';
import type { KioskDb } from './KioskDb';

/**
 * Runs `query` now and again whenever a table it read changes (Dexie liveQuery, across databases);
 * returns the unsubscribe function. The live views below and the officer's dossier list use it.
 */
export function watchQuery<T>(query: () => Promise<T>, onChange: (value: T) => void, onError: (e: unknown) => void): () => void {
  const sub = liveQuery(query).subscribe({ next: onChange, error: onError });
  return () => sub.unsubscribe();
}

/** Live views for the status bar; each returns an unsubscribe function. */
export function watchPendingCount(db: KioskDb, onChange: (count: number) => void): () => void {
  return watchQuery(
    () => pendingCount(db),
    onChange,
    () => onChange(Number.NaN),
  );
}

export interface GroupTally {
  readonly prefix: string;
  readonly issued: number;
  readonly waiting: number;
  readonly lastNumber: string | null;
}

/** Today's tickets per service group, as this kiosk knows them. */
export function watchTodayTally(db: KioskDb, now: () => number, utcOffsetMinutes: number, onChange: (tally: GroupTally[]) => void): () => void {
  return watchQuery(
    async () => {
      const day = localDayKey(now(), utcOffsetMinutes);
      const tickets = await db.tickets.where('day').equals(day).sortBy('issuedAt');
      const byGroup = new Map<string, { issued: number; waiting: number; lastNumber: string | null }>();
      for (const t of tickets) {
        const g = byGroup.get(t.groupPrefix) ?? { issued: 0, waiting: 0, lastNumber: null };
        g.issued++;
        if (t.status === 'issued') g.waiting++;
        g.lastNumber = t.number;
        byGroup.set(t.groupPrefix, g);
      }
      return [...byGroup].map(([prefix, g]) => ({ prefix, ...g }));
    },
    onChange,
    () => onChange([]),
  );
}
