import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushMutations } from '../../src/server/push';
import type { MutationEnvelope } from '../../src/shared/sync';
import { enrolDevice, openHarness, pgliteEngine, START, type Harness } from './serverHarness';

/**
 * Two tickets with distinct (group, number) whose printed numbers are the same string: every ticket
 * the push applies joins the queue, so the second is refused (found in review, 2026-12-07).
 */
describe('tickets of groups A and A1', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('a ticket printing a number the day already has is refused, not stored outside the queue', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const ticket = (groupPrefix: string, numeric: number, digits: number) => ({
      id: randomUUID(),
      branchCode: 'CN01',
      kioskSlot: 0,
      day: '2026-11-24',
      groupPrefix,
      number: `${groupPrefix}${String(numeric).padStart(digits, '0')}`,
      numeric,
      priority: false,
      issuedAt: START,
    });
    const a = ticket('A', 1002, 3); // "A1002"
    const a1 = ticket('A1', 2, 3); // "A1002" too
    const m = (deviceSeq: number, args: unknown): MutationEnvelope => ({
      mutationId: randomUUID(),
      deviceSeq,
      name: 'ticket.issue@1',
      args,
      schemaVersion: 1,
      createdAt: START,
    });
    const outcome = await pushMutations(h.db, { deviceId: kiosk.deviceId, branchCode: 'CN01', role: 'citizen', slot: null }, randomUUID(), [m(1, a), m(2, a1)]);
    // The second prints the same number as the first: refused, as a number taken, not stored unqueued.
    expect(outcome.kind === 'done' ? outcome.results.map((r) => [r.status, r.reason?.code ?? null]) : outcome.kind).toEqual([
      ['applied', null],
      ['rejected', 'ticket.number-taken'],
    ]);
    const stored = await h.db.query<{ id: string }>('SELECT id FROM tickets WHERE id = ANY($1::uuid[])', [[a.id, a1.id]]);
    const queued = await h.db.query<{ ticket_id: string }>('SELECT ticket_id FROM queue_tickets WHERE ticket_id = ANY($1::uuid[])', [[a.id, a1.id]]);
    expect(stored.map((r) => r.id)).toEqual([a.id]);
    expect(queued.map((r) => r.ticket_id)).toEqual([a.id]);
  });
});
