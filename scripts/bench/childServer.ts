import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createInterface } from 'node:readline';
import { createEnrolCode } from '../../src/server/admin';
import { diskStorage, readBlobBytes } from '../../src/server/blobStore';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { fixedClock, systemClock } from '../../src/shared/clock';
import { queueSettings, queueToday } from '../../src/server/queue';
import { QUEUE_BENCH_SLOTS } from './queue.bench';
import { startShapingProxy } from '../../test/support/shapingProxy';
import type { Db } from '../../src/server/db/Db';
import { BRANCH, benchBranch, benchBranchAllSlots, countingDb, freshPostgresDb, postgresDurability, startBenchServer } from './syncFixtures';

/**
 * A server for the drain bench in a process of its own, as in real life (the kiosk and the
 * central server are different machines): the kiosk's work and the server's run in parallel on
 * the two cores, for ours and for PouchDB alike.
 *   tsx scripts/bench/childServer.ts kiosk [postgres <url>] → central server on PGlite in a
 *     temporary folder (as `npm start` runs it), or on a fresh database of that PostgreSQL
 *   tsx scripts/bench/childServer.ts pouch   → express-pouchdb on the memory adapter
 *   tsx scripts/bench/childServer.ts centre  → the server with its blob routes, for the link bench
 *   tsx scripts/bench/childServer.ts link …  → the shaping proxy in front of it
 *   tsx scripts/bench/childServer.ts plain   → the blob bench's baseline: PUT bodies written to files
 *   tsx scripts/bench/childServer.ts queue   → the queue owner on PGlite in a folder (a hub), real clock;
 *     `enrol <citizen|counter>` → {code}, `today` → {day} (the queue's day now)
 * Prints one JSON line {baseUrl, …} when ready; then answers stdin commands with one JSON line:
 * `enrol` → {code}, `stats` → {tickets, transactions, txMs, queries, txQueries}, `reset` → {},
 * `durability` → PostgreSQL's fsync/synchronous_commit/full_page_writes (null on PGlite).
 */
async function kiosk(): Promise<void> {
  const clock = fixedClock(Date.UTC(2026, 10, 24, 1));
  const [engine, url] = process.argv.slice(3);
  // PGlite in a folder, as `npm start` runs it; postgres <url>: a fresh database on that
  // cluster, dropped at the end.
  let dispose: () => Promise<void>;
  let db: Db;
  if (engine === 'postgres') {
    if (!url) throw new Error('usage: childServer.ts kiosk postgres <url>');
    const fresh = await freshPostgresDb(url);
    db = fresh.db;
    dispose = fresh.dispose;
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-drain-pglite-'));
    db = await openPgliteDb(dir);
    dispose = async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const counted = countingDb(db);
  const server = await startBenchServer(counted.db, clock, benchBranch());
  console.log(JSON.stringify({ baseUrl: server.baseUrl }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'enrol') console.log(JSON.stringify({ code: (await createEnrolCode(counted.db, BRANCH, 'citizen', clock.now())).code }));
    else if (line === 'reset') {
      counted.reset();
      console.log('{}');
    } else if (line === 'stats') {
      const tickets = Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM tickets'))[0]?.n);
      console.log(JSON.stringify({ tickets, ...counted.counters }));
    } else if (line === 'durability') {
      console.log(JSON.stringify(engine === 'postgres' ? await postgresDurability(db) : null));
    }
  }
  await server.close();
  await dispose();
}

async function pouch(): Promise<void> {
  const require = createRequire(import.meta.url);
  const PouchDB = (require('pouchdb-core') as { plugin(p: unknown): unknown }).plugin(require('pouchdb-adapter-memory')) as {
    defaults(o: object): unknown;
  };
  const express = require('express') as () => { use(path: string, handler: unknown): void; listen(port: number, host: string, cb: () => void): Server };
  const expressPouchDb = require('express-pouchdb') as (pouch: unknown, options: object) => unknown;
  const app = express();
  app.use('/', expressPouchDb(PouchDB.defaults({ adapter: 'memory' }), { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const httpServer = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  console.log(JSON.stringify({ baseUrl: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` }));
  for await (const line of createInterface({ input: process.stdin })) void line;
  httpServer.close();
}

/**
 * The centre for the link bench: blob routes on a temporary folder, scans sealed as in production.
 * `enrol` → {code} (a counter); `received <deviceId> <sha256,…>` → what the centre holds from that
 * device: records by kind, its dossiers with their missing scans, its unfinished uploads, and the
 * SHA-256 of each named scan as read back (decrypted) from the store, null when absent.
 */
async function centre(): Promise<void> {
  const clock = fixedClock(Date.UTC(2026, 10, 24, 1));
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-link-bench-'));
  const pglite = await openPgliteDb(null);
  const protection = ephemeralDataProtection();
  const blobDir = path.join(dir, 'blobs');
  const server = await startBenchServer(pglite, clock, benchBranch(), { blobDir, dataProtection: protection });
  console.log(JSON.stringify({ baseUrl: server.baseUrl }));
  const count = async (sql: string, params: unknown[]) => Number((await pglite.query<{ n: unknown }>(sql, params))[0]?.n);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, deviceId = '', hashes = ''] = line.split(' ');
    if (command === 'enrol') console.log(JSON.stringify({ code: (await createEnrolCode(pglite, BRANCH, 'counter', clock.now())).code }));
    else if (command === 'received') {
      const stored: Record<string, string | null> = {};
      for (const sha of hashes.split(',').filter(Boolean)) {
        const bytes = await readBlobBytes(pglite, diskStorage(blobDir), protection, sha);
        stored[sha] = bytes ? createHash('sha256').update(bytes).digest('hex') : null;
      }
      const dossiers = await pglite.query<{ code: string; blobs_missing: unknown }>('SELECT code, blobs_missing FROM received_dossiers WHERE device_id = $1', [
        deviceId,
      ]);
      console.log(
        JSON.stringify({
          tickets: await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [deviceId]),
          ratings: await count('SELECT count(*) AS n FROM ratings WHERE device_id = $1', [deviceId]),
          dossiers: dossiers.map((d) => ({ code: d.code, blobsMissing: Number(d.blobs_missing) })),
          unfinishedUploads: await count('SELECT count(*) AS n FROM blob_uploads WHERE device_id = $1', [deviceId]),
          stored,
        }),
      );
    }
  }
  await server.close();
  await pglite.close();
  await rm(dir, { recursive: true, force: true });
}

/** The queue owner for the queue bench: PGlite in a temporary folder, as a branch hub runs it, and the real clock. */
async function queue(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-queue-bench-'));
  const db = await openPgliteDb(dir);
  const server = await startBenchServer(db, systemClock, benchBranchAllSlots(QUEUE_BENCH_SLOTS));
  console.log(JSON.stringify({ baseUrl: server.baseUrl }));
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, role] = line.split(' ');
    if (command === 'enrol')
      console.log(JSON.stringify({ code: (await createEnrolCode(db, BRANCH, role === 'counter' ? 'counter' : 'citizen', systemClock.now())).code }));
    else if (command === 'today') console.log(JSON.stringify({ day: queueToday(await queueSettings(db, BRANCH), systemClock.now()) }));
  }
  await server.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}

/**
 * The link for the link bench, in a process of its own so that the kiosk's work (Dexie, WebCrypto)
 * never holds the link's timers back: `link <target URL> <bits/s each way> <RTT ms>`.
 * `cut <bytes>|none` sets cutEvery → {}; `stats` → the proxy's counters.
 */
async function link(): Promise<void> {
  const [target, bps, rtt] = process.argv.slice(3);
  const proxy = await startShapingProxy(new URL(target ?? ''), {
    upBitsPerSecond: Number(bps),
    downBitsPerSecond: Number(bps),
    rttMs: Number(rtt),
  });
  console.log(JSON.stringify({ baseUrl: proxy.url }));
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, arg] = line.split(' ');
    if (command === 'cut') {
      proxy.cutEvery = arg === 'none' ? null : Number(arg);
      console.log('{}');
    } else if (command === 'stats') {
      const { bytesIn, bytesOut, bytesOffered, connections, cuts } = proxy;
      console.log(JSON.stringify({ bytesIn, bytesOut, bytesOffered, connections, cuts }));
    }
  }
  await proxy.close();
}

/** The blob bench's baseline: a minimal node:http server that writes each PUT's body to a file, nothing else. */
async function plain(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-plain-put-'));
  const server = http.createServer((req, res) => {
    pipeline(req, createWriteStream(path.join(dir, randomUUID()))).then(
      () => res.writeHead(204).end(),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(JSON.stringify({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  for await (const line of createInterface({ input: process.stdin })) void line;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
}

const mode = process.argv[2];
const modes: Record<string, () => Promise<void>> = { kiosk, pouch, centre, link, queue, plain };
(modes[mode ?? ''] ?? (() => Promise.reject(new Error('usage: childServer.ts kiosk|pouch|centre|link|queue|plain'))))().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
