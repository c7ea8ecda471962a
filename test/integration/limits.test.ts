import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { jsonDepthExceeds, parseTrustedProxies } from '../../src/server/limits';
import { codeDelayMs, DEFAULT_LOOKUP_LIMITS } from '../../src/server/lookup';
import { recordDossierStatus } from '../../src/server/dossiers';
import { MAX_JOURNALS_PER_DEVICE } from '../../src/server/push';
import { PushResponse } from '../../src/shared/sync';
import { enrolDevice, openHarness, pgliteEngine, sampleHeartbeat, sampleRatingArgs, START, type Harness } from './serverHarness';

/**
 * The probe's attacks on slow and heavy callers (issue 11, item 4), re-run against a real server on
 * port 0 with small limits so they end in seconds: a body trickled in one byte at a time, headers
 * that never end, a 500,000-deep JSON body, more sockets than one address may hold, and a device
 * naming a new journal id on every heartbeat and push.
 */

/** A raw socket to the server; collects what it answers and resolves `closed` when it hangs up. */
function rawSocket(base: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => text, closed };
}

/** Writes `chunks` one by one every `everyMs` until the socket closes or they run out. */
async function trickle(socket: Socket, chunks: readonly string[], everyMs: number, closed: Promise<void>): Promise<'closed' | 'sent-all'> {
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  for (const chunk of chunks) {
    if (isClosed) return 'closed';
    socket.write(chunk);
    await Promise.race([new Promise((r) => setTimeout(r, everyMs)), closed]);
  }
  return isClosed ? 'closed' : 'sent-all';
}

describe('slow callers are cut off (request and header timeouts)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine, { listen: true, server: { limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } } });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('a body sent one byte at a time to the open enrol route is answered 408 and the connection closed', async () => {
    const { socket, received, closed } = rawSocket(h.base!);
    const body = JSON.stringify({ code: 'AAAA-BBBB-CCCC-DDDD', deviceId: randomUUID(), role: 'citizen' });
    socket.write(`POST /v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // 200 ms a byte: the whole body would take ~20 s; the server must hang up long before.
    const outcome = await trickle(socket, [...body], 200, closed);
    expect(outcome).toBe('closed');
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('headers that never end are cut off too', async () => {
    const { socket, closed } = rawSocket(h.base!);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const outcome = await trickle(
      socket,
      Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`),
      200,
      closed,
    );
    expect(outcome).toBe('closed');
  }, 30_000);

  it('an ordinary request on the same server is answered', async () => {
    const res = await fetch(`${h.base}/health`);
    expect(res.status).toBe(200);
  });
});

describe('deep JSON is refused before it is parsed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine, { listen: true });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });
  const enrol = async (body: string) => {
    const res = await fetch(`${h.base}/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { code: string; detail: string } };
  };

  it('answers a 1 MB body of 500,000 nested arrays with 400 http.too-deep', async () => {
    const deep = '['.repeat(500_000) + ']'.repeat(500_000);
    expect(await enrol(deep)).toEqual({ status: 400, body: { code: 'http.too-deep', detail: 'JSON nested deeper than 32 levels' } });
  });

  it('checks the depth before parsing: a deep body that is also broken JSON is still "too deep"', async () => {
    expect((await enrol('{"a":' + '['.repeat(40) + 'oops')).body.code).toBe('http.too-deep');
    // Broken but shallow: the parser's own answer.
    expect((await enrol('{"a": [oops')).body.code).toBe('http.bad-request');
  });

  it('lets ordinary nesting and brackets inside strings through to the route', async () => {
    const nested = JSON.stringify({ code: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{', deviceId: 'x', role: 'citizen', extra: [[[[[[[[1]]]]]]]] });
    expect((await enrol(nested)).body.code).toBe('enrol.bad-request');
  });

  it('keeps refusing prototype poisoning', async () => {
    expect((await enrol('{"__proto__": {"admin": true}}')).status).toBe(400);
  });
});

describe('jsonDepthExceeds', () => {
  const depthOf = (v: unknown): number =>
    Array.isArray(v) ? 1 + Math.max(0, ...v.map(depthOf)) : v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;

  it('agrees with the real depth of any JSON value, strings with brackets and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonDepthExceeds(text, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 2000 },
    );
    expect(jsonDepthExceeds(JSON.stringify({ s: '\\"[[[[' }), 1)).toBe(false);
  });
});

describe('sockets per source address', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine, { listen: true, server: { limits: { maxConnectionsPerAddress: 3 } } });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('answers the socket beyond the cap with 503 and accepts again once one closes', async () => {
    const held = [rawSocket(h.base!), rawSocket(h.base!), rawSocket(h.base!)];
    await Promise.all(held.map((s) => new Promise((r) => s.socket.once('connect', r))));
    // Let the server register the three before the fourth arrives.
    await new Promise((r) => setTimeout(r, 100));
    const extra = rawSocket(h.base!);
    await extra.closed;
    expect(extra.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(extra.received()).toContain('"code":"http.too-many-connections"');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 100));
    const again = rawSocket(h.base!);
    again.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await again.closed;
    expect(again.received()).toMatch(/^HTTP\/1\.1 200/);
    for (const s of held) s.socket.destroy();
  });

  it('does not cap a trusted proxy, whose sockets carry many callers', async () => {
    const p = await openHarness(pgliteEngine, {
      listen: true,
      server: { limits: { maxConnectionsPerAddress: 1 }, trustedProxies: parseTrustedProxies('127.0.0.0/8') },
    });
    try {
      const a = rawSocket(p.base!);
      await new Promise((r) => a.socket.once('connect', r));
      const b = rawSocket(p.base!);
      b.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await b.closed;
      expect(b.received()).toMatch(/^HTTP\/1\.1 200/);
      a.socket.destroy();
    } finally {
      await p.dispose();
    }
  });

  it('refuses a TRUST_PROXY entry that is not an address or range, naming it', () => {
    expect(() => parseTrustedProxies('10.0.0.1, proxy.local')).toThrow(/TRUST_PROXY: "proxy.local"/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    const t = parseTrustedProxies('10.0.0.0/24, ::1');
    expect([t.has('10.0.0.7'), t.has('::ffff:10.0.0.7'), t.has('10.0.1.7'), t.has('::1')]).toEqual([true, true, false, true]);
  });
});

describe('journal streams per device', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine, { listen: true });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });
  const post = async (path: string, body: unknown, auth: Record<string, string>) => {
    const res = await fetch(`${h.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rating = (deviceSeq: number) => ({
    mutationId: randomUUID(),
    deviceSeq,
    name: 'rating.submit@1',
    args: sampleRatingArgs('CN01'),
    schemaVersion: 1,
    createdAt: START,
  });
  const journalRows = async (deviceId: string) =>
    Number((await h.db.query<{ n: unknown }>('SELECT count(*) AS n FROM journals WHERE device_id = $1', [deviceId]))[0]!.n);

  it('heartbeats naming random journal ids write no journal rows', async () => {
    const kiosk = await enrolDevice(h, 'CN01');
    for (let i = 0; i < 50; i++) {
      const r = await post('/v1/heartbeat', sampleHeartbeat(randomUUID()), kiosk.auth);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.lastSeq).toBe(0);
    }
    expect(await journalRows(kiosk.deviceId)).toBe(0);
  });

  it(`opens at most ${MAX_JOURNALS_PER_DEVICE} streams per device; the next new one is refused with sync.journal-limit and existing ones go on`, async () => {
    const kiosk = await enrolDevice(h, 'CN01');
    const journals = Array.from({ length: MAX_JOURNALS_PER_DEVICE + 4 }, () => randomUUID());
    const statuses: number[] = [];
    for (const journalId of journals) {
      const r = await post('/v1/sync/push', { protocolVersion: 1, journalId, mutations: [rating(1)] }, kiosk.auth);
      statuses.push(r.status);
      if (r.status === 409) expect(r.body).toMatchObject({ code: 'sync.journal-limit' });
    }
    expect(statuses).toEqual([...Array<number>(MAX_JOURNALS_PER_DEVICE).fill(200), 409, 409, 409, 409]);
    expect(await journalRows(kiosk.deviceId)).toBe(MAX_JOURNALS_PER_DEVICE);
    expect(await h.db.query('SELECT 1 FROM ratings WHERE device_id = $1', [kiosk.deviceId])).toHaveLength(MAX_JOURNALS_PER_DEVICE);
    const next = await post('/v1/sync/push', { protocolVersion: 1, journalId: journals[0], mutations: [rating(2)] }, kiosk.auth);
    expect(PushResponse.parse(next.body).results.map((r) => r.status)).toEqual(['applied']);
    // Another device is not affected by this one's streams.
    const other = await enrolDevice(h, 'CN01');
    expect((await post('/v1/sync/push', { protocolVersion: 1, journalId: randomUUID(), mutations: [rating(1)] }, other.auth)).status).toBe(200);
  });
});

describe('look-up limits against rotated addresses and forged headers (real sockets)', () => {
  const CODE = '000.00.21.H26-261124-0042';
  /** POST /v1/lookup from a chosen loopback source address, optionally with X-Forwarded-For. */
  const lookupFrom = (base: string, localAddress: string, body: unknown, forwardedFor?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(`${base}/v1/lookup`);
      const payload = JSON.stringify(body);
      const req = httpRequest(
        {
          host: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          method: 'POST',
          localAddress,
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  it('20 rotated source addresses get a handful of 400 guesses at one code answered, not 400', async () => {
    const h = await openHarness(pgliteEngine, { listen: true });
    try {
      await recordDossierStatus(h.db, {
        code: CODE,
        branchCode: 'CN01',
        lookupSecret: 'HN7Q2WXZ',
        status: 'ready',
        statusAt: START,
        appointmentDate: null,
        note: '',
      });
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) {
        const r = await lookupFrom(h.base!, `127.0.0.${(i % 20) + 2}`, { code: CODE, secret: `HN7Q2W${'ABCDEFGHJKLMNPQRSTUV'[i % 20]}${(i % 7) + 2}` });
        statuses.push(r.status);
      }
      const answered = statuses.filter((s) => s === 404).length;
      // The clock stands still: only the free tries and the one after them are answered.
      expect(answered).toBe(DEFAULT_LOOKUP_LIMITS.perCodeFreeTries + 1);
      expect(statuses.filter((s) => s === 429).length).toBe(400 - answered);
    } finally {
      await h.dispose();
    }
  }, 60_000);

  it('an X-Forwarded-For header is ignored unless it comes from a configured proxy', async () => {
    const guesses = (i: number) => ({ code: `000.00.21.H26-261124-${1000 + i}`, secret: 'HN7Q2WXA' });
    const direct = await openHarness(pgliteEngine, { listen: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await lookupFrom(direct.base!, '127.0.0.30', guesses(i), `198.51.100.${i + 1}`)).status);
      expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
      expect(statuses[20]).toBe(429);
    } finally {
      await direct.dispose();
    }
    const proxied = await openHarness(pgliteEngine, { listen: true, server: { trustedProxies: parseTrustedProxies('127.0.0.31') } });
    try {
      const statuses: number[] = [];
      // Through the proxy, each citizen is their own address …
      for (let i = 0; i < 21; i++) statuses.push((await lookupFrom(proxied.base!, '127.0.0.31', guesses(i), `198.51.100.${i + 1}`)).status);
      expect(statuses.every((s) => s === 404)).toBe(true);
      // … and one citizen behind it is limited as one address.
      const one: number[] = [];
      for (let i = 0; i < 21; i++) one.push((await lookupFrom(proxied.base!, '127.0.0.31', guesses(100 + i), '203.0.113.7')).status);
      expect(one.slice(20)).toEqual([429]);
      // Another machine sending the header itself is not believed.
      const forged: number[] = [];
      for (let i = 0; i < 21; i++) forged.push((await lookupFrom(proxied.base!, '127.0.0.32', guesses(200 + i), `198.51.100.${i + 1}`)).status);
      expect(forged[20]).toBe(429);
    } finally {
      await proxied.dispose();
    }
  }, 60_000);

  it('the wait per code doubles from 2 s and stops at 15 minutes', () => {
    expect([1, 3, 4, 5, 10, 13, 14, 100].map((n) => codeDelayMs(n, DEFAULT_LOOKUP_LIMITS) / 1000)).toEqual([0, 0, 2, 4, 128, 900, 900, 900]);
  });
});
