import type { FastifyBaseLogger } from 'fastify';
import { signal } from '../../shared/signal';
import type { Clock } from '../../shared/clock';
import { MAX_PUSH_ARGS_CHARS, MAX_PUSH_MUTATIONS, PushGap, PushResponse, SYNC_PROTOCOL_VERSION, WireError } from '../../shared/sync';
import { RELAY_FOLLOWS_HEADER, type HubRelayRequest } from '../../shared/hub';
import type { DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';
import type { BlobRelay } from './blobRelay';
import { journalsToRelay, recordRelayed, recordRelayError, relayBatch, type RelayBatch } from './relayStore';
import { UpstreamUnreachable, type Upstream, type UpstreamAnswer } from './upstream';
import { oneAtATime } from '../../shared/oneAtATime';

/**
 * Sends what the hub holds to the centre, journal by journal, in seq order, each batch exactly as
 * the kiosk sent it (POST /v1/hub/relay), the next batch on its way while the centre applies the
 * one before (relayJournal). The centre applies it as the kiosk's own push, so a batch sent twice
 * (the answer was lost, the hub restarted) is answered as duplicates. A row leaves the hub only
 * with the centre's answer for its seq, in one transaction (recordRelayed).
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
  /** Woken by every push the hub applies (`soon()`): a journal waiting on an answer reads again. */
  const arrivals = signal();

  type Verdict = 'next' | 'again' | 'stalled';

  /**
   * What the centre's answer to one relayed batch means for the journal, recorded: 'next' (it
   * holds the batch), 'again' (send from what it holds: part of the batch committed before a gap,
   * or a batch that overtook the one before it), 'stalled' (refused for a reason a retry will not
   * change; kept on the journal). No answer, or one a retry may change, throws.
   */
  const settle = async (deviceId: string, journalId: string, batch: RelayBatch, res: UpstreamAnswer, overtaking: boolean): Promise<Verdict> => {
    if (res.status === 200) {
      const body = PushResponse.safeParse(res.body);
      if (!body.success) throw new Error('the centre answered a relayed push with something that is not a push answer');
      // Up to this batch's end only: the answer's results are this batch's, while its lastSeq may
      // be ahead (a batch sent beside this one applied, its answer lost). The seqs above go again
      // and come back as duplicates with the centre's verdicts, which the hub must hold before it
      // tells a kiosk the centre has them.
      const upTo = Math.min(body.data.lastSeq, batch.mutations[batch.mutations.length - 1]!.deviceSeq);
      await recordRelayed(db, deviceId, journalId, upTo, body.data.results, clock.now());
      lastRelayAt = clock.now();
      return 'next';
    }
    if (res.status === 409) {
      const gap = PushGap.safeParse(res.body);
      if (gap.success) {
        const first = batch.mutations[0]!.deviceSeq;
        // Sent while the batch before it was on its way, it reached the centre first (nothing of it
        // committed): it goes again after that one, whose answer says what the centre holds.
        if (overtaking && gap.data.results.length === 0 && gap.data.expectedSeq <= first) return 'again';
        // What the centre committed before the gap is its own; the rest it cannot take from here.
        await recordRelayed(db, deviceId, journalId, gap.data.expectedSeq - 1, gap.data.results, clock.now());
        if (gap.data.expectedSeq > first && gap.data.results.length > 0) return 'again';
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
        return 'stalled';
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
    return 'stalled';
  };

  /**
   * One journal, in seq order, two batches at a time: the next batch travels while the centre
   * applies the one before it (over a branch link the centre's apply and the link's round trip
   * would otherwise leave the link idle between batches). The centre applies a journal's batches
   * one after the other (the journal's row lock, gapless seqs); a batch that overtook the one
   * before it on the way is answered with a gap and sent again after it. Answers are recorded in
   * the order the batches were sent.
   */
  const relayJournal = async (deviceId: string, journalId: string): Promise<{ relayed: number; stalled: boolean }> => {
    let relayed = 0;
    type InFlight = {
      readonly batch: RelayBatch;
      readonly answer: Promise<UpstreamAnswer>;
      /** Settles with the answer, whatever it is. */
      readonly answered: Promise<void>;
      readonly overtaking: boolean;
      /** The answer (or the failure) came back. */
      back: boolean;
    };
    const send = (batch: RelayBatch, follows: number | null): InFlight => {
      const request: HubRelayRequest = { protocolVersion: SYNC_PROTOCOL_VERSION, deviceId, journalId, mutations: batch.mutations };
      const answer = upstream.request('POST', '/v1/hub/relay', request, follows === null ? {} : { headers: { [RELAY_FOLLOWS_HEADER]: String(follows) } });
      // Settled in order below; a rejection seen only after an earlier batch failed is not unhandled.
      const sent: InFlight = {
        batch,
        answer,
        answered: answer.then(
          () => {
            sent.back = true;
          },
          () => {
            sent.back = true;
          },
        ),
        overtaking: follows !== null,
        back: false,
      };
      return sent;
    };
    /** Records a batch's answer (or throws: no answer, or one a retry may change); counts what the centre took. */
    const settleSent = async (sent: InFlight): Promise<Verdict> => {
      const verdict = await settle(deviceId, journalId, sent.batch, await sent.answer, sent.overtaking);
      if (verdict === 'next') relayed += sent.batch.mutations.length;
      return verdict;
    };
    // Typed by a cast: with `= null` the compiler narrows it to null through the loop below.
    let earlier = null as InFlight | null;
    for (;;) {
      const after: number = earlier ? earlier.batch.mutations[earlier.batch.mutations.length - 1]!.deviceSeq : 0;
      // Taken before the read: a push that commits after it wakes the wait below.
      const pushed = arrivals.next();
      let batch: RelayBatch;
      try {
        batch = await relayBatch(db, protection, deviceId, journalId, batchSize, MAX_PUSH_ARGS_CHARS, after);
      } catch (error) {
        // The batch on its way is answered and recorded before the run stops (nothing left in flight).
        if (earlier) await settleSent(earlier).catch(() => undefined);
        throw error;
      }
      if (batch.mutations.length === 0 && earlier) {
        // Nothing more yet: wait for the batch on its way, or for a push that brings the next one.
        const more = await Promise.race([earlier.answered.then(() => false), pushed.then(() => true)]);
        if (more) continue;
      }
      // A batch goes beside the one on its way only while that one has no answer yet: once it has,
      // its answer is recorded first (a gap there would only make this one a gap too).
      const later: InFlight | null = batch.mutations.length > 0 && !earlier?.back ? send(batch, earlier ? after : null) : null;
      if (!earlier) {
        if (!later) return { relayed, stalled: false };
        earlier = later;
        continue;
      }
      // Answers are recorded in the order the batches went.
      const previous = earlier;
      earlier = null;
      let verdict: Verdict;
      try {
        verdict = await settleSent(previous);
      } catch (error) {
        // The later batch may have been applied: its answer is lost, and the next run is told it
        // again as duplicates. It is awaited so that nothing of this run is left in flight.
        if (later) await later.answered;
        throw error;
      }
      if (later) {
        if (verdict === 'next') {
          // The usual case: the later batch stays in flight while the next one is read.
          earlier = later;
          continue;
        }
        if (verdict === 'stalled') {
          await later.answered;
          return { relayed, stalled: true };
        }
        // 'again': the later batch's answer is recorded too (it may say what the centre took).
        verdict = await settleSent(later);
      }
      if (verdict === 'stalled') return { relayed, stalled: true };
      // Nothing is in flight any more: the next read starts from what the centre holds.
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
    soon: () => {
      arrivals.wake();
      lanes.records.soon();
    },
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
