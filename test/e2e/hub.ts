import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { hubOf } from '../../src/server/hub/hub';
import { enrolHub, toHubIdentity } from '../../src/server/hub/identity';
import { systemClock } from '../../src/shared/clock';
import { HubStatus } from '../../src/shared/hub';
import { branchScope } from '../../src/shared/published';
import type { Centre } from './centre';

/**
 * A branch hub for end-to-end tests: the same server in branch mode (src/server/hub), in the test
 * worker's process, on 127.0.0.1 with a port of its own — another origin than the kiosk's and the
 * centre's, so every call a kiosk, counter or board makes to it is a real cross-origin call, CORS
 * included. It is enrolled at `centre` with a hub code, as `npm run hub -- --code …` does, and has
 * mirrored the branch's published data before it is handed out.
 *
 * The link to the centre is the hub's own upstream fetch: `cut()` makes every request the hub sends
 * to the centre fail without an answer (a dead WAN line), `restore()` lets them through again. The
 * kiosks' side of the branch (the LAN) is never touched. The relay and the mirror run on their own
 * timers, short enough that a test waits a fraction of a second for them, never the defaults' seconds.
 */
export interface TestHub {
  readonly url: string;
  readonly db: Db;
  readonly app: FastifyInstance;
  /** The hub's own device id at the centre. */
  readonly deviceId: string;
  cut(): void;
  restore(): void;
  /** GET /v1/hub/status, as the branch's technician reads it. */
  status(): Promise<HubStatus>;
  /** The hub's log lines of level warn and above (a relay that fails with an answer says why only there). */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export interface HubOptions {
  /** An open database to use (emptied and migrated anew, left open on close); default a new PGlite. */
  readonly db?: Db;
  /** Web-kiosk origins the hub allows; default the e2e kiosk's origin (KIOSK_URL). */
  readonly corsOrigins?: readonly string[];
}

/** Relay pass every 200 ms, backing off to 400 ms at most while the link is down; mirror every second. */
const RELAY_EVERY_MS = 200;
const RELAY_MAX_BACKOFF_MS = 400;
const MIRROR_EVERY_MS = 1_000;

export async function startHub(centre: Centre, options: HubOptions = {}): Promise<TestHub> {
  const db = options.db ?? (await openPgliteDb(null));
  if (options.db) {
    await db.query('DROP SCHEMA public CASCADE');
    await db.query('CREATE SCHEMA public');
  }
  await migrate(db);
  const { code } = await createEnrolCode(centre.db, 'CN01', 'hub', systemClock.now());
  const identity = await enrolHub(centre.url, code, null);
  const link = { down: false };
  const linkFetch: typeof fetch = (input, init) =>
    link.down ? Promise.reject(new TypeError('fetch failed (the branch’s link to the centre is cut by the test)')) : fetch(input, init);
  const blobDir = mkdtempSync(join(tmpdir(), 'hpasc-e2e-hub-blobs-'));
  const kiosk = process.env.KIOSK_URL;
  const warnings: string[] = [];
  const app = buildServer({
    db,
    logger: { level: 'warn', stream: { write: (line: string) => void warnings.push(line.trim()) } },
    clock: systemClock,
    version: 'e2e-hub',
    blobDir,
    corsOrigins: options.corsOrigins ?? (kiosk ? [new URL(kiosk).origin] : []),
    dataProtection: ephemeralDataProtection(),
    hub: {
      upstreamUrl: centre.url,
      identity: toHubIdentity(identity),
      fetch: linkFetch,
      relayEveryMs: RELAY_EVERY_MS,
      relayMaxBackoffMs: RELAY_MAX_BACKOFF_MS,
      mirrorEveryMs: MIRROR_EVERY_MS,
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const status = async (): Promise<HubStatus> => HubStatus.parse(await (await fetch(`${url}/v1/hub/status`)).json());
  // The hub serves its branch from its mirror: wait for the first pass (the branch's configuration).
  const hub = hubOf(app);
  if (!hub) throw new Error('the server did not start in branch mode');
  for (let waited = 0; ; waited += 50) {
    const s = await status();
    if ((s.scopes.find((x) => x.scope === branchScope('CN01'))?.upToDateAt ?? null) !== null) break;
    if (waited > 15_000) throw new Error(`the hub did not mirror the centre's branch scope in 15 s: ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    db,
    app,
    deviceId: identity.deviceId,
    cut: () => {
      link.down = true;
    },
    restore: () => {
      link.down = false;
    },
    status,
    warnings,
    async close() {
      await app.close();
      if (!options.db) await db.close();
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}
