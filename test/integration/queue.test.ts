import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCall, dayStartInterleave, nextTicket, type QueueCandidate } from '../../src/domain/queueOrder';
import { waitEstimate } from '../../src/domain/queueEstimate';
import { ticketNumberFor } from '../../src/domain/ticketNumbering';
import { EnrolResponse, type MutationEnvelope } from '../../src/shared/sync';
import { QueueActionAnswer, QueueBoard, QueueState, type QueueActionArgs, type QueueConfig } from '../../src/shared/queue';
import { createEnrolCode } from '../../src/server/admin';
import { seededRandom } from '../support/seededRandom';
import { queueAction } from '../support/queueActions';
import { dyingDb } from '../support/dyingDb';
import { sweepArrivals } from '../../src/server/queueArrivals';
import { adminAuthHeader, engines, enrolDevice, openHarness, pushRecords, START, startServerOn, type Harness } from './serverHarness';

/**
 * The queue owner on a real server (port 0, HTTP), on PGlite and PostgreSQL: tickets a kiosk
 * pushes are called by counters in the published order, every action of a ticket's life, the
 * refusals, once per action id (over HTTP and through a push), offline calls reconciled, the SSE
 * poke, and 4 counters calling 1,000 times at once against the ordering rules.
 */
const DAY = '2026-11-24';
const ORIGIN = 'http://127.0.0.1:4173';
const QUEUE: QueueConfig = {
  normalsPerPriority: 3,
  noShowGraceMinutes: 15,
  targetWaitMinutes: 15,
  weights: {},
  counters: [1, 2, 3, 4, 5, 6].map((number) => ({ number, groups: ['A', 'B', 'C'] })),
};
const NUMBERING = { blockSize: 1000, slots: 4, digits: 4 };

interface Device {
  readonly deviceId: string;
  readonly auth: { authorization: string };
  readonly journalId: string;
  seq: number;
}

for (const engine of engines) {
  describe(`the queue owner on ${engine.name}`, () => {
    let h: Harness;
    let base: string;
    let kiosk: Device;
    let counter1: Device;
    let counter2: Device;
    let technician: Device;
    let issued = 0;
    const perGroup: Record<string, number> = {};

    const asDevice = (d: { deviceId: string; auth: { authorization: string } }): Device => ({ ...d, journalId: randomUUID(), seq: 0 });

    async function publishConfig(queue: QueueConfig): Promise<void> {
      const branch = JSON.parse(readFileSync('assets/config/branch.json', 'utf8')) as Record<string, unknown>;
      const res = await fetch(`${base}/v1/admin/publish`, {
        method: 'POST',
        headers: { ...(await adminAuthHeader(h)), 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'branch:CN01', changes: [{ entity: 'branchConfig', op: 'put', data: { ...branch, version: 3, queue } }] }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }

    beforeAll(async () => {
      h = await openHarness(engine, { listen: true, server: { corsOrigins: [ORIGIN] } });
      base = h.base!;
      kiosk = asDevice(await enrolDevice(h, 'CN01', 'citizen'));
      counter1 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      counter2 = asDevice(await enrolDevice(h, 'CN01', 'counter'));
      const { code } = await createEnrolCode(h.db, 'CN01', 'technician', h.clock.now());
      const deviceId = randomUUID();
      const res = await h.app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, deviceId, role: 'technician' } });
      technician = asDevice({ deviceId, auth: { authorization: `Bearer ${EnrolResponse.parse(res.json()).token}` } });
      await publishConfig(QUEUE);
    }, 120_000);
    afterAll(async () => h?.dispose());

    function ticket(group: string, priority = false, issuedAt = START + ++issued * 1000) {
      const seq = (perGroup[group] = (perGroup[group] ?? 0) + 1);
      const n = ticketNumberFor(group, seq, 0, NUMBERING);
      return { id: randomUUID(), branchCode: 'CN01', kioskSlot: 0, day: DAY, groupPrefix: group, number: n.display, numeric: n.numeric, priority, issuedAt };
    }

    const push = (device: Device, records: readonly { name: MutationEnvelope['name']; args: unknown }[]) => pushRecords(base, device, records);
    const pushTickets = async (tickets: readonly ReturnType<typeof ticket>[]) => {
      const r = await push(
        kiosk,
        tickets.map((args) => ({ name: 'ticket.issue@1' as const, args })),
      );
      expect(r.results.map((x) => x.status)).toEqual(tickets.map(() => 'applied'));
    };

    function action(counter: number, kind: QueueActionArgs['kind'], extra: Partial<QueueActionArgs> = {}): QueueActionArgs {
      return queueAction({ branchCode: 'CN01', day: DAY, counter, kind, how: kind === 'call' ? 'next' : null, staffId: 'CB0001', at: h.clock.now(), ...extra });
    }
    async function act(device: Device, args: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`${base}/v1/queue/actions`, {
        method: 'POST',
        headers: { ...device.auth, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(args),
      });
      return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
    }
    async function actOk(device: Device, args: QueueActionArgs) {
      const r = await act(device, args);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return QueueActionAnswer.parse(r.body);
    }
    async function state(device: Device = counter1) {
      const res = await fetch(`${base}/v1/queue/state?day=${DAY}`, { headers: device.auth });
      expect(res.status).toBe(200);
      return QueueState.parse(await res.json());
    }
    /** Calls next until the queue is empty for this counter; the numbers in call order. */
    async function drain(device: Device, counter: number): Promise<string[]> {
      const out: string[] = [];
      for (;;) {
        const r = await act(device, action(counter, 'call'));
        if (r.status === 409 && (r.body as { code: string }).code === 'queue.empty') return out;
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const answer = QueueActionAnswer.parse(r.body);
        out.push(answer.ticket!.number);
        await actOk(device, action(counter, 'finish', { ticketNumber: answer.ticket!.number }));
      }
    }

    it('calls the tickets a kiosk pushed in the published order, a priority ticket first and then one per 3 normal', async () => {
      const normal = [1, 2, 3, 4, 5, 6, 7].map(() => ticket('A'));
      const prio = [ticket('A', true), ticket('B', true)];
      await pushTickets([...normal.slice(0, 4), prio[0]!, ...normal.slice(4), prio[1]!]);
      const s = await state();
      expect(s.waiting.map((t) => t.number)).toEqual([prio[0], ...normal.slice(0, 3), prio[1], ...normal.slice(3)].map((t) => t!.number));
      expect(s.waitingByGroup).toMatchObject({ A: 8, B: 1 });
      const called = await drain(counter1, 1);
      expect(called).toEqual(s.waiting.map((t) => t.number));
      expect((await state()).waiting).toEqual([]);
    });

    it('recall, no-show, return within the grace period (to the front), refused after it', async () => {
      const [a, b, c] = [ticket('B'), ticket('B'), ticket('B')];
      await pushTickets([a!, b!, c!]);
      const first = await actOk(counter1, action(1, 'call'));
      expect(first.ticket).toMatchObject({ number: a!.number, state: 'called', counter: 1, calls: 1 });
      const recall = await actOk(counter1, action(1, 'recall', { ticketNumber: a!.number }));
      expect(recall.ticket).toMatchObject({ state: 'called', calls: 2 });
      // Another counter cannot recall or serve it. Refused at once, online: the officer is told and
      // nothing changes (no flag for staff, no new version making every board and desk read again).
      const before = await state();
      const other = await act(counter2, action(2, 'serve', { ticketNumber: a!.number }));
      expect(other.status).toBe(409);
      expect(other.body).toEqual({ code: 'queue.wrong-state', detail: expect.stringContaining(`ticket ${a!.number} is called at counter 1`) as unknown });
      const after = await state();
      expect(after.version).toBe(before.version);
      expect(after.active.find((t) => t.number === a!.number)).toMatchObject({ state: 'called', counter: 1, flag: null });
      await actOk(counter1, action(1, 'no-show', { ticketNumber: a!.number }));
      const board = QueueBoard.parse(await (await fetch(`${base}/v1/queue/board?branch=CN01`)).json());
      expect(board.lastCalls.slice(0, 2).map((x) => [x.number, x.recall])).toEqual([
        [a!.number, true],
        [a!.number, false],
      ]);
      h.clock.advance(10 * 60_000);
      const back = await actOk(counter2, action(2, 'return', { ticketNumber: a!.number }));
      expect(back.ticket).toMatchObject({ state: 'waiting', returned: true });
      expect((await state()).waiting.map((t) => t.number)).toEqual([a!.number, b!.number, c!.number]);
      // Called again, no-show again, and this time too late.
      expect((await actOk(counter2, action(2, 'call'))).ticket!.number).toBe(a!.number);
      await actOk(counter2, action(2, 'no-show', { ticketNumber: a!.number }));
      h.clock.advance(16 * 60_000);
      const late = await act(counter2, action(2, 'return', { ticketNumber: a!.number }));
      expect(late.status).toBe(409);
      expect((late.body as { code: string }).code).toBe('queue.grace-over');
      expect(await drain(counter1, 1)).toEqual([b!.number, c!.number]);
    });

    it('a transferred ticket keeps its arrival in its new group; one sent to a counter is called there only', async () => {
      const early = ticket('A');
      const laterC = [ticket('C'), ticket('C')];
      await pushTickets([early, ...laterC]);
      const called = await actOk(counter1, action(1, 'call', { groups: ['A'] }));
      expect(called.ticket!.number).toBe(early.number);
      await actOk(counter1, action(1, 'serve', { ticketNumber: early.number }));
      const moved = await actOk(counter1, action(1, 'transfer', { ticketNumber: early.number, toGroup: 'C' }));
      expect(moved.ticket).toMatchObject({ state: 'waiting', group: 'C', issuedAt: early.issuedAt });
      expect((await state()).waiting.map((t) => t.number)).toEqual([early.number, ...laterC.map((t) => t.number)]);
      // To counter 3 only: counter 2 (all groups) does not get it.
      expect((await actOk(counter2, action(2, 'call', { groups: ['C'] }))).ticket!.number).toBe(early.number);
      await actOk(counter2, action(2, 'transfer', { ticketNumber: early.number, toCounter: 3 }));
      expect((await actOk(counter2, action(2, 'call', { groups: ['C'] }))).ticket!.number).toBe(laterC[0]!.number);
      expect((await actOk(counter1, action(3, 'call', { groups: ['A'] }))).ticket!.number).toBe(early.number);
      for (const [d, c, n] of [
        [counter2, 2, laterC[0]!.number],
        [counter1, 3, early.number],
      ] as const)
        await actOk(d, action(c, 'finish', { ticketNumber: n }));
      expect(await drain(counter1, 1)).toEqual([laterC[1]!.number]);
    });

    it('a walk-in is logged without a ticket', async () => {
      const before = (await state()).version;
      const w = await actOk(counter1, action(1, 'walk-in'));
      expect(w).toMatchObject({ ticket: null, repeated: false });
      expect((await state()).version).toBeGreaterThan(before);
    });

    it('the state a desk reads is the queue as of now, though the server reuses it while nothing moved: a ticket, new settings and a no-show whose grace ran out show at once', async () => {
      const [t1, t2] = [ticket('A'), ticket('A')];
      await pushTickets([t1]);
      const first = await state();
      expect(first.waiting.map((t) => t.number)).toEqual([t1.number]);
      expect(await state(counter2)).toEqual(first);
      // A pushed ticket moves the day's version.
      await pushTickets([t2]);
      expect((await state()).waiting.map((t) => t.number)).toEqual([t1.number, t2.number]);
      // New published settings show at once, the clock and the day's version unmoved.
      await publishConfig({ ...QUEUE, noShowGraceMinutes: 7 });
      expect((await state()).config.noShowGraceMinutes).toBe(7);
      await publishConfig(QUEUE);
      expect((await state()).config.noShowGraceMinutes).toBe(15);
      // A no-show stays on the desk for its grace period, then leaves it with nothing else moving.
      expect((await actOk(counter1, action(1, 'call'))).ticket!.number).toBe(t1.number);
      await actOk(counter1, action(1, 'no-show', { ticketNumber: t1.number }));
      expect((await state()).active.map((t) => [t.number, t.state])).toContainEqual([t1.number, 'no-show']);
      h.clock.advance(16 * 60_000);
      expect((await state()).active.map((t) => t.number)).not.toContain(t1.number);
      expect(await drain(counter1, 1)).toEqual([t2.number]);
    });

    it('refuses other roles, other branches, unknown tickets, counters and groups, and bad bodies', async () => {
      const t = ticket('A');
      await pushTickets([t]);
      expect((await act(kiosk, action(1, 'call'))).status).toBe(403);
      expect((await act(technician, action(1, 'call'))).status).toBe(403);
      expect((await fetch(`${base}/v1/queue/state?day=${DAY}`, { headers: technician.auth })).status).toBe(200);
      expect((await fetch(`${base}/v1/queue/state?day=${DAY}`, { headers: kiosk.auth })).status).toBe(403);
      expect((await fetch(`${base}/v1/queue/state?day=${DAY}`)).status).toBe(401);
      const other = await enrolDevice(h, 'CN02', 'counter');
      const wrongBranch = await act(asDevice(other), action(1, 'call'));
      expect([wrongBranch.status, (wrongBranch.body as { code: string }).code]).toEqual([403, 'sync.wrong-branch']);
      const unknown = await act(counter1, action(1, 'serve', { ticketNumber: 'A0999' }));
      expect([unknown.status, (unknown.body as { code: string }).code]).toEqual([404, 'queue.ticket-unknown']);
      const counter = await act(counter1, action(9, 'call'));
      expect([counter.status, (counter.body as { code: string }).code]).toEqual([400, 'queue.counter-unknown']);
      const group = await act(counter1, action(1, 'call', { groups: ['Z'] }));
      expect([group.status, (group.body as { code: string }).code]).toEqual([400, 'queue.group-unknown']);
      const bad = await act(counter1, { ...action(1, 'call'), how: null });
      expect([bad.status, (bad.body as { code: string }).code]).toEqual([400, 'queue.bad-request']);
      expect((await fetch(`${base}/v1/queue/board?branch=ZZ99`)).status).toBe(404);
      expect(await drain(counter1, 1)).toEqual([t.number]);
    });

    it('applies an action id once: the same request answers the earlier result, other content is refused, and its push only confirms it', async () => {
      const t = ticket('A');
      await pushTickets([t]);
      const call = action(1, 'call');
      const first = await actOk(counter1, call);
      const again = await actOk(counter1, call);
      expect(again).toEqual({ ...first, repeated: true });
      const reused = await act(counter1, { ...call, counter: 2 });
      expect([reused.status, (reused.body as { code: string }).code]).toEqual([409, 'queue.id-reused']);
      const before = await state();
      const log = async () => Number((await h.db.query<{ n: unknown }>('SELECT count(*) AS n FROM queue_actions'))[0]!.n);
      const logged = await log();
      // The counter's outbox then carries the action as applied (with the ticket the owner chose).
      const pushed = await push(counter1, [
        { name: 'queue.action@1', args: first.action },
        { name: 'queue.action@1', args: call },
      ]);
      expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied']);
      expect(await log()).toBe(logged);
      expect((await state()).version).toBe(before.version);
      await actOk(counter1, action(1, 'finish', { ticketNumber: t.number }));
    });

    it('reconciles offline calls by number: applied when pushed, kept until the ticket arrives, and a ticket called twice is flagged', async () => {
      const [x, y, z] = [ticket('B'), ticket('B'), ticket('B')];
      await pushTickets([x!, y!]);
      // Counter 2 is offline: it calls y by its number, serves and finishes it.
      const offline = (kind: QueueActionArgs['kind'], n: string) => action(2, kind, { how: kind === 'call' ? 'number' : null, ticketNumber: n, offline: true });
      // Meanwhile counter 1, online, calls next: x.
      const online = await actOk(counter1, action(1, 'call', { groups: ['B'] }));
      expect(online.ticket!.number).toBe(x!.number);
      // Counter 2 also called x by number while offline (the citizen showed it the ticket).
      const r = await push(counter2, [
        { name: 'queue.action@1', args: offline('call', y!.number) },
        { name: 'queue.action@1', args: offline('serve', y!.number) },
        { name: 'queue.action@1', args: offline('finish', y!.number) },
        { name: 'queue.action@1', args: offline('call', x!.number) },
        // z was issued by a kiosk whose push has not arrived yet.
        { name: 'queue.action@1', args: offline('call', z!.number) },
      ]);
      expect(r.results.map((m) => m.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
      let s = await state();
      const flagged = s.active.find((t) => t.number === x!.number)!;
      expect(flagged).toMatchObject({ state: 'called', counter: 1, flag: 'queue.called-twice' });
      expect(s.waiting.map((t) => t.number)).not.toContain(y!.number);
      const pending = await h.db.query<{ outcome: string }>("SELECT outcome FROM queue_actions WHERE ticket_number = $1 AND kind = 'call'", [z!.number]);
      expect(pending.map((p) => p.outcome)).toEqual(['pending']);
      // z arrives: the call waiting for it is applied in the same push.
      await pushTickets([z!]);
      s = await state();
      expect(s.active.find((t) => t.number === z!.number)).toMatchObject({ state: 'called', counter: 2 });
      await actOk(counter1, action(1, 'finish', { ticketNumber: x!.number }));
      await actOk(counter2, action(2, 'finish', { ticketNumber: z!.number }));
      expect((await state()).active.find((t) => t.number === x!.number)).toMatchObject({ state: 'served', flag: 'queue.called-twice' });
    });

    it('a ticket whose admission a crash cut short is in no view and no counter can act on it; the next push of its day, or the restarted server, admits it and applies the offline call that waited for it', async () => {
      const offlineCall = (n: string) => ({
        name: 'queue.action@1' as const,
        args: action(2, 'call', { how: 'number', ticketNumber: n, offline: true }),
      });
      // A server that dies right after a push commits, before the ticket joins the queue.
      const pushDying = async (t: ReturnType<typeof ticket>) => {
        const dying = await startServerOn(
          dyingDb(h.db, (sql) => sql.includes("SET state = 'waiting'")),
          async () => undefined,
          { listen: true },
        );
        try {
          const r = await pushRecords(dying.base!, kiosk, [{ name: 'ticket.issue@1', args: t }]);
          expect(r.results.map((x) => x.status)).toEqual(['applied']);
        } finally {
          await dying.dispose();
        }
      };
      const [u, v, w] = [ticket('C'), ticket('C'), ticket('C')];
      await pushDying(u!);
      let s = await state();
      expect([...s.waiting, ...s.active].map((t) => t.number)).not.toContain(u!.number);
      const early = await act(counter1, action(1, 'call', { how: 'number', ticketNumber: u!.number }));
      expect(early.status).toBe(404);
      expect((await push(counter2, [offlineCall(u!.number)])).results.map((m) => m.status)).toEqual(['applied']);
      // The next ticket of the day admits both, and the offline call waiting for u applies.
      await pushTickets([v!]);
      s = await state();
      expect(s.active.find((t) => t.number === u!.number)).toMatchObject({ state: 'called', counter: 2 });
      expect(s.waiting.map((t) => t.number)).toContain(v!.number);
      await actOk(counter2, action(2, 'finish', { ticketNumber: u!.number }));

      // No other ticket comes that day: the server's sweep at start admits w.
      await pushDying(w!);
      expect((await state()).waiting.map((t) => t.number)).not.toContain(w!.number);
      const restarted = await startServerOn(h.db, async () => undefined);
      await restarted.dispose();
      expect((await state()).waiting.map((t) => t.number)).toEqual(expect.arrayContaining([v!.number, w!.number]));
      for (const t of [v!, w!]) {
        await actOk(counter1, action(1, 'call', { how: 'number', ticketNumber: t.number }));
        await actOk(counter1, action(1, 'finish', { ticketNumber: t.number }));
      }

      // A running server's sweep takes a day only when the sweep before saw it arriving too (a
      // push's own admission may be under way at any one look).
      const x = ticket('C');
      await pushDying(x);
      const now = () => h.clock.now();
      const first = await sweepArrivals(h.db, now, new Set());
      expect(first.admitted).toBe(0);
      expect([...first.days]).toEqual([`CN01\u0000${DAY}`]);
      expect((await sweepArrivals(h.db, now, first.days)).admitted).toBe(1);
      expect((await state()).waiting.map((t) => t.number)).toContain(x.number);
      await actOk(counter1, action(1, 'call', { how: 'number', ticketNumber: x.number }));
      await actOk(counter1, action(1, 'finish', { ticketNumber: x.number }));
    });

    it('a ticket and an offline call by its number arriving at the same moment: the call applies, never left pending', async () => {
      for (let i = 0; i < 25; i++) {
        const t = ticket('C');
        const call = action(2, 'call', { how: 'number', ticketNumber: t.number, offline: true });
        await Promise.all([pushTickets([t]), push(counter2, [{ name: 'queue.action@1', args: call }])]);
        const outcome = await h.db.query<{ outcome: string }>('SELECT outcome FROM queue_actions WHERE id = $1', [call.id]);
        expect(
          outcome.map((o) => o.outcome),
          `round ${i}`,
        ).toEqual(['applied']);
        await actOk(counter2, action(2, 'finish', { ticketNumber: t.number }));
      }
    });

    it('pokes the branch over server-sent events after an action and after a pushed ticket, with the CORS header for an allowed origin', async () => {
      const controller = new AbortController();
      const res = await fetch(`${base}/v1/queue/events?branch=CN01`, { headers: { origin: ORIGIN }, signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const nextVersion = async (): Promise<number> => {
        for (;;) {
          const m = /event: queue\ndata: (\{[^\n]*\})\n\n/.exec(buffer);
          if (m) {
            buffer = buffer.slice(m.index + m[0].length);
            return (JSON.parse(m[1]!) as { version: number }).version;
          }
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += decoder.decode(value, { stream: true });
        }
      };
      const initial = await nextVersion();
      const t = ticket('C');
      await pushTickets([t]);
      const afterTicket = await nextVersion();
      expect(afterTicket).toBeGreaterThan(initial);
      await actOk(counter1, action(1, 'call', { groups: ['C'] }));
      const afterCall = await nextVersion();
      expect(afterCall).toBeGreaterThan(afterTicket);
      expect(afterCall).toBe((await state()).version);
      controller.abort();
      await actOk(counter1, action(1, 'finish', { ticketNumber: t.number }));
      // The board answers the TV's origin too, and holds no personal data (numbers only).
      const board = await fetch(`${base}/v1/queue/board?branch=CN01`, { headers: { origin: ORIGIN } });
      expect(board.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      QueueBoard.parse(await board.json());
    });

    it('4 counters calling next 1,000 times at once: no ticket called twice, none skipped, every call the one queueOrder picks', async () => {
      const rand = seededRandom(engine.name === 'pglite' ? 12 : 34);
      const groups = ['A', 'B', 'C'];
      const all = Array.from({ length: 1000 }, (_, i) =>
        ticket(groups[Math.floor(rand() * 3)]!, rand() < 0.2, START + 3_600_000 + Math.floor(rand() * 3_600_000) + i),
      );
      // Half of them before the counters start, the rest arriving while they call.
      await pushTickets(all.slice(0, 100));
      const arrivals = (async () => {
        for (let i = 100; i < all.length; i += 100) await pushTickets(all.slice(i, i + 100));
      })();
      const counters = [
        { device: counter1, number: 1, groups: ['A'] },
        { device: counter2, number: 2, groups: ['B', 'C'] },
        { device: counter1, number: 3, groups: [] as string[] },
        { device: counter2, number: 4, groups: ['A', 'B'] },
      ];
      const calledBy = new Map<string, number>();
      let calls = 0;
      let arrived = false;
      void arrivals.then(() => (arrived = true));
      await Promise.all(
        counters.map(async (c) => {
          for (;;) {
            const r = await act(c.device, action(c.number, 'call', { groups: c.groups }));
            if (r.status === 409 && (r.body as { code: string }).code === 'queue.empty') {
              if (arrived && calls >= all.length) return;
              await new Promise((resolve) => setTimeout(resolve, 20));
              continue;
            }
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            const n = QueueActionAnswer.parse(r.body).ticket!.number;
            expect(calledBy.has(n), `${n} called twice`).toBe(false);
            calledBy.set(n, c.number);
            calls++;
          }
        }),
      );
      await arrivals;
      expect(calls).toBe(all.length);
      expect(new Set(calledBy.keys())).toEqual(new Set(all.map((t) => t.number)));
      // Replay the log: at each call, the tickets that had arrived and were not yet called; the
      // ticket logged must be the one queueOrder picks for that counter, with the branch's interleave.
      const rows = await h.db.query<{ ticket_number: string; counter: number; groups: string[]; version: unknown }>(
        `SELECT ticket_number, counter, args->'groups' AS groups, version FROM queue_actions
         WHERE day = $1 AND kind = 'call' AND ticket_number = ANY($2::text[]) ORDER BY seq`,
        [DAY, all.map((t) => t.number)],
      );
      const arrivedAt = new Map(
        (
          await h.db.query<{ number: string; arrived_version: unknown }>(
            'SELECT number, arrived_version FROM queue_tickets WHERE day = $1 AND number = ANY($2::text[])',
            [DAY, all.map((t) => t.number)],
          )
        ).map((r) => [r.number, Number(r.arrived_version)]),
      );
      const byNumber = new Map(all.map((t) => [t.number, t]));
      const candidates = (called: Set<string>, version: number): QueueCandidate[] =>
        all
          .filter((t) => !called.has(t.number) && arrivedAt.get(t.number)! < version)
          .map((t) => ({
            id: t.id,
            number: t.number,
            group: t.groupPrefix,
            priority: t.priority,
            appointment: false,
            issuedAt: t.issuedAt,
            returned: false,
            toCounter: null,
          }));
      // The interleave as the earlier tests of the day left it.
      let interleave = await interleaveBefore(rows[0]!.version);
      const called = new Set<string>();
      for (const r of rows) {
        const expected = nextTicket(candidates(called, Number(r.version)), { counter: r.counter, groups: r.groups }, QUEUE, interleave);
        expect(r.ticket_number, `call at version ${String(r.version)}`).toBe(expected?.number);
        called.add(r.ticket_number);
        interleave = afterCall(interleave, byNumber.get(r.ticket_number)!.priority, QUEUE);
      }
    }, 600_000);

    it("the wait estimate reads the last services of each group, the counters acting in the last half hour, and the groups of each one's last call", async () => {
      // A day of its own, and counters the configuration does not list (their groups come from their calls).
      await publishConfig({ ...QUEUE, counters: [] });
      const day = '2026-11-26';
      const start = h.clock.now();
      const dayTicket = (group: string) => ({ ...ticket(group), day });
      const minute = 60_000;
      const on = (counter: number, kind: QueueActionArgs['kind'], extra: Partial<QueueActionArgs> = {}) =>
        actOk(counter1, queueAction({ branchCode: 'CN01', day, counter, kind, how: null, at: h.clock.now(), ...extra }));
      const serve = async (counter: number, groups: string[], minutes: number) => {
        const called = await on(counter, 'call', { how: 'next', groups });
        const number = called.ticket!.number;
        await on(counter, 'serve', { ticketNumber: number });
        h.clock.advance(minutes * minute);
        await on(counter, 'finish', { ticketNumber: number });
      };
      try {
        await pushTickets([...Array.from({ length: 25 }, () => dayTicket('A')), ...Array.from({ length: 2 }, () => dayTicket('B'))]);
        // Counter 8 serves a B ticket first thing, then nothing more: not acting by the end.
        await serve(8, ['B'], 1);
        // Counter 9 serves group A: two long services, then twenty of 2 minutes (the last twenty count).
        await serve(9, ['A'], 60);
        await serve(9, ['A'], 60);
        for (let i = 0; i < 20; i++) await serve(9, ['A'], 2);
        // Counter 10 calls for group B only, a minute before the estimate.
        await serve(10, ['B'], 1);
        expect(h.clock.now() - start).toBeGreaterThan(30 * minute);
        const res = await fetch(`${base}/v1/queue/state?day=${day}`, { headers: counter1.auth });
        const estimates = QueueState.parse(await res.json()).estimateByGroup;
        // Three A tickets wait; of the counters acting, only 9 calls for A; no priority ticket today.
        expect(estimates.A).toEqual(waitEstimate(3, { recentOccupancyMs: Array.from({ length: 20 }, () => 2 * minute), counters: 1, overtaking: 0 }));
        expect(estimates.A).not.toBeNull();
      } finally {
        await publishConfig(QUEUE);
      }
    });

    /** The interleave counter as it stood before the action that made `version` (replaying earlier calls of the day). */
    async function interleaveBefore(version: unknown) {
      const earlier = await h.db.query<{ priority: boolean; returned: boolean }>(
        `SELECT (answer->'ticket'->>'priority')::boolean AS priority, coalesce((answer->'ticket'->>'returned')::boolean, false) AS returned
         FROM queue_actions WHERE day = $1 AND kind = 'call' AND outcome = 'applied' AND version < $2 ORDER BY version`,
        [DAY, Number(version)],
      );
      let s = dayStartInterleave(QUEUE);
      for (const e of earlier) if (!e.returned) s = afterCall(s, e.priority, QUEUE);
      return s;
    }
  });
}

describe('queue event streams: limits and clean-up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(engines[0]!, { listen: true, server: { corsOrigins: [ORIGIN], queueLimits: { maxStreamsPerAddress: 2, heartbeatMs: 100 } } });
  }, 120_000);
  afterAll(async () => h?.dispose());

  const open = (controller: AbortController) => fetch(`${h.base}/v1/queue/events?branch=CN01`, { headers: { origin: ORIGIN }, signal: controller.signal });

  it('caps open streams per address (429, with CORS), frees a slot when a client leaves, beats a heartbeat, and a server with open streams still closes', async () => {
    const first = new AbortController();
    const second = new AbortController();
    const a = await open(first);
    const b = await open(second);
    expect([a.status, b.status]).toEqual([200, 200]);
    const refused = await open(new AbortController());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await refused.json()).toMatchObject({ code: 'queue.too-many-streams' });
    // The heartbeat: a comment line (starting with a colon) within a few beats.
    const reader = b.body!.getReader();
    let text = '';
    while (!/(^|\n):/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended without a heartbeat');
      text += new TextDecoder().decode(value);
    }
    first.abort();
    // The server notices the client left and frees its slot.
    let again: Response | null = null;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await open(new AbortController());
    }
    expect(again?.status).toBe(200);
    expect((await fetch(`${h.base}/v1/queue/events?branch=ZZ99`)).status).toBe(404);
    // Two streams are still open: closing the server must end them, not wait for them.
    const closed = await Promise.race([h.app.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('hung'), 5000))]);
    expect(closed).toBe('closed');
  });
});
