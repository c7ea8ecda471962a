import { createHash } from 'node:crypto';
import {
  branchScope,
  entityAllowedInScope,
  isPublishedKey,
  readsStaff,
  scopeBranch,
  staffScope,
  validatePublished,
  type PublishedEntity,
  type Scope,
} from '../shared/published';
import type { Change, PublishRequest, PullRequest, PullResponse, ScopeChecksum, WireError } from '../shared/sync';
import type { Db } from './db/Db';
import { describeIssues } from './wireErrors';

/**
 * Locks a scope's counter row (made if missing), the first lock publishChanges takes. A caller
 * that reads a published record and publishes from it (a staff account, a catalog correction)
 * takes it first, in the same transaction: changes to one scope then run one after the other, and
 * in publishChanges' lock order (the scope, then any record), so they cannot deadlock with it.
 */
export async function lockScope(tx: Db, scope: string): Promise<void> {
  await tx.query('INSERT INTO scope_seqs (scope) VALUES ($1) ON CONFLICT DO NOTHING', [scope]);
  await tx.query('SELECT 1 FROM scope_seqs WHERE scope = $1 FOR UPDATE', [scope]);
}

/**
 * The per-scope change feed of published data (DESIGN.md, "Pull").
 *
 * Publishing: one transaction per batch. The scope's counter row is incremented with
 * UPDATE … RETURNING, which holds its row lock until COMMIT, so publishing transactions of one scope
 * commit one after the other in sequence order: a kiosk that has read seq n can never later find a
 * seq below n appear. Only the newest change per (entity, key) is kept (a delete as a tombstone),
 * so the feed stays as large as the data, not as its history.
 *
 * Checksums: each record version gets a 32-bit checksum (from its scope, entity, key, seq and
 * content); the scope checksum is the count and the sum of the live records' checksums. It is read
 * in the same statement as the last page, so both come from one snapshot.
 */
export function changeChecksum(scope: string, entity: string, key: string, seq: number, data: unknown): number {
  const h = createHash('sha256')
    .update(`${scope}\u0000${entity}\u0000${key}\u0000${seq}\u0000${JSON.stringify(data ?? null)}`)
    .digest();
  return h.readUInt32BE(0);
}

export type PublishOutcome = { ok: true; firstSeq: number; lastSeq: number } | { ok: false; error: WireError };

export async function publishChanges(db: Db, request: PublishRequest): Promise<PublishOutcome> {
  const scope = request.scope;
  // Validate everything before the transaction: a batch is published entirely or not at all.
  const prepared: { entity: PublishedEntity; key: string; op: 'put' | 'delete'; data: unknown }[] = [];
  for (const [i, c] of request.changes.entries()) {
    if (!entityAllowedInScope(c.entity, scope)) {
      return { ok: false, error: { code: 'publish.wrong-scope', detail: `changes[${i}]: ${c.entity} cannot be published in scope ${scope}` } };
    }
    if (c.op === 'delete') {
      const key = typeof c.data === 'object' && c.data !== null && 'key' in c.data ? (c.data as { key: unknown }).key : undefined;
      if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
        return { ok: false, error: { code: 'publish.invalid', detail: `changes[${i}]: a delete needs data {key} (1–200 characters)` } };
      }
      if (!isPublishedKey(c.entity, key)) {
        return {
          ok: false,
          error: { code: 'publish.invalid', detail: `changes[${i}]: not a key of ${c.entity} (a delete names an existing record by its key)` },
        };
      }
      prepared.push({ entity: c.entity, key, op: 'delete', data: null });
      continue;
    }
    const v = validatePublished(c.entity, c.data);
    if (!v.ok) return { ok: false, error: { code: 'publish.invalid', detail: `changes[${i}] (${c.entity}): ${describeIssues(v.issues)}`.slice(0, 1000) } };
    if (c.entity === 'branchConfig' && scope !== `branch:${v.key}`) {
      return {
        ok: false,
        error: { code: 'publish.wrong-scope', detail: `changes[${i}]: the configuration of branch ${v.key} belongs in scope branch:${v.key}` },
      };
    }
    prepared.push({ entity: c.entity, key: v.key, op: 'put', data: v.data });
  }
  const branch = scopeBranch(scope);
  return db.transaction(async (tx): Promise<PublishOutcome> => {
    if (branch) {
      const known = await tx.query('SELECT 1 FROM branches WHERE code = $1', [branch]);
      if (known.length === 0) return { ok: false, error: { code: 'publish.unknown-branch', detail: `no branch ${branch}; create it first` } };
    }
    // A delete names a record this scope holds (or that the batch puts first): no tombstones for
    // keys that never were, which every kiosk would otherwise pull and keep.
    const putEarlier = new Set<string>();
    for (const [i, c] of prepared.entries()) {
      if (c.op === 'put') putEarlier.add(`${c.entity}\u0000${c.key}`);
      else if (!putEarlier.has(`${c.entity}\u0000${c.key}`)) {
        const held = await tx.query('SELECT 1 FROM changes WHERE scope = $1 AND entity = $2 AND key = $3', [scope, c.entity, c.key]);
        if (held.length === 0) {
          return {
            ok: false,
            error: { code: 'publish.unknown-key', detail: `changes[${i}]: scope ${scope} holds no ${c.entity} with this key; nothing to delete` },
          };
        }
      }
    }
    await tx.query('INSERT INTO scope_seqs (scope) VALUES ($1) ON CONFLICT DO NOTHING', [scope]);
    const counted = await tx.query<{ last_seq: unknown }>('UPDATE scope_seqs SET last_seq = last_seq + $2 WHERE scope = $1 RETURNING last_seq', [
      scope,
      prepared.length,
    ]);
    const lastSeq = Number(counted[0]!.last_seq);
    const firstSeq = lastSeq - prepared.length + 1;
    for (const [i, c] of prepared.entries()) {
      const seq = firstSeq + i;
      await tx.query(
        `INSERT INTO changes (scope, entity, key, seq, op, data, checksum) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
         ON CONFLICT (scope, entity, key) DO UPDATE SET seq = EXCLUDED.seq, op = EXCLUDED.op, data = EXCLUDED.data,
           checksum = EXCLUDED.checksum, published_at = now()`,
        [scope, c.entity, c.key, seq, c.op, c.data === null ? null : JSON.stringify(c.data), changeChecksum(scope, c.entity, c.key, seq, c.data)],
      );
    }
    return { ok: true, firstSeq, lastSeq };
  });
}

interface ChangeRow {
  seq: unknown;
  entity: string;
  key: string;
  op: 'put' | 'delete';
  data: unknown;
  checksum: unknown;
  live_count: unknown;
  live_sum: unknown;
  has_more: unknown;
  top: unknown;
}

/** The branch's published configuration (its current `branchConfig` in its scope), or null when none is published. */
export async function publishedBranchConfig(db: Db, branchCode: string): Promise<Readonly<Record<string, unknown>> | null> {
  const rows = await db.query<{ data: Readonly<Record<string, unknown>> | null }>(
    `SELECT data FROM changes WHERE scope = $1 AND entity = 'branchConfig' AND key = $2 AND op = 'put'`,
    [branchScope(branchCode), branchCode],
  );
  return rows[0]?.data ?? null;
}

/** One page of a scope's feed after `cursor`, with the scope checksum when the page is the last. */
export async function pullChanges(db: Db, request: PullRequest): Promise<PullResponse> {
  const { scope, cursor, limit } = request;
  // One statement, one snapshot: the page, whether more follows, and the checksum of all live
  // records (used only when this page reaches the end).
  const rows = await db.query<ChangeRow>(
    `WITH page AS (
       SELECT seq, entity, key, op, data, checksum FROM changes WHERE scope = $1 AND seq > $2 ORDER BY seq LIMIT $3
     ), totals AS (
       SELECT count(*) AS live_count, coalesce(sum(checksum), 0) AS live_sum FROM changes WHERE scope = $1 AND op = 'put' AND $4::boolean
     ), more AS (
       SELECT EXISTS (SELECT 1 FROM changes WHERE scope = $1 AND seq > coalesce((SELECT max(seq) FROM page), $2)) AS has_more,
         (SELECT coalesce(max(seq), 0) FROM changes WHERE scope = $1) AS top
     )
     SELECT page.*, totals.live_count, totals.live_sum, more.has_more, more.top
     FROM more CROSS JOIN totals LEFT JOIN page ON true ORDER BY page.seq`,
    [scope, cursor, limit, request.withChecksum],
  );
  const changes: Change[] = [];
  for (const r of rows) {
    if (r.seq === null || r.seq === undefined) continue;
    changes.push({
      seq: Number(r.seq),
      entity: r.entity as Change['entity'],
      key: r.key,
      op: r.op,
      data: r.op === 'put' ? r.data : null,
      checksum: Number(r.checksum),
    });
  }
  const first = rows[0];
  const hasMore = first ? toBool(first.has_more) : false;
  const top = first ? Number(first.top) : 0;
  // A kiosk ahead of the feed (the centre restored an older database): answer where the feed ends,
  // below the kiosk's cursor, which tells the kiosk to pull the scope again from 0.
  if (cursor > top) return { scope, changes: [], cursor: top, hasMore: false, checksum: null };
  const checksum: ScopeChecksum | null = request.withChecksum && !hasMore && first ? { count: Number(first.live_count), sum: Number(first.live_sum) } : null;
  return { scope, changes, cursor: changes.length > 0 ? changes[changes.length - 1]!.seq : cursor, hasMore, checksum };
}

function toBool(v: unknown): boolean {
  return v === true || v === 't' || v === 'true';
}

/** May this device read this scope? The global scope and its own branch's; its branch's staff accounts only from a counter or technician machine. */
export function deviceMayRead(branchCode: string, scope: Scope, role: string): boolean {
  if (scope === staffScope(branchCode)) return readsStaff(role);
  return scope === 'global' || scope === branchScope(branchCode);
}
