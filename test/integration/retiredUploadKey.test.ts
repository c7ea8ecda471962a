import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { keyring } from '../../src/server/dataProtection';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { migrate } from '../../src/server/db/migrate';
import { fixedClock } from '../../src/shared/clock';
import { BLOB_TUS_PATH, EnrolResponse } from '../../src/shared/sync';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';

/**
 * README "Rotating a key": add k2, make it current, rotate, and "when k2025 lists nothing, remove it
 * from DATA_KEYS and restart". An upload begun under k1 that is still unfinished then can never be
 * completed nor restarted: every PATCH is 500 (retryable for the kiosk, which keeps its URL), and
 * every PATCH touches the upload's row, so the sweep never frees it either.
 */
/**
 * An upload begun under a data key that was later removed from DATA_KEYS (after rotate-data-keys,
 * which cannot rewrap an unfinished upload): found in review, 2026-12-07. Every PATCH was a 500 the
 * kiosk retried for ever, and each touched the upload, so the sweep never freed its quota place.
 */
describe('an unfinished upload whose KEK was retired', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('is gone (410): the kiosk starts the scan afresh and it reaches the centre', async () => {
    const db = await openPgliteDb(null);
    cleanup.push(() => db.close());
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    const blobDir = await mkdtemp(path.join(tmpdir(), 'review-kek-'));
    cleanup.push(() => rm(blobDir, { recursive: true, force: true }));
    const clock = fixedClock(Date.UTC(2026, 10, 24, 2));
    const index = randomBytes(32);
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);

    // Before the rotation: k1 current.
    const before = buildServer({ db, clock, version: 'test', blobDir, dataProtection: keyring(new Map([['k1', k1]]), 'k1', index) });
    const base1 = await before.listen({ port: 0, host: '127.0.0.1' });
    const { code } = await createEnrolCode(db, 'CN01', 'counter', clock.now());
    const deviceId = randomUUID();
    const enrolled = await fetch(`${base1}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId, role: 'counter' }),
    });
    const { token } = EnrolResponse.parse(await enrolled.json());
    const auth = { authorization: `Bearer ${token}` };
    const bytes = new Uint8Array(randomBytes(300_000));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const created = await fetch(`${base1}${BLOB_TUS_PATH}`, {
      method: 'POST',
      headers: {
        ...auth,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `sha256 ${Buffer.from(sha256).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const uploadPath = created.headers.get('location')!;
    const half = await fetch(`${base1}${uploadPath}`, {
      method: 'PATCH',
      headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: bytes.subarray(0, 100_000),
    });
    expect(half.status).toBe(204);
    await before.close();

    // Rotation done (no blobs row is under k1: rotate-data-keys lists nothing), k1 removed, restart.
    const after = buildServer({ db, clock, version: 'test', blobDir, dataProtection: keyring(new Map([['k2', k2]]), 'k2', index) });
    cleanup.push(() => after.close());
    const base2 = await after.listen({ port: 0, host: '127.0.0.1' });
    const uploadUrl = `${base2}${uploadPath}`;

    // The kiosk resumes with its stored URL, run after run.
    // The kiosk resumes: the server says the upload is gone, the kiosk starts the scan afresh.
    clock.advance(60 * 60 * 1000);
    await uploadBlobWithTus({
      baseUrl: base2,
      token,
      blob: { sha256, size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl },
      hooks: { onUploadUrl: () => undefined },
    });
    // Verified at the centre, and the dead upload no longer holds a place in the device's quota.
    expect(await db.query('SELECT 1 FROM blobs WHERE sha256 = $1', [sha256])).toHaveLength(1);
    expect(await db.query('SELECT 1 FROM blob_uploads WHERE upload_id = $1', [uploadPath.split('/').pop()])).toEqual([]);
  }, 60_000);
});
