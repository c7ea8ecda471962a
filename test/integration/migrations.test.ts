import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';

/**
 * Migration numbers are taken in advance by parallel work: a number may be skipped until its work
 * lands, but two files never share a number and a migration is never applied after a higher one.
 */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hpasc-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('numbered migrations', () => {
  it('accept a number reserved by work not merged yet, refuse two files with one number', () => {
    expect(loadMigrations(folder({ '001_a.sql': 'SELECT 1', '003_c.sql': 'SELECT 1' })).map((m) => m.version)).toEqual([1, 3]);
    expect(() => loadMigrations(folder({ '001_a.sql': 'SELECT 1', '001_b.sql': 'SELECT 1' }))).toThrow('two migrations numbered 1');
  });

  it('refuse to apply a migration below one already applied, naming it', async () => {
    const db = await openPgliteDb(null);
    try {
      const first = folder({ '001_a.sql': 'CREATE TABLE a (x int)', '003_c.sql': 'CREATE TABLE c (x int)' });
      expect(await migrate(db, loadMigrations(first))).toEqual([1, 3]);
      const later = folder({ '001_a.sql': 'CREATE TABLE a (x int)', '002_b.sql': 'CREATE TABLE b (x int)', '003_c.sql': 'CREATE TABLE c (x int)' });
      await expect(migrate(db, loadMigrations(later))).rejects.toThrow('migration 002_b is not applied but 3 is');
      expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'b'")).toHaveLength(0);
    } finally {
      await db.close();
    }
  });
});
