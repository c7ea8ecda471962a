import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import { describe, expect, it } from 'vitest';
import { hashWhileWriting, RecentMap, type RunningHash } from '../../src/server/blobs';

/** A store whose write reads the request to its end (or fails as the store decides). */
function store(behaviour: 'consume' | 'refuse'): { datastore: DataStore; given: Readable[] } {
  const given: Readable[] = [];
  const datastore = {
    async write(readable: Readable, _id: string, offset: number): Promise<number> {
      given.push(readable);
      if (behaviour === 'refuse') throw { status_code: 410, body: 'The file for this url no longer exists\n' };
      let n = 0;
      for await (const chunk of readable) n += (chunk as Buffer).length;
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
});
