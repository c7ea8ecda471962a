import type { OutboxEntry } from '../shared/outbox';
import { isMutationName, RECORD_TYPES, type MutationName } from '../shared/records';
import { MAX_PUSH_ARGS_CHARS } from '../shared/sync';
import type { MutationResult, WireError } from '../shared/sync';
import { JOURNAL_ID_KEY, LEGACY_JOURNAL_ID, type KioskDb, type SyncIssue } from './KioskDb';
import { openOutboxEntries, storedDocuments } from './sealing';
import { toStorageFailure } from './storageErrors';

/**
 * What the sync engine reads and writes in the journal database: pending mutations in deviceSeq
 * order, their confirmation (one transaction per pushed batch), rejected mutations for the staff
 * screen, the engine's bookkeeping, and pruning of confirmed records after a retention window.
 */

/** This database's journal id (see KioskDb: born with the database). */
export async function journalId(db: KioskDb): Promise<string> {
  const row = await db.settings.get(JOURNAL_ID_KEY);
  if (row && typeof row.value === 'string') return row.value;
  // Only reachable if the settings row was deleted by hand: a new stream is the safe answer.
  return db.transaction('rw', db.settings, async () => {
    const again = await db.settings.get(JOURNAL_ID_KEY);
    if (again && typeof again.value === 'string') return again.value;
    const id = crypto.randomUUID();
    await db.settings.put({ key: JOURNAL_ID_KEY, value: id });
    return id;
  });
}

export { LEGACY_JOURNAL_ID };

/**
 * Where this kiosk's journal stands upstream (behind a branch hub; src/sync/README.md "Behind a
 * branch hub"): `confirmedSeq` — the centre holds every entry up to it (they may leave the outbox
 * once their outcome is read); `heldSeq` — the server the kiosk talks to holds up to it. Entries in
 * (confirmedSeq, heldSeq] are held by a hub only: not sent again, and kept. Talking to the centre
 * directly, both are the centre's lastSeq and nothing is ever held.
 */
export interface PushPosition {
  readonly confirmedSeq: number;
  readonly heldSeq: number;
}

/**
 * The next entries to push after `afterSeq` (0 = from the start), in the order the server must
 * apply them, bounded by count and size, with sealed arguments opened (what goes on the wire): those
 * at or below `confirmedSeq` still in the outbox (held earlier; sent again to read their final
 * outcome, answered as duplicates) and those above `heldSeq`; never those only a hub holds.
 */
export async function pendingBatchOutside(db: KioskDb, afterSeq: number, position: PushPosition, limit: number): Promise<OutboxEntry[]> {
  const { confirmedSeq, heldSeq } = position;
  const entries: OutboxEntry[] = [];
  if (afterSeq < confirmedSeq) {
    entries.push(...(await db.outbox.where('deviceSeq').between(afterSeq, confirmedSeq, false, true).limit(limit).toArray()));
  }
  if (entries.length < limit) {
    entries.push(
      ...(await db.outbox
        .where('deviceSeq')
        .above(Math.max(afterSeq, heldSeq, confirmedSeq))
        .limit(limit - entries.length)
        .toArray()),
    );
  }
  return openOutboxEntries(db, withinBudget(entries));
}

/** The longest prefix within MAX_PUSH_ARGS_CHARS, and never less than one entry (the queue must move). */
function withinBudget(entries: OutboxEntry[]): OutboxEntry[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    total += entries[i]!.bytes;
    if (total > MAX_PUSH_ARGS_CHARS && i > 0) return entries.slice(0, i);
  }
  return entries;
}

export interface OutboxStats {
  readonly count: number;
  readonly oldestCreatedAt: number | null;
  readonly bytes: number;
}

export async function outboxStats(db: KioskDb): Promise<OutboxStats> {
  return db.transaction('r', db.outbox, async () => {
    const count = await db.outbox.count();
    const oldest = await db.outbox.orderBy('deviceSeq').first();
    let bytes = 0;
    await db.outbox.each((e) => {
      bytes += e.bytes;
    });
    return { count, oldestCreatedAt: oldest?.createdAt ?? null, bytes };
  });
}

/** Outbox entries a branch hub holds and the centre does not yet (sent, kept until the centre has them). */
export async function countHeldAtHub(db: KioskDb): Promise<number> {
  const { confirmedSeq, heldSeq } = await loadSyncMeta(db);
  if (heldSeq <= confirmedSeq) return 0;
  return db.outbox.where('deviceSeq').between(confirmedSeq, heldSeq, false, true).count();
}

/** The ids of the records whose outbox entries a branch hub holds and the centre does not yet. */
export async function recordIdsHeldAtHub(db: KioskDb): Promise<Set<string>> {
  const { confirmedSeq, heldSeq } = await loadSyncMeta(db);
  if (heldSeq <= confirmedSeq) return new Set();
  const held = await db.outbox.where('deviceSeq').between(confirmedSeq, heldSeq, false, true).toArray();
  // A sealed entry keeps its record's id in clear (sealing.ts).
  return new Set(held.map((e) => (e.args as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string'));
}

/** A short description of a mutation's record for staff (the registry's `describe`; no personal data). */
export function describeMutation(name: MutationName | string, args: unknown): string {
  if (!isMutationName(name)) return name;
  return RECORD_TYPES[name].describe(typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {});
}

/** The local tables whose rows carry `syncedAt`. */
const SYNCED_TABLES = ['tickets', 'ratings', 'dossiers'] as const;
type SyncedTable = (typeof SYNCED_TABLES)[number];

/**
 * The row a confirmed record of each type marks synced (null: the record has no local row to mark).
 * Typed by the registry: a new record type does not compile until it says where it lives.
 */
const SYNCED_TABLE: { readonly [N in MutationName]: SyncedTable | null } = {
  'ticket.issue@1': 'tickets',
  'rating.submit@1': 'ratings',
  'dossier.submit@1': 'dossiers',
  'audit.event@1': null,
  'queue.action@1': null,
  'staff.call@1': null,
};

/**
 * Records the server's outcomes for pushed mutations in one transaction: confirmed entries leave
 * the outbox and their records are marked synced; rejected ones leave the outbox too (the server
 * has moved past them) but become sync issues staff must see. Entries without an outcome stay.
 * Returns the highest confirmed deviceSeq (for trimming the file journal), or 0.
 */
export async function confirmMutations(db: KioskDb, results: readonly MutationResult[], now: number): Promise<{ confirmedUpTo: number; rejected: number }> {
  if (results.length === 0) return { confirmedUpTo: 0, rejected: 0 };
  try {
    return await db.transaction('rw', [db.outbox, db.tickets, db.ratings, db.dossiers, db.syncIssues, db.events], async () => {
      // Bulk reads and writes: a confirmed batch of 100 costs a handful of IndexedDB requests.
      const entries = await db.outbox.bulkGet(results.map((r) => r.mutationId));
      let confirmedUpTo = 0;
      let rejected = 0;
      const done: string[] = [];
      const synced: Record<SyncedTable, string[]> = { tickets: [], ratings: [], dossiers: [] };
      for (const [i, r] of results.entries()) {
        const entry = entries[i];
        if (!entry || entry.deviceSeq !== r.deviceSeq) continue;
        done.push(entry.mutationId);
        confirmedUpTo = Math.max(confirmedUpTo, entry.deviceSeq);
        if (r.reason) {
          rejected++;
          await recordIssue(db, entry, r.reason, now);
          continue;
        }
        const id = (entry.args as { id?: unknown } | null)?.id;
        if (typeof id !== 'string') continue;
        const table = isMutationName(entry.name) ? SYNCED_TABLE[entry.name] : null;
        if (table) synced[table].push(id);
      }
      await db.outbox.bulkDelete(done);
      for (const table of SYNCED_TABLES) {
        const ids = synced[table];
        if (ids.length > 0) await db[table].bulkUpdate(ids.map((key) => ({ key, changes: { syncedAt: now } })));
      }
      return { confirmedUpTo, rejected };
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

async function recordIssue(db: KioskDb, entry: OutboxEntry, reason: WireError, now: number): Promise<void> {
  const subject = describeMutation(entry.name, entry.args);
  const issue: SyncIssue = { mutationId: entry.mutationId, deviceSeq: entry.deviceSeq, name: entry.name, reason, subject, at: now, acknowledgedAt: null };
  await db.syncIssues.put(issue);
  await db.events.add({ at: now, kind: 'sync.rejected', code: reason.code, detail: reason.detail.slice(0, 300), subject });
}

export async function listSyncIssues(db: KioskDb, includeAcknowledged = false): Promise<SyncIssue[]> {
  const all = await db.syncIssues.orderBy('at').reverse().toArray();
  return includeAcknowledged ? all : all.filter((i) => i.acknowledgedAt === null);
}

export async function countOpenSyncIssues(db: KioskDb): Promise<number> {
  return db.syncIssues.filter((i) => i.acknowledgedAt === null).count();
}

export async function acknowledgeSyncIssue(db: KioskDb, mutationId: string, now: number): Promise<void> {
  await db.syncIssues.update(mutationId, { acknowledgedAt: now });
}

/** The engine's own bookkeeping (kiosk clock; for display and the heartbeat only). */
export interface SyncMeta {
  readonly lastPushAt: number | null;
  readonly lastPullAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastChecksumAt: number | null;
  /** See PushPosition (0 before the first answer, and in databases older than the branch hub). */
  readonly confirmedSeq: number;
  readonly heldSeq: number;
}

const SYNC_META_KEY = 'syncMeta';
const EMPTY_META: SyncMeta = { lastPushAt: null, lastPullAt: null, lastSuccessAt: null, lastChecksumAt: null, confirmedSeq: 0, heldSeq: 0 };

export async function loadSyncMeta(db: KioskDb): Promise<SyncMeta> {
  const row = await db.settings.get(SYNC_META_KEY);
  return { ...EMPTY_META, ...((row?.value as Partial<SyncMeta> | undefined) ?? {}) };
}

export async function saveSyncMeta(db: KioskDb, patch: Partial<SyncMeta>): Promise<SyncMeta> {
  return db.transaction('rw', db.settings, async () => {
    const next = { ...(await loadSyncMeta(db)), ...patch };
    await db.settings.put({ key: SYNC_META_KEY, value: next });
    return next;
  });
}

/**
 * Local copies are removed only once the server confirmed them AND the retention window has
 * passed (DESIGN.md). Unconfirmed records are never pruned, whatever their age.
 */
export async function pruneConfirmed(
  db: KioskDb,
  now: number,
  retentionMs: number,
  /** How long the reuse index keeps a citizen's documents (the branch's reuse window); undefined = keep. */
  reuseWindowMs?: number,
): Promise<{ tickets: number; ratings: number; dossiers: number; blobs: number; reuseEntries: number }> {
  const before = now - retentionMs;
  return db.transaction('rw', [db.tickets, db.ratings, db.dossiers, db.blobs, db.documentIndex], async () => {
    const tickets = await db.tickets.where('syncedAt').below(before).delete();
    const ratings = await db.ratings.where('syncedAt').below(before).delete();
    // Confirmed dossiers go too; their documents stay reusable through documentIndex (by hash,
    // which the centre holds) until the branch's reuse window ends.
    const dossiers = await db.dossiers.where('syncedAt').below(before).delete();
    // Scans the centre verified, past retention, that no dossier still on this machine uses (a
    // paper reused by a newer dossier stays with it, so its list never calls a pruned scan lost).
    const old = (await db.blobs.where('state').equals('verified').toArray()).filter((b) => b.verifiedAt !== null && b.verifiedAt < before).map((b) => b.sha256);
    let blobs = 0;
    if (old.length > 0) {
      const waiting = new Set((await db.dossiers.toArray()).flatMap((d) => storedDocuments(d).map((x) => x.sha256)));
      const gone = old.filter((sha) => !waiting.has(sha));
      await db.blobs.bulkDelete(gone);
      blobs = gone.length;
    }
    const reuseEntries =
      reuseWindowMs === undefined
        ? 0
        : await db.documentIndex
            .where('receivedAt')
            .below(now - reuseWindowMs)
            .delete();
    return { tickets, ratings, dossiers, blobs, reuseEntries };
  });
}

/** The device credential in the browser build (Electron keeps it in the OS keystore instead). */
export interface StoredCredential {
  readonly token: string;
  readonly serverUrl: string;
  readonly branchCode: string;
}
const CREDENTIAL_KEY = 'deviceCredential';

export async function loadCredential(db: KioskDb): Promise<StoredCredential | null> {
  const row = await db.settings.get(CREDENTIAL_KEY);
  const v = row?.value as Partial<StoredCredential> | undefined;
  return v && typeof v.token === 'string' && typeof v.serverUrl === 'string' && typeof v.branchCode === 'string'
    ? { token: v.token, serverUrl: v.serverUrl, branchCode: v.branchCode }
    : null;
}

export async function saveCredential(db: KioskDb, credential: StoredCredential | null): Promise<void> {
  try {
    if (credential) await db.settings.put({ key: CREDENTIAL_KEY, value: credential });
    else await db.settings.delete(CREDENTIAL_KEY);
  } catch (e) {
    throw toStorageFailure(e);
  }
}
