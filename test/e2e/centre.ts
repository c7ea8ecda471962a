import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createAdminToken, createBranch, createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { publishChanges } from '../../src/server/changes';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { DeviceRole } from '../../src/shared/deviceConfig';
import { systemClock } from '../../src/shared/clock';
import { PublishRequest } from '../../src/shared/sync';

/**
 * A real central server for end-to-end tests, in the test worker's process: fastify on 127.0.0.1
 * port 0, PGlite in memory, branch CN01 with the kiosk's seeded configuration published in scope
 * branch:CN01. Tests make one-time enrolment codes and read what the server holds through the same
 * database, so nothing is shared through files and every worker has its own centre.
 */
export interface Centre {
  readonly url: string;
  readonly db: Db;
  readonly adminToken: string;
  enrolCode(role: DeviceRole, branch?: string): Promise<string>;
  /** Tickets the server holds for a branch, in number order. */
  tickets(branch?: string): Promise<{ number: string; deviceId: string; day: string }[]>;
  /** Puts a ticket on the server as if another kiosk of the branch had pushed it first. */
  seedConflictingTicket(input: { deviceId: string; day: string; groupPrefix: string; numeric: number; number: string }): Promise<void>;
  /** The centre withdraws a kiosk's credential (its data stays). */
  revoke(deviceId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startCentre(): Promise<Centre> {
  const db = await openPgliteDb(null);
  await migrate(db);
  await createBranch(db, 'CN01', 'Chi nhánh số 1');
  const adminToken = await createAdminToken(db, 'e2e', systemClock.now());
  const branch = BranchConfig.parse(JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')));
  const published = await publishChanges(db, PublishRequest.parse({ scope: 'branch:CN01', changes: [{ entity: 'branchConfig', op: 'put', data: branch }] }));
  if (!published.ok) throw new Error(`could not publish CN01's configuration: ${published.error.code} ${published.error.detail}`);
  const app: FastifyInstance = buildServer({ db, clock: systemClock, version: 'e2e' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    db,
    adminToken,
    async enrolCode(role, branchCode = 'CN01') {
      return (await createEnrolCode(db, branchCode, role, systemClock.now())).code;
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
    async close() {
      await app.close();
      await db.close();
    },
  };
}
