import { dbEngines } from './engines';
import { startProxy, type CountingProxy } from '../support/countingProxy';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch, createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { fixedClock } from '../../src/shared/clock';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, EnrolResponse, MAX_BLOB_BYTES } from '../../src/shared/sync';
import { TransportError, type BlobToUpload } from '../../src/sync/Transport';
import { mustRestartUpload, uploadBlobWithTus, type FetchLike } from '../../src/sync/tusUpload';

/**
 * Blob upload over tus against the real server (port 0) with a temporary blob folder, on PGlite
 * and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database. A byte-counting TCP proxy
 * in front of the server measures what reaches it and can cut the connection mid-upload.
 */
const engines = dbEngines;

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
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
  let proxy: CountingProxy;
  const clock = fixedClock(START);

  beforeAll(async () => {
    ({ db, dispose } = await engine.open());
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    await createBranch(db, 'CN02', 'Chi nhánh số 2');
    blobDir = await mkdtemp(path.join(tmpdir(), 'hpasc-blobs-'));
    app = buildServer({ db, clock, version: 'test', blobDir });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    proxy = await startProxy(new URL(base));
  });
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
    await dispose?.();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  const enrol = async (branch = 'CN01') => {
    const { code } = await createEnrolCode(db, branch, 'citizen', clock.now());
    const deviceId = randomUUID();
    const res = await fetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId, role: 'citizen' }),
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
    expect(row).toMatchObject({ storage_key: `sha256/${blob.sha256.slice(0, 2)}/${blob.sha256}`, branch_code: 'CN01', device_id: device.deviceId });
    expect(Number(row?.size)).toBe(bytes.length);
    expect(sha256(await readFile(path.join(blobDir, row!.storage_key)))).toBe(blob.sha256);
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
});
