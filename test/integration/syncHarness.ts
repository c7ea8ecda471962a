import type { SyncStatus } from '../../src/sync/SyncStatus';
import type { KioskApp } from '../../src/app/KioskApp';
import { randomUUID } from 'node:crypto';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { FastifyInstance } from 'fastify';
import { createAdminToken, createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { Clock } from '../../src/shared/clock';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { issueTicket } from '../../src/storage/ticketRepository';
import { submitRating } from '../../src/storage/ratingRepository';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { SyncEngine } from '../../src/sync/SyncEngine';
import type { Transport } from '../../src/sync/Transport';
import { nodeRandom, seededBranch } from '../unit/fixtures';

/** A kiosk as the sync engine sees it: its two databases, its credential, an engine. */
export interface TestKiosk {
  readonly deviceId: string;
  readonly slot: number;
  db: KioskDb;
  reference: ReferenceDb;
  token: string;
  transport: Transport;
  engine: SyncEngine;
  /** Simulates the process dying: drop every in-memory object and reopen the same databases. */
  restart(): void;
}

export function makeKioskDbs(idb: IDBFactory, name: string): { db: KioskDb; reference: ReferenceDb } {
  return {
    db: new KioskDb(`${name}-journal`, { indexedDB: idb, IDBKeyRange }),
    reference: new ReferenceDb(`${name}-reference`, { indexedDB: idb, IDBKeyRange }),
  };
}

export async function enrolKiosk(
  db: Db,
  baseUrl: string,
  clock: Clock,
  slot: number,
  options: { branch?: string; fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<TestKiosk> {
  const branch = options.branch ?? 'CN01';
  const { code } = await createEnrolCode(db, branch, 'citizen', clock.now());
  const deviceId = randomUUID();
  const idb = new IDBFactory();
  const name = `kiosk-${deviceId}`;
  const plain = createHttpTransport({ baseUrl, token: () => null, fetch: options.fetch, timeoutMs: options.timeoutMs });
  const { token } = await plain.enrol({ code, deviceId, role: 'citizen' });
  const kiosk = {} as TestKiosk;
  const wire = () => {
    const dbs = makeKioskDbs(idb, name);
    kiosk.db = dbs.db;
    kiosk.reference = dbs.reference;
    kiosk.transport = createHttpTransport({ baseUrl, token: () => kiosk.token, fetch: options.fetch, timeoutMs: options.timeoutMs });
    kiosk.engine = new SyncEngine({ db: kiosk.db, reference: kiosk.reference, transport: kiosk.transport, branchCode: branch, clock, pullLimit: 7 });
  };
  Object.assign(kiosk, {
    deviceId,
    slot,
    token,
    restart() {
      kiosk.db.close();
      kiosk.reference.close();
      wire();
    },
  });
  wire();
  return kiosk;
}

export async function takeTicket(k: TestKiosk, clock: Clock, branch: BranchConfig = seededBranch(), prefix = 'A'): Promise<string> {
  const group = branch.serviceGroups.find((g) => g.prefix === prefix)!;
  const { ticket } = await issueTicket(k.db, { deviceId: k.deviceId, kioskSlot: k.slot, branch, group, priority: false }, clock, nodeRandom);
  return ticket.id;
}

export async function rate(k: TestKiosk, clock: Clock, level: 'satisfied' | 'dissatisfied' = 'satisfied'): Promise<string> {
  const r = await submitRating(
    k.db,
    k.deviceId,
    {
      branchCode: 'CN01',
      ticketId: null,
      dossierCode: null,
      counter: null,
      level,
      reasons: level === 'dissatisfied' ? ['time'] : [],
      comment: '',
      questionnaireId: null,
      questionnaireVersion: null,
    },
    clock,
    nodeRandom,
  );
  return r.rating.id;
}

/** A server with branches CN01/CN02, CN01's configuration published, and a centre admin token. */
export async function startCentre(
  clock: Clock,
  db?: Db,
  options: { blobDir?: string } = {},
): Promise<{ db: Db; app: FastifyInstance; baseUrl: string; adminToken: string; close(): Promise<void> }> {
  const database = db ?? (await openPgliteDb(null));
  await migrate(database);
  await createBranch(database, 'CN01', 'Chi nhánh số 1');
  await createBranch(database, 'CN02', 'Chi nhánh số 2');
  const adminToken = await createAdminToken(database, 'tests', clock.now());
  const app = buildServer({ db: database, clock, version: 'test', blobDir: options.blobDir ?? null });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  await publish(baseUrl, adminToken, 'branch:CN01', [{ entity: 'branchConfig', op: 'put', data: BranchConfig.parse(seededBranch()) }]);
  return {
    db: database,
    app,
    baseUrl,
    adminToken,
    async close() {
      await app.close();
      if (!db) await database.close();
    },
  };
}

export async function publish(baseUrl: string, adminToken: string, scope: string, changes: unknown[]): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/v1/admin/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ scope, changes }),
  });
  return { status: res.status, body: await res.json() };
}

export function procedure(code: string, name: string, active = true) {
  return {
    code,
    name,
    field: 'Hộ tịch',
    level: ['xa'],
    agency: 'Ủy ban nhân dân xã, phường',
    channels: [{ channel: 'in-person', workingDays: 5, timeText: '5 Ngày làm việc', feeVnd: 0, feeText: 'Miễn phí' }],
    documents: [{ id: 'd1', name: 'Tờ khai theo mẫu', originals: 1, copies: 0, optional: false, formTemplate: null }],
    applicants: 'Công dân Việt Nam',
    conditions: '',
    result: 'Giấy chứng nhận',
    legalBasis: ['Luật Hộ tịch 2014'],
    active,
  };
}

/** Resolves with the first sync status of `app` that passes `test` (rejects after `ms`). */
export function untilStatus(app: KioskApp, test: (s: SyncStatus) => boolean, ms = 20_000): Promise<SyncStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sync status never matched')), ms);
    const stop = app.sync.watchStatus((s) => {
      if (test(s)) {
        clearTimeout(timer);
        queueMicrotask(() => stop());
        resolve(s);
      }
    });
  });
}
