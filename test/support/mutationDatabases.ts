import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as PGliteModule from '@electric-sql/pglite';
import { vi } from 'vitest';
import type * as EnginesModule from '../integration/engines';

/**
 * Mutation testing only (vitest.mutation.config.ts). Stryker re-runs a server test file for every
 * mutant it covers, and starting an in-memory PGlite (initdb in WebAssembly) is most of such a
 * file's time. So, for the mutation run:
 *  - MUTATION_DB=postgres (scripts/mutation.mjs sets it when TEST_DATABASE_URL is there): the
 *    server tests run on the real PostgreSQL engine only, a fresh database per test file as usual;
 *  - otherwise every in-memory PGlite starts from a snapshot of a freshly initialised, empty
 *    cluster (≈ 6 s instead of ≈ 25 s on a busy 2-core machine): the same empty cluster, and
 *    migrations, branches and data are still created by each test.
 */
const onPostgres = process.env.MUTATION_DB === 'postgres';

vi.mock('../integration/engines', async (importOriginal) => {
  const original = await importOriginal<typeof EnginesModule>();
  if (!onPostgres) return original;
  const postgres = original.dbEngines.filter((e) => e.name === 'postgres');
  if (postgres.length === 0) throw new Error('MUTATION_DB=postgres needs TEST_DATABASE_URL');
  return { ...original, dbEngines: postgres };
});

vi.mock('@electric-sql/pglite', async (importOriginal) => {
  const original = await importOriginal<typeof PGliteModule>();
  if (onPostgres) return original;
  // Keyed by the installed PGlite version (dist/ sits next to its package.json).
  const packageJson = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  const snapshotPath = join(tmpdir(), 'hpasc-mutation', `pglite-${version}-empty.tar`);
  const snapshot = async (): Promise<Blob> => {
    try {
      return new Blob([readFileSync(snapshotPath)]);
    } catch {
      // First use on this machine: make it (two workers may race; the rename is atomic).
      const fresh = await original.PGlite.create();
      const dump = await fresh.dumpDataDir('none');
      await fresh.close();
      mkdirSync(dirname(snapshotPath), { recursive: true });
      const partial = `${snapshotPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
      renameSync(partial, snapshotPath);
      return dump;
    }
  };
  class PGliteFromSnapshot extends original.PGlite {
    static override async create(...args: unknown[]): Promise<never> {
      // Only the in-memory cluster of the tests (no data directory, no options) is replaced.
      const create = original.PGlite.create as (...a: unknown[]) => Promise<never>;
      if (args.length === 0) return create.call(original.PGlite, { loadDataDir: await snapshot() });
      return create.apply(original.PGlite, args);
    }
  }
  return { ...original, PGlite: PGliteFromSnapshot };
});
