import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkBucket, startShapingProxy, type LinkShape, type ShapingProxy } from '../support/shapingProxy';

/**
 * The shaping proxy (test/support/shapingProxy.ts) that benches and integration tests put between
 * a kiosk and the centre. Only behaviour is asserted against real sockets: bytes intact and in
 * order, cuts after exactly N bytes on both sides, and lower bounds on time (a shaper only ever
 * delays, so "at least" cannot flake on a busy machine). Exact timings are asserted on the token
 * bucket alone, with made-up clocks.
 */

/** A TCP server that records, per connection, what it received and when. */
interface Sink {
  readonly port: number;
  readonly conns: { data: Buffer[]; firstAt: number | null; arrivals: number[]; closed: Promise<void>; socket: net.Socket }[];
  readonly server: net.Server;
}

async function startSink(): Promise<Sink> {
  const conns: Sink['conns'] = [];
  const server = net.createServer((socket) => {
    const conn: Sink['conns'][number] = {
      data: [],
      firstAt: null,
      arrivals: [],
      socket,
      closed: new Promise<void>((resolve) => socket.on('close', () => resolve())),
    };
    conns.push(conn);
    socket.on('data', (d: Buffer) => {
      const now = performance.now();
      conn.firstAt ??= now;
      conn.arrivals.push(now);
      conn.data.push(d);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, conns, server };
}

const opened: { proxy: ShapingProxy; sink: Sink }[] = [];
afterEach(async () => {
  for (const { proxy, sink } of opened.splice(0)) {
    await proxy.close();
    for (const c of sink.conns) c.socket.destroy();
    await new Promise((resolve) => sink.server.close(resolve));
  }
});

async function setUp(shape: LinkShape = {}) {
  const sink = await startSink();
  const proxy = await startShapingProxy(new URL(`http://127.0.0.1:${sink.port}`), shape);
  opened.push({ proxy, sink });
  const connect = async () => {
    const socket = net.connect(Number(new URL(proxy.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return socket;
  };
  return { sink, proxy, connect };
}

const until = async (test: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition never met');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const received = (sink: Sink, i: number) => Buffer.concat(sink.conns[i]?.data ?? []);
const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('LinkBucket (one direction of the link)', () => {
  it('lets slices leave at the line rate, one behind the other, after the burst', () => {
    // 20 Mbit/s = 2,500 bytes per ms; no burst.
    const bucket = new LinkBucket(2500, 0);
    expect(bucket.depart(0, 25_000)).toBe(10);
    expect(bucket.depart(0, 25_000)).toBe(20);
    // Offered after the link went idle: leaves one transmission time later.
    expect(bucket.depart(100, 2_500)).toBe(101);
  });

  it('lets a burst of up to its depth go at once, then the rate', () => {
    const bucket = new LinkBucket(1000, 4000);
    expect(bucket.depart(0, 4000)).toBe(0);
    expect(bucket.depart(0, 1000)).toBe(1);
    expect(bucket.depart(0, 1000)).toBe(2);
  });

  it('is unlimited without a rate', () => {
    const bucket = new LinkBucket(null, 0);
    expect(bucket.depart(7, 10_000_000)).toBe(7);
  });
});

describe('startShapingProxy', () => {
  it('delivers bytes intact and in order both ways, on several connections at once, and counts them', async () => {
    const { sink, proxy, connect } = await setUp({ upBitsPerSecond: 80e6, downBitsPerSecond: 80e6, rttMs: 10 });
    const payloads = [randomBytes(700_000), randomBytes(300_000)];
    const sockets = [await connect(), await connect()];
    for (const [i, socket] of sockets.entries()) {
      const bytes = payloads[i]!;
      // Many writes of odd sizes: slices must come out in the order they went in.
      for (let at = 0; at < bytes.length; at += 9_973) socket.write(bytes.subarray(at, at + 9_973));
    }
    await until(() => received(sink, 0).length + received(sink, 1).length === 1_000_000);
    const bySize = [received(sink, 0), received(sink, 1)].sort((a, b) => b.length - a.length);
    expect(bySize[0]!.equals(payloads[0]!)).toBe(true);
    expect(bySize[1]!.equals(payloads[1]!)).toBe(true);
    expect(proxy.bytesIn).toBe(1_000_000);
    expect(proxy.bytesOffered).toBe(1_000_000);
    expect(proxy.connections).toBe(2);

    // The other way: the server answers on the first connection.
    const answer = randomBytes(500_000);
    const got: Buffer[] = [];
    const conn = sink.conns.find((c) => Buffer.concat(c.data).length === 700_000)!;
    const reader = sockets[0]!;
    reader.on('data', (d: Buffer) => got.push(d));
    conn.socket.write(answer);
    await until(() => Buffer.concat(got).length === answer.length);
    expect(Buffer.concat(got).equals(answer)).toBe(true);
    expect(proxy.bytesOut).toBe(500_000);
    expect(proxy.cuts).toBe(0);
  });

  it('cuts the connection carrying every Nth byte on both sides, right after it, and goes on counting on the next connection', async () => {
    const { sink, proxy, connect } = await setUp({ upBitsPerSecond: 40e6, rttMs: 4 });
    proxy.cutEvery = 100_000;
    const first = await connect();
    const bytes = randomBytes(250_000);
    first.write(bytes);
    await closed(first);
    await sink.conns[0]!.closed;
    expect(received(sink, 0).equals(bytes.subarray(0, 100_000))).toBe(true);
    expect(proxy).toMatchObject({ bytesIn: 100_000, cuts: 1 });

    // The next connection is cut when the total delivered reaches 200,000.
    const second = await connect();
    const more = randomBytes(150_000);
    second.write(more);
    await closed(second);
    await until(() => sink.conns.length === 2);
    await sink.conns[1]!.closed;
    expect(received(sink, 1).equals(more.subarray(0, 100_000))).toBe(true);
    expect(proxy).toMatchObject({ bytesIn: 200_000, cuts: 2, connections: 2 });

    // Without cuts, the rest goes through.
    proxy.cutEvery = null;
    const third = await connect();
    third.write(more);
    await until(() => received(sink, 2).length === 150_000);
    expect(received(sink, 2).equals(more)).toBe(true);
    expect(proxy.cuts).toBe(2);
  });

  it('cutAfter: the link goes down at N bytes, for every connection, until it is set back to null', async () => {
    const { sink, proxy, connect } = await setUp();
    proxy.cutAfter = 50_000;
    const first = await connect();
    first.write(randomBytes(80_000));
    await closed(first);
    expect(received(sink, 0)).toHaveLength(50_000);
    const second = await connect();
    second.write(Buffer.from('hello'));
    await closed(second);
    expect(proxy).toMatchObject({ bytesIn: 50_000, cuts: 2 });
    proxy.cutAfter = null;
    const third = await connect();
    third.write(Buffer.from('hello'));
    await until(() => received(sink, 2).length === 5);
  });

  it('delays delivery by half the RTT each way, and a new connection by one more RTT (its handshake)', async () => {
    const rttMs = 60;
    const { sink, connect } = await setUp({ rttMs });
    // Taken before connecting: the proxy accepts the connection after this, never before.
    const connecting = performance.now();
    const socket = await connect();
    socket.write(Buffer.from('first'));
    await until(() => (sink.conns[0]?.firstAt ?? null) !== null);
    expect(sink.conns[0]!.firstAt! - connecting).toBeGreaterThanOrEqual(rttMs + rttMs / 2);

    const sentAt = performance.now();
    socket.write(Buffer.from('second'));
    await until(() => (sink.conns[0]?.arrivals.length ?? 0) >= 2);
    expect(sink.conns[0]!.arrivals[1]! - sentAt).toBeGreaterThanOrEqual(rttMs / 2);

    // And back: the answer takes at least half the RTT too.
    let answeredAt = 0;
    socket.once('data', () => (answeredAt = performance.now()));
    const writeAt = performance.now();
    sink.conns[0]!.socket.write('answer');
    await until(() => answeredAt > 0);
    expect(answeredAt - writeAt).toBeGreaterThanOrEqual(rttMs / 2);
  });

  it('keeps bytes in order across the end of the handshake, even when I/O is handled before its timer', async () => {
    // The proxy's clock, moved by hand: the second write is read after the handshake's end but
    // before the timer that releases the first one has fired.
    let fakeNow = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => fakeNow);
    try {
      const { sink, connect } = await setUp({ rttMs: 200 });
      const socket = await connect();
      socket.write(Buffer.alloc(1000, 'a'));
      await new Promise((r) => setTimeout(r, 20));
      fakeNow = 500;
      socket.write(Buffer.alloc(1000, 'b'));
      await new Promise((r) => setTimeout(r, 300));
      fakeNow = 10_000;
      await until(() => received(sink, 0).length === 2000);
      expect(received(sink, 0).toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000));
    } finally {
      clock.mockRestore();
    }
  });

  it('never delivers faster than the bandwidth, however many connections share the link', async () => {
    // 8 Mbit/s = 1,000 bytes per ms; 200 kB must take at least 200 ms minus the 16 KiB burst.
    const { sink, connect } = await setUp({ upBitsPerSecond: 8e6 });
    const sockets = [await connect(), await connect(), await connect(), await connect()];
    const start = performance.now();
    for (const s of sockets) s.write(randomBytes(50_000));
    await until(() => sink.conns.reduce((n, c) => n + Buffer.concat(c.data).length, 0) === 200_000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(200 - 16.384);
  });
});
