import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { fixedClock } from '../shared/clock';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { ReferenceDb } from '../storage/referenceDb';
import { readPublished } from '../storage/referenceRepository';
import { listSyncIssues, loadSyncMeta } from '../storage/syncRepository';
import { issueTicket } from '../storage/ticketRepository';
import type { KioskDb } from '../storage/KioskDb';
import { MemoryServer } from './memoryTransport';
import { SyncEngine } from './SyncEngine';
import { TransportError, type Transport } from './Transport';

const clock = fixedClock(Date.UTC(2026, 10, 24, 2));
const DEVICE = '0193a1b2-0000-7000-8000-00000000d00d';

function kiosk(server: MemoryServer, db: KioskDb = freshDb(), pushBatchSize?: number) {
  const reference = new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange });
  const confirmed: number[] = [];
  const engine = new SyncEngine({
    db,
    reference,
    transport: server.transport(),
    branchCode: 'CN01',
    clock,
    pullLimit: 3,
    ...(pushBatchSize === undefined ? {} : { pushBatchSize }),
    onConfirmed: (_j, upTo) => void confirmed.push(upTo),
  });
  return { db, reference, engine, confirmed };
}

async function tickets(db: KioskDb, n: number): Promise<void> {
  const branch = seededBranch();
  for (let i = 0; i < n; i++)
    await issueTicket(db, { deviceId: DEVICE, kioskSlot: 0, branch, group: branch.serviceGroups[0]!, priority: false }, clock, nodeRandom);
}

describe('SyncEngine (in-memory server)', () => {
  it('pushes 250 records in order in batches of at most 100 and confirms each batch', async () => {
    const server = new MemoryServer();
    const k = kiosk(server, freshDb(), 100);
    await tickets(k.db, 250);
    const report = await k.engine.runOnce();
    expect(report).toMatchObject({ pushed: 250, applied: 250, duplicates: 0, rejected: 0 });
    expect(server.applied).toHaveLength(250);
    expect(await k.db.outbox.count()).toBe(0);
    expect(k.confirmed).toEqual([100, 200, 250]);
  });

  it('resends after a lost answer and gets duplicates, never a second copy', async () => {
    const server = new MemoryServer();
    const k = kiosk(server);
    await tickets(k.db, 5);
    // The server applies the push, but the answer never arrives.
    const transport = server.transport();
    const lossy = {
      ...transport,
      push: async (r: Parameters<typeof transport.push>[0]) => (
        await transport.push(r),
        Promise.reject(new TransportError('timeout', { code: 'net.timeout', detail: 'lost' }))
      ),
    };
    const lost = new SyncEngine({ db: k.db, reference: k.reference, transport: lossy, branchCode: 'CN01', clock });
    await expect(lost.runOnce()).rejects.toThrow(TransportError);
    expect(await k.db.outbox.count()).toBe(5);
    const report = await k.engine.runOnce();
    expect(report).toMatchObject({ duplicates: 5, applied: 0 });
    expect(server.applied).toHaveLength(5);
    expect(await k.db.outbox.count()).toBe(0);
  });

  it('records a refused mutation as a sync issue and carries on', async () => {
    const server = new MemoryServer();
    server.rejectWhen = (_name, args) => ((args as { number: string }).number.endsWith('2') ? { code: 'ticket.number-taken', detail: 'taken' } : null);
    const k = kiosk(server);
    await tickets(k.db, 4);
    const report = await k.engine.runOnce();
    expect(report).toMatchObject({ applied: 3, rejected: 1 });
    const issues = await listSyncIssues(k.db);
    expect(issues.map((i) => [i.reason.code, i.subject])).toEqual([['ticket.number-taken', 'ticket A0002 / 2026-11-24']]);
  });

  it('fills a gap from the file journal when the server lacks earlier entries', async () => {
    const server = new MemoryServer();
    const db = freshDb();
    await tickets(db, 6);
    const all = await db.outbox.orderBy('deviceSeq').toArray();
    // The outbox lost entries 1–3 (they exist only in the file journal).
    await db.outbox.bulkDelete(all.slice(0, 3).map((e) => e.mutationId));
    const reference = new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange });
    const engine = new SyncEngine({
      db,
      reference,
      transport: server.transport(),
      branchCode: 'CN01',
      clock,
      recoverMissing: async (_j, from, to) => all.filter((e) => e.deviceSeq >= from && e.deviceSeq < to),
    });
    const report = await engine.runOnce();
    expect(report.applied).toBe(6);
    // Without a second copy the gap is reported, not papered over.
    const db2 = freshDb('other');
    await tickets(db2, 3);
    await db2.outbox.delete((await db2.outbox.orderBy('deviceSeq').first())!.mutationId);
    const k2 = kiosk(new MemoryServer(), db2);
    await expect(k2.engine.runOnce()).rejects.toMatchObject({ wire: { code: 'sync.gap-unrecoverable' } });
  });

  it('pulls pages with their cursor, applies deletes, and repairs divergence by checksum', async () => {
    const server = new MemoryServer();
    for (let i = 0; i < 8; i++) server.publish('global', 'procedure', `1.00000${i}`, { code: `1.00000${i}`, name: `P${i}` });
    server.publish('branch:CN01', 'branchConfig', 'CN01', seededBranch());
    const k = kiosk(server);
    expect((await k.engine.runOnce()).pulled).toBe(9);
    server.publish('global', 'procedure', '1.000003', null);
    server.publish('global', 'procedure', '1.000004', { code: '1.000004', name: 'P4 mới' });
    expect((await k.engine.runOnce()).pulled).toBe(2);
    const procs = await readPublished<{ code: string; name: string }>(k.reference, 'global', 'procedure');
    expect(procs.map((p) => p.name).sort()).toEqual(['P0', 'P1', 'P2', 'P4 mới', 'P5', 'P6', 'P7']);
    await k.reference.records.clear();
    clock.advance(11 * 60_000);
    const repaired = await k.engine.runOnce();
    expect(repaired.repulled).toEqual(['global', 'branch:CN01']);
    expect(await readPublished(k.reference, 'global', 'procedure')).toHaveLength(7);
  });

  it('pulls a scope again from 0 when the server is behind its cursor (restored from a backup)', async () => {
    const server = new MemoryServer();
    for (let i = 0; i < 5; i++) server.publish('global', 'procedure', `1.00000${i}`, { code: `1.00000${i}` });
    const k = kiosk(server);
    await k.engine.runOnce();
    const restored = new MemoryServer();
    restored.publish('global', 'procedure', '1.000009', { code: '1.000009' });
    const k2 = new SyncEngine({ db: k.db, reference: k.reference, transport: restored.transport(), branchCode: 'CN01', clock });
    const report = await k2.runOnce();
    expect(report.repulled).toContain('global');
    expect((await readPublished<{ code: string }>(k.reference, 'global', 'procedure')).map((p) => p.code)).toEqual(['1.000009']);
  });

  it('leaves everything pending when the network fails, and finishes later', async () => {
    const server = new MemoryServer();
    const k = kiosk(server);
    await tickets(k.db, 3);
    server.failNext(new TransportError('network', { code: 'net.unreachable', detail: 'down' }));
    await expect(k.engine.runOnce()).rejects.toMatchObject({ kind: 'network' });
    expect(await k.db.outbox.count()).toBe(3);
    await k.engine.runOnce();
    expect(await k.db.outbox.count()).toBe(0);
  });

  it('skips a scan the server refuses or that can no longer be read, uploads the others and still pushes the records', async () => {
    const server = new MemoryServer();
    const db = freshDb();
    await tickets(db, 3);
    const transport = server.transport();
    const verified: string[] = [];
    const urls: (string | null)[] = [];
    const blob = (c: string) => ({ sha256: c.repeat(64), size: 3, mimeType: 'application/pdf', data: new Blob(['abc']), uploadUrl: null });
    const engine = new SyncEngine({
      db,
      reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
      transport: {
        ...transport,
        blobExists: async () => false,
        uploadBlob: async (b) => {
          if (b.sha256.startsWith('a')) throw new TransportError('protocol', { code: 'blob.hash-mismatch', detail: 'bytes differ' });
          if (b.sha256.startsWith('b')) throw new DOMException('the file could not be read', 'NotReadableError');
        },
      },
      branchCode: 'CN01',
      clock,
      blobs: {
        pending: async () => [blob('a'), blob('b'), blob('c')],
        setUploadUrl: async (_sha, url) => void urls.push(url),
        markVerified: async (sha) => void verified.push(sha),
        markHeld: async () => {
          throw new Error('a centre never answers held');
        },
      },
    });
    const report = await engine.runOnce();
    expect(verified).toEqual(['c'.repeat(64)]);
    expect(report.blobsFailed.map((f) => f.sha256[0])).toEqual(['a', 'b']);
    expect(urls).toEqual([null, null]);
    expect(report).toMatchObject({ pushed: 3, applied: 3 });
    expect(await db.outbox.count()).toBe(0);
  });

  describe('a scan that cannot be sent never holds back the records', () => {
    const blob = (c: string) => ({ sha256: c.repeat(64), size: 3, mimeType: 'application/pdf', data: new Blob(['abc']), uploadUrl: null });
    function engineWith(
      db: KioskDb,
      server: MemoryServer,
      uploadBlob: (sha256: string, log: string[]) => Promise<void>,
      pending = ['a', 'b', 'c'],
      overrides: Partial<Transport> = {},
    ) {
      const transport = server.transport();
      const log: string[] = [];
      const failures: { shas: readonly string[]; code: string }[] = [];
      const verified: string[] = [];
      const urls: (string | null)[] = [];
      const engine = new SyncEngine({
        db,
        reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
        transport: {
          ...transport,
          push: async (r) => {
            log.push(`push ${r.mutations.map((m) => m.deviceSeq).join(',')}`);
            return transport.push(r);
          },
          blobExists: async () => false,
          uploadBlob: async (b) => {
            log.push(`upload ${b.sha256[0]}`);
            await uploadBlob(b.sha256, log);
          },
          ...overrides,
        },
        branchCode: 'CN01',
        clock,
        blobs: {
          pending: async () => pending.filter((c) => !verified.includes(c.repeat(64))).map(blob),
          setUploadUrl: async (_sha, url) => void urls.push(url),
          markVerified: async (sha) => void verified.push(sha),
          markHeld: async () => {
            throw new Error('a centre never answers held');
          },
          recordFailure: async (shas, error) => void failures.push({ shas: shas.map((h) => h[0]!), code: error.code }),
        },
      });
      return { engine, log, failures, verified, urls };
    }

    it('a refused upload route: the records behind the scan are pushed, the scan and those after it wait with the reason', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      await tickets(db, 2);
      const k = engineWith(db, server, async () => {
        throw new TransportError('blocked', { code: 'net.blocked', detail: 'PATCH /v1/blobs/tus/… refused (CORS)' });
      });
      const report = await k.engine.runOnce();
      // The records reached the server and left the outbox although no scan could be sent.
      expect(server.applied).toHaveLength(2);
      expect(await db.outbox.count()).toBe(0);
      expect(report).toMatchObject({ pushed: 2, applied: 2, blobsUploaded: 0 });
      // One attempt, not one per scan: the same refusal would meet every scan this run.
      expect(k.log.filter((l) => l.startsWith('upload'))).toEqual(['upload a']);
      expect(report.blobsDeferred.map((d) => [d.sha256[0], d.error.wire.code])).toEqual([['a', 'net.blocked']]);
      expect(k.failures).toEqual([{ shas: ['a', 'b', 'c'], code: 'net.blocked' }]);
      // Resumable: the stored upload URL is kept for the next attempt.
      expect(k.urls).toEqual([]);
      expect(report.blobsFailed).toEqual([]);
    });

    it('an overloaded answer for one scan lets the next scans go', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      const k = engineWith(db, server, async (sha) => {
        if (sha.startsWith('a')) throw new TransportError('unavailable', { code: 'server.unavailable', detail: 'busy' }, 503);
      });
      const report = await k.engine.runOnce();
      expect(k.verified.map((h) => h[0])).toEqual(['b', 'c']);
      expect(report.blobsDeferred.map((d) => d.sha256[0])).toEqual(['a']);
      expect(k.failures).toEqual([{ shas: ['a'], code: 'server.unavailable' }]);
    });

    it('records saved while a scan travels are pushed before the next scan', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      await tickets(db, 1);
      const k = engineWith(db, server, async (sha) => {
        // An officer saves a dossier and a citizen takes a ticket during the first upload.
        if (sha.startsWith('a')) await tickets(db, 2);
      });
      await k.engine.runOnce();
      expect(k.log).toEqual(['push 1', 'upload a', 'push 2,3', 'upload b', 'upload c']);
      expect(server.applied).toHaveLength(3);
    });

    it('a record saved while a scan uploads is pushed beside the upload, not after it', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      // The closure runs during the upload, after `k` is assigned.
      const k: ReturnType<typeof engineWith> = engineWith(
        db,
        server,
        async (sha, log) => {
          if (!sha.startsWith('a')) return;
          await tickets(db, 1);
          k.engine.pushSoon();
          // The upload goes on for a while; the ticket must not wait for it.
          await new Promise((r) => setTimeout(r, 50));
          log.push('upload a done');
        },
        ['a'],
      );
      await k.engine.runOnce();
      expect(k.log).toEqual(['upload a', 'push 1', 'upload a done']);
      expect(server.applied).toHaveLength(1);
    });

    it('a pull that keeps failing does not hold back the scans; the run still reports the pull error', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      const k = engineWith(db, server, async () => undefined, ['a'], {
        pull: async () => {
          throw new TransportError('protocol', { code: 'sync.bad-answer', detail: 'out of order' });
        },
      });
      await expect(k.engine.runOnce()).rejects.toMatchObject({ wire: { code: 'sync.bad-answer' } });
      expect(k.verified.map((h) => h[0])).toEqual(['a']);
    });

    it('a refused credential stops the run (nothing else would go either)', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      const k = engineWith(db, server, async () => {
        throw new TransportError('auth', { code: 'auth.revoked', detail: 'revoked' }, 401);
      });
      await expect(k.engine.runOnce()).rejects.toMatchObject({ kind: 'auth' });
    });

    it('a run without scans pushes and pulls only, and is not a full success', async () => {
      const server = new MemoryServer();
      const db = freshDb();
      await tickets(db, 1);
      const k = engineWith(db, server, async () => undefined);
      const report = await k.engine.runOnce({ blobs: false });
      expect(report.pushed).toBe(1);
      expect(k.log).toEqual(['push 1']);
      expect((await loadSyncMeta(db)).lastSuccessAt).toBeNull();
      await k.engine.runOnce();
      expect(k.verified).toHaveLength(3);
      expect((await loadSyncMeta(db)).lastSuccessAt).toBe(clock.now());
    });
  });
});
