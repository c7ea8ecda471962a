/**
 * Blob upload throughput and resume cost over loopback. Run: `npx tsx scripts/bench/blobs.bench.ts`.
 * - tus: 100 scans of 2 MB (200 MB), DEFAULT_PARALLEL_SCANS (3) at a time as the kiosk's sync engine
 *   sends them, and again one at a time, through uploadBlobWithTus to the real server (in a
 *   process of its own: in-memory PGlite, temporary blob folder, sealing at rest): creation,
 *   2 MiB PATCHes (one per scan), server-side SHA-256 check, sealing, promotion and the `blobs` row
 *   all included.
 * - baseline: the same number of new files of the same size, one plain HTTP PUT per file, to a
 *   minimal node:http server in its own process that pipes the body to a file, as many at a time.
 *   The ratio says what tus, auth, verification and sealing cost on top. The two run in turns by
 *   blocks of files, so a busy machine slows both alike.
 * - resume: one 2 MB upload cut at 50% by a TCP proxy, then resumed from its URL; bytes that
 *   crossed the wire beyond the file size (request headers included) ÷ chunk size.
 * Targets (issue 3): ≥ 50 MB/s; resume overhead ≤ 1 chunk.
 */
import { startShapingProxy } from '../../test/support/shapingProxy';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EnrolResponse } from '../../src/shared/sync';
import { DEFAULT_PARALLEL_SCANS } from '../../src/sync/SyncEngine';
import type { BlobToUpload } from '../../src/sync/Transport';
import { DEFAULT_BLOB_CHUNK_BYTES, uploadBlobWithTus } from '../../src/sync/tusUpload';
import { startChildServer } from './child';
import { recordFigure } from './figures';
import { readProc } from './proc';
import { round, verdict } from './stats';

export const BLOB_TARGETS = { minMBps: 50, maxResumeChunks: 1 } as const;

export interface BlobBenchResult {
  readonly files: number;
  readonly fileBytes: number;
  readonly chunkBytes: number;
  /** Scans in flight at once, as the kiosk's sync engine sends them (DEFAULT_PARALLEL_SCANS). */
  readonly lanes: number;
  readonly tus: { readonly seconds: number; readonly MBps: number };
  readonly baseline: { readonly seconds: number; readonly MBps: number };
  /**
   * CPU (user + sys, from /proc) each server spent per scan over both timed series (one at a
   * time and `lanes` at a time): steadier than a rate on a shared machine, and what a change to
   * the server's per-scan work moves. null where /proc cannot be read.
   */
  readonly cpuMsPerScan: { readonly tus: number; readonly baseline: number } | null;
  /** tus ÷ baseline throughput. */
  readonly ratio: number;
  /** The same, one scan at a time. */
  readonly oneAtATime: {
    readonly tus: { readonly seconds: number; readonly MBps: number };
    readonly baseline: { readonly seconds: number; readonly MBps: number };
  };
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
  // Each server in a process of its own, as in real life (the kiosk and the server are different
  // machines): the kiosk's side of the upload does not share a thread with the server's.
  const server = await startChildServer('centre');
  const plain = await startChildServer('plain');
  try {
    const base = server.baseUrl;
    const { code } = await server.ask<{ code: string }>('enrol');
    const enrolled = await fetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: randomUUID(), role: 'counter' }),
    });
    const { token } = EnrolResponse.parse(await enrolled.json());
    const upload = (scan: Scan, baseUrl = base, uploadUrl: string | null = null, onUploadUrl: (u: string) => void = () => undefined) =>
      uploadBlobWithTus({ baseUrl, token, blob: toUpload(scan, uploadUrl), hooks: { onUploadUrl }, chunkSize: chunkBytes });
    const put = async (scan: Scan) => {
      const res = await fetch(`${plain.baseUrl}/${scan.sha256}`, { method: 'PUT', body: scan.bytes });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`baseline PUT answered ${res.status}`);
    };

    // Warm both paths (JIT, connection pools, folders) on files outside the measured set.
    for (let i = 0; i < 3; i++) {
      const warm = makeScan(fileBytes);
      await upload(warm);
      await put(warm);
    }

    // Blocks of files, each sent by both paths in turn (this box is shared: both see the same
    // load), `lanes` at a time. Every scan is new to the server (content-addressed: a scan it
    // holds would not be stored again).
    const timed = async (lanes: number): Promise<{ tusSeconds: number; baselineSeconds: number }> => {
      let baselineMs = 0;
      let tusMs = 0;
      const block = 10 * lanes;
      for (let sent = 0; sent < files; sent += block) {
        const scans = Array.from({ length: Math.min(block, files - sent) }, () => makeScan(fileBytes));
        const run = async (send: (scan: Scan) => Promise<unknown>): Promise<number> => {
          let next = 0;
          const t = performance.now();
          await Promise.all(
            Array.from({ length: lanes }, async () => {
              while (next < scans.length) await send(scans[next++]!);
            }),
          );
          return performance.now() - t;
        };
        baselineMs += await run(put);
        tusMs += await run((scan) => upload(scan));
      }
      return { tusSeconds: tusMs / 1000, baselineSeconds: baselineMs / 1000 };
    };
    const cpu = (pid: number): number | null => {
      try {
        return readProc(pid).cpuSeconds;
      } catch {
        return null;
      }
    };
    const cpuBefore = { tus: cpu(server.pid), baseline: cpu(plain.pid) };
    const one = await timed(1);
    const parallel = await timed(DEFAULT_PARALLEL_SCANS);
    const cpuAfter = { tus: cpu(server.pid), baseline: cpu(plain.pid) };
    const perScan = (before: number | null, after: number | null) =>
      before === null || after === null ? null : round(((after - before) * 1000) / (2 * files), 2);
    const tusCpu = perScan(cpuBefore.tus, cpuAfter.tus);
    const baselineCpu = perScan(cpuBefore.baseline, cpuAfter.baseline);

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
    const rate = (seconds: number) => round(total / MB / seconds, 1);
    const chunks = extraBytes / chunkBytes;
    return {
      files,
      fileBytes,
      chunkBytes,
      lanes: DEFAULT_PARALLEL_SCANS,
      tus: { seconds: round(parallel.tusSeconds), MBps: rate(parallel.tusSeconds) },
      baseline: { seconds: round(parallel.baselineSeconds), MBps: rate(parallel.baselineSeconds) },
      cpuMsPerScan: tusCpu === null || baselineCpu === null ? null : { tus: tusCpu, baseline: baselineCpu },
      ratio: round(parallel.baselineSeconds / parallel.tusSeconds),
      oneAtATime: {
        tus: { seconds: round(one.tusSeconds), MBps: rate(one.tusSeconds) },
        baseline: { seconds: round(one.baselineSeconds), MBps: rate(one.baselineSeconds) },
      },
      resume: { resumedAt, extraBytes, chunks: round(chunks, 3) },
      pass: { throughput: rate(parallel.tusSeconds) >= BLOB_TARGETS.minMBps, resume: chunks <= BLOB_TARGETS.maxResumeChunks },
    };
  } finally {
    await server.close();
    await plain.close();
  }
}

export function printBlobBench(r: BlobBenchResult): void {
  const total = `${r.files} × ${r.fileBytes / MB} MB`;
  console.log(
    `tus       ${total}, ${r.lanes} at a time (as the sync engine sends them) in ${r.tus.seconds} s: ${r.tus.MBps} MB/s (create + ${r.chunkBytes / 1024} KiB PATCHes + SHA-256 check + sealing + row)`,
  );
  console.log(`baseline  ${total}, ${r.lanes} at a time in ${r.baseline.seconds} s: ${r.baseline.MBps} MB/s (one plain PUT per file to node:http → disk)`);
  console.log(`ratio     tus/baseline throughput ${r.ratio}×`);
  if (r.cpuMsPerScan) {
    console.log(
      `cpu       server CPU per scan (both series): tus ${r.cpuMsPerScan.tus} ms, baseline ${r.cpuMsPerScan.baseline} ms (${round(r.cpuMsPerScan.tus / r.cpuMsPerScan.baseline)}×)`,
    );
  }
  console.log(
    `one       at a time: tus ${r.oneAtATime.tus.seconds} s, ${r.oneAtATime.tus.MBps} MB/s; baseline ${r.oneAtATime.baseline.seconds} s, ${r.oneAtATime.baseline.MBps} MB/s`,
  );
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
    measured:
      `${r.tus.MBps} MB/s, ${r.lanes} at a time (plain PUT ${r.baseline.MBps}); one at a time ${r.oneAtATime.tus.MBps} (PUT ${r.oneAtATime.baseline.MBps})` +
      (r.cpuMsPerScan ? `; server CPU ${r.cpuMsPerScan.tus} ms a scan (PUT ${r.cpuMsPerScan.baseline})` : ''),
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
