import { describe, expect, it } from 'vitest';
import type { JournalReserveRequest } from '../shared/ipc';
import { err, ok } from '../shared/result';
import { createCounterReservations, RESERVE_AHEAD } from './counterReservations';

function platform(fail = false) {
  const calls: JournalReserveRequest[] = [];
  const stored = new Map<string, number>();
  return {
    calls,
    stored,
    journalReserve: async (request: JournalReserveRequest) => {
      calls.push(request);
      if (fail) return err('journal.write-failed', 'ENOSPC (test)');
      for (const m of request.marks) stored.set(m.key, Math.max(stored.get(m.key) ?? 0, m.value));
      return ok({ marks: request.marks.map((m) => ({ key: m.key, value: stored.get(m.key)! })) });
    },
  };
}

const KEY = 'seq|2026-12-02|A|0';

describe('counter reservations', () => {
  it('reserves a block ahead, so only the first number of each block waits for the disk', async () => {
    const p = platform();
    const r = createCounterReservations(p, () => undefined);
    for (let n = 1; n <= 2 * RESERVE_AHEAD + 1; n++) await r.ensure({ key: KEY, value: n });
    expect(p.calls.map((c) => c.marks[0]!.value)).toEqual([RESERVE_AHEAD, 2 * RESERVE_AHEAD, 3 * RESERVE_AHEAD]);
  });

  it('starts from the marks found on disk, and concurrent numbers share one reservation', async () => {
    const p = platform();
    const r = createCounterReservations(p, () => undefined);
    r.load([{ key: KEY, value: 40 }]);
    await r.ensure({ key: KEY, value: 40 });
    expect(p.calls).toEqual([]);
    await Promise.all([r.ensure({ key: KEY, value: 41 }), r.ensure({ key: KEY, value: 42 })]);
    expect(p.calls).toHaveLength(1);
  });

  it('a failed reservation is reported and does not hold the number back; the next number tries again', async () => {
    const p = platform(true);
    const failures: string[] = [];
    const r = createCounterReservations(p, (code) => failures.push(code));
    await r.ensure({ key: KEY, value: 1 });
    await r.ensure({ key: KEY, value: 2 });
    expect(failures).toEqual(['journal.write-failed', 'journal.write-failed']);
    expect(p.calls).toHaveLength(2);
  });
});
