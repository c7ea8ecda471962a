import { systemClock, type Clock } from '../shared/clock';
import { MUTATION_NAMES, RECORD_TYPES, type MutationName } from '../shared/records';
import type { MutationEnvelope, MutationResult, WireError } from '../shared/sync';
import { publishedBranchConfig } from './changes';
import { resolveDataProtection, type DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { RECORD_HANDLERS, type AuthenticatedDevice, type Batch, type RecordItem } from './records';
import { describeIssues, wireError } from './wireErrors';
import { appendRelay, ensureRelayJournal } from './hub/relayStore';
import { storable } from './storableJson';

export type { AuthenticatedDevice } from './records';

/**
 * Applies a kiosk's pushed mutations (DESIGN.md, "Sync requirements"). A device's mutations form
 * one gapless stream per journal (its local database). A pushed batch is applied in one SQL
 * transaction that locks the stream's row in `journals` (SELECT … FOR UPDATE), so two pushes of one
 * stream never interleave and `last_seq` moves exactly with the recorded outcomes. (DESIGN.md asks
 * for each mutation in a transaction with lastSeq; a batch transaction keeps that guarantee for
 * every mutation and costs one commit — one fsync — per batch instead of one per mutation.)
 *  - deviceSeq ≤ last_seq → duplicate: nothing is written; the stored outcome is returned
 *    (a `reason` is present exactly when the stored outcome was a rejection);
 *  - deviceSeq = last_seq + 1 → applied, or rejected with a reason when permanently invalid (bad
 *    arguments, another branch, a ticket number or id already taken); both advance last_seq;
 *  - deviceSeq > last_seq + 1 → gap: the batch stops; the mutations before it are committed.
 * Transient database errors propagate (the route answers 503 and the kiosk retries the same batch).
 */
export type PushOutcome =
  | { readonly kind: 'done'; readonly lastSeq: number; readonly results: MutationResult[] }
  | { readonly kind: 'gap'; readonly expectedSeq: number; readonly results: MutationResult[] }
  | { readonly kind: 'revoked' }
  /** A new journal id for a device that already has MAX_JOURNALS_PER_DEVICE streams. */
  | { readonly kind: 'journal-limit'; readonly limit: number };

export interface PushOptions {
  /** The server's clock, for the status time of a received dossier (default: the system clock). */
  readonly clock?: Clock;
  /** Seals a received dossier's personal fields (personalData.ts). */
  readonly protection?: DataProtection;
  /**
   * On a branch hub (src/server/hub): every consumed seq is also kept for the centre, in the same
   * transaction (hub/relayStore.ts), and a journal the hub has not seen starts at `baseSeq()` — what
   * the centre already holds of it — instead of 0.
   */
  readonly relay?: { baseSeq(): Promise<number> };
  /**
   * Keep a gap on the journal for the centre's staff (default true). False for a batch a hub sent
   * while the one before it was on its way (RELAY_FOLLOWS_HEADER): the seqs are not lost.
   */
  readonly keepGaps?: boolean;
}

export async function pushMutations(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
  options: PushOptions = {},
): Promise<PushOutcome> {
  const prepared: Prepared = {
    records: await prepareRecords(db, device, journalId, mutations),
    now: (options.clock ?? systemClock).now(),
    protection: resolveDataProtection(options.protection),
    relay: options.relay !== undefined,
    keepGaps: options.keepGaps ?? true,
    afterCommit: new Map(),
  };
  try {
    return await pushPrepared(db, device, journalId, mutations, options, prepared);
  } finally {
    // Whatever committed (the whole batch, some of it one by one, or nothing): the handlers' work
    // for after the commit runs before the kiosk hears the answer.
    await Promise.all([...prepared.afterCommit.values()].map((task) => task(db)));
  }
}

async function pushPrepared(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
  options: PushOptions,
  prepared: Prepared,
): Promise<PushOutcome> {
  // The stream's row is read (and locked) inside the batch's transaction; only a journal the
  // server has not seen yet (a new kiosk, a recreated database) costs a statement more, once.
  const attempt = async (batch: readonly MutationEnvelope[]): Promise<PushOutcome> => {
    const first = await applyBatch(db, device, journalId, batch, prepared);
    if (first.kind !== 'no-journal') return first;
    const baseSeq = options.relay ? await options.relay.baseSeq() : 0;
    // On a hub the stream and the hub's copy of it start together: a crash between the two would
    // leave a journal whose pushes apply but whose answers never say the centre holds them.
    const created = options.relay
      ? await db.transaction(async (tx) => {
          if (!(await ensureJournal(tx, device.deviceId, journalId, MAX_JOURNALS_PER_DEVICE, baseSeq))) return false;
          await ensureRelayJournal(tx, device.deviceId, journalId, baseSeq);
          return true;
        })
      : await ensureJournal(db, device.deviceId, journalId, MAX_JOURNALS_PER_DEVICE, baseSeq);
    if (!created) return { kind: 'journal-limit', limit: MAX_JOURNALS_PER_DEVICE };
    const again = await applyBatch(db, device, journalId, batch, prepared);
    return again.kind === 'no-journal' ? { kind: 'revoked' } : again;
  };
  try {
    return await attempt(mutations);
  } catch (e) {
    if (!isDataError(e)) throw e;
  }
  // The database refused something the schemas let through (it must never block the queue):
  // apply the batch one mutation at a time and record the one it refuses as rejected.
  const results: MutationResult[] = [];
  let lastSeq = 0;
  for (const m of mutations) {
    let outcome: PushOutcome;
    try {
      outcome = await attempt([m]);
    } catch (e) {
      if (!isDataError(e)) throw e;
      outcome = await rejectUnstorable(db, device, journalId, m, prepared);
    }
    if (outcome.kind === 'revoked' || outcome.kind === 'journal-limit') return outcome;
    if (outcome.kind === 'gap') return { ...outcome, results: [...results, ...outcome.results] };
    results.push(...outcome.results);
    lastSeq = outcome.lastSeq;
  }
  return { kind: 'done', lastSeq, results };
}

/** PostgreSQL data exceptions (22…) and integrity violations (23…): retrying the same input cannot help. */
function isDataError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  return code.startsWith('22') || code.startsWith('23');
}

/** Consumes the mutation's seq with a rejection, when it is the next one of its stream. */
async function rejectUnstorable(db: Db, device: AuthenticatedDevice, journalId: string, m: MutationEnvelope, prepared: Prepared): Promise<PushOutcome> {
  return db.transaction(async (tx): Promise<PushOutcome> => {
    const rows = await tx.query<{ last_seq: unknown }>('SELECT last_seq FROM journals WHERE device_id = $1 AND journal_id = $2 FOR UPDATE', [
      device.deviceId,
      journalId,
    ]);
    const lastSeq = Number(rows[0]?.last_seq ?? 0);
    if (m.deviceSeq !== lastSeq + 1) return { kind: 'gap', expectedSeq: lastSeq + 1, results: [] };
    const reason = wireError('sync.unstorable', 'the server cannot store this record (invalid characters or out-of-range values)');
    await tx.query(
      `INSERT INTO mutations (mutation_id, device_id, journal_id, device_seq, name, status, reason) VALUES ($1, $2, $3, $4, $5, 'rejected', $6::jsonb)
       ON CONFLICT (mutation_id) DO NOTHING`,
      [m.mutationId, device.deviceId, journalId, m.deviceSeq, m.name, JSON.stringify(reason)],
    );
    await tx.query('UPDATE journals SET last_seq = $3 WHERE device_id = $1 AND journal_id = $2', [device.deviceId, journalId, m.deviceSeq]);
    if (prepared.relay) await appendRelay(tx, prepared, device.deviceId, journalId, [m]);
    return { kind: 'done', lastSeq: m.deviceSeq, results: [{ mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason }] };
  });
}

async function applyBatch(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
  prepared: Prepared,
): Promise<PushOutcome | { readonly kind: 'no-journal' }> {
  // One transaction per batch: every mutation is applied together with the stream's new last_seq
  // (all of them or, on a transient error, none: the kiosk resends the same batch). The journal
  // row lock serialises pushes of one stream; other kiosks proceed in parallel.
  return db.transaction(async (tx): Promise<PushOutcome | { readonly kind: 'no-journal' }> => {
    const rows = await tx.query<{ last_seq: unknown; revoked_at: unknown }>(
      `SELECT j.last_seq, d.revoked_at FROM journals j JOIN devices d ON d.device_id = j.device_id
       WHERE j.device_id = $1 AND j.journal_id = $2 FOR UPDATE OF j`,
      [device.deviceId, journalId],
    );
    const row = rows[0];
    if (!row) return { kind: 'no-journal' };
    // Revoked between authentication and this push.
    if (row.revoked_at !== null) return { kind: 'revoked' };
    const initialSeq = Number(row.last_seq);

    // Partition the batch: already applied (≤ last_seq), the next ones in order, then a gap.
    const old: MutationEnvelope[] = [];
    const fresh: MutationEnvelope[] = [];
    let expected = initialSeq + 1;
    let gapAt: number | null = null;
    for (const m of mutations) {
      if (m.deviceSeq < expected) {
        old.push(m); // applied by an earlier push, or earlier in this very batch
      } else if (m.deviceSeq === expected) {
        fresh.push(m);
        expected++;
      } else {
        gapAt = expected;
        break;
      }
    }
    const freshOutcomes = await applyFresh(tx, device, journalId, fresh, prepared);
    if (prepared.relay) await appendRelay(tx, prepared, device.deviceId, journalId, fresh);
    const oldOutcomes = await storedOutcomes(tx, device, journalId, old, freshOutcomes);
    const lastSeq = initialSeq + fresh.length;
    if (fresh.length > 0) {
      // The stream moves: whatever gap was seen before is behind it now.
      await tx.query('UPDATE journals SET last_seq = $3, gap_from = NULL, gap_to = NULL, gap_seen_at = NULL WHERE device_id = $1 AND journal_id = $2', [
        device.deviceId,
        journalId,
        lastSeq,
      ]);
    }
    if (gapAt !== null && prepared.keepGaps) {
      // Kept on the stream for centre staff (journalGaps.ts): the seqs the kiosk no longer has.
      const next = mutations.find((m) => m.deviceSeq > gapAt!)!.deviceSeq;
      await tx.query('UPDATE journals SET gap_from = $3, gap_to = $4, gap_seen_at = $5 WHERE device_id = $1 AND journal_id = $2', [
        device.deviceId,
        journalId,
        gapAt,
        next - 1,
        prepared.now,
      ]);
    }
    // Answer in the order the kiosk sent them (up to the gap).
    const byId = new Map<MutationEnvelope, MutationResult>();
    fresh.forEach((m, i) => byId.set(m, freshOutcomes[i]!));
    old.forEach((m, i) => byId.set(m, oldOutcomes[i]!));
    const results = mutations.filter((m) => byId.has(m)).map((m) => byId.get(m)!);
    return gapAt === null ? { kind: 'done', lastSeq, results } : { kind: 'gap', expectedSeq: gapAt, results };
  });
}

/**
 * Applies mutations last_seq+1 … in one go, set-based: a handful of statements per batch whatever
 * its size (one INSERT per table through jsonb_to_recordset, ordered by seq (`ord`), so the first of two
 * clashing records wins as it would one by one). Each outcome is applied, or rejected with a reason.
 */
async function applyFresh(
  tx: Db,
  device: AuthenticatedDevice,
  journalId: string,
  fresh: readonly MutationEnvelope[],
  prepared: Prepared,
): Promise<MutationResult[]> {
  if (fresh.length === 0) return [];
  const reasons: (WireError | null)[] = fresh.map(() => null);
  // A mutationId used twice in the batch, or already known to the server, is refused.
  const seen = new Set<string>();
  const known = new Set(
    (await tx.query<{ mutation_id: string }>('SELECT mutation_id FROM mutations WHERE mutation_id = ANY($1::uuid[])', [fresh.map((m) => m.mutationId)])).map(
      (r) => r.mutation_id,
    ),
  );
  const reused = fresh.map((m) => {
    const dup = seen.has(m.mutationId) || known.has(m.mutationId);
    seen.add(m.mutationId);
    return dup;
  });
  const batch = openBatch(tx, device, prepared);
  const accepted = new Map<MutationName, RecordItem<MutationName, unknown>[]>();
  for (const [i, m] of fresh.entries()) {
    if (reused[i]) {
      reasons[i] = wireError('sync.mutation-id-reused', 'this mutationId was already used by another mutation');
      continue;
    }
    const admitted = await admit(tx, i, m, batch, prepared);
    if ('reason' in admitted) reasons[i] = admitted.reason;
    else {
      const items = accepted.get(m.name);
      if (items) items.push(admitted.item);
      else accepted.set(m.name, [admitted.item]);
    }
  }
  // Each type's accepted records, set-based, one type after the other in registry order.
  for (const name of MUTATION_NAMES) {
    const items = accepted.get(name);
    if (items) await RECORD_HANDLERS[name].store(tx, items as never, batch, reasons);
  }

  // The mutation log: one row per consumed seq (a reused mutationId has no row of its own).
  const logged = fresh.map((m, i) => ({ m, i })).filter(({ i }) => !reused[i]);
  if (logged.length > 0) {
    await tx.query(
      `INSERT INTO mutations (mutation_id, device_id, journal_id, device_seq, name, status, reason)
       SELECT x.mutation_id, $2::uuid, $3::uuid, x.device_seq, x.name, x.status, x.reason
       FROM jsonb_to_recordset($1::jsonb) AS x(mutation_id uuid, device_seq bigint, name text, status text, reason jsonb)
       ON CONFLICT (mutation_id) DO NOTHING`,
      [
        JSON.stringify(
          logged.map(({ m, i }) => ({
            mutation_id: m.mutationId,
            device_seq: m.deviceSeq,
            name: m.name,
            status: reasons[i] ? 'rejected' : 'applied',
            reason: reasons[i],
          })),
        ),
        device.deviceId,
        journalId,
      ],
    );
  }
  return fresh.map((m, i) => {
    const reason = reasons[i];
    return reason
      ? { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected' as const, reason }
      : { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'applied' as const };
  });
}

/**
 * Outcomes of mutations the server already consumed, as duplicates: one query for those of earlier
 * pushes; repeats within this batch take the outcome just computed.
 */
async function storedOutcomes(
  tx: Db,
  device: AuthenticatedDevice,
  journalId: string,
  old: readonly MutationEnvelope[],
  freshOutcomes: readonly MutationResult[],
): Promise<MutationResult[]> {
  if (old.length === 0) return [];
  const rows = await tx.query<{ device_seq: unknown; mutation_id: string; status: string; reason: WireError | null }>(
    'SELECT device_seq, mutation_id, status, reason FROM mutations WHERE device_id = $1 AND journal_id = $2 AND device_seq = ANY($3::bigint[])',
    [device.deviceId, journalId, old.map((m) => m.deviceSeq)],
  );
  const stored = new Map(rows.map((r) => [Number(r.device_seq), r]));
  const inBatch = new Map(freshOutcomes.map((r) => [r.deviceSeq, r]));
  const unknown = wireError('sync.outcome-unknown', 'this seq was consumed without a stored outcome (reused mutationId)');
  // Seqs centre staff declared lost (journal_gaps): a record that turns up after all is told so.
  const closed = await tx.query<{ from_seq: unknown; to_seq: unknown; closed_at: unknown }>(
    'SELECT from_seq, to_seq, closed_at FROM journal_gaps WHERE device_id = $1 AND journal_id = $2',
    [device.deviceId, journalId],
  );
  const closedGap = (seq: number) => closed.find((g) => seq >= Number(g.from_seq) && seq <= Number(g.to_seq));
  return old.map((m) => {
    const base = { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'duplicate' as const };
    const s = stored.get(m.deviceSeq);
    const b = inBatch.get(m.deviceSeq);
    let owner: string;
    let reason: WireError | null;
    if (s) {
      owner = s.mutation_id;
      reason = s.status === 'rejected' ? s.reason : null;
    } else if (b && b.reason?.code !== 'sync.mutation-id-reused') {
      owner = b.mutationId;
      reason = b.reason ?? null;
    } else {
      const gap = closedGap(m.deviceSeq);
      if (gap) {
        return {
          ...base,
          reason: wireError(
            'sync.gap-closed',
            `seq ${m.deviceSeq} was declared lost by the centre's staff (seqs ${gap.from_seq}–${gap.to_seq}); the record arrived too late to be applied`,
          ),
        };
      }
      return { ...base, reason: unknown };
    }
    if (owner !== m.mutationId) return { ...base, reason: wireError('sync.seq-reused', `seq ${m.deviceSeq} was already used by another mutation`) };
    return reason ? { ...base, reason } : base;
  });
}

/**
 * Journal streams one device may open. A kiosk opens a new one only when its database is lost or
 * reset, so a handful in its life; the cap stops a device (or a stolen credential) filling the
 * table with random journal ids. Raising it for one device is a staff decision (list-journals).
 */
export const MAX_JOURNALS_PER_DEVICE = 16;

/**
 * Creates the device's journal row on its first push; false when it is new and the device already
 * has MAX_JOURNALS_PER_DEVICE of them (nothing written). Two racing first pushes may overshoot the
 * cap by one each: a bound on rows, not an exact count.
 */
export async function ensureJournal(db: Db, deviceId: string, journalId: string, maxJournals = MAX_JOURNALS_PER_DEVICE, initialSeq = 0): Promise<boolean> {
  const rows = await db.query(
    `WITH existing AS (SELECT 1 FROM journals WHERE device_id = $1 AND journal_id = $2),
          inserted AS (
            INSERT INTO journals (device_id, journal_id, last_seq)
            SELECT $1, $2, $4 WHERE NOT EXISTS (SELECT 1 FROM existing)
              AND (SELECT count(*) FROM journals WHERE device_id = $1) < $3
            ON CONFLICT DO NOTHING RETURNING 1)
     SELECT 1 FROM existing UNION ALL SELECT 1 FROM inserted`,
    [deviceId, journalId, maxJournals, initialSeq],
  );
  if (rows.length > 0) return true;
  // Lost a race with a concurrent first push of the same stream: it exists now.
  return (await db.query('SELECT 1 FROM journals WHERE device_id = $1 AND journal_id = $2', [deviceId, journalId])).length > 0;
}

/** The stream's last applied seq (0 for a journal the server has not seen). */
export async function journalLastSeq(db: Db, deviceId: string, journalId: string): Promise<number> {
  const rows = await db.query<{ last_seq: unknown }>('SELECT last_seq FROM journals WHERE device_id = $1 AND journal_id = $2', [deviceId, journalId]);
  return rows[0] ? Number(rows[0].last_seq) : 0;
}

/** What pushMutations computes before any transaction opens. */
interface Prepared {
  /** Each record's `prepare` result (handlers with a `prepare`), by mutation. */
  readonly records: ReadonlyMap<MutationEnvelope, unknown>;
  /** The server's clock for this push (status time of received dossiers). */
  readonly now: number;
  readonly protection: DataProtection;
  /** Keep every consumed seq for the centre (a branch hub). */
  readonly relay: boolean;
  /** Record a gap on the journal (PushOptions.keepGaps). */
  readonly keepGaps: boolean;
  /** The handlers' work for after the commit (Batch.afterCommit), by key. */
  readonly afterCommit: Map<string, (db: Db) => Promise<void>>;
}

/** May this device's role send records of this type (the registry's `roles`)? Unknown role: an older credential, allowed. */
function roleMaySend(device: AuthenticatedDevice, name: MutationName): boolean {
  return device.role === undefined || (RECORD_TYPES[name].roles as readonly string[]).includes(device.role);
}

/**
 * Runs the handlers' `prepare` (e.g. scrypt of a dossier's look-up secret ≈ 40 ms each, all in
 * parallel in libuv's pool) before the transaction, so the stream's row lock is never held during
 * it. Mutations at or below the stream's last_seq are replays and are skipped; so are arguments
 * that do not parse or a role that may not send the type (they will be rejected).
 */
async function prepareRecords(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
): Promise<Map<MutationEnvelope, unknown>> {
  const prepared = new Map<MutationEnvelope, unknown>();
  const candidates = mutations.filter((m) => RECORD_HANDLERS[m.name].prepare !== undefined && roleMaySend(device, m.name));
  if (candidates.length === 0) return prepared;
  const lastSeq = await journalLastSeq(db, device.deviceId, journalId);
  await Promise.all(
    candidates
      .filter((m) => m.deviceSeq > lastSeq)
      .map(async (m) => {
        const parsed = RECORD_TYPES[m.name].args.safeParse(m.args);
        const prepare = RECORD_HANDLERS[m.name].prepare as ((a: unknown) => Promise<unknown>) | undefined;
        if (parsed.success && prepare) prepared.set(m, await prepare(parsed.data));
      }),
  );
  return prepared;
}

/** The batch the handlers share: the branch's published configuration is read at most once. */
function openBatch(tx: Db, device: AuthenticatedDevice, prepared: Prepared): Batch {
  let config: Promise<Readonly<Record<string, unknown>> | null> | undefined;
  return {
    device,
    now: prepared.now,
    protection: prepared.protection,
    publishes: !prepared.relay,
    branchConfig: () => (config ??= publishedBranchConfig(tx, device.branchCode)),
    afterCommit: (key, task) => {
      if (!prepared.afterCommit.has(key)) prepared.afterCommit.set(key, task);
    },
  };
}

/**
 * The registry's checks of one fresh record, in this order: the sender's role, storable text, the
 * arguments' schema, the sender's branch; then its handler's own `check`. Either a reason to
 * reject it or the record, parsed, for its handler's `store`.
 */
async function admit(
  tx: Db,
  i: number,
  m: MutationEnvelope,
  batch: Batch,
  prepared: Prepared,
): Promise<{ readonly reason: WireError } | { readonly item: RecordItem<MutationName, unknown> }> {
  const { device } = batch;
  const type = RECORD_TYPES[m.name];
  if (!roleMaySend(device, m.name)) return { reason: wireError('auth.role-forbidden', `a ${device.role} device may not send ${m.name}`) };
  if (!storable(m.args)) return { reason: wireError('sync.invalid-args', 'text with NUL characters or broken Unicode cannot be stored') };
  const parsed = type.args.safeParse(m.args);
  if (!parsed.success) return { reason: wireError('sync.invalid-args', describeIssues(parsed.error.issues)) };
  const a = parsed.data;
  if (a.branchCode !== device.branchCode)
    return { reason: wireError('sync.wrong-branch', `device belongs to branch ${device.branchCode}, ${type.noun} says ${a.branchCode}`) };
  const handler = RECORD_HANDLERS[m.name];
  const check = handler.check as ((tx: Db, a: unknown, batch: Batch) => Promise<WireError | null>) | undefined;
  const reason = check ? await check(tx, a, batch) : null;
  if (reason) return { reason };
  if (handler.prepare && !prepared.records.has(m)) throw new Error(`${m.name}: prepare did not run before the transaction`);
  return { item: { i, m, a, prepared: prepared.records.get(m) } };
}
