import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { LEADERS_SQL } from '../../src/server/queue';

/**
 * PGlite runs no autovacuum, so without our own upkeep its planner never learns how big a table
 * is: a call next on a hub sorted the day's whole queue (every waiting ticket) on every call. The
 * embedded database analyzes its tables itself as they fill, and keeps what it learnt on disk.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function tableRows(db: Db, table: string): Promise<number> {
  const [r] = await db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [table]);
  return r!.n;
}

async function leadersPlan(db: Db): Promise<string> {
  const rows = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${LEADERS_SQL}`, ['HN01', '2026-12-07', 1, ['A', 'B']]);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('the embedded database (PGlite) keeps its planner statistics', () => {
  it('analyzes the tables as a day of tickets arrives, so a call next reads by index, and still knows after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpasc-pglite-stats-'));
    dirs.push(dir);
    const path = join(dir, 'db');
    let db = await openPgliteDb(path);
    await migrate(db);
    // Never analyzed: PostgreSQL marks that with -1.
    expect(await tableRows(db, 'queue_tickets')).toBe(-1);

    // 1,200 tickets arriving 20 at a time, each batch one transaction (as a kiosk's push).
    const insert = async (q: Db, from: number, count: number, asCte = false) => {
      const rows = Array.from({ length: count }, (_, i) => {
        const n = from + i;
        return { id: randomUUID(), n: `${'ABC'[n % 3]}${String(n).padStart(5, '0')}`, g: 'ABC'[n % 3], p: n % 7 === 0, at: 1_796_600_000_000 + n * 1000 };
      });
      const rowsSql = `SELECT x.id, 'HN01', '2026-12-07', x.n, x.g, x.p, x.at, 'waiting' FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, n text, g text, p boolean, at bigint)`;
      const into = 'INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state)';
      await q.query(asCte ? `WITH arriving AS (${rowsSql}) ${into} SELECT * FROM arriving` : `${into} ${rowsSql}`, [JSON.stringify(rows)]);
    };
    for (let batch = 0; batch < 60; batch++) await db.transaction((tx) => insert(tx, batch * 20, 20));
    await vi.waitFor(async () => expect(await tableRows(db, 'queue_tickets')).toBeGreaterThanOrEqual(1_000), { timeout: 10_000, interval: 50 });
    const plan = await leadersPlan(db);
    expect(plan).toContain('queue_tickets_leaders');
    // Not every waiting ticket of the day read and sorted (what the default estimates chose).
    expect(plan).not.toMatch(/Seq Scan on queue_tickets|queue_tickets_open/);

    // Writes outside a transaction count too: 3,000 more, 10 per statement, half of them as a
    // WITH query, and the table is analyzed again (after 50 writes + 10 % of the rows it held,
    // ≈ 170: neither half alone reaches it).
    for (let i = 0; i < 300; i++) await insert(db, 1_200 + i * 10, 10, i % 2 === 1);
    await vi.waitFor(async () => expect(await tableRows(db, 'queue_tickets')).toBeGreaterThanOrEqual(3_000), { timeout: 10_000, interval: 50 });

    await db.close();
    db = await openPgliteDb(path);
    try {
      expect(await tableRows(db, 'queue_tickets')).toBeGreaterThanOrEqual(3_000);
      expect(await leadersPlan(db)).toContain('queue_tickets_leaders');
    } finally {
      await db.close();
    }
  });

  it('closes while an analyze is under way without an error or a warning', async () => {
    const db = await openPgliteDb(null);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await migrate(db);
      await db.exec('CREATE TABLE filler (x int)');
      // The 50th write starts an analyze; the database closes at once.
      for (let i = 0; i < 50; i++) await db.query('INSERT INTO filler VALUES ($1)', [i]);
    } finally {
      await db.close();
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
