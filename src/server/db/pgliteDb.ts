import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db } from './Db';

/**
 * PGlite (PostgreSQL compiled to WebAssembly, in process): the embedded default for development,
 * demos and tests. One connection: PGlite runs transactions one at a time, so a transaction here
 * never waits on a row lock. A data directory may be opened by one process only; a lock file next
 * to it refuses a second opener (e.g. the admin tool while the server runs) instead of corrupting it.
 */
export async function openPgliteDb(dataDir: string | null): Promise<Db> {
  let releaseLock = (): void => {};
  if (dataDir !== null) {
    mkdirSync(dirname(dataDir), { recursive: true });
    releaseLock = takeLock(`${dataDir}.lock`);
  }
  try {
    const pg = dataDir === null ? await PGlite.create() : await PGlite.create(dataDir);
    return {
      ...wrap(pg),
      async transaction(fn) {
        return pg.transaction((tx) => fn(wrapTx(tx)));
      },
      async listen(channel, onNotify) {
        const stop = await pg.listen(channel, onNotify);
        return async () => {
          // Closing the database ends every listener with it.
          if (!pg.closed) await stop();
        };
      },
      async close() {
        await pg.close();
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

function wrap(q: PGlite | Transaction): Pick<Db, 'kind' | 'query' | 'exec'> {
  return {
    kind: 'pglite',
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const r = await q.query<T>(sql, [...params]);
      return r.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  };
}

function wrapTx(tx: Transaction): Db {
  const db: Db = {
    ...wrap(tx),
    transaction: (fn) => fn(db),
    close: async () => {},
  };
  return db;
}

function takeLock(lockPath: string): () => void {
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const holder = Number(readFileSync(lockPath, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`PGlite data directory is in use by process ${holder} (${lockPath}); stop it first`, { cause: e });
    }
    // A stale lock from a process that died: take it over.
    writeFileSync(lockPath, String(process.pid));
  }
  return () => rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function defaultPgliteDir(dataDir: string): string {
  return join(dataDir, 'pglite');
}
