/**
 * SHA-256 of bytes as 64 lower-case hex digits (WebCrypto, works offline), the content address a
 * saved document PDF is stored and uploaded under (see src/storage/blobRepository.ts, which hashes
 * Blobs the same way; src/scan cannot import storage).
 */
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer | Blob): Promise<string> {
  const data: ArrayBuffer | Uint8Array<ArrayBuffer> =
    bytes instanceof Blob ? await bytes.arrayBuffer() : bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
