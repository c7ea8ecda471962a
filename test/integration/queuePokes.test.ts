import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/server/db/Db';
import { queuePokes, type QueuePoke } from '../../src/server/queuePokes';

/**
 * The pokes a branch's boards and desks get: a busy branch changes its queue many times a second,
 * and each poke makes every machine of the branch read again. The first change after a quiet spell
 * is poked at once; the changes within the next 100 ms become one poke with the latest version.
 */
function fakeDb(): { db: Db; notify(payload: string): void } {
  let listener: ((payload: string) => void) | null = null;
  const db = {
    kind: 'pglite',
    listen: async (_channel: string, onNotify: (payload: string) => void) => {
      listener = onNotify;
      return async () => {
        listener = null;
      };
    },
  } as unknown as Db;
  return { db, notify: (payload) => listener?.(payload) };
}

const change = (branch: string, day: string, version: number) => JSON.stringify({ branch, day, version });

afterEach(() => {
  vi.useRealTimers();
});

describe('queue pokes', () => {
  it('pokes the first change at once, a burst as one poke with its latest version 100 ms later, and each branch and day apart', async () => {
    vi.useFakeTimers();
    const { db, notify } = fakeDb();
    const pokes = queuePokes(db, (e) => {
      throw e;
    });
    await pokes.start();
    const got: { branch: string; poke: QueuePoke; at: number }[] = [];
    const t0 = performance.now();
    for (const branch of ['HN01', 'HN02']) pokes.subscribe(branch, (poke) => got.push({ branch, poke, at: performance.now() - t0 }));

    notify(change('HN01', '2026-12-07', 1));
    expect(got).toEqual([{ branch: 'HN01', poke: { day: '2026-12-07', version: 1 }, at: 0 }]);
    // A burst on HN01: held; another branch and another day of HN01 are poked at once.
    vi.advanceTimersByTime(10);
    notify(change('HN01', '2026-12-07', 2));
    notify(change('HN01', '2026-12-07', 4));
    notify(change('HN01', '2026-12-07', 3));
    notify(change('HN02', '2026-12-07', 7));
    notify(change('HN01', '2026-12-08', 1));
    expect(got.map((g) => [g.branch, g.poke.day, g.poke.version])).toEqual([
      ['HN01', '2026-12-07', 1],
      ['HN02', '2026-12-07', 7],
      ['HN01', '2026-12-08', 1],
    ]);
    vi.advanceTimersByTime(89);
    expect(got).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(got[3]).toEqual({ branch: 'HN01', poke: { day: '2026-12-07', version: 4 }, at: 100 });
    // Nothing more was held; a change soon after the held poke waits for its own spell.
    vi.advanceTimersByTime(500);
    expect(got).toHaveLength(4);
    notify(change('HN01', '2026-12-07', 5));
    expect(got[4]).toMatchObject({ poke: { version: 5 }, at: 600 });
    notify(change('HN01', '2026-12-07', 6));
    vi.advanceTimersByTime(100);
    expect(got[5]).toMatchObject({ poke: { version: 6 }, at: 700 });
    await pokes.stop();
  });

  it('a lost and restored connection pokes every branch at once; stopping drops a held poke', async () => {
    vi.useFakeTimers();
    const { db, notify } = fakeDb();
    const pokes = queuePokes(db, () => {});
    await pokes.start();
    const got: QueuePoke[] = [];
    pokes.subscribe('HN01', (p) => got.push(p));
    notify(change('HN01', '2026-12-07', 1));
    notify(change('HN01', '2026-12-07', 2));
    notify('');
    expect(got).toEqual([
      { day: '2026-12-07', version: 1 },
      { day: '', version: null },
    ]);
    await pokes.stop();
    // No timer left behind to fire after the server closed.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(got).toHaveLength(2);
  });
});
