import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import type { BlobRecord, StoredDossierRow } from './KioskDb';
import {
  addBlob,
  countPendingBlobs,
  countStuckBlobs,
  getBlob,
  isStuckScan,
  listStuckBlobs,
  markVerified,
  oldestPendingBlobAt,
  pendingBlobs,
  recordBlobFailure,
  setUploadUrl,
} from './blobRepository';

/**
 * A scan that cannot reach the centre must show up for staff with how long, how often and why it
 * failed, and which dossiers hold it; a verified scan must never look stuck.
 */

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const scan = (n: number) => new Blob([new Uint8Array(nodeRandom(n))], { type: 'application/pdf' });
const offline = { code: 'network.offline', detail: 'the centre did not answer' };

/** A stored row written directly (sha256 chosen so that key order differs from age order). */
const row = (hex: string, createdAt: number, more: Partial<BlobRecord> = {}): BlobRecord => ({
  sha256: hex.repeat(64),
  size: 10,
  mimeType: 'application/pdf',
  data: new Blob(['x']),
  state: 'pending',
  uploadUrl: null,
  createdAt,
  verifiedAt: null,
  ...more,
});

const dossier = (id: string, code: string, documents: { sha256: string; name: string }[]): StoredDossierRow => ({
  id,
  code,
  day: '2026-11-24',
  receivedAt: START,
  applicantId: 'blind-index',
  documents,
  syncedAt: null,
  printedAt: null,
  printCount: 0,
});

describe('a scan that keeps failing', () => {
  it('counts its failed attempts, keeps the first failure time and remembers the latest reason', async () => {
    const db = freshDb('blob-failures-count');
    const clock = fixedClock(START);
    const a = await addBlob(db, scan(50), 'application/pdf', clock);
    await recordBlobFailure(db, [a.sha256], offline, START + MINUTE);
    await recordBlobFailure(db, [a.sha256], { code: 'blob.too-slow', detail: 'upload timed out' }, START + 5 * MINUTE);
    await recordBlobFailure(db, [a.sha256], { code: 'http.503', detail: 'server busy' }, START + 9 * MINUTE);
    expect(await getBlob(db, a.sha256)).toMatchObject({
      failedAttempts: 3,
      failingSince: START + MINUTE,
      lastAttemptAt: START + 9 * MINUTE,
      lastError: { code: 'http.503', detail: 'server busy' },
      state: 'pending',
    });
    db.close();
  });

  it('starts counting at one on a row written before failures were tracked', async () => {
    const db = freshDb('blob-failures-legacy');
    await db.blobs.add(row('a', START));
    await recordBlobFailure(db, ['a'.repeat(64)], offline, START + HOUR);
    expect(await getBlob(db, 'a'.repeat(64))).toMatchObject({ failedAttempts: 1, failingSince: START + HOUR, lastAttemptAt: START + HOUR });
    db.close();
  });

  it('keeps a bounded reason: 100 characters of code, 500 of detail', async () => {
    const db = freshDb('blob-failures-bounded');
    const a = await addBlob(db, scan(50), 'application/pdf', fixedClock(START));
    await recordBlobFailure(db, [a.sha256], { code: 'c'.repeat(150), detail: 'd'.repeat(900) }, START);
    const stored = await getBlob(db, a.sha256);
    expect(stored?.lastError).toEqual({ code: 'c'.repeat(100), detail: 'd'.repeat(500) });
    db.close();
  });

  it('leaves verified and unknown scans alone, and changes nothing for an empty list', async () => {
    const db = freshDb('blob-failures-verified');
    const clock = fixedClock(START);
    const done = await addBlob(db, scan(40), 'application/pdf', clock);
    const waiting = await addBlob(db, scan(41), 'application/pdf', clock);
    await markVerified(db, done.sha256, clock);
    await recordBlobFailure(db, [done.sha256, 'f'.repeat(64), waiting.sha256], offline, START + HOUR);
    const verified = await getBlob(db, done.sha256);
    expect(verified?.lastError ?? null).toBeNull();
    expect(verified?.failedAttempts ?? 0).toBe(0);
    expect(await getBlob(db, 'f'.repeat(64))).toBeUndefined();
    expect(await getBlob(db, waiting.sha256)).toMatchObject({ failedAttempts: 1 });
    await recordBlobFailure(db, [], offline, START + 2 * HOUR);
    expect(await getBlob(db, waiting.sha256)).toMatchObject({ failedAttempts: 1, lastAttemptAt: START + HOUR });
    db.close();
  });

  it('stops being stuck once the centre verifies it (reason and failure time cleared)', async () => {
    const db = freshDb('blob-failures-cleared');
    const clock = fixedClock(START);
    const a = await addBlob(db, scan(60), 'application/pdf', clock);
    await setUploadUrl(db, a.sha256, 'http://server/v1/blobs/tus/a');
    await recordBlobFailure(db, [a.sha256], offline, START);
    expect(await countStuckBlobs(db, START + 2 * HOUR, HOUR)).toBe(1);
    clock.set(START + 2 * HOUR);
    await markVerified(db, a.sha256, clock);
    expect(await getBlob(db, a.sha256)).toMatchObject({
      state: 'verified',
      lastError: null,
      failingSince: null,
      uploadUrl: null,
      verifiedAt: START + 2 * HOUR,
    });
    expect(await countStuckBlobs(db, START + 3 * HOUR, HOUR)).toBe(0);
    expect(await listStuckBlobs(db, START + 3 * HOUR, HOUR)).toEqual([]);
    db.close();
  });
});

describe('stuck scans for staff', () => {
  it('a scan is stuck from the moment it has failed for the whole threshold, not before; never when not failing', () => {
    expect(isStuckScan(START, START + HOUR, HOUR)).toBe(true);
    expect(isStuckScan(START, START + HOUR - 1, HOUR)).toBe(false);
    expect(isStuckScan(START, START + 2 * HOUR, HOUR)).toBe(true);
    expect(isStuckScan(null, START + 100 * HOUR, HOUR)).toBe(false);
    expect(isStuckScan(undefined, START + 100 * HOUR, HOUR)).toBe(false);
  });

  it('lists unverified scans failing past the threshold, longest-failing first, with the dossiers holding them', async () => {
    const db = freshDb('blob-stuck-list');
    const now = START + 10 * HOUR;
    await db.blobs.bulkAdd([
      // Failing for 2 h.
      row('a', START, {
        size: 1234,
        mimeType: 'image/jpeg',
        lastError: offline,
        failingSince: now - 2 * HOUR,
        lastAttemptAt: now - MINUTE,
        failedAttempts: 7,
      }),
      // Failing for 5 h, uploading: listed first.
      row('b', START + MINUTE, {
        state: 'uploading',
        uploadUrl: 'http://server/t/b',
        lastError: { code: 'http.500', detail: 'boom' },
        failingSince: now - 5 * HOUR,
        lastAttemptAt: now - 2 * MINUTE,
        failedAttempts: 30,
      }),
      // Failing for less than the threshold.
      row('c', START, { lastError: offline, failingSince: now - HOUR + 1, lastAttemptAt: now, failedAttempts: 2 }),
      // Failing long ago but verified since (its old reason left behind): not stuck.
      row('d', START, { state: 'verified', verifiedAt: now - HOUR, lastError: offline, failingSince: now - 9 * HOUR, failedAttempts: 3 }),
      // A failure time without a reason is not a failure staff can act on.
      row('e', START, { lastError: null, failingSince: now - 9 * HOUR }),
      // Never failed.
      row('f', START),
      // A row from before reasons were kept, with a failure time only: not listed either.
      row('g', START, { failingSince: now - 9 * HOUR }),
    ]);
    await db.dossiers.bulkAdd([
      dossier('1', 'H26-241124-0001', [
        { sha256: 'a'.repeat(64), name: 'CCCD' },
        { sha256: 'b'.repeat(64), name: 'Giấy khai sinh' },
      ]),
      dossier('2', 'H26-241124-0002', [{ sha256: 'a'.repeat(64), name: 'CCCD bản sao' }]),
      dossier('3', 'H26-241124-0003', [{ sha256: 'c'.repeat(64), name: 'Đơn' }]),
    ]);

    expect(await countStuckBlobs(db, now, HOUR)).toBe(2);
    const stuck = await listStuckBlobs(db, now, HOUR);
    expect(stuck).toEqual([
      {
        sha256: 'b'.repeat(64),
        size: 10,
        mimeType: 'application/pdf',
        createdAt: START + MINUTE,
        failingSince: now - 5 * HOUR,
        lastAttemptAt: now - 2 * MINUTE,
        failedAttempts: 30,
        lastError: { code: 'http.500', detail: 'boom' },
        usedBy: [{ dossierCode: 'H26-241124-0001', documentName: 'Giấy khai sinh' }],
      },
      {
        sha256: 'a'.repeat(64),
        size: 1234,
        mimeType: 'image/jpeg',
        createdAt: START,
        failingSince: now - 2 * HOUR,
        lastAttemptAt: now - MINUTE,
        failedAttempts: 7,
        lastError: offline,
        usedBy: [
          { dossierCode: 'H26-241124-0001', documentName: 'CCCD' },
          { dossierCode: 'H26-241124-0002', documentName: 'CCCD bản sao' },
        ],
      },
    ]);
    // One millisecond later the third one joins.
    expect(await countStuckBlobs(db, now + 1, HOUR)).toBe(3);
    db.close();
  });

  it('shows a stuck scan no dossier holds with an empty list, and a row without attempt figures as none', async () => {
    const db = freshDb('blob-stuck-orphan');
    await db.blobs.add(row('a', START, { lastError: offline, failingSince: START }));
    expect(await listStuckBlobs(db, START + HOUR, HOUR)).toEqual([
      expect.objectContaining({ sha256: 'a'.repeat(64), usedBy: [], lastAttemptAt: null, failedAttempts: 0 }),
    ]);
    expect(await listStuckBlobs(db, START + HOUR - 1, HOUR)).toEqual([]);
    db.close();
  });
});

describe('when the database cannot be written', () => {
  it('the engine hears that a failure, a verification or an upload URL was not recorded', async () => {
    const db = freshDb('blob-closed');
    const a = await addBlob(db, scan(20), 'application/pdf', fixedClock(START));
    db.close();
    const notSaved = { code: 'storage.write-failed' };
    await expect(recordBlobFailure(db, [a.sha256], offline, START)).rejects.toMatchObject(notSaved);
    await expect(markVerified(db, a.sha256, fixedClock(START))).rejects.toMatchObject(notSaved);
    await expect(setUploadUrl(db, a.sha256, 'http://server/t/a')).rejects.toMatchObject(notSaved);
    await expect(addBlob(db, scan(21), 'application/pdf', fixedClock(START))).rejects.toMatchObject(notSaved);
  });
});

describe('the waiting queue', () => {
  it('gives the oldest unverified scan, oldest first, whatever their hashes; null when none waits', async () => {
    const db = freshDb('blob-oldest');
    expect(await oldestPendingBlobAt(db)).toBeNull();
    await db.blobs.bulkAdd([
      row('a', START + 3 * MINUTE),
      row('b', START + 2 * MINUTE, { state: 'uploading', uploadUrl: 'http://server/t/b' }),
      row('c', START + MINUTE),
      row('d', START, { state: 'verified', verifiedAt: START + MINUTE }),
    ]);
    expect(await oldestPendingBlobAt(db)).toBe(START + MINUTE);
    expect((await pendingBlobs(db)).map((r) => r.sha256[0])).toEqual(['c', 'b', 'a']);
    expect(await countPendingBlobs(db)).toBe(3);
    await db.blobs.update('c'.repeat(64), { state: 'verified', verifiedAt: START + 5 * MINUTE });
    expect(await oldestPendingBlobAt(db)).toBe(START + 2 * MINUTE);
    db.close();
  });

  it('never creates a scan from an upload callback or a verification for a hash it does not hold', async () => {
    const db = freshDb('blob-unknown');
    const clock = fixedClock(START);
    await setUploadUrl(db, 'e'.repeat(64), 'http://server/t/e');
    await markVerified(db, 'e'.repeat(64), clock);
    expect(await getBlob(db, 'e'.repeat(64))).toBeUndefined();
    expect(await db.blobs.count()).toBe(0);
    db.close();
  });

  it('stores a new scan sealed and pending, unverified and never failed', async () => {
    const db = freshDb('blob-new');
    const record = await addBlob(db, scan(300), 'image/png', fixedClock(START));
    const stored = await getBlob(db, record.sha256);
    expect(stored).toMatchObject({ sealed: true, state: 'pending', uploadUrl: null, verifiedAt: null, size: 300, mimeType: 'image/png', createdAt: START });
    expect(await countStuckBlobs(db, START + 100 * HOUR, HOUR)).toBe(0);
    db.close();
  });
});
