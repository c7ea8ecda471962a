import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import { describe, expect, it } from 'vitest';
import { hashWhileWriting, KEEP_UPLOAD_BYTES, KeptBytes, RecentMap, type RunningHash } from '../../src/server/blobs';

/** A store whose write reads the request to its end (or fails as the store decides). */
function store(behaviour: 'consume' | 'refuse' | 'fail-after-first-chunk'): { datastore: DataStore; given: Readable[] } {
  const given: Readable[] = [];
  const datastore = {
    async write(readable: Readable, _id: string, offset: number): Promise<number> {
      given.push(readable);
      if (behaviour === 'refuse') throw { status_code: 410, body: 'The file for this url no longer exists\n' };
      let n = 0;
      for await (const chunk of readable) {
        n += (chunk as Buffer).length;
        if (behaviour === 'fail-after-first-chunk') throw new Error('ENOSPC: no space left on device');
      }
      return offset + n;
    },
  } as unknown as DataStore;
  return { datastore, given };
}

describe('hashWhileWriting (the running hash of a tus upload)', () => {
  it('hashes the bytes on their way into the store and keeps the hash for the next PATCH', async () => {
    const { datastore } = store('consume');
    const hashes = new RecentMap<string, RunningHash>(10);
    hashWhileWriting(datastore, hashes);
    const body = new PassThrough();
    const written = datastore.write(body, 'u1', 0);
    body.end(Buffer.from('hello'));
    expect(await written).toBe(5);
    expect(hashes.get('u1')?.offset).toBe(5);
    expect(hashes.get('u1')!.hash.copy().digest('hex')).toBe(createHash('sha256').update('hello').digest('hex'));
  });

  it('survives a request that fails after the store refused the write (410, then the client cut): no uncaught error', async () => {
    const { datastore, given } = store('refuse');
    hashWhileWriting(datastore, new RecentMap<string, RunningHash>(10));
    const body = new PassThrough();
    await expect(datastore.write(body, 'gone', 0)).rejects.toMatchObject({ status_code: 410 });
    const uncaught: unknown[] = [];
    const listener = (e: unknown) => void uncaught.push(e);
    // Vitest reports uncaught errors itself; this listener makes the test name the failure too.
    process.on('uncaughtException', listener);
    try {
      body.destroy(new Error('client cut the connection'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(given[0]!.destroyed).toBe(true);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', listener);
    }
  });

  /** Writes `parts` as one PATCH at `offset`. */
  const patch = async (datastore: DataStore, id: string, offset: number, parts: Buffer[]): Promise<number> => {
    const body = new PassThrough();
    const written = datastore.write(body, id, offset);
    for (const part of parts) body.write(part);
    body.end();
    return written;
  };
  const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

  it('keeps the bytes beside the hash, across PATCHes that follow each other, within the budget', async () => {
    const { datastore } = store('consume');
    const kept = new KeptBytes(1000);
    const hashes = new RecentMap<string, RunningHash>(10, (evicted) => kept.release(evicted));
    hashWhileWriting(datastore, hashes, kept);
    expect(await patch(datastore, 'a', 0, [bytes(100, 1), bytes(50, 2)])).toBe(150);
    expect(await patch(datastore, 'a', 150, [bytes(200, 3)])).toBe(350);
    expect(Buffer.concat(hashes.get('a')!.kept!)).toEqual(Buffer.concat([bytes(100, 1), bytes(50, 2), bytes(200, 3)]));
    expect(kept.used).toBe(350);
    // A PATCH at another offset drops the hash and gives the bytes back.
    expect(await patch(datastore, 'a', 100, [bytes(10, 6)])).toBe(110);
    expect(hashes.get('a')).toBeUndefined();
    expect(kept.used).toBe(0);
  });

  it('makes room for a new upload by dropping the oldest kept bytes (uploads left waiting), and keeps nothing of one larger than the budget', async () => {
    const { datastore } = store('consume');
    const kept = new KeptBytes(1000);
    const hashes = new RecentMap<string, RunningHash>(10, (evicted) => kept.release(evicted));
    hashWhileWriting(datastore, hashes, kept);
    // Three uploads whose first chunk came here and whose rest never did (another replica, a DELETE).
    for (const id of ['old1', 'old2', 'old3']) await patch(datastore, id, 0, [bytes(300, 1)]);
    expect(kept.used).toBe(900);
    // The next one needs 500: the two oldest give theirs up, the third keeps its bytes.
    expect(await patch(datastore, 'new', 0, [bytes(250, 2), bytes(250, 3)])).toBe(500);
    expect(Buffer.concat(hashes.get('new')!.kept!)).toEqual(Buffer.concat([bytes(250, 2), bytes(250, 3)]));
    expect(['old1', 'old2', 'old3'].map((id) => hashes.get(id)!.kept !== null)).toEqual([false, false, true]);
    expect(['old1', 'old2', 'old3'].map((id) => hashes.get(id)!.offset)).toEqual([300, 300, 300]);
    expect(kept.used).toBe(800);
    // Reclaimed entries give nothing back twice when they leave the map.
    hashes.delete('old1');
    kept.release({ ...hashes.get('old2')! });
    expect(kept.used).toBe(800);
    // Larger than the whole budget (with the real limits an upload keeps at most KEEP_UPLOAD_BYTES,
    // a third of it): room is made as for any other, then it drops its own bytes too.
    expect(await patch(datastore, 'huge', 0, [bytes(600, 4), bytes(600, 5)])).toBe(1200);
    expect(hashes.get('huge')!.kept).toBeNull();
    expect(kept.used).toBe(0);
  });

  it('gives the bytes back when the store fails in the middle of a PATCH', async () => {
    const failing = store('fail-after-first-chunk');
    const kept = new KeptBytes(10_000);
    hashWhileWriting(failing.datastore, new RecentMap<string, RunningHash>(10), kept);
    await expect(patch(failing.datastore, 'f', 0, [bytes(100, 1), bytes(100, 2), bytes(100, 3)])).rejects.toThrow('ENOSPC');
    expect(kept.used).toBe(0);
  });

  it('gives kept bytes back when an entry is pushed out of the map, when the store fails, and stops keeping above KEEP_UPLOAD_BYTES', async () => {
    const kept = new KeptBytes(KEEP_UPLOAD_BYTES * 4);
    const { datastore } = store('consume');
    const hashes = new RecentMap<string, RunningHash>(2, (evicted) => kept.release(evicted));
    hashWhileWriting(datastore, hashes, kept);
    await patch(datastore, 'x', 0, [bytes(10, 1)]);
    await patch(datastore, 'y', 0, [bytes(20, 1)]);
    expect(kept.used).toBe(30);
    await patch(datastore, 'z', 0, [bytes(40, 1)]);
    expect(hashes.get('x')).toBeUndefined();
    expect(kept.used).toBe(60);

    const big = 'big';
    await patch(datastore, big, 0, [bytes(KEEP_UPLOAD_BYTES - 10, 1)]);
    // 'y' was pushed out of the map by 'big' (a map of two): 'z' and 'big' are kept.
    expect(hashes.get('y')).toBeUndefined();
    expect(kept.used).toBe(40 + KEEP_UPLOAD_BYTES - 10);
    await patch(datastore, big, KEEP_UPLOAD_BYTES - 10, [bytes(11, 2)]);
    expect(hashes.get(big)!.kept).toBeNull();
    expect(hashes.get(big)!.offset).toBe(KEEP_UPLOAD_BYTES + 1);
    // Above KEEP_UPLOAD_BYTES 'big' keeps nothing any more: 'z' is what is left kept.
    expect(kept.used).toBe(40);

    const failing = store('refuse');
    const failingKept = new KeptBytes(1000);
    hashWhileWriting(failing.datastore, new RecentMap<string, RunningHash>(10), failingKept);
    await expect(patch(failing.datastore, 'f', 0, [bytes(5, 1)])).rejects.toMatchObject({ status_code: 410 });
    expect(failingKept.used).toBe(0);
  });

  it('keeps nothing of an upload declared larger than KEEP_UPLOAD_BYTES, and drops nobody else’s bytes for it', async () => {
    const { datastore } = store('consume');
    const kept = new KeptBytes(1000);
    const hashes = new RecentMap<string, RunningHash>(10, (evicted) => kept.release(evicted));
    const declared = new Map([['large', KEEP_UPLOAD_BYTES + 1]]);
    hashWhileWriting(datastore, hashes, kept, (id) => declared.get(id));
    await patch(datastore, 'small', 0, [bytes(900, 1)]);
    expect(await patch(datastore, 'large', 0, [bytes(500, 2)])).toBe(500);
    expect(hashes.get('large')!.kept).toBeNull();
    // Its hash still runs: the upload is verified without a second read of its bytes' hash.
    expect(hashes.get('large')!.hash.copy().digest('hex')).toBe(createHash('sha256').update(bytes(500, 2)).digest('hex'));
    expect(hashes.get('small')!.kept).not.toBeNull();
    expect(kept.used).toBe(900);
  });
});
