// Serves the built web kiosk (dist/) with Vite's preview server, which sends index.html for app
// routes and serves the service worker from the root scope.
import { preview } from 'vite';

/** @param {{ port?: number, host?: string }} [options] */
export async function startKioskPreview(options = {}) {
  const server = await preview({
    logLevel: 'warn',
    preview: { port: options.port ?? 4173, strictPort: options.port !== undefined && options.port !== 4173, host: options.host ?? '127.0.0.1' },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no TCP address');
  const url = `http://${address.address === '::1' ? '[::1]' : address.address}:${address.port}/`;
  return {
    url,
    close: () => new Promise((resolve) => server.httpServer.close(() => resolve(undefined))),
  };
}
