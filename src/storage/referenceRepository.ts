import type { PublishedEntity, Scope } from '../shared/published';
import type { Change, ScopeChecksum } from '../shared/sync';
import type { ReferenceDb, ReferenceRow } from './referenceDb';

/**
 * The pulled copy of the centre's published data. A page of changes and its cursor are applied in
 * one transaction, so a crash leaves either the old cursor and old rows or the new ones: the next
 * pull resumes exactly after the last applied page.
 */
const generations = new WeakMap<ReferenceDb, number>();

/**
 * How many times this JS context changed `db`'s published rows (pull pages, scope resets): a free
 * "anything new?" for indexes kept in memory over them (the procedure catalog's search), instead of
 * an IndexedDB read per keystroke. Writes from another context (a second tab) are not counted:
 * such an index also re-reads the cursor now and then.
 */
export function referenceGeneration(db: ReferenceDb): number {
  return generations.get(db) ?? 0;
}

const changed = (db: ReferenceDb): void => void generations.set(db, referenceGeneration(db) + 1);

export async function getCursor(db: ReferenceDb, scope: Scope): Promise<number> {
  return (await db.cursors.get(scope))?.cursor ?? 0;
}

export async function applyPullPage(db: ReferenceDb, scope: Scope, changes: readonly Change[], cursor: number, now: number): Promise<void> {
  await db.transaction('rw', [db.records, db.cursors], async () => {
    const current = await getCursor(db, scope);
    // A page older than what is applied (a late answer to an earlier request) changes nothing.
    if (cursor < current) return;
    for (const c of changes) {
      if (c.op === 'delete') await db.records.delete([scope, c.entity, c.key]);
      else await db.records.put({ scope, entity: c.entity, key: c.key, seq: c.seq, checksum: c.checksum, data: c.data });
    }
    await db.cursors.put({ scope, cursor, pulledAt: now });
  });
  changed(db);
}

/** The same figure as the server's scope checksum, over the local rows. */
export async function localChecksum(db: ReferenceDb, scope: Scope): Promise<ScopeChecksum> {
  let count = 0;
  let sum = 0;
  await db.records
    .where('scope')
    .equals(scope)
    .each((r) => {
      count++;
      sum += r.checksum;
    });
  return { count, sum };
}

/** Forgets a scope (after a checksum mismatch): the next pull starts again from 0. */
export async function resetScope(db: ReferenceDb, scope: Scope): Promise<void> {
  await db.transaction('rw', [db.records, db.cursors], async () => {
    await db.records.where('scope').equals(scope).delete();
    await db.cursors.delete(scope);
  });
  changed(db);
}

export async function readPublished<T = unknown>(db: ReferenceDb, scope: Scope, entity: PublishedEntity): Promise<T[]> {
  const rows: ReferenceRow[] = await db.records.where('[scope+entity]').equals([scope, entity]).toArray();
  return rows.map((r) => r.data as T);
}

export async function readPublishedOne<T = unknown>(db: ReferenceDb, scope: Scope, entity: PublishedEntity, key: string): Promise<T | null> {
  const row = await db.records.get([scope, entity, key]);
  return row ? (row.data as T) : null;
}

/** Keys of the published records of `entity` in `scope` that start with `prefix` (an index range, not a scan). */
export async function publishedKeysWithPrefix(db: ReferenceDb, scope: Scope, entity: PublishedEntity, prefix: string): Promise<string[]> {
  const keys = await db.records
    .where('[scope+entity+key]')
    .between([scope, entity, prefix], [scope, entity, `${prefix}\uffff`], true, true)
    .primaryKeys();
  return keys.map((k) => (k as unknown as [string, string, string])[2]);
}
