import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { Db } from './db/Db';

/**
 * tus upload locks shared by every server process on one PostgreSQL: a lease row per locked
 * upload in `blob_upload_locks` (migration 007). @tus/server's own MemoryLocker holds locks in one
 * process, so two replicas behind a load balancer could both append to one upload.
 *
 * Guarantees:
 * - While a lease is valid, one request in all the processes holds the upload's lock. Expiry is
 *   database time (`clock_timestamp()`): the processes' clocks are never compared.
 * - A holder renews its leases every `renewEveryMs` (one statement per process for all its locks).
 *   When it cannot renew for `giveUpAfterMs`, or finds its lease gone, it asks its own request to
 *   let go (tus then ends the write within its lockDrainTimeout), well before `leaseMs` runs out,
 *   so a holder cut off from the database has stopped writing before anyone else may start. The
 *   watch runs on its own timer: a renewal that never returns (a connection to a database behind
 *   a network partition hangs rather than fails) does not stop it.
 * - A waiter asks the holder to let go, as tus expects (a kiosk resuming after a cut connection
 *   must not wait for the dead request): it sets `release_requested`, which the holder reads at its
 *   next renewal; a holder in the same process is told at once. A waiter gives up after
 *   `acquireTimeoutMs` or when its request is aborted (tus's ERR_LOCK_TIMEOUT).
 * - A process that dies leaves leases that expire after `leaseMs`; nothing else needs cleaning
 *   (the upload sweep also deletes leases expired long ago). A client resuming an upload after its
 *   server crashed waits for that expiry (tus locks HEAD too), so the defaults keep the lease and
 *   the waiter's patience below the clients' own timeouts (20 s, kiosk and hub alike): the client
 *   gets its answer instead of giving up on a live server and backing off.
 */
export interface LeaseLockerOptions {
  /** How long a lease lasts without renewal. */
  readonly leaseMs?: number;
  /** How often a holder renews its leases and reads release requests. */
  readonly renewEveryMs?: number;
  /** A holder that could not renew for this long lets go; must stay well below leaseMs. */
  readonly giveUpAfterMs?: number;
  /** A waiter gives up after this long. */
  readonly acquireTimeoutMs?: number;
  /** Renewal failures (the database unreachable): logged by the caller. */
  readonly onError?: (error: unknown) => void;
}

/** How long tus lets a request that was asked to let go finish its write (blobs.ts: lockDrainTimeout). */
export const LOCK_DRAIN_TIMEOUT_MS = 1_000;

/**
 * A holder stops writing at most giveUpAfterMs + renewEveryMs + LOCK_DRAIN_TIMEOUT_MS after
 * its last renewal: 10 s, against a 15 s lease. A waiter behind a dead holder gets the lock within
 * the lease (15 s) and answers well inside a client's 20 s timeout (blobLocker.test.ts checks it).
 */
export const LEASE_DEFAULTS = { leaseMs: 15_000, renewEveryMs: 1_000, giveUpAfterMs: 8_000, acquireTimeoutMs: 17_000 } as const;
const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;

interface Held {
  readonly uploadId: string;
  readonly token: string;
  readonly requestRelease: RequestRelease;
  /** performance.now() when the last successful acquire or renewal was sent. */
  renewedAt: number;
}

const ACQUIRE = `
  INSERT INTO blob_upload_locks AS l (upload_id, token, expires_at, release_requested)
  VALUES ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond', false)
  ON CONFLICT (upload_id) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at, release_requested = false
  WHERE l.expires_at < clock_timestamp()
  RETURNING l.token`;

const RENEW = `
  UPDATE blob_upload_locks AS l SET expires_at = clock_timestamp() + $3::double precision * interval '1 millisecond'
  FROM unnest($1::text[], $2::text[]) AS h (upload_id, token)
  WHERE l.upload_id = h.upload_id AND l.token = h.token
  RETURNING l.token, l.release_requested`;

export class PostgresLeaseLocker implements Locker {
  private readonly options: Required<Omit<LeaseLockerOptions, 'onError'>>;
  private readonly onError: (error: unknown) => void;
  /** Leases this process holds, by token. */
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | null = null;
  /** The renewal under way (at most one; a tick while it hangs only watches). */
  private renewing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    options: LeaseLockerOptions = {},
  ) {
    const { onError, ...figures } = options;
    this.options = { ...LEASE_DEFAULTS, ...stripUndefined(figures) };
    this.onError = onError ?? (() => undefined);
    if (this.options.giveUpAfterMs + this.options.renewEveryMs >= this.options.leaseMs) {
      throw new Error('blob locks: giveUpAfterMs + renewEveryMs must stay below leaseMs');
    }
  }

  newLock(id: string): Lock {
    let token: string | null = null;
    return {
      lock: async (signal, requestRelease) => {
        token = await this.acquire(id, signal, requestRelease);
      },
      unlock: async () => {
        if (token === null) throw new Error('Releasing an unlocked lock!');
        const t = token;
        token = null;
        await this.release(t);
      },
    };
  }

  /**
   * Stops renewing and gives up every lease this process holds (server shutdown). A database that
   * does not answer holds it up for at most a renewal period: the leases then expire on their own.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A renewal that hangs (the database unreachable) does not hold the shutdown: its leases expire.
    await Promise.race([this.renewing, sleep(this.options.renewEveryMs)]);
    const held = [...this.held.values()];
    this.held.clear();
    if (held.length === 0) return;
    const released = this.db
      .query(
        'DELETE FROM blob_upload_locks AS l USING unnest($1::text[], $2::text[]) AS h (upload_id, token) WHERE l.upload_id = h.upload_id AND l.token = h.token',
        [held.map((h) => h.uploadId), held.map((h) => h.token)],
      )
      .catch(this.onError);
    await Promise.race([released, sleep(this.options.renewEveryMs)]);
  }

  private async acquire(uploadId: string, signal: AbortSignal, requestRelease: RequestRelease): Promise<string> {
    const token = randomUUID();
    const started = performance.now();
    let delay = RETRY_MIN_MS;
    for (;;) {
      if (signal.aborted || this.closed) throw ERRORS.ERR_LOCK_TIMEOUT;
      const sentAt = performance.now();
      const won = await this.db.query(ACQUIRE, [uploadId, token, this.options.leaseMs]);
      if (won.length > 0) {
        this.held.set(token, { uploadId, token, requestRelease, renewedAt: sentAt });
        this.schedule();
        return token;
      }
      // Ask the holder to let go: directly when it is in this process, through the row otherwise.
      for (const h of this.held.values()) if (h.uploadId === uploadId) callSafely(h.requestRelease);
      await this.db.query('UPDATE blob_upload_locks SET release_requested = true WHERE upload_id = $1 AND NOT release_requested', [uploadId]);
      if (performance.now() - started > this.options.acquireTimeoutMs) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private async release(token: string): Promise<void> {
    const h = this.held.get(token);
    this.held.delete(token);
    if (!h) return;
    // A failed delete leaves the lease to expire (leaseMs): the request itself went well, so it is
    // not turned into an error.
    await this.db.query('DELETE FROM blob_upload_locks WHERE upload_id = $1 AND token = $2', [h.uploadId, token]).catch(this.onError);
  }

  /**
   * Every renewEveryMs while leases are held: a lease not renewed for giveUpAfterMs is let go, then
   * a renewal starts unless the previous one is still waiting for the database.
   */
  private schedule(): void {
    if (this.timer || this.closed || this.held.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.giveUpUnrenewed();
      this.renewing ??= this.renew().finally(() => {
        this.renewing = null;
      });
      this.schedule();
    }, this.options.renewEveryMs);
    this.timer.unref();
  }

  /** Asks every request whose lease went unrenewed for giveUpAfterMs to let go. */
  private giveUpUnrenewed(): void {
    const now = performance.now();
    for (const h of this.held.values()) if (now - h.renewedAt > this.options.giveUpAfterMs) callSafely(h.requestRelease);
  }

  private async renew(): Promise<void> {
    const held = [...this.held.values()];
    if (held.length === 0) return;
    const sentAt = performance.now();
    try {
      const rows = await this.db.query<{ token: string; release_requested: boolean }>(RENEW, [
        held.map((h) => h.uploadId),
        held.map((h) => h.token),
        this.options.leaseMs,
      ]);
      const answered = new Map(rows.map((r) => [r.token, r.release_requested]));
      for (const h of held) {
        if (!this.held.has(h.token)) continue;
        const releaseRequested = answered.get(h.token);
        if (releaseRequested === undefined) {
          // The lease is gone (expired and taken, or deleted): this request must stop writing.
          callSafely(h.requestRelease);
          continue;
        }
        h.renewedAt = sentAt;
        if (releaseRequested) callSafely(h.requestRelease);
      }
    } catch (error) {
      this.onError(error);
    }
  }
}

function callSafely(requestRelease: RequestRelease): void {
  void Promise.resolve()
    .then(requestRelease)
    .catch(() => undefined);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
