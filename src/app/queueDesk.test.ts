import { describe, expect, it, vi } from 'vitest';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { fixedClock } from '../shared/clock';
import {
  DEFAULT_QUEUE_CONFIG,
  QueueActionArgs,
  type QueueActionAnswer,
  type QueueState,
  type QueueTicketView,
  type StaffCallAnswer,
  type StaffCallAnswerRequest,
  type StaffCallView,
} from '../shared/queue';
import type { KioskDb, StoredDossierRow } from '../storage/KioskDb';
import { TransportError, type Transport } from '../sync/Transport';
import { initI18n } from './i18n';
import { createQueueDesk, RECALL_GAP_MS, type QueueDeskDeps, type QueueDeskView } from './queueDesk';
import type { QueueOwner } from './syncService';
import i18next from 'i18next';

// Wed 03/12/2026 09:00 in Hà Nội.
const T0 = Date.UTC(2026, 11, 3, 2, 0);
const DAY = '2026-12-03';

type Script = 'answer' | 'no-answer' | { refuse: string };

/**
 * The queue owner's side of the transport, faked: it answers actions the way the contract says
 * (call next picks the first waiting ticket of the asked groups), can lose answers, and records
 * every request it received (with the id), so a test sees what was sent and how often.
 */
class FakeQueueTransport implements Pick<Transport, 'queueAction' | 'queueState' | 'answerStaffCall'> {
  staffCalls: StaffCallView[] = [];
  answered = new Map<string, number>();
  readonly received: QueueActionArgs[] = [];
  readonly applied = new Map<string, QueueActionAnswer>();
  script: Script[] = [];
  waiting: string[] = ['A0001', 'A0002', 'B0001'];
  tickets = new Map<string, QueueTicketView>();
  reachable = true;

  ticket(number: string): QueueTicketView {
    return (
      this.tickets.get(number) ?? {
        id: '0193a1b2-0000-7000-8000-000000000001',
        number,
        group: number.slice(0, 1),
        priority: false,
        appointment: false,
        issuedAt: T0 - 600_000,
        state: 'waiting',
        counter: null,
        calledAt: null,
        calls: 0,
        returned: false,
        noShowAt: null,
        flag: null,
      }
    );
  }

  async queueAction(args: QueueActionArgs): Promise<QueueActionAnswer> {
    this.received.push(args);
    const step = this.script.shift() ?? 'answer';
    if (step === 'no-answer' || !this.reachable) throw new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
    if (typeof step === 'object') throw new TransportError('protocol', { code: step.refuse, detail: 'refused' }, 409);
    const earlier = this.applied.get(args.id);
    if (earlier) return { ...earlier, repeated: true };
    let number = args.ticketNumber;
    if (args.kind === 'call' && args.how === 'next') {
      number = this.waiting.find((n) => args.groups.length === 0 || args.groups.includes(n.slice(0, 1))) ?? null;
      if (number === null) throw new TransportError('protocol', { code: 'queue.empty', detail: 'nobody waiting' }, 409);
    }
    let ticket: QueueTicketView | null = null;
    if (number !== null) {
      const before = this.ticket(number);
      const state =
        args.kind === 'call' || args.kind === 'recall'
          ? 'called'
          : args.kind === 'serve'
            ? 'serving'
            : args.kind === 'finish'
              ? 'served'
              : args.kind === 'no-show'
                ? 'no-show'
                : 'waiting';
      ticket = {
        ...before,
        state,
        counter: args.counter,
        calledAt: args.kind === 'call' || args.kind === 'recall' ? args.at : before.calledAt,
        calls: before.calls + (args.kind === 'call' || args.kind === 'recall' ? 1 : 0),
      };
      this.tickets.set(number, ticket);
      this.waiting = this.waiting.filter((n) => n !== number);
    }
    const answer: QueueActionAnswer = { action: { ...args, ticketNumber: number }, ticket, repeated: false };
    this.applied.set(args.id, answer);
    return answer;
  }

  async queueState(day: string): Promise<QueueState> {
    if (!this.reachable) throw new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
    return {
      branchCode: 'CN01',
      day,
      version: this.applied.size,
      waiting: this.waiting.map((n) => this.ticket(n)),
      active: [...this.tickets.values()].filter((t) => t.state === 'called' || t.state === 'serving' || t.state === 'no-show'),
      waitingByGroup: { A: this.waiting.filter((n) => n.startsWith('A')).length, B: this.waiting.filter((n) => n.startsWith('B')).length },
      estimateByGroup: { A: { low: 10, high: 20 }, B: null },
      config: DEFAULT_QUEUE_CONFIG,
      staffCalls: this.staffCalls.filter((c) => !this.answered.has(c.id)),
    };
  }

  async answerStaffCall(request: StaffCallAnswerRequest): Promise<StaffCallAnswer> {
    if (!this.reachable) throw new TransportError('network', { code: 'net.unreachable', detail: 'no answer' });
    if (!this.staffCalls.some((c) => c.id === request.id)) throw new TransportError('protocol', { code: 'queue.staff-call-not-found', detail: 'gone' }, 404);
    const first = !this.answered.has(request.id);
    if (first) this.answered.set(request.id, request.counter);
    return { id: request.id, answeredAt: T0, counter: this.answered.get(request.id)!, first };
  }

  owner(): QueueOwner {
    return { act: (a) => this.queueAction(a), state: (d) => this.queueState(d), answerStaffCall: (r) => this.answerStaffCall(r) };
  }
}

/** Timers that fire at once: retry delays and polls cost no wall time (the poll is never run). */
const instantTimers: QueueDeskDeps['timers'] = {
  setTimeout: (fn, ms) => (ms < 5_000 ? setTimeout(fn, 0) : null),
  clearTimeout: (h) => h !== null && clearTimeout(h as ReturnType<typeof setTimeout>),
};

function machine(db: KioskDb = freshDb(), transport: FakeQueueTransport | 'offline' | 'not-enrolled' = new FakeQueueTransport()) {
  const clock = fixedClock(T0);
  const saved: string[] = [];
  const desk = createQueueDesk({
    db,
    clock,
    random: nodeRandom,
    branch: seededBranch(),
    deviceId: () => '0193a1b2-0000-7000-8000-00000000c001',
    staffId: () => 'CB0012',
    owner: () => (typeof transport === 'string' ? transport : transport.owner()),
    saved: async (e) => void saved.push(e.mutationId),
    assertCaptureAllowed: () => undefined,
    timers: instantTimers,
  });
  return { db, clock, desk, saved, transport };
}

async function outboxActions(db: KioskDb): Promise<QueueActionArgs[]> {
  return (await db.outbox.orderBy('deviceSeq').toArray()).filter((e) => e.name === 'queue.action@1').map((e) => QueueActionArgs.parse(e.args));
}

describe('the counter queue desk', () => {
  it('calls next online: the owner picks the ticket, and the outbox holds the completed action with the same id', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    expect((await m.desk.saveSetup({ counter: 3, groups: ['A'] })).ok).toBe(true);
    const r = await m.desk.act({ kind: 'call-next' });
    expect(r.ok && r.value.current?.number).toBe('A0001');
    expect(fake.received).toHaveLength(1);
    const sent = fake.received[0]!;
    expect(sent).toMatchObject({ kind: 'call', how: 'next', groups: ['A'], ticketNumber: null, counter: 3, staffId: 'CB0012', offline: false, day: DAY });
    const recorded = await outboxActions(m.db);
    expect(recorded).toHaveLength(1);
    // The action as applied: the same id, with the ticket the owner chose.
    expect(recorded[0]).toEqual({ ...sent, ticketNumber: 'A0001' });
    expect(m.saved).toHaveLength(1);
    expect(m.desk.current()).toMatchObject({ number: 'A0001', state: 'called', calls: 1, offline: false });
  });

  it('two presses of next at once (a bouncing foot pedal) call one ticket: the second is told the counter has it', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    expect((await m.desk.saveSetup({ counter: 3, groups: ['A'] })).ok).toBe(true);
    const [first, second] = await Promise.all([m.desk.act({ kind: 'call-next' }), m.desk.act({ kind: 'call-next' })]);
    expect(first.ok && first.value.current?.number).toBe('A0001');
    expect(second.ok ? 'called' : second.error.code).toBe('queue.counter-busy');
    expect(fake.received).toHaveLength(1);
    expect(fake.waiting).toEqual(['A0002', 'B0001']);
    expect(await outboxActions(m.db)).toHaveLength(1);
    expect(m.desk.current()).toMatchObject({ number: 'A0001', state: 'called' });
  });

  it('a recall pressed twice (a bounce) is announced once: a recall within a few seconds of the last call is refused with why', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    expect((await m.desk.saveSetup({ counter: 3, groups: ['A'] })).ok).toBe(true);
    expect((await m.desk.act({ kind: 'call-next' })).ok).toBe(true);
    expect(await m.desk.act({ kind: 'recall' })).toMatchObject({ ok: false, error: { code: 'queue.recall-too-soon' } });
    m.clock.advance(RECALL_GAP_MS);
    const [first, second] = await Promise.all([m.desk.act({ kind: 'recall' }), m.desk.act({ kind: 'recall' })]);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, error: { code: 'queue.recall-too-soon' } });
    expect(fake.received.filter((a) => a.kind === 'recall')).toHaveLength(1);
    expect(m.desk.current()).toMatchObject({ number: 'A0001', calls: 2 });
    m.clock.advance(RECALL_GAP_MS);
    expect((await m.desk.act({ kind: 'recall' })).ok).toBe(true);
    expect(fake.received.filter((a) => a.kind === 'recall')).toHaveLength(2);
  });

  it('sends the same id again when no answer comes, and records the action once', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A', 'B'] });
    fake.script = ['no-answer', 'no-answer', 'answer'];
    const r = await m.desk.act({ kind: 'call-next' });
    expect(r.ok).toBe(true);
    expect(fake.received).toHaveLength(3);
    expect(new Set(fake.received.map((a) => a.id)).size).toBe(1);
    const recorded = await outboxActions(m.db);
    expect(recorded.map((a) => a.id)).toEqual([fake.received[0]!.id]);
  });

  it('a lost answer is harmless: the owner answers the repeat with what it applied', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    // Applied by the owner, answer lost: the owner throws after applying.
    const real = fake.queueAction.bind(fake);
    let first = true;
    fake.queueAction = async (a) => {
      const answer = await real(a);
      if (first) {
        first = false;
        throw new TransportError('timeout', { code: 'net.timeout', detail: 'lost' });
      }
      return answer;
    };
    const r = await m.desk.act({ kind: 'call-next' });
    expect(r.ok && r.value.repeated).toBe(true);
    expect(r.ok && r.value.current?.number).toBe('A0001');
    // A0002 is still waiting: the repeat did not call a second ticket.
    expect(fake.waiting).toContain('A0002');
    expect(await outboxActions(m.db)).toHaveLength(1);
  });

  it('offline: call next is refused with the plain message, a typed number is called into the outbox only (offline: true)', async () => {
    await initI18n('vi');
    const m = machine(freshDb(), 'offline');
    await m.desk.saveSetup({ counter: 5, groups: ['A'] });
    const views: string[] = [];
    const stop = m.desk.watch((v) => views.push(v.reach));
    const next = await m.desk.act({ kind: 'call-next' });
    expect(next.ok).toBe(false);
    expect(!next.ok && next.error.code).toBe('queue.unreachable');
    expect(await outboxActions(m.db)).toHaveLength(0);

    const typed = await m.desk.act({ kind: 'call-number', number: 'a 15' });
    expect(typed.ok && typed.value.offline).toBe(true);
    const recorded = await outboxActions(m.db);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ kind: 'call', how: 'number', ticketNumber: 'A0015', offline: true, counter: 5 });
    expect(m.desk.current()).toMatchObject({ number: 'A0015', group: 'A', state: 'called', offline: true });
    // The rest of its service follows offline, in order.
    expect((await m.desk.act({ kind: 'serve' })).ok).toBe(true);
    expect((await outboxActions(m.db)).map((a) => [a.kind, a.offline])).toEqual([
      ['call', true],
      ['serve', true],
    ]);
    expect(views).toContain('unreachable');
    // What the panel says, word for word (issue 12).
    expect(i18next.t('queue.reach.unreachable')).toBe('Không kết nối được máy chủ hàng đợi — vẫn gọi được bằng cách gõ số vé');
    stop();
  });

  it('an owner that stops answering: a ticket-naming action is kept as sent (same id), call next is refused', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    expect((await m.desk.act({ kind: 'call-next' })).ok).toBe(true);
    // Its state still answers (the desk reads it after every action); its answers to actions are lost.
    fake.script = ['no-answer', 'no-answer', 'no-answer'];
    const serve = await m.desk.act({ kind: 'serve' });
    expect(serve.ok && serve.value.offline).toBe(true);
    const recorded = await outboxActions(m.db);
    expect(recorded[1]).toEqual(fake.received.at(-1));
    expect(fake.received.filter((a) => a.kind === 'serve')).toHaveLength(3);
    expect(m.desk.current()?.state).toBe('serving');
  });

  it('maps the owner’s refusals to messages with what to do, and records nothing', async () => {
    await initI18n('vi');
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['C'] });
    const r = await m.desk.act({ kind: 'call-next' });
    expect(!r.ok && r.error.code).toBe('queue.empty');
    expect(i18next.t('errors.queue.empty')).toContain('Không còn ai chờ trong các nhóm của quầy này');
    fake.script = [{ refuse: 'queue.ticket-unknown' }];
    const typed = await m.desk.act({ kind: 'call-number', number: 'A99' });
    expect(!typed.ok && typed.error.code).toBe('queue.ticket-unknown');
    expect(await outboxActions(m.db)).toHaveLength(0);
    expect(m.desk.current()).toBeNull();
    for (const lng of ['vi', 'en']) {
      const t = i18next.getFixedT(lng);
      for (const code of [
        'queue.empty',
        'queue.ticket-unknown',
        'queue.wrong-state',
        'queue.grace-over',
        'queue.counter-unknown',
        'queue.group-unknown',
        'queue.id-reused',
        'queue.bad-request',
      ]) {
        expect(t(`errors.${code}`, { defaultValue: '' }), `${lng} ${code}`).not.toBe('');
      }
    }
    // Local refusals.
    expect(await m.desk.act({ kind: 'recall' })).toMatchObject({ ok: false, error: { code: 'queue.no-ticket' } });
    expect(await m.desk.act({ kind: 'call-number', number: 'Z12' })).toMatchObject({ ok: false, error: { code: 'queue.number-format' } });
  });

  it('keeps the counter, its groups and its current ticket across a restart', async () => {
    const db = freshDb();
    const first = machine(db);
    await first.desk.saveSetup({ counter: 7, groups: ['B'] });
    await first.desk.act({ kind: 'call-next' });
    await first.desk.act({ kind: 'serve' });
    first.desk.stop();

    const again = machine(db, 'offline');
    let stop = (): void => undefined;
    const view = await new Promise<Parameters<Parameters<typeof again.desk.watch>[0]>[0]>((resolve) => {
      stop = again.desk.watch((v) => resolve(v));
    });
    stop();
    expect(view.setup).toEqual({ counter: 7, groups: ['B'] });
    expect(view.current).toMatchObject({ number: 'B0001', state: 'serving', day: DAY });
  });

  it('finish lists the dossiers received under the ticket since its service began', async () => {
    const m = machine();
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    await m.desk.act({ kind: 'call-next' });
    m.clock.advance(60_000);
    await m.desk.act({ kind: 'serve' });
    const row = (code: string, ticketNumber: string | null, at: number): StoredDossierRow => ({
      id: `0193a1b2-0000-7000-8000-${code.slice(-4).padStart(12, '0')}`,
      code: `000.21.01.H26-261203-${code}`,
      day: DAY,
      receivedAt: at,
      applicantId: 'x',
      ticketNumber,
      syncedAt: null,
      printedAt: null,
      printCount: 0,
    });
    await m.db.dossiers.bulkAdd([
      row('0001', 'A0001', T0 + 120_000),
      row('0002', 'A0001', T0 + 180_000),
      row('0003', 'A0002', T0 + 200_000),
      row('0004', null, T0 + 210_000),
      // Under the same number before this service began (not this citizen's).
      row('0005', 'A0001', T0 - 1_000),
    ]);
    const r = await m.desk.act({ kind: 'finish' });
    expect(r.ok && r.value.action?.dossierCodes).toEqual(['000.21.01.H26-261203-0001', '000.21.01.H26-261203-0002']);
    expect((await outboxActions(m.db)).at(-1)).toMatchObject({
      kind: 'finish',
      ticketNumber: 'A0001',
      dossierCodes: ['000.21.01.H26-261203-0001', '000.21.01.H26-261203-0002'],
    });
    expect(m.desk.current()).toBeNull();
  });

  it('takes over a call whose answer was lost for good when the owner’s state shows it at this counter', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    fake.script = ['no-answer', 'no-answer', 'no-answer'];
    // The owner applied it on the first try; every answer was lost.
    const real = fake.queueAction.bind(fake);
    let n = 0;
    fake.queueAction = async (a) => {
      if (n++ === 0) {
        fake.script = [];
        await real(a);
      }
      throw new TransportError('network', { code: 'net.unreachable', detail: 'lost' });
    };
    expect(await m.desk.act({ kind: 'call-next' })).toMatchObject({ ok: false, error: { code: 'queue.unreachable' } });
    m.desk.reconnect();
    await vi.waitFor(() => expect(m.desk.current()).toMatchObject({ number: 'A0001', state: 'called' }));
  });

  it('a ticket finished while the owner was unreachable is not taken back from the owner’s state, which does not know it yet', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    expect((await m.desk.act({ kind: 'call-next' })).ok).toBe(true);
    expect((await m.desk.act({ kind: 'serve' })).ok).toBe(true);
    fake.reachable = false;
    expect(await m.desk.act({ kind: 'finish' })).toMatchObject({ ok: true, value: { offline: true, current: null } });
    // The owner answers again before the outbox reached it: its state still has A0001 serving here.
    fake.reachable = true;
    m.desk.reconnect();
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.tickets.get('A0001')).toMatchObject({ state: 'serving', counter: 3 });
    expect(m.desk.current()).toBeNull();
    // The counter goes on: the next call is not refused as busy.
    expect(await m.desk.act({ kind: 'call-next' })).toMatchObject({ ok: true, value: { current: { number: 'A0002' } } });
  });

  it('a state read that set out before an action ended does not undo it', async () => {
    const m = machine();
    const fake = m.transport as FakeQueueTransport;
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    expect((await m.desk.act({ kind: 'call-next' })).ok).toBe(true);
    // The next state read is taken now (A0001 called here) and answered only after the finish.
    const real = fake.queueState.bind(fake);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reads = 0;
    fake.queueState = async (day) => {
      const snapshot = await real(day);
      if (reads++ === 0) await held;
      return snapshot;
    };
    m.desk.reconnect();
    await vi.waitFor(() => expect(reads).toBe(1));
    expect((await m.desk.act({ kind: 'finish' })).ok).toBe(true);
    release();
    // …and the desk reads the state again, after the finish.
    await vi.waitFor(() => expect(reads).toBeGreaterThanOrEqual(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(m.desk.current()).toBeNull();
  });

  it('shows the kiosks’ calls for staff, closes one when the officer goes, and says why when it cannot', async () => {
    const m = machine();
    const t = m.transport as FakeQueueTransport;
    const call: StaffCallView = { id: '0193a1b2-0000-7000-8000-0000000000c1', screen: 'follow', calledAt: T0 - 5_000, kioskSlot: 2 };
    t.staffCalls = [call];
    expect(await m.desk.answerStaffCall(call.id)).toMatchObject({ ok: false, error: { code: 'queue.not-set-up' } });
    await m.desk.saveSetup({ counter: 3, groups: ['A'] });
    const views: QueueDeskView[] = [];
    const stop = m.desk.watch((v) => views.push(v));
    await vi.waitFor(() => expect(views.at(-1)?.staffCalls).toEqual([call]));

    expect(await m.desk.answerStaffCall(call.id)).toEqual({ ok: true, value: { id: call.id, answeredAt: T0, counter: 3, first: true } });
    await vi.waitFor(() => expect(views.at(-1)?.staffCalls).toEqual([]));
    expect(await m.desk.answerStaffCall('0193a1b2-0000-7000-8000-0000000000c9')).toMatchObject({ ok: false, error: { code: 'queue.staff-call-not-found' } });
    t.reachable = false;
    expect(await m.desk.answerStaffCall(call.id)).toMatchObject({ ok: false, error: { code: 'queue.staff-call-unreachable' } });
    stop();
    const offline = machine(freshDb(), 'not-enrolled');
    await offline.desk.saveSetup({ counter: 1, groups: ['A'] });
    expect(await offline.desk.answerStaffCall(call.id)).toMatchObject({ ok: false, error: { code: 'queue.not-enrolled' } });
  });
});
