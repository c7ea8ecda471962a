import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/server/audit';
import { PullResponse, SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import { StaffAccount, verifyPin } from '../../src/shared/staff';
import { adminAuthHeader, enrolDevice, engines, openHarness, type Harness } from './serverHarness';

/**
 * Staff accounts on both engines: the centre's admin API creates, resets, disables and lists them
 * (audited, PIN shown once, no verifier in the list), and publishes each version in the branch's
 * staff scope, which the branch's counters read and a citizen kiosk or another branch's counter may not.
 */
describe.each(engines)('staff accounts on $name', (engine) => {
  let h: Harness;
  let admin: { authorization: string };
  beforeAll(async () => {
    h = await openHarness(engine);
    admin = await adminAuthHeader(h);
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const post = (url: string, payload: unknown, headers = admin) => h.app.inject({ method: 'POST', url, payload: payload as object, headers });
  const pullStaff = async (auth: { authorization: string }, scope = 'staff:CN01') =>
    h.app.inject({
      method: 'POST',
      url: '/v1/sync/pull',
      headers: auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, scope, cursor: 0, limit: 100, withChecksum: true },
    });

  it('creates, resets, disables and lists; each step published to the counters and audited', async () => {
    const created = await post('/v1/admin/staff', { branchCode: 'CN01', staffId: 'CB0107', name: 'Phạm Minh Đức', role: 'officer' });
    expect(created.statusCode).toBe(201);
    const { pin } = created.json() as { pin: string };
    expect(pin).toMatch(/^\d{6}$/);
    expect((await post('/v1/admin/staff', { branchCode: 'CN01', staffId: 'CB0107', name: 'X', role: 'officer' })).json()).toMatchObject({
      code: 'staff.exists',
    });

    const counter = await enrolDevice(h, 'CN01', 'counter');
    const first = PullResponse.parse((await pullStaff(counter.auth)).json());
    const account = StaffAccount.parse(first.changes[0]!.data);
    expect(account).toMatchObject({ staffId: 'CB0107', name: 'Phạm Minh Đức', role: 'officer', active: true });
    expect(await verifyPin(pin, account.pin)).toBe(true);

    const reset = await post('/v1/admin/staff/reset-pin', { branchCode: 'CN01', staffId: 'CB0107' });
    expect(reset.statusCode).toBe(200);
    const newPin = (reset.json() as { pin: string }).pin;
    const afterReset = StaffAccount.parse(PullResponse.parse((await pullStaff(counter.auth)).json()).changes[0]!.data);
    expect(await verifyPin(newPin, afterReset.pin)).toBe(true);
    if (newPin !== pin) expect(await verifyPin(pin, afterReset.pin)).toBe(false);

    expect((await post('/v1/admin/staff/disable', { branchCode: 'CN01', staffId: 'CB0107' })).json()).toEqual({ staffId: 'CB0107', active: false });
    const pulled = PullResponse.parse((await pullStaff(counter.auth)).json());
    expect(pulled.changes.map((c) => (c.data as StaffAccount).active)).toEqual([false]);
    expect(pulled.checksum?.count).toBe(1);

    const list = await h.app.inject({ method: 'GET', url: '/v1/admin/staff?branch=CN01', headers: admin });
    expect(list.json()).toEqual({ staff: [{ staffId: 'CB0107', name: 'Phạm Minh Đức', role: 'officer', active: false, pinSetAt: expect.any(Number) }] });
    expect(list.body).not.toContain('hash');

    const audit = await listAudit(h.db, { action: undefined, limit: 50 });
    expect(audit.filter((e) => e.action.startsWith('staff.')).map((e) => `${e.action} ${e.target} ${e.actorKind}`)).toEqual([
      'staff.disable CB0107 admin-token',
      'staff.reset-pin CB0107 admin-token',
      'staff.create CB0107 admin-token',
    ]);
  });

  it("refuses what is not an admin's, not well formed, or not a branch's", async () => {
    expect(
      (await post('/v1/admin/staff', { branchCode: 'CN01', staffId: 'CB1', name: 'A', role: 'officer' }, { authorization: 'Bearer nope' })).statusCode,
    ).toBe(401);
    const bad = await post('/v1/admin/staff', { branchCode: 'CN01', staffId: 'cb 1', name: 'A', role: 'officer' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'staff.bad-request' });
    expect((await post('/v1/admin/staff', { branchCode: 'CN01', staffId: 'CB2', name: 'A', role: 'admin' })).statusCode).toBe(400);
    expect((await post('/v1/admin/staff', { branchCode: 'ZZ99', staffId: 'CB2', name: 'A', role: 'officer' })).json()).toMatchObject({
      code: 'staff.unknown-branch',
    });
    expect((await post('/v1/admin/staff/reset-pin', { branchCode: 'CN01', staffId: 'NOBODY' })).statusCode).toBe(404);
  });

  it("only the branch's counter and technician machines read its staff scope", async () => {
    const citizen = await enrolDevice(h, 'CN01', 'citizen');
    const refused = await pullStaff(citizen.auth);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'auth.scope-forbidden' });
    const otherBranch = await enrolDevice(h, 'CN02', 'counter');
    expect((await pullStaff(otherBranch.auth)).statusCode).toBe(403);
    expect((await pullStaff(otherBranch.auth, 'staff:CN02')).statusCode).toBe(200);
    // The citizen kiosk still reads its branch and the global scope.
    expect((await pullStaff(citizen.auth, 'branch:CN01')).statusCode).toBe(200);
  });
});
