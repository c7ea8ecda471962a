import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAdminToken, createBranch, createEnrolCode, reinstateDevice, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { wireError } from '../../src/server/wireErrors';
import { diskStorage, readBlobBytes } from '../../src/server/blobStore';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import { readReceivedDossiers } from '../../src/server/personalData';
import { publishChanges } from '../../src/server/changes';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { DeviceRole } from '../../src/shared/deviceConfig';
import { systemClock } from '../../src/shared/clock';
import { BLOB_TUS_PATH, PublishRequest } from '../../src/shared/sync';

/**
 * A real central server for end-to-end tests, in the test worker's process: fastify on 127.0.0.1
 * (a port of its own: another origin than the kiosk's, as in production), PGlite in memory, a blob
 * folder for scans, branch CN01 with the kiosk's seeded configuration published in scope
 * branch:CN01. It allows the web kiosk's origin (KIOSK_URL) the way `npm start` does, unless told
 * otherwise. Tests make one-time enrolment codes and read what the server holds through the same
 * database, so nothing is shared through files and every worker has its own centre.
 *
 * Faults come from the server itself, never from the browser's network layer: `failSync` makes the
 * server answer device calls with an error (its CORS headers as usual), `stop`/`start` cut it and
 * bring it back on the same port with the same data.
 */
export interface CentreOptions {
  /** Web-kiosk origins the server allows (KIOSK_ORIGINS); default: the e2e kiosk's origin. */
  readonly corsOrigins?: readonly string[];
  /**
   * An open database to use instead of a new one: it is emptied (schema dropped) and migrated anew,
   * and left open on close. Booting PGlite costs about 3 s, emptying it a tenth of that, so every
   * test can have a centre of its own (fixtures.ts) without one test's records showing in another's.
   */
  readonly db?: Db;
}

export interface TusRequest {
  readonly method: string;
  readonly path: string;
  /** The Upload-Offset header a PATCH carried. */
  readonly offset: number | null;
  /** Which server instance saw it (1 = the first start, 2 after a restart…). */
  readonly instance: number;
}

export interface Centre {
  readonly url: string;
  readonly db: Db;
  readonly adminToken: string;
  readonly blobDir: string;
  /** Every tus request that reached the server, across restarts. */
  readonly tusLog: TusRequest[];
  /** A one-time code; with `deviceId`, a code for that device only (re-enrolling a known device). */
  enrolCode(role: DeviceRole, branch?: string, deviceId?: string): Promise<string>;
  /** Tickets the server holds for a branch, in number order. */
  tickets(branch?: string): Promise<{ number: string; deviceId: string; day: string }[]>;
  /** Puts a ticket on the server as if another kiosk of the branch had pushed it first. */
  seedConflictingTicket(input: { deviceId: string; day: string; groupPrefix: string; numeric: number; number: string }): Promise<void>;
  /** The centre withdraws a kiosk's credential (its data stays). */
  revoke(deviceId: string): Promise<void>;
  /** Staff lift the revocation; the device then needs a code issued for it. */
  reinstate(deviceId: string): Promise<void>;
  /** From now on the server answers every authenticated device call with this error (null: normal again). */
  failSync(fault: { readonly status: number; readonly code: string; readonly detail: string } | null): void;
  /** The server goes away: every open connection is dropped and the port closed. */
  stop(): Promise<void>;
  /**
   * Stops the server the moment the n-th tus PATCH from now arrives (its body still on the way),
   * so the cut lands inside an upload whatever the machine's speed. Resolves once it is down.
   */
  stopAtPatch(n: number): Promise<void>;
  /** The server comes back on the same port, with the same database and blob folder. */
  start(): Promise<void>;
  /**
   * From now on the server applies every push as usual but keeps its answer until `release`: a
   * kiosk cut off meanwhile never hears that its records arrived. `arrived` resolves when the first
   * held push has been applied (its transaction committed, the answer ready).
   */
  holdPushAnswers(): PushHold;
  /** What the centre holds of the dossiers a device sent, decoded as the server reads them. */
  receivedDossiers(deviceId: string): Promise<ReceivedDossierRow[]>;
  /** The SHA-256 of the bytes the centre stored for a verified blob (null: no verified copy). */
  storedBlobSha256(sha256: string): Promise<string | null>;
  /** How many mutations of each (journal, seq) of a device the centre recorded, and their status. */
  mutations(deviceId: string): Promise<{ journalId: string; deviceSeq: number; name: string; status: string; copies: number }[]>;
  close(): Promise<void>;
}

export interface PushHold {
  readonly arrived: Promise<void>;
  /** How many pushes were applied and are waiting for their answer. */
  readonly held: () => number;
  release(): void;
}

export interface ReceivedDossierRow {
  readonly id: string;
  readonly code: string;
  readonly applicant: { readonly idNumber: string; readonly fullName: string; readonly [k: string]: unknown };
  readonly procedureCode: string;
  readonly documents: readonly { readonly documentId: string; readonly name: string; readonly sha256: string; readonly size: number; readonly pages: number }[];
  readonly incompleteReason: string | null;
  readonly blobCount: number;
  readonly blobsMissing: number;
}

function kioskOrigin(): string[] {
  const url = process.env.KIOSK_URL;
  return url ? [new URL(url).origin] : [];
}

export async function startCentre(options: CentreOptions = {}): Promise<Centre> {
  const db = options.db ?? (await openPgliteDb(null));
  if (options.db) {
    await options.db.query('DROP SCHEMA public CASCADE');
    await options.db.query('CREATE SCHEMA public');
  }
  await migrate(db);
  await createBranch(db, 'CN01', 'Chi nhánh số 1');
  const adminToken = await createAdminToken(db, 'e2e', systemClock.now());
  const branch = BranchConfig.parse(JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')));
  const published = await publishChanges(db, PublishRequest.parse({ scope: 'branch:CN01', changes: [{ entity: 'branchConfig', op: 'put', data: branch }] }));
  if (!published.ok) throw new Error(`could not publish CN01's configuration: ${published.error.code} ${published.error.detail}`);
  const blobDir = mkdtempSync(join(tmpdir(), 'hpasc-e2e-blobs-'));
  // Personal data and scans are sealed at rest; the keys live as long as this centre (restarts included).
  const dataProtection = ephemeralDataProtection();
  const corsOrigins = options.corsOrigins ?? kioskOrigin();
  const tusLog: TusRequest[] = [];
  let fault: { status: number; code: string; detail: string } | null = null;
  let instance = 0;
  let port = 0;
  let app: FastifyInstance | null = null;
  let cut: { left: number; done: () => void } | null = null;
  let pushGate: { gate: Promise<void>; arrived: () => void; count: number } | null = null;

  async function listen(): Promise<string> {
    const server = buildServer({ db, clock: systemClock, version: 'e2e', blobDir, corsOrigins, dataProtection });
    // After the CORS hook (registered inside buildServer): preflights are answered as usual, and a
    // faulty answer carries the same CORS headers as a real one.
    server.addHook('onRequest', async (request, reply) => {
      if (fault && request.headers.authorization && request.url.startsWith('/v1/')) {
        return reply.code(fault.status).send(wireError(fault.code, fault.detail));
      }
    });
    // A held push: its handler has run (transaction committed), only the answer waits.
    server.addHook('onSend', async (request, _reply, payload) => {
      const gate = pushGate;
      if (!gate || request.method !== 'POST' || request.url !== '/v1/sync/push') return payload;
      gate.count++;
      gate.arrived();
      await gate.gate;
      return payload;
    });
    instance++;
    const seen = instance;
    // Counts requests without touching their bodies (tus reads them).
    server.server.on('request', (req: IncomingMessage) => {
      if (!req.url?.startsWith(BLOB_TUS_PATH) || req.method === 'OPTIONS') return;
      const offset = req.headers['upload-offset'];
      tusLog.push({ method: req.method ?? '', path: req.url, offset: typeof offset === 'string' ? Number(offset) : null, instance: seen });
      if (cut && req.method === 'PATCH' && --cut.left === 0) {
        const { done } = cut;
        cut = null;
        void stop().then(done);
      }
    });
    const address = await server.listen({ port, host: '127.0.0.1' });
    port = Number(new URL(address).port);
    app = server;
    return address;
  }

  async function stop(): Promise<void> {
    const current = app;
    app = null;
    if (!current) return;
    current.server.closeAllConnections();
    await current.close();
  }

  const url = await listen();
  return {
    url,
    db,
    adminToken,
    blobDir,
    tusLog,
    async enrolCode(role, branchCode = 'CN01', deviceId) {
      // One centre serves many browser profiles, each a new device in the default slot 0, and the
      // centre binds a slot to one active device (src/server/deviceSlots.ts). A branch would revoke
      // the machine a new one replaces; here the earlier kiosks keep their credential and are only
      // released from their slot (unbound devices sync as before), so the next one can claim it.
      // deviceSlots.test.ts covers the binding itself.
      await db.query('UPDATE devices SET slot = NULL WHERE branch_code = $1', [branchCode]);
      return (await createEnrolCode(db, branchCode, role, systemClock.now(), undefined, deviceId ?? null)).code;
    },
    async tickets(branchCode = 'CN01') {
      const rows = await db.query<{ number: string; device_id: string; day: string }>(
        'SELECT number, device_id, day FROM tickets WHERE branch_code = $1 ORDER BY group_prefix, numeric',
        [branchCode],
      );
      return rows.map((r) => ({ number: r.number, deviceId: r.device_id, day: r.day }));
    },
    async seedConflictingTicket(t) {
      await db.query(
        `INSERT INTO tickets (id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at)
         VALUES (gen_random_uuid(), 'CN01', $1, 0, $2, $3, $4, $5, false, $6)`,
        [t.deviceId, t.day, t.groupPrefix, t.number, t.numeric, systemClock.now()],
      );
    },
    async revoke(deviceId) {
      if (!(await revokeDevice(db, deviceId, systemClock.now()))) throw new Error(`no device ${deviceId} on the server`);
    },
    async reinstate(deviceId) {
      if (!(await reinstateDevice(db, deviceId))) throw new Error(`no revoked device ${deviceId} on the server`);
    },
    failSync(next) {
      fault = next;
    },
    stop,
    stopAtPatch(n) {
      return new Promise<void>((resolve) => {
        cut = { left: n, done: resolve };
      });
    },
    async start() {
      if (!app) await listen();
    },
    holdPushAnswers() {
      let open = (): void => undefined;
      let arrived = (): void => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      const hold = { gate, arrived, count: 0 };
      pushGate = hold;
      return {
        arrived: arrival,
        held: () => hold.count,
        release() {
          if (pushGate === hold) pushGate = null;
          open();
        },
      };
    },
    async receivedDossiers(deviceId) {
      // Decrypted as the centre reads them (personalData.ts).
      const rows = await readReceivedDossiers(db, dataProtection, { deviceId });
      return rows.map((r) => ({
        id: r.id,
        code: r.code,
        applicant: r.applicant as ReceivedDossierRow['applicant'],
        procedureCode: String(r.procedure_code),
        documents: r.documents as ReceivedDossierRow['documents'],
        incompleteReason: r.incomplete_reason,
        blobCount: Number(r.blob_count),
        blobsMissing: Number(r.blobs_missing),
      }));
    },
    async storedBlobSha256(sha256) {
      // Stored sealed: opened with its data key, as every read of the centre does.
      const bytes = await readBlobBytes(db, diskStorage(blobDir), dataProtection, sha256);
      return bytes === null ? null : createHash('sha256').update(bytes).digest('hex');
    },
    async mutations(deviceId) {
      const rows = await db.query<{ journal_id: string; device_seq: string | number; name: string; status: string; copies: string | number }>(
        `SELECT journal_id, device_seq, min(name) AS name, min(status) AS status, count(*) AS copies
           FROM mutations WHERE device_id = $1 GROUP BY journal_id, device_seq ORDER BY journal_id, device_seq`,
        [deviceId],
      );
      return rows.map((r) => ({ journalId: r.journal_id, deviceSeq: Number(r.device_seq), name: r.name, status: r.status, copies: Number(r.copies) }));
    },
    async close() {
      await app?.close();
      app = null;
      if (!options.db) await db.close();
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}
