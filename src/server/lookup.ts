import type { FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import { LookupRequest, type LookupResponse } from '../shared/sync';
import { citizenActor, recordAudit } from './audit';
import { describeLookupIssues, wireError } from './wireErrors';
import type { Db } from './db/Db';
import { findDossier, normaliseLookupSecret, verifyLookupSecret } from './dossiers';
import { sha256Hex } from './secrets';

/**
 * Citizen status look-up: POST /v1/lookup {code, secret} → the dossier's status. No device
 * credential (citizens use it from the kiosk and from their phones), so what protects it is:
 *  - the secret: stored as scrypt (dossiers.ts), compared with timingSafeEqual; an unknown code is
 *    verified against a dummy hash, so unknown code and wrong secret cost the same work and get the
 *    same 404 body — a code alone reveals nothing, not even that it exists;
 *  - a limit per source address (fixed window, counted before the body is read, all outcomes);
 *    behind a reverse proxy the address is the X-Forwarded-For the configured TRUST_PROXY adds, and
 *    only then (a caller cannot pick its own address);
 *  - a growing back-off per dossier code, whoever asks: a few free tries, then each try waits 2 s,
 *    4 s, 8 s… up to 15 min, forgotten after an hour without tries and cleared by the right secret.
 *    A citizen who mistypes ten times waits about two minutes, never an hour; a guesser spread over
 *    many addresses gets one try per 15 minutes per code. Every try is claimed before the secret is
 *    checked, so concurrent tries cannot slip through together.
 * Both limits live in the database (`rate_limits`, migration 006), so N replicas share them and a
 * restart forgets nothing. The secret is never logged; failures are logged without code or secret.
 *
 * Every look-up of a well-formed code is written to the audit log (audit.ts): the code, the outcome
 * (found, wrong-secret, unknown, limited) and the caller's network (/24), never the secret. Requests
 * refused before a code is read (address limit, malformed body) name no dossier and are not.
 */
export interface LookupLimits {
  /** Requests per source address per window (all outcomes). */
  readonly perAddressMax: number;
  readonly perAddressWindowMs: number;
  /** Tries per dossier code without any wait. */
  readonly perCodeFreeTries: number;
  /** The wait after the first try beyond the free ones; it doubles with each further try. */
  readonly perCodeFirstDelayMs: number;
  readonly perCodeMaxDelayMs: number;
  /** A code's tries are forgotten this long after its last one. */
  readonly perCodeForgetMs: number;
}

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  perAddressMax: 20,
  perAddressWindowMs: 60_000,
  perCodeFreeTries: 3,
  perCodeFirstDelayMs: 2_000,
  perCodeMaxDelayMs: 15 * 60_000,
  perCodeForgetMs: 60 * 60_000,
};

export interface LookupRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly limits?: Partial<LookupLimits>;
}

export const LOOKUP_PATH = '/v1/lookup';
const NOT_FOUND = wireError('lookup.not-found', 'no dossier with this code and secret');
const RATE_LIMITED = 'lookup.rate-limited';
/** How often stale rows of `rate_limits` are deleted. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** The wait after the n-th try of a code (n counts from 1). */
export function codeDelayMs(tries: number, limits: Pick<LookupLimits, 'perCodeFreeTries' | 'perCodeFirstDelayMs' | 'perCodeMaxDelayMs'>): number {
  if (tries <= limits.perCodeFreeTries) return 0;
  return Math.min(limits.perCodeMaxDelayMs, limits.perCodeFirstDelayMs * 2 ** Math.min(40, tries - limits.perCodeFreeTries - 1));
}

interface LimitRow {
  count: unknown;
  window_start: unknown;
  blocked_until: unknown;
  updated_at: unknown;
}

/**
 * Counts one request of `address` in its fixed window; returns the ms until the window ends when
 * the request is over the limit, else 0. One atomic upsert, so replicas count together.
 */
export async function countAddress(db: Db, address: string, now: number, limits: Pick<LookupLimits, 'perAddressMax' | 'perAddressWindowMs'>): Promise<number> {
  const rows = await db.query<LimitRow>(
    `INSERT INTO rate_limits (bucket, count, window_start, blocked_until, updated_at) VALUES ($1, 1, $2, 0, $2)
     ON CONFLICT (bucket) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1 ELSE rate_limits.count + 1 END,
       window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2 ELSE rate_limits.window_start END,
       updated_at = $2
     RETURNING count, window_start`,
    [`a:${address}`, now, limits.perAddressWindowMs],
  );
  const row = rows[0]!;
  return Number(row.count) > limits.perAddressMax ? Number(row.window_start) + limits.perAddressWindowMs - now : 0;
}

/**
 * Claims one try of a dossier code: the ms to wait when the code is still waiting (nothing counted),
 * else 0 with the try counted and the next wait set. The row is locked for the claim, so two
 * concurrent tries are counted one after the other.
 */
export async function claimCodeTry(db: Db, code: string, now: number, limits: LookupLimits): Promise<number> {
  const bucket = `c:${sha256Hex(code)}`;
  return db.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO rate_limits (bucket, count, window_start, blocked_until, updated_at) VALUES ($1, 0, $2, 0, $2) ON CONFLICT (bucket) DO NOTHING',
      [bucket, now],
    );
    const row = (await tx.query<LimitRow>('SELECT count, blocked_until, updated_at FROM rate_limits WHERE bucket = $1 FOR UPDATE', [bucket]))[0]!;
    const blockedUntil = Number(row.blocked_until);
    if (blockedUntil > now) return blockedUntil - now;
    const tries = Number(row.updated_at) + limits.perCodeForgetMs <= now ? 1 : Number(row.count) + 1;
    await tx.query('UPDATE rate_limits SET count = $2, blocked_until = $3, updated_at = $4 WHERE bucket = $1', [
      bucket,
      tries,
      now + codeDelayMs(tries, limits),
      now,
    ]);
    return 0;
  });
}

/** The right secret: the code's tries are forgotten. */
async function clearCodeTries(db: Db, code: string): Promise<void> {
  await db.query('DELETE FROM rate_limits WHERE bucket = $1', [`c:${sha256Hex(code)}`]);
}

/** Deletes rows no limit needs any more (windows over, tries forgotten, waits passed). */
export async function sweepRateLimits(db: Db, now: number, limits: LookupLimits): Promise<number> {
  const rows = await db.query('DELETE FROM rate_limits WHERE updated_at < $1 AND blocked_until < $2 RETURNING 1', [
    now - Math.max(limits.perAddressWindowMs, limits.perCodeForgetMs),
    now,
  ]);
  return rows.length;
}

export function registerLookupRoutes(app: FastifyInstance, options: LookupRouteOptions): void {
  const limits: LookupLimits = { ...DEFAULT_LOOKUP_LIMITS, ...options.limits };
  const { db, clock } = options;
  const rateLimited = (detail: string) => wireError(RATE_LIMITED, detail);

  const sweep = setInterval(() => {
    sweepRateLimits(db, clock.now(), limits).catch((e: unknown) => app.log.warn({ err: String(e) }, 'rate-limit sweep failed'));
  }, SWEEP_EVERY_MS);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  app.post(
    LOOKUP_PATH,
    {
      // Counted before the body is read: a flood of large or malformed bodies is limited too.
      onRequest: async (request, reply) => {
        const waitMs = await countAddress(db, request.ip, clock.now(), limits);
        if (waitMs > 0) {
          request.log.info({ outcome: 'address-limited' }, 'lookup');
          return reply
            .code(429)
            .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
            .send(rateLimited('too many look-ups from this address; wait and retry'));
        }
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const body = request.body;
      // Citizens type the secret as they like (lower case, spaces, a dash); compare its canonical form.
      const normalised =
        typeof body === 'object' && body !== null && !Array.isArray(body) && typeof (body as { secret?: unknown }).secret === 'string'
          ? { ...body, secret: normaliseLookupSecret((body as { secret: string }).secret) }
          : body;
      const parsed = LookupRequest.safeParse(normalised);
      if (!parsed.success) return reply.code(400).send(wireError('lookup.bad-request', describeLookupIssues(parsed.error.issues)));
      const { code, secret } = parsed.data;
      const audit = (outcome: 'found' | 'wrong-secret' | 'unknown' | 'limited') =>
        recordAudit(db, { actorKind: 'citizen-lookup', actorId: citizenActor(request.ip), action: 'lookup.status', target: code, outcome, at: clock.now() });
      // Claimed before any work, identically for known and unknown codes, so it leaks nothing.
      const waitMs = await claimCodeTry(db, code, clock.now(), limits);
      if (waitMs > 0) {
        await audit('limited');
        request.log.info({ outcome: 'code-waiting' }, 'lookup');
        return reply
          .code(429)
          .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
          .send(rateLimited('too many wrong secrets for this dossier code; wait the time in retry-after and try again'));
      }
      const row = await findDossier(db, code);
      const ok = await verifyLookupSecret(secret, row?.lookupSecretHash ?? null);
      if (!ok || !row) {
        // The log tells unknown from wrong secret; the answer never does (same body, same work).
        await audit(row ? 'wrong-secret' : 'unknown');
        request.log.info({ outcome: 'not-found' }, 'lookup');
        return reply.code(404).send(NOT_FOUND);
      }
      await clearCodeTries(db, code);
      await audit('found');
      request.log.info({ outcome: 'found' }, 'lookup');
      const answer: LookupResponse = {
        code: row.code,
        status: row.status,
        statusAt: row.statusAt,
        appointmentDate: row.appointmentDate,
        note: row.note,
      };
      return reply.code(200).send(answer);
    },
  );
}
