import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fixedClock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import type { MutationResult, PullResponse } from '../shared/sync';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { ReferenceDb } from '../storage/referenceDb';
import { readPublished } from '../storage/referenceRepository';
import { journalId, listSyncIssues, loadSyncMeta, saveSyncMeta } from '../storage/syncRepository';
import { issueTicket } from '../storage/ticketRepository';
import type { KioskDb } from '../storage/KioskDb';
import { MemoryServer } from './memoryTransport';
import { SyncEngine, toEnvelope, type BlobQueue, type SyncEngineOptions } from './SyncEngine';
import { TransportError, type BlobToUpload, type Transport } from './Transport';

/**
 * What one sync run does with each kind of answer, as the kiosk's staff screen, the heartbeat and
 * the next run see it: the run report's counts, the sync times kept, which answers stop a run
 * with which code (a server that confirms nothing, a pull out of order, a feed that keeps going
 * back, a checksum that keeps differing, a gap the file journal cannot fill), and what happens to
 * each scan the server or the disk refuses.
 */
const START = Date.UTC(2026, 10, 24, 2);
const DEVICE = '0193a1b2-0000-7000-8000-00000000d00e';

async function tickets(db: KioskDb, n: number, clock = fixedClock(START)): Promise<void> {
  const branch = seededBranch();
  for (let i = 0; i < n; i++)
    await issueTicket(db, { deviceId: DEVICE, kioskSlot: 0, branch, group: branch.serviceGroups[0]!, priority: false }, clock, nodeRandom);
}

function setUp(overrides: Partial<SyncEngineOptions> & { transport?: Transport } = {}) {
  const server = new MemoryServer();
  const clock = fixedClock(START);
  const db = overrides.db ?? freshDb();
  const reference = new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange });
  const engine = new SyncEngine({ db, reference, transport: server.transport(), branchCode: 'CN01', clock, ...overrides });
  return { server, clock, db, reference, engine };
}

const blob = (c: string, size = 3): BlobToUpload => ({ sha256: c.repeat(64), size, mimeType: 'application/pdf', data: new Blob(['abc']), uploadUrl: null });

describe('a sync run, answer by answer', () => {
  it('counts applied, duplicate and refused records apart; a duplicate with a reason counts as neither', async () => {
    const server = new MemoryServer();
    server.rejectWhen = (_n, args) => ((args as { number: string }).number.endsWith('3') ? { code: 'ticket.number-taken', detail: 'taken' } : null);
    const db = freshDb();
    await tickets(db, 4);
    // Seqs 1–2 reached the server before (the answer was lost); seq 2 was another mutation there.
    const transport = server.transport();
    const entries = await db.outbox.orderBy('deviceSeq').toArray();
    await transport.push({
      protocolVersion: 1,
      journalId: await journalId(db),
      mutations: [entries[0]!, { ...entries[1]!, mutationId: '0193a1b2-0000-7000-8000-0000000000f2' }].map(toEnvelope),
    });
    const { engine } = setUp({ db, transport });
    const report = await engine.runOnce();
    expect(report).toMatchObject({ pushed: 4, applied: 1, duplicates: 1, rejected: 2 });
    const issues = await listSyncIssues(db);
    expect(issues.map((i) => i.reason.code).sort()).toEqual(['sync.seq-reused', 'ticket.number-taken']);
    expect(await db.outbox.count()).toBe(0);
  });

  it('keeps when it last pushed, pulled and fully succeeded; a run that fails to pull keeps only the push time', async () => {
    const { engine, db, clock, server } = setUp();
    await tickets(db, 1);
    await engine.runOnce();
    expect(await loadSyncMeta(db)).toMatchObject({ lastPushAt: START, lastPullAt: START, lastSuccessAt: START });
    clock.advance(60_000);
    server.publish('global', 'procedure', '1.000001', { code: '1.000001' });
    const failing = new SyncEngine({
      db,
      reference: new ReferenceDb('ref2', { indexedDB: new IDBFactory(), IDBKeyRange }),
      transport: {
        ...server.transport(),
        pull: async () => {
          throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
        },
      },
      branchCode: 'CN01',
      clock,
    });
    await expect(failing.runOnce()).rejects.toMatchObject({ wire: { code: 'server.unavailable' } });
    expect(await loadSyncMeta(db)).toMatchObject({ lastPushAt: START + 60_000, lastPullAt: START, lastSuccessAt: START });
  });

  it('stops with sync.bad-answer when the server answers a push without any of the pushed records', async () => {
    const { server, db } = setUp();
    await tickets(db, 2);
    const transport = server.transport();
    const { engine } = setUp({
      db,
      transport: {
        ...transport,
        push: async () => ({ lastSeq: 0, results: [] as MutationResult[] }),
      },
    });
    await expect(engine.runOnce()).rejects.toMatchObject({
      kind: 'protocol',
      wire: { code: 'sync.bad-answer', detail: 'the server confirmed none of the pushed mutations' },
    });
    expect(await db.outbox.count()).toBe(2);
  });

  it('resends from the seq a gap answer asks for when the kiosk still holds it, without asking the file journal', async () => {
    const { server, db } = setUp();
    await tickets(db, 3);
    const transport = server.transport();
    let first = true;
    const asked: number[] = [];
    const { engine } = setUp({
      db,
      transport: {
        ...transport,
        push: async (r) => {
          if (first) {
            // The answer to an earlier push of seq 1 was lost and the server has nothing.
            first = false;
            throw new TransportError('gap', { code: 'sync.gap', detail: 'gap' }, 409, {
              code: 'sync.gap',
              detail: 'expected deviceSeq 1',
              expectedSeq: 1,
              results: [],
            });
          }
          return transport.push(r);
        },
      },
      recoverMissing: async (_j, from) => (asked.push(from), []),
    });
    const report = await engine.runOnce();
    expect(report).toMatchObject({ applied: 3 });
    expect(asked).toEqual([]);
    expect(server.applied).toHaveLength(3);
  });

  it('takes from the file journal only the missing seqs, once per run; a second gap is reported as unrecoverable', async () => {
    const db = freshDb();
    await tickets(db, 6);
    const all = await db.outbox.orderBy('deviceSeq').toArray();
    await db.outbox.bulkDelete(all.slice(0, 3).map((e) => e.mutationId));
    const requests: [number, number][] = [];
    const { engine, server } = setUp({
      db,
      // The file returns more than asked: seq 4 is still in IndexedDB and must not be overwritten.
      recoverMissing: async (_j, from, to) => (requests.push([from, to]), all.map((e) => ({ ...e, args: e.deviceSeq >= to ? { tampered: true } : e.args }))),
    });
    const report = await engine.runOnce();
    expect(requests).toEqual([[1, 4]]);
    expect(report.applied).toBe(6);
    expect(server.applied.map((a) => (a.args as { number: string }).number)).toEqual(all.map((e) => (e.args as { number: string }).number));

    // The file misses seq 2 as well: after one recovery the run stops with the reason.
    const db2 = freshDb('other');
    await tickets(db2, 4);
    const all2 = await db2.outbox.orderBy('deviceSeq').toArray();
    await db2.outbox.bulkDelete([all2[0]!.mutationId, all2[1]!.mutationId]);
    const k2 = setUp({ db: db2, recoverMissing: async () => [all2[0]!] });
    await expect(k2.engine.runOnce()).rejects.toMatchObject({
      kind: 'protocol',
      wire: { code: 'sync.gap-unrecoverable', detail: "the server expects mutation 2 but this kiosk's oldest pending one is 3" },
    });
  });

  describe('pulling', () => {
    const page = (over: Partial<PullResponse> & { scope: string }): PullResponse => ({ changes: [], cursor: 0, hasMore: false, checksum: null, ...over });

    it('stops with sync.bad-answer when a page is for another scope or does not start after the cursor', async () => {
      const { server } = setUp();
      server.publish('global', 'procedure', '1.000001', { code: '1.000001' });
      const transport = server.transport();
      const other = setUp({ transport: { ...transport, pull: async (r) => ({ ...(await transport.pull(r)), scope: 'branch:CN09' }) } });
      await expect(other.engine.runOnce()).rejects.toMatchObject({
        kind: 'protocol',
        wire: { code: 'sync.bad-answer', detail: 'pull of global answered out of order' },
      });

      const k = setUp({ transport });
      await k.engine.runOnce();
      // The same page again (seq 1 again after cursor 1).
      const replaying = new SyncEngine({
        db: k.db,
        reference: k.reference,
        transport: {
          ...transport,
          pull: async (r) =>
            r.scope === 'global' ? page({ scope: 'global', changes: (await transport.pull({ ...r, cursor: 0 })).changes, cursor: 1 }) : transport.pull(r),
        },
        branchCode: 'CN01',
        clock: k.clock,
      });
      await expect(replaying.runOnce()).rejects.toMatchObject({
        kind: 'protocol',
        wire: { code: 'sync.bad-answer', detail: 'pull of global answered out of order' },
      });
    });

    it('starts a scope over once when the server is behind the cursor, and stops with sync.cursor-ahead if it goes back again', async () => {
      const { server, engine, reference, db, clock } = setUp();
      for (let i = 1; i <= 3; i++) server.publish('global', 'procedure', `1.00000${i}`, { code: `1.00000${i}` });
      await engine.runOnce();
      // A server restored from a backup that, after the kiosk started over, loses its feed again.
      const transport = server.transport();
      const behind = new SyncEngine({
        db,
        reference,
        transport: {
          ...transport,
          pull: async (r) => {
            if (r.scope !== 'global') return transport.pull(r);
            return r.cursor > 0 ? page({ scope: r.scope, cursor: 0 }) : { ...(await transport.pull(r)), hasMore: true };
          },
        },
        branchCode: 'CN01',
        clock,
      });
      await expect(behind.runOnce()).rejects.toMatchObject({ wire: { code: 'sync.cursor-ahead', detail: 'scope global: the server went back again' } });
      // A single going-back is repaired: the scope is pulled again from 0.
      const once = new SyncEngine({
        db,
        reference,
        transport: { ...transport, pull: async (r) => (r.scope === 'global' && r.cursor > 0 ? page({ scope: r.scope, cursor: 0 }) : transport.pull(r)) },
        branchCode: 'CN01',
        clock,
      });
      expect((await once.runOnce()).repulled).toEqual(['global']);
      expect(await readPublished(reference, 'global', 'procedure')).toHaveLength(3);
    });

    it('re-pulls a diverged scope once, and stops with sync.checksum-mismatch when it still differs', async () => {
      const { server, engine } = setUp();
      server.publish('global', 'procedure', '1.000001', { code: '1.000001' });
      const transport = server.transport();
      const lying = setUp({
        transport: {
          ...transport,
          pull: async (r) => {
            const answer = await transport.pull(r);
            return answer.checksum ? { ...answer, checksum: { ...answer.checksum, sum: answer.checksum.sum + 1 } } : answer;
          },
        },
      });
      await expect(lying.engine.runOnce()).rejects.toMatchObject({
        wire: { code: 'sync.checksum-mismatch', detail: 'scope global still differs after a re-pull' },
      });
      // An honest server: no re-pull.
      expect((await engine.runOnce()).repulled).toEqual([]);
    });

    it('asks for the checksum on the first pull, then every 10 minutes, and again when the clock went back', async () => {
      const asked: boolean[] = [];
      const { server, db, clock, reference } = setUp();
      const transport = server.transport();
      const engine = new SyncEngine({
        db,
        reference,
        transport: { ...transport, pull: async (r) => (r.scope === 'global' && asked.push(r.withChecksum), transport.pull(r)) },
        branchCode: 'CN01',
        clock,
      });
      await engine.runOnce();
      expect((await loadSyncMeta(db)).lastChecksumAt).toBe(START);
      clock.advance(10 * 60_000 - 1);
      await engine.runOnce();
      clock.advance(1);
      await engine.runOnce();
      await engine.runOnce();
      // The kiosk clock was set back a day.
      clock.set(START - 24 * 3_600_000);
      await engine.runOnce();
      expect(asked).toEqual([true, false, true, false, true]);
      await saveSyncMeta(db, { lastChecksumAt: null });
      await engine.runOnce();
      expect(asked.at(-1)).toBe(true);
    });

    it('pulls the branch the kiosk belongs to now (enrolment may change it)', async () => {
      let branch = 'CN01';
      const scopes: string[] = [];
      const { server } = setUp();
      const transport = server.transport();
      const { engine } = setUp({ branchCode: () => branch, transport: { ...transport, pull: async (r) => (scopes.push(r.scope), transport.pull(r)) } });
      await engine.runOnce();
      branch = 'CN02';
      await engine.runOnce();
      expect(scopes).toEqual(['global', 'branch:CN01', 'global', 'branch:CN02']);
    });
  });

  describe('scans', () => {
    function withQueue(pending: BlobToUpload[], transport: Partial<Transport>, queueExtra: Partial<BlobQueue> = {}) {
      const verified: [string, number][] = [];
      const urls: [string, string | null][] = [];
      const failures: [string[], string, number][] = [];
      const progress: [number, number][] = [];
      const { server, db, clock } = setUp();
      const base = server.transport();
      const engine = new SyncEngine({
        db,
        reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
        transport: { ...base, ...transport },
        branchCode: 'CN01',
        clock,
        onUploadProgress: (sent, total) => void progress.push([sent, total]),
        blobs: {
          pending: async () => pending.filter((b) => !verified.some(([h]) => h === b.sha256)),
          setUploadUrl: async (sha, url) => void urls.push([sha[0]!, url]),
          markVerified: async (sha, now) => void verified.push([sha, now]),
          markHeld: async () => {
            throw new Error('a centre never answers held');
          },
          recordFailure: async (shas, error, now) => void failures.push([shas.map((h) => h[0]!), error.code, now]),
          ...queueExtra,
        },
      });
      return { engine, db, clock, server, verified, urls, failures, progress };
    }

    it('marks a scan the server already holds as verified without uploading it, and counts only real uploads', async () => {
      const uploads: string[] = [];
      const k = withQueue([blob('a'), blob('b')], {
        blobExists: async (sha) => sha.startsWith('a'),
        uploadBlob: async (b, hooks) => {
          uploads.push(b.sha256[0]!);
          await hooks.onUploadUrl('https://centre/tus/1');
          hooks.onProgress?.(2, 3);
          hooks.onProgress?.(3, 3);
        },
      });
      k.clock.advance(5);
      const report = await k.engine.runOnce();
      expect(uploads).toEqual(['b']);
      expect(report.blobsUploaded).toBe(1);
      expect(k.verified).toEqual([
        ['a'.repeat(64), START + 5],
        ['b'.repeat(64), START + 5],
      ]);
      expect(k.urls).toEqual([['b', 'https://centre/tus/1']]);
      expect(k.progress).toEqual([
        [2, 3],
        [3, 3],
      ]);
      expect((await loadSyncMeta(k.db)).lastSuccessAt).toBe(START + 5);
    });

    it('uploads the plain bytes the queue opens just before the upload (scans are sealed at rest)', async () => {
      const sent: string[] = [];
      const k = withQueue(
        [blob('a')],
        { blobExists: async () => false, uploadBlob: async (b) => void sent.push(await b.data.text()) },
        { open: async (b) => ({ ...b, data: new Blob(['plain pdf']) }) },
      );
      await k.engine.runOnce();
      expect(sent).toEqual(['plain pdf']);
    });

    for (const [what, error, sameForAll] of [
      ['no answer', new TransportError('network', { code: 'net.unreachable', detail: 'down' }), true],
      ['a timeout', new TransportError('timeout', { code: 'net.timeout', detail: 'slow' }), true],
      ['a rate limit (429)', new TransportError('unavailable', { code: 'server.rate-limited', detail: 'slow down' }, 429), true],
      ['an overloaded server (503)', new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503), false],
    ] as const) {
      it(`after ${what}, ${sameForAll ? 'every scan waits for the next run' : 'the next scans still go'}, and the run is not a full success`, async () => {
        const uploads: string[] = [];
        const k = withQueue([blob('a'), blob('b')], {
          blobExists: async () => false,
          uploadBlob: async (b) => {
            uploads.push(b.sha256[0]!);
            if (b.sha256.startsWith('a')) throw error;
          },
        });
        const report = await k.engine.runOnce();
        expect(uploads).toEqual(sameForAll ? ['a'] : ['a', 'b']);
        expect(k.failures).toEqual([[sameForAll ? ['a', 'b'] : ['a'], error.wire.code, START]]);
        expect(report.blobsDeferred.map((d) => [d.sha256[0], d.error])).toEqual([['a', error]]);
        expect(report.blobsFailed).toEqual([]);
        // Resumable: the upload URL is kept.
        expect(k.urls).toEqual([]);
        expect((await loadSyncMeta(k.db)).lastSuccessAt).toBeNull();
      });
    }

    it('sets aside a scan whose bytes cannot be read or are refused, with a code the staff screen can name', async () => {
      const longMessage = 'x'.repeat(500);
      const k = withQueue([blob('a'), blob('b'), blob('c'), blob('d')], {
        blobExists: async () => false,
        uploadBlob: async (b) => {
          if (b.sha256.startsWith('a')) throw new AppFailure('blob.sealed-unreadable', 'the data key changed');
          if (b.sha256.startsWith('b')) throw new Error(longMessage);
          if (b.sha256.startsWith('c')) throw new TransportError('protocol', { code: 'blob.hash-mismatch', detail: 'bytes differ' }, 460);
        },
      });
      const report = await k.engine.runOnce();
      expect(report.blobsFailed.map((f) => [f.sha256[0], f.error.code, f.detail.length])).toEqual([
        ['a', 'blob.sealed-unreadable', 'the data key changed'.length],
        ['b', 'blob.unreadable', 200],
        ['c', 'blob.hash-mismatch', 'protocol: blob.hash-mismatch: bytes differ'.length],
      ]);
      expect(report.blobsFailed[1]!.error).toEqual({ code: 'blob.unreadable', detail: 'x'.repeat(200) });
      // Each starts afresh next time; the good one went.
      expect(k.urls).toEqual([
        ['a', null],
        ['b', null],
        ['c', null],
      ]);
      expect(k.failures.map(([shas, code]) => [shas, code])).toEqual([
        [['a'], 'blob.sealed-unreadable'],
        [['b'], 'blob.unreadable'],
        [['c'], 'blob.hash-mismatch'],
      ]);
      expect(report.blobsUploaded).toBe(1);
      expect((await loadSyncMeta(k.db)).lastSuccessAt).toBeNull();
    });

    it('never sends a record twice when a push started beside a scan is still travelling as the next scan starts', async () => {
      const { server } = setUp();
      const base = server.transport();
      const db = freshDb();
      const pushed: number[][] = [];
      let engine: SyncEngine | null = null;
      engine = new SyncEngine({
        db,
        reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
        transport: {
          ...base,
          push: async (r) => {
            pushed.push(r.mutations.map((m) => m.deviceSeq));
            // A slow link: the answer arrives after the first scan is done.
            await new Promise((resolve) => setTimeout(resolve, 30));
            return base.push(r);
          },
          blobExists: async () => false,
          uploadBlob: async (b) => {
            if (!b.sha256.startsWith('a')) return;
            // A citizen takes a ticket while the first scan uploads.
            await tickets(db, 1);
            engine!.pushSoon();
          },
        },
        branchCode: 'CN01',
        clock: fixedClock(START),
        blobs: {
          pending: async () => [blob('a'), blob('b')],
          setUploadUrl: async () => undefined,
          markVerified: async () => undefined,
          markHeld: async () => {
            throw new Error('a centre never answers held');
          },
        },
      });
      const report = await engine.runOnce();
      expect(pushed).toEqual([[1]]);
      expect(report).toMatchObject({ pushed: 1, applied: 1, duplicates: 0, blobsUploaded: 2 });
      expect(server.applied).toHaveLength(1);
    });
  });
});
