import { describe, expect, it } from 'vitest';
import { LEASE_DEFAULTS, LOCK_DRAIN_TIMEOUT_MS, PostgresLeaseLocker } from '../../src/server/blobLocker';
import type { Db } from '../../src/server/db/Db';
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from '../../src/server/hub/upstream';
import { DEFAULT_TIMEOUT_MS } from '../../src/sync/httpTransport';

/**
 * The lease locker without a database (test/integration/replicas.test.ts runs it on PostgreSQL):
 * a database that answers the lock's first statement and then hangs, as a connection to a server
 * behind a network partition does (no error, no answer).
 */
function hangingAfterAcquire(): { db: Db; renewalsSent: () => number } {
  let renewals = 0;
  const db: Db = {
    kind: 'postgres',
    async query<T>(sql: string): Promise<T[]> {
      if (/INSERT INTO blob_upload_locks/.test(sql)) return [{ token: 'won' }] as T[];
      if (/UPDATE blob_upload_locks AS l SET expires_at/.test(sql)) renewals++;
      return new Promise<T[]>(() => undefined);
    },
    exec: () => new Promise<void>(() => undefined),
    transaction: () => new Promise<never>(() => undefined),
    close: async () => undefined,
  };
  return { db, renewalsSent: () => renewals };
}

describe('the blob lease locker', () => {
  it('tells a holder to let go when its renewal never returns, before its lease could be taken', async () => {
    const options = { leaseMs: 1_500, renewEveryMs: 20, giveUpAfterMs: 200, acquireTimeoutMs: 1_000 };
    const { db, renewalsSent } = hangingAfterAcquire();
    const locker = new PostgresLeaseLocker(db, options);
    let toldAt: number | null = null;
    const lock = locker.newLock('upload-1');
    await lock.lock(new AbortController().signal, () => {
      toldAt ??= performance.now();
    });
    const lockedAt = performance.now();
    await expect.poll(() => toldAt, { timeout: 1_200, interval: 10 }).not.toBeNull();
    // Told because the renewal hung (one was sent and never came back), not for a lost lease.
    expect(renewalsSent()).toBe(1);
    expect(toldAt! - lockedAt).toBeGreaterThanOrEqual(options.giveUpAfterMs);
    // Shutting down does not wait for the hung renewal either.
    await locker.close();
  });

  it('has defaults under which a client resuming after its server crashed is answered before it gives up', () => {
    const clientTimeout = Math.min(DEFAULT_TIMEOUT_MS, DEFAULT_UPSTREAM_TIMEOUT_MS);
    // A holder cut off from the database stops writing before its lease can be taken…
    expect(LEASE_DEFAULTS.giveUpAfterMs + LEASE_DEFAULTS.renewEveryMs + LOCK_DRAIN_TIMEOUT_MS).toBeLessThan(LEASE_DEFAULTS.leaseMs);
    // …a waiter behind a dead holder outlasts the lease, so it gets the lock rather than an error…
    expect(LEASE_DEFAULTS.acquireTimeoutMs).toBeGreaterThan(LEASE_DEFAULTS.leaseMs);
    // …and answers while the kiosk or the hub is still waiting for it.
    expect(LEASE_DEFAULTS.acquireTimeoutMs).toBeLessThan(clientTimeout);
  });
});
