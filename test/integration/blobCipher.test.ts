import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOB_SEGMENT_BYTES, openBlobStream, sealBlobStream, sealedBlobSize } from '../../src/server/blobCipher';

/**
 * A scan's sealed file does not depend on how its bytes arrived: whatever the chunks the upload
 * was read in (64 KiB from a stream, 1 MiB, a few bytes, segments split anywhere), the file is
 * byte for byte the one sealed from the whole scan at once, has the size the store reserved, and
 * opens to the scan, read back in any chunks.
 */
async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk);
  return Buffer.concat(out);
}

/** `bytes` cut at the given offsets (sorted, deduplicated, within the length). */
function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

async function* asStream(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield c;
}

describe('sealed scans (AES-256-GCM in 64 KiB segments)', () => {
  const dek = randomBytes(32);
  // Around the segment boundaries, where a cut or a short last segment goes wrong.
  const size = fc.oneof(
    fc.integer({ min: 0, max: 4 * BLOB_SEGMENT_BYTES + 100 }),
    fc.constantFrom(0, 1, BLOB_SEGMENT_BYTES - 1, BLOB_SEGMENT_BYTES, BLOB_SEGMENT_BYTES + 1, 3 * BLOB_SEGMENT_BYTES, 3 * BLOB_SEGMENT_BYTES + 17),
  );

  it('seals the same file whatever the chunks, of the reserved size, and it opens to the scan in any chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        size,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        async (n, plainCuts, sealedCuts, bigChunks) => {
          const plain = randomBytes(n);
          const whole = await collect(sealBlobStream(dek, [plain]));
          // Chunks as a file read in 1 MiB would give them, or cut anywhere.
          const chunks = bigChunks ? cut(plain, [1 << 20, 2 << 20]) : cut(plain, plainCuts);
          const sealed = await collect(sealBlobStream(dek, asStream(chunks)));
          expect(sealed.equals(whole)).toBe(true);
          expect(sealed.length).toBe(sealedBlobSize(n));
          const opened = await collect(openBlobStream(dek, asStream(cut(sealed, sealedCuts))));
          expect(createHash('sha256').update(opened).digest('hex')).toBe(createHash('sha256').update(plain).digest('hex'));
        },
      ),
      { numRuns: 150, seed: 20261207 },
    );
  });

  it('yields views of the chunks it was given for segments within one chunk: a 1 MiB read is not copied', async () => {
    const plain = randomBytes(1 << 20);
    const views: Buffer[] = [];
    // Capture what the cipher is given: the ciphertext of each segment comes from its plaintext view.
    let copied = 0;
    const original = Buffer.concat;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      copied += total ?? list.reduce((a, b) => a + b.length, 0);
      return original(list, total);
    }) as typeof Buffer.concat;
    try {
      for await (const piece of sealBlobStream(dek, [plain])) views.push(piece);
    } finally {
      Buffer.concat = original;
    }
    expect(copied).toBe(0);
    expect(views.reduce((a, b) => a + b.length, 0)).toBe(sealedBlobSize(plain.length));
  });
});
