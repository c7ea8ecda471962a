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
    let lastSeq = initialSeq;
    const results: MutationResult[] = [];
    const context: BatchContext = { numbering: undefined };
    let gapAt: number | null = null;
    for (const m of mutations) {
      if (m.deviceSeq <= lastSeq) {
        results.push(await storedOutcome(tx, device, journalId, m));
        continue;
      }
      if (m.deviceSeq > lastSeq + 1) {
        gapAt = lastSeq + 1;
        break;
      }
      results.push(await applyNext(tx, device, journalId, m, context));
      lastSeq = m.deviceSeq;
    }
    if (lastSeq !== initialSeq) {
      await tx.query('UPDATE journals SET last_seq = $3 WHERE device_id = $1 AND journal_id = $2', [device.deviceId, journalId, lastSeq]);
    }
    return gapAt === null ? { kind: 'done', lastSeq, results } : { kind: 'gap', expectedSeq: gapAt, results };
  });
}

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

/** Applies mutation last_seq + 1: recorded as applied, or rejected with a reason; either way it is consumed. */
async function applyNext(tx: Db, device: AuthenticatedDevice, journalId: string, m: MutationEnvelope, context: BatchContext): Promise<MutationResult> {
  // Record the mutation first: a mutationId already used elsewhere is refused by the primary key.
  const recorded = await tx.query(
    `INSERT INTO mutations (mutation_id, device_id, journal_id, device_seq, name, status) VALUES ($1, $2, $3, $4, $5, 'applied')
     ON CONFLICT (mutation_id) DO NOTHING RETURNING mutation_id`,
    [m.mutationId, device.deviceId, journalId, m.deviceSeq, m.name],
  );
  if (recorded.length === 0) {
    const reason = reject('sync.mutation-id-reused', 'this mutationId was already used by another mutation');
    return { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason };
  }
  const reason = await apply(tx, device, m, context);
  if (reason) {
    await tx.query(`UPDATE mutations SET status = 'rejected', reason = $2::jsonb WHERE mutation_id = $1`, [m.mutationId, JSON.stringify(reason)]);
    return { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason };
  }
  return { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'applied' };
}

async function storedOutcome(tx: Db, device: AuthenticatedDevice, journalId: string, m: MutationEnvelope): Promise<MutationResult> {
  const base = { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'duplicate' as const };
  const stored = await tx.query<{ mutation_id: string; status: string; reason: WireError | null }>(
    'SELECT mutation_id, status, reason FROM mutations WHERE device_id = $1 AND journal_id = $2 AND device_seq = $3',
    [device.deviceId, journalId, m.deviceSeq],
  );
  const s = stored[0];
  if (!s) return { ...base, reason: reject('sync.outcome-unknown', 'this seq was consumed without a stored outcome (reused mutationId)') };
  if (s.mutation_id !== m.mutationId) return { ...base, reason: reject('sync.seq-reused', `seq ${m.deviceSeq} was already used by another mutation`) };
  return s.status === 'rejected' && s.reason ? { ...base, reason: s.reason } : base;
}

/** Applies one mutation; returns null when applied, or why it is permanently rejected. */
async function apply(tx: Db, device: AuthenticatedDevice, m: MutationEnvelope, context: BatchContext): Promise<WireError | null> {
  switch (m.name) {
    case 'ticket.issue@1':
      return applyTicketIssue(tx, device, m.args, context);
    case 'rating.submit@1':
      return applyRatingSubmit(tx, device, m.args);
  }
}

async function applyRatingSubmit(tx: Db, device: AuthenticatedDevice, rawArgs: unknown): Promise<WireError | null> {
  const parsed = RatingSubmitArgs.safeParse(rawArgs);
  if (!parsed.success) return reject('sync.invalid-args', describeIssues(parsed.error.issues));
  const a = parsed.data;
  if (a.branchCode !== device.branchCode) return reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, rating says ${a.branchCode}`);
  const inserted = await tx.query(
    `INSERT INTO ratings (id, branch_code, device_id, ticket_id, dossier_code, counter, level, reasons, comment, questionnaire_id, questionnaire_version, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id`,
    [
      a.id,
      a.branchCode,
      device.deviceId,
      a.ticketId,
      a.dossierCode,
      a.counter,
      a.level,
      a.reasons,
      a.comment,
      a.questionnaireId,
      a.questionnaireVersion,
      a.submittedAt,
    ],
  );
  return inserted.length > 0 ? null : reject('rating.id-taken', 'a rating with this id already exists');
}

async function applyTicketIssue(tx: Db, device: AuthenticatedDevice, rawArgs: unknown, context: BatchContext): Promise<WireError | null> {
  const parsed = TicketIssueArgs.safeParse(rawArgs);
  if (!parsed.success) return reject('sync.invalid-args', describeIssues(parsed.error.issues));
  const a = parsed.data;
  if (a.branchCode !== device.branchCode) return reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, ticket says ${a.branchCode}`);
  const outOfRange = await slotRangeViolation(tx, a, context);
  if (outOfRange) return outOfRange;
  const inserted = await tx.query(
    `INSERT INTO tickets (id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
    [a.id, a.branchCode, device.deviceId, a.kioskSlot, a.day, a.groupPrefix, a.number, a.numeric, a.priority, a.issuedAt],
  );
  if (inserted.length > 0) return null;
  const sameId = await tx.query('SELECT 1 FROM tickets WHERE id = $1', [a.id]);
  return sameId.length > 0
    ? reject('ticket.id-taken', 'a ticket with this id already exists')
    : reject('ticket.number-taken', `ticket ${a.number} of ${a.day} already exists in branch ${a.branchCode}`);
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
