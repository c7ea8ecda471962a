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
import { enrolHub, readIdentity, toHubIdentity, writeIdentity } from './hub/identity';
import type { HubOptions } from './hub/hub';

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
  // Branch mode (`npm run hub -- --upstream <centre URL> --code <code>`): the branch's hub.
  const hubMode = process.argv.includes('--hub');
  const hubArgs = hubMode ? parseHubArgs(process.argv.slice(2)) : null;
  const port = Number(process.env.PORT ?? (hubMode ? 8788 : 8787));
  // Checked before the database opens: a typo here must not leave browsers failing silently.
  const corsOrigins = parseKioskOrigins(process.env.KIOSK_ORIGINS);
  const trustedProxies = parseTrustedProxies(process.env.TRUST_PROXY);
  const limits = limitsFromEnv(process.env);
  const queueLimits = queueLimitsFromEnv(process.env);
  // A hub serves the branch's LAN; the centre listens on loopback unless told (behind its proxy).
  const host = process.env.HOST ?? (hubMode ? '0.0.0.0' : '127.0.0.1');
  const dataDir = resolve(process.env.DATA_DIR ?? (hubMode ? '.hub-data' : '.data'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0–65535, got ${process.env.PORT}`);
  const retentionDays = retentionDaysFromEnv(process.env);
  mkdirSync(dataDir, { recursive: true });
  const hub = hubArgs ? await hubIdentity(dataDir, hubArgs) : undefined;
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
    ...(hub ? { hub } : {}),
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
  const database = db.kind === 'postgres' ? 'PostgreSQL' : `PGlite in ${defaultPgliteDir(dataDir)}`;
  if (hub) {
    console.info(`Branch hub of ${hub.identity.branchCode}: ${url}  (database: ${database}; centre: ${hub.upstreamUrl})`);
    console.info(`Kiosks of the branch use this hub's address as their server; its state: ${url}/v1/hub/status`);
  } else {
    console.info(`Central server: ${url}  (database: ${database})`);
  }
  console.info(`Kiosk origins allowed (KIOSK_ORIGINS): ${corsPolicy(corsOrigins).origins.join(', ')}`);
}

interface HubArgs {
  readonly upstream: string | null;
  readonly code: string | null;
}

function parseHubArgs(args: readonly string[]): HubArgs {
  const value = (name: string): string | null => {
    const i = args.indexOf(name);
    if (i === -1) return null;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--'))
      throw new Error(`${name} needs a value (npm run hub -- --upstream https://centre.example --code XXXX-XXXX-XXXX-XXXX)`);
    return v;
  };
  const known = new Set(['--hub', '--upstream', '--code']);
  for (const [i, a] of args.entries()) {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}; the hub takes --upstream <centre URL> and --code <enrolment code>`);
    if (!a.startsWith('--') && (i === 0 || !['--upstream', '--code'].includes(args[i - 1]!))) throw new Error(`unexpected argument "${a}"`);
  }
  const upstream = value('--upstream');
  if (upstream !== null && !/^https?:\/\/[^\s/]+/.test(upstream)) throw new Error(`--upstream must be the centre's http(s) address, got "${upstream}"`);
  return { upstream, code: value('--code') };
}

/** The hub's credential: read from DATA_DIR, or made now with the code (once; again to re-enrol). */
async function hubIdentity(dataDir: string, args: HubArgs): Promise<HubOptions> {
  const known = readIdentity(dataDir);
  let stored = known;
  if (args.code !== null) {
    const upstream = args.upstream ?? known?.upstream;
    if (!upstream) throw new Error("the first start of a hub needs the centre's address: npm run hub -- --upstream https://centre.example --code <code>");
    stored = await enrolHub(upstream, args.code, known);
    writeIdentity(dataDir, stored);
    console.info(`Hub enrolled at ${stored.upstream} for branch ${stored.branchCode} (device ${stored.deviceId}); credential kept in ${dataDir}`);
  } else if (!stored) {
    throw new Error(
      'this hub is not enrolled yet: ask the centre for a hub code (npm run admin -- enrol-code <BRANCH> hub), then run: npm run hub -- --upstream <centre URL> --code <code>',
    );
  } else if (args.upstream !== null && args.upstream.replace(/\/+$/, '') !== stored.upstream) {
    stored = { ...stored, upstream: args.upstream.replace(/\/+$/, '') };
    writeIdentity(dataDir, stored);
  }
  return { upstreamUrl: stored.upstream, identity: toHubIdentity(stored) };
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
