import type { FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import type { Db } from './db/Db';
import { admitArrivals, daysWithArrivals } from './queue';

/**
 * Admission of received tickets into their day's queue (queue.ts `admitArrivals`), run right after
 * the push that stored them commits. Pushes of one branch commit side by side (a ticket is stored
 * 'arriving' without the day's lock); the admissions of one branch and day run one at a time, and
 * all the pushes that committed while one ran share the next: under a burst of twenty kiosks a day
 * sees a few admissions, not twenty lock holders in a row.
 *
 * A caller is answered once an admission that started after its call has finished, so when a push
 * answers, its tickets are in the queue (the counters can call them, the board shows them). An
 * admission that fails (the database went away) leaves its tickets arriving, safe: the next
 * admission of that day, or the sweep every server runs (`sweepArrivals`), admits them.
 */
interface Line {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

const lines = new WeakMap<Db, Map<string, Line>>();

/** Admits the day's arriving tickets; resolves after an admission that started after this call (never rejects). */
export function admitDay(db: Db, branchCode: string, day: string, now: () => number): Promise<void> {
  let byDay = lines.get(db);
  if (!byDay) lines.set(db, (byDay = new Map()));
  const key = `${branchCode}\u0000${day}`;
  let line = byDay.get(key);
  if (!line) byDay.set(key, (line = { running: null, next: null }));
  const l = line;
  const start = (): Promise<void> => {
    const run = admitArrivals(db, branchCode, day, now()).then(
      () => undefined,
      () => undefined, // left arriving: the next admission or the sweep takes them
    );
    l.running = run.finally(() => {
      l.running = null;
      if (l.next === null && byDay.get(key) === l) byDay.delete(key);
    });
    return l.running;
  };
  // One is running: it may have read the day before this caller's tickets committed, so the caller
  // waits for the one after it, which every caller arriving meanwhile shares.
  if (l.next) return l.next;
  if (!l.running) return start();
  l.next = l.running.then(() => {
    l.next = null;
    return start();
  });
  return l.next;
}

/**
 * Admits what is still arriving (after a crash between a push and its admission, or an admission
 * that failed); how many tickets. With `onlyDays`, only those days (branch + NUL + day). A day
 * whose admission fails is reported in `failed` and the others go on: one day that cannot be
 * admitted must not hold back every day after it, sweep after sweep.
 */
export async function sweepArrivals(
  db: Db,
  now: () => number,
  onlyDays?: ReadonlySet<string>,
): Promise<{ admitted: number; days: Set<string>; failed: { key: string; error: unknown }[] }> {
  let admitted = 0;
  const days = new Set<string>();
  const failed: { key: string; error: unknown }[] = [];
  for (const d of await daysWithArrivals(db)) {
    const key = `${d.branchCode}\u0000${d.day}`;
    days.add(key);
    if (onlyDays && !onlyDays.has(key)) continue;
    try {
      admitted += await admitArrivals(db, d.branchCode, d.day, now());
    } catch (error) {
      failed.push({ key, error });
    }
  }
  return { admitted, days, failed };
}

/** How often each server looks for tickets left arriving (nothing to do is one indexed read). */
export const ARRIVAL_SWEEP_EVERY_MS = 15_000;

/**
 * The sweep of this server. At start it admits every ticket left arriving (a crash). Then every
 * `everyMs` it admits the days that already had tickets arriving at the sweep before: a push's
 * own admission takes milliseconds, so a day seen arriving twice in a row was left behind (an
 * admission failed), and the warning in the log means that. Closing the server stops it.
 */
export function registerArrivalSweep(app: FastifyInstance, options: { readonly db: Db; readonly clock: Clock; readonly everyMs?: number }): void {
  const { db, clock } = options;
  let running: Promise<void> | null = null;
  let seenBefore: Set<string> | undefined;
  const sweep = (): Promise<void> =>
    (running ??= sweepArrivals(db, () => clock.now(), seenBefore)
      .then(
        ({ admitted, days, failed }) => {
          seenBefore = days;
          if (admitted > 0) app.log.warn({ admitted }, 'received tickets left out of the queue (a crash or an error after their push) were admitted');
          for (const f of failed) {
            const [branch, day] = f.key.split('\u0000');
            app.log.warn({ branch, day, err: String(f.error) }, 'cannot admit received tickets of this day into the queue yet; trying again later');
          }
        },
        (err: unknown) => app.log.warn({ err: String(err) }, 'cannot admit received tickets into the queue yet; trying again later'),
      )
      .finally(() => {
        running = null;
      }));
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    await sweep();
    timer = setInterval(() => void sweep(), options.everyMs ?? ARRIVAL_SWEEP_EVERY_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}
