import { parseDossierCode } from '../domain/dossierCode';
import { localDayKey } from '../domain/localDay';
import { systemClock, type Clock } from '../shared/clock';
import { DossierReception } from '../shared/branchConfig';
import { branchScope, type DossierStatus } from '../shared/published';
import type { MutationEnvelope, MutationResult, WireError } from '../shared/sync';
import { AuditEventArgs, DossierSubmitArgs, RatingSubmitArgs, TicketIssueArgs } from '../shared/sync';
import { publishChanges } from './changes';
import { resolveDataProtection, type DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { personalColumns } from './personalData';
import { hashLookupSecret, lockBlobBuckets, normaliseLookupSecret } from './dossiers';

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
  | { readonly kind: 'revoked' }
  /** A new journal id for a device that already has MAX_JOURNALS_PER_DEVICE streams. */
  | { readonly kind: 'journal-limit'; readonly limit: number };

export interface PushOptions {
  /** The server's clock, for the status time of a received dossier (default: the system clock). */
  readonly clock?: Clock;
  /** Seals a received dossier's personal fields (personalData.ts). */
  readonly protection?: DataProtection;
}

export async function pushMutations(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
  options: PushOptions = {},
): Promise<PushOutcome> {
  if (!(await ensureJournal(db, device.deviceId, journalId))) return { kind: 'journal-limit', limit: MAX_JOURNALS_PER_DEVICE };
  const prepared: Prepared = {
    dossiers: await prepareDossiers(db, device, journalId, mutations),
    now: (options.clock ?? systemClock).now(),
    protection: resolveDataProtection(options.protection),
  };
  try {
    return await applyBatch(db, device, journalId, mutations, prepared);
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
      outcome = await applyBatch(db, device, journalId, [m], prepared);
    } catch (e) {
      if (!isDataError(e)) throw e;
      outcome = await rejectUnstorable(db, device, journalId, m);
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

async function applyBatch(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
  prepared: Prepared,
): Promise<PushOutcome> {
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
    const freshOutcomes = await applyFresh(tx, device, journalId, fresh, prepared);
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
    if (gapAt !== null) {
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
  const context: BatchContext = { numbering: undefined, reception: undefined };
  const tickets: { i: number; a: TicketIssueArgs }[] = [];
  const ratings: { i: number; a: RatingSubmitArgs }[] = [];
  const audits: { i: number; a: AuditEventArgs }[] = [];
  const dossiers: DossierItem[] = [];
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
    } else if (m.name === 'audit.event@1') {
      const parsed = AuditEventArgs.safeParse(m.args);
      if (!parsed.success) reasons[i] = reject('sync.invalid-args', describeIssues(parsed.error.issues));
      else if (parsed.data.branchCode !== device.branchCode)
        reasons[i] = reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, audit event says ${parsed.data.branchCode}`);
      else audits.push({ i, a: parsed.data });
    } else if (m.name === 'dossier.submit@1') {
      const parsed = DossierSubmitArgs.safeParse(m.args);
      if (!parsed.success) reasons[i] = reject('sync.invalid-args', describeIssues(parsed.error.issues));
      else if (parsed.data.branchCode !== device.branchCode)
        reasons[i] = reject('sync.wrong-branch', `device belongs to branch ${device.branchCode}, dossier says ${parsed.data.branchCode}`);
      if (!reasons[i] && parsed.success) {
        // Hashed before the transaction opened (prepareDossiers): never scrypt under the row lock.
        const secretHash = prepared.dossiers.get(m);
        if (secretHash === undefined) throw new Error('dossier look-up secret was not hashed before the transaction');
        // The receipt with this code is already in the citizen's hands: a code that does not fit
        // the numbering published NOW (changed since, or a misconfigured kiosk) is stored and flagged
        // for the centre, never refused; the unique code is what prevents collisions.
        const warning = await receptionViolation(tx, parsed.data, context);
        dossiers.push({ i, a: parsed.data, secretHash, codeWarning: warning ? `${warning.code}: ${warning.detail}` : null });
      }
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

  if (audits.length > 0) {
    // The centre's audit log (audit.ts): actor = this device, time = the server's, the kiosk's own in device_at.
    const inserted = new Set(
      (
        await tx.query<{ id: string }>(
          `INSERT INTO audit_log (at, actor_kind, actor_id, branch_code, action, target, outcome, detail, event_id, device_at)
           SELECT $3::bigint, 'device', $2::text, x.branch_code, x.action, x.dossier_code, 'ok', x.detail, x.id, x.at
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, action text, dossier_code text, detail text, at bigint, ord bigint)
           ORDER BY x.ord
           ON CONFLICT DO NOTHING RETURNING event_id AS id`,
          [
            JSON.stringify(
              audits.map(({ a }, ord) => ({
                ord,
                id: a.id,
                branch_code: a.branchCode,
                action: a.action,
                dossier_code: a.dossierCode,
                detail: a.relatedCode === null ? null : `into ${a.relatedCode}: ${a.documents} document(s)`,
                at: a.at,
              })),
            ),
            device.deviceId,
            prepared.now,
          ],
        )
      ).map((r) => r.id),
    );
    for (const { i } of notInserted(audits, inserted)) reasons[i] = reject('audit.id-taken', 'an audit event with this id already exists');
  }

  if (dossiers.length > 0) await applyDossiers(tx, device, dossiers, reasons, prepared.now, prepared.protection);

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
          reason: reject(
            'sync.gap-closed',
            `seq ${m.deviceSeq} was declared lost by the centre's staff (seqs ${gap.from_seq}–${gap.to_seq}); the record arrived too late to be applied`,
          ),
        };
      }
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
  // Receipts are printed and documents reused at counters only.
  'audit.event@1': ['counter'],
};

/** Per-batch cache of what several mutations need (the branch's ticket and dossier numbering). */
interface BatchContext {
  numbering: { blockSize: number; slots: number } | null | undefined;
  reception: ReceptionNumbering | null | undefined;
}

/** Creates the stream row of a journal the server has not seen (a new kiosk, or a recreated database). */
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
export async function ensureJournal(db: Db, deviceId: string, journalId: string, maxJournals = MAX_JOURNALS_PER_DEVICE): Promise<boolean> {
  const rows = await db.query(
    `WITH existing AS (SELECT 1 FROM journals WHERE device_id = $1 AND journal_id = $2),
          inserted AS (
            INSERT INTO journals (device_id, journal_id)
            SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM existing)
              AND (SELECT count(*) FROM journals WHERE device_id = $1) < $3
            ON CONFLICT DO NOTHING RETURNING 1)
     SELECT 1 FROM existing UNION ALL SELECT 1 FROM inserted`,
    [deviceId, journalId, maxJournals],
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

// ---------------------------------------------------------------------------------------------
// dossier.submit@1: a dossier received at a counter (issue 4).
// ---------------------------------------------------------------------------------------------

/** What pushMutations computes before any transaction opens. */
interface Prepared {
  /** The scrypt hash of each dossier's look-up secret, by mutation. */
  readonly dossiers: ReadonlyMap<MutationEnvelope, string>;
  /** The server's clock for this push (status time of received dossiers). */
  readonly now: number;
  readonly protection: DataProtection;
}

interface DossierItem {
  readonly i: number;
  readonly a: DossierSubmitArgs;
  readonly secretHash: string;
  /** Why the code does not fit the branch's published numbering (stored for the centre), or null. */
  readonly codeWarning: string | null;
}

/**
 * Hashes the look-up secret of every dossier this push may apply (scrypt ≈ 40 ms each, all in
 * parallel in libuv's pool), before the transaction, so the stream's row lock is never held
 * during scrypt. Mutations at or below the stream's last_seq are replays and are skipped; so are
 * arguments that do not parse or a role that may not send dossiers (they will be rejected).
 */
async function prepareDossiers(
  db: Db,
  device: AuthenticatedDevice,
  journalId: string,
  mutations: readonly MutationEnvelope[],
): Promise<Map<MutationEnvelope, string>> {
  const hashes = new Map<MutationEnvelope, string>();
  const candidates = mutations.filter((m) => m.name === 'dossier.submit@1' && (device.role === undefined || MUTATION_ROLES[m.name].includes(device.role)));
  if (candidates.length === 0) return hashes;
  const lastSeq = await journalLastSeq(db, device.deviceId, journalId);
  await Promise.all(
    candidates
      .filter((m) => m.deviceSeq > lastSeq)
      .map(async (m) => {
        const parsed = DossierSubmitArgs.safeParse(m.args);
        if (parsed.success) hashes.set(m, await hashLookupSecret(normaliseLookupSecret(parsed.data.lookupSecret)));
      }),
  );
  return hashes;
}

/** The branch's published dossier numbering (BranchConfig.reception), as the code check needs it. */
interface ReceptionNumbering {
  readonly unitCode: string;
  readonly utcOffsetMinutes: number;
  readonly numbering: { readonly blockSize: number; readonly slots: number; readonly digits: number };
}

/**
 * A dossier code must be one the sending device could have made under the branch's published
 * reception numbering (src/domain/dossierCode.ts): the branch's unit code, the receipt's local date
 * (branch time), and a sequence from the blocks of the device's slot. Without a published
 * reception configuration (or with one no code could be made under) the check is skipped; the
 * unique code still holds.
 */
async function receptionViolation(tx: Db, a: DossierSubmitArgs, context: BatchContext): Promise<WireError | null> {
  if (context.reception === undefined) {
    const rows = await tx.query<{ reception: unknown; utc_offset: unknown }>(
      `SELECT data->'reception' AS reception, data->'utcOffsetMinutes' AS utc_offset
       FROM changes WHERE scope = $1 AND entity = 'branchConfig' AND key = $2 AND op = 'put'`,
      [branchScope(a.branchCode), a.branchCode],
    );
    const row = rows[0];
    const reception = row ? DossierReception.safeParse(row.reception) : null;
    const offset = Number(row?.utc_offset);
    context.reception =
      reception?.success && Number.isInteger(offset)
        ? { unitCode: reception.data.unitCode, utcOffsetMinutes: offset, numbering: reception.data.numbering }
        : null;
  }
  const r = context.reception;
  if (!r) return null;
  if (a.slot >= r.numbering.slots) return reject('dossier.slot-out-of-range', `device slot ${a.slot} is not below the branch's ${r.numbering.slots} slots`);
  let parsed: ReturnType<typeof parseDossierCode>;
  try {
    parsed = parseDossierCode(a.code, r.numbering, r.unitCode);
  } catch (e) {
    if (e instanceof RangeError) return null; // numbering no device can use: nothing to check against
    throw e;
  }
  if (!parsed.ok) {
    if (parsed.error.code === 'dossier.code-other-unit') {
      return reject('dossier.wrong-unit', `dossier ${a.code} is not under the branch's receiving unit ${r.unitCode}`);
    }
    return reject('dossier.number-out-of-range', `dossier ${a.code}: ${parsed.error.detail}`);
  }
  if (parsed.value.slot !== a.slot) {
    return reject('dossier.number-out-of-range', `dossier ${a.code} is outside the sequence blocks of device slot ${a.slot}`);
  }
  const day = localDayKey(a.receivedAt, r.utcOffsetMinutes);
  if (parsed.value.date !== day) {
    return reject('dossier.date-mismatch', `dossier ${a.code} carries date ${parsed.value.date} but was received on ${day} (branch time)`);
  }
  return null;
}

/**
 * Stores the valid dossiers of a batch, set-based, in the push's transaction:
 *  1. in-batch repeats: a second dossier with an earlier one's code (another id) is
 *     `dossier.code-taken`; the same id again is a repeat of the first (same outcome), or
 *     `dossier.id-taken` when its code differs;
 *  2. a dossier whose id is already stored: the same dossier (same code and branch) is applied
 *     without writing anything, anything else is `dossier.id-taken`;
 *  3. one INSERT of the status rows (`dossiers`: status received, the secret's hash): a code
 *     already there (another id, or a status the centre recorded) is `dossier.code-taken`;
 *  4. one INSERT of the received dossiers with their completeness, one of their blob references;
 *  5. one publish of their `dossierStatus` to the branch scope (numbered at commit order).
 */
async function applyDossiers(
  tx: Db,
  device: AuthenticatedDevice,
  items: readonly DossierItem[],
  reasons: (WireError | null)[],
  now: number,
  protection: DataProtection,
): Promise<void> {
  const codeTaken = (a: DossierSubmitArgs) =>
    reject('dossier.code-taken', `dossier code ${a.code} is already used by another dossier (two devices with one slot?)`);
  const idTaken = () => reject('dossier.id-taken', 'a dossier with this id already exists with another code');

  const firstById = new Map<string, DossierItem>();
  const firstByCode = new Map<string, DossierItem>();
  const repeats: { item: DossierItem; first: DossierItem }[] = [];
  let candidates: DossierItem[] = [];
  for (const item of items) {
    const first = firstById.get(item.a.id);
    if (first) repeats.push({ item, first });
    else if (firstByCode.has(item.a.code)) reasons[item.i] = codeTaken(item.a);
    else {
      firstById.set(item.a.id, item);
      firstByCode.set(item.a.code, item);
      candidates.push(item);
    }
  }

  const stored = new Map(
    (
      await tx.query<{ id: string; code: string; branch_code: string }>('SELECT id, code, branch_code FROM received_dossiers WHERE id = ANY($1::uuid[])', [
        candidates.map(({ a }) => a.id),
      ])
    ).map((r) => [r.id, r]),
  );
  candidates = candidates.filter(({ i, a }) => {
    const row = stored.get(a.id);
    if (!row) return true;
    // The same dossier sent again in a new mutation (e.g. a kiosk database rebuilt from its journal file).
    if (row.code !== a.code || row.branch_code !== a.branchCode) reasons[i] = idTaken();
    return false;
  });

  let accepted: DossierItem[] = [];
  if (candidates.length > 0) {
    const statusRows = candidates.map(({ a, secretHash }, ord) => ({
      ord,
      code: a.code,
      branch_code: a.branchCode,
      lookup_secret_hash: secretHash,
      status_at: now,
      appointment_date: a.appointment.kind === 'date' ? a.appointment.date : null,
    }));
    const created = new Set(
      (
        await tx.query<{ code: string }>(
          `INSERT INTO dossiers (code, branch_code, lookup_secret_hash, status, status_at, appointment_date, note)
           SELECT x.code, x.branch_code, x.lookup_secret_hash, 'received', x.status_at, x.appointment_date, ''
           FROM jsonb_to_recordset($1::jsonb) AS x(code text, branch_code text, lookup_secret_hash text, status_at bigint, appointment_date text, ord bigint)
           ORDER BY x.ord
           ON CONFLICT (code) DO NOTHING RETURNING code`,
          [JSON.stringify(statusRows)],
        )
      ).map((r) => r.code),
    );
    accepted = candidates.filter(({ i, a }) => {
      if (created.has(a.code)) return true;
      reasons[i] = codeTaken(a);
      return false;
    });
  }

  if (accepted.length > 0) {
    const missing = await missingBlobs(
      tx,
      accepted.flatMap(({ a }) => a.documents.map((d) => d.sha256)),
    );
    const records = accepted.map(({ a, codeWarning }, ord) => {
      const shas = [...new Set(a.documents.map((d) => d.sha256))];
      return {
        ord,
        id: a.id,
        code: a.code,
        branch_code: a.branchCode,
        slot: a.slot,
        received_at: a.receivedAt,
        procedure_code: a.procedure.code,
        procedure_name: a.procedure.name,
        processing_time: a.procedure.processingTime,
        processing_unit: a.procedure.unit,
        // The applicant, delivery detail and reason are sealed under the dossier's own key (personalData.ts).
        ...personalColumns(protection, a.id, { applicant: a.applicant, resultDeliveryDetail: a.resultDelivery.detail, incompleteReason: a.incompleteReason }),
        documents: a.documents,
        missing: a.missing,
        sets: a.sets,
        appointment_kind: a.appointment.kind,
        appointment_at: a.appointment.kind === 'date' ? a.appointment.at : null,
        appointment_date: a.appointment.kind === 'date' ? a.appointment.date : null,
        appointment_provisional: a.appointment.kind === 'date' ? a.appointment.provisional : null,
        result_delivery_method: a.resultDelivery.method,
        officer_name: a.officerName,
        code_warning: codeWarning,
        blob_count: shas.length,
        blobs_missing: shas.filter((h) => missing.has(h)).length,
      };
    });
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO received_dossiers (id, code, branch_code, device_id, slot, received_at, procedure_code, procedure_name, processing_time,
         processing_unit, applicant, documents, missing, incomplete_reason, sets, appointment_kind, appointment_at, appointment_date,
         appointment_provisional, result_delivery_method, result_delivery_detail, officer_name, code_warning, blob_count, blobs_missing,
         personal, personal_dek, personal_kek_id, id_number_index)
       SELECT x.id, x.code, x.branch_code, $2::uuid, x.slot, x.received_at, x.procedure_code, x.procedure_name, x.processing_time,
         x.processing_unit, x.applicant, x.documents, x.missing, x.incomplete_reason, x.sets, x.appointment_kind, x.appointment_at,
         x.appointment_date, x.appointment_provisional, x.result_delivery_method, x.result_delivery_detail, x.officer_name, x.code_warning, x.blob_count,
         x.blobs_missing, decode(x.personal, 'base64'), decode(x.personal_dek, 'base64'), x.personal_kek_id, x.id_number_index
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, code text, branch_code text, slot integer, received_at bigint, procedure_code text,
         procedure_name text, processing_time double precision, processing_unit text, applicant jsonb, documents jsonb, missing jsonb,
         incomplete_reason text, sets integer, appointment_kind text, appointment_at bigint, appointment_date text,
         appointment_provisional boolean, result_delivery_method text, result_delivery_detail text, officer_name text, code_warning text,
         blob_count integer, blobs_missing integer, personal text, personal_dek text, personal_kek_id text, id_number_index text, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING id`,
      [JSON.stringify(records), device.deviceId],
    );
    if (inserted.length !== records.length) {
      // Only a concurrent push of the same id with another code gets here (the codes are ours by
      // now): roll back and let the kiosk retry, when step 2 will see the stored id.
      throw Object.assign(new Error('a dossier id was stored concurrently'), { code: '40001' });
    }
    const references = accepted.flatMap(({ a }) => [...new Set(a.documents.map((d) => d.sha256))].map((sha256) => ({ dossier_id: a.id, sha256 })));
    if (references.length > 0) {
      await tx.query(
        `INSERT INTO dossier_blobs (dossier_id, sha256) SELECT x.dossier_id, x.sha256 FROM jsonb_to_recordset($1::jsonb) AS x(dossier_id uuid, sha256 text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(references)],
      );
    }
    const statuses: DossierStatus[] = accepted.map(({ a }) => ({
      code: a.code,
      status: 'received',
      statusAt: now,
      appointmentDate: a.appointment.kind === 'date' ? a.appointment.date : null,
      note: '',
    }));
    const published = await publishChanges(tx, {
      scope: branchScope(device.branchCode),
      changes: statuses.map((data) => ({ entity: 'dossierStatus' as const, op: 'put' as const, data })),
    });
    if (!published.ok) throw new Error(`publishing received dossiers failed: ${published.error.code}`);
  }

  for (const { item, first } of repeats) reasons[item.i] = item.a.code === first.a.code ? reasons[first.i]! : idTaken();
}

/**
 * The referenced blobs of which the server holds no verified copy. A blob still missing at the
 * first look is checked again under its completeness lock (lockBlobBuckets), which a blob's
 * verification takes too before recomputing the dossiers that reference it: whichever of the two
 * transactions comes second sees the other's work, so a dossier cannot stay incomplete for a blob
 * verified while it was being stored.
 */
async function missingBlobs(tx: Db, shas: readonly string[]): Promise<Set<string>> {
  const distinct = [...new Set(shas)];
  if (distinct.length === 0) return new Set();
  const verified = async (hashes: readonly string[]) =>
    new Set((await tx.query<{ sha256: string }>('SELECT sha256 FROM blobs WHERE sha256 = ANY($1::text[])', [hashes])).map((r) => r.sha256));
  const first = await verified(distinct);
  const missing = distinct.filter((h) => !first.has(h));
  if (missing.length === 0) return new Set();
  await lockBlobBuckets(tx, missing);
  const now = await verified(missing);
  return new Set(missing.filter((h) => !now.has(h)));
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
