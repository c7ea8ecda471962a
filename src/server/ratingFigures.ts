import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { RATING_REASONS, SATISFACTION_LEVELS } from '../shared/published';
import { RatingFiguresQuery, type FigureRow, type RatingFigures } from '../shared/ratingFigures';
import type { Db } from './db/Db';
import { describeIssues, wireError } from './wireErrors';

/**
 * The centre's satisfaction figures (DOMAIN.md: ≥ 95 % satisfied is the target): the share of
 * ratings that are "rất hài lòng" or "hài lòng", per branch, counter, service group and day, with
 * the count of each level and reason. Ratings are anonymous; the figures read no comment (free text
 * a citizen may have put a name in) and no device. The service group comes from the rated ticket
 * (a rating made without a ticket counts under "—"). Days are Vietnam's (UTC+7: the centre's
 * branches share it), from the kiosk's submission time.
 */
export const SATISFIED_LEVELS: readonly string[] = ['very-satisfied', 'satisfied'];
export const SATISFACTION_TARGET = 0.95;
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

export type { FigureRow, RatingFigures } from '../shared/ratingFigures';
export { RatingFiguresQuery };

const share = (satisfied: number, ratings: number): number | null => (ratings === 0 ? null : Math.round((satisfied / ratings) * 10_000) / 10_000);
const row = (key: string, ratings: number, satisfied: number): FigureRow => ({ key, ratings, satisfied, share: share(satisfied, ratings) });

export async function ratingFigures(db: Db, q: RatingFiguresQuery): Promise<RatingFigures> {
  const fromMs = Date.parse(`${q.from}T00:00:00Z`) - VIETNAM_OFFSET_MS;
  const toMs = Date.parse(`${q.to}T00:00:00Z`) - VIETNAM_OFFSET_MS + DAY_MS;
  const rows = await db.query<{
    branch_code: string;
    counter: string | null;
    group_prefix: string | null;
    day: string;
    level: string;
    reasons: string[];
    n: unknown;
  }>(
    `SELECT r.branch_code, r.counter, t.group_prefix,
            to_char(to_timestamp((r.submitted_at + $3::bigint) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            r.level, r.reasons, count(*) AS n
       FROM ratings r LEFT JOIN tickets t ON t.id = r.ticket_id
      WHERE r.submitted_at >= $1 AND r.submitted_at < $2 AND ($4::text IS NULL OR r.branch_code = $4)
      GROUP BY 1, 2, 3, 4, 5, 6`,
    [fromMs, toMs, VIETNAM_OFFSET_MS, q.branch ?? null],
  );
  const tally = new Map<string, Map<string, [number, number]>>();
  const add = (dimension: string, key: string, n: number, satisfied: boolean) => {
    let d = tally.get(dimension);
    if (!d) tally.set(dimension, (d = new Map()));
    const t = d.get(key) ?? [0, 0];
    t[0] += n;
    if (satisfied) t[1] += n;
    d.set(key, t);
  };
  const levels: Record<string, number> = Object.fromEntries(SATISFACTION_LEVELS.map((l) => [l, 0]));
  const reasons: Record<string, number> = Object.fromEntries(RATING_REASONS.map((r) => [r, 0]));
  for (const r of rows) {
    const n = Number(r.n);
    const ok = SATISFIED_LEVELS.includes(r.level);
    add('total', '', n, ok);
    add('branch', r.branch_code, n, ok);
    add('counter', `${r.branch_code}/${r.counter ?? '—'}`, n, ok);
    add('group', `${r.branch_code}/${r.group_prefix ?? '—'}`, n, ok);
    add('day', r.day, n, ok);
    levels[r.level] = (levels[r.level] ?? 0) + n;
    for (const reason of r.reasons) reasons[reason] = (reasons[reason] ?? 0) + n;
  }
  const list = (dimension: string): FigureRow[] =>
    [...(tally.get(dimension) ?? new Map<string, [number, number]>())].map(([key, [n, s]]) => row(key, n, s)).sort((a, b) => a.key.localeCompare(b.key));
  const total = tally.get('total')?.get('') ?? [0, 0];
  return {
    from: q.from,
    to: q.to,
    branch: q.branch ?? null,
    target: SATISFACTION_TARGET,
    total: row('total', total[0], total[1]),
    byBranch: list('branch'),
    byCounter: list('counter'),
    byGroup: list('group'),
    byDay: list('day'),
    levels,
    reasons,
  };
}

/** GET /v1/admin/ratings?from=&to=[&branch=] (admin token) → RatingFigures. */
export function registerRatingRoutes(app: FastifyInstance, options: { readonly db: Db; readonly authenticateAdmin: onRequestHookHandler }): void {
  app.get('/v1/admin/ratings', { onRequest: options.authenticateAdmin }, async (request, reply) => {
    const parsed = RatingFiguresQuery.safeParse(request.query);
    if (!parsed.success)
      return reply.code(400).send(wireError('ratings.bad-query', `${describeIssues(parsed.error.issues)} (from and to as YYYY-MM-DD, branch like CN01)`));
    reply.header('cache-control', 'no-store');
    return reply.code(200).send(await ratingFigures(options.db, parsed.data));
  });
}
