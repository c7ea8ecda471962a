import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyQueueAction, applyQueueActionOnline } from '../../src/server/queue';
import { queueAction } from '../support/queueActions';
import { openHarness, pgliteEngine, START, type Harness } from './serverHarness';

const DAY = '2026-11-24';

describe('an action id reused with another ticket number', { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(pgliteEngine);
    for (const [k, n] of ['A0001', 'A0002'].entries()) {
      await h.db.query(
        `INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state) VALUES ($1, 'CN01', $2, $3, 'A', false, $4, 'waiting')`,
        [randomUUID(), DAY, n, START + k],
      );
    }
  }, 120_000);
  afterAll(async () => h?.dispose());

  const ticketState = async (n: string) =>
    (await h.db.query<{ state: string; counter: number | null }>(`SELECT state, counter FROM queue_tickets WHERE number = $1`, [n]))[0];

  it('online: the same id for a call of another ticket is refused queue.id-reused, not answered as a repeat', async () => {
    const first = queueAction({ branchCode: 'CN01', day: DAY, counter: 1, kind: 'call', ticketNumber: 'A0001', at: START });
    const a1 = await applyQueueActionOnline(h.db, first, randomUUID(), START);
    expect(a1.kind).toBe('answered');
    // Same id, other arguments (another ticket): must be 409 queue.id-reused.
    const second = { ...first, ticketNumber: 'A0002' };
    const a2 = await applyQueueActionOnline(h.db, second, randomUUID(), START + 1000);
    expect(a2.kind === 'refused' ? a2.error.code : `${a2.kind} repeated=${a2.kind === 'answered' ? a2.answer.repeated : '-'}`).toBe('queue.id-reused');
  });

  it('push: an offline finish reusing an id with another ticket number is refused queue.id-taken, not confirmed as applied', async () => {
    // Counter 1 has A0001 called (above). Its finish is applied online.
    const finish = queueAction({ branchCode: 'CN01', day: DAY, counter: 1, kind: 'finish', ticketNumber: 'A0001', at: START + 2000 });
    expect((await applyQueueActionOnline(h.db, finish, randomUUID(), START + 2000)).kind).toBe('answered');
    // A record under the same id naming A0002 arrives in a push: it is confirmed as already applied
    // ('answered', so the push's record is `applied`), although nothing happened to A0002.
    const other = { ...finish, ticketNumber: 'A0002' };
    const outcome = await h.db.transaction((tx) => applyQueueAction(tx, other, { via: 'push', deviceId: randomUUID(), now: START + 3000 }));
    expect(outcome.kind === 'refused' ? outcome.error.code : outcome.kind).toBe('queue.id-taken');
    expect(await ticketState('A0002')).toMatchObject({ state: 'waiting' });
  });
});
