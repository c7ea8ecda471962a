import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutationEnvelope } from '../../src/shared/sync';
import { QueueState, StaffCallAnswer, type StaffCallView } from '../../src/shared/queue';
import type { StaffCallArgs } from '../../src/shared/records';
import { engines, enrolDevice, openHarness, pushRecords, type Harness } from './serverHarness';

/**
 * "Gọi nhân viên" at the queue owner, on a real server (port 0, HTTP), on PGlite and PostgreSQL:
 * a citizen kiosk's `staff.call@1` pushed like any record opens a call that every counter of the
 * branch sees in the queue's state (the day's version moves: the counters are poked); the first
 * officer who answers closes it for all, a second answer says who went; only kiosks raise calls
 * and only counters answer; another branch's call is not found; a call older than 30 minutes is
 * no longer shown.
 */
const DAY = '2026-11-24';

interface Device {
  readonly deviceId: string;
  readonly auth: { authorization: string };
  readonly journalId: string;
  seq: number;
}

for (const engine of engines) {
  describe(`calls for staff on ${engine.name}`, () => {
    let h: Harness;
    let base: string;
    let kiosk: Device;
    let counter1: Device;
    let counter2: Device;
    let otherBranchCounter: Device;
    const asDevice = (d: { deviceId: string; auth: { authorization: string } }): Device => ({ ...d, journalId: randomUUID(), seq: 0 });

    beforeAll(async () => {
      h = await openHarness(engine, { listen: true });
      base = h.base!;
      kiosk = asDevice(await enrolDevice(h, 'CN01', 'citizen'));
      counter1 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      counter2 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      otherBranchCounter = asDevice(await enrolDevice(h, 'CN02', 'counter'));
    }, 120_000);
    afterAll(async () => h?.dispose());

    const call = (screen: StaffCallArgs['screen'], extra: Partial<StaffCallArgs> = {}): StaffCallArgs => ({
      id: randomUUID(),
      branchCode: 'CN01',
      day: DAY,
      screen,
      kioskSlot: 2,
      calledAt: h.clock.now() - 2_000,
      ...extra,
    });

    const push = async (device: Device, records: readonly { name: MutationEnvelope['name']; args: unknown }[]) =>
      (await pushRecords(base, device, records)).results.map((r) => (r.status === 'rejected' ? r.reason?.code : r.status));
    async function state(device: Device = counter1) {
      const res = await fetch(`${base}/v1/queue/state?day=${DAY}`, { headers: device.auth });
      expect(res.status).toBe(200);
      return QueueState.parse(await res.json());
    }
    async function answer(device: Device, body: unknown) {
      const res = await fetch(`${base}/v1/queue/staff-calls/answer`, {
        method: 'POST',
        headers: { ...device.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { code?: string } };
    }

    it('a kiosk raises a call, every counter sees it, the first answer closes it for all', async () => {
      const before = await state();
      expect(before.staffCalls).toEqual([]);
      const first = call('follow');
      const second = call('home', { calledAt: first.calledAt + 500 });
      expect(
        await push(kiosk, [
          { name: 'staff.call@1', args: first },
          { name: 'staff.call@1', args: second },
        ]),
      ).toEqual(['applied', 'applied']);

      const open = await state(counter2);
      expect(open.version).toBeGreaterThan(before.version);
      expect(open.staffCalls).toEqual<StaffCallView[]>([
        { id: first.id, screen: 'follow', calledAt: first.calledAt, kioskSlot: 2 },
        { id: second.id, screen: 'home', calledAt: second.calledAt, kioskSlot: 2 },
      ]);

      h.clock.advance(5_000);
      const answered = await answer(counter2, { id: first.id, counter: 2 });
      expect(answered.status).toBe(200);
      expect(StaffCallAnswer.parse(answered.body)).toEqual({ id: first.id, answeredAt: h.clock.now(), counter: 2, first: true });
      const after = await state(counter1);
      expect(after.version).toBeGreaterThan(open.version);
      expect(after.staffCalls?.map((c) => c.id)).toEqual([second.id]);

      // Counter 1 answers too late: told who went, nothing changes.
      h.clock.advance(1_000);
      const late = await answer(counter1, { id: first.id, counter: 1 });
      expect(StaffCallAnswer.parse(late.body)).toEqual({ id: first.id, answeredAt: h.clock.now() - 1_000, counter: 2, first: false });
      expect((await state()).version).toBe(after.version);
      expect((await answer(counter1, { id: second.id, counter: 1 })).status).toBe(200);
      expect((await state()).staffCalls).toEqual([]);
    });

    it('the same call again is refused, not shown twice; only kiosks call and only counters answer', async () => {
      const c = call('rating');
      expect(await push(kiosk, [{ name: 'staff.call@1', args: c }])).toEqual(['applied']);
      expect(await push(kiosk, [{ name: 'staff.call@1', args: { ...c, screen: 'home' } }])).toEqual(['staff.id-taken']);
      expect(await push(counter1, [{ name: 'staff.call@1', args: call('home') }])).toEqual(['auth.role-forbidden']);
      expect(await push(kiosk, [{ name: 'staff.call@1', args: { ...call('home'), screen: 'settings' } }])).toEqual(['sync.invalid-args']);
      expect((await state()).staffCalls?.map((x) => x.id)).toEqual([c.id]);

      expect((await answer(kiosk, { id: c.id, counter: 1 })).status).toBe(403);
      const foreign = await answer(otherBranchCounter, { id: c.id, counter: 1 });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'queue.staff-call-not-found']);
      const malformed = await answer(counter1, { id: c.id, counter: 0 });
      expect([malformed.status, malformed.body.code]).toEqual([400, 'queue.bad-request']);
      expect((await state()).staffCalls?.map((x) => x.id)).toEqual([c.id]);
      expect((await answer(counter1, { id: c.id, counter: 1 })).status).toBe(200);
    });

    it('a call nobody answered for 30 minutes is no longer shown', async () => {
      const c = call('lookup');
      expect(await push(kiosk, [{ name: 'staff.call@1', args: c }])).toEqual(['applied']);
      h.clock.advance(29 * 60_000);
      expect((await state()).staffCalls?.map((x) => x.id)).toEqual([c.id]);
      h.clock.advance(2 * 60_000);
      expect((await state()).staffCalls).toEqual([]);
    });
  });
}
