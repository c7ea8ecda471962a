import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { branchScope, DossierStatus } from '../shared/published';
import { type WireError } from '../shared/sync';
import { BranchCode, LookupSecret } from '../shared/wireTypes';
import { publishChanges } from './changes';
import { withAudit, type AuditActorKind } from './audit';
import type { Db } from './db/Db';
import { describeIssues } from './wireErrors';

/**
 * Dossier status as the citizen look-up sees it (table `dossiers`), and the look-up secret.
 *
 * The secret printed on the receipt is short (6–12 symbols of a 32-letter alphabet, 30–60 bits), so
 * unlike device tokens a plain SHA-256 of it could be brute-forced from a leaked database in
 * seconds. It is stored as scrypt(secret, 16-byte random salt) — `scrypt$N$r$p$salt$hash`, base64url
 * — and compared with crypto.timingSafeEqual. The parameters travel with the hash, so they can be
 * raised later without breaking stored rows.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

function scryptAsync(secret: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: 128·N·r bytes plus headroom; the parameters come from our own rows, bounded below.
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a look-up secret for storage (about 40 ms of CPU in the libuv pool). */
export async function hashLookupSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a tampered row from making one look-up cost seconds or gigabytes.
  if (!Number.isInteger(Math.log2(N)) || N < 1024 || N > 1 << 17 || !(r >= 1 && r <= 16) || !(p >= 1 && p <= 4)) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

let dummyHash: Promise<string> | null = null;
/** A hash no secret matches (of a random value), verified against when the code is unknown. */
function dummyLookupHash(): Promise<string> {
  dummyHash ??= hashLookupSecret(randomBytes(32).toString('base64url'));
  return dummyHash;
}

/**
 * Does `secret` match `stored`? With `stored` null (unknown code) or unreadable, the same scrypt and
 * comparison run against a dummy hash, so the answer takes as long as for a wrong secret.
 */
export async function verifyLookupSecret(secret: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  const target = parsed ?? parseHash(await dummyLookupHash())!;
  const key = await scryptAsync(secret, target.salt, target.N, target.r, target.p, target.key.length);
  return timingSafeEqual(key, target.key) && parsed !== null;
}

/** What the citizen types may be lower case or spaced; the stored form is the canonical one. */
export function normaliseLookupSecret(secret: string): string {
  return secret.toUpperCase().replace(/[\s-]/g, '');
}

export interface DossierStatusInput {
  readonly code: string;
  readonly branchCode: string;
  /** Required when the dossier is new; when given for a known dossier, it replaces the secret. */
  readonly lookupSecret?: string;
  readonly status: string;
  readonly statusAt: number;
  readonly appointmentDate: string | null;
  readonly note: string;
  /** Who sets it, for the audit log (audit.ts); default the system itself. */
  readonly actor?: { readonly kind: AuditActorKind; readonly id: string };
}

export type RecordDossierOutcome = { ok: true; outcome: 'created' | 'updated' | 'stale' } | { ok: false; error: WireError };

/**
 * Creates or updates a dossier's status row (the centre, the admin tool, later the dossier sync).
 * Validated with the shared schemas first. A status older than the stored one (statusAt) is ignored
 * ('stale'), so updates delivered out of order never move a dossier back. A dossier stays in the
 * branch that received it. A created or updated status is published as a `dossierStatus` change to
 * the branch's scope in the same transaction, so the branch's counters see it on their next pull.
 */
export async function recordDossierStatus(db: Db, input: DossierStatusInput): Promise<RecordDossierOutcome> {
  const status = DossierStatus.safeParse({
    code: input.code,
    status: input.status,
    statusAt: input.statusAt,
    appointmentDate: input.appointmentDate,
    note: input.note,
  });
  if (!status.success) return { ok: false, error: { code: 'dossier.invalid', detail: describeIssues(status.error.issues) } };
  if (!BranchCode.safeParse(input.branchCode).success) {
    return { ok: false, error: { code: 'dossier.invalid', detail: 'branchCode: 2–12 upper-case letters or digits' } };
  }
  const secret = input.lookupSecret === undefined ? undefined : normaliseLookupSecret(input.lookupSecret);
  if (secret !== undefined && !LookupSecret.safeParse(secret).success) {
    return { ok: false, error: { code: 'dossier.invalid', detail: 'lookupSecret: 6–12 characters of A–Z (no I, O) and 2–9' } };
  }
  const secretHash = secret === undefined ? null : await hashLookupSecret(secret);
  const s = status.data;
  const apply = async (tx: Db): Promise<RecordDossierOutcome> => {
    const branch = await tx.query('SELECT 1 FROM branches WHERE code = $1', [input.branchCode]);
    if (branch.length === 0) return { ok: false, error: { code: 'dossier.unknown-branch', detail: `no branch ${input.branchCode}; create it first` } };
    const rows = await tx.query<{ branch_code: string; status_at: unknown }>('SELECT branch_code, status_at FROM dossiers WHERE code = $1 FOR UPDATE', [
      s.code,
    ]);
    const existing = rows[0];
    if (!existing) {
      if (secretHash === null) return { ok: false, error: { code: 'dossier.secret-required', detail: 'a new dossier needs its look-up secret' } };
      // ON CONFLICT: a concurrent creator won the race; this one is then an update attempt, retried by the caller.
      const inserted = await tx.query(
        `INSERT INTO dossiers (code, branch_code, lookup_secret_hash, status, status_at, appointment_date, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING code`,
        [s.code, input.branchCode, secretHash, s.status, s.statusAt, s.appointmentDate, s.note],
      );
      if (inserted.length === 0) return { ok: false, error: { code: 'dossier.concurrent-create', detail: 'the dossier was created concurrently; retry' } };
      await publishStatus(tx, input.branchCode, s);
      return { ok: true, outcome: 'created' };
    }
    if (existing.branch_code !== input.branchCode) {
      return { ok: false, error: { code: 'dossier.other-branch', detail: `dossier belongs to branch ${existing.branch_code}` } };
    }
    if (Number(existing.status_at) > s.statusAt) return { ok: true, outcome: 'stale' };
    await tx.query(
      `UPDATE dossiers SET status = $2, status_at = $3, appointment_date = $4, note = $5, lookup_secret_hash = coalesce($6, lookup_secret_hash)
       WHERE code = $1`,
      [s.code, s.status, s.statusAt, s.appointmentDate, s.note, secretHash],
    );
    await publishStatus(tx, input.branchCode, s);
    return { ok: true, outcome: 'updated' };
  };
  // Audited in the same transaction, outcome included; the note (free text) is not copied.
  return withAudit(db, apply, (o) => ({
    actorKind: input.actor?.kind ?? 'system',
    actorId: input.actor?.id ?? 'dossier-status',
    branchCode: input.branchCode,
    action: 'dossier.status',
    target: s.code,
    outcome: o.ok ? o.outcome : 'refused',
    detail: o.ok ? `${s.status}${input.lookupSecret === undefined ? '' : ', look-up secret set'}` : o.error.code,
  }));
}

/** Publishes a dossier's status to its branch's scope, inside the caller's transaction. */
async function publishStatus(tx: Db, branchCode: string, status: DossierStatus): Promise<void> {
  const published = await publishChanges(tx, { scope: branchScope(branchCode), changes: [{ entity: 'dossierStatus', op: 'put', data: status }] });
  // The status was validated above and the branch exists: a refusal here is a bug, not bad input.
  if (!published.ok) throw new Error(`publishing a dossier status failed: ${published.error.code}`);
}

// ---------------------------------------------------------------------------------------------
// Completeness of received dossiers (`received_dossiers`, migration 003): a dossier is complete on
// the server only when every blob it references is verified (a `blobs` row exists for it).
// ---------------------------------------------------------------------------------------------

/** Advisory-lock namespace (first key of the two-int form) of the completeness locks. */
const COMPLETENESS_LOCK_CLASS = 0x0d0551e5;
/** Blobs are spread over this many locks (by their first byte), so a transaction holds at most 64. */
const COMPLETENESS_BUCKETS = 64;

/**
 * Takes the completeness locks of these blobs until the transaction ends, in one fixed order
 * (deadlock-free among takers). The push takes them for the blobs a new dossier lacks before its
 * final check; a blob's verification takes its lock before inserting the blob's row and recounting
 * the dossiers that reference it, in one transaction. Whichever of the two comes second sees what
 * the first committed.
 */
export async function lockBlobBuckets(tx: Db, sha256s: readonly string[]): Promise<void> {
  const buckets = [...new Set(sha256s.map((h) => parseInt(h.slice(0, 2), 16) % COMPLETENESS_BUCKETS))].sort((a, b) => a - b);
  if (buckets.length === 0) return;
  // unnest yields the array in order, so the locks are taken in ascending order.
  await tx.query('SELECT pg_advisory_xact_lock($1, b) FROM unnest($2::int[]) AS b', [COMPLETENESS_LOCK_CLASS, buckets]);
}

export interface CompletenessChange {
  readonly code: string;
  readonly blobsMissing: number;
}

/**
 * Recounts the missing blobs of the incomplete dossiers that reference this blob; returns those it
 * changed. Needs READ COMMITTED (a new snapshot per statement), PostgreSQL's default. Runs inside the transaction that inserts the blob's `blobs` row (blobs.ts), after
 * taking the blob's completeness lock (lockBlobBuckets) before that insert: a blob is never
 * verified without its dossiers being recounted, whatever fails or crashes in between. A verified
 * copy from any branch counts: the bytes are on the server and match the hash.
 */
export async function recomputeDossierCompleteness(tx: Db, sha256: string): Promise<CompletenessChange[]> {
  // Two scans of one dossier verified at once (a device or a hub sends three at a time) hold
  // different bucket locks: each would count the other's row as missing, and an UPDATE that waits
  // for the other's row lock still counts with its old snapshot, so the dossier would stay
  // incomplete for good. Locking the rows first (in one order) and counting in the next statement,
  // whose snapshot is taken after that wait, makes the second count see the first's blob.
  const locked = await tx.query(
    `SELECT r.id FROM received_dossiers r
     WHERE r.blobs_missing > 0 AND r.id IN (SELECT dossier_id FROM dossier_blobs WHERE sha256 = $1)
     ORDER BY r.id FOR UPDATE`,
    [sha256],
  );
  if (locked.length === 0) return [];
  const rows = await tx.query<{ code: string; blobs_missing: unknown }>(
    `UPDATE received_dossiers r SET blobs_missing = (
       SELECT count(*) FROM dossier_blobs d WHERE d.dossier_id = r.id AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = d.sha256))
     WHERE r.blobs_missing > 0 AND r.id IN (SELECT dossier_id FROM dossier_blobs WHERE sha256 = $1)
     RETURNING r.code, r.blobs_missing`,
    [sha256],
  );
  return rows.map((r) => ({ code: r.code, blobsMissing: Number(r.blobs_missing) }));
}

/**
 * The branch's dossiers still marked incomplete, counted again against the verified blobs: a safety
 * net for blobs verified by a server version that recounted in a transaction of its own (a crash
 * between the two left the dossier incomplete). Cheap: the partial index holds only incomplete
 * dossiers.
 */
export async function sweepIncompleteDossiers(db: Db, branchCode: string): Promise<number> {
  const rows = await db.query(
    `UPDATE received_dossiers r SET blobs_missing = (
       SELECT count(*) FROM dossier_blobs d WHERE d.dossier_id = r.id AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = d.sha256))
     WHERE r.branch_code = $1 AND r.blobs_missing > 0 AND r.personal_erased_at IS NULL
     RETURNING r.id`,
    [branchCode],
  );
  return rows.length;
}

export interface ReceivedDossierSummary {
  readonly code: string;
  readonly branchCode: string;
  readonly procedureCode: string;
  readonly receivedAt: number;
  readonly status: string;
  /** The appointment date (YYYY-MM-DD) the receipt printed, or null ("the officer will announce it"). */
  readonly appointmentDate: string | null;
  /** The processing time the receiving officer set, with the reason; null: the catalog's applied. */
  readonly processingSet: { readonly kind: string; readonly value: number | string; readonly reason: string } | null;
  readonly blobCount: number;
  readonly blobsMissing: number;
  readonly complete: boolean;
}

/** Received dossiers of a branch, newest first, without personal data (admin list-dossiers). */
export async function listReceivedDossiers(
  db: Db,
  branchCode: string,
  options: { incompleteOnly?: boolean; limit?: number } = {},
): Promise<ReceivedDossierSummary[]> {
  const rows = await db.query<{
    code: string;
    branch_code: string;
    procedure_code: string;
    received_at: unknown;
    status: string | null;
    appointment_date: string | null;
    processing_set: ReceivedDossierSummary['processingSet'];
    blob_count: unknown;
    blobs_missing: unknown;
  }>(
    `SELECT r.code, r.branch_code, r.procedure_code, r.received_at, d.status, r.appointment_date, r.processing_set, r.blob_count, r.blobs_missing
     FROM received_dossiers r LEFT JOIN dossiers d ON d.code = r.code
     WHERE r.branch_code = $1 AND (NOT $2::boolean OR r.blobs_missing > 0)
     ORDER BY r.received_at DESC, r.code DESC LIMIT $3`,
    [branchCode, options.incompleteOnly ?? false, Math.min(Math.max(options.limit ?? 100, 1), 10_000)],
  );
  return rows.map((r) => ({
    code: r.code,
    branchCode: r.branch_code,
    procedureCode: r.procedure_code,
    receivedAt: Number(r.received_at),
    status: r.status ?? 'unknown',
    appointmentDate: r.appointment_date,
    processingSet: r.processing_set ?? null,
    blobCount: Number(r.blob_count),
    blobsMissing: Number(r.blobs_missing),
    complete: Number(r.blobs_missing) === 0,
  }));
}

export interface DossierLookupRow {
  readonly code: string;
  readonly lookupSecretHash: string;
  readonly status: string;
  readonly statusAt: number;
  readonly appointmentDate: string | null;
  readonly note: string;
}

export async function findDossier(db: Db, code: string): Promise<DossierLookupRow | null> {
  const rows = await db.query<{ code: string; lookup_secret_hash: string; status: string; status_at: unknown; appointment_date: string | null; note: string }>(
    'SELECT code, lookup_secret_hash, status, status_at, appointment_date, note FROM dossiers WHERE code = $1',
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    code: r.code,
    lookupSecretHash: r.lookup_secret_hash,
    status: r.status,
    statusAt: Number(r.status_at),
    appointmentDate: r.appointment_date,
    note: r.note,
  };
}
