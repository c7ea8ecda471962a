/**
 * Sync over a branch's WAN link instead of loopback (issue 10): loopback hides the round trips
 * that dominate a real link. Run alone: `BENCH_ONLY=link npx tsx scripts/bench/index.ts` or
 * `npx tsx scripts/bench/link.bench.ts` (LINK_RUNS=n runs per scenario, default 3).
 * - The centre: the real server in a process of its own (another machine in a branch), on
 *   in-memory PGlite with its blob routes on a temporary folder, scans sealed as in production.
 * - The link: test/support/shapingProxy.ts in front of it, in a third process (the kiosk's own
 *   work must not hold the link's timers back), 20 Mbit/s each way, 40 ms RTT (a handshake costs
 *   one RTT per new connection).
 * - The counter: the kiosk's own SyncEngine and HTTP/tus transport on fake-indexeddb, holding
 *   100 records (tickets and ratings) and one dossier of 20 scanned pages in 8 PDFs (≈ 4.5 MB,
 *   incompressible), written through its repositories (test/support/counterBacklog.ts) and sealed
 *   at rest. Timed from the first SyncEngine.runOnce() until the outbox is empty and every scan is
 *   verified; a run that ends with work left (a cut) is followed at once by another.
 * - Line rate: payload bytes (the scans and the push bodies) ÷ bandwidth: what a perfect
 *   protocol would need. Target: ≤ 1.25× it.
 * - Cuts: the same with the connection carrying every 2,000,000th byte to the centre destroyed.
 *   It must complete (every scan's SHA-256 as read back from the centre's store, every record, the
 *   dossier complete), and re-send at most one chunk per cut: bytes the kiosk put on the link
 *   beyond the median clean run, per cut, against the mean request body of the scans.
 * Clean and cut runs alternate, each with a fresh kiosk, fresh scans and a fresh proxy.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fixedClock } from '../../src/shared/clock';
import { pendingBlobs } from '../../src/storage/blobRepository';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { DEFAULT_PARALLEL_SCANS } from '../../src/sync/SyncEngine';
import type { Transport } from '../../src/sync/Transport';
import { DEFAULT_BLOB_CHUNK_BYTES } from '../../src/sync/tusUpload';
import { openCounterKiosk, queueCounterBacklog } from '../../test/support/counterBacklog';
import { startChildServer, type ChildServer } from './child';
import { recordFigure } from './figures';
import { benchBranch, nodeRandom, percentile, round, verdict } from './syncFixtures';

export const LINK = { bitsPerSecond: 20e6, rttMs: 40, cutEveryBytes: 2_000_000 } as const;
export const LINK_TARGETS = { maxLineRateRatio: 1.25, maxResentChunksPerCut: 1 } as const;

export interface LinkRun {
  readonly seconds: number;
  /** Scan bytes plus the bodies of the pushes that were answered. */
  readonly payloadBytes: number;
  readonly lineRateSeconds: number;
  /** Bytes delivered to the centre and to the kiosk, and bytes the kiosk put on the link (lost in cuts included). */
  readonly wire: { readonly up: number; readonly down: number; readonly offered: number };
  readonly connections: number;
  readonly cuts: number;
  /** SyncEngine.runOnce() calls until done. */
  readonly engineRuns: number;
  /** Requests by kind (push, pull, hash check, tus create/offset/patch, health probe). */
  readonly requests: Readonly<Record<string, number>>;
  /** Every scan read back from the centre with its SHA-256, every record, the dossier with no scan missing. */
  readonly complete: boolean;
  readonly unfinishedUploads: number;
}

export interface LinkBenchResult {
  /** One scan at a time, a HEAD per scan, no resume inside an upload: the kiosk before the link levers. */
  readonly before: { readonly clean: LinkRun; readonly cut: LinkRun };
  readonly scans: number;
  readonly scanBytes: number;
  readonly records: number;
  /** Mean request body of the scans (each scan is ⌈size ÷ chunk size⌉ bodies). */
  readonly chunkBytes: number;
  readonly clean: readonly LinkRun[];
  readonly cut: readonly LinkRun[];
  readonly cleanRatio: number;
  readonly resentPerCut: { readonly bytes: number; readonly chunks: number };
  readonly pass: { readonly lineRate: boolean; readonly completes: boolean; readonly resent: boolean };
}

const START = Date.UTC(2026, 10, 24, 1, 30);

/** The shaping proxy's counters (test/support/shapingProxy.ts), from its process. */
interface LinkStats {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly bytesOffered: number;
  readonly connections: number;
  readonly cuts: number;
}

function requestKind(method: string, url: string): string {
  const path = new URL(url).pathname;
  if (path === '/v1/sync/push') return 'push';
  if (path === '/v1/sync/pull') return 'pull';
  if (path.startsWith('/v1/blobs/sha256')) return 'hash';
  if (path === '/v1/blobs/known') return 'known';
  if (path.startsWith('/v1/blobs/tus')) return method === 'POST' ? 'create' : method === 'HEAD' ? 'offset' : method.toLowerCase();
  if (path === '/health') return 'probe';
  return path;
}

/**
 * The kiosk as the app composes it, or `oneAtATime`: as it was before the link levers — one scan
 * after the push and the pull, a HEAD per scan, a cut ending the upload (the next run resumes it).
 */
type Kiosk = 'app' | 'oneAtATime';

async function oneRun(
  centre: ChildServer,
  cutEvery: number | null,
  day: number,
  kind: Kiosk = 'app',
): Promise<LinkRun & { scanBytes: number; scans: number; chunks: number; records: number }> {
  // A day of its own per run: each run is a new counter in slot 1, whose numbers restart daily.
  const clock = fixedClock(START + day * 86_400_000);
  const { code } = await centre.ask<{ code: string }>('enrol');
  const deviceId = randomUUID();
  const { token } = await createHttpTransport({ baseUrl: centre.baseUrl, token: () => null }).enrol({ code, deviceId, role: 'counter' });
  const kiosk = await openCounterKiosk(`link-${deviceId}`, clock);
  const { db } = kiosk;
  const branch = benchBranch();
  // Enrolled and up to date before the outage: the branch configuration is pulled over loopback.
  await kiosk.engine(createHttpTransport({ baseUrl: centre.baseUrl, token: () => token }), branch.branchCode).runOnce();

  const backlog = await queueCounterBacklog(db, { deviceId, slot: 1, branch, clock, random: nodeRandom });

  const proxy = await startChildServer('link', [centre.baseUrl, String(LINK.bitsPerSecond), String(LINK.rttMs)]);
  const requests: Record<string, number> = {};
  let traceStart = performance.now();
  const counting = (input: RequestInfo | URL, init?: RequestInit) => {
    const kind = requestKind(init?.method ?? 'GET', String(input));
    requests[kind] = (requests[kind] ?? 0) + 1;
    if (!process.env.LINK_DEBUG) return fetch(input, init);
    const t = performance.now();
    return fetch(input, init).then(
      (res) => {
        console.error(`${Math.round(t - traceStart)} +${Math.round(performance.now() - t)} ${kind} ${res.status}`);
        return res;
      },
      (error: unknown) => {
        const cause = (error as { cause?: unknown }).cause;
        console.error(`${Math.round(t - traceStart)} +${Math.round(performance.now() - t)} ${kind} FAILED ${String(error)} ${String(cause)}`);
        throw error;
      },
    );
  };
  const oneAtATime = kind === 'oneAtATime';
  const http = createHttpTransport({ baseUrl: proxy.baseUrl, token: () => token, fetch: counting as typeof fetch, resumeAfterCut: !oneAtATime });
  let pushBytes = 0;
  const transport: Transport = {
    ...http,
    blobsKnown: oneAtATime ? undefined : http.blobsKnown,
    async push(request) {
      const answer = await http.push(request);
      pushBytes += Buffer.byteLength(JSON.stringify(request));
      if (process.env.LINK_DEBUG) for (const r of answer.results) if (r.status === 'rejected') console.error(JSON.stringify(r).slice(0, 300));
      return answer;
    },
  };
  // As the app composes it (src/app/syncService.ts); LINK_PARALLEL_SCANS=n to compare.
  const parallelScans = oneAtATime ? 1 : Number(process.env.LINK_PARALLEL_SCANS ?? DEFAULT_PARALLEL_SCANS);
  const engine = kiosk.engine(transport, branch.branchCode, { parallelScans });
  await proxy.ask(`cut ${cutEvery ?? 'none'}`);
  let engineRuns = 0;
  let seconds: number;
  let link: LinkStats;
  try {
    const start = performance.now();
    traceStart = start;
    const loopDelay = process.env.LINK_DEBUG ? monitorEventLoopDelay({ resolution: 5 }) : null;
    loopDelay?.enable();
    if (process.env.LINK_DEBUG) console.error(`--- run, cut every ${cutEvery ?? 'never'}`);
    for (;;) {
      engineRuns++;
      const report = await engine.runOnce().catch((e: unknown) => {
        if (process.env.LINK_DEBUG) console.error(`run failed: ${String(e)}`);
        return null;
      });
      if (process.env.LINK_DEBUG && report) {
        for (const f of report.blobsFailed) console.error(`scan refused: ${f.error.code} ${f.detail}`);
        for (const d of report.blobsDeferred) console.error(`scan deferred: ${d.error.message}`);
      }
      if ((await db.outbox.count()) === 0 && (await pendingBlobs(db)).length === 0) break;
      if (engineRuns >= 50) throw new Error('the counter did not finish in 50 runs');
    }
    seconds = (performance.now() - start) / 1000;
    if (loopDelay) {
      loopDelay.disable();
      console.error(
        `event loop delay: mean ${(loopDelay.mean / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
      );
    }
    link = await proxy.ask<LinkStats>('stats');
  } finally {
    await proxy.close();
  }
  const wire = { up: link.bytesIn, down: link.bytesOut, offered: link.bytesOffered };
  const { connections, cuts } = link;
  kiosk.close();

  const held = await centre.ask<{
    tickets: number;
    ratings: number;
    dossiers: { code: string; blobsMissing: number }[];
    unfinishedUploads: number;
    stored: Record<string, string | null>;
  }>(`received ${deviceId} ${backlog.scans.map((s) => s.sha256).join(',')}`);
  const complete =
    backlog.scans.every((s) => held.stored[s.sha256] === s.sha256) &&
    held.tickets + held.ratings === backlog.mutations - 1 &&
    held.dossiers.length === 1 &&
    held.dossiers[0]?.code === backlog.dossierCode &&
    held.dossiers[0]?.blobsMissing === 0;
  if (!complete && process.env.LINK_DEBUG)
    console.error(JSON.stringify({ held, backlog: { code: backlog.dossierCode, shas: backlog.scans.map((s) => s.sha256) } }));
  const payloadBytes = backlog.scanBytes + pushBytes;
  const lineRateSeconds = (payloadBytes * 8) / LINK.bitsPerSecond;
  return {
    seconds,
    payloadBytes,
    lineRateSeconds,
    wire,
    connections,
    cuts,
    engineRuns,
    requests,
    complete,
    unfinishedUploads: held.unfinishedUploads,
    scanBytes: backlog.scanBytes,
    scans: backlog.scans.length,
    chunks: backlog.scans.reduce((n, s) => n + Math.ceil(s.bytes.length / DEFAULT_BLOB_CHUNK_BYTES), 0),
    records: backlog.mutations,
  };
}

export async function runLinkBench(options: { runs?: number } = {}): Promise<LinkBenchResult> {
  const runs = options.runs ?? Number(process.env.LINK_RUNS ?? 3);
  const centre = await startChildServer('centre');
  try {
    // Warm-up (JIT, the server's first sealing, connection code paths), not counted.
    await oneRun(centre, null, 0);
    const clean: Awaited<ReturnType<typeof oneRun>>[] = [];
    const cut: Awaited<ReturnType<typeof oneRun>>[] = [];
    for (let i = 0; i < runs; i++) {
      clean.push(await oneRun(centre, null, 1 + 2 * i));
      cut.push(await oneRun(centre, LINK.cutEveryBytes, 2 + 2 * i));
    }
    // The baseline, once each: the same kiosk before the link levers.
    const before = { clean: await oneRun(centre, null, 2 * runs + 1, 'oneAtATime'), cut: await oneRun(centre, LINK.cutEveryBytes, 2 * runs + 2, 'oneAtATime') };
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const first = clean[0]!;
    const cleanRatio = median(clean.map((r) => r.seconds / r.lineRateSeconds));
    const cleanOffered = median(clean.map((r) => r.wire.offered));
    const chunkBytes = first.scanBytes / first.chunks;
    // Worst run: bytes put on the link beyond a clean run's, per cut.
    const resentBytes = Math.max(...cut.map((r) => (r.wire.offered - cleanOffered) / Math.max(1, r.cuts)));
    return {
      before,
      scans: first.scans,
      scanBytes: first.scanBytes,
      records: first.records,
      chunkBytes,
      clean,
      cut,
      cleanRatio: round(cleanRatio),
      resentPerCut: { bytes: Math.round(resentBytes), chunks: round(resentBytes / chunkBytes, 3) },
      pass: {
        lineRate: cleanRatio <= LINK_TARGETS.maxLineRateRatio,
        completes: [...clean, ...cut].every((r) => r.complete),
        resent: resentBytes / chunkBytes <= LINK_TARGETS.maxResentChunksPerCut,
      },
    };
  } finally {
    await centre.close();
  }
}

const MB = 1_000_000;
const mb = (bytes: number) => `${round(bytes / MB, 2)} MB`;
const kb = (bytes: number) => `${Math.round(bytes / 1000)} kB`;

export function printLinkBench(r: LinkBenchResult): void {
  const describe = (run: LinkRun) =>
    `${round(run.seconds)} s = ${round(run.seconds / run.lineRateSeconds)}× line rate (${round(run.lineRateSeconds)} s for ${mb(run.payloadBytes)}); ` +
    `wire up ${mb(run.wire.up)} (put on the link ${mb(run.wire.offered)}), down ${kb(run.wire.down)}; ${run.connections} connections, ` +
    `${run.engineRuns} engine run${run.engineRuns > 1 ? 's' : ''}; requests ${Object.entries(run.requests)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}` +
    (run.cuts > 0 ? `; ${run.cuts} cuts` : '') +
    (run.complete ? '' : ' — INCOMPLETE') +
    (run.unfinishedUploads > 0 ? `; ${run.unfinishedUploads} unfinished uploads left at the centre` : '');
  console.log(
    `link      ${LINK.bitsPerSecond / 1e6} Mbit/s each way, RTT ${LINK.rttMs} ms (shapingProxy); ${r.scans} scans (${mb(r.scanBytes)}, mean request body ${kb(r.chunkBytes)}) + ${r.records} records`,
  );
  for (const run of r.clean) console.log(`clean     ${describe(run)}`);
  for (const run of r.cut) console.log(`cut/2MB   ${describe(run)}`);
  console.log(`before    one scan at a time after the push and the pull, a HEAD per scan, a cut ends the upload:`);
  console.log(`  clean   ${describe(r.before.clean)}`);
  console.log(`  cut/2MB ${describe(r.before.cut)}`);
  console.log(
    `ratio     clean median ${r.cleanRatio}× line rate; with a cut every ${mb(LINK.cutEveryBytes)}: ` +
      `re-sent ${kb(r.resentPerCut.bytes)} per cut (worst run, beyond the median clean run) = ${r.resentPerCut.chunks} chunk`,
  );
  console.log(
    `target    ≤ ${LINK_TARGETS.maxLineRateRatio}× line rate: ${verdict(r.pass.lineRate)} (${r.cleanRatio}×); ` +
      `with cuts completes: ${verdict(r.pass.completes)}; ≤ ${LINK_TARGETS.maxResentChunksPerCut} chunk re-sent per cut: ${verdict(r.pass.resent)} (${r.resentPerCut.chunks})`,
  );
  recordFigure({
    figure: `dossier + ${r.records} records over ${LINK.bitsPerSecond / 1e6} Mbit/s`,
    measured: `${r.cleanRatio}× line rate (median of ${r.clean.length}; before ${round(r.before.clean.seconds / r.before.clean.lineRateSeconds)}×)`,
    target: `≤ ${LINK_TARGETS.maxLineRateRatio}× line rate`,
    pass: r.pass.lineRate,
  });
  recordFigure({
    figure: `same, a cut every ${mb(LINK.cutEveryBytes)}`,
    measured: `${r.pass.completes ? 'completes' : 'INCOMPLETE'}, ${r.resentPerCut.chunks} chunk re-sent per cut`,
    target: `completes, ≤ ${LINK_TARGETS.maxResentChunksPerCut} chunk per cut`,
    pass: r.pass.completes && r.pass.resent,
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printLinkBench(await runLinkBench());
}
