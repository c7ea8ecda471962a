import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createInterface } from 'node:readline';
import { createEnrolCode } from '../../src/server/admin';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { fixedClock } from '../../src/shared/clock';
import { BRANCH, benchBranch, countingDb, startBenchServer } from './syncFixtures';

/**
 * A server for the drain bench in a process of its own, as in real life (the kiosk and the
 * central server are different machines): the kiosk's work and the server's run in parallel on
 * the two cores, for ours and for PouchDB alike.
 *   tsx scripts/bench/childServer.ts kiosk   → central server on in-memory PGlite
 *   tsx scripts/bench/childServer.ts pouch   → express-pouchdb on the memory adapter
 * Prints one JSON line {baseUrl, …} when ready; then answers stdin commands with one JSON line:
 * `enrol` → {code}, `stats` → {tickets, transactions, txMs, queries, txQueries}, `reset` → {}.
 */
async function kiosk(): Promise<void> {
  const clock = fixedClock(Date.UTC(2026, 10, 24, 1));
  const pglite = await openPgliteDb(null);
  const counted = countingDb(pglite);
  const server = await startBenchServer(counted.db, clock, benchBranch());
  console.log(JSON.stringify({ baseUrl: server.baseUrl }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'enrol') console.log(JSON.stringify({ code: (await createEnrolCode(counted.db, BRANCH, 'citizen', clock.now())).code }));
    else if (line === 'reset') {
      counted.reset();
      console.log('{}');
    } else if (line === 'stats') {
      const tickets = Number((await pglite.query<{ n: unknown }>('SELECT count(*) AS n FROM tickets'))[0]?.n);
      console.log(JSON.stringify({ tickets, ...counted.counters }));
    }
  }
  await server.close();
  await pglite.close();
}

async function pouch(): Promise<void> {
  const require = createRequire(import.meta.url);
  const PouchDB = (require('pouchdb-core') as { plugin(p: unknown): unknown }).plugin(require('pouchdb-adapter-memory')) as {
    defaults(o: object): unknown;
  };
  const express = require('express') as () => { use(path: string, handler: unknown): void; listen(port: number, host: string, cb: () => void): Server };
  const expressPouchDb = require('express-pouchdb') as (pouch: unknown, options: object) => unknown;
  const app = express();
  app.use('/', expressPouchDb(PouchDB.defaults({ adapter: 'memory' }), { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const httpServer = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  console.log(JSON.stringify({ baseUrl: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` }));
  for await (const line of createInterface({ input: process.stdin })) void line;
  httpServer.close();
}

const mode = process.argv[2];
(mode === 'kiosk' ? kiosk() : mode === 'pouch' ? pouch() : Promise.reject(new Error('usage: childServer.ts kiosk|pouch'))).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
