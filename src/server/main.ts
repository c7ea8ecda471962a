import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildServer } from './app';
import { corsPolicy, parseKioskOrigins } from './cors';
import { limitsFromEnv, parseTrustedProxies } from './limits';
import { migrate } from './db/migrate';
import { openDb } from './db/openDb';
import { defaultPgliteDir } from './db/pgliteDb';

/**
 * Starts the central server. Environment:
 *   PORT (8787), HOST (127.0.0.1), DATABASE_URL (PostgreSQL; unset = embedded PGlite),
 *   DATA_DIR (.data; PGlite lives in DATA_DIR/pglite), BLOB_DIR (DATA_DIR/blobs), LOG_LEVEL (info),
 *   KIOSK_ORIGINS (web-kiosk origins allowed cross-origin, comma-separated; app://kiosk always is),
 *   TRUST_PROXY (reverse proxies whose X-Forwarded-For is believed: addresses or CIDR ranges),
 *   REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS,
 *   MAX_CONNECTIONS_PER_ADDRESS, MAX_JSON_DEPTH (limits.ts; the server README lists the defaults).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  // Checked before the database opens: a typo here must not leave browsers failing silently.
  const corsOrigins = parseKioskOrigins(process.env.KIOSK_ORIGINS);
  const trustedProxies = parseTrustedProxies(process.env.TRUST_PROXY);
  const limits = limitsFromEnv(process.env);
  const host = process.env.HOST ?? '127.0.0.1';
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0–65535, got ${process.env.PORT}`);
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  const applied = await migrate(db);
  const version = readVersion();
  const blobDir = resolve(process.env.BLOB_DIR ?? `${dataDir}/blobs`);
  const app = buildServer({ db, version, blobDir, corsOrigins, limits, trustedProxies, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  app.log.info({ db: db.kind, migrationsApplied: applied, version }, 'database ready');
  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const url = await app.listen({ port, host });
  console.info(`Central server: ${url}  (database: ${db.kind === 'postgres' ? 'PostgreSQL' : `PGlite in ${defaultPgliteDir(dataDir)}`})`);
  console.info(`Kiosk origins allowed (KIOSK_ORIGINS): ${corsPolicy(corsOrigins).origins.join(', ')}`);
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

main().catch((e: unknown) => {
  console.error('server failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
