import type { Db } from './Db';
import { openPgliteDb } from './pgliteDb';
import { openPostgresDb } from './postgresDb';

/** DATABASE_URL set → PostgreSQL; otherwise PGlite in the data directory (null = in memory). */
export async function openDb(options: { databaseUrl?: string | undefined; pgliteDir: string | null }): Promise<Db> {
  if (options.databaseUrl) return openPostgresDb(options.databaseUrl);
  return openPgliteDb(options.pgliteDir);
}
