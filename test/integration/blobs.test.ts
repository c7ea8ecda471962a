import { dbEngines } from './engines';
import { startShapingProxy, type ShapingProxy } from '../support/shapingProxy';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBranch, createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { sweepAbandonedUploads } from '../../src/server/blobs';
import { diskStorage, readBlobBytes } from '../../src/server/blobStore';
import { resolveDataProtection } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { fixedClock } from '../../src/shared/clock';
import type { DeviceRole } from '../../src/shared/deviceConfig';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, EnrolResponse, MAX_BLOB_BYTES } from '../../src/shared/sync';
import { TransportError, type BlobToUpload } from '../../src/sync/Transport';
import { mustRestartUpload, uploadBlobWithTus, type FetchLike } from '../../src/sync/tusUpload';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { BLOBS_KNOWN_PATH, MAX_BLOBS_KNOWN } from '../../src/shared/blobsKnown';

/**
 * Blob upload over tus against the real server (port 0) with a temporary blob folder, on PGlite
 * and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database. A byte-counting TCP proxy
 * in front of the server measures what reaches it and can cut the connection mid-upload.
 */
const engines = dbEngines;

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const DAY = 24 * 3600 * 1000;
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
type Bytes = Uint8Array<ArrayBuffer>;
const scan = (size: number): Bytes => new Uint8Array(randomBytes(size));
const toUpload = (bytes: Bytes, overrides: Partial<BlobToUpload> = {}): BlobToUpload => ({
  sha256: sha256(bytes),
  size: bytes.length,
  mimeType: 'application/pdf',
  data: new Blob([bytes]),
  uploadUrl: null,
  ...overrides,
});

describe.each(engines)('blobs over tus on $name', (engine) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let blobDir: string;
  let proxy: ShapingProxy;
  const clock = fixedClock(START);

  beforeAll(async () => {
    ({ db, dispose } = await engine.open());
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    await createBranch(db, 'CN02', 'Chi nhánh số 2');
    blobDir = await mkdtemp(path.join(tmpdir(), 'hpasc-blobs-'));
    app = buildServer({ db, clock, version: 'test', blobDir });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    proxy = await startShapingProxy(new URL(base));
  });
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
    await dispose?.();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  /** A counter by default: the role that uploads scans (BLOB_UPLOAD_ROLES). */
  const enrol = async (branch = 'CN01', role: DeviceRole = 'counter', deviceId: string = randomUUID(), boundCode = false) => {
    const { code } = await createEnrolCode(db, branch, role, clock.now(), undefined, boundCode ? deviceId : null);
    const res = await fetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId, role }),
    });
    expect(res.status).toBe(200);
    const { token } = EnrolResponse.parse(await res.json());
    return { deviceId, token, auth: { authorization: `Bearer ${token}` } };
  };

  const upload = async (token: string, blob: BlobToUpload, extra: { baseUrl?: string; chunkSize?: number; fetchLike?: FetchLike } = {}) => {
    const urls: string[] = [];
    const result = await uploadBlobWithTus({
      baseUrl: extra.baseUrl ?? base,
      token,
      blob,
      hooks: { onUploadUrl: (url) => void urls.push(url) },
      ...extra,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    return { error: result, urls };
  };

  const blobRow = async (hash: string) =>
    (
      await db.query<{ size: unknown; storage_key: string; branch_code: string; device_id: string }>(
        'SELECT size, storage_key, branch_code, device_id FROM blobs WHERE sha256 = $1',
        [hash],
      )
    )[0];
  const headByHash = (hash: string, auth: Record<string, string>) => fetch(`${base}${BLOB_BY_HASH_PATH}/${hash}`, { method: 'HEAD', headers: auth });
  const uploadIdOf = (url: string) => url.split('/').pop()!;
  const tus = (urlPath: string, method: string, headers: Record<string, string>, body?: Bytes) =>
    fetch(`${base}${urlPath}`, { method, headers: { 'tus-resumable': '1.0.0', ...headers }, ...(body ? { body } : {}) });
  const meta = (hash: string) => `sha256 ${Buffer.from(hash).toString('base64')}`;

  it('sends no byte of a scan before its upload URL is stored (a crash then resumes instead of leaving an orphan upload)', async () => {
    const device = await enrol();
    const blob = toUpload(scan(300_000));
    const events: string[] = [];
    const fetchLike: FetchLike = async (input, init) => {
      events.push(init?.method ?? 'GET');
      return fetch(input, init);
    };
    await uploadBlobWithTus({
      baseUrl: base,
      token: device.token,
      blob,
      fetchLike,
      // The kiosk stores the URL in IndexedDB: slower than the next request would be.
      hooks: { onUploadUrl: () => new Promise<void>((resolve) => setTimeout(() => (events.push('url stored'), resolve()), 50)) },
    });
    expect(events.slice(0, 3)).toEqual(['POST', 'url stored', 'PATCH']);
  });

  it('uploads a 2 MB scan, verifies its hash, stores it by content and answers HEAD 200', async () => {
    const device = await enrol();
    const bytes = scan(2 * 1024 * 1024);
    const blob = toUpload(bytes);
    expect((await headByHash(blob.sha256, device.auth)).status).toBe(404);

    const { error, urls } = await upload(device.token, blob);
    expect(error).toBeNull();
    expect(urls[0]).toMatch(new RegExp(`${BLOB_TUS_PATH}/[0-9a-f]{32}$`));

    const head = await headByHash(blob.sha256, device.auth);
    expect(head.status).toBe(200);
    expect(head.headers.get('blob-size')).toBe(String(bytes.length));
    const get = await fetch(`${base}${BLOB_BY_HASH_PATH}/${blob.sha256}`, { headers: device.auth });
    expect(await get.json()).toEqual({ sha256: blob.sha256, size: bytes.length });

    const row = await blobRow(blob.sha256);
    expect(row).toMatchObject({ branch_code: 'CN01', device_id: device.deviceId });
    expect(row?.storage_key).toBe(`sha256/${blob.sha256.slice(0, 2)}/${blob.sha256}.${uploadIdOf(urls[0]!)}.sealed`);
    expect(Number(row?.size)).toBe(bytes.length);
    // Stored sealed (privacy.test.ts checks the bytes); read back through the data key, it is the scan.
    expect(sha256(await readFile(path.join(blobDir, row!.storage_key)))).not.toBe(blob.sha256);
    expect(sha256((await readBlobBytes(db, diskStorage(blobDir), resolveDataProtection(undefined), blob.sha256))!)).toBe(blob.sha256);
    // The tus working copy is gone once promoted.
    expect(existsSync(path.join(blobDir, 'uploads', uploadIdOf(urls[0]!)))).toBe(false);
  });

  it('resumes an upload cut at ~50% from the stored URL, sending only the remaining bytes', async () => {
    const device = await enrol();
    const size = 2 * 1024 * 1024;
    const chunkSize = 512 * 1024;
    const bytes = scan(size);
    const blob = toUpload(bytes);
    // Upload-Offset of every PATCH, per attempt.
    const attempts: number[][] = [];
    const recording: FetchLike = (input, init) => {
      if (init.method === 'PATCH') attempts.at(-1)!.push(Number((init.headers as Record<string, string>)['Upload-Offset']));
      return fetch(input, init);
    };

    proxy.bytesIn = 0;
    proxy.cutAfter = size / 2;
    attempts.push([]);
    const first = await upload(device.token, blob, { baseUrl: proxy.url, chunkSize, fetchLike: recording });
    expect(first.error).toBeInstanceOf(TransportError);
    expect((first.error as TransportError).kind).toBe('network');
    expect((first.error as TransportError).retryable).toBe(true);
    expect(first.urls).toHaveLength(1);
    expect(await blobRow(blob.sha256)).toBeUndefined();

    proxy.cutAfter = null;
    attempts.push([]);
    const second = await upload(device.token, { ...blob, uploadUrl: first.urls[0]! }, { baseUrl: proxy.url, chunkSize, fetchLike: recording });
    expect(second.error).toBeNull();
    expect(second.urls).toEqual([first.urls[0]]);
    expect(await blobRow(blob.sha256)).toBeDefined();

    // The resumed attempt started where the server stood (the bytes of the cut PATCH that
    // arrived were kept), not at 0 …
    const resumedAt = attempts[1]![0]!;
    expect(attempts[0]![0]).toBe(0);
    expect(resumedAt).toBeGreaterThan(size / 2 - chunkSize);
    expect(resumedAt).toBeLessThanOrEqual(size / 2);
    // … and, over both attempts, the server received the file once plus at most one chunk
    // (plus request headers: a few hundred bytes per request).
    const overhead = proxy.bytesIn - size;
    expect(overhead).toBeGreaterThanOrEqual(0);
    expect(overhead).toBeLessThanOrEqual(chunkSize + 16 * 1024);
  });

  it('resumes on a restarted server, which knows the upload only from its store (owner and hash read back)', async () => {
    const device = await enrol();
    const other = await enrol();
    const bytes = scan(600 * 1024);
    const hash = sha256(bytes);
    const created = await tus(BLOB_TUS_PATH, 'POST', { ...device.auth, 'upload-length': String(bytes.length), 'upload-metadata': meta(hash) });
    const location = created.headers.get('location')!;
    const half = await tus(
      location,
      'PATCH',
      { ...device.auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      bytes.slice(0, 300 * 1024),
    );
    expect(half.status).toBe(204);

    // A second server on the same database and folder: a restart, or another replica.
    const restarted = buildServer({ db, clock, version: 'test', blobDir });
    const restartedBase = await restarted.listen({ port: 0, host: '127.0.0.1' });
    try {
      const at = (who: Record<string, string>, method: string, headers: Record<string, string> = {}, body?: Bytes) =>
        fetch(`${restartedBase}${location}`, { method, headers: { 'tus-resumable': '1.0.0', ...who, ...headers }, ...(body ? { body } : {}) });
      expect((await at(other.auth, 'HEAD')).status).toBe(404);
      const head = await at(device.auth, 'HEAD');
      expect(head.headers.get('upload-offset')).toBe(String(300 * 1024));
      const rest = await at(
        device.auth,
        'PATCH',
        { 'upload-offset': String(300 * 1024), 'content-type': 'application/offset+octet-stream' },
        bytes.slice(300 * 1024),
      );
      expect(rest.status).toBe(204);
      expect(rest.headers.get('blob-verified')).toBe(hash);
    } finally {
      await restarted.close();
    }
    expect(await blobRow(hash)).toBeDefined();
  });

  it('rejects a corrupted upload with blob.hash-mismatch, keeps nothing, and accepts a correct retry', async () => {
    const device = await enrol();
    const bytes = scan(300 * 1024);
    const corrupted = bytes.slice();
    corrupted[1234] = corrupted[1234]! ^ 0xff;
    const declared = sha256(bytes);

    const bad = await upload(device.token, toUpload(corrupted, { sha256: declared }));
    expect(bad.error).toBeInstanceOf(TransportError);
    const err = bad.error as TransportError;
    expect(err).toMatchObject({ kind: 'protocol', status: 422 });
    expect(err.wire.code).toBe('blob.hash-mismatch');
    expect(mustRestartUpload(err)).toBe(true);
    expect(await blobRow(declared)).toBeUndefined();
    const id = uploadIdOf(bad.urls[0]!);
    expect(existsSync(path.join(blobDir, 'uploads', id))).toBe(false);
    expect(existsSync(path.join(blobDir, 'uploads', `${id}.json`))).toBe(false);
    expect((await headByHash(declared, device.auth)).status).toBe(404);
    expect((await tus(`${BLOB_TUS_PATH}/${id}`, 'HEAD', device.auth)).status).toBe(404);

    const good = await upload(device.token, toUpload(bytes));
    expect(good.error).toBeNull();
    expect(good.urls[0]).not.toBe(bad.urls[0]);
    expect((await headByHash(declared, device.auth)).status).toBe(200);
  });

  it('refuses unauthenticated, revoked, other-device and other-branch access', async () => {
    const owner = await enrol('CN01');
    const sameBranch = await enrol('CN01');
    const otherBranch = await enrol('CN02');
    const bytes = scan(64 * 1024);
    const hash = sha256(bytes);

    expect((await tus(BLOB_TUS_PATH, 'POST', { 'upload-length': '10', 'upload-metadata': meta(hash) })).status).toBe(401);
    expect(
      (await tus(BLOB_TUS_PATH, 'POST', { authorization: 'Bearer not-a-real-token-but-long-enough', 'upload-length': '10', 'upload-metadata': meta(hash) }))
        .status,
    ).toBe(401);
    expect((await headByHash(hash, {})).status).toBe(401);

    // An upload in progress belongs to its device.
    const created = await tus(BLOB_TUS_PATH, 'POST', { ...owner.auth, 'upload-length': String(bytes.length), 'upload-metadata': meta(hash) });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect((await tus(location, 'HEAD', owner.auth)).status).toBe(200);
    expect((await tus(location, 'HEAD', sameBranch.auth)).status).toBe(404);
    const stolen = await tus(location, 'PATCH', { ...sameBranch.auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, bytes);
    expect(stolen.status).toBe(404);
    expect((await tus(location, 'DELETE', otherBranch.auth)).status).toBe(404);
    const finished = await tus(location, 'PATCH', { ...owner.auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, bytes);
    expect(finished.status).toBe(204);
    expect(finished.headers.get('blob-verified')).toBe(hash);

    // Verified blobs are visible to the branch only.
    expect((await headByHash(hash, sameBranch.auth)).status).toBe(200);
    expect((await headByHash(hash, otherBranch.auth)).status).toBe(404);

    await revokeDevice(db, owner.deviceId, clock.now());
    expect((await headByHash(hash, owner.auth)).status).toBe(401);
    const revoked = await upload(owner.token, toUpload(scan(1024)));
    expect(revoked.error).toMatchObject({ kind: 'auth', status: 401 });
    expect((revoked.error as TransportError).wire.code).toBe('auth.revoked');
  });

  it('lets every branch that uploaded identical bytes read them by hash, and no branch that did not (no existence oracle)', async () => {
    await createBranch(db, 'CN03', 'Chi nhánh số 3');
    const first = await enrol('CN01');
    const second = await enrol('CN02');
    const third = await enrol('CN03');
    const held = toUpload(scan(48 * 1024));
    const known = (token: string) =>
      createHttpTransport({ baseUrl: base, token: () => token }).blobsKnown!([held.sha256]).then((k) => (k === null ? null : k.verified));
    expect((await upload(first.token, held)).error).toBeNull();
    expect((await headByHash(held.sha256, second.auth)).status).toBe(404);
    expect(await known(second.token)).toEqual(new Set());

    // The second branch proves it holds the bytes by uploading them: the upload verifies and it now owns the blob.
    const again = await upload(second.token, held);
    expect(again.error).toBeNull();
    for (const device of [first, second]) {
      expect((await headByHash(held.sha256, device.auth)).status).toBe(200);
      const get = await fetch(`${base}${BLOB_BY_HASH_PATH}/${held.sha256}`, { headers: device.auth });
      expect(await get.json()).toEqual({ sha256: held.sha256, size: held.size });
      expect(await known(device.token)).toEqual(new Set([held.sha256]));
    }
    expect((await headByHash(held.sha256, third.auth)).status).toBe(404);
    expect((await fetch(`${base}${BLOB_BY_HASH_PATH}/${held.sha256}`, { headers: third.auth })).status).toBe(404);
    expect(await known(third.token)).toEqual(new Set());

    // Stored once: one row (the first uploader's), two owners, one sealed file.
    expect(await blobRow(held.sha256)).toMatchObject({ branch_code: 'CN01', device_id: first.deviceId });
    const owners = await db.query<{ branch_code: string; device_id: string }>(
      'SELECT branch_code, device_id FROM blob_owners WHERE sha256 = $1 ORDER BY branch_code',
      [held.sha256],
    );
    expect(owners).toEqual([
      { branch_code: 'CN01', device_id: first.deviceId },
      { branch_code: 'CN02', device_id: second.deviceId },
    ]);
    const files = await readdir(path.join(blobDir, 'sha256', held.sha256.slice(0, 2)));
    expect(files.filter((f) => f.startsWith(held.sha256))).toHaveLength(1);
  });

  it('answers which of many hashes it holds verified for the branch in one request (POST /v1/blobs/known), as HEAD by hash would one by one', async () => {
    const owner = await enrol('CN01');
    const sameBranch = await enrol('CN01');
    const otherBranch = await enrol('CN02');
    const held = toUpload(scan(32 * 1024));
    expect((await upload(owner.token, held)).error).toBeNull();
    const unknown = sha256(scan(16));
    const known = (token: string, baseUrl = base) =>
      createHttpTransport({ baseUrl, token: () => token }).blobsKnown!([unknown, held.sha256, held.sha256]).then((k) => (k === null ? null : k.verified));

    expect(await known(sameBranch.token)).toEqual(new Set([held.sha256]));
    expect(await known(otherBranch.token)).toEqual(new Set());
    const ask = (body: unknown, auth: Record<string, string> = owner.auth) =>
      fetch(`${base}${BLOBS_KNOWN_PATH}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await ask({ sha256: [held.sha256] }, {})).status).toBe(401);
    for (const bad of [
      {},
      { sha256: [] },
      { sha256: [held.sha256.toUpperCase()] },
      { sha256: Array(MAX_BLOBS_KNOWN + 1).fill(unknown) },
      { sha256: [unknown], more: 1 },
    ]) {
      const res = await ask(bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('blob.bad-hash');
    }
    // More hashes than one request carries: the transport asks in several.
    const many = [...Array.from({ length: MAX_BLOBS_KNOWN + 3 }, () => sha256(scan(8))), held.sha256];
    expect(await createHttpTransport({ baseUrl: base, token: () => owner.token }).blobsKnown!(many)).toEqual({
      verified: new Set([held.sha256]),
      held: new Set(),
    });

    // A centre without the route (older, or without blob storage): the kiosk is told to ask per blob.
    const older = buildServer({ db, clock, version: 'test', blobDir: null });
    const olderBase = await older.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(await known(owner.token, olderBase)).toBeNull();
    } finally {
      await older.close();
    }
  });

  it('answers malformed tus and hash requests with 4xx, never 500', async () => {
    const { auth } = await enrol();
    const hash = sha256(scan(16));
    const cases: [string, string, Record<string, string>, number][] = [
      ['no sha256 metadata', 'POST', { 'upload-length': '10' }, 400],
      ['upper-case sha256', 'POST', { 'upload-length': '10', 'upload-metadata': meta(hash.toUpperCase()) }, 400],
      ['short sha256', 'POST', { 'upload-length': '10', 'upload-metadata': meta(hash.slice(1)) }, 400],
      ['metadata not base64', 'POST', { 'upload-length': '10', 'upload-metadata': 'sha256 !!!' }, 400],
      ['metadata garbage', 'POST', { 'upload-length': '10', 'upload-metadata': ',,, ,' }, 400],
      ['length not a number', 'POST', { 'upload-length': 'ten', 'upload-metadata': meta(hash) }, 400],
      ['negative length', 'POST', { 'upload-length': '-1', 'upload-metadata': meta(hash) }, 400],
      ['no length', 'POST', { 'upload-metadata': meta(hash) }, 400],
      ['deferred length', 'POST', { 'upload-defer-length': '1', 'upload-metadata': meta(hash) }, 400],
      ['too large', 'POST', { 'upload-length': String(MAX_BLOB_BYTES + 1), 'upload-metadata': meta(hash) }, 413],
      ['bad upload id', 'HEAD', {}, 404],
      ['path traversal id', 'PATCH', { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, 404],
    ];
    for (const [name, method, headers, expected] of cases) {
      const urlPath = name === 'bad upload id' ? `${BLOB_TUS_PATH}/nope` : name === 'path traversal id' ? `${BLOB_TUS_PATH}/..%2F..%2Fetc` : BLOB_TUS_PATH;
      const res = await tus(urlPath, method, { ...auth, ...headers });
      expect({ name, status: res.status }).toEqual({ name, status: expected });
    }
    const noTus = await fetch(`${base}${BLOB_TUS_PATH}`, { method: 'POST', headers: { ...auth, 'upload-length': '10', 'upload-metadata': meta(hash) } });
    expect(noTus.status).toBe(412);

    // Offsets and content types of a real upload.
    const created = await tus(BLOB_TUS_PATH, 'POST', { ...auth, 'upload-length': '16', 'upload-metadata': meta(hash) });
    const location = created.headers.get('location')!;
    const badPatches: Record<string, string>[] = [
      { 'upload-offset': 'abc', 'content-type': 'application/offset+octet-stream' },
      { 'upload-offset': '5', 'content-type': 'application/offset+octet-stream' },
      { 'upload-offset': '0', 'content-type': 'application/json' },
      { 'upload-offset': '0' },
    ];
    for (const headers of badPatches) {
      const res = await tus(location, 'PATCH', { ...auth, ...headers }, new Uint8Array(16));
      expect(res.status, JSON.stringify(headers)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(headers)).toBeLessThan(500);
    }
    expect((await tus(BLOB_TUS_PATH, 'PATCH', auth)).status).toBe(405);
    expect((await fetch(`${base}${BLOB_BY_HASH_PATH}/xyz`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}${BLOB_BY_HASH_PATH}/${hash.toUpperCase()}`, { headers: auth })).status).toBe(400);
    // Nothing half-made was promoted.
    expect(await readdir(blobDir)).not.toContain('..');
  });

  const held = async (deviceId: string) => {
    const rows = await db.query<{ n: unknown; bytes: unknown }>(
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM blob_uploads WHERE device_id = $1',
      [deviceId],
    );
    return { uploads: Number(rows[0]?.n), bytes: Number(rows[0]?.bytes) };
  };
  const create = (auth: Record<string, string>, size: number, hash = sha256(scan(8)), at = base) =>
    fetch(`${at}${BLOB_TUS_PATH}`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', ...auth, 'upload-length': String(size), 'upload-metadata': meta(hash) },
    });
  const patch = (location: string, auth: Record<string, string>, offset: number, bytes: Bytes) =>
    tus(location, 'PATCH', { ...auth, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, bytes);
  const uploadFiles = (location: string) => [
    path.join(blobDir, 'uploads', uploadIdOf(location)),
    path.join(blobDir, 'uploads', `${uploadIdOf(location)}.json`),
  ];

  it('refuses tus creation and PATCH from roles that do not scan (blob.role-forbidden); the kiosk client sets the scan aside', async () => {
    for (const role of ['technician', 'citizen'] as const) {
      const device = await enrol('CN01', role);
      const res = await create(device.auth, 16);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ code: 'blob.role-forbidden', detail: expect.stringContaining(`a ${role} device may not upload scans`) });
      // The kiosk's client: not a refused credential (that would stop all its sync), a refused scan.
      const viaClient = await upload(device.token, toUpload(scan(1024)));
      expect(viaClient.error).toMatchObject({ kind: 'protocol', status: 403, wire: { code: 'blob.role-forbidden' } });
      expect(viaClient.urls).toEqual([]);
      expect(await held(device.deviceId)).toEqual({ uploads: 0, bytes: 0 });
    }

    // A counter re-enrolled as a citizen (a code bound to it) keeps its upload but may not append to it.
    const counter = await enrol('CN01', 'counter');
    const bytes = scan(1024);
    const created = await create(counter.auth, bytes.length, sha256(bytes));
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const citizen = await enrol('CN01', 'citizen', counter.deviceId, true);
    const refused = await patch(location, citizen.auth, 0, bytes);
    expect(refused.status).toBe(403);
    expect((await refused.json()) as unknown).toMatchObject({ code: 'blob.role-forbidden' });
    expect((await tus(location, 'HEAD', citizen.auth)).headers.get('upload-offset')).toBe('0');
    expect(await blobRow(sha256(bytes))).toBeUndefined();
  });

  it('caps what one device holds unfinished (blob.quota-exceeded), counted in the database, freed when an upload completes or is deleted', async () => {
    const device = await enrol();
    for (let i = 0; i < 49; i++) expect((await create(device.auth, 1024)).status).toBe(201);
    const bytes = scan(64 * 1024);
    const last = await create(device.auth, bytes.length, sha256(bytes));
    expect(last.status).toBe(201);
    expect(await held(device.deviceId)).toEqual({ uploads: 50, bytes: 49 * 1024 + bytes.length });

    const over = await create(device.auth, 1024);
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({
      code: 'blob.quota-exceeded',
      detail: expect.stringMatching(/already holds 50 unfinished uploads \(at most 50\); finish or delete .* untouched for 7 days is deleted/),
    });
    // The kiosk's client sees a refusal a later retry may cure (the engine defers the scans).
    const viaClient = await upload(device.token, toUpload(scan(1024)));
    expect(viaClient.error).toMatchObject({ kind: 'unavailable', status: 429, wire: { code: 'blob.quota-exceeded' } });
    expect(await held(device.deviceId)).toEqual({ uploads: 50, bytes: 49 * 1024 + bytes.length });
    // The quota is per device …
    expect((await create((await enrol()).auth, 1024)).status).toBe(201);
    // … and read from the database: a restarted server, or another replica, refuses too.
    const replica = buildServer({ db, clock, version: 'test', blobDir });
    const replicaBase = await replica.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await create(device.auth, 1024, undefined, replicaBase)).status).toBe(429);
    } finally {
      await replica.close();
    }

    // A completed upload frees its place at once.
    const done = await patch(last.headers.get('location')!, device.auth, 0, bytes);
    expect(done.status).toBe(204);
    expect(done.headers.get('blob-verified')).toBe(sha256(bytes));
    expect(await held(device.deviceId)).toEqual({ uploads: 49, bytes: 49 * 1024 });
    const again = await create(device.auth, 1024);
    expect(again.status).toBe(201);
    expect((await create(device.auth, 1024)).status).toBe(429);
    // So does a deleted (terminated) one.
    expect((await tus(again.headers.get('location')!, 'DELETE', device.auth)).status).toBe(204);
    expect((await create(device.auth, 1024)).status).toBe(201);

    // Bytes: the declared sizes of unfinished uploads, at most 2 GiB per device.
    const big = await enrol();
    for (let i = 0; i < 10; i++) expect((await create(big.auth, MAX_BLOB_BYTES)).status).toBe(201);
    const tooMuch = await create(big.auth, MAX_BLOB_BYTES);
    expect(tooMuch.status).toBe(429);
    expect(((await tooMuch.json()) as { detail: string }).detail).toMatch(/already declare 1\.95 GiB; with 200\.0 MiB more they would pass 2\.00 GiB/);
    expect((await create(big.auth, 40 * MiB)).status).toBe(201);
    expect((await create(big.auth, 9 * MiB)).status).toBe(429);
    expect(await held(big.deviceId)).toEqual({ uploads: 11, bytes: 10 * MAX_BLOB_BYTES + 40 * MiB });
  });

  it('takes its quotas from the environment: BLOB_MAX_UPLOADS_PER_DEVICE, BLOB_MAX_BYTES_PER_DEVICE (413 for one upload above it)', async () => {
    vi.stubEnv('BLOB_MAX_UPLOADS_PER_DEVICE', 'lots');
    expect(() => buildServer({ db, clock, version: 'test', blobDir })).toThrow(/BLOB_MAX_UPLOADS_PER_DEVICE must be a positive integer, got "lots"/);
    vi.stubEnv('BLOB_MAX_UPLOADS_PER_DEVICE', '2');
    vi.stubEnv('BLOB_MAX_BYTES_PER_DEVICE', String(100 * MiB));
    const small = buildServer({ db, clock, version: 'test', blobDir });
    vi.unstubAllEnvs();
    const smallBase = await small.listen({ port: 0, host: '127.0.0.1' });
    try {
      const device = await enrol();
      const huge = await create(device.auth, 150 * MiB, undefined, smallBase);
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { code: string; detail: string }).detail).toMatch(
        /larger than one device may hold at once \(100\.0 MiB\); the centre must raise BLOB_MAX_BYTES_PER_DEVICE/,
      );
      expect((await create(device.auth, 60 * MiB, undefined, smallBase)).status).toBe(201);
      expect((await create(device.auth, 60 * MiB, undefined, smallBase)).status).toBe(429);
      expect((await create(device.auth, 10 * MiB, undefined, smallBase)).status).toBe(201);
      expect((await create(device.auth, 1, undefined, smallBase)).status).toBe(429);
    } finally {
      await small.close();
    }
  });

  it('sweeps uploads untouched for 7 days (files and row), spares recent and recently touched ones, and never touches verified blobs', async () => {
    // Earlier tests' uploads go first, so that the figures below are this test's alone.
    clock.advance(8 * DAY);
    await sweepAbandonedUploads(app);
    const device = await enrol();
    const t0 = clock.now();
    const started = async (bytes: Bytes) => {
      const created = await create(device.auth, bytes.length, sha256(bytes));
      const location = created.headers.get('location')!;
      expect((await patch(location, device.auth, 0, bytes.slice(0, bytes.length / 2))).status).toBe(204);
      return location;
    };
    const abandonedBytes = scan(64 * 1024);
    const abandoned = await started(abandonedBytes);
    const touchedBytes = scan(64 * 1024);
    const touched = await started(touchedBytes);
    const verified = toUpload(scan(32 * 1024));
    expect((await upload(device.token, verified)).error).toBeNull();
    // Uploads begun before migration 007 have files but no row: the sweep goes by their files' age.
    const rowlessOld = await started(scan(1024));
    const rowlessRecent = await started(scan(1024));
    await db.query('DELETE FROM blob_uploads WHERE upload_id = ANY($1::text[])', [[uploadIdOf(rowlessOld), uploadIdOf(rowlessRecent)]]);
    for (const file of uploadFiles(rowlessOld)) await utimes(file, t0 / 1000, t0 / 1000);
    for (const file of uploadFiles(rowlessRecent)) await utimes(file, (t0 + 6 * DAY) / 1000, (t0 + 6 * DAY) / 1000);

    clock.set(t0 + 6 * DAY);
    expect((await patch(touched, device.auth, touchedBytes.length / 2, touchedBytes.slice(touchedBytes.length / 2, touchedBytes.length * 0.75))).status).toBe(
      204,
    );
    const recent = (await create(device.auth, 1024)).headers.get('location')!;
    expect(await sweepAbandonedUploads(app)).toEqual({ swept: 0, orphans: 0, skipped: 0 });

    clock.set(t0 + 7 * DAY + 3600_000);
    expect(await sweepAbandonedUploads(app)).toEqual({ swept: 1, orphans: 1, skipped: 0 });
    for (const file of [...uploadFiles(abandoned), ...uploadFiles(rowlessOld)]) expect(existsSync(file), file).toBe(false);
    for (const file of [...uploadFiles(touched), ...uploadFiles(rowlessRecent)]) expect(existsSync(file), file).toBe(true);
    expect((await tus(abandoned, 'HEAD', device.auth)).status).toBe(404);
    expect((await tus(touched, 'HEAD', device.auth)).headers.get('upload-offset')).toBe(String(touchedBytes.length * 0.75));
    expect((await tus(recent, 'HEAD', device.auth)).status).toBe(200);
    expect(await held(device.deviceId)).toEqual({ uploads: 2, bytes: touchedBytes.length + 1024 });
    // The verified blob: its row, its file, its answer by hash.
    expect(await blobRow(verified.sha256)).toBeDefined();
    expect(sha256((await readBlobBytes(db, diskStorage(blobDir), resolveDataProtection(undefined), verified.sha256))!)).toBe(verified.sha256);
    expect((await headByHash(verified.sha256, device.auth)).status).toBe(200);

    // The kiosk still holding the swept URL starts that scan afresh and gets it verified.
    const resumed = await upload(device.token, toUpload(abandonedBytes, { uploadUrl: `${base}${abandoned}` }));
    expect(resumed.error).toBeNull();
    expect(resumed.urls).toHaveLength(1);
    expect(resumed.urls[0]).not.toBe(`${base}${abandoned}`);
    expect(await blobRow(sha256(abandonedBytes))).toBeDefined();
    expect(await sweepAbandonedUploads(app)).toEqual({ swept: 0, orphans: 0, skipped: 0 });
  });

  it('marks an upload touched at creation, then at most once per 10 minutes of PATCHes (each mark is a commit); the owner is checked on every PATCH', async () => {
    const device = await enrol();
    const bytes = scan(4 * 1024);
    const t0 = clock.now();
    const location = (await create(device.auth, bytes.length, sha256(bytes))).headers.get('location')!;
    const touchedAt = async () =>
      Number((await db.query<{ t: unknown }>('SELECT touched_at AS t FROM blob_uploads WHERE upload_id = $1', [uploadIdOf(location)]))[0]?.t);
    const part = (k: number) => bytes.slice(k * 1024, (k + 1) * 1024);
    expect(await touchedAt()).toBe(t0);
    clock.advance(5 * 60_000);
    expect((await patch(location, device.auth, 0, part(0))).status).toBe(204);
    expect(await touchedAt()).toBe(t0);
    clock.advance(5 * 60_000);
    expect((await patch(location, device.auth, 1024, part(1))).status).toBe(204);
    expect(await touchedAt()).toBe(t0 + 10 * 60_000);
    clock.advance(60_000);
    // Within the spacing the row is only read: another device is still refused, the owner served.
    const other = await enrol();
    expect((await patch(location, other.auth, 2048, part(2))).status).toBe(404);
    expect((await patch(location, device.auth, 2048, part(2))).status).toBe(204);
    expect(await touchedAt()).toBe(t0 + 10 * 60_000);
    // A row gone (swept elsewhere, or removed with the upload) is noticed without a touch too.
    await db.query('DELETE FROM blob_uploads WHERE upload_id = $1', [uploadIdOf(location)]);
    await rm(uploadFiles(location)[0]!, { force: true });
    await rm(uploadFiles(location)[1]!, { force: true });
    expect((await patch(location, device.auth, 3072, part(3))).status).toBe(404);
  });

  it('lets a new upload of a scan supersede the device’s older unfinished ones (creation answers lost): the quota never fills, the files go, the scan verifies', async () => {
    const device = await enrol();
    const other = await enrol();
    const bytes = scan(48 * 1024);
    const hash = sha256(bytes);
    // Another device's upload of the same content is not this device's to supersede.
    const theirs = (await create(other.auth, bytes.length, hash)).headers.get('location')!;
    // 60 creations whose answers the kiosk never saw: more than the quota of 50 unfinished uploads.
    const lost: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await create(device.auth, bytes.length, hash);
      expect(res.status, `creation ${i + 1}`).toBe(201);
      lost.push(res.headers.get('location')!);
    }
    expect(await held(device.deviceId)).toEqual({ uploads: 1, bytes: bytes.length });
    await vi.waitFor(() => {
      for (const location of lost.slice(0, -1)) for (const file of uploadFiles(location)) expect(existsSync(file), file).toBe(false);
    });
    for (const file of uploadFiles(lost.at(-1)!)) expect(existsSync(file), file).toBe(true);
    expect(await held(other.deviceId)).toEqual({ uploads: 1, bytes: bytes.length });
    for (const file of uploadFiles(theirs)) expect(existsSync(file), file).toBe(true);
    // A superseded upload answers 404 (the kiosk, had it kept the URL, would start afresh).
    expect((await tus(lost[0]!, 'HEAD', device.auth)).status).toBe(404);
    // Other scans of the device still count as before.
    expect((await create(device.auth, 1024, sha256(scan(16)))).status).toBe(201);
    expect(await held(device.deviceId)).toEqual({ uploads: 2, bytes: bytes.length + 1024 });
    // The scan itself goes through from scratch and verifies.
    expect((await upload(device.token, toUpload(bytes))).error).toBeNull();
    expect((await headByHash(hash, device.auth)).status).toBe(200);
  });

  it('sweeps on its own every BLOB_SWEEP_EVERY_MINUTES after BLOB_ABANDON_AFTER_HOURS, and stops when the server closes', async () => {
    const device = await enrol();
    const own = fixedClock(clock.now());
    vi.stubEnv('BLOB_SWEEP_EVERY_MINUTES', '0.002');
    vi.stubEnv('BLOB_ABANDON_AFTER_HOURS', '1');
    const sweeping = buildServer({ db, clock: own, version: 'test', blobDir });
    vi.unstubAllEnvs();
    const sweepingBase = await sweeping.listen({ port: 0, host: '127.0.0.1' });
    const first = (await create(device.auth, 1024, undefined, sweepingBase)).headers.get('location')!;
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(uploadFiles(first)[0]!)).toBe(true);
    own.advance(2 * 3600_000);
    await expect.poll(() => existsSync(uploadFiles(first)[0]!), { timeout: 5000 }).toBe(false);
    expect(await held(device.deviceId)).toEqual({ uploads: 0, bytes: 0 });

    await sweeping.close();
    const second = (await create(device.auth, 1024)).headers.get('location')!;
    own.advance(2 * 3600_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(uploadFiles(second)[0]!)).toBe(true);
    expect(await held(device.deviceId)).toEqual({ uploads: 1, bytes: 1024 });
  });
});
