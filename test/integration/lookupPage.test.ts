import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDossierStatus } from '../../src/server/dossiers';
import { LOOKUP_PAGE_PATH, logRequestUrl } from '../../src/server/lookupPage';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

/**
 * The centre's look-up page (src/server/lookupPage.ts) on a real server on port 0: what a phone gets
 * (one small document, a strict policy that still lets its own script and style run), and the
 * receipt's secret in the QR's address never reaching the request log. The page's behaviour in a
 * browser is test/e2e/lookupPage.spec.ts.
 */
const CODE = '000.00.21.H26-261124-0007';
const SECRET = 'M3K8Q2ZP';

describe('the look-up page', () => {
  let h: Harness;
  const logLines: string[] = [];

  beforeAll(async () => {
    h = await openHarness(pgliteEngine, { listen: true, server: { logger: { level: 'info', stream: { write: (line) => void logLines.push(line) } } } });
    await recordDossierStatus(h.db, {
      code: CODE,
      branchCode: 'CN01',
      lookupSecret: SECRET,
      status: 'ready',
      statusAt: START,
      appointmentDate: '2026-12-01',
      note: '',
    });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('is one small HTML document under 50 KB, never cached, sending no Referer', async () => {
    const res = await fetch(`${h.base}${LOOKUP_PAGE_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(Buffer.byteLength(html)).toBeLessThan(50 * 1024);
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('Tra cứu tình trạng hồ sơ');
    // Everything it needs is inline: no other request to load it.
    expect(html).not.toMatch(/<(link|img)\b|\bsrc=/);
  });

  it('allows exactly its own inline script and style by hash, requests to its own origin only, no framing', async () => {
    const res = await fetch(`${h.base}${LOOKUP_PAGE_PATH}`);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    expect(csp).toContain(`script-src ${hash(script!)}`);
    expect(csp).toContain(`style-src ${hash(style!)}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('the receipt QR address (with the secret) is answered, and the request log masks its query', async () => {
    logLines.length = 0;
    const res = await fetch(`${h.base}${LOOKUP_PAGE_PATH}?code=${encodeURIComponent(CODE)}&s=${SECRET}`);
    expect(res.status).toBe(200);
    await res.text();
    // The page's own look-up, as its script sends it: the answer a phone shows.
    const answer = await fetch(`${h.base}/v1/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: CODE, secret: SECRET }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ code: CODE, status: 'ready', appointmentDate: '2026-12-01' });
    const log = logLines.join('');
    expect(log).toContain(`"url":"${LOOKUP_PAGE_PATH}?…"`);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(encodeURIComponent(CODE));
  });
});

describe('logRequestUrl', () => {
  it('masks the query of the look-up page only', () => {
    expect(logRequestUrl('/tra-cuu?code=000.00.21.H26-261124-0007&s=M3K8Q2ZP')).toBe('/tra-cuu?…');
    expect(logRequestUrl('/tra-cuu/?s=M3K8Q2ZP')).toBe('/tra-cuu/?…');
    expect(logRequestUrl('/tra-cuu')).toBe('/tra-cuu');
    expect(logRequestUrl('/v1/queue/board?branch=CN01')).toBe('/v1/queue/board?branch=CN01');
    expect(logRequestUrl('/tra-cuu-khac?s=1')).toBe('/tra-cuu-khac?s=1');
  });
});
