import net from 'node:net';

/**
 * A TCP proxy in front of a server that behaves like a branch's WAN link, for tests and benches
 * (kernel netem is not available here). Node streams, no per-byte work.
 *
 * - Bandwidth: a token bucket per direction (`upBitsPerSecond`: kiosk → centre, `downBitsPerSecond`),
 *   shared by every connection through the proxy, as one link is. Data is cut into slices of at
 *   most 16 KiB, so parallel connections interleave; a slice leaves when the bucket holds its size
 *   (GCRA: the bucket is `burstBytes` deep).
 * - Latency: a slice reaches the other side `rttMs / 2` after it left. Each connection direction
 *   is one FIFO with one timer for its head, so bytes arrive in order; a timer that fires early is
 *   re-armed, so nothing arrives before its time.
 * - Handshake: a new connection's first bytes leave one RTT after it was accepted (TCP's SYN,
 *   SYN-ACK across the link), so opening connections costs what it costs on a WAN.
 * - Backpressure: a connection holding more than `queueBytes` not yet delivered in one direction
 *   stops reading its source until it drained (a router's buffer, not an infinite one).
 * - Cuts (kiosk → centre bytes delivered to the server, all connections, counted in `bytesIn`):
 *   `cutEvery` N destroys, on both sides, the connection carrying the byte that makes `bytesIn` a
 *   multiple of N, right after that byte; its undelivered bytes are lost. `cutAfter` N is a link
 *   that goes down at N: every connection sending more is destroyed, until it is set back to null.
 * - Counters: bytes delivered each way, bytes read from the kiosk (delivered or lost in a cut),
 *   connections accepted and cuts made. Assign 0 to reset them.
 * Unshaped (no bandwidth, no RTT), it forwards synchronously: a plain counting proxy.
 */
export interface LinkShape {
  /** Kiosk → centre, bits per second; null or absent = unlimited. */
  readonly upBitsPerSecond?: number | null;
  /** Centre → kiosk, bits per second; null or absent = unlimited. */
  readonly downBitsPerSecond?: number | null;
  /** Round-trip time the link adds, ms (half each way). */
  readonly rttMs?: number;
  /** Depth of each token bucket (default 16 KiB). */
  readonly burstBytes?: number;
  /** Undelivered bytes a connection may hold per direction before its source is paused (default 256 KiB). */
  readonly queueBytes?: number;
}

export interface ShapingProxy {
  /** http://127.0.0.1:<port>, to use instead of the server's URL. */
  readonly url: string;
  /** Bytes delivered to the server (kiosk → centre). */
  bytesIn: number;
  /** Bytes delivered to the kiosk (centre → kiosk). */
  bytesOut: number;
  /** Bytes read from the kiosk: delivered, or lost in a cut. */
  bytesOffered: number;
  /** Connections accepted. */
  connections: number;
  /** Connections destroyed by `cutEvery` or `cutAfter`. */
  cuts: number;
  /** Destroy the connection on which `bytesIn` reaches each multiple of this; null = never. */
  cutEvery: number | null;
  /** Once `bytesIn` reached this, every connection that sends more is destroyed; null = never. */
  cutAfter: number | null;
  close(): Promise<void>;
}

const SLICE_BYTES = 16 * 1024;

/** One direction of the link: a token bucket in GCRA form (theoretical arrival time). */
export class LinkBucket {
  private tat = 0;
  constructor(
    private readonly bytesPerMs: number | null,
    private readonly burstBytes: number,
  ) {}

  /** When a slice of `bytes` offered at `now` (ms) has left; successive calls queue behind each other. */
  depart(now: number, bytes: number): number {
    if (this.bytesPerMs === null) return now;
    this.tat = Math.max(now, this.tat) + bytes / this.bytesPerMs;
    return Math.max(now, this.tat - this.burstBytes / this.bytesPerMs);
  }
}

interface Slice {
  readonly at: number;
  readonly data: Buffer;
}

/** One direction of one connection: read from `from`, delivered to `to` in order, on time. */
class Pipe {
  private readonly queue: Slice[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes that arrived during the handshake, and the timer that releases them. */
  private readonly early: Buffer[] = [];
  private earlyTimer: NodeJS.Timeout | null = null;
  private full = false;
  private blocked = false;
  private ending = false;
  ended = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly link: LinkBucket,
    private readonly oneWayMs: number,
    private readonly queueBytes: number,
    /** No byte leaves before this (the handshake). */
    private readonly openAt: number,
    /** Writes `data` to `to`; false when the connection was cut meanwhile. */
    private readonly deliver: (data: Buffer) => boolean,
    private readonly onEnded: () => void,
  ) {
    to.on('drain', () => {
      this.blocked = false;
      this.updateFlow();
    });
  }

  push(data: Buffer): void {
    const now = performance.now();
    if (now < this.openAt || this.earlyTimer !== null) {
      // Still in the handshake (or its end is not yet handled: a timer can fire after I/O that
      // came later): the bytes wait behind the earlier ones without holding the link.
      this.early.push(data);
      this.full = this.early.reduce((n, b) => n + b.length, 0) > this.queueBytes;
      this.updateFlow();
      this.earlyTimer ??= setTimeout(() => this.release(), Math.max(1, Math.ceil(this.openAt - now)));
      return;
    }
    for (let start = 0; start < data.length; start += SLICE_BYTES) {
      const slice = data.subarray(start, start + SLICE_BYTES);
      const at = this.link.depart(Math.max(now, this.openAt), slice.length) + this.oneWayMs;
      this.queue.push({ at, data: slice });
      this.queued += slice.length;
    }
    this.full = this.queued > this.queueBytes;
    this.updateFlow();
    this.flush();
  }

  /** The source ended: end the destination once everything queued is delivered. */
  end(): void {
    this.ending = true;
    this.flush();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.earlyTimer) clearTimeout(this.earlyTimer);
    this.timer = null;
    this.earlyTimer = null;
    this.early.length = 0;
    this.queue.length = 0;
    this.queued = 0;
  }

  private release(): void {
    this.earlyTimer = null;
    if (performance.now() < this.openAt) {
      this.earlyTimer = setTimeout(() => this.release(), 1);
      return;
    }
    const early = this.early.splice(0);
    for (const data of early) this.push(data);
    if (early.length === 0) this.flush();
  }

  private flush(): void {
    if (this.earlyTimer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const slice = this.queue.shift()!;
      this.queued -= slice.data.length;
      if (!this.deliver(slice.data)) return;
      if (this.to.writableNeedDrain) this.blocked = true;
    }
    this.full = this.queued > this.queueBytes;
    this.updateFlow();
    const head = this.queue[0];
    if (head) {
      // Re-checked when it fires: a timer may fire a little early, a slice never arrives early.
      this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(head.at - now)));
    } else if (this.ending && !this.ended) {
      this.ended = true;
      this.to.end();
      this.onEnded();
    }
  }

  private updateFlow(): void {
    if (this.full || this.blocked) this.from.pause();
    else if (!this.ending) this.from.resume();
  }
}

export async function startShapingProxy(target: URL, shape: LinkShape = {}): Promise<ShapingProxy> {
  const rttMs = shape.rttMs ?? 0;
  const burst = shape.burstBytes ?? 16 * 1024;
  const perMs = (bps: number | null | undefined) => (bps ? bps / 8 / 1000 : null);
  const up = new LinkBucket(perMs(shape.upBitsPerSecond), burst);
  const down = new LinkBucket(perMs(shape.downBitsPerSecond), burst);
  const queueBytes = shape.queueBytes ?? 256 * 1024;
  const sockets = new Set<net.Socket>();
  const pipes = new Set<Pipe>();

  const proxy: ShapingProxy = {
    url: '',
    bytesIn: 0,
    bytesOut: 0,
    bytesOffered: 0,
    connections: 0,
    cuts: 0,
    cutEvery: null,
    cutAfter: null,
    close: async () => undefined,
  };

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    proxy.connections++;
    const upstream = net.connect({ port: Number(target.port), host: target.hostname, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    let dropped = false;
    /** A cut is under way: the bytes before it are being written, nothing more goes either way. */
    let cutting = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      toServer.stop();
      toKiosk.stop();
      pipes.delete(toServer);
      pipes.delete(toKiosk);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    const cut = () => {
      proxy.cuts++;
      drop();
    };
    const endedBoth = () => {
      if ((toServer.ended || serverGone) && toKiosk.ended) drop();
    };
    /**
     * The server closed or reset its side (it may answer before reading a whole body, then close):
     * what it sent still crosses the link to the kiosk, then the kiosk's side closes too. Bytes
     * the kiosk sends meanwhile are lost, as they would be.
     */
    let serverGone = false;
    const serverClosed = () => {
      if (dropped || serverGone) return;
      serverGone = true;
      toServer.stop();
      if (toKiosk.ended) drop();
      else toKiosk.end();
    };

    const deliverUp = (data: Buffer): boolean => {
      if (dropped || cutting || serverGone) return false;
      // Room before the next cut point (cutAfter: the link is down from there on).
      let room = Number.POSITIVE_INFINITY;
      if (proxy.cutAfter !== null) room = proxy.cutAfter - proxy.bytesIn;
      if (proxy.cutEvery !== null) room = Math.min(room, proxy.cutEvery - (proxy.bytesIn % proxy.cutEvery));
      if (room >= data.length && !(proxy.cutEvery !== null && room === data.length)) {
        proxy.bytesIn += data.length;
        upstream.write(data);
        return true;
      }
      if (room <= 0) {
        cut();
        return false;
      }
      // The cut falls inside (or right after) this slice: deliver up to it, then cut.
      const part = data.subarray(0, room);
      proxy.bytesIn += part.length;
      cutting = true;
      toServer.stop();
      toKiosk.stop();
      upstream.write(part, () => cut());
      return false;
    };
    const deliverDown = (data: Buffer): boolean => {
      if (dropped || cutting) return false;
      proxy.bytesOut += data.length;
      client.write(data);
      return true;
    };

    const openAt = performance.now() + rttMs;
    const toServer = new Pipe(client, upstream, up, rttMs / 2, queueBytes, openAt, deliverUp, endedBoth);
    const toKiosk = new Pipe(upstream, client, down, rttMs / 2, queueBytes, 0, deliverDown, endedBoth);
    pipes.add(toServer).add(toKiosk);

    client.on('data', (data: Buffer) => {
      proxy.bytesOffered += data.length;
      if (!serverGone) toServer.push(data);
    });
    upstream.on('data', (data: Buffer) => toKiosk.push(data));
    client.on('end', () => toServer.end());
    upstream.on('end', () => toKiosk.end());
    client.on('error', drop).on('close', () => drop());
    upstream.on('error', serverClosed).on('close', serverClosed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pipes) p.stop();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
