import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import { LookupRequest, type LookupResponse } from '../shared/sync';
import { wireError } from './auth';
import type { Db } from './db/Db';
import { findDossier, normaliseLookupSecret, verifyLookupSecret } from './dossiers';

/**
 * Citizen status look-up: POST /v1/lookup {code, secret} → the dossier's status. No device
 * credential (citizens use it from the kiosk and from their phones), so what protects it is:
 *  - the secret: stored as scrypt (dossiers.ts), compared with timingSafeEqual; an unknown code is
 *    verified against a dummy hash, so unknown code and wrong secret cost the same work and get the
 *    same 404 body — a code alone reveals nothing, not even that it exists;
 *  - a per-IP rate limit (@fastify/rate-limit, this route only, checked before the body is read);
 *  - a per-code failure limit: after `maxFailures` wrong secrets for one code within `windowMs`,
 *    that code answers 429 until the window ends, whoever asks, known code or not.
 * Both limits live in this process's memory: with N replicas behind a load balancer each replica
 * counts on its own, so the effective limits are N times higher (a shared store — a table or Redis —
 * would make them exact). The secret is never logged; failures are logged without code or secret.
 */
export interface LookupLimits {
  /** Requests per IP per window (all outcomes). */
  readonly perIpMax: number;
  readonly perIpWindowMs: number;
  /** Wrong secrets per dossier code per window before the code is locked until the window ends. */
  readonly perCodeMaxFailures: number;
  readonly perCodeWindowMs: number;
  /** Codes tracked at once; the oldest entries are dropped beyond it (bounds memory under a spray). */
  readonly maxTrackedCodes: number;
}

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  perIpMax: 20,
  perIpWindowMs: 60_000,
  perCodeMaxFailures: 10,
  perCodeWindowMs: 60 * 60_000,
  maxTrackedCodes: 100_000,
};

export interface LookupRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly limits?: Partial<LookupLimits>;
}

export const LOOKUP_PATH = '/v1/lookup';
const NOT_FOUND = wireError('lookup.not-found', 'no dossier with this code and secret');
const RATE_LIMITED = 'lookup.rate-limited';

/** Failures per dossier code in fixed windows starting at the first failure. */
export class CodeFailureLimiter {
  private readonly entries = new Map<string, { windowStart: number; failures: number }>();
  constructor(private readonly limits: Pick<LookupLimits, 'perCodeMaxFailures' | 'perCodeWindowMs' | 'maxTrackedCodes'>) {}

  /** Milliseconds until the code may be tried again, or 0 when it may be tried now. */
  lockedFor(code: string, now: number): number {
    const e = this.entries.get(code);
    if (!e) return 0;
    const end = e.windowStart + this.limits.perCodeWindowMs;
    if (now >= end) {
      this.entries.delete(code);
      return 0;
    }
    return e.failures >= this.limits.perCodeMaxFailures ? end - now : 0;
  }

  recordFailure(code: string, now: number): void {
    const e = this.entries.get(code);
    if (e && now < e.windowStart + this.limits.perCodeWindowMs) {
      e.failures += 1;
      return;
    }
    this.entries.delete(code);
    this.entries.set(code, { windowStart: now, failures: 1 });
    // Map keeps insertion order: the first keys are the oldest windows.
    while (this.entries.size > this.limits.maxTrackedCodes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  recordSuccess(code: string): void {
    this.entries.delete(code);
  }
}

/**
 * Field paths and fixed messages only. zod's own messages can quote the input (an unrecognized
 * key's name), and this route is open to anyone, so nothing of the request comes back.
 */
function describeLookupIssues(issues: readonly { path: readonly PropertyKey[]; code: string }[]): string {
  const known = new Set(['code', 'secret']);
  return issues
    .slice(0, 5)
    .map((i) => {
      const field = i.path.length === 1 && known.has(String(i.path[0])) ? String(i.path[0]) : '(root)';
      if (i.code === 'unrecognized_keys') return `${field}: only code and secret are accepted`;
      if (field === 'code') return 'code: a dossier code like 000.00.21.H26-260212-0001';
      if (field === 'secret') return 'secret: the 6–12 character look-up secret from the receipt';
      return `${field}: expected {code, secret}`;
    })
    .join('; ');
}

export function registerLookupRoutes(app: FastifyInstance, options: LookupRouteOptions): void {
  const limits: LookupLimits = { ...DEFAULT_LOOKUP_LIMITS, ...options.limits };
  const { db, clock } = options;
  const failures = new CodeFailureLimiter(limits);

  // An encapsulated context: the rate-limit plugin and the 429 error shape apply to this route only.
  void app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error.statusCode === 429) {
        return reply.code(429).send(wireError(RATE_LIMITED, 'too many look-ups from this address; wait and retry'));
      }
      // Everything else (400 malformed JSON, 413, 415, 5xx) gets the server-wide answer.
      throw error;
    });
    await scope.register(rateLimit, { global: false });
    scope.post(
      LOOKUP_PATH,
      {
        config: {
          rateLimit: {
            max: limits.perIpMax,
            timeWindow: limits.perIpWindowMs,
            // retry-after is sent with the 429; no x-ratelimit-* headers on ordinary answers.
            addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
            addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
          },
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
        const now = clock.now();
        // Checked before any work, identically for known and unknown codes, so it leaks nothing.
        const lockedMs = failures.lockedFor(code, now);
        if (lockedMs > 0) {
          request.log.info({ outcome: 'code-locked' }, 'lookup');
          return reply
            .code(429)
            .header('retry-after', String(Math.ceil(lockedMs / 1000)))
            .send(wireError(RATE_LIMITED, 'too many wrong secrets for this dossier code; retry later'));
        }
        const row = await findDossier(db, code);
        const ok = await verifyLookupSecret(secret, row?.lookupSecretHash ?? null);
        if (!ok || !row) {
          failures.recordFailure(code, now);
          request.log.info({ outcome: 'not-found' }, 'lookup');
          return reply.code(404).send(NOT_FOUND);
        }
        failures.recordSuccess(code);
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
  });
}
