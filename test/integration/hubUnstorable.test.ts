import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../../src/server/admin';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { relayBatch } from '../../src/server/hub/relayStore';
import { pushMutations } from '../../src/server/push';
import type { MutationEnvelope } from '../../src/shared/sync';
import { sampleRatingArgs, START, testDataProtection } from './serverHarness';

/** A branch hub's push (push.ts with `relay`): a record PostgreSQL cannot store must not block the stream (found in review, 2026-12-07). */
describe('hub push of a record the database cannot store', { timeout: 120_000 }, () => {
  let hubDb: Db;
  beforeAll(async () => {
    hubDb = await openPgliteDb(null);
    await migrate(hubDb);
    await createBranch(hubDb, 'CN01', 'Chi nhánh số 1');
  }, 120_000);
  afterAll(async () => {
    await hubDb?.close();
  });

  it('a rating with a NUL character is rejected and the stream goes on, as at the centre', async () => {
    const deviceId = randomUUID();
    await hubDb.query(`INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot) VALUES ($1, 'CN01', 'citizen', $2, $3, NULL)`, [
      deviceId,
      randomUUID(),
      START,
    ]);
    const device = { deviceId, branchCode: 'CN01', role: 'citizen', slot: null };
    const journalId = randomUUID();
    const m = (deviceSeq: number, args: unknown): MutationEnvelope => ({
      mutationId: randomUUID(),
      deviceSeq,
      name: 'rating.submit@1',
      args,
      schemaVersion: 1,
      createdAt: START,
    });
    // A NUL, and half of an emoji (a comment cut mid-character): the centre rejects both (sync.invalid-args).
    const batch = [
      m(1, sampleRatingArgs()),
      m(2, sampleRatingArgs('CN01', { comment: 'bad\u0000text' })),
      m(3, sampleRatingArgs('CN01', { comment: 'cut \ud83d' })),
      m(4, sampleRatingArgs()),
    ];
    const outcome = await pushMutations(hubDb, device, journalId, batch, { protection: testDataProtection, relay: { baseSeq: async () => 0 } });
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.results.map((r) => [r.deviceSeq, r.status, r.reason?.code ?? null])).toEqual([
      [1, 'applied', null],
      [2, 'rejected', 'sync.invalid-args'],
      [3, 'rejected', 'sync.invalid-args'],
      [4, 'applied', null],
    ]);
    // Kept for the centre exactly as the kiosk sent them (the centre rejects them the same way).
    const kept = await relayBatch(hubDb, testDataProtection, deviceId, journalId, 10, 1_000_000);
    expect(kept.mutations).toEqual(batch);
  });
});
