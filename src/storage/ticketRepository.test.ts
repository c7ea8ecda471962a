import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { pendingCount } from './outboxRepository';
import { issueTicket, recordPrintOutcome } from './ticketRepository';

const branch = seededBranch();
const group = branch.serviceGroups[0]!;
// 08:00 in Hà Nội on 23/11/2026.
const morning = Date.UTC(2026, 10, 23, 1, 0);

describe('issueTicket', () => {
  it('two kiosks of one branch issuing 500 tickets each on one day never share a number', async () => {
    const clock = fixedClock(morning);
    const kioskA = freshDb('a');
    const kioskB = freshDb('b');
    const numbers = new Set<string>();
    for (let i = 0; i < 500; i++) {
      for (const [db, slot, id] of [
        [kioskA, 0, '0190f0e0-0000-7000-8000-00000000000a'],
        [kioskB, 1, '0190f0e0-0000-7000-8000-00000000000b'],
      ] as const) {
        clock.advance(1000);
        const { ticket } = await issueTicket(db, { deviceId: id, kioskSlot: slot, branch, group, priority: i % 7 === 0 }, clock, nodeRandom);
        expect(numbers.has(ticket.number)).toBe(false);
        numbers.add(ticket.number);
      }
    }
    expect(numbers.size).toBe(1000);
    expect(await kioskA.tickets.count()).toBe(500);
    expect(await pendingCount(kioskB)).toBe(500);
  });

  it('restarts the sequence on the next local day', async () => {
    const clock = fixedClock(morning);
    const db = freshDb();
    const input = { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 0, branch, group, priority: false };
    const first = await issueTicket(db, input, clock, nodeRandom);
    const second = await issueTicket(db, input, clock, nodeRandom);
    expect([first.ticket.number, second.ticket.number]).toEqual([`${group.prefix}0001`, `${group.prefix}0002`]);
    expect(second.waitingAhead).toBe(1);
    // 23:59 local, still the same day
    clock.set(Date.UTC(2026, 10, 23, 16, 59));
    expect((await issueTicket(db, input, clock, nodeRandom)).ticket.number).toBe(`${group.prefix}0003`);
    // 00:00 local the next day
    clock.set(Date.UTC(2026, 10, 23, 17, 0));
    const nextDay = await issueTicket(db, input, clock, nodeRandom);
    expect(nextDay.ticket.number).toBe(`${group.prefix}0001`);
    expect(nextDay.ticket.day).toBe('2026-11-24');
    expect(nextDay.waitingAhead).toBe(0);
  });

  it('writes each ticket together with a gapless outbox entry', async () => {
    const clock = fixedClock(morning);
    const db = freshDb();
    const input = { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 0, branch, group, priority: true };
    for (let i = 0; i < 5; i++) await issueTicket(db, input, clock, nodeRandom);
    const entries = await db.outbox.orderBy('deviceSeq').toArray();
    expect(entries.map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.every((e) => e.name === 'ticket.issue@1')).toBe(true);
    const tickets = await db.tickets.toArray();
    expect(entries.map((e) => (e.args as { id: string }).id).sort()).toEqual(tickets.map((t) => t.id).sort());
    expect(tickets.every((t) => t.priority)).toBe(true);
  });

  it('turns a full disk into storage.full and stores neither the ticket nor its outbox entry', async () => {
    const clock = fixedClock(morning);
    const db = freshDb();
    await db.open();
    db.outbox.hook('creating', () => {
      throw new Dexie.QuotaExceededError('disk full');
    });
    const input = { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 0, branch, group, priority: false };
    const failure = await issueTicket(db, input, clock, nodeRandom).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect((failure as AppFailure).code).toBe('storage.full');
    expect(await db.tickets.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.counters.count()).toBe(0);
  });

  it('tells the number to the renderer exactly once, before the commit completes', async () => {
    const clock = fixedClock(morning);
    const db = freshDb();
    const seen: string[] = [];
    const issued = await issueTicket(
      db,
      { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 0, branch, group, priority: false },
      clock,
      nodeRandom,
      (t) => seen.push(t.ticket.number),
    );
    expect(seen).toEqual([issued.ticket.number]);
  });

  it('refuses a kiosk slot the branch numbering does not have, with a configuration error', async () => {
    const db = freshDb();
    const failure = await issueTicket(
      db,
      { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 9, branch, group, priority: false },
      fixedClock(morning),
      nodeRandom,
    ).catch((e: unknown) => e);
    expect((failure as AppFailure).code).toBe('config.slot-out-of-range');
    expect(await db.tickets.count()).toBe(0);
  });

  it('records a print failure for the technician', async () => {
    const clock = fixedClock(morning);
    const db = freshDb();
    const { ticket } = await issueTicket(
      db,
      { deviceId: '0190f0e0-0000-7000-8000-00000000000a', kioskSlot: 0, branch, group, priority: false },
      clock,
      nodeRandom,
    );
    await recordPrintOutcome(db, ticket, 'failed', { code: 'print.printer-not-found', detail: 'lp: no such printer' }, clock);
    expect((await db.tickets.get(ticket.id))?.printStatus).toBe('failed');
    const events = await db.events.toArray();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'print.failed', code: 'print.printer-not-found', subject: ticket.number });
  });
});
