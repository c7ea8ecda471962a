import { isIPv4, isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import { AuditQuery } from '../shared/sync';
import { describeQueryFields, wireError } from './wireErrors';
import type { Db } from './db/Db';

/**
 * The centre's audit log (issue 11, item 5; DOMAIN.md "Personal data"): who looked up, printed,
 * reprinted, reused, exported, deleted or changed what. Table `audit_log` (migration 009), append-only
 * (triggers refuse UPDATE, DELETE and TRUNCATE).
 *
 * Record one entry:
 *
 *   await recordAudit(db, { actorKind, actorId, branchCode?, action, target?, outcome, detail?, at? });
 *
 *  - db: the Db or a transaction's Db (`tx`): recorded inside the caller's transaction, it commits
 *    or rolls back with the act it describes. Call it after the act, with the act's outcome.
 *  - actorKind: 'device' (actorId = device id), 'admin-token' (the token's label), 'admin-cli'
 *    (the `--by` name given to scripts/admin.ts), 'citizen-lookup' (actorId = citizenActor(ip)),
 *    'system' (a job of the server itself, e.g. the retention purge; actorId names the job).
 *  - action: dotted lower-case words, e.g. 'lookup.status', 'receipt.print', 'citizen.export',
 *    'device.revoke' (AUDIT_ACTIONS lists those in use; any well-formed name is accepted).
 *  - target: what was acted on — a dossier code, a device id, a scope; never a person's data.
 *  - outcome: one lower-case word: 'ok', 'found', 'wrong-secret', 'refused', …
 *  - detail: ≤ 500 characters of context WITHOUT personal data (counts, reasons, key ids); never an
 *    ID number, name, birth date, address, phone, look-up secret or token. The caller guarantees
 *    it; as a last line of defence a free-standing run of 9–12 digits (an ID or phone number) is
 *    replaced by "[number removed]" rather than stored.
 *  - at: the server's clock in epoch ms (default Date.now()); pass the route's clock.now().
 *
 * Kiosk-side events (receipt print/reprint, dossier reuse) arrive as `audit.event@1` mutations and
 * are inserted by push.ts, set-based, with actor = the device and `event_id` = the event's id.
 *
 * List entries: `listAudit(db, { code?, since?, action?, limit? })`, newest first; over HTTP
 * `GET /v1/admin/audit?code=&since=&action=&limit=` with an admin token, on the command line
 * `npm run admin -- audit [--code …] [--since …] [--action …] [--limit n]`. Reading the log is
 * itself recorded ('audit.list').
 *
 * Entries are kept beyond the personal-data retention (src/server/README.md): they hold no personal
 * data, and an audit trail that disappeared with the data it audits could not show who saw it.
 */
export type AuditActorKind = 'device' | 'admin-token' | 'admin-cli' | 'citizen-lookup' | 'system';

/** Who acts, for functions that take one (admin.ts, dossiers.ts). */
export interface AuditActor {
  readonly kind: AuditActorKind;
  readonly id: string;
}

export const AUDIT_ACTOR_KINDS: readonly AuditActorKind[] = ['device', 'admin-token', 'admin-cli', 'citizen-lookup', 'system'];

/** The actions recorded today; new ones need only a well-formed name (and a line here). */
export const AUDIT_ACTIONS = [
  // Citizen status look-up (lookup.ts): outcome found | wrong-secret | unknown | limited | bad-request.
  'lookup.status',
  // Counter (kiosk, audit.event@1): a receipt printed, printed again, an earlier dossier's data reused.
  'receipt.print',
  'receipt.reprint',
  'dossier.reuse',
  // Counter, at the centre (reuse.ts): a citizen's document index read, a PDF downloaded for reuse.
  'reuse.index',
  'reuse.pdf',
  // Centre staff.
  'dossier.status',
  'config.publish',
  // A corrected processing time published for one procedure (catalogCorrections.ts).
  'catalog.processing-time',
  'journal.close-gap',
  'device.enrol',
  'device.enrol-code',
  'device.revoke',
  'device.reinstate',
  // Branch staff accounts (staff.ts).
  'staff.create',
  'staff.reset-pin',
  'staff.disable',
  'staff.enable',
  // A citizen's rights and retention (personalData.ts).
  'citizen.export',
  'citizen.delete',
  'retention.purge',
  'data-keys.rotate',
  'audit.list',
] as const;

export interface AuditEntryInput {
  readonly actorKind: AuditActorKind;
  readonly actorId: string;
  readonly branchCode?: string | null;
  readonly action: string;
  readonly target?: string | null;
  readonly outcome: string;
  readonly detail?: string | null;
  /** Server clock, epoch ms; default Date.now(). */
  readonly at?: number;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actorKind: AuditActorKind;
  readonly actorId: string;
  readonly branchCode: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: string;
  readonly detail: string | null;
  /** For events reported by a device: the device's clock when it happened. */
  readonly deviceAt: number | null;
}

export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const OUTCOME_PATTERN = /^[a-z][a-z0-9-]*$/;
/**
 * 9 (old CMND) to 12 (CCCD) digits standing alone: what an ID or phone number looks like. Digits
 * inside a word, a UUID or a longer number (an epoch-ms time) are not matched.
 */
const LOOKS_LIKE_ID_NUMBER = /(?<![\w.-])\d{9,12}(?![\w.-])/g;

/** The detail as stored: ID-number-like digit runs removed. */
export function scrubDetail(detail: string): string {
  return detail.replace(LOOKS_LIKE_ID_NUMBER, '[number removed]');
}

/** Throws on an entry the table would refuse. */
export function checkAuditEntry(e: AuditEntryInput): void {
  if (!AUDIT_ACTOR_KINDS.includes(e.actorKind)) throw new Error(`audit: unknown actor kind ${String(e.actorKind)}`);
  if (e.actorId.length < 1 || e.actorId.length > 200) throw new Error('audit: actorId must be 1–200 characters');
  if (!AUDIT_ACTION_PATTERN.test(e.action) || e.action.length > 64) throw new Error(`audit: action must be dotted lower-case words: ${e.action}`);
  if (!OUTCOME_PATTERN.test(e.outcome) || e.outcome.length > 40) throw new Error(`audit: outcome must be one lower-case word: ${e.outcome}`);
  if ((e.target ?? '').length > 200) throw new Error('audit: target must be at most 200 characters');
  if ((e.detail ?? '').length > 500) throw new Error('audit: detail must be at most 500 characters');
}

/** Records one entry (inside the caller's transaction when given a transaction's Db). */
export async function recordAudit(db: Db, e: AuditEntryInput): Promise<void> {
  checkAuditEntry(e);
  await db.query('INSERT INTO audit_log (at, actor_kind, actor_id, branch_code, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    e.at ?? Date.now(),
    e.actorKind,
    e.actorId,
    e.branchCode ?? null,
    e.action,
    e.target ?? null,
    e.outcome,
    e.detail === undefined || e.detail === null ? null : scrubDetail(e.detail).slice(0, 500),
  ]);
}

export interface AuditFilter {
  /** Entries about this dossier code (target). */
  readonly code?: string;
  /** Entries written at or after this server time (epoch ms). */
  readonly since?: number;
  readonly action?: string;
  /** At most this many, newest first; default 100, at most 10 000. */
  readonly limit?: number;
}

export const AUDIT_LIST_DEFAULT_LIMIT = 100;
export const AUDIT_LIST_MAX_LIMIT = 10_000;

interface AuditRow {
  id: unknown;
  at: unknown;
  actor_kind: AuditActorKind;
  actor_id: string;
  branch_code: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  device_at: unknown;
}

/** Entries matching every given filter, newest first. */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const limit = filter.limit ?? AUDIT_LIST_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIST_MAX_LIMIT) throw new Error(`audit: limit must be 1–${AUDIT_LIST_MAX_LIMIT}`);
  const rows = await db.query<AuditRow>(
    `SELECT id, at, actor_kind, actor_id, branch_code, action, target, outcome, detail, device_at FROM audit_log
     WHERE ($1::text IS NULL OR target = $1) AND ($2::bigint IS NULL OR at >= $2) AND ($3::text IS NULL OR action = $3)
     ORDER BY id DESC LIMIT $4`,
    [filter.code ?? null, filter.since ?? null, filter.action ?? null, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    branchCode: r.branch_code,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail,
    deviceAt: r.device_at === null ? null : Number(r.device_at),
  }));
}

/**
 * A citizen's look-up is recorded under its source network, not its address: IPv4 reduced to its
 * /24 ("203.0.113.0/24"), IPv6 to its /48. An address identifies a household or a phone; a
 * network still shows where a burst of look-ups came from (the abuse an auditor looks for) while
 * naming no one. A hash would not do: the IPv4 space is small enough to reverse any unkeyed hash.
 */
export function citizenActor(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  if (isIPv4(address)) {
    const [a, b, c] = address.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = expandIPv6(address);
    return `${groups.slice(0, 3).join(':')}::/48`;
  }
  return 'unknown';
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros (zone id dropped). */
function expandIPv6(address: string): string[] {
  const plain = address.split('%')[0]!;
  const [head, tail] = plain.includes('::') ? plain.split('::') : [plain, null];
  const parse = (part: string | null | undefined): string[] => (part ? part.split(':') : []);
  let headGroups = parse(head);
  let tailGroups = parse(tail);
  // An embedded IPv4 tail (::a.b.c.d) is two groups.
  const toHex = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a, b, c, d] = g.split('.').map(Number);
      return [((a! << 8) | b!).toString(16), ((c! << 8) | d!).toString(16)];
    });
  headGroups = toHex(headGroups);
  tailGroups = toHex(tailGroups);
  const zeros = tail === null ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => parseInt(g, 16).toString(16));
}

/**
 * Runs fn in one transaction and records the entry entry(result) describes in that same
 * transaction (none when it gives null): the act and its audit entry commit together or not at all.
 */
export async function withAudit<T>(db: Db, fn: (tx: Db) => Promise<T>, entry: (result: T) => AuditEntryInput | null): Promise<T> {
  return db.transaction(async (tx) => {
    const result = await fn(tx);
    const e = entry(result);
    if (e) await recordAudit(tx, e);
    return result;
  });
}

export interface AuditRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** The admin-token hook (auth.ts adminAuth). */
  readonly authenticateAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** GET /v1/admin/audit: the audit log for centre staff (admin token), newest first. */
export function registerAuditRoutes(app: FastifyInstance, options: AuditRouteOptions): void {
  const { db, clock } = options;
  app.get('/v1/admin/audit', { onRequest: options.authenticateAdmin }, async (request, reply) => {
    const parsed = AuditQuery.safeParse(request.query);
    if (!parsed.success) {
      const hint = 'code is a dossier code, since an ISO time, action like receipt.print, limit 1–10000';
      return reply.code(400).send(wireError('audit.bad-query', describeQueryFields(parsed.error.issues, hint)));
    }
    const q = parsed.data;
    const filter: AuditFilter = {
      ...(q.code !== undefined ? { code: q.code } : {}),
      ...(q.since !== undefined ? { since: Date.parse(q.since) } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    };
    const entries = await listAudit(db, filter);
    await recordAudit(db, {
      actorKind: 'admin-token',
      actorId: request.adminLabel ?? 'admin',
      action: 'audit.list',
      target: q.code ?? null,
      outcome: 'ok',
      detail: describeFilter(filter, entries.length),
      at: clock.now(),
    });
    reply.header('cache-control', 'no-store');
    return reply.code(200).send({ entries });
  });
}

/** The filter of a listing, for its own audit entry. */
export function describeFilter(filter: AuditFilter, count: number): string {
  const parts = [
    filter.since !== undefined ? `since ${new Date(filter.since).toISOString()}` : null,
    filter.action !== undefined ? `action ${filter.action}` : null,
    `${count} entr${count === 1 ? 'y' : 'ies'}`,
  ];
  return parts.filter((p) => p !== null).join(', ');
}
