import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch, createEnrolCode, listDevices, reinstateDevice, revokeDevice } from '../../src/server/admin';
import { publishChanges } from '../../src/server/changes';
import { isActiveSlotTaken } from '../../src/server/deviceSlots';
import { loadMigrations, migrate } from '../../src/server/db/migrate';
import type { BranchConfig } from '../../src/shared/branchConfig';
import type { DeviceRole } from '../../src/shared/deviceConfig';
import { EnrolResponse, PushResponse } from '../../src/shared/sync';
import { RECORD_SAMPLES } from '../support/recordSamples';
import { engines, openHarness, START, type Harness } from './serverHarness';

/**
 * One device per slot, on both engines: a slot of a branch is bound to one active device at
 * enrolment (the second is refused with the holder's id), re-enrolment keeps or moves it, revoking
 * frees it, a slot outside the published numbering is refused, concurrent claims cannot both win
 * (the database's partial unique index), a record numbered in another slot than the device's is
 * refused, and migration 011 keeps the newest of devices that already share a slot.
 */
const JOURNAL = '0193a1b2-0000-7000-8000-00000000c011';

describe.each(engines)('slots bound to devices on $name', (engine) => {
  let h: Harness;
  let branchSeq = 0;

  beforeAll(async () => {
    h = await openHarness(engine);
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  /** A fresh branch per test, so slots do not carry over. */
  const newBranch = async () => {
    const code = `SL${++branchSeq}`;
    await createBranch(h.db, code, `Chi nhánh ${code}`);
    return code;
  };

  const enrolWith = async (code: string, deviceId: string, role: DeviceRole, slot?: number) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, deviceId, role, ...(slot === undefined ? {} : { slot }) } });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  const enrol = async (branch: string, role: DeviceRole, slot: number | undefined, deviceId: string = randomUUID(), forDevice = false) => {
    const { code } = await createEnrolCode(h.db, branch, role, h.clock.now(), undefined, forDevice ? deviceId : null);
    return { deviceId, code, ...(await enrolWith(code, deviceId, role, slot)) };
  };
  const slotOf = async (deviceId: string) =>
    (await h.db.query<{ slot: number | null }>('SELECT slot FROM devices WHERE device_id = $1', [deviceId]))[0]?.slot ?? null;

  it('binds a slot to one active device: a second device is refused with the holder, keeps its code and enrols in a free slot', async () => {
    const branch = await newBranch();
    const kiosk = await enrol(branch, 'citizen', 2);
    expect(kiosk.status).toBe(200);
    expect(await slotOf(kiosk.deviceId)).toBe(2);

    // Counters and citizen kiosks number tickets in one space: a counter cannot take the kiosk's slot.
    const counter = await enrol(branch, 'counter', 2);
    expect(counter).toMatchObject({ status: 409, body: { code: 'enrol.slot-taken' } });
    expect(String(counter.body.detail)).toContain(kiosk.deviceId);
    expect(await h.db.query('SELECT 1 FROM devices WHERE device_id = $1', [counter.deviceId])).toEqual([]);
    // The refusal did not spend the code: the technician chooses another slot and enrols with it.
    expect(await enrolWith(counter.code, counter.deviceId, 'counter', 3)).toMatchObject({ status: 200 });
    expect(await slotOf(counter.deviceId)).toBe(3);

    // A technician machine numbers nothing: it holds no slot and blocks none.
    const technician = await enrol(branch, 'technician', 2);
    expect(technician.status).toBe(200);
    expect(await slotOf(technician.deviceId)).toBeNull();

    // Another branch has its own slots.
    expect((await enrol(await newBranch(), 'citizen', 2)).status).toBe(200);

    const audit = await h.db.query<{ outcome: string; detail: string }>(
      "SELECT outcome, detail FROM audit_log WHERE action = 'device.enrol' AND target = $1 ORDER BY id",
      [counter.deviceId],
    );
    expect(audit).toEqual([
      { outcome: 'refused', detail: 'enrol.slot-taken' },
      { outcome: 'ok', detail: 'as counter in slot 3' },
    ]);
  });

  it('keeps the slot when a device re-enrols, moves it on request, frees it on revocation; a reinstated device claims one again', async () => {
    const branch = await newBranch();
    const a = await enrol(branch, 'counter', 1);
    expect(a.status).toBe(200);
    expect((await enrol(branch, 'counter', 1, a.deviceId, true)).status).toBe(200);
    expect(await slotOf(a.deviceId)).toBe(1);

    const b = await enrol(branch, 'citizen', 1);
    expect(b.body.code).toBe('enrol.slot-taken');
    expect((await enrol(branch, 'counter', 5, a.deviceId, true)).status).toBe(200);
    expect(await slotOf(a.deviceId)).toBe(5);
    expect((await enrolWith(b.code, b.deviceId, 'citizen', 1)).status).toBe(200);

    await revokeDevice(h.db, b.deviceId, h.clock.now());
    const c = await enrol(branch, 'citizen', 1);
    expect(c.status).toBe(200);
    expect(await slotOf(c.deviceId)).toBe(1);

    await reinstateDevice(h.db, b.deviceId, undefined, h.clock.now());
    expect(await slotOf(b.deviceId)).toBeNull();
    expect((await enrol(branch, 'citizen', 1, b.deviceId, true)).body).toMatchObject({ code: 'enrol.slot-taken' });
    expect((await enrol(branch, 'citizen', 6, b.deviceId, true)).status).toBe(200);

    expect((await listDevices(h.db)).filter((d) => d.branchCode === branch).map((d) => [d.deviceId, d.slot, d.revoked])).toEqual(
      expect.arrayContaining([
        [a.deviceId, 5, false],
        [b.deviceId, 6, false],
        [c.deviceId, 1, false],
      ]),
    );
  });

  it("refuses a slot outside the branch's published numbering (tickets for every numbering role, dossiers for counters)", async () => {
    const branch = await newBranch();
    const seed = JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')) as BranchConfig;
    const config: BranchConfig = {
      ...seed,
      branchCode: branch,
      numbering: { ...seed.numbering, slots: 4 },
      reception: { ...seed.reception!, numbering: { ...seed.reception!.numbering, slots: 2 } },
    };
    expect((await publishChanges(h.db, { scope: `branch:${branch}`, changes: [{ entity: 'branchConfig', op: 'put', data: config }] })).ok).toBe(true);

    const kiosk = await enrol(branch, 'citizen', 4);
    expect(kiosk).toMatchObject({ status: 422, body: { code: 'enrol.slot-out-of-range' } });
    expect((await enrolWith(kiosk.code, kiosk.deviceId, 'citizen', 3)).status).toBe(200);
    expect((await enrol(branch, 'counter', 3)).body).toMatchObject({ code: 'enrol.slot-out-of-range' });
    expect((await enrol(branch, 'counter', 1)).status).toBe(200);
    // The wire schema bounds it whatever the branch publishes.
    expect((await enrol(branch, 'citizen', 50)).body).toMatchObject({ code: 'enrol.bad-request' });
  });

  it('enrols a kiosk older than the binding (no slot sent) without a slot; re-enrolling without one keeps the bound slot', async () => {
    const branch = await newBranch();
    const old = await enrol(branch, 'citizen', undefined);
    expect(old.status).toBe(200);
    expect(await slotOf(old.deviceId)).toBeNull();
    const bound = await enrol(branch, 'citizen', 0);
    expect(bound.status).toBe(200);
    expect((await enrol(branch, 'citizen', undefined, bound.deviceId, true)).status).toBe(200);
    expect(await slotOf(bound.deviceId)).toBe(0);
    expect((await enrol(branch, 'citizen', 0)).body).toMatchObject({ code: 'enrol.slot-taken' });
  });

  it('lets one of several concurrent enrolments of one slot win, and the database refuses a second active device on a slot', async () => {
    const branch = await newBranch();
    const codes = await Promise.all([0, 1, 2, 3].map(() => createEnrolCode(h.db, branch, 'citizen', h.clock.now())));
    const answers = await Promise.all(codes.map(({ code }) => enrolWith(code, randomUUID(), 'citizen', 7)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('enrol.slot-taken');

    const other = await enrol(branch, 'citizen', 8);
    const refused: unknown = await h.db.query('UPDATE devices SET slot = 7 WHERE device_id = $1', [other.deviceId]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: '23505' });
    // What the enrolment route retries on when a concurrent claim won the race.
    expect(isActiveSlotTaken(refused)).toBe(true);
    // A revoked device's row may keep the number: only active devices hold slots.
    await revokeDevice(h.db, other.deviceId, h.clock.now());
    await h.db.query('UPDATE devices SET slot = 7 WHERE device_id = $1', [other.deviceId]);
  });

  it("refuses a ticket numbered in another slot than its device's (ticket.slot-not-enrolled); a device without a bound slot is not checked", async () => {
    const branch = await newBranch();
    const push = async (token: string, deviceSeq: number, kioskSlot: number, numeric: number) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/sync/push',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          protocolVersion: 1,
          journalId: JOURNAL,
          mutations: [
            {
              mutationId: randomUUID(),
              deviceSeq,
              name: 'ticket.issue@1',
              schemaVersion: 1,
              createdAt: START,
              args: { ...RECORD_SAMPLES['ticket.issue@1'](numeric, branch), kioskSlot, priority: false, issuedAt: START },
            },
          ],
        },
      });
      expect(res.statusCode).toBe(200);
      return PushResponse.parse(res.json()).results[0];
    };
    const bound = await enrol(branch, 'citizen', 1);
    const token = String(EnrolResponse.parse(bound.body).token);
    expect(await push(token, 1, 0, 1)).toMatchObject({ status: 'rejected', reason: { code: 'ticket.slot-not-enrolled' } });
    expect(await push(token, 2, 1, 1002)).toMatchObject({ status: 'applied' });

    const unbound = await enrol(branch, 'citizen', undefined);
    expect(await push(String(EnrolResponse.parse(unbound.body).token), 1, 3, 3001)).toMatchObject({ status: 'applied' });
  });
});

describe.each(engines)('migration 011 on a database whose devices already share slots, on $name', (engine) => {
  it('keeps the newest enrolment on each slot, flags the others (slot_conflict, audit) and then enforces the rule', async () => {
    const { db, dispose } = await engine.open();
    try {
      await migrate(
        db,
        loadMigrations().filter((m) => m.version <= 10),
      );
      await createBranch(db, 'CN01', 'Chi nhánh số 1');
      await createBranch(db, 'CN02', 'Chi nhánh số 2');
      const ids = Array.from({ length: 7 }, () => randomUUID());
      const [oldest, middle, newest, revoked, technician, silent, otherBranch] = ids as [string, string, string, string, string, string, string];
      const device = (id: string, branch: string, role: string, enrolledAt: number, revokedAt: number | null = null) =>
        db.query('INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          id,
          branch,
          role,
          `hash-${id}`,
          enrolledAt,
          revokedAt,
        ]);
      await device(oldest, 'CN01', 'citizen', 1);
      await device(middle, 'CN01', 'counter', 2);
      await device(newest, 'CN01', 'citizen', 3);
      await device(revoked, 'CN01', 'citizen', 4, 5);
      await device(technician, 'CN01', 'technician', 6);
      await device(silent, 'CN01', 'citizen', 7);
      await device(otherBranch, 'CN02', 'citizen', 1);
      let n = 0;
      const ticket = (id: string, branch: string, slot: number, issuedAt: number) =>
        db.query(
          `INSERT INTO tickets (id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at)
           VALUES ($1, $2, $3, $4, '2026-11-24', 'A', $5, $6, false, $7)`,
          [randomUUID(), branch, id, slot, `A${++n}`, n, issuedAt],
        );
      // The middle device moved from slot 0 to slot 1 (its latest ticket counts).
      await ticket(middle, 'CN01', 0, 100);
      await ticket(middle, 'CN01', 1, 200);
      await ticket(oldest, 'CN01', 1, 300);
      await ticket(newest, 'CN01', 1, 150);
      await ticket(revoked, 'CN01', 1, 400);
      await ticket(technician, 'CN01', 2, 100);
      await ticket(otherBranch, 'CN02', 1, 100);
      // A blob stored before owners existed is owned by the branch that stored it.
      await db.query("INSERT INTO blobs (sha256, size, storage_key, branch_code, device_id, verified_at) VALUES ($1, 1, 'k', 'CN01', $2, 1)", [
        'a'.repeat(64),
        middle,
      ]);

      expect(await migrate(db)).toEqual(
        loadMigrations()
          .filter((m) => m.version > 10)
          .map((m) => m.version),
      );

      const rows = await db.query<{ device_id: string; slot: number | null; slot_conflict: number | null }>(
        'SELECT device_id, slot, slot_conflict FROM devices',
      );
      const byId = new Map(rows.map((r) => [r.device_id, [r.slot, r.slot_conflict]]));
      expect(ids.map((id) => byId.get(id))).toEqual([
        [null, 1], // oldest: lost slot 1 to the newest enrolment
        [null, 1],
        [1, null], // newest enrolment keeps it
        [null, null], // revoked devices hold nothing
        [null, null], // technicians hold nothing
        [null, null], // sent nothing: bound at its next enrolment
        [1, null], // another branch
      ]);
      const flagged = await db.query<{ target: string; outcome: string; branch_code: string }>(
        "SELECT target, outcome, branch_code FROM audit_log WHERE action = 'device.slot-conflict' ORDER BY target",
      );
      expect(flagged).toEqual([oldest, middle].sort().map((target) => ({ target, outcome: 'flagged', branch_code: 'CN01' })));
      await expect(db.query('UPDATE devices SET slot = 1 WHERE device_id = $1', [silent])).rejects.toMatchObject({ code: '23505' });
      expect(await db.query('SELECT sha256, branch_code FROM blob_owners')).toEqual([{ sha256: 'a'.repeat(64), branch_code: 'CN01' }]);
    } finally {
      await dispose();
    }
  });
});
