import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { queueDayFigures, type DayAction } from '../domain/queueDayFigures';
import type { Clock } from '../shared/clock';
import type { QueueActionArgs } from '../shared/queue';
import { QueueFiguresQuery, type QueueDayFigures } from '../shared/queueFigures';
import type { Db } from './db/Db';
import { queueSettings } from './queue';
import { describeIssues, wireError } from './wireErrors';

/**
 * The branch's day at its counters (src/domain/queueDayFigures.ts has the definitions), read from
 * the queue owner's tables: the day's tickets (group of issue from `tickets`, kept through a
 * transfer) and the applied actions of `queue_actions` in log order. An action's time is the
 * owner's clock for an online one, the counter's own time (never later than its arrival) for one
 * that came in a push — the time the queue owner gave its effect. Pending and conflicting entries
 * changed nothing and are only counted. Read-only: it takes no lock, so it never slows call-next.
 */
export { QueueFiguresQuery };
const DAY_MS = 86_400_000;

export async function queueFigures(db: Db, q: QueueFiguresQuery, now: number): Promise<QueueDayFigures> {
  const settings = await queueSettings(db, q.branch);
  const dayEnd = Date.parse(`${q.day}T00:00:00Z`) - settings.utcOffsetMinutes * 60_000 + DAY_MS;
  const tickets = await db.query<{ number: string; group_prefix: string; issued_at: unknown }>(
    `SELECT q.number, COALESCE(t.group_prefix, q.group_prefix) AS group_prefix, q.issued_at
       FROM queue_tickets q LEFT JOIN tickets t ON t.id = q.ticket_id
      WHERE q.branch_code = $1 AND q.day = $2`,
    [q.branch, q.day],
  );
  const rows = await db.query<{
    kind: DayAction['kind'];
    counter: number;
    ticket_number: string | null;
    args: QueueActionArgs;
    server_at: unknown;
    via: string;
    outcome: string;
  }>(`SELECT kind, counter, ticket_number, args, server_at, via, outcome FROM queue_actions WHERE branch_code = $1 AND day = $2 ORDER BY seq`, [
    q.branch,
    q.day,
  ]);
  const actions: DayAction[] = [];
  const notCounted = { pending: 0, conflict: 0 };
  for (const r of rows) {
    if (r.outcome === 'pending' || r.outcome === 'conflict') {
      notCounted[r.outcome]++;
      continue;
    }
    const serverAt = Number(r.server_at);
    actions.push({
      kind: r.kind,
      counter: Number(r.counter),
      ticketNumber: r.ticket_number,
      at: r.via === 'online' ? serverAt : Math.min(Number(r.args.at), serverAt),
      staffId: r.args.staffId ?? null,
      toGroup: r.args.toGroup ?? null,
    });
  }
  return queueDayFigures({
    branch: q.branch,
    day: q.day,
    targetWaitMinutes: settings.config.targetWaitMinutes,
    asOf: Math.min(now, dayEnd),
    tickets: tickets.map((t) => ({ number: t.number, group: t.group_prefix, issuedAt: Number(t.issued_at) })),
    actions,
    notCounted,
  });
}

/** GET /v1/admin/queue-figures?branch=&day= (admin token) → QueueDayFigures; 404 for a branch the server does not know. */
export function registerQueueFiguresRoutes(
  app: FastifyInstance,
  options: { readonly db: Db; readonly clock: Clock; readonly authenticateAdmin: onRequestHookHandler },
): void {
  app.get('/v1/admin/queue-figures', { onRequest: options.authenticateAdmin }, async (request, reply) => {
    const parsed = QueueFiguresQuery.safeParse(request.query);
    if (!parsed.success)
      return reply.code(400).send(wireError('queue-figures.bad-query', `${describeIssues(parsed.error.issues)} (branch like CN01, day as YYYY-MM-DD)`));
    const known = await options.db.query('SELECT 1 FROM branches WHERE code = $1', [parsed.data.branch]);
    if (known.length === 0) return reply.code(404).send(wireError('queue.branch-unknown', `no branch ${parsed.data.branch}`));
    reply.header('cache-control', 'no-store');
    return reply.code(200).send(await queueFigures(options.db, parsed.data, options.clock.now()));
  });
}
