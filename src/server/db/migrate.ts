import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './Db';

/**
 * Numbered SQL migrations (src/server/migrations/NNN_name.sql), applied in order at start, each in
 * its own transaction together with its schema_migrations row: a migration is applied entirely and
 * recorded, or not at all. Running it again is a no-op. An advisory lock serialises replicas that
 * start at the same time. Schemas only move forward: never edit an applied file, add the next one.
 *
 * Numbers are unique and ascending; one may be skipped while the work that reserved it is not
 * merged yet (parallel branches take numbers in advance). A migration is never applied after a
 * higher one: a database that has 015 refuses a 014 that arrives later, naming it, instead of
 * applying it out of order.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');
/** Arbitrary constant naming this application's migration lock. */
const MIGRATION_LOCK = 7_340_001;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!m) throw new Error(`migration file name must be NNN_name.sql: ${file}`);
      return { version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (m.version < 1) throw new Error(`migrations are numbered from 001: ${m.version}_${m.name}`);
    if (previous && previous.version === m.version) throw new Error(`two migrations numbered ${m.version}: ${previous.name} and ${m.name}`);
  });
  return migrations;
}

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(db: Db, migrations: readonly Migration[] = loadMigrations()): Promise<number[]> {
  const applied: number[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
  });
  for (const m of migrations) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.length > 0) return;
      const later = await tx.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations WHERE version > $1', [m.version]);
      const higher = later[0]?.version ?? null;
      if (higher !== null) {
        throw new Error(`migration ${String(m.version).padStart(3, '0')}_${m.name} is not applied but ${higher} is: renumber it above every applied migration`);
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    });
  }
  return applied;
}
