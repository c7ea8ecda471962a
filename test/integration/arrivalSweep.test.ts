import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/server/db/Db';
import { sweepArrivals } from '../../src/server/queueArrivals';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

/**
 * The server's sweep of tickets left arriving (queueArrivals.ts): a day whose admission fails every
 * time must not hold back the days after it (found in review, 2026-12-07: the sweep stopped at the
 * first failing day, sweep after sweep).
 */
describe('the arrival sweep', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const arriving = async (day: string, number: string) => {
    await h.db.query(
      `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state) VALUES ($1, 'CN01', $2, $3, 'A', false, $4, 'arriving')`,
      [randomUUID(), day, number, START],
    );
  };
  const states = async () =>
    Object.fromEntries(
      (await h.db.query<{ day: string; state: string }>("SELECT day, state FROM queue_tickets WHERE branch_code = 'CN01' ORDER BY day")).map((r) => [
        r.day,
        r.state,
      ]),
    );

  it('admits the other days when one day cannot be admitted, and says which', async () => {
    await arriving('2026-11-20', 'A001');
    await arriving('2026-11-21', 'A001');
    // The earlier day's admission fails, every time (its statement refused).
    const failing: Db = {
      ...h.db,
      kind: h.db.kind,
      query: (sql, params) => h.db.query(sql, params),
      transaction: (fn) =>
        h.db.transaction((tx) =>
          fn({
            ...tx,
            kind: tx.kind,
            query: (sql, params) =>
              sql.includes("SET state = 'waiting'") && params?.[1] === '2026-11-20' ? Promise.reject(new Error('refused (test)')) : tx.query(sql, params),
          }),
        ),
    };
    const swept = await sweepArrivals(failing, () => START);
    expect(swept.admitted).toBe(1);
    expect(swept.failed.map((f) => f.key)).toEqual(['CN01\u00002026-11-20']);
    expect(await states()).toEqual({ '2026-11-20': 'arriving', '2026-11-21': 'waiting' });
    // Once it can be admitted, the next sweep takes it.
    expect((await sweepArrivals(h.db, () => START)).admitted).toBe(1);
    expect(await states()).toEqual({ '2026-11-20': 'waiting', '2026-11-21': 'waiting' });
  });
});
