import { describe, expect, it } from 'vitest';
import { freshDb } from '../../test/unit/fixtures';
import type { OutboxEntry } from '../shared/outbox';
import { MAX_PUSH_ARGS_CHARS } from '../shared/sync';
import { pendingBatch, pendingBatchAfter } from './syncRepository';

const entry = (deviceSeq: number, chars: number): OutboxEntry => ({
  mutationId: `0193a1b2-0000-7000-8000-${String(deviceSeq).padStart(12, '0')}`,
  deviceId: '0193a1b2-0000-7000-8000-00000000d001',
  deviceSeq,
  name: 'dossier.submit@1',
  args: { pad: 'x'.repeat(chars) },
  schemaVersion: 3,
  createdAt: deviceSeq,
  bytes: chars,
});

describe('push batches', () => {
  it('stop at the size budget so a day of large dossiers never exceeds the server body limit', async () => {
    const db = freshDb();
    const big = Math.floor(MAX_PUSH_ARGS_CHARS / 3) + 1;
    await db.outbox.bulkAdd([1, 2, 3, 4, 5].map((seq) => entry(seq, big)));
    expect((await pendingBatch(db, 100)).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await pendingBatchAfter(db, 2, 100)).map((e) => e.deviceSeq)).toEqual([3, 4]);
    db.close();
  });

  it('always takes the oldest entry, however large, so the queue keeps moving', async () => {
    const db = freshDb();
    await db.outbox.bulkAdd([entry(1, MAX_PUSH_ARGS_CHARS + 10), entry(2, 10)]);
    expect((await pendingBatch(db, 100)).map((e) => e.deviceSeq)).toEqual([1]);
    db.close();
  });
});
