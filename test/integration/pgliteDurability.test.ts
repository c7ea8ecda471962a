import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/server/db/Db';

/** Every fsync the server's code asks of the OS (PGlite's file system reaches it through pgliteDb.ts). */
let fsyncs = 0;
/** In order: `sync <path>` for each file or folder fsynced through fs/promises, `rename <from> → <to>` (node:fs's renameSync and fs/promises). */
const events = vi.hoisted((): string[] => []);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      fs.fsyncSync(fd);
      fsyncs++;
    },
    renameSync: (from: string, to: string) => {
      fs.renameSync(from, to);
      events.push(`rename ${from} → ${to}`);
    },
  };
});
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../support/diskEvents')).recordingFsPromises(await importOriginal<typeof FsPromises>(), events),
);

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

describe('a new PGlite data directory is on disk whole before the server uses it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpasc-pglite-new-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is made under a temporary name, every file and folder fsynced, then renamed into place and its folder fsynced', async () => {
    const target = join(dir, 'pglite');
    events.length = 0;
    const db = await openPgliteDb(target);
    await db.close();
    const renamed = events.findIndex((e) => e.startsWith('rename '));
    expect(events[renamed]).toBe(`rename ${target}.new → ${target}`);
    const syncedBefore = new Set(
      events
        .slice(0, renamed)
        .filter((e) => e.startsWith('sync '))
        .map((e) => e.slice('sync '.length)),
    );
    // Everything initdb wrote (the catalog, the WAL, PG_VERSION…) and every folder on the way.
    const everything: string[] = [];
    const walk = (d: string): void => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(d, entry.name));
        everything.push(join(d, entry.name));
      }
    };
    walk(target);
    expect(everything.length).toBeGreaterThan(500);
    const unsynced = everything.map((p) => `${target}.new${p.slice(target.length)}`).filter((p) => !syncedBefore.has(p));
    expect(unsynced).toEqual([]);
    expect(syncedBefore.has(`${target}.new`)).toBe(true);
    // The new name is durable: the parent folder is fsynced after the rename.
    expect(events.slice(renamed + 1)).toContain(`sync ${dir}`);
    expect(existsSync(`${target}.new`)).toBe(false);
  });

  it('opens an existing directory as it is (nothing made, nothing renamed)', async () => {
    const target = join(dir, 'pglite');
    events.length = 0;
    const db = await openPgliteDb(target);
    await db.close();
    expect(events.filter((e) => e.startsWith('rename '))).toEqual([]);
  });

  it('discards what a first start cut short left under the temporary name', async () => {
    const target = join(dir, 'cut-short');
    mkdirSync(`${target}.new`, { recursive: true });
    writeFileSync(`${target}.new/PG_VERSION`, '1');
    const db = await openPgliteDb(target);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.close();
    expect(existsSync(`${target}.new`)).toBe(false);
  });

  it('refuses a folder that holds something other than a database, and leaves it alone', async () => {
    const target = join(dir, 'not-a-database');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'keep me');
    await expect(openPgliteDb(target)).rejects.toThrow(/not empty and holds no PostgreSQL data directory/);
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('keep me');
    // The lock is released: a corrected start is not refused as "in use".
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
