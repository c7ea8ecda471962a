import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The at-rest format of a stored scan: AES-256-GCM in 64 KiB segments under the blob's own data
 * key (dataProtection.ts), so a scan of any size is sealed and opened as a stream while every byte
 * handed out has been authenticated (one GCM tag over a whole 200 MB file could only be checked
 * after the whole file had been handed out).
 *
 *   file    = "HPB1" ‖ segmentSize (u32 BE) ‖ segment*
 *   segment = ciphertext (segmentSize bytes, the last one 0…segmentSize) ‖ tag (16 bytes)
 *   nonce   = last-flag (u32 BE: 1 on the final segment) ‖ segment index (u64 BE)
 *
 * The data key is random per blob, so a counter nonce never repeats under one key. The final
 * segment is flagged in its nonce: a file cut at a segment boundary, or with segments dropped,
 * reordered or appended, fails authentication instead of reading as a shorter scan.
 */
/** Bytes as a stream or an array of buffers. */
type Chunks = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array>;

const MAGIC = Buffer.from('HPB1', 'ascii');
export const BLOB_SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const HEADER_BYTES = 8;

function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(last ? 1 : 0, 0);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

/** A sealed segment as the pieces the cipher gave (ciphertext, then the tag): written one after the other, never copied together. */
function sealSegment(dek: Buffer, index: number, last: boolean, plain: Buffer): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', dek, nonce(index, last));
  const body = cipher.update(plain);
  const rest = cipher.final();
  return rest.length > 0 ? [body, rest, cipher.getAuthTag()] : [body, cipher.getAuthTag()];
}

function openSegment(dek: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('sealed blob is truncated');
  const decipher = createDecipheriv('aes-256-gcm', dek, nonce(index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}

/**
 * Re-cuts a byte stream into buffers of exactly `size` bytes (the last one shorter), holding one
 * back to know which is last. A segment that lies within one incoming chunk is a view of it; only
 * one that spans chunks is copied together, so each byte is copied at most once whatever the
 * chunk sizes (a file read in 1 MiB chunks is not copied at all).
 */
async function* segments(source: Chunks, size: number): AsyncGenerator<{ bytes: Buffer; last: boolean }> {
  /** The start of a segment that spans chunks, gathered until it is whole. */
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let held: Buffer | null = null;
  for await (const chunk of source) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buf.length > 0) {
      let segment: Buffer;
      if (partsBytes === 0 && buf.length >= size) {
        segment = buf.subarray(0, size);
        buf = buf.subarray(size);
      } else {
        const n = Math.min(size - partsBytes, buf.length);
        parts.push(buf.subarray(0, n));
        partsBytes += n;
        buf = buf.subarray(n);
        if (partsBytes < size) continue;
        segment = Buffer.concat(parts, size);
        parts = [];
        partsBytes = 0;
      }
      if (held) yield { bytes: held, last: false };
      held = segment;
    }
  }
  if (partsBytes === 0) {
    // The stream ended on a segment boundary (or was empty): the one held back is the last.
    yield { bytes: held ?? Buffer.alloc(0), last: true };
    return;
  }
  if (held) yield { bytes: held, last: false };
  yield { bytes: Buffer.concat(parts, partsBytes), last: true };
}

/** The sealed file, as a stream, of a blob's plaintext. */
export async function* sealBlobStream(dek: Buffer, plaintext: Chunks): AsyncGenerator<Buffer> {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(BLOB_SEGMENT_BYTES, 4);
  yield header;
  let index = 0;
  for await (const { bytes, last } of segments(plaintext, BLOB_SEGMENT_BYTES)) yield* sealSegment(dek, index++, last, bytes);
}

/** A blob's plaintext from its sealed file; throws (mid-stream) on any tampering or truncation. */
export async function* openBlobStream(dek: Buffer, sealed: Chunks): AsyncGenerator<Buffer> {
  let header: Buffer | null = null;
  let buffered = Buffer.alloc(0);
  const source = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of sealed) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (header) {
        yield buf;
        continue;
      }
      buffered = Buffer.concat([buffered, buf]);
      if (buffered.length < HEADER_BYTES) continue;
      header = buffered.subarray(0, HEADER_BYTES);
      if (!header.subarray(0, 4).equals(MAGIC)) throw new Error('not a sealed blob (bad header)');
      if (buffered.length > HEADER_BYTES) yield buffered.subarray(HEADER_BYTES);
    }
    if (!header) throw new Error('sealed blob is truncated');
  };
  const body = source();
  // The segment size is known once the header has been read: the first pull reads it.
  const first = await body.next();
  const segmentSize = header === null ? BLOB_SEGMENT_BYTES : (header as Buffer).readUInt32BE(4);
  if (segmentSize < 1 || segmentSize > 16 * 1024 * 1024) throw new Error('sealed blob has an invalid segment size');
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    yield* body;
  };
  let index = 0;
  for await (const { bytes, last } of segments(rest(), segmentSize + TAG_BYTES)) yield openSegment(dek, index++, last, bytes);
}

/** Size of the sealed file of a plaintext of `size` bytes. */
export function sealedBlobSize(size: number): number {
  const segmentsCount = Math.max(1, Math.ceil(size / BLOB_SEGMENT_BYTES));
  return HEADER_BYTES + size + segmentsCount * TAG_BYTES;
}
