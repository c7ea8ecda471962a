import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import {
  QueueActionArgs,
  QueueBoardQuery as BoardQuery,
  QueueEventsQuery as EventsQuery,
  QueueStateQuery as StateQuery,
  StaffCallAnswerRequest,
  type QueueBoard,
  type QueueState,
  type StaffCallAnswer,
} from '../shared/queue';
import { requireDevice } from './auth';
import type { Db } from './db/Db';
import { applyQueueActionOnline, queueBoard, queueSettings, queueState, queueToday, queueVersion, type QueueSettings } from './queue';
import { queuePokes, type QueuePoke } from './queuePokes';
import { answerStaffCall } from './staffCalls';
import { describeIssues, wireError } from './wireErrors';

/**
 * The queue's HTTP face (queue.ts is the owner): counters act, counters and technicians read the
 * day's queue, the branch's TV reads the board and listens for pokes. Every route goes through the
 * CORS hook (cors.ts); the SSE stream is written on the raw response, which carries the CORS
 * headers that hook set on it.
 */
export interface QueueLimits {
  /** Open event streams per source address (a branch behind one NAT address shares it: boards and counters). */
  readonly maxStreamsPerAddress: number;
  /** Open event streams in this process. */
  readonly maxStreams: number;
  /** A comment line on every stream this often, so proxies and the idle timeout keep it open. */
  readonly heartbeatMs: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxStreamsPerAddress: 32, maxStreams: 2_000, heartbeatMs: 20_000 };

/** MAX_QUEUE_STREAMS_PER_ADDRESS and MAX_QUEUE_STREAMS from the environment; a bad value stops the server with its name. */
export function queueLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<QueueLimits> {
  const out: { -readonly [K in keyof QueueLimits]?: number } = {};
  for (const [key, name] of [
    ['maxStreamsPerAddress', 'MAX_QUEUE_STREAMS_PER_ADDRESS'],
    ['maxStreams', 'MAX_QUEUE_STREAMS'],
  ] as const) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
    out[key] = value;
  }
  return out;
}

const STATE_ROLES: readonly string[] = ['counter', 'technician'];
const ACTION_ROLES: readonly string[] = ['counter'];
/**
 * How long a board or state answer is reused while the day's version and the published queue
 * settings have not moved: every applied action, ticket and call for staff moves the version, so what is
 * left to age is time itself (estimates, a no-show's grace, a call for staff's 30 minutes).
 */
const ANSWER_CACHE_MS = 5_000;

/**
 * Answers computed from the day's tickets, reused while nothing they depend on moved (version,
 * settings, ANSWER_CACHE_MS). Every counter desk and board of a branch reads on every poke, all at
 * once: the first read after a change computes the answer and the reads that come meanwhile wait
 * for that one computation; later ones cost an indexed read of the version and one of the settings
 * (the hub's busy day: `GET /v1/queue/state` was most of its CPU as the day grew).
 */
function answerCache<T extends { readonly version: number }>(): {
  answer(key: string, version: number, settings: string, now: number, compute: () => Promise<T>): Promise<T>;
} {
  const entries = new Map<string, { version: number; settings: string; at: number; answer: T }>();
  const computing = new Map<string, Promise<T>>();
  return {
    answer(key, version, settings, now, compute) {
      const e = entries.get(key);
      if (e && e.version === version && e.settings === settings && now - e.at < ANSWER_CACHE_MS && now >= e.at) return Promise.resolve(e.answer);
      const flight = `${key}\u0000${version}\u0000${settings}`;
      let pending = computing.get(flight);
      if (!pending) {
        pending = compute()
          .then((answer) => {
            // Branches × days seen since the start; a centre serving many for weeks starts afresh.
            if (entries.size >= 1_000) entries.clear();
            entries.set(key, { version: answer.version, settings, at: now, answer });
            return answer;
          })
          .finally(() => computing.delete(flight));
        computing.set(flight, pending);
      }
      return pending;
    },
  };
}

/** What of the published settings an answer depends on, as one comparable string. */
function settingsKey(s: QueueSettings): string {
  return JSON.stringify([s.config, s.groups ? [...s.groups] : null, s.utcOffsetMinutes]);
}

export function registerQueueRoutes(
  app: FastifyInstance,
  options: {
    db: Db;
    clock: Clock;
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    limits?: Partial<QueueLimits> | undefined;
  },
): void {
  const { db, clock, authenticate } = options;
  const limits: QueueLimits = { ...DEFAULT_QUEUE_LIMITS, ...options.limits };
  // The heartbeat must beat the server's idle-socket timeout (limits.ts), whatever it is set to.
  const idle = app.initialConfig.connectionTimeout ?? 0;
  const heartbeatMs = idle > 0 ? Math.min(limits.heartbeatMs, Math.floor(idle / 2)) : limits.heartbeatMs;
  const pokes = queuePokes(db, (e) => app.log.warn({ err: String(e) }, 'queue poke not understood'));
  const streams = new Set<() => void>();
  const perAddress = new Map<string, number>();
  const boardCache = answerCache<QueueBoard>();
  const stateCache = answerCache<QueueState>();

  app.addHook('onReady', async () => pokes.start());
  // Open streams would hold the server's close forever: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    await pokes.stop();
  });

  app.post('/v1/queue/actions', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    if (device.role !== undefined && !ACTION_ROLES.includes(device.role)) {
      return reply.code(403).send(wireError('auth.role-forbidden', `a ${device.role} device may not act on the queue`));
    }
    const parsed = QueueActionArgs.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('queue.bad-request', describeIssues(parsed.error.issues)));
    if (parsed.data.branchCode !== device.branchCode) {
      return reply.code(403).send(wireError('sync.wrong-branch', `device belongs to branch ${device.branchCode}, the action says ${parsed.data.branchCode}`));
    }
    const outcome = await applyQueueActionOnline(db, parsed.data, device.deviceId, clock.now());
    if (outcome.kind === 'refused') return reply.code(outcome.status).send(outcome.error);
    if (outcome.kind === 'kept') throw new Error('an online action is never kept');
    request.log.info({ deviceId: device.deviceId, kind: parsed.data.kind, counter: parsed.data.counter, repeated: outcome.answer.repeated }, 'queue action');
    return reply.code(200).send(outcome.answer);
  });

  // "Gọi nhân viên": the officer at a counter goes to the kiosk; the call closes on every counter.
  app.post('/v1/queue/staff-calls/answer', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    if (device.role !== undefined && !ACTION_ROLES.includes(device.role)) {
      return reply.code(403).send(wireError('auth.role-forbidden', `a ${device.role} device may not answer calls for staff`));
    }
    const parsed = StaffCallAnswerRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('queue.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await answerStaffCall(db, device.branchCode, parsed.data.id, parsed.data.counter, device.deviceId, clock.now());
    if (outcome.kind === 'not-found')
      return reply.code(404).send(wireError('queue.staff-call-not-found', `no call for staff ${parsed.data.id} in branch ${device.branchCode}`));
    request.log.info({ deviceId: device.deviceId, counter: parsed.data.counter, first: outcome.first }, 'call for staff answered');
    return reply
      .code(200)
      .send({ id: parsed.data.id, answeredAt: outcome.answeredAt, counter: outcome.counter, first: outcome.first } satisfies StaffCallAnswer);
  });

  app.get('/v1/queue/state', { onRequest: authenticate }, async (request, reply) => {
    const device = requireDevice(request);
    if (device.role !== undefined && !STATE_ROLES.includes(device.role)) {
      return reply.code(403).send(wireError('auth.role-forbidden', `a ${device.role} device may not read the queue's state`));
    }
    const parsed = StateQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('queue.bad-request', describeIssues(parsed.error.issues)));
    const now = clock.now();
    const settings = await queueSettings(db, device.branchCode);
    const day = parsed.data.day ?? queueToday(settings, now);
    const key = `${device.branchCode}\u0000${day}`;
    const fingerprint = settingsKey(settings);
    const version = await queueVersion(db, device.branchCode, day);
    const state = await stateCache.answer(key, version, fingerprint, now, () => queueState(db, device.branchCode, day, now, settings));
    return reply.code(200).header('cache-control', 'no-store').send(state);
  });

  // Public: the branch's TV has no credential. Numbers, counters and counts only.
  app.get('/v1/queue/board', async (request, reply) => {
    const parsed = BoardQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('queue.bad-request', 'expected ?branch=<branch code>[&day=YYYY-MM-DD]'));
    const branch = parsed.data.branch;
    const now = clock.now();
    const settings = await queueSettings(db, branch);
    // A branch that published its configuration exists; only one without is looked up.
    if (settings.groups === null && !(await branchExists(db, branch))) return reply.code(404).send(wireError('queue.branch-unknown', 'no such branch'));
    const day = parsed.data.day ?? queueToday(settings, now);
    // Cheap while nothing moves: one indexed read of the version, the answer from memory.
    const key = `${branch}\u0000${day}`;
    const fingerprint = settingsKey(settings);
    const version = await queueVersion(db, branch, day);
    const board = await boardCache.answer(key, version, fingerprint, now, () => queueBoard(db, branch, now, day, settings));
    return reply.code(200).header('cache-control', 'no-store').send(board);
  });

  // Public server-sent events: `event: queue` with {"version":N} on every change of the branch's
  // queue today, a comment line as heartbeat. A poke, never data: clients fetch state or board.
  app.get('/v1/queue/events', async (request, reply) => {
    const parsed = EventsQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('queue.bad-request', 'expected ?branch=<branch code>'));
    const branch = parsed.data.branch;
    if (!(await branchExists(db, branch))) return reply.code(404).send(wireError('queue.branch-unknown', 'no such branch'));
    const address = request.ip;
    if ((perAddress.get(address) ?? 0) >= limits.maxStreamsPerAddress || streams.size >= limits.maxStreams) {
      request.log.warn({ open: perAddress.get(address) ?? 0, total: streams.size }, 'queue event streams: limit reached');
      return reply.code(429).header('retry-after', '30').send(wireError('queue.too-many-streams', 'too many open queue event streams; retry later'));
    }
    const settings = await queueSettings(db, branch);
    const today = () => queueToday(settings, clock.now());
    let day = today();
    let last = await queueVersion(db, branch, day);

    reply.hijack();
    const res = reply.raw;
    // writeHead keeps the headers set before (CORS, Vary: cors.ts).
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    const send = (version: number) => res.write(`event: queue\ndata: ${JSON.stringify({ version })}\n\n`);
    res.write('retry: 3000\n\n');
    send(last);

    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    let ended = false;
    const onPoke = (p: QueuePoke) => {
      if (ended) return;
      const d = today();
      if (d !== day) {
        day = d;
        last = -1;
      }
      if (p.version === null) {
        // The database connection was lost and restored: look the version up.
        void queueVersion(db, branch, day)
          .then((v) => {
            if (!ended && v !== last) send((last = v));
          })
          .catch(() => {});
        return;
      }
      if (p.day !== day || p.version <= last) return;
      send((last = p.version));
    };
    const unsubscribe = pokes.subscribe(branch, onPoke);
    const heartbeat = setInterval(() => res.write(': ♥\n\n'), heartbeatMs);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(end);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
      if (!res.writableEnded) res.end();
    };
    streams.add(end);
    // The client went away (or the server ended the stream): no timer or listener stays behind.
    res.on('close', end);
  });
}

async function branchExists(db: Db, code: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM branches WHERE code = $1', [code])).length > 0;
}
