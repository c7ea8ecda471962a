import { describe, expect, it } from 'vitest';
import { createBranch } from '../../src/server/admin';
import { publishChanges } from '../../src/server/changes';
import { correctProcessingTime } from '../../src/server/catalogCorrections';
import { migrate } from '../../src/server/db/migrate';
import { dbEngines } from './engines';
import { procedure } from './syncHarness';

/**
 * A processing-time correction and a catalog publish of the same procedure at once (found in review,
 * 2026-12-07): they took the scope's counter and the procedure's row in opposite orders, and
 * PostgreSQL broke the deadlock by failing one of them. On PGlite (one connection) they never overlap.
 */
const pgEngine = dbEngines.find((e) => e.name === 'postgres');
if (!pgEngine)
  describe('correction vs publish on PostgreSQL', () => it.skip('needs a PostgreSQL: set TEST_DATABASE_URL (npm test starts one)', () => undefined));
else
  describe('correction vs publish on PostgreSQL', () => {
    it('a processing-time correction and a catalog publish of the same procedure both succeed', { timeout: 120_000 }, async () => {
      const { db, dispose } = await pgEngine!.open();
      try {
        await migrate(db);
        await createBranch(db, 'CN01', 'x');
        await publishChanges(db, { scope: 'global', changes: [{ entity: 'procedure', op: 'put', data: procedure('1.000001', 'a') }] });
        const errors: string[] = [];
        for (let i = 0; i < 20; i++) {
          const r = await Promise.allSettled([
            correctProcessingTime(db, { code: '1.000001', amount: 3, unit: 'working-day' }, { actor: { kind: 'admin-cli', id: 't' }, now: 1 }),
            publishChanges(db, { scope: 'global', changes: [{ entity: 'procedure', op: 'put', data: procedure('1.000001', `v${i}`) }] }),
          ]);
          for (const x of r) if (x.status === 'rejected') errors.push(String((x.reason as Error).message));
        }
        expect(errors).toEqual([]);
      } finally {
        await dispose();
      }
    });
  });
