import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock';
import type { Db } from '../../src/server/db/Db';
import { revokeDevice } from '../../src/server/admin';
import { readPublished, localChecksum } from '../../src/storage/referenceRepository';
import { listSyncIssues } from '../../src/storage/syncRepository';
import type { PushRequest } from '../../src/shared/sync';
import { TransportError } from '../../src/sync/Transport';
import { dbEngines, serverStateHash } from './engines';
import { enrolKiosk, procedure, publish, rate, startCentre, takeTicket, type TestKiosk } from './syncHarness';

const START = Date.UTC(2026, 10, 24, 1, 0, 0);

describe.each(dbEngines)('two kiosks and the centre, on $name', (engine) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let centre: Awaited<ReturnType<typeof startCentre>>;
  const clock = fixedClock(START);
  /** Every push body any kiosk sent, to replay later. */
  const pushes: { token: string; body: PushRequest }[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/v1/sync/push') && typeof init?.body === 'string') {
      const auth = new Headers(init.headers).get('authorization') ?? '';
      pushes.push({ token: auth, body: JSON.parse(init.body) as PushRequest });
    }
    return fetch(input, init);
  };
  let a: TestKiosk;
  let b: TestKiosk;

  beforeAll(async () => {
    ({ db, dispose } = await engine.open());
    centre = await startCentre(clock, db);
    a = await enrolKiosk(db, centre.baseUrl, clock, 0, { fetch: recordingFetch });
    b = await enrolKiosk(db, centre.baseUrl, clock, 1, { fetch: recordingFetch });
  });
  afterAll(async () => {
    await centre?.close();
    await dispose?.();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: unknown }>(sql, params))[0]?.n);

  it('delivers tickets and ratings captured offline on both kiosks exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) {
      clock.advance(1000);
      ids.push(await takeTicket(i % 2 ? a : b, clock, undefined, i % 3 ? 'A' : 'B'));
      if (i % 10 === 0) ids.push(await rate(i % 4 ? a : b, clock, i % 20 ? 'satisfied' : 'dissatisfied'));
    }
    expect(await a.db.outbox.count()).toBeGreaterThan(MAX_BATCH_HINT);
    // Both kiosks come online at the same time.
    const [ra, rb] = await Promise.all([a.engine.runOnce(), b.engine.runOnce()]);
    expect(ra.applied + rb.applied).toBe(ids.length);
    expect(await count('SELECT count(*) AS n FROM tickets')).toBe(130);
    expect(await count('SELECT count(*) AS n FROM ratings')).toBe(ids.length - 130);
    expect(await count(`SELECT count(*) AS n FROM tickets WHERE id = ANY($1::uuid[])`, [ids])).toBe(130);
    for (const k of [a, b]) {
      expect(await k.db.outbox.count()).toBe(0);
      expect(await k.db.tickets.filter((t) => !t.syncedAt).count()).toBe(0);
      expect(await k.db.ratings.filter((r) => !r.syncedAt).count()).toBe(0);
    }
    // A second run has nothing to push and changes nothing on the server.
    const before = await serverStateHash(db);
    const again = await a.engine.runOnce();
    expect(again.pushed).toBe(0);
    expect(await serverStateHash(db)).toBe(before);
  });

  it('brings catalog changes published at the centre down to both kiosks', async () => {
    const names = Array.from({ length: 23 }, (_, i) => procedure(`1.00${String(1000 + i)}`, `Thủ tục số ${i + 1}: Đăng ký khai sinh`));
    expect(
      (
        await publish(
          centre.baseUrl,
          centre.adminToken,
          'global',
          names.map((p) => ({ entity: 'procedure', op: 'put', data: p })),
        )
      ).status,
    ).toBe(200);
    await Promise.all([a.engine.runOnce(), b.engine.runOnce()]);
    for (const k of [a, b]) expect((await readPublished(k.reference, 'global', 'procedure')).length).toBe(23);
    // Rename one, retire another, delete a third: only the changes travel, and both kiosks agree.
    const changed = await publish(centre.baseUrl, centre.adminToken, 'global', [
      { entity: 'procedure', op: 'put', data: { ...names[0], name: 'Đăng ký khai sinh (đã sửa)' } },
      { entity: 'procedure', op: 'put', data: { ...names[1], active: false } },
      { entity: 'procedure', op: 'delete', data: { key: names[2]!.code } },
    ]);
    expect(changed.status).toBe(200);
    const reports = await Promise.all([a.engine.runOnce(), b.engine.runOnce()]);
    for (const r of reports) expect(r.pulled).toBe(3);
    for (const k of [a, b]) {
      const procs = await readPublished<{ code: string; name: string; active: boolean }>(k.reference, 'global', 'procedure');
      expect(procs).toHaveLength(22);
      expect(procs.find((p) => p.code === names[0]!.code)?.name).toBe('Đăng ký khai sinh (đã sửa)');
      expect(procs.find((p) => p.code === names[1]!.code)?.active).toBe(false);
      expect(procs.find((p) => p.code === names[2]!.code)).toBeUndefined();
      expect((await readPublished(k.reference, 'branch:CN01', 'branchConfig')).length).toBe(1);
    }
    expect(await localChecksum(a.reference, 'global')).toEqual(await localChecksum(b.reference, 'global'));

    // A delete names a real key of a record the scope holds: the probe's injection-looking key, a
    // well-formed key never published, and a deleted key's sibling in a bad batch change nothing.
    const seqs = async () => (await db.query<{ last_seq: unknown }>("SELECT last_seq FROM scope_seqs WHERE scope = 'global'"))[0]!.last_seq;
    const before = await seqs();
    const refused = [
      await publish(centre.baseUrl, centre.adminToken, 'global', [{ entity: 'procedure', op: 'delete', data: { key: "x' OR 1=1" } }]),
      await publish(centre.baseUrl, centre.adminToken, 'global', [{ entity: 'procedure', op: 'delete', data: { key: '9.999999' } }]),
      await publish(centre.baseUrl, centre.adminToken, 'global', [
        { entity: 'procedure', op: 'delete', data: { key: names[3]!.code } },
        { entity: 'calendar', op: 'delete', data: { key: '1999' } },
      ]),
    ];
    expect(refused.map((r) => [r.status, (r.body as { code: string }).code])).toEqual([
      [422, 'publish.invalid'],
      [404, 'publish.unknown-key'],
      [422, 'publish.invalid'],
    ]);
    expect(await seqs()).toBe(before);
    expect(await db.query("SELECT 1 FROM changes WHERE scope = 'global' AND op = 'delete'")).toHaveLength(1);
    // Put and delete in one batch is fine; deleting again what is deleted is too (idempotent).
    const local = procedure('1.009999', 'Thủ tục tạm');
    const both = await publish(centre.baseUrl, centre.adminToken, 'global', [
      { entity: 'procedure', op: 'put', data: local },
      { entity: 'procedure', op: 'delete', data: { key: local.code } },
      { entity: 'procedure', op: 'delete', data: { key: names[2]!.code } },
    ]);
    expect(both.status, JSON.stringify(both.body)).toBe(200);
  });

  it('repairs a diverged local copy when the scope checksum differs', async () => {
    await a.reference.records.delete(['global', 'procedure', '1.001003']);
    await a.reference.records.put({ scope: 'global', entity: 'procedure', key: '9.999999', seq: 1, checksum: 5, data: {} });
    clock.advance(11 * 60_000); // the checksum is asked for every 10 minutes
    const report = await a.engine.runOnce();
    expect(report.repulled).toEqual(['global']);
    expect(await localChecksum(a.reference, 'global')).toEqual(await localChecksum(b.reference, 'global'));
  });

  it('is not confused by the kiosk clock moving 24 h back or forth', async () => {
    const ids: string[] = [];
    for (const shift of [-24 * 3600_000, 24 * 3600_000, 24 * 3600_000, -24 * 3600_000]) {
      clock.advance(shift);
      ids.push(await takeTicket(a, clock, undefined, 'C'));
      ids.push(await rate(b, clock));
      await publish(centre.baseUrl, centre.adminToken, 'global', [{ entity: 'procedure', op: 'put', data: procedure('1.009999', `Thủ tục lúc ${shift}`) }]);
      await Promise.all([a.engine.runOnce(), b.engine.runOnce()]);
    }
    expect(await count(`SELECT count(*) AS n FROM tickets WHERE id = ANY($1::uuid[])`, [ids])).toBe(4);
    expect(await count(`SELECT count(*) AS n FROM ratings WHERE id = ANY($1::uuid[])`, [ids])).toBe(4);
    for (const k of [a, b]) {
      expect(await k.db.outbox.count()).toBe(0);
      const p = await readPublished<{ name: string }>(k.reference, 'global', 'procedure');
      expect(p.find((x) => (x as unknown as { code: string }).code === '1.009999')?.name).toBe(`Thủ tục lúc ${-24 * 3600_000}`);
    }
  });

  it('leaves the server unchanged when any push is replayed 1–5 times in any order', async () => {
    expect(pushes.length).toBeGreaterThan(8);
    const before = await serverStateHash(db);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const replay = pushes.flatMap((p) => Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => p));
    replay.sort(() => rnd() - 0.5);
    for (const p of replay) {
      const res = await fetch(`${centre.baseUrl}/v1/sync/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: p.token },
        body: JSON.stringify(p.body),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { status: string }[] };
      expect(body.results.every((r) => r.status === 'duplicate')).toBe(true);
    }
    expect(await serverStateHash(db)).toBe(before);
  });

  it('starts a new stream when the kiosk database is lost, instead of taking new records for duplicates', async () => {
    const oldJournal = (await a.db.settings.get('journalId'))!.value;
    // The IndexedDB store is wiped (Chromium reset); the device keeps its credential.
    await a.db.delete();
    await a.reference.delete();
    a.restart();
    const fresh = (await a.db.settings.get('journalId'))!.value;
    expect(fresh).not.toBe(oldJournal);
    const id = await takeTicket(a, clock, undefined, 'D');
    const report = await a.engine.runOnce();
    expect(report.applied).toBe(1);
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [id])).toBe(1);
    // The reference data comes back too.
    expect((await readPublished(a.reference, 'global', 'procedure')).length).toBeGreaterThan(0);
  });

  it('keeps rejected mutations visible to staff and does not let them block the queue', async () => {
    // Two tickets with the same number: the second kiosk's is refused, the queue goes on.
    const t1 = await takeTicket(b, clock, undefined, 'E');
    await b.db.tickets.get(t1);
    const entry = (await b.db.outbox.toArray())[0]!;
    const clash = { ...(entry.args as Record<string, unknown>), id: crypto.randomUUID() };
    await b.db.transaction('rw', b.db.outbox, b.db.counters, async () => {
      const seq = entry.deviceSeq + 1;
      await b.db.outbox.add({ ...entry, mutationId: crypto.randomUUID(), deviceSeq: seq, args: clash });
      await b.db.counters.put({ key: 'deviceSeq', value: seq });
    });
    const after = await takeTicket(b, clock, undefined, 'E');
    const report = await b.engine.runOnce();
    expect(report.rejected).toBe(1);
    expect(await b.db.outbox.count()).toBe(0);
    const issues = await listSyncIssues(b.db);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.reason.code).toBe('ticket.number-taken');
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [after])).toBe(1);
  });

  it('refuses a revoked kiosk at once and keeps its outbox for later', async () => {
    await takeTicket(b, clock, undefined, 'F');
    await revokeDevice(db, b.deviceId, clock.now());
    const failure = await b.engine.runOnce().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect((failure as TransportError).kind).toBe('auth');
    expect((failure as TransportError).wire.code).toBe('auth.revoked');
    expect(await b.db.outbox.count()).toBe(1);
  });
});

const MAX_BATCH_HINT = 50;
