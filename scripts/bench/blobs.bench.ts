/**
 * Blob upload throughput and resume cost over loopback. Run: `npx tsx scripts/bench/blobs.bench.ts`.
 * - tus: 100 scans of 2 MB (200 MB), one after another as the sync engine sends them, through
 *   uploadBlobWithTus to the real server (in-memory PGlite, temporary blob folder): creation,
 *   2 MiB PATCHes (one per scan), server-side SHA-256 check, promotion and the `blobs` row all included.
 * - baseline: the same bytes, one plain HTTP PUT per file, to a minimal node:http server that
 *   pipes the body to a file. The ratio says what tus, auth and verification cost on top. The two
 *   run interleaved file by file, so a busy machine slows both alike.
 * - resume: one 2 MB upload cut at 50% by a TCP proxy, then resumed from its URL; bytes that
 *   crossed the wire beyond the file size (request headers included) ÷ chunk size.
 * Targets (issue 3): ≥ 50 MB/s; resume overhead ≤ 1 chunk.
 */
import { startShapingProxy } from '../../test/support/shapingProxy';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { ephemeralDataProtection } from '../../src/server/dataProtection';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { EnrolResponse } from '../../src/shared/sync';
import type { BlobToUpload } from '../../src/sync/Transport';
import { DEFAULT_BLOB_CHUNK_BYTES, uploadBlobWithTus } from '../../src/sync/tusUpload';
import { recordFigure } from './figures';
import { round, verdict } from './stats';

export const BLOB_TARGETS = { minMBps: 50, maxResumeChunks: 1 } as const;

export interface BlobBenchResult {
  readonly files: number;
  readonly fileBytes: number;
  readonly chunkBytes: number;
  readonly tus: { readonly seconds: number; readonly MBps: number };
  readonly baseline: { readonly seconds: number; readonly MBps: number };
  /** tus ÷ baseline throughput. */
  readonly ratio: number;
  readonly resume: {
    /** Offset the server reported when the upload was resumed. */
    readonly resumedAt: number;
    /** Bytes that reached the server beyond the file size, over both attempts (headers included). */
    readonly extraBytes: number;
    readonly chunks: number;
  };
  readonly pass: { readonly throughput: boolean; readonly resume: boolean };
}

const MB = 1_000_000;

interface Scan {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly sha256: string;
}
const makeScan = (size: number): Scan => {
  const bytes = new Uint8Array(randomBytes(size));
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
};
const toUpload = (s: Scan, uploadUrl: string | null = null): BlobToUpload => ({
  sha256: s.sha256,
  size: s.bytes.length,
  mimeType: 'application/pdf',
  data: new Blob([s.bytes]),
  uploadUrl,
});

export async function runBlobBench(options: { files?: number; fileBytes?: number; chunkBytes?: number } = {}): Promise<BlobBenchResult> {
  const files = options.files ?? 100;
  const chunkBytes = options.chunkBytes ?? DEFAULT_BLOB_CHUNK_BYTES;
  const fileBytes = options.fileBytes ?? 2 * MB;
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-blob-bench-'));
  const db = await openPgliteDb(null);
  const app = buildServer({ db, blobDir: path.join(dir, 'blobs'), dataProtection: ephemeralDataProtection() });
  const plain = http.createServer((req, res) => {
    pipeline(req, createWriteStream(path.join(dir, 'plain', randomUUID()))).then(
      () => res.writeHead(204).end(),
      () => res.writeHead(500).end(),
    );
  });
  try {
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { code } = await createEnrolCode(db, 'CN01', 'counter', Date.now());
    const enrolled = await fetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: randomUUID(), role: 'counter' }),
    });
    const { token } = EnrolResponse.parse(await enrolled.json());
    await mkdir(path.join(dir, 'plain'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainUrl = `http://127.0.0.1:${(plain.address() as net.AddressInfo).port}`;

    const scans = Array.from({ length: files }, () => makeScan(fileBytes));
    const upload = (scan: Scan, baseUrl = base, uploadUrl: string | null = null, onUploadUrl: (u: string) => void = () => undefined) =>
      uploadBlobWithTus({ baseUrl, token, blob: toUpload(scan, uploadUrl), hooks: { onUploadUrl }, chunkSize: chunkBytes });
    const put = async (scan: Scan) => {
      const res = await fetch(`${plainUrl}/${scan.sha256}`, { method: 'PUT', body: scan.bytes });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`baseline PUT answered ${res.status}`);
    };

    // Warm both paths (JIT, connection pools, folders) on files outside the measured set.
    for (let i = 0; i < 3; i++) {
      const warm = makeScan(fileBytes);
      await upload(warm);
      await put(warm);
    }

    // Interleaved file by file, so both paths see the same machine load (this box is shared).
    let baselineMs = 0;
    let tusMs = 0;
    for (const scan of scans) {
      let t = performance.now();
      await put(scan);
      baselineMs += performance.now() - t;
      t = performance.now();
      await upload(scan);
      tusMs += performance.now() - t;
    }
    const baselineSeconds = baselineMs / 1000;
    const tusSeconds = tusMs / 1000;

    // Resume: cut at half the file, then resume from the URL the first attempt reported.
    const proxy = await startShapingProxy(new URL(base));
    const cutScan = makeScan(fileBytes);
    let url: string | null = null;
    proxy.cutAfter = fileBytes / 2;
    await upload(cutScan, proxy.url, null, (u) => (url = u)).then(
      () => {
        throw new Error('the cut upload should have failed');
      },
      () => undefined,
    );
    if (url === null) throw new Error('the cut upload reported no URL');
    proxy.cutAfter = null;
    const head = await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
    const resumedAt = Number(head.headers.get('upload-offset'));
    await upload(cutScan, proxy.url, url);
    const extraBytes = proxy.bytesIn - fileBytes;
    await proxy.close();

    const total = files * fileBytes;
    const tusMBps = total / MB / tusSeconds;
    const baselineMBps = total / MB / baselineSeconds;
    const chunks = extraBytes / chunkBytes;
    return {
      files,
      fileBytes,
      chunkBytes,
      tus: { seconds: round(tusSeconds), MBps: round(tusMBps, 1) },
      baseline: { seconds: round(baselineSeconds), MBps: round(baselineMBps, 1) },
      ratio: round(tusMBps / baselineMBps),
      resume: { resumedAt, extraBytes, chunks: round(chunks, 3) },
      pass: { throughput: tusMBps >= BLOB_TARGETS.minMBps, resume: chunks <= BLOB_TARGETS.maxResumeChunks },
    };
  } finally {
    await app.close();
    plain.closeAllConnections();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function printBlobBench(r: BlobBenchResult): void {
  const total = `${r.files} × ${r.fileBytes / MB} MB`;
  console.log(`tus       ${total} in ${r.tus.seconds} s: ${r.tus.MBps} MB/s (create + ${r.chunkBytes / 1024} KiB PATCHes + SHA-256 check + row)`);
  console.log(`baseline  ${total} in ${r.baseline.seconds} s: ${r.baseline.MBps} MB/s (one plain PUT per file to node:http → disk)`);
  console.log(`ratio     tus/baseline throughput ${r.ratio}×`);
  console.log(
    `resume    cut at ${r.fileBytes / 2} B, server kept ${r.resume.resumedAt} B; ${r.resume.extraBytes} B beyond the file size crossed the wire ` +
      `(headers included) = ${r.resume.chunks} chunk`,
  );
  console.log(
    `target    ≥ ${BLOB_TARGETS.minMBps} MB/s: ${verdict(r.pass.throughput)} (${r.tus.MBps}); ` +
      `resume ≤ ${BLOB_TARGETS.maxResumeChunks} chunk: ${verdict(r.pass.resume)} (${r.resume.chunks})`,
  );
  recordFigure({
    figure: `${(r.files * r.fileBytes) / MB} MB of ${r.fileBytes / MB} MB scans over tus`,
    measured: `${r.tus.MBps} MB/s (plain PUT ${r.baseline.MBps})`,
    target: `≥ ${BLOB_TARGETS.minMBps} MB/s`,
    pass: r.pass.throughput,
  });
  recordFigure({
    figure: 'resume after a cut at 50 %',
    measured: `${r.resume.chunks} chunk re-sent`,
    target: `≤ ${BLOB_TARGETS.maxResumeChunks} chunk`,
    pass: r.pass.resume,
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printBlobBench(await runBlobBench());
}
