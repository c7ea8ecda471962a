import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock';
import { PushResponse, SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import { createEnrolCode, reinstateDevice, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { recordDossierStatus } from '../../src/server/dossiers';
import { adminAuthHeader, enrolDevice, engines, openHarness, postgresUrl, sampleRatingArgs, START, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * Who may do what, over real HTTP (port 0), on both engines: unknown, malformed and revoked
 * credentials are refused on every authenticated route; a device of one branch can neither read
 * nor write another branch's data; admin publishing needs an admin token; the citizen look-up
 * reveals nothing without the right secret and is rate-limited.
 */
const JOURNAL = '0193a1b2-0000-7000-8000-00000000a001';

describe('PostgreSQL variant of the auth tests', () => {
  it('runs when TEST_DATABASE_URL is set', () => {
    if (process.env.CI && !postgresUrl) throw new Error('CI is set but TEST_DATABASE_URL is not (scripts/ci-postgres.sh)');
  });
});

describe.each(engines)('authentication and authorisation on $name', (engine) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    base = h.base!;
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };

  const ticketArgs = (branchCode: string, numeric: number) => ({
    id: randomUUID(),
    branchCode,
    kioskSlot: 0,
    day: '2026-11-24',
    groupPrefix: 'A',
    number: `A${String(numeric).padStart(4, '0')}`,
    numeric,
    priority: false,
    issuedAt: START,
  });
  const ratingArgs = (branchCode: string) => sampleRatingArgs(branchCode, { reasons: ['time'] });
  const envelope = (deviceSeq: number, name: string, args: unknown) => ({
    mutationId: randomUUID(),
    deviceSeq,
    name,
    args,
    schemaVersion: 1,
    createdAt: START,
  });
  const heartbeat = {
    protocolVersion: SYNC_PROTOCOL_VERSION,
    journalId: JOURNAL,
    pendingCount: 0,
    oldestPendingAgeMs: null,
    pendingBytes: 0,
    pendingBlobs: 0,
    rejectedCount: 0,
    lastPushAt: null,
    lastPullAt: null,
    freeDiskBytes: null,
    stuck: false,
    lastError: null,
    appVersion: '0.1.0',
    shell: 'browser',
    schemaVersion: 2,
    sentAt: START,
  };

  /** One valid request per authenticated device route. */
  const deviceRoutes = (seq: number) => [
    {
      method: 'POST',
      path: '/v1/sync/push',
      body: { protocolVersion: 1, journalId: JOURNAL, mutations: [envelope(seq, 'ticket.issue@1', ticketArgs('CN01', 9000 + seq))] },
    },
    { method: 'POST', path: '/v1/sync/pull', body: { protocolVersion: 1, scope: 'global', cursor: 0, limit: 10, withChecksum: true } },
    { method: 'GET', path: `/v1/sync/state?journalId=${JOURNAL}`, body: undefined },
    { method: 'POST', path: '/v1/heartbeat', body: heartbeat },
  ];

  const malformed = [
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `bearer ${'a'.repeat(43)}`,
    `Bearer ${'a'.repeat(10)}`,
    `Bearer ${'a'.repeat(200)}`,
    'Bearer a b c d e f g h i j k l m n',
  ];

  it('refuses missing, malformed, unknown and revoked device credentials on every device route, writing nothing', async () => {
    const device = await enrolDevice(h);
    await revokeDevice(h.db, device.deviceId, h.clock.now());
    const counts = async () =>
      (
        await h.db.query<{ n: unknown }>('SELECT (SELECT count(*) FROM journals) + (SELECT count(*) FROM heartbeats) + (SELECT count(*) FROM mutations) AS n')
      )[0]!.n;
    const before = await counts();
    for (const r of deviceRoutes(1)) {
      expect(await call(r.method, r.path, r.body)).toMatchObject({ status: 401, body: { code: 'auth.missing' } });
      for (const authorization of malformed) {
        const res = await call(r.method, r.path, r.body, authorization ? { authorization } : {});
        expect({ route: r.path, authorization, status: res.status, code: res.body.code }).toEqual({
          route: r.path,
          authorization,
          status: 401,
          code: 'auth.missing',
        });
      }
      const unknown = await call(r.method, r.path, r.body, { authorization: `Bearer ${randomBytes(32).toString('base64url')}` });
      expect(unknown).toMatchObject({ status: 401, body: { code: 'auth.unknown-device' } });
      expect(await call(r.method, r.path, r.body, device.auth)).toMatchObject({ status: 401, body: { code: 'auth.revoked' } });
    }
    expect(await counts()).toBe(before);
  });

  it('admin publishing needs an admin token: none, a device token, an unknown or a revoked admin token are refused', async () => {
    const device = await enrolDevice(h);
    const request = {
      scope: 'global',
      changes: [
        {
          entity: 'questionnaire',
          op: 'put',
          data: {
            id: 'auth-q',
            version: 1,
            title: { vi: 'Khảo sát', en: 'Survey' },
            levels: ['very-satisfied', 'satisfied', 'neutral'],
            reasons: [],
            allowComment: true,
            active: true,
          },
        },
      ],
    };
    expect(await call('POST', '/v1/admin/publish', request)).toMatchObject({ status: 401, body: { code: 'auth.missing' } });
    expect(await call('POST', '/v1/admin/publish', request, device.auth)).toMatchObject({ status: 401, body: { code: 'auth.not-admin' } });
    expect(await call('POST', '/v1/admin/publish', request, { authorization: `Bearer ${randomBytes(32).toString('base64url')}` })).toMatchObject({
      status: 401,
      body: { code: 'auth.not-admin' },
    });
    const admin = await adminAuthHeader(h, 'auth-test');
    await h.db.query('UPDATE admin_tokens SET revoked_at = $1 WHERE label = $2', [h.clock.now(), 'auth-test']);
    expect(await call('POST', '/v1/admin/publish', request, admin)).toMatchObject({ status: 401, body: { code: 'auth.not-admin' } });
    expect(await h.db.query("SELECT 1 FROM changes WHERE key = 'auth-q'")).toHaveLength(0);

    const good = await adminAuthHeader(h, 'auth-test-2');
    expect(await call('POST', '/v1/admin/publish', request, good)).toMatchObject({ status: 200, body: { scope: 'global' } });
    // An admin token is not a device credential either.
    expect(await call('POST', '/v1/sync/pull', { protocolVersion: 1, scope: 'global', cursor: 0, limit: 1, withChecksum: false }, good)).toMatchObject({
      status: 401,
      body: { code: 'auth.unknown-device' },
    });
  });

  it('a device of branch CN01 can neither read nor write branch CN02 data', async () => {
    const kiosk = await enrolDevice(h, 'CN01');
    const pull = (scope: string) => call('POST', '/v1/sync/pull', { protocolVersion: 1, scope, cursor: 0, limit: 100, withChecksum: true }, kiosk.auth);
    expect(await pull('branch:CN02')).toMatchObject({ status: 403, body: { code: 'auth.scope-forbidden' } });
    expect((await pull('branch:CN01')).status).toBe(200);
    expect((await pull('global')).status).toBe(200);

    const journal = randomUUID();
    const res = await call(
      'POST',
      '/v1/sync/push',
      {
        protocolVersion: 1,
        journalId: journal,
        mutations: [
          envelope(1, 'ticket.issue@1', ticketArgs('CN02', 1)),
          envelope(2, 'rating.submit@1', ratingArgs('CN02')),
          envelope(3, 'rating.submit@1', ratingArgs('CN01')),
        ],
      },
      kiosk.auth,
    );
    expect(res.status).toBe(200);
    expect(PushResponse.parse(res.body).results.map((r) => [r.status, r.reason?.code])).toEqual([
      ['rejected', 'sync.wrong-branch'],
      ['rejected', 'sync.wrong-branch'],
      ['applied', undefined],
    ]);
    expect(await h.db.query("SELECT 1 FROM tickets WHERE branch_code = 'CN02'")).toHaveLength(0);
    expect(await h.db.query("SELECT 1 FROM ratings WHERE branch_code = 'CN02'")).toHaveLength(0);
    expect(await h.db.query('SELECT 1 FROM ratings WHERE device_id = $1', [kiosk.deviceId])).toHaveLength(1);
  });

  it('refuses a revoked device at its very next request; no code lifts a revocation, staff reinstate it and a code for that device re-enrols it', async () => {
    const kiosk: EnrolledDevice = await enrolDevice(h, 'CN01');
    const journal = randomUUID();
    const state = (auth: Record<string, string>) => call('GET', `/v1/sync/state?journalId=${journal}`, undefined, auth);
    const enrol = (code: string, deviceId = kiosk.deviceId, role = 'citizen') => call('POST', '/v1/enrol', { code, deviceId, role });
    expect(await state(kiosk.auth)).toMatchObject({ status: 200, body: { lastSeq: 0 } });
    // A code issued for the device before the revocation does not lift it either.
    const early = await createEnrolCode(h.db, 'CN01', 'citizen', h.clock.now(), undefined, kiosk.deviceId);
    await revokeDevice(h.db, kiosk.deviceId, h.clock.now());
    expect(await state(kiosk.auth)).toMatchObject({ status: 401, body: { code: 'auth.revoked' } });

    const fresh = await createEnrolCode(h.db, 'CN01', 'citizen', h.clock.now());
    expect(await enrol(fresh.code)).toMatchObject({ status: 403, body: { code: 'enrol.device-revoked' } });
    expect(await enrol(early.code)).toMatchObject({ status: 403, body: { code: 'enrol.device-revoked' } });
    await expect(createEnrolCode(h.db, 'CN01', 'citizen', h.clock.now(), undefined, kiosk.deviceId)).rejects.toThrow(/revoked; reinstate it first/);
    expect(await state(kiosk.auth)).toMatchObject({ status: 401, body: { code: 'auth.revoked' } });
    // The refused attempts spent no code: the fresh one still enrols a new device.
    expect((await enrol(fresh.code, randomUUID())).status).toBe(200);

    // Staff reinstate it: its old credential stays dead (it may be in the wrong hands).
    expect(await reinstateDevice(h.db, kiosk.deviceId)).toBe(true);
    expect(await reinstateDevice(h.db, kiosk.deviceId)).toBe(false);
    expect(await state(kiosk.auth)).toMatchObject({ status: 401, body: { code: 'auth.unknown-device' } });
    const again = await enrolDevice(h, 'CN01', 'citizen', kiosk.deviceId, true);
    expect(again.token).not.toBe(kiosk.token);
    expect(await state(again.auth)).toMatchObject({ status: 200 });
    // A device of CN01 cannot be re-enrolled into CN02, by any code.
    const { code } = await createEnrolCode(h.db, 'CN02', 'citizen', h.clock.now());
    expect(await enrol(code)).toMatchObject({ status: 409, body: { code: 'enrol.other-branch' } });
    await expect(createEnrolCode(h.db, 'CN02', 'citizen', h.clock.now(), undefined, kiosk.deviceId)).rejects.toThrow(/belongs to branch CN01/);
  });

  it('a fresh code of the branch cannot take over an enrolled device: its credential, stream and role stay; a code issued for it re-enrols it, and only that device', async () => {
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const journal = randomUUID();
    const push1 = await call(
      'POST',
      '/v1/sync/push',
      { protocolVersion: 1, journalId: journal, mutations: [envelope(1, 'ticket.issue@1', ticketArgs('CN01', 901))] },
      counter.auth,
    );
    expect(PushResponse.parse(push1.body).results[0]!.status).toBe('applied');
    const roleOf = async () => (await h.db.query<{ role: string }>('SELECT role FROM devices WHERE device_id = $1', [counter.deviceId]))[0]!.role;

    // Any fresh code of the branch plus the counter's device id (seen on its screen, in a log…).
    const fresh = await createEnrolCode(h.db, 'CN01', 'citizen', h.clock.now());
    expect(await call('POST', '/v1/enrol', { code: fresh.code, deviceId: counter.deviceId, role: 'citizen' })).toMatchObject({
      status: 409,
      body: { code: 'enrol.device-known' },
    });
    expect(await roleOf()).toBe('counter');
    expect(await call('GET', `/v1/sync/state?journalId=${journal}`, undefined, counter.auth)).toMatchObject({ status: 200, body: { lastSeq: 1 } });

    // A code issued for the counter is refused to any other device id, and spent by none.
    const bound = await createEnrolCode(h.db, 'CN01', 'counter', h.clock.now(), undefined, counter.deviceId);
    expect(await call('POST', '/v1/enrol', { code: bound.code, deviceId: randomUUID(), role: 'counter' })).toMatchObject({
      status: 403,
      body: { code: 'enrol.code-other-device' },
    });
    // With it, the counter itself (reinstalled) gets a new credential and its stream continues.
    const reinstalled = await enrolDevice(h, 'CN01', 'counter', counter.deviceId, true);
    expect(await call('GET', `/v1/sync/state?journalId=${journal}`, undefined, counter.auth)).toMatchObject({
      status: 401,
      body: { code: 'auth.unknown-device' },
    });
    expect(await call('GET', `/v1/sync/state?journalId=${journal}`, undefined, reinstalled.auth)).toMatchObject({ status: 200, body: { lastSeq: 1 } });
    expect(await roleOf()).toBe('counter');
    // A role changes only through a code staff issued for that device with the new role.
    await enrolDevice(h, 'CN01', 'citizen', counter.deviceId, true);
    expect(await roleOf()).toBe('citizen');
  });

  describe('citizen look-up', () => {
    const code = '000.00.21.H26-261124-0042';
    beforeAll(async () => {
      const r = await recordDossierStatus(h.db, {
        code,
        branchCode: 'CN02',
        lookupSecret: 'HN7Q2WXZ',
        status: 'ready',
        statusAt: START,
        appointmentDate: '2026-12-03',
        note: 'Mời ông/bà đến nhận',
      });
      expect(r.ok).toBe(true);
    });

    it('reveals nothing without the right secret, and the status with it', async () => {
      const wrong = await call('POST', '/v1/lookup', { code, secret: 'HN7Q2WXA' });
      const unknown = await call('POST', '/v1/lookup', { code: '000.00.21.H26-261124-0043', secret: 'HN7Q2WXZ' });
      expect(wrong.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(wrong.text).toBe(unknown.text);
      expect(wrong.body).toEqual({ code: 'lookup.not-found', detail: 'no dossier with this code and secret' });
      for (const leak of ['ready', 'status', 'note', 'nhận', '2026-12-03']) expect(wrong.text).not.toContain(leak);
      // A device token gives no extra power.
      const kiosk = await enrolDevice(h, 'CN02');
      expect((await call('POST', '/v1/lookup', { code, secret: 'HN7Q2WXA' }, kiosk.auth)).text).toBe(wrong.text);

      const right = await call('POST', '/v1/lookup', { code, secret: 'HN7Q2WXZ' });
      expect(right).toMatchObject({
        status: 200,
        body: { code, status: 'ready', statusAt: START, appointmentDate: '2026-12-03', note: 'Mời ông/bà đến nhận' },
      });
    });

    it('rate-limits look-ups per address (another server instance on the same database, in a later window)', async () => {
      // The limits live in the database: a clock ten minutes on starts fresh windows for this address.
      const app = buildServer({ db: h.db, clock: fixedClock(START + 10 * 60_000), version: 'test' });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 22; i++) {
          const res = await fetch(`${url}/v1/lookup`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code: `000.00.21.H26-261124-${7000 + i}`, secret: 'HN7Q2WXA' }),
          });
          statuses.push(res.status);
          if (res.status === 429) {
            expect(await res.json()).toEqual({ code: 'lookup.rate-limited', detail: expect.any(String) });
            expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          } else await res.text();
        }
        expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
        expect(statuses.slice(20)).toEqual([429, 429]);
        // Even the right secret is refused while limited: the limit is on the address.
        const limited = await fetch(`${url}/v1/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code, secret: 'HN7Q2WXZ' }),
        });
        expect(limited.status).toBe(429);
        expect(await limited.text()).not.toContain('ready');
        // Other routes are not rate-limited.
        expect((await fetch(`${url}/health`)).status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
});
