import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CorsConfigError, parseKioskOrigins } from '../../src/server/cors';
import { BLOBS_KNOWN_PATH } from '../../src/shared/blobsKnown';
import { REUSE_INDEX_PATH, REUSE_PDF_PATH } from '../../src/shared/reuseIndex';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, KIOSK_APP_ORIGIN } from '../../src/shared/sync';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { uploadBlobWithTus, type FetchLike } from '../../src/sync/tusUpload';
import { engines, enrolDevice, openHarness, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * CORS from where a kiosk stands: its page is never served by the server (Electron's app://kiosk, a
 * web kiosk on another port), so a browser preflights every call that carries a bearer token or a
 * tus header. Real server on port 0, real fetch with an Origin header; the tus client is the kiosk's
 * own (tus-js-client through uploadBlobWithTus), so the methods and headers checked are the ones it
 * really sends, not a list copied into the test. The browser end to end of the same path is
 * test/e2e/crossOrigin.spec.ts.
 */
const WEB_KIOSK = 'http://127.0.0.1:4173';
const STRANGER = 'http://evil.example';
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Every route a kiosk calls, with the method and the request headers its browser preflights. */
const KIOSK_CALLS = [
  { method: 'POST', path: '/v1/enrol', headers: ['content-type'] },
  { method: 'POST', path: '/v1/sync/push', headers: ['authorization', 'content-type'] },
  { method: 'POST', path: '/v1/sync/pull', headers: ['authorization', 'content-type'] },
  { method: 'GET', path: '/v1/sync/state?journalId=0193a1b2-0000-7000-8000-000000000001', headers: ['authorization'] },
  { method: 'POST', path: '/v1/heartbeat', headers: ['authorization', 'content-type'] },
  { method: 'POST', path: '/v1/lookup', headers: ['content-type'] },
  { method: 'HEAD', path: `${BLOB_BY_HASH_PATH}/${'a'.repeat(64)}`, headers: ['authorization'] },
  { method: 'POST', path: BLOBS_KNOWN_PATH, headers: ['authorization', 'content-type'] },
  { method: 'POST', path: REUSE_INDEX_PATH, headers: ['authorization', 'content-type'] },
  { method: 'POST', path: REUSE_PDF_PATH, headers: ['authorization', 'content-type'] },
  { method: 'POST', path: BLOB_TUS_PATH, headers: ['authorization', 'tus-resumable', 'upload-length', 'upload-metadata'] },
  { method: 'HEAD', path: `${BLOB_TUS_PATH}/${'0'.repeat(32)}`, headers: ['authorization', 'tus-resumable'] },
  { method: 'PATCH', path: `${BLOB_TUS_PATH}/${'0'.repeat(32)}`, headers: ['authorization', 'content-type', 'tus-resumable', 'upload-offset'] },
  { method: 'DELETE', path: `${BLOB_TUS_PATH}/${'0'.repeat(32)}`, headers: ['authorization', 'tus-resumable'] },
] as const;

const list = (value: string | null): string[] => (value ?? '').split(',').map((s) => s.trim().toLowerCase());

describe('KIOSK_ORIGINS (configuration)', () => {
  it('takes exact origins, comma- or space-separated, normalised', () => {
    expect(parseKioskOrigins(' HTTP://10.0.0.5:4173/ , https://kiosk.cn01.example  http://localhost:80')).toEqual([
      'http://10.0.0.5:4173',
      'https://kiosk.cn01.example',
      'http://localhost',
    ]);
    expect(parseKioskOrigins(undefined)).toEqual([]);
    expect(parseKioskOrigins('')).toEqual([]);
  });

  it('refuses "*", paths and things that are not origins, naming them', () => {
    expect(() => parseKioskOrigins('*')).toThrow(CorsConfigError);
    expect(() => parseKioskOrigins('http://10.0.0.5:4173/kiosk')).toThrow(/origin only/);
    expect(() => parseKioskOrigins('10.0.0.5:4173x')).toThrow(/not an origin/);
    expect(() => parseKioskOrigins('http://a.example?x=1')).toThrow(/origin only/);
  });
});

describe.each(engines)('CORS for kiosk origins on $name', (engine) => {
  let h: Harness;
  let base: string;
  let device: EnrolledDevice;
  beforeAll(async () => {
    h = await openHarness(engine, { listen: true, server: { corsOrigins: [WEB_KIOSK] } });
    base = h.base!;
    device = await enrolDevice(h, 'CN01', 'counter');
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const preflight = (origin: string, method: string, path: string, headers: readonly string[]) =>
    fetch(`${base}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, ...(headers.length ? { 'access-control-request-headers': headers.join(',') } : {}) },
    });

  it.each(KIOSK_CALLS)('preflight $method $path: allowed for the web kiosk and for app://kiosk', async ({ method, path, headers }) => {
    for (const origin of [WEB_KIOSK, KIOSK_APP_ORIGIN]) {
      const res = await preflight(origin, method, path, headers);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(list(res.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase());
      expect(list(res.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining([...headers]));
      expect(list(res.headers.get('vary'))).toContain('origin');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it.each(KIOSK_CALLS)('preflight $method $path: refused for an unknown origin', async ({ method, path, headers }) => {
    const res = await preflight(STRANGER, method, path, headers);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(await res.json()).toMatchObject({ code: 'cors.origin-not-allowed' });
  });

  it('the reproduction of the field report: PATCH on an upload URL with the tus headers', async () => {
    const res = await preflight(WEB_KIOSK, 'PATCH', `${BLOB_TUS_PATH}/x`, ['tus-resumable', 'upload-offset', 'content-type', 'authorization']);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB_KIOSK);
    expect(list(res.headers.get('access-control-allow-methods'))).toContain('patch');
    expect(list(res.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(['tus-resumable', 'upload-offset']));
  });

  it('a private-network preflight (Chromium) is allowed for a kiosk origin', async () => {
    const res = await fetch(`${base}/v1/sync/push`, {
      method: 'OPTIONS',
      headers: { origin: WEB_KIOSK, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' },
    });
    expect(res.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it("answers (JSON routes and their errors) carry the kiosk's origin and expose Retry-After; a stranger's get no CORS header", async () => {
    const ok = await fetch(`${base}/health`, { headers: { origin: WEB_KIOSK } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(WEB_KIOSK);
    expect(list(ok.headers.get('access-control-expose-headers'))).toContain('retry-after');
    const refused = await fetch(`${base}/v1/sync/push`, { method: 'POST', headers: { origin: WEB_KIOSK, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(WEB_KIOSK);
    const stranger = await fetch(`${base}/health`, { headers: { origin: STRANGER } });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    // No Origin (Node, curl, the admin tool): unchanged, and a shared cache still keys on Origin.
    const plain = await fetch(`${base}/health`);
    expect(plain.status).toBe(200);
    expect(list(plain.headers.get('vary'))).toContain('origin');
  });

  it("the kiosk's own tus client, from the web kiosk's origin: every method and header it sends is allowed, every answer is readable, the blob is verified", async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const sent: { method: string; headers: string[] }[] = [];
    const answers: { method: string; status: number; allowOrigin: string | null; exposed: string[]; vary: string[] }[] = [];
    const fromKiosk: FetchLike = async (input, init) => {
      const headers = { ...(init.headers as Record<string, string>), origin: WEB_KIOSK };
      sent.push({ method: init.method ?? 'GET', headers: Object.keys(init.headers ?? {}).map((k) => k.toLowerCase()) });
      const res = await fetch(input, { ...init, headers });
      answers.push({
        method: init.method ?? 'GET',
        status: res.status,
        allowOrigin: res.headers.get('access-control-allow-origin'),
        exposed: list(res.headers.get('access-control-expose-headers')),
        vary: list(res.headers.get('vary')),
      });
      return res;
    };
    const hash = sha256(bytes);
    let firstUrl: string | null = null;
    await uploadBlobWithTus({
      baseUrl: base,
      token: device.token,
      blob: { sha256: hash, size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
      hooks: { onUploadUrl: (url) => void (firstUrl = url) },
      chunkSize: 1024 * 1024,
      fetchLike: fromKiosk,
    });
    // Again from the stored upload URL (a kiosk restarted after a cut): tus-js-client asks where the
    // upload stands (HEAD) first; this one was finished and promoted, so it starts a new one.
    await uploadBlobWithTus({
      baseUrl: base,
      token: device.token,
      blob: { sha256: hash, size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: firstUrl! },
      hooks: { onUploadUrl: () => undefined },
      chunkSize: 1024 * 1024,
      fetchLike: fromKiosk,
    });
    // The engine's own question before any upload: does the centre hold this hash already?
    const transport = createHttpTransport({ baseUrl: base, token: () => device.token, fetch: fromKiosk as typeof fetch });
    expect(await transport.blobExists(hash)).toBe(true);
    expect(new Set(sent.map((s) => s.method))).toEqual(new Set(['POST', 'PATCH', 'HEAD']));
    for (const s of sent) {
      expect(CORS_ALLOWED_METHODS).toContain(s.method);
      for (const header of s.headers) expect(CORS_ALLOWED_HEADERS).toContain(header);
    }
    // Hijacked tus replies included: the origin is allowed and the headers tus-js-client reads are exposed.
    for (const a of answers) {
      expect(a.allowOrigin).toBe(WEB_KIOSK);
      expect(a.vary).toContain('origin');
    }
    for (const a of answers.filter((x) => x.method !== 'HEAD')) {
      expect(a.exposed).toEqual(expect.arrayContaining(['location', 'upload-offset', 'upload-length', 'tus-resumable', 'blob-verified', 'blob-relay']));
    }
    expect(answers.map((a) => `${a.method} ${a.status}`)).toEqual([
      'POST 201',
      'PATCH 204',
      'PATCH 204',
      'PATCH 204',
      'PATCH 204',
      'HEAD 404',
      'POST 201',
      'PATCH 204',
      'PATCH 204',
      'PATCH 204',
      'PATCH 204',
      'HEAD 200',
    ]);
    const byHash = await fetch(`${base}${BLOB_BY_HASH_PATH}/${hash}`, { method: 'HEAD', headers: { ...device.auth, origin: WEB_KIOSK } });
    expect(byHash.status).toBe(200);
    expect(byHash.headers.get('access-control-allow-origin')).toBe(WEB_KIOSK);
  });

  it('tus answers for a stranger carry no allow-origin (the browser hides them)', async () => {
    const res = await fetch(`${base}${BLOB_TUS_PATH}`, {
      method: 'POST',
      headers: {
        ...device.auth,
        origin: STRANGER,
        'tus-resumable': '1.0.0',
        'upload-length': '3',
        'upload-metadata': `sha256 ${Buffer.from('a'.repeat(64)).toString('base64')}`,
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
