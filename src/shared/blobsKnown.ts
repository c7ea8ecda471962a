import { z } from 'zod';
import { Sha256Hex } from './wireTypes';

/**
 * `POST /v1/blobs/known` (device token): which of these scans the centre already holds verified
 * for the device's branch, asked in one request instead of one HEAD per scan: on a branch's WAN
 * every request costs a round trip. The same rule as `HEAD /v1/blobs/sha256/:hex`: a hash is
 * listed only when a verified copy exists for the device's branch. A centre older than this route
 * answers 404, and the kiosk asks per scan instead.
 */
export const BLOBS_KNOWN_PATH = '/v1/blobs/known';

/** Hashes per request: a kiosk's whole queue of scans in all but extreme cases; more go in several. */
export const MAX_BLOBS_KNOWN = 500;

export const BlobsKnownRequest = z
  .object({
    sha256: z.array(Sha256Hex).min(1).max(MAX_BLOBS_KNOWN),
  })
  .strict();
export type BlobsKnownRequest = z.infer<typeof BlobsKnownRequest>;

export const BlobsKnownResponse = z
  .object({
    /** The asked hashes the centre holds verified (a subset, any order). */
    verified: z.array(Sha256Hex).max(MAX_BLOBS_KNOWN),
    /**
     * Only a branch hub sends it: the asked hashes it holds verified that have not reached the
     * centre yet. The device keeps such a scan (state 'held') and asks again; a hash in neither
     * list, e.g. after the hub lost its disk, is uploaded again.
     */
    held: z.array(Sha256Hex).max(MAX_BLOBS_KNOWN).optional(),
  })
  .strict();
export type BlobsKnownResponse = z.infer<typeof BlobsKnownResponse>;

/**
 * The final PATCH's answer once the server has verified the SHA-256 and stored the blob: its hash.
 * Only this (or HEAD by hash, or blobs/known) says a blob is kept; a tus offset equal to the
 * length does not (the server may have died between the last byte and the verification).
 */
export const BLOB_VERIFIED_HEADER = 'Blob-Verified';

/**
 * A branch hub's answer to a finished upload (with `Blob-Verified`) and to HEAD by hash when the
 * scan is verified at the hub but not yet at the centre: `Blob-Relay: pending`. The device keeps
 * the scan until the centre has it (src/server/hub/blobRelay.ts).
 */
export const BLOB_RELAY_HEADER = 'Blob-Relay';
export const BLOB_RELAY_PENDING = 'pending';
