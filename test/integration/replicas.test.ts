import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ERRORS } from '@tus/server';
import { createBranch, createEnrolCode } from '../../src/server/admin';
import { recordDossierStatus } from '../../src/server/dossiers';
import { PostgresLeaseLocker } from '../../src/server/blobLocker';
import { diskStorage, readBlobBytes } from '../../src/server/blobStore';
import { keyring } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPostgresDb } from '../../src/server/db/postgresDb';
import { postgresEngine } from './serverHarness';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, EnrolResponse } from '../../src/shared/sync';
import type { BlobToUpload } from '../../src/sync/Transport';
import { uploadBlobWithTus, type FetchLike } from '../../src/sync/tusUpload';

/**
 * The centre as several stateless replicas behind a load balancer: two real server processes
 * (`node --import tsx src/server/main.ts`) on one PostgreSQL database and one blob folder. The
 * kiosk's own tus client uploads scans with consecutive requests sent to alternate processes,
 * connections cut mid-chunk and resumed on the other one; PATCHes of one upload race on both; the
 * per-device quota holds across them. PostgreSQL only (PGlite is one process by design): skipped
 * without TEST_DATABASE_URL, a failure in CI.
 */
const postgresUrl = process.env.TEST_DATABASE_URL;
const CHUNK = 256 * 1024;
/** Both processes get this quota, so that a per-process count would show. */
const MAX_UPLOADS = 4;

describe('replicas: PostgreSQL variant', () => {
  it('runs when TEST_DATABASE_URL is set', () => {
    if (process.env.CI && !postgresUrl) throw new Error('CI is set but TEST_DATABASE_URL is not (scripts/ci-postgres.sh)');
    if (!postgresUrl) console.warn('TEST_DATABASE_URL not set: the two-process blob tests are skipped (scripts/ci-postgres.sh starts PostgreSQL 15)');
  });
});

type Bytes = Uint8Array<ArrayBuffer>;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const scan = (size: number): Bytes => new Uint8Array(randomBytes(size));
const meta = (hash: string) => `sha256 ${Buffer.from(hash).toString('base64')}`;
const toUpload = (bytes: Bytes, uploadUrl: string | null = null): BlobToUpload => ({
  sha256: sha256(bytes),
  size: bytes.length,
  mimeType: 'application/pdf',
  data: new Blob([bytes]),
  uploadUrl,
});

interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
}

/** Starts `src/server/main.ts` on a free port and waits for the URL it prints. */
async function startServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s:\n${output.join('')}`)), 30_000);
    const onData = (data: Buffer) => {
      output.push(data.toString());
      const m = /Central server: (http:\/\/\S+)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (data: Buffer) => output.push(data.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before starting:\n${output.join('')}`));
    });
  });
  return { url, child, output };
}

async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!postgresUrl)('two server processes on one PostgreSQL: tus uploads across replicas', () => {
  let db: Db;
  let dbName: string;
  let blobDir: string;
  /** The replicas' data key (DATA_KEYS), to open what they stored. */
  const dataKey = randomBytes(32);
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    dbName = `hpasc_replicas_${randomUUID().replace(/-/g, '')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(postgresUrl!);
    url.pathname = `/${dbName}`;
    db = openPostgresDb(url.toString());
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    blobDir = await mkdtemp(path.join(tmpdir(), 'hpasc-replicas-'));
    // On PostgreSQL the centre refuses to start without its data keys (dataProtection.ts): both replicas share them.
    const keys = { DATA_KEYS: `replicas:${dataKey.toString('base64')}`, DATA_INDEX_KEY: randomBytes(32).toString('base64') };
    const env = { DATABASE_URL: url.toString(), BLOB_DIR: blobDir, DATA_DIR: blobDir, BLOB_MAX_UPLOADS_PER_DEVICE: String(MAX_UPLOADS), ...keys };
    [a, b] = await Promise.all([startServer('server A', env), startServer('server B', env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
    await db?.close();
    if (dbName) {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.end();
    }
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  const showLogsOnFailure = () =>
    onTestFailed(() => {
      console.error(`server A:\n${a.output.join('')}\nserver B:\n${b.output.join('')}`);
    });

  const enrol = async () => {
    const { code } = await createEnrolCode(db, 'CN01', 'counter', Date.now());
    const deviceId = randomUUID();
    const res = await fetch(`${a.url}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId, role: 'counter' }),
    });
    expect(res.status).toBe(200);
    const { token } = EnrolResponse.parse(await res.json());
    return { deviceId, token, auth: { authorization: `Bearer ${token}` } };
  };

  interface Sent {
    readonly server: 'A' | 'B';
    readonly method: string;
    readonly status: number | 'cut';
    readonly verified: string | null;
  }

  /**
   * The kiosk's fetch, behind a load balancer that sends request n to `route(n)` whatever origin
   * tus-js-client resolved; `cutPatch` (the nth PATCH) is cut after half its body arrived.
   */
  const balanced = (route: (n: number) => 'A' | 'B', sent: Sent[], cutPatch: number | null = null): FetchLike => {
    let n = 0;
    let patches = 0;
    return async (input, init) => {
      const server = route(n++);
      const url = new URL(input);
      const target = `${server === 'A' ? a.url : b.url}${url.pathname}${url.search}`;
      const method = init.method ?? 'GET';
      if (method === 'PATCH' && patches++ === cutPatch && init.body instanceof Uint8Array) {
        const body: Uint8Array = init.body;
        const half = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(body.slice(0, body.length / 2));
          },
          async pull(controller) {
            await new Promise((r) => setTimeout(r, 100));
            controller.error(new Error('connection cut'));
          },
        });
        sent.push({ server, method, status: 'cut', verified: null });
        return fetch(target, { ...init, body: half, duplex: 'half' } as RequestInit);
      }
      const res = await fetch(target, init);
      sent.push({ server, method, status: res.status, verified: res.headers.get('blob-verified') });
      return res;
    };
  };

  const blobRows = (hash: string) => db.query<{ size: unknown; storage_key: string }>('SELECT size, storage_key FROM blobs WHERE sha256 = $1', [hash]);
  const heldBy = async (deviceId: string) =>
    Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM blob_uploads WHERE device_id = $1', [deviceId]))[0]?.n);
  const expectStoredOnce = async (bytes: Bytes) => {
    const rows = await blobRows(sha256(bytes));
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.size)).toBe(bytes.length);
    // Stored sealed; opened with the replicas' key it is the scan.
    expect(
      sha256((await readBlobBytes(db, diskStorage(blobDir), keyring(new Map([['replicas', dataKey]]), 'replicas', randomBytes(32)), sha256(bytes)))!),
    ).toBe(sha256(bytes));
  };

  it('every scan, created on one process, PATCHed on the other, cut mid-chunk and resumed across them, ends verified once with its SHA-256', async () => {
    showLogsOnFailure();
    const device = await enrol();
    for (let i = 0; i < 6; i++) {
      const bytes = scan(700 * 1024 + i * 100 * 1024);
      const sent: Sent[] = [];
      const urls: string[] = [];
      const attempt = (uploadUrl: string | null, route: (n: number) => 'A' | 'B', cutPatch: number | null) =>
        uploadBlobWithTus({
          baseUrl: a.url,
          token: device.token,
          blob: toUpload(bytes, uploadUrl),
          hooks: { onUploadUrl: (url) => void urls.push(url) },
          chunkSize: CHUNK,
          fetchLike: balanced(route, sent, cutPatch),
        }).then(
          () => null,
          (e: unknown) => e,
        );
      // Creation on A, then every request on the other process than the one before; the second
      // PATCH (on A) is cut halfway, and the kiosk resumes from its stored URL starting on B.
      const first = await attempt(null, (n) => (n % 2 === 0 ? 'A' : 'B'), 1);
      // Cut: 'network', or 'blocked' when the kiosk's probe finds the server answering; both retried.
      expect(first).toMatchObject({ retryable: true });
      expect(await blobRows(sha256(bytes))).toEqual([]);
      expect(await attempt(urls[0]!, (n) => (n % 2 === 0 ? 'B' : 'A'), null)).toBeNull();

      expect(new Set(sent.map((s) => s.server))).toEqual(new Set(['A', 'B']));
      expect(sent.filter((s) => typeof s.status === 'number' && s.status >= 500)).toEqual([]);
      expect(sent.filter((s) => s.verified !== null).map((s) => s.verified)).toEqual([sha256(bytes)]);
      await expectStoredOnce(bytes);
      for (const server of [a, b]) {
        expect((await fetch(`${server.url}${BLOB_BY_HASH_PATH}/${sha256(bytes)}`, { method: 'HEAD', headers: device.auth })).status).toBe(200);
      }
      const uploadId = urls[0]!.split('/').pop()!;
      expect(existsSync(path.join(blobDir, 'uploads', uploadId))).toBe(false);
    }
    expect(await heldBy(device.deviceId)).toBe(0);
    expect(Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM blob_upload_locks'))[0]?.n)).toBe(0);
  });

  it('PATCHes of one upload racing on both processes never corrupt it: one writer at a time, verified once', async () => {
    showLogsOnFailure();
    const device = await enrol();
    const size = 512 * 1024;
    /**
     * A PATCH of the whole file from offset 0 whose headers go at once and whose body trickles in
     * over `ms` after a pause: both requests pass tus's offset check (0) before either writes a
     * byte, so only the lock keeps them apart.
     */
    const slowPatch = (server: ServerProcess, location: string, bytes: Bytes, ms: number) =>
      new Promise<{ status: number | 'cut'; verified: string | null; ms: number }>((resolve) => {
        const started = performance.now();
        const pieces = 32;
        const piece = bytes.length / pieces;
        let answered = false;
        let timer: NodeJS.Timeout | undefined;
        const done = (status: number | 'cut', verified: string | null) => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          resolve({ status, verified, ms: performance.now() - started });
        };
        const req = http.request(`${server.url}${location}`, {
          method: 'PATCH',
          headers: {
            ...device.auth,
            'tus-resumable': '1.0.0',
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
            'content-length': String(bytes.length),
          },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0, (res.headers['blob-verified'] as string | undefined) ?? null));
          res.on('error', () => done('cut', null));
        });
        // Cut by the server when it let go of the upload for the other request.
        req.on('error', () => done('cut', null));
        req.flushHeaders();
        let i = 0;
        const next = () => {
          if (answered || req.destroyed) return;
          if (i === pieces) return void req.end();
          req.write(bytes.subarray(i * piece, (i + 1) * piece));
          i++;
          timer = setTimeout(next, ms / pieces);
        };
        timer = setTimeout(next, 200);
      });

    const locations: string[] = [];
    // Fast bodies race for the lock; slow ones make the holder let go when the other asks.
    for (const ms of [300, 300, 300, 300, 300, 300, 6000, 6000]) {
      const bytes = scan(size);
      const created = await fetch(`${a.url}${BLOB_TUS_PATH}`, {
        method: 'POST',
        headers: { ...device.auth, 'tus-resumable': '1.0.0', 'upload-length': String(size), 'upload-metadata': meta(sha256(bytes)) },
      });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      locations.push(location);
      const answers = await Promise.all([slowPatch(a, location, bytes, ms), slowPatch(b, location, bytes, ms)]);
      expect(
        answers.filter((x) => typeof x.status === 'number' && x.status >= 500),
        JSON.stringify(answers),
      ).toEqual([]);
      expect(answers.filter((x) => x.verified !== null).length, JSON.stringify(answers)).toBeLessThanOrEqual(1);
      if (ms > 1000) {
        // The holder was asked to let go (across processes) instead of keeping the other waiting
        // for its whole body.
        expect(Math.min(...answers.map((x) => x.ms)), JSON.stringify(answers)).toBeLessThan(ms * 0.75);
      }
      // Whatever stood after the race, the kiosk's resume finishes it.
      if (answers.every((x) => x.verified === null)) {
        const resumed = await uploadBlobWithTus({
          baseUrl: b.url,
          token: device.token,
          blob: toUpload(bytes, `${b.url}${location}`),
          hooks: { onUploadUrl: () => undefined },
        });
        expect(resumed).toBeUndefined();
      }
      await expectStoredOnce(bytes);
      expect(existsSync(path.join(blobDir, 'uploads', location.split('/').pop()!))).toBe(false);
    }
    expect(await heldBy(device.deviceId)).toBe(0);
    const left = await readdir(path.join(blobDir, 'uploads'));
    expect(left.filter((f) => locations.some((location) => location.endsWith(f.replace(/\.json$/, ''))))).toEqual([]);
  });

  it('the per-device quota counts the uploads a device holds on every process, and frees on either', async () => {
    showLogsOnFailure();
    const device = await enrol();
    const create = (server: ServerProcess, bytes: Bytes) =>
      fetch(`${server.url}${BLOB_TUS_PATH}`, {
        method: 'POST',
        headers: { ...device.auth, 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': meta(sha256(bytes)) },
      });
    const first = scan(1024);
    const locations: string[] = [];
    for (const [i, server] of [a, b, a, b].entries()) {
      const res = await create(server, i === 0 ? first : scan(1024));
      expect(res.status).toBe(201);
      locations.push(res.headers.get('location')!);
    }
    for (const server of [a, b]) {
      const over = await create(server, scan(1024));
      expect(over.status).toBe(429);
      expect(((await over.json()) as { code: string }).code).toBe('blob.quota-exceeded');
    }
    // Finished on B, created on A: the place is free on both.
    const done = await fetch(`${b.url}${locations[0]}`, {
      method: 'PATCH',
      headers: { ...device.auth, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: first,
    });
    expect(done.headers.get('blob-verified')).toBe(sha256(first));
    expect((await create(a, scan(1024))).status).toBe(201);
    expect((await create(b, scan(1024))).status).toBe(429);
  });

  it('look-up limits are shared: guesses at one code spread over both processes wait as one, and one address is counted once', async () => {
    showLogsOnFailure();
    const code = '000.00.21.H26-261124-0099';
    await recordDossierStatus(db, {
      code,
      branchCode: 'CN01',
      lookupSecret: 'HN7Q2WXZ',
      status: 'ready',
      statusAt: Date.now(),
      appointmentDate: null,
      note: '',
    });
    const lookup = async (server: ServerProcess, body: { code: string; secret: string }) => {
      const res = await fetch(`${server.url}/v1/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.text();
      return res.status;
    };
    // Per code: 3 free tries and the one after them, whichever process answers; then waits.
    const guesses: number[] = [];
    for (let i = 0; i < 10; i++) guesses.push(await lookup(i % 2 === 0 ? a : b, { code, secret: `HN7Q2WX${'ABCDEFGHJK'[i]}` }));
    expect(guesses).toEqual([404, 404, 404, 404, 429, 429, 429, 429, 429, 429]);
    // Per address (this test's 127.0.0.1, both processes): 20 a minute in all, not 20 each.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await lookup(i % 2 === 0 ? a : b, { code: `000.00.21.H26-261124-${2000 + i}`, secret: 'HN7Q2WXA' }));
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(404));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});

describe.skipIf(!postgresUrl)('the lease locker: two lockers on one database, as two processes', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  const lockers: PostgresLeaseLocker[] = [];
  const locker = () => {
    const l = new PostgresLeaseLocker(db, { leaseMs: 1500, renewEveryMs: 100, giveUpAfterMs: 600, acquireTimeoutMs: 5000 });
    lockers.push(l);
    return l;
  };
  const uploadId = () => randomBytes(16).toString('hex');
  const never = () => new AbortController().signal;

  beforeAll(async () => {
    ({ db, dispose } = await postgresEngine!.open());
    await migrate(db);
  });
  afterAll(async () => {
    for (const l of lockers) await l.close();
    await dispose?.();
  });

  it('one holder at a time; a waiter in another process makes the holder let go', async () => {
    const [one, two] = [locker(), locker()];
    const id = uploadId();
    const events: string[] = [];
    const first = one.newLock(id);
    await first.lock(never(), () => {
      events.push('one asked to let go');
      void first.unlock().then(() => events.push('one unlocked'));
    });
    const second = two.newLock(id);
    await second.lock(never(), () => undefined);
    events.push('two locked');
    expect(events).toEqual(['one asked to let go', 'one unlocked', 'two locked']);
    await second.unlock();
    expect(await db.query('SELECT 1 FROM blob_upload_locks WHERE upload_id = $1', [id])).toEqual([]);
  });

  it('a holder whose lease was taken, or that cannot reach the database, is told to stop before its lease ends', async () => {
    const patient = { leaseMs: 4000, renewEveryMs: 100, giveUpAfterMs: 2000 };
    const one = new PostgresLeaseLocker(db, patient);
    lockers.push(one);
    const id = uploadId();
    let toldAfter: number | null = null;
    let taken = 0;
    const held = one.newLock(id);
    await held.lock(never(), () => {
      toldAfter ??= performance.now() - taken;
    });
    await db.query("UPDATE blob_upload_locks SET token = 'another process' WHERE upload_id = $1", [id]);
    taken = performance.now();
    // At its next renewal, well before it would give up for want of renewals.
    await expect.poll(() => toldAfter, { timeout: 3000 }).not.toBeNull();
    expect(toldAfter).toBeLessThan(1000);
    await held.unlock();

    // Cut off: its own connection pool is closed, so no renewal gets through.
    const url = new URL(postgresUrl!);
    url.pathname = `/${(await db.query<{ name: string }>('SELECT current_database() AS name'))[0]!.name}`;
    const ownDb = openPostgresDb(url.toString());
    const cut = new PostgresLeaseLocker(ownDb, patient);
    const lonely = cut.newLock(uploadId());
    let toldAt: number | null = null;
    await lonely.lock(never(), () => {
      toldAt ??= performance.now();
    });
    const lockedAt = performance.now();
    await ownDb.close();
    await expect.poll(() => toldAt, { timeout: 5000 }).not.toBeNull();
    expect(toldAt! - lockedAt).toBeGreaterThanOrEqual(patient.giveUpAfterMs - 100);
    expect(toldAt! - lockedAt).toBeLessThan(patient.leaseMs - 1000);
    await cut.close();
  });

  it('a dead process’s lease expires; a waiter gives up in time or when its request ends', async () => {
    // A process that died holding a lease: nobody renews it, the next holder gets it once it expires.
    const dead = uploadId();
    await db.query("INSERT INTO blob_upload_locks (upload_id, token, expires_at) VALUES ($1, 'dead', clock_timestamp() + interval '800 milliseconds')", [dead]);
    const started = performance.now();
    const after = locker().newLock(dead);
    await after.lock(never(), () => undefined);
    expect(performance.now() - started).toBeGreaterThan(500);
    await after.unlock();

    const stuck = uploadId();
    await db.query("INSERT INTO blob_upload_locks (upload_id, token, expires_at) VALUES ($1, 'dead', clock_timestamp() + interval '1 hour')", [stuck]);
    const impatient = new PostgresLeaseLocker(db, { acquireTimeoutMs: 300 });
    lockers.push(impatient);
    await expect(impatient.newLock(stuck).lock(never(), () => undefined)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    const aborted = new AbortController();
    const waiting = locker()
      .newLock(stuck)
      .lock(aborted.signal, () => undefined);
    aborted.abort();
    await expect(waiting).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
  });
});
