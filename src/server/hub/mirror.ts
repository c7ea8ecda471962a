import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../shared/clock';
import { HubDevicesResponse } from '../../shared/hub';
import { scopesOf, type Scope } from '../../shared/published';
import { MAX_PULL_LIMIT, PullResponse, SYNC_PROTOCOL_VERSION, type Change } from '../../shared/sync';
import type { Db } from '../db/Db';
import { UpstreamUnreachable, type Upstream } from './upstream';
import { taskLine } from '../../shared/oneAtATime';

/**
 * The hub's copy of what the centre publishes for its branch (the global scope, the branch's, its
 * staff accounts), pulled with the hub's credential and stored **verbatim**: same seqs, same
 * per-record checksums. The hub's pull answers are then the centre's, as of the last mirror pass:
 * a kiosk moved between hub and centre keeps its cursors (a hub behind the kiosk's cursor answers
 * where its feed ends, and the kiosk re-pulls that scope, as after a centre restore).
 *
 * Each page is applied with the scope's new cursor in one transaction. At the end of a scope the
 * centre's checksum is compared with the hub's own: a difference (a lost page, a restored centre)
 * makes the hub forget the scope and pull it again from 0, once per pass. The same pass reads the
 * branch's devices from the centre (HubDevice), so the hub checks credentials as the centre would.
 */
export interface MirrorPass {
  readonly pulled: number;
  readonly repulled: readonly Scope[];
}

export interface Mirror {
  runOnce(): Promise<MirrorPass>;
  /** A pass that starts after this call, shared by every caller until it starts. */
  freshPass(): Promise<MirrorPass>;
  start(): void;
  stop(): Promise<void>;
  upToDateAt(scope: Scope): number | null;
  scopes(): readonly Scope[];
  /**
   * Reads the branch's devices from the centre now (a credential the hub does not know: a kiosk
   * enrolled since the last pass, or a hub that lost its database). Calls made while one is under
   * way share it; after one, the next waits DEVICES_ASK_EVERY_MS (an unknown token must not make
   * the hub hammer the centre). True when the list was read.
   */
  devicesNow(): Promise<boolean>;
}

/** At most one on-demand device read per this many ms (mirror.devicesNow). */
export const DEVICES_ASK_EVERY_MS = 5_000;

export function createMirror(options: {
  readonly db: Db;
  readonly clock: Clock;
  readonly upstream: Upstream;
  readonly branchCode: string;
  readonly log: FastifyBaseLogger;
  readonly everyMs?: number;
}): Mirror {
  const { db, clock, upstream, log } = options;
  const scopes = scopesOf(options.branchCode, 'hub');
  const everyMs = options.everyMs ?? 15_000;
  const upToDate = new Map<Scope, number>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;

  const cursorOf = async (scope: Scope): Promise<number> => {
    const rows = await db.query<{ last_seq: unknown }>('SELECT last_seq FROM scope_seqs WHERE scope = $1', [scope]);
    return Number(rows[0]?.last_seq ?? 0);
  };

  const forget = async (scope: Scope): Promise<void> => {
    await db.transaction(async (tx) => {
      await tx.query('DELETE FROM changes WHERE scope = $1', [scope]);
      await tx.query('DELETE FROM scope_seqs WHERE scope = $1', [scope]);
    });
  };

  const apply = async (scope: Scope, changes: readonly Change[], cursor: number): Promise<void> => {
    await db.transaction(async (tx) => {
      if (changes.length > 0) {
        await tx.query(
          `INSERT INTO changes (scope, entity, key, seq, op, data, checksum)
           SELECT $1, x.entity, x.key, x.seq, x.op, x.data, x.checksum
           FROM jsonb_to_recordset($2::jsonb) AS x(entity text, key text, seq bigint, op text, data jsonb, checksum bigint)
           ON CONFLICT (scope, entity, key) DO UPDATE SET seq = EXCLUDED.seq, op = EXCLUDED.op, data = EXCLUDED.data,
             checksum = EXCLUDED.checksum, published_at = now()`,
          [
            scope,
            JSON.stringify(
              changes.map((c) => ({ entity: c.entity, key: c.key, seq: c.seq, op: c.op, data: c.op === 'put' ? c.data : null, checksum: c.checksum })),
            ),
          ],
        );
      }
      await tx.query(
        `INSERT INTO scope_seqs (scope, last_seq) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET last_seq = GREATEST(scope_seqs.last_seq, EXCLUDED.last_seq)`,
        [scope, cursor],
      );
    });
  };

  const localChecksum = async (scope: Scope): Promise<{ count: number; sum: number }> => {
    const [row] = await db.query<{ n: unknown; s: unknown }>(
      "SELECT count(*) AS n, coalesce(sum(checksum), 0) AS s FROM changes WHERE scope = $1 AND op = 'put'",
      [scope],
    );
    return { count: Number(row?.n ?? 0), sum: Number(row?.s ?? 0) };
  };

  const mirrorScope = async (scope: Scope, repulled: Scope[]): Promise<number> => {
    let pulled = 0;
    let resets = 0;
    for (;;) {
      const cursor = await cursorOf(scope);
      const res = await upstream.request('POST', '/v1/sync/pull', {
        protocolVersion: SYNC_PROTOCOL_VERSION,
        scope,
        cursor,
        limit: MAX_PULL_LIMIT,
        withChecksum: true,
      });
      if (res.status !== 200) throw new Error(`the centre answered ${res.status} to the pull of ${scope}`);
      const page = PullResponse.parse(res.body);
      if (page.cursor < cursor && page.changes.length === 0) {
        if (resets++ > 0) throw new Error(`scope ${scope}: the centre's feed went back again`);
        await forget(scope);
        repulled.push(scope);
        continue;
      }
      if (page.scope !== scope || (page.changes.length > 0 && page.changes[0]!.seq <= cursor))
        throw new Error(`the pull of ${scope} was answered out of order`);
      await apply(scope, page.changes, page.cursor);
      pulled += page.changes.length;
      if (page.hasMore) continue;
      if (page.checksum) {
        const local = await localChecksum(scope);
        if (local.count !== page.checksum.count || local.sum !== page.checksum.sum) {
          if (resets++ > 0) throw new Error(`scope ${scope} still differs from the centre's after a re-pull`);
          await forget(scope);
          repulled.push(scope);
          continue;
        }
      }
      upToDate.set(scope, clock.now());
      return pulled;
    }
  };

  /**
   * The branch's devices as the centre has them (credential hashes, roles, slots, revocations):
   * the hub's copy becomes the centre's, in one transaction (slots cleared first, so a slot that
   * moved between two devices never trips the one-active-device-per-slot index midway).
   */
  const mirrorDevices = async (timeoutMs?: number): Promise<void> => {
    const res = await upstream.request('GET', '/v1/hub/devices', undefined, timeoutMs === undefined ? {} : { timeoutMs });
    if (res.status !== 200) throw new Error(`the centre answered ${res.status} to the device list`);
    const list = HubDevicesResponse.parse(res.body);
    if (list.branchCode !== options.branchCode) throw new Error(`the centre listed the devices of ${list.branchCode}, not of ${options.branchCode}`);
    const rows = list.devices.map((d) => ({
      device_id: d.deviceId,
      role: d.role,
      slot: d.slot,
      token_hash: d.tokenHash,
      enrolled_at: d.enrolledAt,
      revoked_at: d.revokedAt,
    }));
    await db.transaction(async (tx) => {
      await tx.query('UPDATE devices SET slot = NULL WHERE branch_code = $1 AND slot IS NOT NULL', [options.branchCode]);
      await tx.query(
        `INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot, revoked_at)
         SELECT x.device_id, $2, x.role, x.token_hash, x.enrolled_at, x.slot, x.revoked_at
         FROM jsonb_to_recordset($1::jsonb) AS x(device_id uuid, role text, token_hash text, enrolled_at bigint, slot integer, revoked_at bigint)
         ORDER BY x.revoked_at IS NULL
         ON CONFLICT (device_id) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, enrolled_at = EXCLUDED.enrolled_at,
           slot = EXCLUDED.slot, revoked_at = EXCLUDED.revoked_at, slot_conflict = NULL`,
        [JSON.stringify(rows), options.branchCode],
      );
    });
  };

  // One pass at a time: the timer's and a caller's (tests, a technician's command) never interleave.
  const line = taskLine();
  const pass = async (): Promise<MirrorPass> => {
    const repulled: Scope[] = [];
    let pulled = 0;
    for (const scope of scopes) pulled += await mirrorScope(scope, repulled);
    await mirrorDevices();
    if (pulled > 0 || repulled.length > 0) log.info({ pulled, repulled }, 'mirrored the centre’s published data');
    return { pulled, repulled };
  };
  const runOnce = (): Promise<MirrorPass> => line(pass);
  let queued: Promise<MirrorPass> | null = null;
  const freshPass = (): Promise<MirrorPass> =>
    (queued ??= line(async () => {
      queued = null;
      return pass();
    }));

  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = runOnce()
        .catch((e: unknown) => {
          if (!(e instanceof UpstreamUnreachable)) log.warn({ err: e instanceof Error ? e.message : String(e) }, 'mirror pass failed');
        })
        .finally(() => {
          running = null;
          schedule(everyMs);
        });
    }, ms);
    timer.unref?.();
  };

  let devicesAsk: Promise<boolean> | null = null;
  let devicesAskedAt = -Infinity;

  return {
    runOnce,
    freshPass,
    devicesNow() {
      if (devicesAsk) return devicesAsk;
      // A rate limit, not domain time: the monotonic clock, whatever the injected clock says.
      if (performance.now() - devicesAskedAt < DEVICES_ASK_EVERY_MS) return Promise.resolve(false);
      devicesAskedAt = performance.now();
      devicesAsk = mirrorDevices(3_000)
        .then(() => true)
        .catch((e: unknown) => {
          if (!(e instanceof UpstreamUnreachable)) log.warn({ err: e instanceof Error ? e.message : String(e) }, 'reading the devices failed');
          return false;
        })
        .finally(() => {
          devicesAsk = null;
        });
      return devicesAsk;
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
    upToDateAt: (scope) => upToDate.get(scope) ?? null,
    scopes: () => scopes,
  };
}
