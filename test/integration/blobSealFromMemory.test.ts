import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_UPLOAD_BYTES } from '../../src/server/blobs';
import { diskStorage, readBlobBytes, type BlobStorage } from '../../src/server/blobStore';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';
import { engines, enrolDevice, openHarness, testDataProtection, type Harness } from './serverHarness';

/**
 * A finished upload whose bytes the server kept as they arrived (blobs.ts, `kept`) is sealed from
 * memory; any other is read back from the store, decrypted and hashed again. Either way the
 * stored blob must be exactly the scan: every case reads it back through its data key and
 * compares the bytes.
 */
describe.each(engines)('sealing a finished upload on $name', (engine) => {
  let h: Harness;
  let blobDir: string;
  /** Upload ids the store was asked to read back (the finished upload, to seal it). */
  const readBack: string[] = [];

  beforeAll(async () => {
    blobDir = await mkdtemp(path.join(tmpdir(), 'hpasc-seal-'));
    const disk = diskStorage(blobDir);
    const counting: BlobStorage = {
      ...disk,
      read: (uploadId) => {
        readBack.push(uploadId);
        return disk.read(uploadId);
      },
    };
    h = await openHarness(engine, { listen: true, server: { blobDir, blobStorage: counting } });
  });
  afterAll(async () => {
    await h?.dispose();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
  });

  /** Uploads `size` random bytes in PATCHes of `chunkSize`; returns the scan and whether the store read it back. */
  const send = async (size: number, chunkSize: number) => {
    const bytes = new Uint8Array(randomBytes(size));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const before = readBack.length;
    await uploadBlobWithTus({
      baseUrl: h.base!,
      token: (await enrolDevice(h, 'CN01', 'counter')).token,
      blob: { sha256, size, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
      chunkSize,
      hooks: { onUploadUrl: () => undefined },
    });
    const stored = await readBlobBytes(h.db, diskStorage(blobDir), testDataProtection, sha256);
    return { bytes, stored, readBack: readBack.length - before };
  };

  it('seals a scan sent in one PATCH from the bytes it kept, without reading the upload back', async () => {
    const { bytes, stored, readBack: reads } = await send(2 * 1024 * 1024 + 123, 4 * 1024 * 1024);
    expect(reads).toBe(0);
    expect(stored && Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
  });

  it('keeps the bytes across PATCHes that follow each other (a scan in 512 KiB chunks)', async () => {
    const { bytes, stored, readBack: reads } = await send(1024 * 1024 + 7, 512 * 1024);
    expect(reads).toBe(0);
    expect(stored && Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
  });

  it('reads back, decrypts and hashes an upload above KEEP_UPLOAD_BYTES, and stores it just the same', async () => {
    const { bytes, stored, readBack: reads } = await send(KEEP_UPLOAD_BYTES + 1000, 2 * 1024 * 1024);
    expect(reads).toBe(1);
    expect(stored && Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
  });

  it('stores every scan of a batch sent at once exactly, kept or read back', async () => {
    const sent = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => send(5 * 1024 * 1024 + k, 8 * 1024 * 1024)));
    for (const { bytes, stored } of sent) expect(stored && Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
  });
});
