import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyQueueAction, applyQueueActionOnline } from '../../src/server/queue';
import type { QueueConfig } from '../../src/shared/queue';
import { queueAction } from '../support/queueActions';
import { adminAuthHeader, openHarness, pgliteEngine, START, type Harness } from './serverHarness';

const DAY = '2026-11-24';

/**
 * The counter's record of an action the owner already applied online is confirmed (same id, same
 * content) — unless the branch republished its configuration in between: the published-config check
 * runs before the id's log row is looked at, so the confirmation is refused queue.counter-unknown
 * (the record rejected although the owner applied and logged the action).
 */
describe('an applied action confirmed after a configuration change', { timeout: 120_000 }, () => {
  let h: Harness;
  let version = 3;
  async function publish(queue: QueueConfig): Promise<void> {
    const branch = JSON.parse(readFileSync('assets/config/branch.json', 'utf8')) as Record<string, unknown>;
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/admin/publish',
      headers: { ...(await adminAuthHeader(h)), 'content-type': 'application/json' },
      payload: { scope: 'branch:CN01', changes: [{ entity: 'branchConfig', op: 'put', data: { ...branch, version: version++, queue } }] },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  const cfg = (counters: number[]): QueueConfig => ({
    normalsPerPriority: 3,
    noShowGraceMinutes: 15,
    targetWaitMinutes: 15,
    weights: {},
    counters: counters.map((number) => ({ number, groups: ['A'] })),
  });
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
    await h.db.query(
      `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state) VALUES ($1, 'CN01', $2, 'A0001', 'A', false, $3, 'waiting')`,
      [randomUUID(), DAY, START],
    );
  }, 120_000);
  afterAll(async () => h?.dispose());

  it('the record of an action applied online is confirmed, whatever was published since', async () => {
    await publish(cfg([1, 2, 7]));
    const call = queueAction({ branchCode: 'CN01', day: DAY, counter: 7, kind: 'call', at: START + 1000 });
    const online = await applyQueueActionOnline(h.db, call, randomUUID(), START + 1000);
    expect(online.kind).toBe('answered');
    const recorded = online.kind === 'answered' ? online.answer.action : call; // what the desk puts in its outbox
    // Counter 7 is taken out of the published counters (a re-arrangement of the hall).
    await publish(cfg([1, 2]));
    // The desk's outbox then pushes the record of the call the owner already applied and logged.
    const pushed = await h.db.transaction((tx) => applyQueueAction(tx, recorded, { via: 'push', deviceId: randomUUID(), now: START + 5000 }));
    expect(pushed.kind === 'refused' ? pushed.error.code : pushed.kind).toBe('answered');
  });
});
