import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketNumberFor } from '../../src/domain/ticketNumbering';
import type { MutationEnvelope } from '../../src/shared/sync';
import { QueueActionAnswer, type QueueActionArgs, type QueueConfig } from '../../src/shared/queue';
import { QueueDayFigures } from '../../src/shared/queueFigures';
import { queueAction } from '../support/queueActions';
import { adminAuthHeader, engines, enrolDevice, openHarness, pushRecords, START, type Harness } from './serverHarness';

/**
 * The branch's day on a real server (port 0, HTTP), on PGlite and PostgreSQL: tickets pushed by a
 * kiosk, actions taken online by two counters and offline through a push, then the figures a
 * centre reads from GET /v1/admin/queue-figures, and the staff page that asks for them.
 */
const DAY = '2026-11-24';
const MIN = 60_000;
const QUEUE: QueueConfig = {
  normalsPerPriority: 3,
  noShowGraceMinutes: 15,
  targetWaitMinutes: 10,
  weights: {},
  counters: [1, 2].map((number) => ({ number, groups: ['A', 'B'] })),
};
const NUMBERING = { blockSize: 1000, slots: 4, digits: 4 };

interface Device {
  readonly auth: { authorization: string };
  readonly journalId: string;
  seq: number;
}

for (const engine of engines) {
  describe(`the branch's day on ${engine.name}`, () => {
    let h: Harness;
    let base: string;
    let admin: { authorization: string };
    let kiosk: Device;
    let counter1: Device;
    let counter2: Device;
    const perGroup: Record<string, number> = {};

    const asDevice = (d: { auth: { authorization: string } }): Device => ({ auth: d.auth, journalId: randomUUID(), seq: 0 });

    beforeAll(async () => {
      h = await openHarness(engine, { listen: true });
      base = h.base!;
      admin = await adminAuthHeader(h);
      kiosk = asDevice(await enrolDevice(h, 'CN01', 'citizen'));
      counter1 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      counter2 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      const branch = JSON.parse(readFileSync('assets/config/branch.json', 'utf8')) as Record<string, unknown>;
      const res = await fetch(`${base}/v1/admin/publish`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'branch:CN01', changes: [{ entity: 'branchConfig', op: 'put', data: { ...branch, version: 3, queue: QUEUE } }] }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }, 120_000);
    afterAll(async () => h?.dispose());

    function ticket(group: string, issuedAt: number) {
      const seq = (perGroup[group] = (perGroup[group] ?? 0) + 1);
      const n = ticketNumberFor(group, seq, 0, NUMBERING);
      return {
        id: randomUUID(),
        branchCode: 'CN01',
        kioskSlot: 0,
        day: DAY,
        groupPrefix: group,
        number: n.display,
        numeric: n.numeric,
        priority: false,
        issuedAt,
      };
    }
    const push = (device: Device, records: readonly { name: MutationEnvelope['name']; args: unknown }[]) => pushRecords(base, device, records);
    function action(
      counter: number,
      kind: QueueActionArgs['kind'],
      ticketNumber: string | null,
      staffId: string | null,
      extra: Partial<QueueActionArgs> = {},
    ): QueueActionArgs {
      return queueAction({
        branchCode: 'CN01',
        day: DAY,
        counter,
        kind,
        how: kind === 'call' ? 'number' : null,
        ticketNumber,
        staffId,
        at: h.clock.now(),
        ...extra,
      });
    }
    async function at(minute: number, device: Device, args: Omit<QueueActionArgs, 'at'>) {
      h.clock.set(START + minute * MIN);
      const res = await fetch(`${base}/v1/queue/actions`, {
        method: 'POST',
        headers: { ...device.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...args, at: h.clock.now() }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return QueueActionAnswer.parse(await res.json());
    }
    const figures = async (query = `branch=CN01&day=${DAY}`, headers: Record<string, string> = admin) => {
      const res = await fetch(`${base}/v1/admin/queue-figures?${query}`, { headers });
      return { status: res.status, body: (await res.json()) as unknown, cacheControl: res.headers.get('cache-control') };
    };

    it('reads the day a centre watches: wait and service per group, within target, no-shows, per counter and officer', async () => {
      const [a1, a2, a3] = [ticket('A', START), ticket('A', START + MIN), ticket('A', START + 3 * MIN)];
      const [b1, b2] = [ticket('B', START), ticket('B', START + 2 * MIN)];
      const pushed = await push(
        kiosk,
        [a1, a2, a3, b1, b2].map((args) => ({ name: 'ticket.issue@1' as const, args })),
      );
      expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);

      // Counter 1 (officer CB0001): A1 waits 4 min, served 5 → 13; A2 waits 12 min, no-show.
      await at(4, counter1, action(1, 'call', a1.number, 'CB0001'));
      await at(5, counter1, action(1, 'serve', a1.number, 'CB0001'));
      // Counter 2 (nobody signed in): B1 waits 6 min, served 7 → 10; a walk-in.
      await at(6, counter2, action(2, 'call', b1.number, null));
      await at(7, counter2, action(2, 'serve', b1.number, null));
      await at(10, counter2, action(2, 'finish', b1.number, null));
      await at(11, counter2, action(2, 'walk-in', null, null));
      await at(13, counter1, action(1, 'finish', a1.number, 'CB0001'));
      await at(13, counter1, action(1, 'call', a2.number, 'CB0001'));
      await at(14, counter1, action(1, 'no-show', a2.number, 'CB0001'));
      // Counter 2 offline: A3 called at minute 20 and finished at 22 by the counter's clock, pushed
      // at minute 25 — the figures use the counter's times. And an action for a ticket not arrived yet.
      h.clock.set(START + 25 * MIN);
      const offline = (kind: QueueActionArgs['kind'], number: string, minute: number) =>
        action(2, kind, number, null, { offline: true, at: START + minute * MIN, how: kind === 'call' ? 'number' : null });
      const kept = await push(counter2, [
        { name: 'queue.action@1', args: offline('call', a3.number, 20) },
        { name: 'queue.action@1', args: offline('finish', a3.number, 22) },
        { name: 'queue.action@1', args: offline('call', 'B0999', 24) },
      ]);
      expect(kept.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);

      h.clock.set(START + 30 * MIN);
      const r = await figures();
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.cacheControl).toBe('no-store');
      const f = QueueDayFigures.parse(r.body);
      expect(f).toMatchObject({ branch: 'CN01', day: DAY, targetWaitMinutes: 10, asOf: START + 30 * MIN, notCounted: { pending: 1, conflict: 0 } });
      const group = (g: string) => f.byGroup.find((x) => x.group === g);
      // A: waits 4, 12, 17 min; services 8 and 2 min; one no-show of three called.
      expect(group('A')).toEqual({
        group: 'A',
        issued: 3,
        called: 3,
        neverCalled: 0,
        wait: { count: 3, medianS: 12 * 60, p90S: 17 * 60 },
        service: { count: 2, medianS: 2 * 60, p90S: 8 * 60 },
        served: 2,
        withinTarget: { within: 1, of: 3, share: 0.3333 },
        noShows: 1,
        noShowRate: 0.3333,
      });
      // B: B1 waited 6 min; B2 never called and 28 min old has missed the target.
      expect(group('B')).toMatchObject({
        issued: 2,
        called: 1,
        neverCalled: 1,
        wait: { count: 1, medianS: 360, p90S: 360 },
        service: { count: 1, medianS: 180, p90S: 180 },
        withinTarget: { within: 1, of: 2, share: 0.5 },
        noShowRate: 0,
      });
      expect(f.total).toMatchObject({
        issued: 5,
        called: 4,
        served: 3,
        wait: { count: 4, medianS: 6 * 60, p90S: 17 * 60 },
        service: { count: 3, medianS: 3 * 60, p90S: 8 * 60 },
        withinTarget: { within: 2, of: 5, share: 0.4 },
        noShowRate: 0.25,
      });
      expect(f.byCounter).toEqual([
        { counter: 1, calls: 2, recalls: 0, served: 1, service: { count: 1, medianS: 480, p90S: 480 }, noShows: 1, transfers: 0, walkIns: 0 },
        { counter: 2, calls: 2, recalls: 0, served: 2, service: { count: 2, medianS: 120, p90S: 180 }, noShows: 0, transfers: 0, walkIns: 1 },
      ]);
      expect(f.byOfficer).toEqual([
        { staffId: 'CB0001', calls: 2, recalls: 0, served: 1, service: { count: 1, medianS: 480, p90S: 480 }, noShows: 1, transfers: 0, walkIns: 0 },
      ]);
    });

    it('asks for an admin token and a well-formed query', async () => {
      expect((await figures(`branch=CN01&day=${DAY}`, {})).status).toBe(401);
      expect((await figures(`branch=CN01&day=${DAY}`, kiosk.auth)).status).toBe(401);
      expect(await figures('branch=CN01&day=24-11-2026')).toMatchObject({ status: 400, body: { code: 'queue-figures.bad-query' } });
      expect(await figures(`branch=CN99&day=${DAY}`)).toMatchObject({ status: 404, body: { code: 'queue.branch-unknown' } });
      // Another day: nothing, and no shares made up.
      const empty = QueueDayFigures.parse((await figures('branch=CN01&day=2026-11-23')).body);
      expect(empty.total).toMatchObject({ issued: 0, withinTarget: { share: null }, noShowRate: null });
    });

    it('serves the staff page with a strict policy and no figures or token in it', async () => {
      const res = await fetch(`${base}/thong-ke?branch=CN01&day=${DAY}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('type="password"');
      expect(html).toContain('authorization: `Bearer ${token}`');
      expect(html).not.toMatch(/localStorage|sessionStorage|innerHTML/);
    });
  });
}
