import type { MutationEnvelope, MutationResult, WireError } from '../shared/sync';
import { RatingSubmitArgs, TicketIssueArgs } from '../shared/sync';
import type { Db } from './db/Db';

/**
 * Applies a kiosk's pushed mutations (DESIGN.md, "Sync requirements"). A device's mutations form
 * one gapless stream per journal (its local database). Each mutation gets its own SQL transaction
 * that locks the stream's row in `journals` (SELECT … FOR UPDATE), so two pushes of one stream never
 * interleave and `last_seq` moves exactly with the recorded outcome:
 *  - deviceSeq ≤ last_seq → duplicate: nothing is written; the stored outcome is returned
 *    (a `reason` is present exactly when the stored outcome was a rejection);
 *  - deviceSeq = last_seq + 1 → applied, or rejected with a reason when permanently invalid (bad
 *    arguments, another branch, a ticket number or id already taken); both advance last_seq;
 *  - deviceSeq > last_seq + 1 → gap: the batch stops; earlier mutations stay committed.
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

type Step = { kind: 'result'; result: MutationResult; lastSeq: number } | { kind: 'gap'; expectedSeq: number } | { kind: 'revoked' };

export async function pushMutations(db: Db, device: AuthenticatedDevice, journalId: string, mutations: readonly MutationEnvelope[]): Promise<PushOutcome> {
  const results: MutationResult[] = [];
  await ensureJournal(db, device.deviceId, journalId);
  let lastSeq = 0;
  for (const m of mutations) {
    const step = await db.transaction((tx) => pushOne(tx, device, journalId, m));
    if (step.kind === 'revoked') return step;
    if (step.kind === 'gap') return { kind: 'gap', expectedSeq: step.expectedSeq, results };
    results.push(step.result);
    lastSeq = step.lastSeq;
  }
  return { kind: 'done', lastSeq, results };
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

async function pushOne(tx: Db, device: AuthenticatedDevice, journalId: string, m: MutationEnvelope): Promise<Step> {
  const rows = await tx.query<{ last_seq: unknown; revoked_at: unknown }>(
    `SELECT j.last_seq, d.revoked_at FROM journals j JOIN devices d ON d.device_id = j.device_id
     WHERE j.device_id = $1 AND j.journal_id = $2 FOR UPDATE OF j`,
    [device.deviceId, journalId],
  );
  const row = rows[0];
  // Revoked (or removed) between authentication and this mutation.
  if (!row || row.revoked_at !== null) return { kind: 'revoked' };
  const lastSeq = Number(row.last_seq);
  if (m.deviceSeq <= lastSeq) return { kind: 'result', result: await storedOutcome(tx, device, journalId, m), lastSeq };
  if (m.deviceSeq > lastSeq + 1) return { kind: 'gap', expectedSeq: lastSeq + 1 };

  const reused = await tx.query('SELECT 1 FROM mutations WHERE mutation_id = $1', [m.mutationId]);
  const reason = reused.length > 0 ? reject('sync.mutation-id-reused', 'this mutationId was already used by another mutation') : await apply(tx, device, m);
  if (reused.length === 0) {
    await tx.query('INSERT INTO mutations (mutation_id, device_id, journal_id, device_seq, name, status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)', [
      m.mutationId,
      device.deviceId,
      journalId,
      m.deviceSeq,
      m.name,
      reason ? 'rejected' : 'applied',
      reason ? JSON.stringify(reason) : null,
    ]);
  }
  await tx.query('UPDATE journals SET last_seq = $3 WHERE device_id = $1 AND journal_id = $2', [device.deviceId, journalId, m.deviceSeq]);
  const result: MutationResult = reason
    ? { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason }
    : { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'applied' };
  return { kind: 'result', result, lastSeq: m.deviceSeq };
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
async function apply(tx: Db, device: AuthenticatedDevice, m: MutationEnvelope): Promise<WireError | null> {
  switch (m.name) {
    case 'ticket.issue@1':
      return applyTicketIssue(tx, device, m.args);
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

async function applyTicketIssue(tx: Db, device: AuthenticatedDevice, rawArgs: unknown): Promise<WireError | null> {
  const parsed = TicketIssueArgs.safeParse(rawArgs);
  if (!parsed.success) return reject('sync.invalid-args', describeIssues(parsed.error.issues));
  const a = parsed.data;
  if (a.branchCode !== device.branchCode) return reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, ticket says ${a.branchCode}`);
  const outOfRange = await slotRangeViolation(tx, a);
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
async function slotRangeViolation(tx: Db, a: TicketIssueArgs): Promise<WireError | null> {
  const rows = await tx.query<{ block_size: unknown; slots: unknown }>(
    `SELECT (data->'numbering'->>'blockSize')::int AS block_size, (data->'numbering'->>'slots')::int AS slots
     FROM changes WHERE scope = $1 AND entity = 'branchConfig' AND key = $2 AND op = 'put'`,
    [`branch:${a.branchCode}`, a.branchCode],
  );
  const cfg = rows[0];
  if (!cfg) return null;
  const blockSize = Number(cfg.block_size);
  const slots = Number(cfg.slots);
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
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')
    .slice(0, 1000);
}
