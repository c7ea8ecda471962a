import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolPost } from '../../electron/enrolProxy';
import { createIpcHandlers, type IpcServices } from '../../electron/ipcHandlers';
import type { EnrolPostRequest } from '../../src/shared/ipc';
import { ok } from '../../src/shared/result';

/** A real HTTP server on port 0 standing in for the centre's /v1/enrol. */
describe('enrolment sent by main (electron/enrolProxy.ts)', () => {
  let server: Server;
  let base = '';
  const seen: { method: string; url: string; type: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'] ?? '', body });
        if (req.url === '/redirect/v1/enrol') {
          res.writeHead(302, { location: 'http://example.invalid/v1/enrol' }).end();
        } else if (req.url === '/huge/v1/enrol') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('x'.repeat(70_000));
        } else {
          res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code: 'enrol.unknown-code', detail: 'no such code' }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs the JSON body to <server>/v1/enrol and hands back status, type and body as they came', async () => {
    const body = JSON.stringify({ code: 'ABCD-EFGH-JKLM-NPQR', deviceId: '0193a1b2-0000-7000-8000-000000000001', role: 'counter' });
    const r = await enrolPost({ url: `${base}/v1/enrol`, body });
    expect(r).toEqual(
      ok({ status: 404, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ code: 'enrol.unknown-code', detail: 'no such code' }) }),
    );
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/v1/enrol', type: 'application/json', body });
  });

  it('follows no redirect, refuses an oversized answer, and says plainly when the server cannot be reached', async () => {
    const redirected = await enrolPost({ url: `${base}/redirect/v1/enrol`, body: '{}' });
    expect(redirected.ok ? null : redirected.error.code).toBe('enrol.network');
    const huge = await enrolPost({ url: `${base}/huge/v1/enrol`, body: '{}' });
    expect(huge.ok ? null : huge.error.code).toBe('enrol.bad-answer');
    const down = await enrolPost({ url: 'http://127.0.0.1:9/v1/enrol', body: '{}' });
    expect(down.ok ? null : down.error.code).toBe('enrol.network');
    expect(down.ok ? '' : down.error.detail).toMatch(/could not be reached/);
  });

  it('the IPC contract lets the page reach nothing but an http(s) /v1/enrol with a small body', async () => {
    const sent: string[] = [];
    const handlers = createIpcHandlers({
      enrolPost: async (request: EnrolPostRequest) => {
        sent.push(request.url);
        return ok({ status: 200, contentType: 'application/json', body: '{}' });
      },
    } as unknown as IpcServices);
    for (const url of ['file:///etc/passwd', `${base}/v1/push`, `${base}/v1/enrol?x=1`, 'http://user:pw@127.0.0.1/v1/enrol', 'javascript:alert(1)//v1/enrol']) {
      const r = await handlers.enrolPost({ url, body: '{}' });
      expect(r.ok ? null : r.error.code, url).toBe('ipc.invalid-payload');
    }
    expect((await handlers.enrolPost({ url: `${base}/v1/enrol`, body: 'x'.repeat(5000) })).ok).toBe(false);
    expect((await handlers.enrolPost({ url: `${base}/v1/enrol`, body: '{}' })).ok).toBe(true);
    expect(sent).toEqual([`${base}/v1/enrol`]);
  });
});
