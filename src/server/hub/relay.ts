import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../shared/clock';
import type { HubRelayRequest } from '../../shared/hub';
import { MAX_PUSH_ARGS_CHARS, MAX_PUSH_MUTATIONS, PushGap, PushResponse, SYNC_PROTOCOL_VERSION, WireError } from '../../shared/sync';
import type { DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';
import type { BlobRelay } from './blobRelay';
import { journalsToRelay, recordRelayed, recordRelayError, relayBatch } from './relayStore';
import { UpstreamUnreachable, type Upstream } from './upstream';
import { oneAtATime } from '../../shared/oneAtATime';

/**
 * Sends what the hub holds to the centre, journal by journal, in seq order, each batch exactly as
 * the kiosk sent it (POST /v1/hub/relay). The centre applies it as the kiosk's own push, so a batch
 * sent twice (the answer was lost, the hub restarted) is answered as duplicates. A row leaves the
 * hub only with the centre's answer for its seq, in one transaction (recordRelayed).
 *
 * A journal the centre refuses for a reason a retry will not change (a gap below what the hub
 * holds, a revoked kiosk, a malformed batch) is set aside with the reason (the hub's status lists
 * it) and retried at the slow pace; the other journals go on. No answer at all stops the run: the
 * next one starts after a back-off (1 s doubling to `maxBackoffMs`), or at once when a push arrives
 * and the link answered meanwhile. The scans (blobRelay.ts) go in a lane of their own on the same
 * rules, so records never wait behind megabytes of scans.
 */
export interface RelayRun {
  readonly relayed: number;
  readonly journals: number;
  readonly stalled: number;
  readonly scans: number;
  readonly scansFailed: number;
}

export interface RelayWorker {
  /** Relays records as soon as the current records pass ends (a push just brought some). */
  soon(): void;
  /** A scan was just verified: a scans pass under way takes it up, else one starts at once. */
  scansSoon(): void;
  /** One pass of each: the records, then the scans (tests, a link that came back). */
  runOnce(): Promise<RelayRun>;
  start(): void;
  stop(): Promise<void>;
  lastRelayAt(): number | null;
}

export function createRelayWorker(options: {
  readonly db: Db;
  readonly protection: DataProtection;
  readonly clock: Clock;
  readonly upstream: Upstream;
  readonly log: FastifyBaseLogger;
  /** A pass this often even without pushes (stalled journals, a link that came back). */
  readonly everyMs?: number;
  readonly maxBackoffMs?: number;
  /** Envelopes per relayed batch (default the push limit). */
  readonly batchSize?: number;
  /** The scans, relayed in their own lane (absent: the hub stores no scans). */
  readonly blobs?: BlobRelay | null;
}): RelayWorker {
  const { db, protection, clock, upstream, log } = options;
  const everyMs = options.everyMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const batchSize = Math.min(MAX_PUSH_MUTATIONS, options.batchSize ?? MAX_PUSH_MUTATIONS);
  let lastRelayAt: number | null = null;

  const relayJournal = async (deviceId: string, journalId: string): Promise<{ relayed: number; stalled: boolean }> => {
    let relayed = 0;
    for (;;) {
      const batch = await relayBatch(db, protection, deviceId, journalId, batchSize, MAX_PUSH_ARGS_CHARS);
      if (batch.mutations.length === 0) return { relayed, stalled: false };
      const request: HubRelayRequest = { protocolVersion: SYNC_PROTOCOL_VERSION, deviceId, journalId, mutations: batch.mutations };
      const res = await upstream.request('POST', '/v1/hub/relay', request);
      if (res.status === 200) {
        const body = PushResponse.safeParse(res.body);
        if (!body.success) throw new Error('the centre answered a relayed push with something that is not a push answer');
        await recordRelayed(db, deviceId, journalId, body.data.lastSeq, body.data.results, clock.now());
        relayed += body.data.results.length;
        lastRelayAt = clock.now();
        continue;
      }
      if (res.status === 409) {
        const gap = PushGap.safeParse(res.body);
        if (gap.success) {
          // What the centre committed before the gap is its own; the rest it cannot take from here.
          await recordRelayed(db, deviceId, journalId, gap.data.expectedSeq - 1, gap.data.results, clock.now());
          const first = batch.mutations[0]!.deviceSeq;
          if (gap.data.expectedSeq <= first || gap.data.results.length === 0) {
            await recordRelayError(
              db,
              deviceId,
              journalId,
              {
                code: 'relay.gap',
                detail: `the centre expects seq ${gap.data.expectedSeq} of this journal; the hub holds it from ${first} (the centre's staff must close the gap: list-journals)`,
              },
              clock.now(),
            );
            return { relayed, stalled: true };
          }
          continue;
        }
      }
      if (res.status >= 500 || res.status === 429) throw new Error(`the centre answered ${res.status} to a relayed push`);
      const error = WireError.safeParse(res.body);
      const reason = error.success ? error.data : { code: 'relay.refused', detail: `the centre answered HTTP ${res.status}` };
      if (res.status === 401) {
        // The hub's own credential: nothing will go until a technician re-enrols the hub.
        throw new HubRefused(reason);
      }
      await recordRelayError(db, deviceId, journalId, reason, clock.now());
      log.warn({ deviceId, journalId, code: reason.code }, 'relaying a journal stopped');
      return { relayed, stalled: true };
    }
  };

  // One pass at a time per kind: the worker's and a caller's (tests, a technician's command) never
  // send the same batch side by side.
  const recordsPass = oneAtATime(async (): Promise<{ relayed: number; journals: number; stalled: number }> => {
    let relayed = 0;
    let journals = 0;
    let stalled = 0;
    for (const j of await journalsToRelay(db)) {
      const r = await relayJournal(j.deviceId, j.journalId);
      relayed += r.relayed;
      journals++;
      if (r.stalled) stalled++;
    }
    if (relayed > 0) log.info({ relayed, journals }, 'relayed to the centre');
    return { relayed, journals, stalled };
  });
  const scansPass = oneAtATime(async () => (options.blobs ? await options.blobs.runOnce() : { relayed: 0, failed: 0, known: 0, lost: 0 }));

  // Records and scans run in lanes of their own: records pushed while a pass uploads megabytes of
  // scans go up at once instead of waiting behind them (a dossier's record may reach the centre
  // before its scans; it is incomplete there until they follow, as when a kiosk sends it directly).
  const lanes = {
    records: createLane(recordsPass, { everyMs, maxBackoffMs, log, name: 'relay' }),
    scans: createLane(scansPass, { everyMs, maxBackoffMs, log, name: 'scan relay' }),
  };

  return {
    soon: () => lanes.records.soon(),
    scansSoon: () => {
      options.blobs?.arrived();
      lanes.scans.soon();
    },
    async runOnce() {
      const records = await recordsPass();
      const scans = await scansPass();
      return { ...records, scans: scans.relayed, scansFailed: scans.failed };
    },
    start() {
      lanes.records.start();
      if (options.blobs) lanes.scans.start();
    },
    async stop() {
      await Promise.all([lanes.records.stop(), lanes.scans.stop()]);
    },
    lastRelayAt: () => lastRelayAt,
  };
}

/**
 * A pass run on a timer: every `everyMs`, at once on `soon()` (after the pass under way, if one
 * is), and after a failure with a back-off (1 s doubling to `maxBackoffMs`) during which `soon()`
 * waits too: a link that is down is not hammered by every push.
 */
function createLane(
  pass: () => Promise<unknown>,
  options: { readonly everyMs: number; readonly maxBackoffMs: number; readonly log: FastifyBaseLogger; readonly name: string },
): { soon(): void; start(): void; stop(): Promise<void> } {
  const { everyMs, maxBackoffMs, log, name } = options;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<unknown> | null = null;
  let again = false;
  let stopped = true;
  let failures = 0;

  const schedule = (ms: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref?.();
  };

  const tick = (): void => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    const p = pass()
      .then(() => {
        failures = 0;
        return everyMs;
      })
      .catch((e: unknown) => {
        failures++;
        if (e instanceof HubRefused) log.error({ code: e.wire.code }, 'the centre refuses the hub credential: re-enrol the hub (npm run hub -- --code …)');
        else if (!(e instanceof UpstreamUnreachable)) log.warn({ err: e instanceof Error ? e.message : String(e) }, `${name} run failed`);
        return Math.min(maxBackoffMs, 1_000 * 2 ** Math.min(failures - 1, 10));
      })
      .then((next) => {
        running = null;
        if (again && failures === 0) {
          again = false;
          schedule(0);
        } else {
          again = false;
          schedule(next);
        }
      });
    running = p;
  };

  return {
    soon() {
      if (stopped) return;
      if (running) again = true;
      else if (failures === 0) schedule(0);
    },
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

class HubRefused extends Error {
  constructor(readonly wire: WireError) {
    super(`${wire.code}: ${wire.detail}`);
  }
}
