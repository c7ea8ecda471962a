import { dbEngines } from './engines';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock';
import { EnrolResponse, MAX_PUSH_MUTATIONS, PushGap, PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { createBranch, createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { sampleRatingArgs } from './serverHarness';

/**
 * The central server over real HTTP (port 0), on in-memory PGlite and, when TEST_DATABASE_URL is
 * set (scripts/ci-postgres.sh), on a fresh database of a real PostgreSQL. In CI the PostgreSQL run
 * is mandatory: a missing TEST_DATABASE_URL fails instead of skipping.
 */
const engines = dbEngines;
const postgresUrl = process.env.TEST_DATABASE_URL;

describe('PostgreSQL variant', () => {
  it('runs in CI (TEST_DATABASE_URL from scripts/ci-postgres.sh)', () => {
    if (process.env.CI && !postgresUrl) {
      throw new Error('CI is set but TEST_DATABASE_URL is not: start PostgreSQL with scripts/ci-postgres.sh and export its output');
    }
    if (!postgresUrl) console.warn('TEST_DATABASE_URL not set: server tests run on PGlite only (scripts/ci-postgres.sh starts PostgreSQL 15)');
  });
});

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const JOURNAL = '0193a1b2-0000-7000-8000-000000000001';

describe.each(engines)('central server on $name', (engine) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  const clock = fixedClock(START);

  beforeAll(async () => {
    ({ db, dispose } = await engine.open());
    await migrate(db);
    await createBranch(db, 'CN01', 'Chi nhánh số 1');
    await createBranch(db, 'CN02', 'Chi nhánh số 2');
    app = buildServer({ db, clock, version: 'test' });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const enrol = async (branch = 'CN01', role: 'citizen' | 'counter' | 'technician' = 'citizen') => {
    const { code } = await createEnrolCode(db, branch, role, clock.now());
    const deviceId = randomUUID();
    const res = await post('/v1/enrol', { code, deviceId, role });
    expect(res.status).toBe(200);
    const body = EnrolResponse.parse(res.body);
    return { deviceId, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
  };

  const ticketArgs = (slot: number, seq: number, overrides: Record<string, unknown> = {}) => {
    const numeric = slot * 1000 + seq;
    return {
      id: randomUUID(),
      branchCode: 'CN01',
      kioskSlot: slot,
      day: '2026-11-24',
      groupPrefix: 'A',
      number: `A${String(numeric).padStart(4, '0')}`,
      numeric,
      priority: false,
      issuedAt: START + seq,
      ...overrides,
    };
  };
  const mutation = (deviceSeq: number, args: unknown): MutationEnvelope => ({
    mutationId: randomUUID(),
    deviceSeq,
    name: 'ticket.issue@1',
    args,
    schemaVersion: 1,
    createdAt: START + deviceSeq,
  });
  const push = (auth: Record<string, string>, mutations: unknown[], journalId = JOURNAL) =>
    post('/v1/sync/push', { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations }, auth);

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: unknown }>(sql, params))[0]?.n);
  const snapshot = async () => ({
    tickets: await count('SELECT count(*) AS n FROM tickets'),
    mutations: await count('SELECT count(*) AS n FROM mutations'),
    seqSum: await count('SELECT coalesce(sum(last_seq), 0) AS n FROM journals'),
  });

  it('applies migrations idempotently', async () => {
    expect(await migrate(db)).toEqual([]);
    expect(await count('SELECT count(*) AS n FROM schema_migrations')).toBeGreaterThanOrEqual(1);
  });

  it('reports health', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: engine.name, version: 'test', protocolVersion: 1 });
  });

  describe('enrolment', () => {
    it('enrols with a valid code once, then refuses the same code', async () => {
      const { code } = await createEnrolCode(db, 'CN01', 'citizen', clock.now());
      const deviceId = randomUUID();
      const first = await post('/v1/enrol', { code: code.toLowerCase(), deviceId, role: 'citizen' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ deviceId, branchCode: 'CN01' });
      expect(String(first.body.token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stored = await db.query<{ token_hash: string }>('SELECT token_hash FROM devices WHERE device_id = $1', [deviceId]);
      expect(stored[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0]?.token_hash).not.toContain(String(first.body.token));

      const again = await post('/v1/enrol', { code, deviceId: randomUUID(), role: 'citizen' });
      expect(again).toMatchObject({ status: 410, body: { code: 'enrol.code-used' } });
    });

    it('refuses unknown, expired and wrong-role codes', async () => {
      const unknown = await post('/v1/enrol', { code: 'AAAA-BBBB-CCCC-DDDD', deviceId: randomUUID(), role: 'citizen' });
      expect(unknown).toMatchObject({ status: 401, body: { code: 'enrol.unknown-code' } });

      const expiring = await createEnrolCode(db, 'CN01', 'citizen', clock.now(), 60_000);
      clock.advance(60_001);
      const expired = await post('/v1/enrol', { code: expiring.code, deviceId: randomUUID(), role: 'citizen' });
      expect(expired).toMatchObject({ status: 410, body: { code: 'enrol.code-expired' } });

      const counter = await createEnrolCode(db, 'CN01', 'counter', clock.now());
      const wrongRole = await post('/v1/enrol', { code: counter.code, deviceId: randomUUID(), role: 'citizen' });
      expect(wrongRole).toMatchObject({ status: 403, body: { code: 'enrol.role-mismatch' } });
    });

    it('rejects a malformed enrolment request with 400', async () => {
      const res = await post('/v1/enrol', { code: 'X', deviceId: 'not-a-uuid', role: 'citizen' });
      expect(res).toMatchObject({ status: 400, body: { code: 'enrol.bad-request' } });
    });
  });

  describe('push', () => {
    it('applies 5 tickets, then answers a replay with duplicates and changes nothing', async () => {
      const kiosk = await enrol();
      const mutations = [1, 2, 3, 4, 5].map((seq) => mutation(seq, ticketArgs(0, seq)));
      const first = await push(kiosk.auth, mutations);
      expect(first.status).toBe(200);
      const body = PushResponse.parse(first.body);
      expect(body.lastSeq).toBe(5);
      expect(body.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
      expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(5);

      const before = await snapshot();
      const replay = PushResponse.parse((await push(kiosk.auth, mutations)).body);
      expect(replay.lastSeq).toBe(5);
      expect(replay.results.map((r) => [r.deviceSeq, r.status, r.reason])).toEqual([1, 2, 3, 4, 5].map((s) => [s, 'duplicate', undefined]));
      expect(await snapshot()).toEqual(before);
    });

    it('answers a gap with 409 and the expected seq, keeping what came before it', async () => {
      const kiosk = await enrol();
      const gap = await push(kiosk.auth, [mutation(2, ticketArgs(1, 2))]);
      expect(gap.status).toBe(409);
      expect(PushGap.parse(gap.body)).toMatchObject({ code: 'sync.gap', expectedSeq: 1, results: [] });

      const partial = await push(kiosk.auth, [mutation(1, ticketArgs(1, 1)), mutation(3, ticketArgs(1, 3))]);
      expect(partial.status).toBe(409);
      const body = PushGap.parse(partial.body);
      expect(body.expectedSeq).toBe(2);
      expect(body.results).toMatchObject([{ deviceSeq: 1, status: 'applied' }]);
      expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(1);
    });

    it('rejects what the database could not store and a second record with the same id, without blocking the queue', async () => {
      const kiosk = await enrol();
      const rating = (extra: Record<string, unknown>) => sampleRatingArgs('CN01', { submittedAt: START, ...extra });
      const twin = ticketArgs(3, 1);
      const mutations = [
        { ...mutation(1, rating({ comment: 'tốt\u0000' })), name: 'rating.submit@1' as const },
        { ...mutation(2, rating({ comment: 'cắt giữa emoji \ud83d' })), name: 'rating.submit@1' as const },
        mutation(3, twin),
        mutation(4, { ...twin, number: 'A3002', numeric: 3002 }),
        { ...mutation(5, rating({ comment: 'Rất tốt 👍' })), name: 'rating.submit@1' as const },
      ];
      const res = await push(kiosk.auth, mutations);
      expect(res.status).toBe(200);
      expect(PushResponse.parse(res.body).results.map((r) => [r.status, r.reason?.code])).toEqual([
        ['rejected', 'sync.invalid-args'],
        ['rejected', 'sync.invalid-args'],
        ['applied', undefined],
        ['rejected', 'ticket.id-taken'],
        ['applied', undefined],
      ]);
      expect(await count('SELECT count(*) AS n FROM ratings WHERE device_id = $1', [kiosk.deviceId])).toBe(1);
    });

    it("refuses records from a role that does not capture them (a technician's machine)", async () => {
      const tech = await enrol('CN01', 'technician');
      const res = await push(tech.auth, [mutation(1, ticketArgs(1, 900))]);
      expect(res.status).toBe(200);
      expect(PushResponse.parse(res.body).results.map((r) => [r.status, r.reason?.code])).toEqual([['rejected', 'auth.role-forbidden']]);
      expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [tech.deviceId])).toBe(0);
    });

    it('records invalid mutations as rejected with a reason and applies the next ones', async () => {
      const kiosk = await enrol();
      const taken = ticketArgs(2, 1);
      const mutations = [
        mutation(1, ticketArgs(2, 1, { id: taken.id })),
        mutation(2, ticketArgs(2, 2, { branchCode: 'CN02' })),
        mutation(3, { ...ticketArgs(2, 3), numeric: 'three' }),
        mutation(4, ticketArgs(2, 1)),
        mutation(5, ticketArgs(2, 5)),
      ];
      const res = await push(kiosk.auth, mutations);
      expect(res.status).toBe(200);
      const body = PushResponse.parse(res.body);
      expect(body.lastSeq).toBe(5);
      expect(body.results.map((r) => [r.status, r.reason?.code])).toEqual([
        ['applied', undefined],
        ['rejected', 'sync.wrong-branch'],
        ['rejected', 'sync.invalid-args'],
        ['rejected', 'ticket.number-taken'],
        ['applied', undefined],
      ]);
      expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(2);
      expect(await count("SELECT count(*) AS n FROM mutations WHERE device_id = $1 AND status = 'rejected'", [kiosk.deviceId])).toBe(3);

      const replay = PushResponse.parse((await push(kiosk.auth, mutations)).body);
      expect(replay.results.map((r) => [r.status, r.reason?.code])).toEqual([
        ['duplicate', undefined],
        ['duplicate', 'sync.wrong-branch'],
        ['duplicate', 'sync.invalid-args'],
        ['duplicate', 'ticket.number-taken'],
        ['duplicate', undefined],
      ]);
    });

    it('refuses missing, unknown and revoked credentials with 401', async () => {
      const kiosk = await enrol();
      const before = await snapshot();
      const body = [mutation(1, ticketArgs(3, 1))];
      expect(await push({}, body)).toMatchObject({ status: 401, body: { code: 'auth.missing' } });
      expect(await push({ authorization: `Bearer ${'x'.repeat(43)}` }, body)).toMatchObject({ status: 401, body: { code: 'auth.unknown-device' } });
      expect(await revokeDevice(db, kiosk.deviceId, clock.now())).toBe(true);
      expect(await push(kiosk.auth, body)).toMatchObject({ status: 401, body: { code: 'auth.revoked' } });
      expect(await snapshot()).toEqual(before);
    });

    it('answers malformed and oversized bodies with 4xx and a code, writing nothing', async () => {
      const kiosk = await enrol();
      const before = await snapshot();
      const good = (seq: number) => mutation(seq, ticketArgs(4, seq));
      const cases: { body: unknown; status: number; code: string; contentType?: string }[] = [
        { body: '{"protocolVersion": 1, "journalId": "0193a1b2-0000-7000-8000-000000000001", "mutations": [', status: 400, code: 'http.bad-request' },
        { body: 'hello', status: 415, code: 'http.unsupported-media-type', contentType: 'text/plain' },
        { body: { journalId: JOURNAL, protocolVersion: '1', mutations: [good(1)] }, status: 400, code: 'sync.bad-request' },
        { body: { journalId: JOURNAL, protocolVersion: 2, mutations: [good(1)] }, status: 400, code: 'sync.bad-request' },
        { body: { journalId: JOURNAL, protocolVersion: 1, mutations: [] }, status: 400, code: 'sync.bad-request' },
        { body: { journalId: JOURNAL, protocolVersion: 1, mutations: [{ ...good(1), deviceSeq: 0 }] }, status: 400, code: 'sync.bad-request' },
        { body: { journalId: JOURNAL, protocolVersion: 1, mutations: [{ ...good(1), name: 'ticket.delete@1' }] }, status: 400, code: 'sync.bad-request' },
        {
          body: { journalId: JOURNAL, protocolVersion: 1, mutations: Array.from({ length: MAX_PUSH_MUTATIONS + 1 }, (_, i) => good(i + 1)) },
          status: 400,
          code: 'sync.bad-request',
        },
        { body: { journalId: JOURNAL, protocolVersion: 1, mutations: [good(1)], extra: true }, status: 400, code: 'sync.bad-request' },
        { body: { journalId: JOURNAL, protocolVersion: 1, mutations: [{ ...good(1), extra: true }] }, status: 400, code: 'sync.bad-request' },
        {
          body: { journalId: JOURNAL, protocolVersion: 1, mutations: [{ ...good(1), mutationId: 'a'.repeat(100_000) }] },
          status: 400,
          code: 'sync.bad-request',
        },
        {
          body: { journalId: JOURNAL, protocolVersion: 1, mutations: [{ ...good(1), args: { blob: 'x'.repeat(2_000_000) } }] },
          status: 413,
          code: 'http.body-too-large',
        },
      ];
      for (const c of cases) {
        const raw = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
        const res = await fetch(`${base}/v1/sync/push`, {
          method: 'POST',
          headers: { ...kiosk.auth, 'content-type': c.contentType ?? 'application/json' },
          body: raw,
        });
        const json = (await res.json()) as { code?: string; detail?: string };
        expect({ status: res.status, code: json.code }, raw.slice(0, 80)).toEqual({ status: c.status, code: c.code });
        expect(typeof json.detail).toBe('string');
        expect(json.detail).not.toContain('hello');
      }
      expect(await snapshot()).toEqual(before);
    });

    it('stores every ticket of two kiosks pushing concurrently (with retries) exactly once', async () => {
      const kiosks = [await enrol(), await enrol()];
      const perKiosk = 60;
      const batches = kiosks.map((_, slot) => {
        const all = Array.from({ length: perKiosk }, (_, i) => mutation(i + 1, ticketArgs(10 + slot, i + 1)));
        return [0, 20, 40].map((start) => all.slice(start, start + 20));
      });
      // Each kiosk sends its batches in order; every batch is sent twice at once (a retry racing
      // the original); both kiosks run at the same time.
      await Promise.all(
        kiosks.map(async (k, slot) => {
          for (const batch of batches[slot]!) {
            const answers = await Promise.all([push(k.auth, batch), push(k.auth, batch)]);
            for (const a of answers) expect(a.status).toBe(200);
            const statuses = answers.map((a) => PushResponse.parse(a.body).results.map((r) => r.status));
            // Per mutation: one answer applied it, the other saw a duplicate.
            statuses[0]!.forEach((s, i) => expect([s, statuses[1]![i]].sort()).toEqual(['applied', 'duplicate']));
          }
        }),
      );
      for (const [slot, k] of kiosks.entries()) {
        const rows = await db.query<{ numeric: number }>('SELECT numeric FROM tickets WHERE device_id = $1 ORDER BY numeric', [k.deviceId]);
        expect(rows.map((r) => Number(r.numeric))).toEqual(Array.from({ length: perKiosk }, (_, i) => (10 + slot) * 1000 + i + 1));
        expect(await count('SELECT last_seq AS n FROM journals WHERE device_id = $1', [k.deviceId])).toBe(perKiosk);
      }
    });
  });
});
