import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fixedClock } from '../shared/clock';
import { freshDb } from '../../test/unit/fixtures';
import { addBlob, countPendingBlobs, getBlob, markHeld, markVerified, pendingBlobs, recordBlobFailure, setUploadUrl } from '../storage/blobRepository';
import type { KioskDb } from '../storage/KioskDb';
import { ReferenceDb } from '../storage/referenceDb';
import { openBlobData } from '../storage/sealing';
import { pruneConfirmed } from '../storage/syncRepository';
import { MemoryServer } from './memoryTransport';
import { SyncEngine } from './SyncEngine';
import { TransportError, type BlobsKnown, type BlobToUpload, type Transport } from './Transport';

/**
 * Scans behind a branch hub: the hub verifies a scan long before the centre has it. The kiosk
 * keeps such a scan ('held'), never prunes it, does not send it again while the hub holds it, and
 * sends it again when the hub says it no longer does (a hub whose disk was lost): the hub is never
 * the only copy of a scan. The real blob store (fake-indexeddb) behind the engine's queue.
 */
const START = Date.UTC(2026, 10, 24, 2);
const DAY = 86_400_000;
const clock = fixedClock(START);

interface Hub {
  /** What the hub answers to blobs/known for each hash; absent: it does not hold it. */
  answers: Map<string, 'verified' | 'held'>;
  /** How a finished upload is answered. */
  uploadAnswer: 'verified' | 'held';
  uploads: string[];
  /** blobs/known fails (a 503) instead of answering. */
  knownFails: boolean;
  asked: string[][];
  heads: string[];
  /** Uploads meet a dead link. */
  uploadFails: boolean;
}

function setUp(): { db: KioskDb; engine: SyncEngine; hub: Hub } {
  const db = freshDb();
  const hub: Hub = { answers: new Map(), uploadAnswer: 'held', uploads: [], knownFails: false, asked: [], heads: [], uploadFails: false };
  const base = new MemoryServer().transport();
  const transport: Transport = {
    ...base,
    blobsKnown: async (shas): Promise<BlobsKnown> => {
      hub.asked.push([...shas]);
      if (hub.knownFails) throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
      return {
        verified: new Set(shas.filter((h) => hub.answers.get(h) === 'verified')),
        held: new Set(shas.filter((h) => hub.answers.get(h) === 'held')),
      };
    },
    blobExists: async (sha) => {
      hub.heads.push(sha);
      const a = hub.answers.get(sha);
      return a === 'held' ? 'held' : a === 'verified';
    },
    uploadBlob: async (b: BlobToUpload, hooks) => {
      if (hub.uploadFails) throw new TransportError('network', { code: 'net.unreachable', detail: 'no route to the hub' });
      await hooks.onUploadUrl(`https://hub/tus/${b.sha256.slice(0, 8)}`);
      hub.uploads.push(b.sha256);
      hub.answers.set(b.sha256, hub.uploadAnswer);
      return hub.uploadAnswer === 'held' ? 'held' : undefined;
    },
  };
  const engine = new SyncEngine({
    db,
    reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
    transport,
    branchCode: 'CN01',
    clock,
    parallelScans: 3,
    blobs: {
      pending: () => pendingBlobs(db),
      open: async (b) => ({ ...b, data: await openBlobData(db, b as Parameters<typeof openBlobData>[1]) }),
      setUploadUrl: (sha, url) => setUploadUrl(db, sha, url),
      markVerified: (sha) => markVerified(db, sha, clock),
      markHeld: (sha) => markHeld(db, sha),
      recordFailure: (shas, error, now) => recordBlobFailure(db, shas, error, now),
    },
  });
  return { db, engine, hub };
}

const scan = async (db: KioskDb, text: string) => (await addBlob(db, new Blob([`%PDF-1.7 ${text}`]), 'application/pdf', clock)).sha256;
const stateOf = async (db: KioskDb, sha: string) => (await getBlob(db, sha))?.state;

describe('scans a branch hub holds for the centre', () => {
  it('are kept and counted as waiting after the hub verified them, never pruned, and verified once the centre has them', async () => {
    const { db, engine, hub } = setUp();
    const a = await scan(db, 'a');
    const first = await engine.runOnce();
    expect(first.blobsUploaded).toBe(1);
    expect(await stateOf(db, a)).toBe('held');
    expect(await countPendingBlobs(db)).toBe(1);
    expect((await getBlob(db, a))?.uploadUrl).toBeNull();

    // Months later, with the centre still out of reach: the only copy outside the hub stays.
    expect((await pruneConfirmed(db, START + 90 * DAY, 30 * DAY)).blobs).toBe(0);
    expect(await getBlob(db, a)).toBeDefined();

    // Asked again each run; not sent again while the hub holds it.
    await engine.runOnce();
    expect(hub.uploads).toEqual([a]);
    expect(hub.asked.at(-1)).toEqual([a]);

    // The hub relayed it: the centre has it.
    hub.answers.set(a, 'verified');
    await engine.runOnce();
    expect(await stateOf(db, a)).toBe('verified');
    expect(await countPendingBlobs(db)).toBe(0);
    expect(hub.uploads).toEqual([a]);
    expect((await pruneConfirmed(db, START + 90 * DAY, 30 * DAY)).blobs).toBe(1);
  });

  it('go again when the hub no longer holds them (its disk was lost): the kiosk’s copy was the only one left', async () => {
    const { db, engine, hub } = setUp();
    const a = await scan(db, 'a');
    const b = await scan(db, 'b');
    await engine.runOnce();
    expect([await stateOf(db, a), await stateOf(db, b)]).toEqual(['held', 'held']);

    // A new hub, empty: it knows neither scan.
    hub.answers.clear();
    hub.uploadAnswer = 'verified';
    const again = await engine.runOnce();
    expect(again.blobsUploaded).toBe(2);
    expect(hub.uploads.sort()).toEqual([a, a, b, b].sort());
    // This time a hub that had already relayed them (or a centre) verified them.
    expect([await stateOf(db, a), await stateOf(db, b)]).toEqual(['verified', 'verified']);
  });

  it('a hub that already holds a scan (an earlier, lost answer) is not sent it again', async () => {
    const { db, engine, hub } = setUp();
    const a = await scan(db, 'a');
    hub.answers.set(a, 'held');
    const run = await engine.runOnce();
    expect(run.blobsUploaded).toBe(0);
    expect(hub.uploads).toEqual([]);
    expect(await stateOf(db, a)).toBe('held');
  });

  it('without an answer about them this run, held scans wait — neither asked one by one nor sent — while pending ones are asked by HEAD', async () => {
    const { db, engine, hub } = setUp();
    const a = await scan(db, 'a');
    await engine.runOnce();
    expect(await stateOf(db, a)).toBe('held');
    const b = await scan(db, 'b');
    hub.knownFails = true;
    hub.answers.set(b, 'held');
    await engine.runOnce();
    expect(hub.heads).toEqual([b]);
    expect(hub.uploads).toEqual([a]);
    // HEAD by hash at the hub says held too: kept, not verified.
    expect([await stateOf(db, a), await stateOf(db, b)]).toEqual(['held', 'held']);
  });

  it('when the link drops, scans the hub holds are not reported failing; one the hub lost is, and is pending again', async () => {
    const { db, engine, hub } = setUp();
    const lost = await scan(db, 'lost');
    const kept = await scan(db, 'kept');
    await engine.runOnce();
    hub.answers.delete(lost);
    hub.uploadFails = true;
    const run = await engine.runOnce();
    expect(run.blobsDeferred.map((d) => d.sha256)).toEqual([lost]);
    expect(await stateOf(db, lost)).toBe('pending');
    expect((await getBlob(db, lost))?.lastError?.code).toBe('net.unreachable');
    expect(await stateOf(db, kept)).toBe('held');
    expect((await getBlob(db, kept))?.lastError ?? null).toBeNull();
    expect((await getBlob(db, kept))?.failingSince ?? null).toBeNull();
  });
});
