import type { Platform } from '../platform/Platform';
import { kioskBlobQueue } from '../sync/kioskBlobQueue';
import type { Clock } from '../shared/clock';
import type { DeviceConfig } from '../shared/deviceConfig';
import { MAX_JOURNAL_BATCH, type DiskStatus } from '../shared/ipc';
import type { OutboxEntry } from '../shared/outbox';
import { AppFailure, describeUnknown, err, ok, type Result } from '../shared/result';
import { EnrolCode, SYNC_PROTOCOL_VERSION, type HeartbeatRequest, type LookupRequest } from '../shared/sync';
import type { ReuseIndexResponse, ReusePdfRequest } from '../shared/reuseIndex';
import { countHeldBlobs, countPendingBlobs, countStuckBlobs, getBlob, listStuckBlobs, oldestPendingBlobAt, type StuckScan } from '../storage/blobRepository';
import { recordEvent } from '../storage/eventRepository';
import { JOURNAL_SCHEMA_VERSION, type KioskDb, type SyncIssue } from '../storage/KioskDb';
import type { ReferenceDb } from '../storage/referenceDb';
import {
  acknowledgeSyncIssue,
  countHeldAtHub,
  countOpenSyncIssues,
  journalId,
  listSyncIssues,
  loadCredential,
  loadSyncMeta,
  outboxStats,
  pruneConfirmed,
  saveCredential,
} from '../storage/syncRepository';
import { createHttpTransport } from '../sync/httpTransport';
import { createSyncBell, requestLeadership, type LeaderHandle } from '../sync/leader';
import { DEFAULT_PARALLEL_SCANS, SyncEngine } from '../sync/SyncEngine';
import { DEFAULT_STUCK_AFTER_MS, SyncLoop, type LoopSnapshot, type Timers } from '../sync/SyncLoop';
import { INITIAL_SYNC_STATUS, type SyncStatus } from '../sync/SyncStatus';
import { TransportError, type LookupAnswer, type QueueEventHandlers, type Transport } from '../sync/Transport';
import type { QueueActionAnswer, QueueActionArgs, QueueBoard, QueueState, StaffCallAnswer, StaffCallAnswerRequest } from '../shared/queue';

/**
 * The kiosk's side of sync, composed: the device credential (OS keystore under Electron, IndexedDB
 * in the browser), the engine and its loop (only in the leader window), the second copy of every
 * outbox entry in the file journal, the free-disk guard, the heartbeat and pruning.
 */
export interface SyncServiceDeps {
  readonly platform: Platform;
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  readonly clock: Clock;
  /** The configuration in effect (branch, server URL). */
  readonly device: () => DeviceConfig;
  /** The stored role (not a session override): what the kiosk is enrolled as. */
  readonly enrolRole?: () => DeviceConfig['role'];
  readonly saveDevice: (next: DeviceConfig) => Promise<Result<DeviceConfig>>;
  readonly appVersion: () => Promise<{ version: string; shell: 'electron' | 'browser' }>;
  readonly transportFor?: (serverUrl: string, token: () => string | null, fetchImpl?: typeof fetch) => Transport;
  readonly isOnline?: () => boolean;
  readonly onlineEvents?: Pick<Window, 'addEventListener' | 'removeEventListener'> | null;
  readonly locks?: LockManager;
  readonly timers?: Timers;
  readonly random?: () => number;
  /** Confirmed records are kept this long before pruning. */
  readonly retentionMs?: number;
  /** The branch's reuse window for the citizens' document index (undefined: kept). */
  readonly reuseWindowMs?: number;
  /**
   * The watchdog's threshold (15 minutes): a queue that has not moved, or a scan that has failed to
   * reach the centre, for this long is flagged for staff and reported in the heartbeat.
   */
  readonly stuckAfterMs?: number;
}

export interface SyncService {
  watchStatus(onChange: (status: SyncStatus) => void): () => void;
  syncNow(): void;
  /** Enrols this kiosk with the centre (technician). */
  enrol(serverUrl: string, code: string): Promise<Result<{ branchCode: string; serverUrl: string }>>;
  isEnrolled(): boolean;
  listIssues(includeAcknowledged?: boolean): Promise<SyncIssue[]>;
  /** Scans that have failed to reach the centre for longer than the threshold, with why. */
  listStuckScans(): Promise<StuckScan[]>;
  acknowledgeIssue(mutationId: string): Promise<void>;
  /** A capture was saved: copy it to the file journal and wake the leader. */
  saved(entry: OutboxEntry): Promise<void>;
  /** Throws AppFailure('disk.low') when the disk is nearly full (new capture is refused). */
  assertCaptureAllowed(): void;
  disk(): DiskStatus | null;
  /**
   * The centre's side of reusing a citizen's papers (counters), or why it cannot be asked now. The
   * answer is about this moment; a request may still fail (TransportError).
   */
  reuseCentre(): ReuseCentre | 'not-enrolled' | 'offline';
  /**
   * The branch's queue owner (the hub, or the centre for a branch without one) over this device's
   * transport and credential, or why it cannot be asked now. A request may still fail (TransportError).
   */
  queueOwner(): QueueOwner | 'not-enrolled' | 'offline';
  /** The branch's public board on the server this device is enrolled with, or why it cannot be read now. */
  queueBoard(): QueueBoardSource | 'not-enrolled' | 'offline';
  /**
   * The citizen's dossier look-up at the server this kiosk is enrolled with (hub or centre), over
   * this device's transport, or why it cannot be asked now. A request may still fail (TransportError).
   */
  lookupServer(): ((request: LookupRequest) => Promise<LookupAnswer>) | 'not-enrolled' | 'offline';
  stop(): void;
}

/** The queue owner's routes (src/shared/queue.ts) as the counter's queue desk uses them. */
export interface QueueOwner {
  act(args: QueueActionArgs): Promise<QueueActionAnswer>;
  state(day: string): Promise<QueueState>;
  /** "Gọi nhân viên" answered by this counter; absent where the transport cannot. */
  readonly answerStaffCall?: (request: StaffCallAnswerRequest) => Promise<StaffCallAnswer>;
  /** Absent where the transport cannot open server-sent events: the desk polls the state then. */
  readonly events?: (branchCode: string, handlers: QueueEventHandlers) => () => void;
}

/** The public board (GET /v1/queue/board) and its pokes, as the citizen kiosk's wait estimate reads them. */
export interface QueueBoardSource {
  board(branchCode: string): Promise<QueueBoard>;
  readonly events?: (branchCode: string, handlers: QueueEventHandlers) => () => void;
}

/** A citizen's document index at the centre and the download of one paper (src/shared/reuseIndex.ts). */
export interface ReuseCentre {
  index(idNumber: string): Promise<ReuseIndexResponse>;
  pdf(request: ReusePdfRequest): Promise<Blob>;
}

/** What the UI shows for the instant before the service's first report (it reports on subscribe). */
export { INITIAL_SYNC_STATUS };

export const DEFAULT_RETENTION_MS = 30 * 24 * 3600_000;
/**
 * Where the platform cannot keep the credential (a browser; a Linux kiosk without a secret
 * service), it is kept in IndexedDB like the records it protects: enrolment must not depend on a
 * keyring a locked-down kiosk does not run.
 */
const KEYSTORELESS = new Set(['credential.unsupported', 'credential.no-keystore']);
const DISK_POLL_MS = 30_000;
const JOURNAL_REPAIR_CHECK_MS = 60_000;
const JOURNAL_REPAIR_EVERY_MS = 3600_000;
/** Half the journal's per-call limit (MAX_JOURNAL_APPEND_BYTES): entry envelopes add to the args' size. */
const JOURNAL_REPAIR_BATCH_BYTES = 512 * 1024;
const PRUNE_EVERY_MS = 3600_000;

export async function startSyncService(deps: SyncServiceDeps): Promise<SyncService> {
  const { platform, db, reference, clock } = deps;
  const listeners = new Set<(s: SyncStatus) => void>();
  let status: SyncStatus = INITIAL_SYNC_STATUS;
  let token = await readCredential();
  let disk: DiskStatus | null = null;
  let lastPruneAt = 0;
  const transportFor = deps.transportFor ?? ((serverUrl, t, f) => createHttpTransport({ baseUrl: serverUrl, token: t, ...(f ? { fetch: f } : {}) }));

  /**
   * Enrolment's fetch: in Electron, main sends it (the page's CSP reaches only the configured
   * server, and enrolment is how a server becomes configured); elsewhere the page sends it itself.
   */
  const enrolFetch: typeof fetch = async (input, init) => {
    // Only the enrolment itself goes through main; anything else (the reachability probe after a
    // failure) is the page's own request, which its connection policy may refuse like any other.
    if (!new URL(String(input)).pathname.endsWith('/v1/enrol')) return fetch(input, init);
    const answer = await platform.enrolPost({ url: String(input), body: typeof init?.body === 'string' ? init.body : '' });
    if (answer.ok) return new Response(answer.value.body, { status: answer.value.status, headers: { 'content-type': answer.value.contentType } });
    if (answer.error.code === 'enrol.direct') return fetch(input, init);
    // What fetch itself would do: the transport reads it as a network failure.
    throw new TypeError(`fetch failed: ${answer.error.detail}`);
  };

  async function readCredential(): Promise<string | null> {
    const fromPlatform = await platform.credentialRead();
    if (fromPlatform.ok) return fromPlatform.value;
    if (KEYSTORELESS.has(fromPlatform.error.code)) return (await loadCredential(db))?.token ?? null;
    console.warn('device credential unreadable:', fromPlatform.error.code);
    return null;
  }

  async function writeCredential(value: string, serverUrl: string, branchCode: string): Promise<Result<void>> {
    const written = await platform.credentialWrite({ token: value });
    if (written.ok) return ok(undefined);
    if (!KEYSTORELESS.has(written.error.code)) return written;
    await saveCredential(db, { token: value, serverUrl, branchCode });
    return ok(undefined);
  }

  async function refreshDisk(): Promise<void> {
    const r = await platform.diskStatus().catch(() => null);
    if (r?.ok) {
      const wasLow = disk?.low ?? false;
      disk = r.value;
      if (disk.low && !wasLow) {
        await db.events
          .add({ at: clock.now(), kind: 'disk.low', code: 'disk.low', detail: `${Math.round(disk.freeBytes / 1048576)} MiB free`, subject: null })
          .catch(() => undefined);
      }
    }
  }
  await refreshDisk();
  const diskTimer = setInterval(() => void refreshDisk(), DISK_POLL_MS);

  // The journal file is the second copy of the outbox; an entry missing from it (the app crashed or
  // the power failed between the IndexedDB commit and the append, or the append failed) would stop
  // the queue for good if IndexedDB were lost later. Missing entries are appended again at start,
  // soon after a failed append, and every hour.
  let journalNeedsRepair = true;
  let lastRepairAt = 0;
  let repairing: Promise<void> | null = null;
  async function repairJournal(): Promise<void> {
    if (platform.kind === 'browser') return; // no file in the browser build
    const read = await platform.journalRead().catch(() => null);
    if (!read?.ok) return;
    const journal = await journalId(db);
    const inFile = new Set(read.value.journals.filter((j) => j.journalId === journal).flatMap((j) => j.entries.map((e) => e.mutationId)));
    const missing = (await db.outbox.orderBy('deviceSeq').toArray()).filter((e) => !inFile.has(e.mutationId));
    for (let i = 0; i < missing.length;) {
      const batch: OutboxEntry[] = [];
      let bytes = 0;
      while (i < missing.length && batch.length < MAX_JOURNAL_BATCH && (batch.length === 0 || bytes + missing[i]!.bytes <= JOURNAL_REPAIR_BATCH_BYTES)) {
        bytes += missing[i]!.bytes;
        batch.push(missing[i++]!);
      }
      const r = await platform.journalAppend({ journalId: journal, entries: batch }).catch((e: unknown) => err('journal.write-failed', describeUnknown(e)));
      if (!r.ok) {
        await recordEvent(db, { at: clock.now(), kind: 'journal.failed', code: r.error.code, detail: r.error.detail.slice(0, 300), subject: null }).catch(
          () => undefined,
        );
        return;
      }
    }
    journalNeedsRepair = false;
    lastRepairAt = clock.now();
    if (missing.length > 0) console.info(`journal: ${missing.length} entries missing from the file were appended again`);
  }
  function repairJournalSoon(): Promise<void> {
    repairing ??= repairJournal()
      .catch((e: unknown) => console.warn('journal repair failed:', describeUnknown(e)))
      .finally(() => {
        repairing = null;
      });
    return repairing;
  }
  void repairJournalSoon();
  const repairTimer = setInterval(() => {
    const now = clock.now();
    if (journalNeedsRepair || now - lastRepairAt >= JOURNAL_REPAIR_EVERY_MS || now < lastRepairAt) void repairJournalSoon();
  }, JOURNAL_REPAIR_CHECK_MS);

  const serverUrl = () => deps.device().serverUrl;
  const isOnline = deps.isOnline ?? (() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  const transport = (): Transport => {
    const url = serverUrl();
    if (!url) throw new TransportError('auth', { code: 'auth.not-enrolled', detail: 'this kiosk has no server yet' });
    return transportFor(url, () => token);
  };
  const lazyTransport: Transport = {
    enrol: (r) => transport().enrol(r),
    push: (r) => transport().push(r),
    pull: (r) => transport().pull(r),
    syncState: (j) => transport().syncState(j),
    heartbeat: (r) => transport().heartbeat(r),
    blobExists: (h) => transport().blobExists(h),
    // One question for all pending scans (POST /v1/blobs/known) instead of a HEAD per scan; a
    // transport without it answers null and the engine asks per scan.
    blobsKnown: (hashes) => transport().blobsKnown?.(hashes) ?? Promise.resolve(null),
    uploadBlob: (b, h) => transport().uploadBlob(b, h),
  };

  const engine = new SyncEngine({
    db,
    reference,
    transport: lazyTransport,
    branchCode: () => deps.device().branchCode,
    role: () => deps.enrolRole?.() ?? deps.device().role,
    clock,
    parallelScans: DEFAULT_PARALLEL_SCANS,
    blobs: kioskBlobQueue(db, clock),
    onConfirmed: async (journal, upToSeq) => {
      const r = await platform.journalConfirm({ journalId: journal, upToSeq });
      if (!r.ok) console.warn('journal confirm failed:', r.error.code);
    },
    recoverMissing: async (journal, fromSeq, toSeq) => {
      const r = await platform.journalRead();
      if (!r.ok) return [];
      return r.value.journals.filter((j) => j.journalId === journal).flatMap((j) => j.entries.filter((e) => e.deviceSeq >= fromSeq && e.deviceSeq < toSeq));
    },
    onUploadProgress: (sent, total) => emit({ ...status, upload: { sentBytes: sent, totalBytes: total } }),
  });

  const stuckBlobAfterMs = deps.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  async function snapshot(): Promise<LoopSnapshot> {
    const [stats, blobs, rejected, stuckBlobs, pendingAtHub, pendingBlobsAtHub] = await Promise.all([
      outboxStats(db),
      countPendingBlobs(db),
      countOpenSyncIssues(db),
      countStuckBlobs(db, clock.now(), stuckBlobAfterMs),
      countHeldAtHub(db),
      countHeldBlobs(db),
    ]);
    return {
      pending: stats.count,
      oldestPendingAt: stats.oldestCreatedAt,
      pendingBytes: stats.bytes,
      pendingBlobs: blobs,
      pendingAtHub,
      pendingBlobsAtHub,
      rejected,
      stuckBlobs,
    };
  }

  function emit(next: SyncStatus): void {
    status = next;
    for (const l of listeners) l(next);
  }

  const meta = await loadSyncMeta(db);
  const loop = new SyncLoop({
    lastSuccessAt: meta.lastSuccessAt,
    run: async (options) => {
      const report = await engine.runOnce(options);
      const now = clock.now();
      // A scan the centre refused (or that can no longer be read) was skipped: the technician sees
      // it once per streak of failures, not on every retry.
      for (const failed of report.blobsFailed) {
        if (((await getBlob(db, failed.sha256))?.failedAttempts ?? 1) > 1) continue;
        await recordEvent(db, { at: now, kind: 'blob.failed', code: failed.error.code, detail: failed.detail, subject: `scan ${failed.sha256.slice(0, 12)}` });
      }
      if (now - lastPruneAt > PRUNE_EVERY_MS || now < lastPruneAt) {
        lastPruneAt = now;
        await pruneConfirmed(db, now, deps.retentionMs ?? DEFAULT_RETENTION_MS, deps.reuseWindowMs).catch(() => undefined);
      }
      return report;
    },
    snapshot,
    clock,
    random: deps.random ?? Math.random,
    timers: deps.timers,
    isOnline,
    isEnrolled: () => token !== null && serverUrl() !== null,
    stuckAfterMs: stuckBlobAfterMs,
    onSaveDuringRun: () => engine.pushSoon(),
    onStatus: emit,
    onStuck: (s) => {
      void db.events
        .add({
          at: clock.now(),
          kind: 'sync.stuck',
          code: s.lastError?.code ?? 'sync.stuck',
          detail: `${s.pending} records and ${s.pendingBlobs} scans waiting`,
          subject: null,
        })
        .catch(() => undefined);
    },
    buildHeartbeat: async (s, snap): Promise<HeartbeatRequest> => {
      const now = clock.now();
      const app = await deps.appVersion();
      const meta = await db.settings.get('syncMeta');
      const m = (meta?.value ?? {}) as { lastPushAt?: number | null; lastPullAt?: number | null };
      const oldestBlobAt = await oldestPendingBlobAt(db);
      const stuckScans = snap.stuckBlobs > 0 ? await listStuckBlobs(db, now, stuckBlobAfterMs) : [];
      return {
        protocolVersion: SYNC_PROTOCOL_VERSION,
        journalId: await journalId(db),
        pendingCount: snap.pending,
        oldestPendingAgeMs: snap.oldestPendingAt === null ? null : Math.max(0, now - snap.oldestPendingAt),
        pendingBytes: snap.pendingBytes,
        pendingBlobs: snap.pendingBlobs,
        // Sent only when there is something to say: a centre older than these fields refuses
        // unknown keys, and a kiosk with no scan waiting stays readable by it.
        ...(oldestBlobAt === null ? {} : { oldestPendingBlobAgeMs: Math.max(0, now - oldestBlobAt) }),
        ...(snap.stuckBlobs === 0 ? {} : { stuckBlobs: snap.stuckBlobs, lastBlobError: stuckScans[0]?.lastError ?? null }),
        rejectedCount: snap.rejected,
        lastPushAt: m.lastPushAt ?? null,
        lastPullAt: m.lastPullAt ?? null,
        freeDiskBytes: disk?.freeBytes ?? null,
        stuck: s.state === 'stuck',
        lastError: s.lastError,
        appVersion: app.version.slice(0, 64),
        shell: app.shell,
        schemaVersion: JOURNAL_SCHEMA_VERSION,
        sentAt: now,
      };
    },
    sendHeartbeat: (r) => lazyTransport.heartbeat(r),
  });

  // One loop per device: the window holding the Web Lock runs it; a save anywhere rings the bell.
  const leader: LeaderHandle = requestLeadership(deps.locks);
  let leading = false;
  void leader.elected.then(() => {
    leading = true;
    loop.start();
  });
  const bell = createSyncBell(() => {
    void loop.refresh().catch(() => undefined);
    if (leading) loop.trigger({ bypassBackoff: false });
  });
  const onOnline = () => loop.trigger();
  const events = deps.onlineEvents === undefined ? (typeof window === 'undefined' ? null : window) : deps.onlineEvents;
  events?.addEventListener('online', onOnline);
  events?.addEventListener('offline', onOnline);
  void loop.refresh().catch(() => undefined);

  return {
    watchStatus(onChange) {
      listeners.add(onChange);
      onChange(status);
      return () => listeners.delete(onChange);
    },
    syncNow: () => loop.trigger(),
    isEnrolled: () => token !== null && serverUrl() !== null,
    async enrol(rawUrl, rawCode) {
      let url: URL;
      try {
        url = new URL(rawUrl.trim());
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
      } catch {
        return err('config.server-url', `not an http(s) URL: ${rawUrl.slice(0, 100)}`);
      }
      const code = rawCode.trim().toUpperCase().replace(/\s+/g, '');
      const dashed = code.replace(/-/g, '').length === 16 ? code.replace(/-/g, '').match(/.{4}/g)!.join('-') : code;
      if (!EnrolCode.safeParse(dashed).success) return err('enrol.code-format', 'the code has 16 letters and digits, like ABCD-EFGH-JKLM-NPQR');
      const base = url.toString().replace(/\/+$/, '');
      const device = deps.device();
      try {
        const answer = await transportFor(base, () => null, enrolFetch).enrol({
          code: dashed,
          deviceId: device.deviceId,
          role: deps.enrolRole?.() ?? device.role,
          // The centre binds it: a slot held by another active device is refused (enrol.slot-taken).
          slot: device.kioskSlot,
        });
        const stored = await writeCredential(answer.token, base, answer.branchCode);
        if (!stored.ok) return stored;
        const saved = await deps.saveDevice({ ...device, serverUrl: base, branchCode: answer.branchCode });
        if (!saved.ok) return saved;
        token = answer.token;
        loop.trigger();
        return ok({ branchCode: answer.branchCode, serverUrl: base });
      } catch (e) {
        if (e instanceof TransportError) return err(e.wire.code, e.wire.detail);
        return err('enrol.failed', describeUnknown(e));
      }
    },
    listIssues: (all) => listSyncIssues(db, all),
    listStuckScans: () => listStuckBlobs(db, clock.now(), stuckBlobAfterMs),
    async acknowledgeIssue(mutationId) {
      await acknowledgeSyncIssue(db, mutationId, clock.now());
      await loop.refresh().catch(() => undefined);
    },
    async saved(entry) {
      bell.ring();
      const r = await platform
        .journalAppend({ journalId: await journalId(db), entries: [entry] })
        .catch((e: unknown) => err('journal.write-failed', describeUnknown(e)));
      if (!r.ok) {
        console.warn('journal append failed:', r.error.code);
        // Appended again by the repair within a minute (or at the next start).
        journalNeedsRepair = true;
      }
    },
    assertCaptureAllowed() {
      if (disk?.low) {
        throw new AppFailure('disk.low', `only ${Math.round(disk.freeBytes / 1048576)} MiB free; below ${Math.round(disk.thresholdBytes / 1048576)} MiB`);
      }
    },
    disk: () => disk,
    reuseCentre() {
      if (token === null || serverUrl() === null) return 'not-enrolled';
      if (!isOnline()) return 'offline';
      const t = transport();
      const { reuseIndex, reusePdf } = t;
      if (!reuseIndex || !reusePdf) return 'offline';
      return { index: (id) => reuseIndex.call(t, id), pdf: (r) => reusePdf.call(t, r) };
    },
    queueOwner() {
      if (token === null || serverUrl() === null) return 'not-enrolled';
      if (!isOnline()) return 'offline';
      const t = transport();
      const { queueAction, queueState, queueEvents, answerStaffCall } = t;
      if (!queueAction || !queueState) return 'offline';
      return {
        act: (args) => queueAction.call(t, args),
        state: (day) => queueState.call(t, day),
        ...(answerStaffCall ? { answerStaffCall: (request: StaffCallAnswerRequest) => answerStaffCall.call(t, request) } : {}),
        ...(queueEvents ? { events: (branch: string, handlers: QueueEventHandlers) => queueEvents.call(t, branch, handlers) } : {}),
      };
    },
    queueBoard() {
      if (token === null || serverUrl() === null) return 'not-enrolled';
      if (!isOnline()) return 'offline';
      const t = transport();
      const { queueBoard, queueEvents } = t;
      if (!queueBoard) return 'offline';
      return {
        board: (branch) => queueBoard.call(t, branch),
        ...(queueEvents ? { events: (branch: string, handlers: QueueEventHandlers) => queueEvents.call(t, branch, handlers) } : {}),
      };
    },
    lookupServer() {
      if (token === null || serverUrl() === null) return 'not-enrolled';
      if (!isOnline()) return 'offline';
      const t = transport();
      const { lookup } = t;
      if (!lookup) return 'offline';
      return (request) => lookup.call(t, request);
    },
    stop() {
      clearInterval(diskTimer);
      clearInterval(repairTimer);
      loop.stop();
      leader.release();
      bell.close();
      events?.removeEventListener('online', onOnline);
      events?.removeEventListener('offline', onOnline);
    },
  };
}
