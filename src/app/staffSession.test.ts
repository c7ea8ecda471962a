import 'fake-indexeddb/auto';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { makePinVerifier, type PinVerifier, type StaffAccount } from '../shared/staff';
import { KioskDb } from '../storage/KioskDb';
import { ReferenceDb } from '../storage/referenceDb';
import { applyPullPage } from '../storage/referenceRepository';
import { createStaffSession, LOCK_MS, MAX_FAILURES } from './staffSession';

let lanPin: PinVerifier;
let kyPin: PinVerifier;
beforeAll(async () => {
  lanPin = await makePinVerifier('480315', { iterations: 100_000 });
  kyPin = await makePinVerifier('135792', { iterations: 100_000 });
});

const account = (over: Partial<StaffAccount>): StaffAccount => ({
  staffId: 'CB0012',
  name: 'Nguyễn Thị Lan',
  role: 'officer',
  active: true,
  pin: lanPin,
  pinSetAt: 1,
  ...over,
});

let seq = 0;
async function publish(reference: ReferenceDb, accounts: readonly StaffAccount[]): Promise<void> {
  const changes = accounts.map((a) => ({ seq: ++seq, entity: 'staffAccount' as const, key: a.staffId, op: 'put' as const, data: a, checksum: 0 }));
  await applyPullPage(reference, 'staff:CN01', changes, seq, 0);
}

function machine(role = 'counter') {
  const factory = new IDBFactory();
  const db = new KioskDb(`staff-${Math.random()}`, { indexedDB: factory, IDBKeyRange });
  const reference = new ReferenceDb(`staff-ref-${Math.random()}`, { indexedDB: factory, IDBKeyRange });
  const clock = fixedClock(Date.UTC(2026, 11, 3, 2, 0));
  let deviceRole = role;
  const open = () => createStaffSession({ db, reference, clock, branchCode: () => 'CN01', deviceRole: () => deviceRole });
  return { db, reference, clock, open, setRole: (r: string) => (deviceRole = r) };
}

describe('staff sign-in at a machine', () => {
  it('a machine that never held accounts needs nobody; once accounts arrived it always does, even if its reference store is emptied', async () => {
    const m = machine();
    const session = m.open();
    expect((await session.refresh()).required).toBe(false);
    await publish(m.reference, [account({})]);
    expect((await session.refresh()).required).toBe(true);
    await m.reference.records.clear();
    expect((await m.open().refresh()).required).toBe(true);
  });

  it('signs in with the right PIN, names the officer for records, locks on idle and unlocks only with the same PIN, signs out', async () => {
    const m = machine();
    await publish(m.reference, [account({}), account({ staffId: 'KT001', name: 'Trần Văn Kỹ', role: 'technician', pin: kyPin })]);
    const session = m.open();
    await session.refresh();
    // A counter offers its officers, not the technician.
    expect((await session.choices()).map((c) => c.staffId)).toEqual(['CB0012']);
    expect(await session.signIn('KT001', '135792')).toEqual({ ok: false, code: 'signin.not-allowed' });
    expect(await session.signIn('CB0012', '480316')).toEqual({ ok: false, code: 'signin.wrong-pin', attemptsLeft: MAX_FAILURES - 1 });
    expect(session.officer()).toBeNull();
    const ok = await session.signIn('CB0012', '480315');
    expect(ok.ok).toBe(true);
    expect(session.officer()).toEqual({ staffId: 'CB0012', name: 'Nguyễn Thị Lan' });
    session.lock();
    expect(session.state().locked).toBe(true);
    expect(await session.unlock('135792')).toMatchObject({ ok: false, code: 'signin.wrong-pin' });
    expect(session.state().locked).toBe(true);
    expect((await session.unlock('480315')).ok).toBe(true);
    expect(session.state()).toMatchObject({ locked: false, current: { staffId: 'CB0012' } });
    session.signOut();
    expect(session.officer()).toBeNull();
    // The technician area takes the technician.
    m.setRole('technician');
    expect((await session.choices()).map((c) => c.staffId)).toEqual(['KT001']);
    expect((await session.signIn('KT001', '135792')).ok).toBe(true);
  });

  it('wrong PINs sent at once each count: five together lock the account, none is lost to another', async () => {
    const m = machine();
    await publish(m.reference, [account({})]);
    const session = m.open();
    await session.refresh();
    const outcomes = await Promise.all(Array.from({ length: MAX_FAILURES }, () => session.signIn('CB0012', '000001')));
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code === 'signin.wrong-pin' ? o.attemptsLeft : o.code))).toEqual([
      ...Array.from({ length: MAX_FAILURES - 1 }, (_, i) => MAX_FAILURES - 1 - i),
      'signin.locked',
    ]);
    expect(await session.signIn('CB0012', '480315')).toMatchObject({ ok: false, code: 'signin.locked' });
  });

  it('five wrong PINs lock the account on this machine, across a restart, for 5 then 10 minutes; a PIN reset at the centre lifts it', async () => {
    const m = machine();
    await publish(m.reference, [account({})]);
    let session = m.open();
    await session.refresh();
    for (let i = 1; i < MAX_FAILURES; i++)
      expect(await session.signIn('CB0012', '000001')).toMatchObject({ code: 'signin.wrong-pin', attemptsLeft: MAX_FAILURES - i });
    const now = m.clock.now();
    expect(await session.signIn('CB0012', '000001')).toEqual({ ok: false, code: 'signin.locked', lockedUntil: now + LOCK_MS });
    // The right PIN does not help while locked, nor does a restart.
    session = m.open();
    expect(await session.signIn('CB0012', '480315')).toEqual({ ok: false, code: 'signin.locked', lockedUntil: now + LOCK_MS });
    m.clock.advance(LOCK_MS);
    for (let i = 1; i < MAX_FAILURES; i++) await session.signIn('CB0012', '000001');
    expect(await session.signIn('CB0012', '000001')).toEqual({ ok: false, code: 'signin.locked', lockedUntil: m.clock.now() + 2 * LOCK_MS });
    // The centre sets a new PIN: the lock belongs to the old one.
    await publish(m.reference, [account({ pin: kyPin, pinSetAt: 2 })]);
    expect((await session.signIn('CB0012', '135792')).ok).toBe(true);
  });

  it('an account disabled at the centre cannot sign in, and its open session ends at the next refresh', async () => {
    const m = machine();
    await publish(m.reference, [account({})]);
    const session = m.open();
    await session.refresh();
    expect((await session.signIn('CB0012', '480315')).ok).toBe(true);
    await publish(m.reference, [account({ active: false })]);
    await session.refresh();
    expect(session.state().current).toBeNull();
    expect(await session.signIn('CB0012', '480315')).toEqual({ ok: false, code: 'signin.disabled' });
    expect(await session.signIn('XX9', '480315')).toEqual({ ok: false, code: 'signin.unknown' });
  });
});
