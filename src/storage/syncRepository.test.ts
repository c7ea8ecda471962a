import { describe, expect, it } from 'vitest';
import { freshDb } from '../../test/unit/fixtures';
import type { OutboxEntry } from '../shared/outbox';
import { MAX_PUSH_ARGS_CHARS } from '../shared/sync';
import type { BlobRecord, StoredDossierRow } from './KioskDb';
import { pendingBatchOutside, pruneConfirmed } from './syncRepository';

/** Talking to the centre directly: nothing held by a hub. */
const NO_HUB = { confirmedSeq: 0, heldSeq: 0 };

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
    expect((await pendingBatchOutside(db, 0, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await pendingBatchOutside(db, 2, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([3, 4]);
    db.close();
  });

  it('always takes the oldest entry, however large, so the queue keeps moving', async () => {
    const db = freshDb();
    await db.outbox.bulkAdd([entry(1, MAX_PUSH_ARGS_CHARS + 10), entry(2, 10)]);
    expect((await pendingBatchOutside(db, 0, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([1]);
    db.close();
  });
});

describe('pruning', () => {
  const DAY = 86_400_000;
  const now = 100 * DAY;
  const blob = (sha: string, state: BlobRecord['state'], verifiedAt: number | null): BlobRecord => ({
    sha256: sha.repeat(64),
    size: 1,
    mimeType: 'application/pdf',
    data: new Blob(['x']),
    state,
    uploadUrl: null,
    createdAt: 0,
    verifiedAt,
  });
  const dossier = (id: string, sha: string, syncedAt: number | null): StoredDossierRow =>
    ({
      id,
      code: `000.21.01.H26-260101-000${id}`,
      day: '2026-01-01',
      receivedAt: 0,
      applicantId: '001195012345',
      documents: [{ sha256: sha.repeat(64), name: 'x' }],
      syncedAt,
      printedAt: null,
      printCount: 0,
    }) as StoredDossierRow;

  it('removes confirmed dossiers and verified scans only after retention, keeps what a dossier still here uses, and ends the reuse window', async () => {
    const db = freshDb();
    await db.blobs.bulkAdd([
      blob('a', 'verified', 10 * DAY),
      blob('b', 'verified', 10 * DAY),
      blob('c', 'verified', 95 * DAY),
      blob('d', 'pending', null),
      blob('e', 'verified', 10 * DAY),
    ]);
    // 3: confirmed recently, holding an old paper reused from an earlier dossier.
    await db.dossiers.bulkAdd([dossier('1', 'a', 10 * DAY), dossier('2', 'b', null), dossier('3', 'e', 95 * DAY)]);
    await db.documentIndex.bulkAdd([
      {
        applicantId: '001195012345',
        sha256: 'a'.repeat(64),
        size: 1,
        pages: 1,
        name: 'x',
        documentId: 'd1',
        dossierCode: 'c1',
        procedureName: 'p',
        receivedAt: 10 * DAY,
      },
      {
        applicantId: '001195012345',
        sha256: 'c'.repeat(64),
        size: 1,
        pages: 1,
        name: 'y',
        documentId: 'd2',
        dossierCode: 'c2',
        procedureName: 'p',
        receivedAt: 95 * DAY,
      },
    ]);
    const pruned = await pruneConfirmed(db, now, 30 * DAY, 60 * DAY);
    expect(pruned).toMatchObject({ dossiers: 1, blobs: 1, reuseEntries: 1 });
    expect((await db.blobs.toCollection().primaryKeys()).map((k) => String(k)[0]).sort()).toEqual(['b', 'c', 'd', 'e']);
    expect(await db.dossiers.count()).toBe(2);
    expect((await db.documentIndex.toArray()).map((r) => r.name)).toEqual(['y']);
    db.close();
  });
});
