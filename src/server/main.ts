import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildServer } from './app';
import { corsPolicy, parseKioskOrigins } from './cors';
import { checkKeysAgainstDatabase, dataProtectionFromEnv } from './dataProtection';
import { retentionDaysFromEnv } from './personalData';
import { limitsFromEnv, parseTrustedProxies } from './limits';
import { queueLimitsFromEnv } from './queueRoutes';
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
 *   MAX_CONNECTIONS_PER_ADDRESS, MAX_JSON_DEPTH (limits.ts; the server README lists the defaults),
 *   MAX_QUEUE_STREAMS_PER_ADDRESS, MAX_QUEUE_STREAMS (open queue event streams, queueRoutes.ts),
 *   DATA_KEYS, DATA_KEY_ID, DATA_INDEX_KEY (keys of personal data at rest, dataProtection.ts),
 *   RETENTION_DAYS (personal data kept after a dossier's final status, personalData.ts).
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  // Checked before the database opens: a typo here must not leave browsers failing silently.
  const corsOrigins = parseKioskOrigins(process.env.KIOSK_ORIGINS);
  const trustedProxies = parseTrustedProxies(process.env.TRUST_PROXY);
  const limits = limitsFromEnv(process.env);
  const queueLimits = queueLimitsFromEnv(process.env);
  const host = process.env.HOST ?? '127.0.0.1';
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0–65535, got ${process.env.PORT}`);
  const retentionDays = retentionDaysFromEnv(process.env);
  mkdirSync(dataDir, { recursive: true });
  // Before the database opens: without keys, nothing personal may be received.
  const keys = dataProtectionFromEnv(process.env, { dataDir, usesPostgres: Boolean(process.env.DATABASE_URL) });
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  const applied = await migrate(db);
  await checkKeysAgainstDatabase(db, keys.protection);
  const version = readVersion();
  const blobDir = resolve(process.env.BLOB_DIR ?? `${dataDir}/blobs`);
  const app = buildServer({
    db,
    version,
    blobDir,
    corsOrigins,
    limits,
    queueLimits,
    trustedProxies,
    dataProtection: keys.protection,
    retention: { retentionDays },
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
  });
  app.log.info({ db: db.kind, migrationsApplied: applied, version }, 'database ready');
  app.log.info(
    { keySource: keys.source, currentKeyId: keys.protection.currentKeyId, keyIds: keys.protection.keyIds, retentionDays },
    'personal data sealed at rest',
  );
  if (keys.source === 'key-file') {
    app.log.warn(
      { keyFile: keys.keyFile, created: keys.created },
      'personal data is sealed with keys kept in a file beside the data (mode 0600): a copy of the data directory carries its keys. In production configure DATA_KEYS, DATA_KEY_ID and DATA_INDEX_KEY from a secret store (src/server/README.md)',
    );
  }
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
