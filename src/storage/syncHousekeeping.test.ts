import { describe, expect, it } from 'vitest';
import { freshDb } from '../../test/unit/fixtures';
import type { OutboxEntry } from '../shared/outbox';
import { MAX_PUSH_ARGS_CHARS } from '../shared/sync';
import type { Ticket } from '../domain/ticket';
import type { BlobRecord, Rating } from './KioskDb';
import { journalId, loadCredential, loadSyncMeta, outboxStats, pendingBatchOutside, pruneConfirmed, saveCredential, saveSyncMeta } from './syncRepository';

/** Talking to the centre directly: nothing held by a hub. */
const NO_HUB = { confirmedSeq: 0, heldSeq: 0 };

/**
 * The engine's side of the journal besides confirmation: how much goes into one push, what pruning
 * may remove (only confirmed records, only after retention), and what the engine remembers between
 * runs.
 */

const entry = (deviceSeq: number, chars: number): OutboxEntry => ({
  // Ids in the reverse order of deviceSeq: the batch must follow the sequence, not the key.
  mutationId: `0193a1b2-0000-7000-8000-${String(1000 - deviceSeq).padStart(12, '0')}`,
  deviceId: '0193a1b2-0000-7000-8000-00000000d001',
  deviceSeq,
  name: 'rating.submit@1',
  args: { id: `r${deviceSeq}` },
  schemaVersion: 3,
  createdAt: deviceSeq,
  bytes: chars,
});

describe('push batches', () => {
  it('take entries in deviceSeq order up to the count limit', async () => {
    const db = freshDb('batch-limit');
    await db.outbox.bulkAdd([1, 2, 3, 4, 5].map((seq) => entry(seq, 10)));
    expect((await pendingBatchOutside(db, 0, NO_HUB, 2)).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await pendingBatchOutside(db, 0, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4, 5]);
    expect((await pendingBatchOutside(db, 2, NO_HUB, 2)).map((e) => e.deviceSeq)).toEqual([3, 4]);
    expect(await pendingBatchOutside(db, 5, NO_HUB, 100)).toEqual([]);
    db.close();
  });

  it('behind a hub, skip what only the hub holds and send again what the centre now holds, in seq order', async () => {
    const db = freshDb('batch-held');
    await db.outbox.bulkAdd([1, 2, 3, 4, 5, 6, 7].map((seq) => entry(seq, 10)));
    // The centre holds up to 2 (still in the outbox: outcome not read yet), the hub up to 5.
    const position = { confirmedSeq: 2, heldSeq: 5 };
    expect((await pendingBatchOutside(db, 0, position, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 6, 7]);
    expect((await pendingBatchOutside(db, 0, position, 3)).map((e) => e.deviceSeq)).toEqual([1, 2, 6]);
    expect((await pendingBatchOutside(db, 1, position, 100)).map((e) => e.deviceSeq)).toEqual([2, 6, 7]);
    expect((await pendingBatchOutside(db, 6, position, 100)).map((e) => e.deviceSeq)).toEqual([7]);
    // Nothing held: everything from the start.
    expect((await pendingBatchOutside(db, 0, { confirmedSeq: 5, heldSeq: 5 }, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    db.close();
  });

  it('fill the size budget exactly, and stop at the entry that would exceed it', async () => {
    const db = freshDb('batch-budget');
    const half = MAX_PUSH_ARGS_CHARS / 2;
    await db.outbox.bulkAdd([entry(1, half), entry(2, half), entry(3, 1), entry(4, 1)]);
    expect((await pendingBatchOutside(db, 0, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await pendingBatchOutside(db, 1, NO_HUB, 100)).map((e) => e.deviceSeq)).toEqual([2, 3, 4]);
    db.close();
  });
});

describe('the pending queue figures', () => {
  it('give the creation time of the first entry in sequence, even when the kiosk clock was set back', async () => {
    const db = freshDb('stats-clock');
    // Ids are time-ordered (UUIDv7): after a clock change, id order and sequence order differ.
    await db.outbox.bulkAdd([entry(1, 10), entry(2, 20), entry(3, 30)]);
    expect(await outboxStats(db)).toEqual({ count: 3, oldestCreatedAt: 1, bytes: 60 });
    db.close();
  });
});

describe('pruning confirmed records', () => {
  const DAY = 86_400_000;
  const now = 100 * DAY;
  const retention = 30 * DAY;
  const cutoff = now - retention;
  const ticket = (id: string, syncedAt: number | null) =>
    ({ id, day: '2026-01-01', groupPrefix: 'A', status: 'served', issuedAt: 0, syncedAt }) as unknown as Ticket;
  const rating = (id: string, syncedAt: number | null) => ({ id, level: 5, submittedAt: 0, syncedAt }) as unknown as Rating;
  const blob = (sha: string, verifiedAt: number): BlobRecord => ({
    sha256: sha.repeat(64),
    size: 1,
    mimeType: 'application/pdf',
    data: new Blob(['x']),
    state: 'verified',
    uploadUrl: null,
    createdAt: 0,
    verifiedAt,
  });

  it('removes tickets, ratings and scans confirmed before the retention window, keeps the rest and what was never confirmed', async () => {
    const db = freshDb('prune-boundaries');
    await db.tickets.bulkAdd([ticket('old', cutoff - 1), ticket('edge', cutoff), ticket('recent', now - DAY), ticket('unsynced', null)]);
    await db.ratings.bulkAdd([rating('old', cutoff - 1), rating('older', 0), rating('edge', cutoff), rating('unsynced', null)]);
    await db.blobs.bulkAdd([blob('a', cutoff - 1), blob('b', cutoff)]);
    const pruned = await pruneConfirmed(db, now, retention);
    expect(pruned).toEqual({ tickets: 1, ratings: 2, dossiers: 0, blobs: 1, reuseEntries: 0 });
    expect((await db.tickets.toCollection().primaryKeys()).sort()).toEqual(['edge', 'recent', 'unsynced']);
    expect((await db.ratings.toCollection().primaryKeys()).sort()).toEqual(['edge', 'unsynced']);
    expect(await db.blobs.toCollection().primaryKeys()).toEqual(['b'.repeat(64)]);
    db.close();
  });

  it('keeps the reuse index when no reuse window is given, and prunes it strictly before the window', async () => {
    const db = freshDb('prune-reuse');
    const indexRow = (documentId: string, receivedAt: number) => ({
      applicantId: '001195012345',
      sha256: documentId.repeat(64).slice(0, 64),
      size: 1,
      pages: 1,
      name: documentId,
      documentId,
      dossierCode: 'c',
      procedureName: 'p',
      receivedAt,
    });
    await db.documentIndex.bulkAdd([indexRow('a', 0), indexRow('b', now - 60 * DAY), indexRow('c', now - 60 * DAY + 1)]);
    expect((await pruneConfirmed(db, now, retention)).reuseEntries).toBe(0);
    expect(await db.documentIndex.count()).toBe(3);
    expect((await pruneConfirmed(db, now, retention, 60 * DAY)).reuseEntries).toBe(1);
    expect((await db.documentIndex.toArray()).map((r) => r.name).sort()).toEqual(['b', 'c']);
    db.close();
  });
});

describe('what the engine remembers', () => {
  it('keeps one journal id for the database; if its row was removed by hand, starts one new stream and keeps it', async () => {
    const db = freshDb('journal-id');
    const born = await journalId(db);
    expect(born).toMatch(/^[0-9a-f-]{36}$/);
    expect(await journalId(db)).toBe(born);
    await db.settings.delete('journalId');
    const [a, b] = await Promise.all([journalId(db), journalId(db)]);
    expect(a).toBe(b);
    expect(a).not.toBe(born);
    expect(await journalId(db)).toBe(a);
    db.close();
  });

  it('starts with no push, pull, success or checksum, and keeps each as it is saved', async () => {
    const db = freshDb('sync-meta');
    expect(await loadSyncMeta(db)).toEqual({ lastPushAt: null, lastPullAt: null, lastSuccessAt: null, lastChecksumAt: null, confirmedSeq: 0, heldSeq: 0 });
    expect(await saveSyncMeta(db, { lastPushAt: 10 })).toEqual({
      lastPushAt: 10,
      lastPullAt: null,
      lastSuccessAt: null,
      lastChecksumAt: null,
      confirmedSeq: 0,
      heldSeq: 0,
    });
    await saveSyncMeta(db, { lastPullAt: 20, lastSuccessAt: 20 });
    expect(await loadSyncMeta(db)).toEqual({ lastPushAt: 10, lastPullAt: 20, lastSuccessAt: 20, lastChecksumAt: null, confirmedSeq: 0, heldSeq: 0 });
    db.close();
  });

  it('keeps where the journal stands behind a hub beside the times', async () => {
    const db = freshDb('sync-position');
    await saveSyncMeta(db, { confirmedSeq: 3, heldSeq: 7 });
    await saveSyncMeta(db, { lastPushAt: 9 });
    expect(await loadSyncMeta(db)).toMatchObject({ confirmedSeq: 3, heldSeq: 7, lastPushAt: 9 });
    db.close();
  });

  it('reads what an earlier build stored (the settings rows are a persisted format)', async () => {
    const db = freshDb('sync-persisted');
    await db.settings.bulkPut([
      { key: 'syncMeta', value: { lastPushAt: 5, lastSuccessAt: 4 } },
      { key: 'deviceCredential', value: { token: 'old', serverUrl: 'https://hpasc.example', branchCode: '000.21.01.H26' } },
    ]);
    expect(await loadSyncMeta(db)).toEqual({ lastPushAt: 5, lastPullAt: null, lastSuccessAt: 4, lastChecksumAt: null, confirmedSeq: 0, heldSeq: 0 });
    expect(await loadCredential(db)).toEqual({ token: 'old', serverUrl: 'https://hpasc.example', branchCode: '000.21.01.H26' });
    db.close();
  });

  it('keeps the browser build’s device credential until it is cleared, and ignores an incomplete one', async () => {
    const db = freshDb('sync-credential');
    expect(await loadCredential(db)).toBeNull();
    const credential = { token: 'tok', serverUrl: 'https://hpasc.example', branchCode: '000.21.01.H26' };
    await saveCredential(db, credential);
    expect(await loadCredential(db)).toEqual(credential);
    await saveCredential(db, null);
    expect(await loadCredential(db)).toBeNull();
    await db.settings.put({ key: 'deviceCredential', value: { token: 'tok', serverUrl: 'https://hpasc.example' } });
    expect(await loadCredential(db)).toBeNull();
    db.close();
  });
});
