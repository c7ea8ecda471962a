import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../shared/clock';
import type { HubHeartbeatRequest, HubStatus } from '../../shared/hub';
import { SYNC_PROTOCOL_VERSION } from '../../shared/sync';
import { UpstreamUnreachable, type Upstream } from './upstream';
import { oneAtATime } from '../../shared/oneAtATime';

/**
 * The hub's heartbeat to the centre (POST /v1/hub/heartbeat): its status figures (what it holds
 * for the centre, stalled journals, mirrored cursors), its version and clock, every `everyMs`.
 *
 * Nothing is queued and nothing waits on it: a heartbeat the centre does not answer is dropped (the
 * next one carries fresher figures). After such a miss the worker watches the link state the relay
 * and the mirror keep up to date (no request of its own) and sends as soon as any request to the
 * centre got an answer again, or at the next `everyMs` at the latest. One heartbeat at a time, so
 * the centre receives them in the order they were made.
 */
export type HeartbeatOutcome = 'sent' | 'unreachable' | 'refused';

export interface HubHeartbeat {
  /** Makes and sends one heartbeat now (the worker's loop calls it; tests too). */
  sendOnce(): Promise<HeartbeatOutcome>;
  start(): void;
  stop(): Promise<void>;
  /** The hub's clock when the centre last accepted one. */
  lastSentAt(): number | null;
}

export const DEFAULT_HEARTBEAT_EVERY_MS = 60_000;

/** The heartbeat body from the hub's status: the figures, without what the centre knows from the credential. */
export function heartbeatReport(status: HubStatus, appVersion: string, sentAt: number): HubHeartbeatRequest {
  return {
    protocolVersion: SYNC_PROTOCOL_VERSION,
    appVersion: appVersion.slice(0, 64),
    sentAt,
    lastUpstreamFailure: status.lastUpstreamFailure,
    unrelayedRecords: status.unrelayedRecords,
    unrelayedBytes: status.unrelayedBytes,
    oldestUnrelayedAgeMs: status.oldestUnrelayedAgeMs,
    lastRelayAt: status.lastRelayAt,
    unrelayedScans: status.unrelayedScans,
    unrelayedScanBytes: status.unrelayedScanBytes,
    oldestUnrelayedScanAgeMs: status.oldestUnrelayedScanAgeMs,
    stalledJournals: status.stalledJournals,
    scopes: status.scopes,
  };
}

export function createHubHeartbeat(options: {
  readonly upstream: Upstream;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly status: () => Promise<HubStatus>;
  readonly appVersion: string;
  readonly everyMs?: number;
  /** How often the link state is looked at after a miss (in memory, no request). */
  readonly watchMs?: number;
  readonly timeoutMs?: number;
}): HubHeartbeat {
  const { upstream, clock, log } = options;
  const everyMs = options.everyMs ?? DEFAULT_HEARTBEAT_EVERY_MS;
  const watchMs = Math.min(options.watchMs ?? 1_000, everyMs);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = true;
  let running: Promise<unknown> | null = null;
  let lastSentAt: number | null = null;

  const onePass = async (): Promise<HeartbeatOutcome> => {
    const sentAt = clock.now();
    const report = heartbeatReport(await options.status(), options.appVersion, sentAt);
    let res;
    try {
      res = await upstream.request('POST', '/v1/hub/heartbeat', report, { timeoutMs });
    } catch (e) {
      if (e instanceof UpstreamUnreachable) return 'unreachable';
      throw e;
    }
    if (res.status === 200) {
      lastSentAt = sentAt;
      return 'sent';
    }
    const code = (res.body as { code?: unknown } | null)?.code;
    log.warn({ status: res.status, code: typeof code === 'string' ? code : null }, 'the centre refused the hub’s heartbeat');
    return 'refused';
  };

  const sendOnce = oneAtATime(onePass);

  const schedule = (ms: number, fn: () => void): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
    timer.unref?.();
  };

  /** After a miss: send once the link answers again, or when `left` runs out. */
  const watch = (left: number): void => {
    timer = null;
    if (left <= 0 || upstream.link().reachable === true) return tick();
    schedule(watchMs, () => watch(left - watchMs));
  };

  const tick = (): void => {
    timer = null;
    const p = sendOnce()
      .catch((e: unknown) => {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'hub heartbeat failed');
        return 'refused' as const;
      })
      .then((outcome) => {
        running = null;
        if (outcome === 'unreachable') schedule(watchMs, () => watch(everyMs - watchMs));
        else schedule(everyMs, tick);
      });
    running = p;
  };

  return {
    sendOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0, tick);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    lastSentAt: () => lastSentAt,
  };
}
