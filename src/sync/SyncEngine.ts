import type { OutboxEntry } from '../shared/outbox';
import { scopesOf, type Scope } from '../shared/published';
import type { Clock } from '../shared/clock';
import {
  MAX_PUSH_MUTATIONS,
  OUTCOME_AT_CENTRE,
  PUSH_BATCH_MUTATIONS,
  SYNC_PROTOCOL_VERSION,
  type MutationEnvelope,
  type MutationResult,
  type PushResponse,
  type WireError,
} from '../shared/sync';
import { AppFailure } from '../shared/result';
import type { KioskDb } from '../storage/KioskDb';
import type { ReferenceDb } from '../storage/referenceDb';
import { applyPullPage, getCursor, localChecksum, resetScope } from '../storage/referenceRepository';
import { confirmMutations, journalId, loadSyncMeta, pendingBatchOutside, saveSyncMeta, type PushPosition } from '../storage/syncRepository';
import { TransportError, type BlobsKnown, type BlobToUpload, type Transport } from './Transport';

/**
 * One sync run: push the outbox in order, pull every scope the kiosk reads, then upload pending
 * blobs (scans), pushing again between scans when new records were saved meanwhile. With
 * `parallelScans` above 1 the scans start with the run instead, beside the push and the pull,
 * several at once once one got through: on a branch's WAN each request costs a round trip, and
 * scans that wait for each other (or for the records) leave the link idle for those.
 *
 * Records go first and never wait behind a scan: a ticket must reach the centre in seconds while
 * a 20 MB dossier crawls up a slow link, and a scan that cannot be sent (a refused route, a dead
 * upload) must not hold back the records saved after it. A dossier whose record arrives before its
 * scans is stored by the centre as incomplete until every scan it references is verified.
 *
 * Safe to interrupt anywhere (crash, power cut, lost answer): every step is idempotent on the
 * server and every local change commits in one transaction with what it depends on, so the next
 * run continues where this one stopped. The loop around it (SyncLoop) decides when to run.
 */
export interface BlobQueue {
  /** Blobs not yet verified by the server, oldest first (their data may still be sealed). */
  pending(): Promise<readonly BlobToUpload[]>;
  /** The blob with its plain bytes, read just before its upload (scans are sealed at rest). */
  open?(blob: BlobToUpload): Promise<BlobToUpload>;
  setUploadUrl(sha256: string, url: string | null): Promise<void>;
  markVerified(sha256: string, now: number): Promise<void>;
  /** A branch hub verified it, the centre not yet: keep it, ask again next run. */
  markHeld(sha256: string, now: number): Promise<void>;
  /** Remembers why these blobs could not be sent (for the staff screen and the heartbeat). */
  recordFailure?(sha256s: readonly string[], error: WireError, now: number): Promise<void>;
}

/** Recovers outbox entries from a second copy (Electron's fsync'ed journal file). */
export type MissingEntriesSource = (journalId: string, fromSeq: number, toSeqExclusive: number) => Promise<readonly OutboxEntry[]>;

export interface SyncEngineOptions {
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  readonly transport: Transport;
  /** The kiosk's branch (a function: enrolment may set it while the engine exists). */
  readonly branchCode: string | (() => string);
  /** The role the kiosk is enrolled as: counter and technician machines also pull their branch's staff accounts. */
  readonly role?: string | (() => string);
  readonly clock: Clock;
  readonly blobs?: BlobQueue;
  /** Called with the highest confirmed deviceSeq after each batch (trims the file journal). */
  readonly onConfirmed?: (journalId: string, upToSeq: number) => void | Promise<void>;
  readonly recoverMissing?: MissingEntriesSource;
  readonly pullLimit?: number;
  /** How often a pull asks for the scope checksum. */
  readonly checksumEveryMs?: number;
  /**
   * Uploads the run drives at once, default 1: the run pushes, pulls, then sends the scans one by
   * one. Above 1 (the app uses DEFAULT_PARALLEL_SCANS), the scans start with the run beside the
   * push and the pull; the first goes alone (a refused route or a dead link costs one attempt,
   * not n), and once one got through up to n travel at once.
   */
  readonly parallelScans?: number;
  /** Scan upload progress: of the one upload at a time, or summed over the uploads of this run when several travel at once. */
  readonly onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Mutations per push (default PUSH_BATCH_MUTATIONS; at most the server's MAX_PUSH_MUTATIONS). */
  readonly pushBatchSize?: number;
}

/**
 * Three uploads at once keep a 20 Mbit/s, 40 ms branch link busy while each one waits for its
 * round trips and the centre's verification (scripts/bench/link.bench.ts); the centre counts each
 * unfinished upload against the device's quota (50 by default), far above this.
 */
export const DEFAULT_PARALLEL_SCANS = 3;

export interface RunReport {
  pushed: number;
  applied: number;
  duplicates: number;
  rejected: number;
  pulled: number;
  blobsUploaded: number;
  /**
   * Blobs refused for good this run (the server rejected the bytes, or they can no longer be read
   * here): skipped so the records behind them still sync; the centre marks those dossiers incomplete.
   */
  blobsFailed: { readonly sha256: string; readonly detail: string; readonly error: WireError }[];
  /**
   * Blobs that could not be sent this run for a reason a retry may cure (no answer, a refused
   * route, an overloaded server): they keep their upload URL and are tried again by the next run.
   * The records were pushed and pulled regardless; the loop backs off because of these.
   */
  blobsDeferred: { readonly sha256: string; readonly error: TransportError }[];
  /** Scopes whose checksum differed from the server's and were pulled again from 0. */
  repulled: Scope[];
  /**
   * Scopes a branch hub could not answer yet (`hub.mirror-behind`: its copy of the centre's is
   * behind this kiosk's): kept as they are and pulled again by the next run. Not a failed run, so
   * the records still go to the hub on every save instead of waiting out a backoff.
   */
  pullLate: Scope[];
}

/** A run that has done nothing yet (what runOnce fills in). */
export function emptyRunReport(): RunReport {
  return { pushed: 0, applied: 0, duplicates: 0, rejected: 0, pulled: 0, blobsUploaded: 0, blobsFailed: [], blobsDeferred: [], repulled: [], pullLate: [] };
}

export const DEFAULT_PULL_LIMIT = 500;
export const DEFAULT_CHECKSUM_EVERY_MS = 10 * 60_000;

export class SyncEngine {
  constructor(private readonly o: SyncEngineOptions) {}

  private get batchSize(): number {
    return Math.min(MAX_PUSH_MUTATIONS, Math.max(1, this.o.pushBatchSize ?? PUSH_BATCH_MUTATIONS));
  }

  /** `blobs: false` leaves the scans out (the loop does while they back off). */
  async runOnce(options: { readonly blobs?: boolean } = {}): Promise<RunReport> {
    const report = emptyRunReport();
    this.current = report;
    const withScans = options.blobs !== false;
    try {
      let pullError: unknown;
      if (withScans && this.parallelScans > 1) {
        // The scans travel beside the records; a failure of either is reported once both are done,
        // the push's first (it stopped the pull), then the scans' (a refused credential).
        const scans = settle(this.uploadBlobs(report));
        const records = await settle(this.pushAndPull(report));
        const scanned = await scans;
        if (!records.ok) throw records.error;
        if (!scanned.ok) throw scanned.error;
        pullError = records.value;
      } else {
        pullError = await this.pushAndPull(report);
        if (withScans) await this.uploadBlobs(report);
      }
      if (pullError !== null) throw pullError;
      if (withScans && report.blobsDeferred.length === 0 && report.blobsFailed.length === 0) {
        await saveSyncMeta(this.o.db, { lastSuccessAt: this.o.clock.now() });
      }
      return report;
    } finally {
      await this.pushing?.catch(() => undefined);
      this.current = null;
    }
  }

  private get parallelScans(): number {
    return Math.max(1, Math.floor(this.o.parallelScans ?? 1));
  }

  /**
   * Pushes, then pulls. A pull that keeps failing (a diverged scope, a bad answer) must not hold
   * the scans back: its error is returned, for the run to throw once the scans went.
   */
  private async pushAndPull(report: RunReport): Promise<unknown> {
    await this.pushOnce(report);
    await saveSyncMeta(this.o.db, { lastPushAt: this.o.clock.now() });
    try {
      await this.pull(report);
      await saveSyncMeta(this.o.db, { lastPullAt: this.o.clock.now() });
      return null;
    } catch (e) {
      return e;
    }
  }

  /** The report of the run in progress (a push started by `pushSoon` counts in it). */
  private current: RunReport | null = null;
  /** The push in flight, if any: two pushes never overlap (they would send the same entries). */
  private pushing: Promise<void> | null = null;

  private pushOnce(report: RunReport): Promise<void> {
    if (this.pushing) return this.pushing;
    const p = this.push(report).finally(() => {
      if (this.pushing === p) this.pushing = null;
    });
    this.pushing = p;
    return p;
  }

  /**
   * A record was saved while this run is uploading scans: push it now, beside the upload, instead
   * of after it (a ticket must not wait behind a 20 MB dossier on a slow link). Outside the scans
   * phase it does nothing: the push phase reads new entries itself, and the loop runs again after.
   * A failure here is left to the next run (the loop reruns after a save).
   */
  pushSoon(): void {
    const report = this.current;
    if (!report || !this.uploading) return;
    this.pushOnce(report).catch(() => undefined);
  }

  private uploading = false;

  /**
   * Pushes the whole outbox, batch after batch, in deviceSeq order. Pipelined: batch n+1 is read and
   * sent as soon as batch n's answer arrives, and batch n is confirmed locally while n+1 travels.
   * A crash in between only means batch n is sent again and answered as duplicates.
   *
   * Behind a branch hub, an answer says how far the centre holds the journal (`confirmedSeq`):
   * entries above it that the hub holds stay in the outbox, untold, and are not sent again; once
   * the centre has them they are sent once more to read their final outcome (duplicates), and only
   * then leave. When the hub holds less than it did (its database was lost), the entries above
   * what it holds are sent again. See PushPosition.
   */
  async push(report: RunReport): Promise<void> {
    const { db } = this.o;
    const journal = await journalId(db);
    const meta = await loadSyncMeta(db);
    let position: PushPosition = { confirmedSeq: meta.confirmedSeq, heldSeq: meta.heldSeq };
    if (position.heldSeq > position.confirmedSeq) {
      // A hub holds entries the centre had not confirmed: ask whether it has them now.
      const state = await this.o.transport.syncState(journal);
      position = await this.learnPosition(position, state.lastSeq, state.confirmedSeq);
    }
    let recovered = false;
    let batch = await pendingBatchOutside(db, 0, position, this.batchSize);
    let inFlight = batch.length > 0 ? this.send(journal, batch, position) : null;
    while (inFlight) {
      let answer: PushResponse;
      try {
        answer = await inFlight;
      } catch (e) {
        if (!(e instanceof TransportError) || e.kind !== 'gap' || !e.gap) throw e;
        // Mutations before the gap were committed: record them, then see what the server misses.
        position = await this.learnPosition(position, e.gap.expectedSeq - 1, e.gap.confirmedSeq);
        await this.confirm(journal, e.gap.results, position, report);
        // The first entry the server still needs: not an older one kept below confirmedSeq only for
        // its outcome (behind a hub), which would hide the gap and send the same batch forever.
        const first = await db.outbox.where('deviceSeq').aboveOrEqual(e.gap.expectedSeq).first();
        if (first && e.gap.expectedSeq < first.deviceSeq && !recovered && this.o.recoverMissing) {
          recovered = true;
          const missing = await this.o.recoverMissing(journal, e.gap.expectedSeq, first.deviceSeq);
          if (missing.length > 0) {
            await db.transaction('rw', db.outbox, async () => {
              for (const m of missing) if (m.deviceSeq >= e.gap!.expectedSeq && m.deviceSeq < first.deviceSeq) await db.outbox.put(m);
            });
          }
        } else if (first && e.gap.expectedSeq < first.deviceSeq) {
          throw new TransportError('protocol', {
            code: 'sync.gap-unrecoverable',
            detail: `the server expects mutation ${e.gap.expectedSeq} but this kiosk's oldest pending one is ${first.deviceSeq}`,
          });
        }
        batch = await pendingBatchOutside(db, 0, position, this.batchSize);
        inFlight = batch.length > 0 ? this.send(journal, batch, position) : null;
        continue;
      }
      const { results } = answer;
      // A server that answered without an outcome for our first entry would make this loop spin.
      if (!results.some((r) => r.mutationId === batch[0]!.mutationId)) {
        throw new TransportError('protocol', { code: 'sync.bad-answer', detail: 'the server confirmed none of the pushed mutations' });
      }
      report.pushed += batch.length;
      position = await this.learnPosition(position, answer.lastSeq, answer.confirmedSeq);
      const next = await pendingBatchOutside(db, batch[batch.length - 1]!.deviceSeq, position, this.batchSize);
      const nextInFlight = next.length > 0 ? this.send(journal, next, position) : null;
      // Settled later by the loop; never an unhandled rejection while this batch is confirmed.
      nextInFlight?.catch(() => undefined);
      await this.confirm(journal, results, position, report);
      batch = next;
      inFlight = nextInFlight;
    }
  }

  /** Entries saved since the last push (not those only a hub holds). */
  private async hasEntriesToSend(): Promise<boolean> {
    const meta = await loadSyncMeta(this.o.db);
    return (await pendingBatchOutside(this.o.db, 0, meta, 1)).length > 0;
  }

  /**
   * The position after an answer: the server holds exactly up to its lastSeq; the centre holds up
   * to `confirmedSeq` (absent: the server is the centre). What the centre holds never shrinks.
   */
  private async learnPosition(before: PushPosition, lastSeq: number, confirmedSeq: number | undefined): Promise<PushPosition> {
    const confirmed = Math.max(before.confirmedSeq, Math.min(confirmedSeq ?? lastSeq, lastSeq));
    const next: PushPosition = { confirmedSeq: confirmed, heldSeq: Math.max(lastSeq, confirmed) };
    if (next.confirmedSeq !== before.confirmedSeq || next.heldSeq !== before.heldSeq) await saveSyncMeta(this.o.db, next);
    return next;
  }

  private async send(journal: string, batch: readonly OutboxEntry[], position: PushPosition): Promise<PushResponse> {
    return this.o.transport.push({
      protocolVersion: SYNC_PROTOCOL_VERSION,
      journalId: journal,
      mutations: batch.map(toEnvelope),
      confirmedSeq: position.confirmedSeq,
    });
  }

  /**
   * Records the final outcomes: those of entries the centre holds; the others stay in the outbox.
   * An entry whose outcome a hub could not get from the centre just now (OUTCOME_AT_CENTRE) stays
   * too, and is asked about again on the next run; the file journal keeps everything from it on.
   */
  private async confirm(journal: string, all: readonly MutationResult[], position: PushPosition, report: RunReport): Promise<void> {
    const results = all.filter((r) => r.deviceSeq <= position.confirmedSeq && r.reason?.code !== OUTCOME_AT_CENTRE);
    if (results.length === 0) return;
    const { rejected, confirmedUpTo } = await confirmMutations(this.o.db, results, this.o.clock.now());
    for (const r of results) {
      if (r.reason) continue;
      if (r.status === 'applied') report.applied++;
      else report.duplicates++;
    }
    report.rejected += rejected;
    // The file journal keeps every entry still in the outbox: one whose outcome is not read yet may
    // sit below entries a later batch or run confirms (it could not be restored from the file else).
    const lowest = await this.o.db.outbox.orderBy('deviceSeq').first();
    const upTo = lowest ? Math.min(confirmedUpTo, lowest.deviceSeq - 1) : confirmedUpTo;
    if (upTo > 0) await this.o.onConfirmed?.(journal, upTo);
  }

  /** Pulls every scope this kiosk reads until the server has nothing more. */
  async pull(report: RunReport): Promise<void> {
    const meta = await loadSyncMeta(this.o.db);
    const now = this.o.clock.now();
    const everyMs = this.o.checksumEveryMs ?? DEFAULT_CHECKSUM_EVERY_MS;
    const withChecksum = meta.lastChecksumAt === null || now - meta.lastChecksumAt >= everyMs || now < meta.lastChecksumAt;
    const branch = typeof this.o.branchCode === 'function' ? this.o.branchCode() : this.o.branchCode;
    const role = typeof this.o.role === 'function' ? this.o.role() : this.o.role;
    for (const scope of scopesOf(branch, role)) {
      try {
        await this.pullScope(scope, withChecksum, report);
      } catch (e) {
        if (!(e instanceof TransportError && e.wire.code === 'hub.mirror-behind')) throw e;
        report.pullLate.push(scope);
      }
    }
    if (withChecksum) await saveSyncMeta(this.o.db, { lastChecksumAt: now });
  }

  private async pullScope(scope: Scope, withChecksum: boolean, report: RunReport): Promise<void> {
    const { reference, transport, clock } = this.o;
    const limit = this.o.pullLimit ?? DEFAULT_PULL_LIMIT;
    let resets = 0;
    for (;;) {
      const cursor = await getCursor(reference, scope);
      const page = await transport.pull({ protocolVersion: SYNC_PROTOCOL_VERSION, scope, cursor, limit, withChecksum });
      if (page.cursor < cursor && page.changes.length === 0) {
        // The server's feed ends before our cursor (restored from an older backup): start over.
        if (resets++ > 0) throw new TransportError('protocol', { code: 'sync.cursor-ahead', detail: `scope ${scope}: the server went back again` });
        await resetScope(reference, scope);
        report.repulled.push(scope);
        continue;
      }
      if (page.scope !== scope || (page.changes.length > 0 && page.changes[0]!.seq <= cursor)) {
        throw new TransportError('protocol', { code: 'sync.bad-answer', detail: `pull of ${scope} answered out of order` });
      }
      await applyPullPage(reference, scope, page.changes, page.cursor, clock.now());
      report.pulled += page.changes.length;
      if (page.hasMore) continue;
      if (page.checksum) {
        const local = await localChecksum(reference, scope);
        if (local.count !== page.checksum.count || local.sum !== page.checksum.sum) {
          // Diverged (a lost page, a restored server, a tampered store): forget and pull again, once per run.
          if (resets++ > 0) throw new TransportError('protocol', { code: 'sync.checksum-mismatch', detail: `scope ${scope} still differs after a re-pull` });
          await resetScope(reference, scope);
          report.repulled.push(scope);
          continue;
        }
      }
      return;
    }
  }

  /**
   * Uploads blobs the server does not hold yet (asks first: content-addressed, so a copy may be
   * there; one question for all of them when the transport can batch it). A blob that fails is set
   * aside, never the run: refused bytes go to `blobsFailed`, a failure a retry may cure to
   * `blobsDeferred`. No answer, a refused route or a timeout will be the same for the blobs after
   * it, so no more start and those wait for the next run with the same reason (uploads already on
   * their way finish); an overloaded answer (5xx) may be this upload's alone, so the next blob is
   * tried. Records saved while scans travel are pushed between two blobs (one at a time: before the
   * next; several: beside them).
   */
  async uploadBlobs(report: RunReport): Promise<void> {
    const queue = this.o.blobs;
    if (!queue) return;
    const pending = await queue.pending();
    this.uploading = true;
    try {
      await this.uploadAll(pending, queue, report);
    } finally {
      this.uploading = false;
    }
  }

  private async uploadAll(all: readonly BlobToUpload[], queue: BlobQueue, report: RunReport): Promise<void> {
    const { transport, clock } = this.o;
    const width = this.parallelScans;
    const asked = all.length > 0 ? await this.heldByServer(all) : null;
    // A scan a branch hub already holds is safe there: without an answer about it this run, it
    // waits for the next one rather than being asked about or sent again one by one.
    const known = asked;
    const pending = asked ? all : all.filter((b) => b.state !== 'held');
    const progress = this.progressOf(width);
    let next = 0;
    /** A failure that would meet every scan (or a fatal one): start no more. */
    let stopped = false;
    let fatal: { error: unknown } | null = null;
    /**
     * The centre created (or found) an upload this run: the link and the upload route work, and
     * the other scans may go several at once.
     */
    let routeWorks = false;
    const onRouteWorks = () => {
      if (routeWorks) return;
      routeWorks = true;
      launch();
    };

    const sendOne = async (index: number, blob: BlobToUpload): Promise<void> => {
      if (index > 0 && (await this.hasEntriesToSend())) {
        if (width === 1) await this.pushOnce(report);
        // Beside the scans; its failure is the next run's (the run's own push reports it).
        else this.pushOnce(report).catch(() => undefined);
      }
      let outcome: void | 'held';
      try {
        const there = known ? (known.verified.has(blob.sha256) ? true : known.held.has(blob.sha256) ? 'held' : false) : await transport.blobExists(blob.sha256);
        if (there === true) {
          await queue.markVerified(blob.sha256, clock.now());
          return;
        }
        if (there === 'held') {
          await queue.markHeld(blob.sha256, clock.now());
          return;
        }
        // The hub that held it no longer does (its disk was lost): this copy is the only one left.
        if (blob.state === 'held') await queue.setUploadUrl(blob.sha256, null);
        outcome = await transport.uploadBlob(queue.open ? await queue.open(blob) : blob, {
          onUploadUrl: (url) => {
            onRouteWorks();
            return queue.setUploadUrl(blob.sha256, url);
          },
          onProgress: (sent, total) => progress(blob.sha256, sent, total),
        });
      } catch (e) {
        // The credential is refused: nothing else would go either; the whole run stops.
        if (e instanceof TransportError && e.kind === 'auth') throw e;
        if (e instanceof TransportError && e.retryable) {
          report.blobsDeferred.push({ sha256: blob.sha256, error: e });
          // A rate limit (429) is the server asking for less: the next scan would be refused too.
          const sameForAll = e.kind === 'network' || e.kind === 'blocked' || e.kind === 'timeout' || e.status === 429;
          const waiting = sameForAll ? [blob, ...pending.slice(next).filter((b) => b.state !== 'held')] : [blob];
          if (sameForAll) stopped = true;
          await queue.recordFailure?.(
            waiting.map((b) => b.sha256),
            e.wire,
            clock.now(),
          );
          return;
        }
        // The server refused these bytes (hash mismatch, too large, gone upload), or the local copy
        // cannot be read any more: start this blob afresh next time, and let everything else —
        // other scans, tickets, dossiers — go on. One bad scan must never stop the queue.
        const detail = e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200);
        const error: WireError = e instanceof TransportError ? e.wire : { code: e instanceof AppFailure ? e.code : 'blob.unreadable', detail };
        await queue.setUploadUrl(blob.sha256, null);
        await queue.recordFailure?.([blob.sha256], error, clock.now());
        report.blobsFailed.push({ sha256: blob.sha256, detail, error });
        return;
      }
      if (outcome === 'held') await queue.markHeld(blob.sha256, clock.now());
      else await queue.markVerified(blob.sha256, clock.now());
      report.blobsUploaded++;
      onRouteWorks();
    };

    const running = new Set<Promise<void>>();
    const worker = async (): Promise<void> => {
      while (!stopped && next < pending.length) {
        const index = next++;
        try {
          await sendOne(index, pending[index]!);
        } catch (error) {
          stopped = true;
          fatal ??= { error };
          return;
        }
        launch();
      }
    };
    // One at a time until the centre created an upload: a dead link or a refused route costs one
    // attempt, not n.
    function launch(): void {
      while (running.size < (routeWorks ? width : 1) && !stopped && next < pending.length) {
        const w: Promise<void> = worker().finally(() => running.delete(w));
        running.add(w);
      }
    }
    launch();
    while (running.size > 0) await Promise.all([...running]);
    if (fatal) throw (fatal as { error: unknown }).error;
  }

  /**
   * The pending blobs the server already holds, in one question when the transport can ask it;
   * null means "ask per blob" (no batch question, or it failed: the per-blob requests meet and
   * classify the same failure). A refused credential stops the run.
   */
  private async heldByServer(pending: readonly BlobToUpload[]): Promise<BlobsKnown | null> {
    const { transport } = this.o;
    if (!transport.blobsKnown) return null;
    try {
      return await transport.blobsKnown(pending.map((b) => b.sha256));
    } catch (e) {
      if (e instanceof TransportError && e.kind === 'auth') throw e;
      return null;
    }
  }

  /** Reports upload progress: one upload's as it is, or the sum over this run's uploads. */
  private progressOf(width: number): (sha256: string, sent: number, total: number) => void {
    const report = this.o.onUploadProgress;
    if (!report) return () => undefined;
    if (width === 1) return (_sha, sent, total) => report(sent, total);
    const each = new Map<string, { sent: number; total: number }>();
    return (sha256, sent, total) => {
      each.set(sha256, { sent, total });
      let sentSum = 0;
      let totalSum = 0;
      for (const p of each.values()) {
        sentSum += p.sent;
        totalSum += p.total;
      }
      report(sentSum, totalSum);
    };
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function toEnvelope(e: OutboxEntry): MutationEnvelope {
  return { mutationId: e.mutationId, deviceSeq: e.deviceSeq, name: e.name, args: e.args, schemaVersion: e.schemaVersion, createdAt: e.createdAt };
}
