import type { MutationEnvelope, MutationResult, WireError } from '../shared/sync';
import { RatingSubmitArgs, TicketIssueArgs } from '../shared/sync';
import type { Db } from './db/Db';

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
export interface AuthenticatedDevice {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly role?: string;
}

export type PushOutcome =
  | { readonly kind: 'done'; readonly lastSeq: number; readonly results: MutationResult[] }
  | { readonly kind: 'gap'; readonly expectedSeq: number; readonly results: MutationResult[] }
  | { readonly kind: 'revoked' };

export async function pushMutations(db: Db, device: AuthenticatedDevice, journalId: string, mutations: readonly MutationEnvelope[]): Promise<PushOutcome> {
  await ensureJournal(db, device.deviceId, journalId);
  try {
    return await applyBatch(db, device, journalId, mutations);
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
      outcome = await applyBatch(db, device, journalId, [m]);
    } catch (e) {
      if (!isDataError(e)) throw e;
      outcome = await rejectUnstorable(db, device, journalId, m);
    }
    if (outcome.kind === 'revoked') return outcome;
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
async function rejectUnstorable(db: Db, device: AuthenticatedDevice, journalId: string, m: MutationEnvelope): Promise<PushOutcome> {
  return db.transaction(async (tx): Promise<PushOutcome> => {
    const rows = await tx.query<{ last_seq: unknown }>('SELECT last_seq FROM journals WHERE device_id = $1 AND journal_id = $2 FOR UPDATE', [
      device.deviceId,
      journalId,
    ]);
    const lastSeq = Number(rows[0]?.last_seq ?? 0);
    if (m.deviceSeq !== lastSeq + 1) return { kind: 'gap', expectedSeq: lastSeq + 1, results: [] };
    const reason = reject('sync.unstorable', 'the server cannot store this record (invalid characters or out-of-range values)');
    await tx.query(
      `INSERT INTO mutations (mutation_id, device_id, journal_id, device_seq, name, status, reason) VALUES ($1, $2, $3, $4, $5, 'rejected', $6::jsonb)
       ON CONFLICT (mutation_id) DO NOTHING`,
      [m.mutationId, device.deviceId, journalId, m.deviceSeq, m.name, JSON.stringify(reason)],
    );
    await tx.query('UPDATE journals SET last_seq = $3 WHERE device_id = $1 AND journal_id = $2', [device.deviceId, journalId, m.deviceSeq]);
    return { kind: 'done', lastSeq: m.deviceSeq, results: [{ mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason }] };
  });
}

async function applyBatch(db: Db, device: AuthenticatedDevice, journalId: string, mutations: readonly MutationEnvelope[]): Promise<PushOutcome> {
  // One transaction per batch: every mutation is applied together with the stream's new last_seq
  // (all of them or, on a transient error, none: the kiosk resends the same batch). The journal
  // row lock serialises pushes of one stream; other kiosks proceed in parallel.
  return db.transaction(async (tx): Promise<PushOutcome> => {
    const rows = await tx.query<{ last_seq: unknown; revoked_at: unknown }>(
      `SELECT j.last_seq, d.revoked_at FROM journals j JOIN devices d ON d.device_id = j.device_id
       WHERE j.device_id = $1 AND j.journal_id = $2 FOR UPDATE OF j`,
      [device.deviceId, journalId],
    );
    const row = rows[0];
    // Revoked (or removed) between authentication and this push.
    if (!row || row.revoked_at !== null) return { kind: 'revoked' };
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
    const freshOutcomes = await applyFresh(tx, device, journalId, fresh);
    const oldOutcomes = await storedOutcomes(tx, device, journalId, old, freshOutcomes);
    const lastSeq = initialSeq + fresh.length;
    if (fresh.length > 0) {
      await tx.query('UPDATE journals SET last_seq = $3 WHERE device_id = $1 AND journal_id = $2', [device.deviceId, journalId, lastSeq]);
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
async function applyFresh(tx: Db, device: AuthenticatedDevice, journalId: string, fresh: readonly MutationEnvelope[]): Promise<MutationResult[]> {
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
  const context: BatchContext = { numbering: undefined };
  const tickets: { i: number; a: TicketIssueArgs }[] = [];
  const ratings: { i: number; a: RatingSubmitArgs }[] = [];
  for (const [i, m] of fresh.entries()) {
    if (reused[i]) {
      reasons[i] = reject('sync.mutation-id-reused', 'this mutationId was already used by another mutation');
      continue;
    }
    if (device.role !== undefined && !MUTATION_ROLES[m.name].includes(device.role)) {
      reasons[i] = reject('auth.role-forbidden', `a ${device.role} device may not send ${m.name}`);
      continue;
    }
    if (!storable(m.args)) {
      reasons[i] = reject('sync.invalid-args', 'text with NUL characters or broken Unicode cannot be stored');
      continue;
    }
    if (m.name === 'ticket.issue@1') {
      const parsed = TicketIssueArgs.safeParse(m.args);
      if (!parsed.success) reasons[i] = reject('sync.invalid-args', describeIssues(parsed.error.issues));
      else if (parsed.data.branchCode !== device.branchCode)
        reasons[i] = reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, ticket says ${parsed.data.branchCode}`);
      else reasons[i] = await slotRangeViolation(tx, parsed.data, context);
      if (!reasons[i] && parsed.success) tickets.push({ i, a: parsed.data });
    } else if (m.name === 'rating.submit@1') {
      const parsed = RatingSubmitArgs.safeParse(m.args);
      if (!parsed.success) reasons[i] = reject('sync.invalid-args', describeIssues(parsed.error.issues));
      else if (parsed.data.branchCode !== device.branchCode)
        reasons[i] = reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, rating says ${parsed.data.branchCode}`);
      else ratings.push({ i, a: parsed.data });
    }
  }

  if (tickets.length > 0) {
    const inserted = new Set(
      (
        await tx.query<{ id: string }>(
          `INSERT INTO tickets (id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at)
           SELECT x.id, x.branch_code, $2::uuid, x.kiosk_slot, x.day, x.group_prefix, x.number, x.numeric, x.priority, x.issued_at
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, kiosk_slot integer, day text, group_prefix text,
             number text, numeric integer, priority boolean, issued_at bigint, ord bigint)
           ORDER BY x.ord
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            JSON.stringify(
              tickets.map(({ a }, ord) => ({
                ord,
                id: a.id,
                branch_code: a.branchCode,
                kiosk_slot: a.kioskSlot,
                day: a.day,
                group_prefix: a.groupPrefix,
                number: a.number,
                numeric: a.numeric,
                priority: a.priority,
                issued_at: a.issuedAt,
              })),
            ),
            device.deviceId,
          ],
        )
      ).map((r) => r.id),
    );
    const refused = notInserted(tickets, inserted);
    if (refused.length > 0) {
      // Refused by a unique key: the same id (here or earlier), or the number already taken.
      const existingIds = new Set(
        (await tx.query<{ id: string }>('SELECT id FROM tickets WHERE id = ANY($1::uuid[])', [refused.map(({ a }) => a.id)])).map((r) => r.id),
      );
      for (const { i, a } of refused) {
        reasons[i] = existingIds.has(a.id)
          ? reject('ticket.id-taken', 'a ticket with this id already exists')
          : reject('ticket.number-taken', `ticket ${a.number} of ${a.day} already exists in branch ${a.branchCode}`);
      }
    }
  }

  if (ratings.length > 0) {
    const inserted = new Set(
      (
        await tx.query<{ id: string }>(
          `INSERT INTO ratings (id, branch_code, device_id, ticket_id, dossier_code, counter, level, reasons, comment, questionnaire_id, questionnaire_version, submitted_at)
           SELECT x.id, x.branch_code, $2::uuid, x.ticket_id, x.dossier_code, x.counter, x.level,
             ARRAY(SELECT jsonb_array_elements_text(x.reasons)), x.comment, x.questionnaire_id, x.questionnaire_version, x.submitted_at
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, ticket_id uuid, dossier_code text, counter text, level text,
             reasons jsonb, comment text, questionnaire_id text, questionnaire_version integer, submitted_at bigint, ord bigint)
           ORDER BY x.ord
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            JSON.stringify(
              ratings.map(({ a }, ord) => ({
                ord,
                id: a.id,
                branch_code: a.branchCode,
                ticket_id: a.ticketId,
                dossier_code: a.dossierCode,
                counter: a.counter,
                level: a.level,
                reasons: a.reasons,
                comment: a.comment,
                questionnaire_id: a.questionnaireId,
                questionnaire_version: a.questionnaireVersion,
                submitted_at: a.submittedAt,
              })),
            ),
            device.deviceId,
          ],
        )
      ).map((r) => r.id),
    );
    for (const { i } of notInserted(ratings, inserted)) reasons[i] = reject('rating.id-taken', 'a rating with this id already exists');
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
  const unknown = reject('sync.outcome-unknown', 'this seq was consumed without a stored outcome (reused mutationId)');
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
      return { ...base, reason: unknown };
    }
    if (owner !== m.mutationId) return { ...base, reason: reject('sync.seq-reused', `seq ${m.deviceSeq} was already used by another mutation`) };
    return reason ? { ...base, reason } : base;
  });
}

/**
 * Which enrolled roles may send which mutations: citizen kiosks and counters issue tickets and
 * collect ratings; a technician's machine captures nothing. Refused like any other invalid record.
 */
const MUTATION_ROLES: Readonly<Record<MutationEnvelope['name'], readonly string[]>> = {
  'ticket.issue@1': ['citizen', 'counter'],
  'rating.submit@1': ['citizen', 'counter'],
  'dossier.submit@1': ['counter'],
};

/** Per-batch cache of what several mutations need (the branch's ticket numbering). */
interface BatchContext {
  numbering: { blockSize: number; slots: number } | null | undefined;
}

/** Creates the stream row of a journal the server has not seen (a new kiosk, or a recreated database). */
export async function ensureJournal(db: Db, deviceId: string, journalId: string): Promise<void> {
  await db.query('INSERT INTO journals (device_id, journal_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [deviceId, journalId]);
}

/** The stream's last applied seq (0 for a journal the server has not seen). */
export async function journalLastSeq(db: Db, deviceId: string, journalId: string): Promise<number> {
  const rows = await db.query<{ last_seq: unknown }>('SELECT last_seq FROM journals WHERE device_id = $1 AND journal_id = $2', [deviceId, journalId]);
  return rows[0] ? Number(rows[0].last_seq) : 0;
}

/**
 * A ticket number must come from the kiosk's own blocks (block b belongs to slot b mod slots), as
 * the branch's published numbering says; otherwise two kiosks could have issued it. Without a
 * published configuration the check is skipped (the unique constraint still holds).
 */
async function slotRangeViolation(tx: Db, a: TicketIssueArgs, context: BatchContext): Promise<WireError | null> {
  if (context.numbering === undefined) {
    const rows = await tx.query<{ block_size: unknown; slots: unknown }>(
      `SELECT (data->'numbering'->>'blockSize')::int AS block_size, (data->'numbering'->>'slots')::int AS slots
       FROM changes WHERE scope = $1 AND entity = 'branchConfig' AND key = $2 AND op = 'put'`,
      [`branch:${a.branchCode}`, a.branchCode],
    );
    context.numbering = rows[0] ? { blockSize: Number(rows[0].block_size), slots: Number(rows[0].slots) } : null;
  }
  if (!context.numbering) return null;
  const { blockSize, slots } = context.numbering;
  if (a.kioskSlot >= slots) return reject('ticket.slot-out-of-range', `kiosk slot ${a.kioskSlot} is not below the branch's ${slots} slots`);
  const block = Math.floor(a.numeric / blockSize);
  if (block % slots !== a.kioskSlot || a.numeric % blockSize === 0)
    return reject('ticket.number-out-of-range', `ticket ${a.number} is outside the number blocks of kiosk slot ${a.kioskSlot}`);
  return null;
}

function reject(code: string, detail: string): WireError {
  return { code, detail: detail.slice(0, 1000) };
}

/** Paths and messages only, never the offending values (they could carry personal data). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[]): string {
  // Paths and zod's messages only; a client's own key names are not echoed (they could be anything).
  const safePart = (p: PropertyKey) => (typeof p === 'number' || /^[A-Za-z0-9_]{1,64}$/.test(String(p)) ? String(p) : '?');
  return issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.map(safePart).join('.') || '(root)';
      const message = i.code === 'unrecognized_keys' ? `${i.keys?.length ?? 1} unknown field(s)` : i.message;
      return `${where}: ${message}`;
    })
    .join('; ')
    .slice(0, 1000);
}

/**
 * The records whose row the multi-row INSERT did not create: ids it did not return, and repeats of
 * an inserted id later in the batch (only the first mutation carrying it made the row).
 */
function notInserted<T extends { readonly i: number; readonly a: { readonly id: string } }>(items: readonly T[], inserted: ReadonlySet<string>): T[] {
  const firstOf = new Map<string, number>();
  for (const { i, a } of items) if (inserted.has(a.id) && !firstOf.has(a.id)) firstOf.set(a.id, i);
  return items.filter(({ i, a }) => firstOf.get(a.id) !== i);
}

/** Can PostgreSQL store this as jsonb/text? No NUL characters, no lone surrogates, anywhere. */
function storable(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.every((v) => storable(v, depth + 1));
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => storableText(k) && storable(v, depth + 1));
  return true;
}

function storableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
