import type { FastifyBaseLogger } from 'fastify';
import { signal } from '../../shared/signal';
import { BLOB_VERIFIED_HEADER, BLOBS_KNOWN_PATH, BlobsKnownResponse, MAX_BLOBS_KNOWN } from '../../shared/blobsKnown';
import type { Clock } from '../../shared/clock';
import { BLOB_TUS_PATH, WireError } from '../../shared/sync';
import { createHash } from 'node:crypto';
import { findBlob, readBlob, type BlobStorage } from '../blobStore';
import type { DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';
import { lockBlobBuckets } from '../dossiers';
import type { Upstream } from './upstream';

/**
 * Sends the scans the hub verified to the centre (relay_blobs, migration 018): one question for
 * those a pass starts with (POST /v1/blobs/known: content-addressed, the centre may hold them
 * already), asked beside the first uploads, and each one the centre lacks over tus as the device that scanned it (`device` in Upload-Metadata, blobs.ts),
 * RELAY_PARALLEL_SCANS at a time, in chunks, resuming a cut upload where the centre's Upload-Offset
 * says. The centre verifies the SHA-256 before it keeps anything; the row leaves only when the
 * centre says the bytes verified (`Blob-Verified` on the final PATCH, or blobs/known): an upload
 * whose every byte arrived is not enough, the centre may have died before verifying it.
 * No answer stops the pass (the next one resumes); a refusal is kept on the row for the status.
 *
 * A scan whose bytes the hub lost (file gone, sealed copy damaged, bytes not matching the hash) is
 * forgotten here as if it never verified: its rows go, the hub's dossiers count it missing again,
 * and the next `blobs/known` a kiosk asks answers neither verified nor held. The kiosk kept its own
 * copy (it prunes a scan only when the centre has it), so it sends the scan again and the relay
 * picks it up from there.
 */
export interface BlobRelay {
  runOnce(): Promise<{ relayed: number; known: number; failed: number; lost: number }>;
  /** A scan was just verified at the hub: a pass under way takes it up (see runOnce). */
  arrived(): void;
  pending(): Promise<{ blobs: number; bytes: number; oldestAddedAt: number | null }>;
}

export const RELAY_CHUNK_BYTES = 4 * 1024 * 1024;
/** Scans sent at once (as a kiosk sends its own: src/sync/SyncEngine.ts, DEFAULT_PARALLEL_SCANS). */
export const RELAY_PARALLEL_SCANS = 3;

export function createBlobRelay(options: {
  readonly db: Db;
  readonly storage: BlobStorage;
  readonly protection: DataProtection;
  readonly clock: Clock;
  readonly upstream: Upstream;
  readonly log: FastifyBaseLogger;
  readonly chunkBytes?: number;
}): BlobRelay {
  const { db, storage, protection, clock, upstream, log } = options;
  const chunkBytes = options.chunkBytes ?? RELAY_CHUNK_BYTES;
  /** Wakes the workers of a pass that wait: a scan arrived, a send ended, the pass stopped. */
  const changed = signal();

  const fail = async (sha256: string, error: { code: string; detail: string }): Promise<void> => {
    await db.query('UPDATE relay_blobs SET attempts = attempts + 1, last_error = $2::jsonb, last_error_at = $3 WHERE sha256 = $1', [
      sha256,
      JSON.stringify(error),
      clock.now(),
    ]);
  };

  const wireOf = async (res: Response): Promise<WireError> => {
    const body = (await res.json().catch(() => null)) as unknown;
    const parsed = WireError.safeParse(body);
    return parsed.success ? parsed.data : { code: 'relay.blob-refused', detail: `the centre answered HTTP ${res.status}` };
  };

  /** The upload's offset at the centre, or null when it no longer exists there. */
  const offsetOf = async (url: string): Promise<number | null> => {
    const res = await upstream.raw('HEAD', url, { headers: { 'tus-resumable': '1.0.0' } });
    if (res.status === 404 || res.status === 410 || res.status === 403) return null;
    const offset = Number(res.headers.get('upload-offset'));
    if (!res.ok || !Number.isSafeInteger(offset)) throw new Error(`the centre answered HTTP ${res.status} to the HEAD of an upload`);
    return offset;
  };

  /** Of these scans, those the centre holds verified. */
  const knownAtCentre = async (sha256: readonly string[]): Promise<Set<string>> => {
    const asked = await upstream.request('POST', BLOBS_KNOWN_PATH, { sha256 });
    if (asked.status !== 200) throw new Error(`the centre answered HTTP ${asked.status} to the question which scans it holds`);
    return new Set(BlobsKnownResponse.parse(asked.body).verified);
  };

  /**
   * The scan's plaintext, or 'lost' when the hub can no longer give these bytes: no row, no file,
   * a sealed copy that does not open, or bytes that are not the ones the hash names. Any other
   * failure (a store that does not answer) throws and the pass is tried again.
   */
  const bytesOf = async (sha256: string): Promise<Buffer | 'lost'> => {
    const row = await findBlob(db, sha256);
    if (!row) return 'lost';
    let stream;
    try {
      stream = await readBlob(storage, protection, row);
    } catch (error) {
      if (isNotFound(error)) return 'lost';
      throw error;
    }
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      // Mid-stream, a sealed copy that fails to open is damaged (blobCipher checks every segment).
      if (storage.kind === 'disk' || isNotFound(error)) return 'lost';
      throw error;
    }
    const bytes = Buffer.concat(chunks);
    return createHash('sha256').update(bytes).digest('hex') === sha256 ? bytes : 'lost';
  };

  /** Forgets a scan the hub lost, so the kiosk that has it sends it again (one transaction). */
  const forgetLost = async (sha256: string): Promise<void> => {
    const keys = await db.transaction(async (tx) => {
      await lockBlobBuckets(tx, [sha256]);
      await tx.query('DELETE FROM relay_blobs WHERE sha256 = $1', [sha256]);
      // Owners go with the row (ON DELETE CASCADE).
      const removed = await tx.query<{ storage_key: string }>('DELETE FROM blobs WHERE sha256 = $1 RETURNING storage_key', [sha256]);
      await tx.query(
        `UPDATE received_dossiers r SET blobs_missing = (
           SELECT count(*) FROM dossier_blobs d WHERE d.dossier_id = r.id AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = d.sha256))
         WHERE r.id IN (SELECT dossier_id FROM dossier_blobs WHERE sha256 = $1)`,
        [sha256],
      );
      return removed.map((r) => r.storage_key);
    });
    for (const key of keys) await storage.removeStored(key).catch(() => undefined);
    log.warn({ sha256: sha256.slice(0, 12) }, 'a scan the hub held is lost; the kiosk that scanned it will send it again');
  };

  /** Uploads one scan; true when the centre verified it, false when it refused it (recorded), 'lost' when the hub lost it. */
  const send = async (row: { sha256: string; device_id: string; size: number; upload_url: string | null }): Promise<boolean | 'lost'> => {
    const bytes = await bytesOf(row.sha256);
    if (bytes === 'lost') {
      await forgetLost(row.sha256);
      return 'lost';
    }
    let url = row.upload_url;
    let offset = url ? await offsetOf(url) : null;
    if (offset === null) {
      const metadata = [`sha256 ${Buffer.from(row.sha256).toString('base64')}`, `device ${Buffer.from(row.device_id).toString('base64')}`].join(',');
      const res = await upstream.raw('POST', BLOB_TUS_PATH, {
        headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': metadata },
      });
      const location = res.headers.get('location');
      if (res.status !== 201 || !location) {
        if (res.status >= 500 || res.status === 429) throw new Error(`the centre answered HTTP ${res.status} to an upload's creation`);
        await fail(row.sha256, await wireOf(res));
        return false;
      }
      url = new URL(location, `${upstream.baseUrl}${BLOB_TUS_PATH}/`).toString();
      offset = 0;
      await db.query('UPDATE relay_blobs SET upload_url = $2 WHERE sha256 = $1', [row.sha256, url]);
    }
    let verified = false;
    while (offset < bytes.length) {
      const chunk = new Uint8Array(bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes)));
      const res = await upstream.raw('PATCH', url!, {
        headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
        body: chunk,
        timeoutMs: 120_000,
      });
      if (res.status === 204) {
        const next = Number(res.headers.get('upload-offset'));
        if (!Number.isSafeInteger(next) || next <= offset) throw new Error('the centre answered a PATCH without moving the offset');
        offset = next;
        verified = res.headers.get(BLOB_VERIFIED_HEADER) === row.sha256;
        continue;
      }
      if (res.status === 409) {
        // Our idea of the offset was behind or ahead of the centre's (a cut answer): ask again.
        const again = await offsetOf(url!);
        if (again === null) throw new Error('the upload vanished at the centre; it starts over next pass');
        offset = again;
        continue;
      }
      if (res.status === 404 || res.status === 410) {
        await db.query('UPDATE relay_blobs SET upload_url = NULL WHERE sha256 = $1', [row.sha256]);
        throw new Error('the upload vanished at the centre; it starts over next pass');
      }
      if (res.status >= 500 || res.status === 429) throw new Error(`the centre answered HTTP ${res.status} to a PATCH`);
      // A refusal of the bytes themselves (422 hash mismatch): the upload is gone at the centre.
      await db.query('UPDATE relay_blobs SET upload_url = NULL WHERE sha256 = $1', [row.sha256]);
      await fail(row.sha256, await wireOf(res));
      return false;
    }
    if (verified) return true;
    // Every byte is at the centre but nothing says it verified them: the final answer was lost, or
    // the centre died between the last byte and the verification (then no row vouches for the
    // upload and it never will). Only the centre's verified list counts.
    if ((await knownAtCentre([row.sha256])).has(row.sha256)) return true;
    await db.query('UPDATE relay_blobs SET upload_url = NULL WHERE sha256 = $1', [row.sha256]);
    throw new Error('the upload is complete at the centre but not verified; it starts over next pass');
  };

  return {
    async runOnce() {
      type Row = { sha256: string; device_id: string; size: number; upload_url: string | null };
      // Every scan this pass took up (sent, known at the centre, refused, lost): none is taken twice.
      const seen = new Set<string>();
      /** The scans waiting at the hub that this pass has not taken up yet, oldest first. */
      const take = async (): Promise<Row[]> => {
        const rows = (
          await db.query<{ sha256: string; device_id: string; size: unknown; upload_url: string | null }>(
            'SELECT sha256, device_id, size, upload_url FROM relay_blobs WHERE NOT (sha256 = ANY($2::text[])) ORDER BY added_at, sha256 LIMIT $1',
            [MAX_BLOBS_KNOWN, [...seen]],
          )
        ).map((r) => ({ ...r, size: Number(r.size) }));
        for (const r of rows) seen.add(r.sha256);
        return rows;
      };
      const todo = await take();
      if (todo.length === 0) return { relayed: 0, known: 0, failed: 0, lost: 0 };
      const outcomes = new Map<string, 'relayed' | 'failed' | 'lost'>();
      let next = 0;
      let sending = 0;
      let done = false;
      let stopped: { error: unknown } | null = null;
      const stop = (error: unknown): void => {
        stopped ??= { error };
        changed.wake();
      };
      // For every batch the pass takes up, one question: which does the centre hold already (left
      // from before a restart, sent again after the hub lost its disk, uploaded to the centre
      // directly)? Those are not sent. It goes beside the uploads, not before them: over a branch
      // link, behind a centre busy applying the records just relayed, the answer took 0.1–0.2 s in
      // the hub bench, with the link idle. A scan started before the answer came is sent anyway;
      // the centre stores it once (blobs.ts), at the cost of its bytes.
      const atCentre = new Set<string>();
      const questions: Promise<void>[] = [];
      const ask = (rows: readonly Row[]): void => {
        questions.push(
          knownAtCentre(rows.map((r) => r.sha256))
            .then(async (verified) => {
              for (const sha256 of verified) atCentre.add(sha256);
              if (verified.size > 0) await db.query('DELETE FROM relay_blobs WHERE sha256 = ANY($1::text[])', [[...verified]]);
            })
            .catch(stop),
        );
      };
      ask(todo);
      // A few at a time, as kiosks send theirs: one scan's round trips (creation, the PATCH's answer)
      // overlap another's bytes on the link. A scan the hub verifies while the pass runs joins it
      // (`arrived()` wakes a worker with nothing to send; one look at a time), so a dossier's pages
      // go on to the centre as the kiosk uploads them, not after the pass that started before
      // them; up to MAX_BLOBS_KNOWN scans a pass, then the lane starts the next one (a pass ends,
      // and the hub can stop, between two batches). The pass ends when a look finds nothing and no
      // worker is sending. No answer stops the pass: no new scan starts, the ones under way end,
      // then the pass fails (the next one resumes them).
      let looking: Promise<boolean> | null = null;
      /** True when scans that arrived meanwhile joined the pass. */
      const lookAgain = (): Promise<boolean> =>
        (looking ??= (seen.size >= MAX_BLOBS_KNOWN ? Promise.resolve([]) : take())
          .then((rows) => {
            if (rows.length > 0) {
              todo.push(...rows);
              ask(rows);
            }
            return rows.length > 0;
          })
          .finally(() => {
            looking = null;
          }));
      const worker = async (): Promise<void> => {
        while (stopped === null && !done) {
          if (next < todo.length) {
            const row = todo[next++]!;
            if (atCentre.has(row.sha256)) continue;
            sending++;
            try {
              const sent = await send(row);
              if (sent === 'lost') outcomes.set(row.sha256, 'lost');
              else if (sent) {
                await db.query('DELETE FROM relay_blobs WHERE sha256 = $1', [row.sha256]);
                outcomes.set(row.sha256, 'relayed');
              } else outcomes.set(row.sha256, 'failed');
            } catch (error) {
              stop(error);
            } finally {
              sending--;
              changed.wake();
            }
            continue;
          }
          const woken = changed.next();
          try {
            if (await lookAgain()) continue;
          } catch (error) {
            stop(error);
            return;
          }
          if (next < todo.length) continue;
          if (sending === 0) {
            // Nothing left and nobody sending: the pass ends for every worker at once.
            done = true;
            changed.wake();
            return;
          }
          // Another worker is still sending: wait for a scan to arrive or for that worker to end.
          await woken;
        }
      };
      await Promise.all(Array.from({ length: RELAY_PARALLEL_SCANS }, worker));
      await Promise.all(questions);
      // Each scan counted once: one the centre turned out to hold is known, whatever its upload did.
      const count = (outcome: string) => [...outcomes].filter(([sha256, o]) => o === outcome && !atCentre.has(sha256)).length;
      const relayed = count('relayed');
      const failed = count('failed');
      const lost = count('lost');
      if (relayed > 0 || failed > 0) log.info({ relayed, failed }, 'scans relayed to the centre');
      if (stopped !== null) throw (stopped as { error: unknown }).error;
      return { relayed, known: atCentre.size, failed, lost };
    },
    arrived: () => changed.wake(),
    async pending() {
      const [row] = await db.query<{ n: unknown; bytes: unknown; oldest: unknown }>(
        'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, min(added_at) AS oldest FROM relay_blobs',
      );
      return {
        blobs: Number(row?.n ?? 0),
        bytes: Number(row?.bytes ?? 0),
        oldestAddedAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest),
      };
    },
  };
}

/** A stored object that is not there: ENOENT on disk, NoSuchKey (or a 404) from S3. */
function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.code === 'ENOENT' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
