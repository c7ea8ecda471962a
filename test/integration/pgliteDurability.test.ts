import type * as Fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/server/db/Db';

/** Every fsync the server's code asks of the OS (PGlite's file system reaches it through pgliteDb.ts). */
let fsyncs = 0;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      fs.fsyncSync(fd);
      fsyncs++;
    },
  };
});

const { openPgliteDb } = await import('../../src/server/db/pgliteDb');

describe('PGlite in a folder (the embedded default) commits to the disk, not only to the OS', () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpasc-pglite-durable-'));
    db = await openPgliteDb(join(dir, 'pglite'));
    await db.exec('CREATE TABLE held (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with fsync on and flushes the WAL with a real fsync at every commit: a statement, a transaction', async () => {
    expect(await db.query('SHOW fsync')).toEqual([{ fsync: 'on' }]);
    expect(await db.query('SHOW wal_sync_method')).toEqual([{ wal_sync_method: 'fsync' }]);

    let before = fsyncs;
    await db.query('INSERT INTO held VALUES (1)');
    expect(fsyncs).toBeGreaterThan(before);

    before = fsyncs;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO held VALUES (2)');
      await tx.query('INSERT INTO held VALUES (3)');
    });
    expect(fsyncs).toBeGreaterThan(before);

    // A read commits nothing and flushes nothing.
    before = fsyncs;
    expect(await db.query('SELECT count(*)::int AS n FROM held')).toEqual([{ n: 3 }]);
    expect(fsyncs).toBe(before);
  });
});
