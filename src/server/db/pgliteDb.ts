import { existsSync, fsyncSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { fsyncDir } from '../durableFiles';
import type { Db } from './Db';

/**
 * PGlite (PostgreSQL compiled to WebAssembly, in process): the embedded default for development,
 * demos and tests. One connection: PGlite runs transactions one at a time, so a transaction here
 * never waits on a row lock. A data directory may be opened by one process only; a lock file next
 * to it refuses a second opener (e.g. the admin tool while the server runs) instead of corrupting it.
 * PGlite runs no autovacuum: `plannerStatistics` keeps the planner's statistics fresh instead.
 */
export async function openPgliteDb(dataDir: string | null): Promise<Db> {
  let releaseLock = (): void => {};
  if (dataDir !== null) {
    mkdirSync(dirname(dataDir), { recursive: true });
    releaseLock = takeLock(`${dataDir}.lock`);
  }
  try {
    if (dataDir !== null) await createDataDirDurably(dataDir);
    const pg = dataDir === null ? await PGlite.create() : await PGlite.create({ fs: new DurableNodeFS(dataDir), startParams: [...DURABLE_START_PARAMS] });
    const stats = plannerStatistics(pg);
    const base = wrap(pg);
    return {
      ...base,
      async query<T>(sql: string, params: readonly unknown[] = []) {
        const rows = await base.query<T>(sql, params);
        if (isWrite(sql)) stats.changed();
        return rows;
      },
      async exec(sql: string) {
        await base.exec(sql);
        stats.changed();
      },
      async transaction(fn) {
        const out = await pg.transaction((tx) => fn(wrapTx(tx)));
        stats.changed();
        return out;
      },
      async listen(channel, onNotify) {
        const stop = await pg.listen(channel, onNotify);
        return async () => {
          // Closing the database ends every listener with it.
          if (!pg.closed) await stop();
        };
      },
      async close() {
        await stats.stop();
        await pg.close();
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

/**
 * A commit is on disk when it answers, as on PostgreSQL. PGlite as shipped is not durable against
 * a power cut or an OS crash (a process crash loses nothing: every write reaches the OS): it starts
 * PostgreSQL with fsync off (`-F`), and its Node file system (emscripten's NODEFS) has no fsync
 * (`fsync()` finds no handler, `fdatasync()` is a no-op). So, for a data directory: fsync on, the
 * WAL flushed with `fsync()` (wal_sync_method), and NODEFS given an fsync that calls the real one.
 * Errors keep their errno (PostgreSQL ignores the EBADF/EINVAL some systems answer for a folder,
 * and stops on any other: it never goes on after a failed flush). Cost: one fsync per commit
 * (≈ 0.6 ms each on this machine's disk, 50 commits 31 → 63 ms); checkpoints flush data files.
 */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]): ReturnType<NodeFS['init']> {
    const out = await super.init(pg, opts);
    const giveFsync = (mod: { NODEFS: unknown }): void => {
      const nodefs = mod.NODEFS as {
        stream_ops: { fsync?: (stream: { nfd: number }) => number };
        tryFSOperation: <T>(f: () => T) => T;
      };
      nodefs.stream_ops.fsync = (stream) => {
        nodefs.tryFSOperation(() => fsyncSync(stream.nfd));
        return 0;
      };
    };
    out.emscriptenOpts.preRun = [giveFsync, ...(out.emscriptenOpts.preRun ?? [])];
    return out;
  }
}

/**
 * A new data directory is on disk before anything is stored in it. PGlite creates one with its
 * initdb, which writes about a thousand files (40 MB) without a single fsync: a power cut in the
 * half minute before the OS writes them back could leave a damaged catalog under a later commit
 * the WAL did flush, and a server that will not start. So a new directory is made under a
 * temporary name (`<dir>.new`), closed, every file and folder in it fsynced, then renamed into
 * place and the parent folder fsynced: the directory exists whole or not at all. A leftover
 * `<dir>.new` (a first start cut short) is discarded. Costs a second or two, once; opening an
 * existing directory is unchanged. Refuses a non-empty folder that is not a PGlite data directory
 * (a wrong --data-dir) instead of writing into it.
 */
async function createDataDirDurably(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty and holds no PostgreSQL data directory (no PG_VERSION); point the server at an empty or new folder`);
  }
  const fresh = `${dataDir}.new`;
  rmSync(fresh, { recursive: true, force: true });
  const pg = await PGlite.create({ fs: new DurableNodeFS(fresh), startParams: [...DURABLE_START_PARAMS] });
  await pg.close();
  await fsyncTree(fresh);
  if (existsSync(dataDir)) rmdirSync(dataDir);
  renameSync(fresh, dataDir);
  await fsyncDir(dirname(dataDir));
}

/** fsync of every file and folder under `root` (a folder after its entries), a few at a time. */
async function fsyncTree(root: string): Promise<void> {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
    folders.push(dir);
  };
  walk(root);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const handle = await open(files[next++]!, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  // Folders after every file (their entries name the files), deepest first as `walk` listed them.
  for (const folder of folders) await fsyncDir(folder);
}

/** PGlite's start parameters with fsync on (no `-F`) and the WAL flushed by fsync(). */
export const DURABLE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'];

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

/**
 * A statement that may change rows (a transaction always counts): one that starts with a writing
 * verb, or a WITH query with one in it (the board's and the desks' reads are WITH queries too, and
 * do not count).
 */
function isWrite(sql: string): boolean {
  if (/^\s*(insert|update|delete|merge|copy)\b/i.test(sql)) return true;
  return /^\s*with\b/i.test(sql) && /\b(insert|update|delete|merge)\b/i.test(sql);
}

/** The tables whose statistics plannerStatistics keeps (the catalogs' are left as they are). */
const USER_TABLES = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

/**
 * Planner statistics for PGlite, which runs no autovacuum: without this its tables are never
 * analyzed and every plan is a guess from default estimates (a call next sorted the day's whole
 * queue through the wrong index). Like autovacuum's analyze threshold: once the writes since the
 * last ANALYZE reach 50 + 10 % of the rows the tables then held, the user tables are analyzed
 * again, one table per statement so requests interleave between them (a 300,000-row table takes
 * ~140 ms). Writes are counted per committed transaction or writing statement, a lower bound of
 * the rows they change. The statistics live in the data directory and survive restarts.
 */
function plannerStatistics(pg: PGlite): { changed(): void; stop(): Promise<void> } {
  const BASE = 50;
  const FRACTION = 0.1;
  let changes = 0;
  let threshold = BASE;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function analyze(): Promise<void> {
    changes = 0;
    const tables = await pg.query<{ name: string }>(`SELECT format('%I.%I', n.nspname, c.relname) AS name ${USER_TABLES}`);
    for (const { name } of tables.rows) {
      if (stopped || pg.closed) return;
      await pg.exec(`ANALYZE ${name}`);
    }
    const [held] = (await pg.query<{ n: number }>(`SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 AS n ${USER_TABLES}`)).rows;
    threshold = BASE + FRACTION * (held?.n ?? 0);
  }

  return {
    changed() {
      if (++changes < threshold || running !== null || stopped) return;
      running = new Promise<void>((resolve) => setImmediate(resolve))
        .then(analyze)
        .catch((e: unknown) => {
          // Plans stay as they were; the next writes try again.
          if (!stopped) process.emitWarning(`PGlite ANALYZE failed: ${e instanceof Error ? e.message : String(e)}`);
        })
        .finally(() => {
          running = null;
        });
    },
    async stop() {
      stopped = true;
      await running;
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
