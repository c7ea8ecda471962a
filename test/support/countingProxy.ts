import net from 'node:net';

/* Used by test/integration/blobs.test.ts and scripts/bench/blobs.bench.ts. */
/** Forwards TCP to the server, counting client→server bytes; `cutAfter` drops every connection once reached. */
export interface CountingProxy {
  readonly url: string;
  bytesIn: number;
  cutAfter: number | null;
  close(): Promise<void>;
}

export async function startProxy(target: URL): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: CountingProxy = { url: '', bytesIn: 0, cutAfter: null, close: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (data: Buffer) => {
      const room = proxy.cutAfter === null ? data.length : proxy.cutAfter - proxy.bytesIn;
      if (room < data.length) {
        if (room > 0) {
          proxy.bytesIn += room;
          upstream.write(data.subarray(0, room), drop);
        } else drop();
        return;
      }
      proxy.bytesIn += data.length;
      if (!upstream.write(data)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
