import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { MAX_BLOB_BYTES } from '../shared/sync';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import { openBlobData } from './sealing';
import { addBlob, allBlobsVerified, countPendingBlobs, getBlob, markVerified, pendingBlobs, setUploadUrl, sha256OfBlob } from './blobRepository';

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const scan = (n: number) => new Blob([new Uint8Array(nodeRandom(n))], { type: 'application/pdf' });
const nodeSha256 = async (blob: Blob) =>
  createHash('sha256')
    .update(new Uint8Array(await blob.arrayBuffer()))
    .digest('hex');

describe('blobRepository', () => {
  it('stores a scan as pending under its SHA-256 (crypto.subtle, same as node:crypto)', async () => {
    const db = freshDb('blobs-add');
    const data = scan(100_000);
    const record = await addBlob(db, data, 'application/pdf', fixedClock(START));
    expect(record.sha256).toBe(await nodeSha256(data));
    expect(record).toMatchObject({ size: 100_000, mimeType: 'application/pdf', state: 'pending', uploadUrl: null, createdAt: START, verifiedAt: null });
    const stored = await getBlob(db, record.sha256);
    // Stored sealed (personalCipher.ts); opened, the bytes are the scan's.
    expect(await sha256OfBlob(stored!.data)).not.toBe(record.sha256);
    const opened = await openBlobData(db, stored!);
    expect(opened.size).toBe(100_000);
    expect(await sha256OfBlob(opened)).toBe(record.sha256);
    expect(await countPendingBlobs(db)).toBe(1);
  });

  it('is idempotent by content: the same bytes twice keep one record and its state', async () => {
    const db = freshDb('blobs-idempotent');
    const clock = fixedClock(START);
    const bytes = new Uint8Array(nodeRandom(5000));
    const first = await addBlob(db, new Blob([bytes]), 'application/pdf', clock);
    await setUploadUrl(db, first.sha256, 'http://server/v1/blobs/tus/abc');
    clock.advance(60_000);
    const again = await addBlob(db, new Blob([bytes]), 'image/jpeg', clock);
    expect(again).toMatchObject({
      sha256: first.sha256,
      state: 'uploading',
      uploadUrl: 'http://server/v1/blobs/tus/abc',
      createdAt: START,
      mimeType: 'application/pdf',
    });
    expect(await countPendingBlobs(db)).toBe(1);
  });

  it('lists unverified blobs oldest first and walks pending → uploading → verified', async () => {
    const db = freshDb('blobs-states');
    const clock = fixedClock(START);
    const a = await addBlob(db, scan(10), 'application/pdf', clock);
    clock.advance(1000);
    const b = await addBlob(db, scan(20), 'application/pdf', clock);
    clock.advance(1000);
    const c = await addBlob(db, scan(30), 'application/pdf', clock);
    expect((await pendingBlobs(db)).map((r) => r.sha256)).toEqual([a.sha256, b.sha256, c.sha256]);

    await setUploadUrl(db, b.sha256, 'http://server/v1/blobs/tus/b');
    expect(await getBlob(db, b.sha256)).toMatchObject({ state: 'uploading', uploadUrl: 'http://server/v1/blobs/tus/b' });
    // A hash mismatch makes the engine forget the upload: the next attempt starts afresh.
    await setUploadUrl(db, b.sha256, null);
    expect(await getBlob(db, b.sha256)).toMatchObject({ state: 'pending', uploadUrl: null });

    clock.advance(5000);
    await markVerified(db, a.sha256, clock);
    expect(await getBlob(db, a.sha256)).toMatchObject({ state: 'verified', uploadUrl: null, verifiedAt: START + 7000 });
    expect((await pendingBlobs(db)).map((r) => r.sha256)).toEqual([b.sha256, c.sha256]);
    expect(await countPendingBlobs(db)).toBe(2);

    // A late onUploadUrl from an old attempt does not reopen a verified blob.
    await setUploadUrl(db, a.sha256, 'http://server/v1/blobs/tus/late');
    await markVerified(db, a.sha256, fixedClock(START + 99_999));
    expect(await getBlob(db, a.sha256)).toMatchObject({ state: 'verified', uploadUrl: null, verifiedAt: START + 7000 });
  });

  it('says a record is synced only when every blob it references is verified', async () => {
    const db = freshDb('blobs-all');
    const clock = fixedClock(START);
    const a = await addBlob(db, scan(10), 'application/pdf', clock);
    const b = await addBlob(db, scan(11), 'application/pdf', clock);
    expect(await allBlobsVerified(db, [])).toBe(true);
    await markVerified(db, a.sha256, clock);
    expect(await allBlobsVerified(db, [a.sha256])).toBe(true);
    expect(await allBlobsVerified(db, [a.sha256, b.sha256])).toBe(false);
    expect(await allBlobsVerified(db, [a.sha256, 'f'.repeat(64)])).toBe(false);
    await markVerified(db, b.sha256, clock);
    expect(await allBlobsVerified(db, [a.sha256, b.sha256])).toBe(true);
  });

  it('refuses a blob over MAX_BLOB_BYTES without storing anything', async () => {
    const db = freshDb('blobs-large');
    const huge = { size: MAX_BLOB_BYTES + 1 } as Blob;
    await expect(addBlob(db, huge, 'application/pdf', fixedClock(START))).rejects.toBeInstanceOf(AppFailure);
    expect(await countPendingBlobs(db)).toBe(0);
  });
});
