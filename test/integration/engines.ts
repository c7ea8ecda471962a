import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/server/db/Db';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { openPostgresDb } from '../../src/server/db/postgresDb';

/**
 * The database engines every server-side integration test runs on: in-memory PGlite always, and a
 * fresh database on a real PostgreSQL when TEST_DATABASE_URL is set (scripts/ci-postgres.sh; `npm
 * test` sets it, and CI fails without it — see server.test.ts).
 */
export interface DbEngine {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<{ db: Db; dispose(): Promise<void> }>;
}

export const dbEngines: DbEngine[] = [
  {
    name: 'pglite',
    async open() {
      const db = await openPgliteDb(null);
      return { db, dispose: () => db.close() };
    },
  },
];

const postgresUrl = process.env.TEST_DATABASE_URL;
if (postgresUrl) {
  dbEngines.push({
    name: 'postgres',
    async open() {
      const dbName = `hpasc_test_${randomUUID().replace(/-/g, '')}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const url = new URL(postgresUrl);
      url.pathname = `/${dbName}`;
      const db = openPostgresDb(url.toString());
      return {
        db,
        async dispose() {
          await db.close();
          const c = new pg.Client({ connectionString: postgresUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${dbName}`);
          await c.end();
        },
      };
    },
  });
}

/** A hash of everything the sync path writes on the server: equal hashes, equal state. */
export async function serverStateHash(db: Db): Promise<string> {
  const parts: string[] = [];
  for (const [table, order] of [
    ['tickets', 'id'],
    ['ratings', 'id'],
    ['mutations', 'mutation_id'],
    ['journals', 'device_id, journal_id'],
    ['changes', 'scope, seq'],
    ['scope_seqs', 'scope'],
    ['devices', 'device_id'],
    ['received_dossiers', 'id'],
    ['dossier_blobs', 'dossier_id, sha256'],
    ['dossiers', 'code'],
  ] as const) {
    const cols =
      table === 'tickets' || table === 'ratings'
        ? `to_jsonb(t) - 'received_at'`
        : table === 'mutations'
          ? `to_jsonb(t) - 'applied_at'`
          : table === 'received_dossiers'
            ? `to_jsonb(t) - 'stored_at'`
            : table === 'changes'
              ? `to_jsonb(t) - 'published_at'`
              : table === 'journals'
                ? `to_jsonb(t) - 'created_at'`
                : 'to_jsonb(t)';
    const rows = await db.query<{ h: string | null; n: unknown }>(
      `SELECT md5(string_agg((${cols})::text, '|' ORDER BY ${order})) AS h, count(*) AS n FROM ${table} t`,
    );
    parts.push(`${table}:${String(rows[0]?.n)}:${rows[0]?.h ?? '-'}`);
  }
  return parts.join(' ');
}
