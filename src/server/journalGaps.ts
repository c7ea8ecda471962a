import type { Db } from './db/Db';
import type { WireError } from '../shared/sync';
import { recordAudit } from './audit';
import { wireError } from './wireErrors';

/**
 * Streams that cannot go on, and closing them — an explicit, audited act of centre staff.
 *
 * A kiosk that lost its database together with a line of its journal file pushes from a seq above
 * the server's next one; it can never fill the gap (the records are gone), so its stream stops with
 * `sync.gap-unrecoverable` (shown on the kiosk and in its heartbeat). push.ts records the gap on the
 * stream (`journals.gap_*`). Staff list the stalled streams, and close a gap: one `journal_gaps` row
 * names the seqs declared lost, when, by whom and why, and `last_seq` moves to its end in the same
 * transaction, so the kiosk's next push is applied. Nothing else is changed or deleted; a lost
 * record that turns up later is answered `sync.gap-closed` (the kiosk shows it to staff).
 */
export interface StalledJournal {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly journalId: string;
  /** The server has every seq up to here. */
  readonly lastSeq: number;
  /** The seqs the kiosk no longer has (from … to, inclusive). */
  readonly gapFrom: number;
  readonly gapTo: number;
  /** Server clock, ms: the last push that hit the gap. */
  readonly seenAt: number;
}

export async function listStalledJournals(db: Db): Promise<StalledJournal[]> {
  const rows = await db.query<{
    device_id: string;
    branch_code: string;
    journal_id: string;
    last_seq: unknown;
    gap_from: unknown;
    gap_to: unknown;
    gap_seen_at: unknown;
  }>(
    `SELECT j.device_id, d.branch_code, j.journal_id, j.last_seq, j.gap_from, j.gap_to, j.gap_seen_at
     FROM journals j JOIN devices d ON d.device_id = j.device_id
     WHERE j.gap_from IS NOT NULL ORDER BY j.gap_seen_at`,
  );
  return rows.map((r) => ({
    deviceId: r.device_id,
    branchCode: r.branch_code,
    journalId: r.journal_id,
    lastSeq: Number(r.last_seq),
    gapFrom: Number(r.gap_from),
    gapTo: Number(r.gap_to),
    seenAt: Number(r.gap_seen_at),
  }));
}

export interface ClosedGap {
  readonly deviceId: string;
  readonly journalId: string;
  /** The seqs declared lost, inclusive. */
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly closedAt: number;
  readonly closedBy: string;
  readonly reason: string;
}

export interface CloseGapInput {
  readonly deviceId: string;
  readonly journalId: string;
  /** The last seq to declare lost: the stream continues at upToSeq + 1. */
  readonly upToSeq: number;
  readonly reason: string;
  /** Who closes it (the admin token's label, or the operator named on the command line). */
  readonly closedBy: string;
  /** How closedBy was authenticated, for the audit log: an admin token (HTTP) or the CLI (default). */
  readonly actorKind?: 'admin-token' | 'admin-cli';
  readonly now: number;
}

export type CloseGapOutcome =
  { readonly ok: true; readonly gap: ClosedGap } | { readonly ok: false; readonly status: 404 | 409 | 400; readonly error: WireError };

export async function closeJournalGap(db: Db, input: CloseGapInput): Promise<CloseGapOutcome> {
  const reason = input.reason.trim();
  if (reason.length < 10 || reason.length > 1000)
    return { ok: false, status: 400, error: wireError('gap.reason', 'say why in 10–1000 characters (what was lost, who decided)') };
  return db.transaction(async (tx): Promise<CloseGapOutcome> => {
    const outcome = await closeGapIn(tx, input, reason);
    // Audited with its outcome in the same transaction; the staff's free-text reason stays in
    // journal_gaps (it may describe what was lost) and is not copied here.
    const branch = await tx.query<{ branch_code: string }>('SELECT branch_code FROM devices WHERE device_id = $1', [input.deviceId]);
    await recordAudit(tx, {
      actorKind: input.actorKind ?? 'admin-cli',
      actorId: input.closedBy.slice(0, 100),
      branchCode: branch[0]?.branch_code ?? null,
      action: 'journal.close-gap',
      target: input.deviceId,
      outcome: outcome.ok ? 'ok' : 'refused',
      detail: outcome.ok ? `journal ${input.journalId}: seqs ${outcome.gap.fromSeq}–${outcome.gap.toSeq} declared lost` : outcome.error.code,
      at: input.now,
    });
    return outcome;
  });
}

async function closeGapIn(tx: Db, input: CloseGapInput, reason: string): Promise<CloseGapOutcome> {
  const rows = await tx.query<{ last_seq: unknown; gap_from: unknown; gap_to: unknown }>(
    'SELECT last_seq, gap_from, gap_to FROM journals WHERE device_id = $1 AND journal_id = $2 FOR UPDATE',
    [input.deviceId, input.journalId],
  );
  const row = rows[0];
  if (!row) return { ok: false, status: 404, error: wireError('gap.unknown-journal', 'no such device stream') };
  const lastSeq = Number(row.last_seq);
  if (input.upToSeq <= lastSeq) {
    return { ok: false, status: 409, error: wireError('gap.nothing-to-close', `the server already has every seq up to ${lastSeq}`) };
  }
  // Only what the kiosk showed to be missing: never declare lost a record it may still send.
  const gapTo = row.gap_to === null ? null : Number(row.gap_to);
  if (gapTo === null || input.upToSeq > gapTo) {
    return {
      ok: false,
      status: 409,
      error: wireError(
        'gap.not-seen',
        gapTo === null ? 'no gap was reported on this stream' : `the kiosk reported seqs ${lastSeq + 1}–${gapTo} missing; ${input.upToSeq} is beyond them`,
      ),
    };
  }
  const gap: ClosedGap = {
    deviceId: input.deviceId,
    journalId: input.journalId,
    fromSeq: lastSeq + 1,
    toSeq: input.upToSeq,
    closedAt: input.now,
    closedBy: input.closedBy.slice(0, 100),
    reason,
  };
  await tx.query(`INSERT INTO journal_gaps (device_id, journal_id, from_seq, to_seq, closed_at, closed_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    gap.deviceId,
    gap.journalId,
    gap.fromSeq,
    gap.toSeq,
    gap.closedAt,
    gap.closedBy,
    gap.reason,
  ]);
  await tx.query(
    `UPDATE journals SET last_seq = $3::bigint,
       gap_from = CASE WHEN $3::bigint < gap_to THEN $3::bigint + 1 ELSE NULL END,
       gap_to = CASE WHEN $3::bigint < gap_to THEN gap_to ELSE NULL END,
       gap_seen_at = CASE WHEN $3::bigint < gap_to THEN gap_seen_at ELSE NULL END
     WHERE device_id = $1 AND journal_id = $2`,
    [input.deviceId, input.journalId, input.upToSeq],
  );
  return { ok: true, gap };
}

export async function listClosedGaps(db: Db): Promise<ClosedGap[]> {
  const rows = await db.query<{
    device_id: string;
    journal_id: string;
    from_seq: unknown;
    to_seq: unknown;
    closed_at: unknown;
    closed_by: string;
    reason: string;
  }>('SELECT device_id, journal_id, from_seq, to_seq, closed_at, closed_by, reason FROM journal_gaps ORDER BY closed_at, id');
  return rows.map((r) => ({
    deviceId: r.device_id,
    journalId: r.journal_id,
    fromSeq: Number(r.from_seq),
    toSeq: Number(r.to_seq),
    closedAt: Number(r.closed_at),
    closedBy: r.closed_by,
    reason: r.reason,
  }));
}
