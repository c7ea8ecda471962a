import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrolCode } from '../../src/server/admin';
import { fixedClock } from '../../src/shared/clock';
import { countPendingBlobs } from '../../src/storage/blobRepository';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { TransportError } from '../../src/sync/Transport';
import { DEFAULT_BLOB_CHUNK_BYTES, uploadBlobWithTus, type FetchLike } from '../../src/sync/tusUpload';
import { openCounterKiosk, queueCounterBacklog, scannedPdf } from '../support/counterBacklog';
import { startShapingProxy, type ShapingProxy } from '../support/shapingProxy';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import { sha256Hex, startCentre, storedBlobBytes, storedDossiers } from './syncHarness';

/**
 * A counter's dossier (20 pages in 8 PDFs, ≈ 4.5 MB) and 100 records go to the centre over a
 * shaped link (test/support/shapingProxy.ts) that cuts the connection carrying every 2,000,000th
 * byte: everything arrives, every scan intact (read back from the centre's store and hashed),
 * in one sync run, and each cut costs one resume (a HEAD and a PATCH from the centre's offset)
 * and at most one chunk re-sent. Counts only, never times: the bench measures those
 * (scripts/bench/link.bench.ts). Real server on port 0 (PGlite), the kiosk's own engine composed
 * as the app composes it (three scans at once).
 */
const CUT_EVERY = 2_000_000;
const START = Date.UTC(2026, 10, 24, 2, 0);

describe('a counter syncs over a branch link that cuts connections', () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let blobDir: string;
  const serverClock = fixedClock(START);
  beforeAll(async () => {
    blobDir = mkdtempSync(join(tmpdir(), 'hpasc-link-blobs-'));
    centre = await startCentre(serverClock, undefined, { blobDir });
  });
  afterAll(async () => {
    await centre?.close();
    if (blobDir) rmSync(blobDir, { recursive: true, force: true });
  });

  /** One counter, one backlog, one engine run through a fresh proxy; what crossed the link. */
  async function syncThroughLink(day: number, cutEvery: number | null) {
    const clock = fixedClock(START + day * 86_400_000);
    const branch = seededBranch();
    const deviceId = randomUUID();
    const { code } = await createEnrolCode(centre.db, 'CN01', 'counter', serverClock.now());
    const { token } = await createHttpTransport({ baseUrl: centre.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'counter' });
    const kiosk = await openCounterKiosk(`link-${deviceId}`, clock);
    try {
      await kiosk.engine(createHttpTransport({ baseUrl: centre.baseUrl, token: () => token }), branch.branchCode).runOnce();
      const backlog = await queueCounterBacklog(kiosk.db, { deviceId, slot: 1, branch, clock, random: nodeRandom });

      const proxy = await startShapingProxy(new URL(centre.baseUrl), { upBitsPerSecond: 100e6, downBitsPerSecond: 100e6, rttMs: 10 });
      const requests: Record<string, number> = {};
      const counting = (input: RequestInfo | URL, init?: RequestInit) => {
        const path = new URL(String(input)).pathname;
        const kind = `${init?.method ?? 'GET'} ${path.startsWith('/v1/blobs/tus/') ? '/v1/blobs/tus/:id' : path}`;
        requests[kind] = (requests[kind] ?? 0) + 1;
        return fetch(input, init);
      };
      try {
        proxy.cutEvery = cutEvery;
        const engine = kiosk.engine(createHttpTransport({ baseUrl: proxy.url, token: () => token, fetch: counting as typeof fetch }), branch.branchCode);
        const report = await engine.runOnce();
        return {
          backlog,
          report,
          requests,
          offered: proxy.bytesOffered,
          cuts: proxy.cuts,
          left: { outbox: await kiosk.db.outbox.count(), scans: await countPendingBlobs(kiosk.db) },
          deviceId,
        };
      } finally {
        await proxy.close();
      }
    } finally {
      kiosk.close();
    }
  }

  it('gets every record and every scan intact to the centre in one run; each cut costs one resume and at most one chunk', async () => {
    const clean = await syncThroughLink(1, null);
    expect(clean.cuts).toBe(0);
    expect(clean.left).toEqual({ outbox: 0, scans: 0 });
    // One question for all the scans, then a creation and a PATCH per scan: no per-scan HEAD.
    expect(clean.requests).toMatchObject({ 'POST /v1/blobs/known': 1, 'POST /v1/blobs/tus': 8, 'PATCH /v1/blobs/tus/:id': 8 });
    expect(clean.requests['HEAD /v1/blobs/tus/:id']).toBeUndefined();

    const cut = await syncThroughLink(2, CUT_EVERY);
    const { backlog, report } = cut;
    // ≈ 4.55 MB to the centre: two cuts at least, survived inside the run.
    expect(cut.cuts).toBeGreaterThanOrEqual(2);
    expect(report).toMatchObject({ pushed: 101, applied: 101, rejected: 0, blobsUploaded: 8, blobsDeferred: [], blobsFailed: [] });
    expect(cut.left).toEqual({ outbox: 0, scans: 0 });

    // Every scan as the centre stored it (decrypted) hashes to what the counter scanned.
    for (const scan of backlog.scans) {
      const stored = await storedBlobBytes(centre.db, blobDir, scan.sha256);
      expect(stored && sha256Hex(stored)).toBe(scan.sha256);
    }
    const dossiers = [...(await storedDossiers(centre.db)).values()].filter((d) => d.content.deviceId === cut.deviceId);
    expect(dossiers.map((d) => [d.content.code, d.blobsMissing, d.blobsVerified])).toEqual([[backlog.dossierCode, 0, true]]);

    // Each cut costs one request again: a HEAD for the centre's offset then a PATCH of the rest
    // (or, for the rare cut inside a small request — a creation, the push, a pull, the known-scans
    // question — that request once more); no probe.
    const resumes = cut.requests['HEAD /v1/blobs/tus/:id'] ?? 0;
    const again = (kind: string) => (cut.requests[kind] ?? 0) - (clean.requests[kind] ?? 0);
    expect(resumes + again('POST /v1/blobs/tus') + again('POST /v1/sync/push') + again('POST /v1/sync/pull') + again('POST /v1/blobs/known')).toBe(cut.cuts);
    expect(cut.requests['PATCH /v1/blobs/tus/:id']).toBe(8 + resumes);
    expect(cut.requests['GET /health']).toBeUndefined();
    // What the counter put on the link beyond a run without cuts, per cut: at most one chunk (the
    // mean request body of these scans; each is ⌈size ÷ chunk size⌉ bodies).
    const bodies = backlog.scans.reduce((n, s) => n + Math.ceil(s.bytes.length / DEFAULT_BLOB_CHUNK_BYTES), 0);
    const chunk = backlog.scanBytes / bodies;
    const resentPerCut = (cut.offered - clean.offered) / cut.cuts;
    expect(resentPerCut).toBeLessThanOrEqual(chunk);
  }, 120_000);

  it('a push and a pull cut once on their way are sent again at once: the run succeeds and the centre applies every record once', async () => {
    const clock = fixedClock(START + 9 * 86_400_000);
    const branch = seededBranch();
    const deviceId = randomUUID();
    const { code } = await createEnrolCode(centre.db, 'CN01', 'counter', serverClock.now());
    const { token } = await createHttpTransport({ baseUrl: centre.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'counter' });
    const kiosk = await openCounterKiosk(`link-${deviceId}`, clock);
    const proxy = await startShapingProxy(new URL(centre.baseUrl));
    try {
      await queueCounterBacklog(kiosk.db, { deviceId, slot: 1, branch, clock, random: nodeRandom, records: 30 });
      const sent: string[] = [];
      /** The first push and the first pull lose their connection 200 bytes in (inside the request). */
      const toCut = new Set(['/v1/sync/push', '/v1/sync/pull']);
      const cutting = (input: RequestInfo | URL, init?: RequestInit) => {
        const path = new URL(String(input)).pathname;
        sent.push(path);
        proxy.cutAfter = toCut.delete(path) ? proxy.bytesIn + 200 : null;
        return fetch(input, init);
      };
      const engine = kiosk.engine(createHttpTransport({ baseUrl: proxy.url, token: () => token, fetch: cutting as typeof fetch }), branch.branchCode);
      const report = await engine.runOnce({ blobs: false });
      expect(proxy.cuts).toBe(2);
      expect(report).toMatchObject({ pushed: 31, applied: 31, duplicates: 0, rejected: 0 });
      expect(sent.filter((p) => p === '/v1/sync/push')).toHaveLength(2);
      expect(sent.filter((p) => p === '/v1/sync/pull').length).toBeGreaterThanOrEqual(2);
      expect(sent).not.toContain('/health');
      expect(await kiosk.db.outbox.count()).toBe(0);
    } finally {
      await proxy.close();
      kiosk.close();
    }
  });

  /**
   * A counter's tus client uploading through its own plain proxy: every request it sends is
   * recorded as "METHOD [Upload-Offset]"; `beforeRequest` may arm a cut for the request.
   */
  async function tusThroughProxy(beforeRequest: (method: string, proxy: ShapingProxy) => void = () => undefined) {
    const deviceId = randomUUID();
    const { code } = await createEnrolCode(centre.db, 'CN01', 'counter', serverClock.now());
    const { token } = await createHttpTransport({ baseUrl: centre.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'counter' });
    const proxy = await startShapingProxy(new URL(centre.baseUrl));
    const sent: string[] = [];
    const recording: FetchLike = (input, init) => {
      const offset = (init.headers as Record<string, string> | undefined)?.['Upload-Offset'];
      sent.push(`${init.method ?? 'GET'}${offset === undefined ? '' : ` ${offset}`}`);
      beforeRequest(init.method ?? 'GET', proxy);
      return fetch(input, init);
    };
    const upload = (bytes: Uint8Array<ArrayBuffer>) =>
      uploadBlobWithTus({
        baseUrl: proxy.url,
        token,
        blob: { sha256: sha256Hex(bytes), size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
        hooks: { onUploadUrl: () => undefined },
        fetchLike: recording,
        resumeAfterCut: true,
      });
    return { proxy, sent, upload };
  }

  it('the tus client resumes a cut upload within the call while it moves on, and stops when the link is down', async () => {
    const { proxy, sent, upload } = await tusThroughProxy();
    try {
      const bytes = scannedPdf(4);
      proxy.cutEvery = 300_000;
      await upload(bytes);
      expect(proxy.cuts).toBeGreaterThanOrEqual(2);
      expect(sha256Hex((await storedBlobBytes(centre.db, blobDir, sha256Hex(bytes)))!)).toBe(sha256Hex(bytes));
      // Created once, then each cut answered by a HEAD and a PATCH from a further offset.
      expect(sent.filter((s) => s === 'POST')).toHaveLength(1);
      expect(sent.filter((s) => s === 'HEAD')).toHaveLength(proxy.cuts);
      const offsets = sent.filter((s) => s.startsWith('PATCH')).map((s) => Number(s.split(' ')[1]));
      expect(offsets).toHaveLength(proxy.cuts + 1);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);

      // The link goes down for good mid-upload: two resumes that get nowhere, then the call fails.
      sent.length = 0;
      proxy.cutEvery = null;
      proxy.cutAfter = proxy.bytesIn + 200_000;
      const error = await upload(scannedPdf(2)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).retryable).toBe(true);
      expect(sent).toEqual(['POST', 'PATCH 0', 'HEAD', 'HEAD', 'GET']);
    } finally {
      await proxy.close();
    }
  });

  it('a cut that loses everything its PATCH sent is resumed, twice in a row; a third ends the call', async () => {
    /** PATCHes still to cut after their first 40 bytes (inside the request line: the server gets nothing). */
    let toCut = 0;
    const { proxy, sent, upload } = await tusThroughProxy((method, link) => {
      if (method === 'PATCH' && toCut > 0) {
        toCut--;
        link.cutAfter = link.bytesIn + 40;
      } else {
        link.cutAfter = null;
      }
    });
    try {
      const bytes = scannedPdf(2);
      toCut = 2;
      await upload(bytes);
      expect(sent).toEqual(['POST', 'PATCH 0', 'HEAD', 'PATCH 0', 'HEAD', 'PATCH 0']);
      expect(proxy.cuts).toBe(2);
      expect(sha256Hex((await storedBlobBytes(centre.db, blobDir, sha256Hex(bytes)))!)).toBe(sha256Hex(bytes));

      sent.length = 0;
      toCut = 3;
      const error = await upload(scannedPdf(3)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).retryable).toBe(true);
      expect(sent).toEqual(['POST', 'PATCH 0', 'HEAD', 'PATCH 0', 'HEAD', 'PATCH 0', 'GET']);
    } finally {
      await proxy.close();
    }
  });
});
