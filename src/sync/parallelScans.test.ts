import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fixedClock } from '../shared/clock';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { ReferenceDb } from '../storage/referenceDb';
import { issueTicket } from '../storage/ticketRepository';
import type { KioskDb } from '../storage/KioskDb';
import { MemoryServer } from './memoryTransport';
import { SyncEngine } from './SyncEngine';
import { TransportError, type BlobToUpload, type BlobUploadHooks, type Transport } from './Transport';

/**
 * Scans sent several at a time (`parallelScans` > 1, what the app runs with): they start with the
 * run beside the push and the pull, the first alone until the centre created its upload, then up
 * to n at once; a failure is classified as when they go one by one (SyncEngine.test.ts and
 * syncRunOutcomes.test.ts pin that mode), and one question about every pending scan replaces a
 * question per scan when the transport can ask it.
 */
const START = Date.UTC(2026, 10, 24, 2);
const DEVICE = '0193a1b2-0000-7000-8000-00000000d0ff';

async function tickets(db: KioskDb, n: number): Promise<void> {
  const branch = seededBranch();
  const clock = fixedClock(START);
  for (let i = 0; i < n; i++)
    await issueTicket(db, { deviceId: DEVICE, kioskSlot: 0, branch, group: branch.serviceGroups[0]!, priority: false }, clock, nodeRandom);
}

const blob = (c: string, size = 3): BlobToUpload => ({ sha256: c.repeat(64), size, mimeType: 'application/pdf', data: new Blob(['abc']), uploadUrl: null });

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

interface Harness {
  engine: SyncEngine;
  db: KioskDb;
  log: string[];
  verified: string[];
  failures: { shas: string[]; code: string }[];
  progress: [number, number][];
}

function setUp(
  pending: readonly BlobToUpload[],
  upload: (b: BlobToUpload, hooks: BlobUploadHooks, log: string[]) => Promise<void>,
  overrides: Partial<Transport> | ((base: Transport) => Partial<Transport>) = {},
  parallelScans = 3,
): Harness {
  const server = new MemoryServer();
  const db = freshDb();
  const base = server.transport();
  const log: string[] = [];
  const verified: string[] = [];
  const failures: { shas: string[]; code: string }[] = [];
  const progress: [number, number][] = [];
  const engine = new SyncEngine({
    db,
    reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
    transport: {
      ...base,
      push: async (r) => {
        log.push(`push ${r.mutations.map((m) => m.deviceSeq).join(',')}`);
        return base.push(r);
      },
      blobExists: async (sha) => {
        log.push(`exists? ${sha[0]}`);
        return false;
      },
      uploadBlob: (b, hooks) => upload(b, hooks, log),
      ...(typeof overrides === 'function' ? overrides(base) : overrides),
    },
    branchCode: 'CN01',
    clock: fixedClock(START),
    parallelScans,
    onUploadProgress: (sent, total) => void progress.push([sent, total]),
    blobs: {
      pending: async () => pending.filter((b) => !verified.includes(b.sha256)),
      setUploadUrl: async () => undefined,
      markVerified: async (sha) => void verified.push(sha),
      markHeld: async () => {
        throw new Error('a centre never answers held');
      },
      recordFailure: async (shas, error) => void failures.push({ shas: shas.map((h) => h[0]!), code: error.code }),
    },
  });
  return { engine, db, log, verified, failures, progress };
}

describe('scans sent several at a time', () => {
  it('go beside the push: records never wait for a scan, and the first scan does not wait for the records', async () => {
    const pushAnswered = gate();
    const uploadStarted = gate();
    const h = setUp(
      [blob('a')],
      async (_b, hooks) => {
        uploadStarted.open();
        await hooks.onUploadUrl('https://centre/tus/a');
        // The upload still travels when the push is answered.
        await pushAnswered.promise;
      },
      (base) => ({
        push: async (r) => {
          await uploadStarted.promise;
          const answer = await base.push(r);
          pushAnswered.open();
          return answer;
        },
      }),
    );
    await tickets(h.db, 2);
    const report = await h.engine.runOnce();
    expect(report).toMatchObject({ pushed: 2, applied: 2, blobsUploaded: 1 });
    expect(h.verified).toEqual(['a'.repeat(64)]);
  });

  it('one at a time until the centre created an upload, then up to n at once, never more', async () => {
    let started = 0;
    let inFlight = 0;
    let most = 0;
    const h = setUp(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((c) => blob(c)),
      async (b, hooks, log) => {
        started++;
        inFlight++;
        most = Math.max(most, inFlight);
        log.push(`start ${b.sha256[0]}`);
        await tick();
        log.push(`created ${b.sha256[0]}`);
        await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
        // Each waits for company, so the most at once is what the engine allows.
        while (inFlight < 3 && started < 7) await tick();
        inFlight--;
      },
    );
    const report = await h.engine.runOnce();
    expect(report.blobsUploaded).toBe(7);
    expect(most).toBe(3);
    // The first went alone; the next ones only once its upload existed at the centre.
    expect(h.log.filter((l) => l.startsWith('start') || l.startsWith('created')).slice(0, 3)).toEqual(['start a', 'created a', 'start b']);
    expect(h.verified.map((s) => s[0]).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('a refused route or a dead link costs one attempt, not n; the scans wait with the reason', async () => {
    for (const error of [
      new TransportError('blocked', { code: 'net.blocked', detail: 'POST /v1/blobs/tus refused (CORS)' }),
      new TransportError('network', { code: 'net.unreachable', detail: 'no route' }),
      new TransportError('timeout', { code: 'net.timeout', detail: 'no answer' }),
    ]) {
      const h = setUp([blob('a'), blob('b'), blob('c')], async (b, _hooks, log) => {
        log.push(`upload ${b.sha256[0]}`);
        throw error;
      });
      const report = await h.engine.runOnce();
      expect(h.log.filter((l) => l.startsWith('upload'))).toEqual(['upload a']);
      expect(report.blobsDeferred.map((d) => [d.sha256[0], d.error.wire.code])).toEqual([['a', error.wire.code]]);
      expect(h.failures).toEqual([{ shas: ['a', 'b', 'c'], code: error.wire.code }]);
    }
  });

  it('a link that dies mid-way: no more scans start, the ones on their way finish, the rest wait', async () => {
    const release = gate();
    const cStarted = gate();
    const h = setUp(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => blob(c)),
      async (b, hooks) => {
        await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
        if (b.sha256[0] === 'c') cStarted.open();
        if (b.sha256[0] === 'b') {
          await cStarted.promise;
          throw new TransportError('network', { code: 'net.unreachable', detail: 'cut' });
        }
        // a and c are on their way when b fails; they get through.
        await release.promise;
      },
    );
    const run = h.engine.runOnce();
    await cStarted.promise;
    await tick();
    release.open();
    const report = await run;
    expect(h.verified.map((s) => s[0]).sort()).toEqual(['a', 'c']);
    expect(report.blobsDeferred.map((d) => d.sha256[0])).toEqual(['b']);
    expect(h.failures).toEqual([{ shas: ['b', 'd', 'e', 'f'], code: 'net.unreachable' }]);
  });

  it('an overloaded answer or refused bytes set one scan aside; the others go', async () => {
    const h = setUp(
      ['a', 'b', 'c', 'd'].map((c) => blob(c)),
      async (b, hooks) => {
        await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
        if (b.sha256[0] === 'b') throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
        if (b.sha256[0] === 'c') throw new TransportError('protocol', { code: 'blob.hash-mismatch', detail: 'bytes differ' }, 422);
      },
    );
    const report = await h.engine.runOnce();
    expect(h.verified.map((s) => s[0]).sort()).toEqual(['a', 'd']);
    expect(report.blobsDeferred.map((d) => d.sha256[0])).toEqual(['b']);
    expect(report.blobsFailed.map((f) => [f.sha256[0], f.error.code])).toEqual([['c', 'blob.hash-mismatch']]);
  });

  it('a refused credential stops the run once the uploads on their way settled', async () => {
    const cStarted = gate();
    const bFailed = gate();
    let settled = 0;
    const h = setUp(
      ['a', 'b', 'c', 'd'].map((c) => blob(c)),
      async (b, hooks) => {
        await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
        if (b.sha256[0] === 'c') cStarted.open();
        if (b.sha256[0] === 'b') {
          await cStarted.promise;
          bFailed.open();
          throw new TransportError('auth', { code: 'auth.revoked', detail: 'revoked' }, 401);
        }
        await bFailed.promise;
        await tick();
        settled++;
      },
    );
    await expect(h.engine.runOnce()).rejects.toMatchObject({ kind: 'auth' });
    // a and c finished; d never started.
    expect(settled).toBe(2);
    expect(h.verified.map((s) => s[0]).sort()).toEqual(['a', 'c']);
  });

  it('records saved while the scans travel are pushed beside them', async () => {
    const firstPush = gate();
    const saved = gate();
    const pushes: string[] = [];
    const h: Harness = setUp(
      ['a', 'b', 'c', 'd'].map((c) => blob(c)),
      async (b, hooks) => {
        await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
        if (b.sha256[0] === 'a') {
          // An officer saves a record once the run's own push went.
          await firstPush.promise;
          await tickets(h.db, 1);
          saved.open();
        } else if (b.sha256[0] !== 'd') await saved.promise;
      },
      (base) => ({
        push: async (r) => {
          pushes.push(`push ${r.mutations.map((m) => m.deviceSeq).join(',')}`);
          const answer = await base.push(r);
          firstPush.open();
          return answer;
        },
      }),
    );
    await tickets(h.db, 1);
    await h.engine.runOnce();
    expect(pushes).toEqual(['push 1', 'push 2']);
    expect(await h.db.outbox.count()).toBe(0);
  });

  it('reports progress summed over the uploads of the run', async () => {
    const h = setUp([blob('a', 10), blob('b', 20)], async (b, hooks) => {
      await hooks.onUploadUrl(`https://centre/tus/${b.sha256[0]}`);
      hooks.onProgress?.(b.size, b.size);
      await tick();
    });
    await h.engine.runOnce();
    expect(h.progress).toEqual([
      [10, 10],
      [30, 30],
    ]);
  });

  describe('one question about every pending scan', () => {
    it('marks the scans the centre holds verified without asking per scan or uploading them', async () => {
      const asked: string[][] = [];
      const uploads: string[] = [];
      const h = setUp(
        [blob('a'), blob('b'), blob('c')],
        async (b, hooks) => {
          uploads.push(b.sha256[0]!);
          await hooks.onUploadUrl('https://centre/tus/1');
        },
        {
          blobsKnown: async (shas) => {
            asked.push(shas.map((s) => s[0]!));
            return { verified: new Set(['b'.repeat(64)]), held: new Set<string>() };
          },
        },
      );
      const report = await h.engine.runOnce();
      expect(asked).toEqual([['a', 'b', 'c']]);
      expect(h.log.filter((l) => l.startsWith('exists?'))).toEqual([]);
      expect(uploads.sort()).toEqual(['a', 'c']);
      expect(report.blobsUploaded).toBe(2);
      expect(h.verified.sort()).toEqual(['a', 'b', 'c'].map((c) => c.repeat(64)));
    });

    it('asks per scan when the centre cannot answer it (null) or the question failed; a refused credential stops the run', async () => {
      for (const blobsKnown of [
        async () => null,
        async () => {
          throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
        },
      ]) {
        const h = setUp([blob('a'), blob('b')], async (_b, hooks) => hooks.onUploadUrl('https://centre/tus/1'), { blobsKnown });
        await h.engine.runOnce();
        expect(h.log.filter((l) => l.startsWith('exists?')).sort()).toEqual(['exists? a', 'exists? b']);
      }
      const refused = setUp([blob('a')], async () => undefined, {
        blobsKnown: async () => {
          throw new TransportError('auth', { code: 'auth.revoked', detail: 'revoked' }, 401);
        },
      });
      await expect(refused.engine.runOnce()).rejects.toMatchObject({ kind: 'auth' });
    });

    it('is asked one scan at a time too', async () => {
      const asked: number[] = [];
      const h = setUp(
        [blob('a'), blob('b')],
        async () => undefined,
        {
          blobsKnown: async (shas) => {
            asked.push(shas.length);
            return { verified: new Set(shas), held: new Set<string>() };
          },
        },
        1,
      );
      const report = await h.engine.runOnce();
      expect(asked).toEqual([2]);
      expect(report.blobsUploaded).toBe(0);
      expect(h.verified).toHaveLength(2);
    });
  });
});
