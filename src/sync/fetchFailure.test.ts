import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainFetchFailure } from './fetchFailure';

/** A request that failed the way a browser reports a CORS refusal and a dead network alike. */
const corsLikeFailure = new TypeError('Failed to fetch');

/** The push that failed that way, explained against `baseUrl`. */
const failedPush = (baseUrl: string) =>
  explainFetchFailure({ baseUrl, method: 'POST', path: '/v1/sync/push', cause: corsLikeFailure, fetchLike: (i, init) => fetch(i, init) });

describe('explainFetchFailure: a refused request is not "network unreachable"', () => {
  let server: Server;
  let base: string;
  const probes: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      probes.push(`${req.method} ${req.url}`);
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    probes.length = 0;
    delete (globalThis as { location?: unknown }).location;
  });

  it('the server answers its health probe: the request was blocked; the detail names the route, not the upload id', async () => {
    const e = await explainFetchFailure({
      baseUrl: `${base}/`,
      method: 'PATCH',
      path: '/v1/blobs/tus/0123456789abcdef0123456789abcdef',
      cause: corsLikeFailure,
      fetchLike: (input, init) => fetch(input, init),
    });
    expect(e.kind).toBe('blocked');
    expect(e.retryable).toBe(true);
    expect(e.wire.code).toBe('net.blocked');
    expect(e.wire.detail).toContain('PATCH /v1/blobs/tus/…');
    expect(e.wire.detail).not.toContain('0123456789abcdef');
    // A probe with no custom header (no preflight of its own), to the health route.
    expect(probes).toEqual(['GET /health']);
  });

  it("in a page, the detail names the page's origin the server must allow", async () => {
    (globalThis as { location?: unknown }).location = { origin: 'http://10.0.0.5:4173' };
    const e = await failedPush(base);
    expect(e.wire.detail).toContain("this kiosk's origin http://10.0.0.5:4173 must be in the server's KIOSK_ORIGINS");
  });

  it('in Electron (app://kiosk, allowed by every server) it does not send the technician to KIOSK_ORIGINS', async () => {
    (globalThis as { location?: unknown }).location = { origin: 'app://kiosk' };
    const e = await failedPush(base);
    expect(e.wire.code).toBe('net.blocked');
    expect(e.wire.detail).not.toContain('KIOSK_ORIGINS');
  });

  it('nothing answers: the network is unreachable', async () => {
    const dead = `http://127.0.0.1:1`;
    const e = await explainFetchFailure({
      baseUrl: dead,
      method: 'POST',
      path: '/v1/sync/push',
      cause: corsLikeFailure,
      fetchLike: (i, init) => fetch(i, init),
    });
    expect(e.kind).toBe('network');
    expect(e.wire.code).toBe('net.unreachable');
    expect(e.wire.detail).toContain('POST /v1/sync/push');
  });

  it('a probe that hangs counts as unreachable after its timeout', async () => {
    const e = await explainFetchFailure({
      baseUrl: base,
      method: 'GET',
      path: '/v1/sync/state',
      cause: corsLikeFailure,
      probeTimeoutMs: 20,
      fetchLike: (_input, init) =>
        new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    });
    expect(e.kind).toBe('network');
  });
});
