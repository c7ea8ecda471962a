import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LookupResponse } from '../../src/shared/sync';
import { defaultPgliteDir, openPgliteDb } from '../../src/server/db/pgliteDb';
import { hashLookupSecret, recordDossierStatus, verifyLookupSecret } from '../../src/server/dossiers';
import { sha256Hex } from '../../src/server/secrets';
import { engines, openHarness, START, type Harness } from './serverHarness';

/**
 * The citizen status look-up (src/server/lookup.ts) and recordDossierStatus (dossiers.ts), on both
 * engines, in-process (app.inject). Each test speaks from its own IP address so the per-IP limit of
 * one test does not spill into the next.
 */
const CODE = '000.00.21.H26-261124-0001';
const SECRET = 'K7P4X9QM';
const NOT_FOUND = { code: 'lookup.not-found', detail: 'no dossier with this code and secret' };

let ipCounter = 0;
const nextIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

describe.each(engines)('citizen look-up on $name', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await openHarness(engine);
    const created = await recordDossierStatus(h.db, {
      code: CODE,
      branchCode: 'CN01',
      lookupSecret: SECRET,
      status: 'processing',
      statusAt: START,
      appointmentDate: '2026-12-01',
      note: 'Đang thẩm định',
    });
    expect(created).toEqual({ ok: true, outcome: 'created' });
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const lookup = (body: unknown, ip: string) =>
    h.app.inject({ method: 'POST', url: '/v1/lookup', payload: body as Record<string, unknown>, remoteAddress: ip }).then((r) => ({
      status: r.statusCode,
      headers: r.headers,
      body: r.json() as Record<string, unknown>,
      raw: r.body,
    }));

  it('answers the right code and secret with the status, and never stores the secret', async () => {
    const ip = nextIp();
    const res = await lookup({ code: CODE, secret: SECRET }, ip);
    expect(res.status).toBe(200);
    expect(LookupResponse.parse(res.body)).toEqual({
      code: CODE,
      status: 'processing',
      statusAt: START,
      appointmentDate: '2026-12-01',
      note: 'Đang thẩm định',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    // What a citizen may type: lower case, spaces, a dash.
    expect((await lookup({ code: CODE, secret: 'k7p4 x9qm' }, ip)).status).toBe(200);
    expect((await lookup({ code: CODE, secret: 'K7P4-X9QM' }, ip)).status).toBe(200);
    const stored = await h.db.query<{ lookup_secret_hash: string }>('SELECT lookup_secret_hash FROM dossiers WHERE code = $1', [CODE]);
    expect(stored[0]?.lookup_secret_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored[0]?.lookup_secret_hash).not.toContain(SECRET);
  });

  it('answers an unknown code and a wrong secret with the same 404, revealing nothing', async () => {
    const ip = nextIp();
    const wrong = await lookup({ code: CODE, secret: 'K7P4X9QN' }, ip);
    const unknown = await lookup({ code: '000.00.21.H26-261124-9999', secret: SECRET }, ip);
    expect(wrong.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(wrong.body).toEqual(NOT_FOUND);
    expect(wrong.raw).toBe(unknown.raw);
    expect(wrong.raw).not.toContain('processing');
    expect(wrong.raw).not.toContain('thẩm');
    expect(wrong.headers['content-type']).toBe(unknown.headers['content-type']);
  });

  it('refuses malformed requests with 400 lookup.bad-request, without echoing them', async () => {
    const ip = nextIp();
    for (const body of [
      {},
      { code: CODE },
      { code: CODE, secret: 'short' },
      { code: "'; DROP TABLE dossiers; --", secret: SECRET },
      { code: CODE, secret: SECRET, x: 1 },
    ]) {
      const res = await lookup(body, ip);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('lookup.bad-request');
      expect(res.raw).not.toContain('DROP');
    }
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/lookup',
      headers: { 'content-type': 'application/json' },
      payload: '{"code":',
      remoteAddress: ip,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'http.bad-request' });
  });

  it('limits requests per IP address: the 21st in a minute is 429 with retry-after', async () => {
    const ip = nextIp();
    // Other addresses (and other codes, so the per-code limit stays out of it) do not count.
    for (let i = 0; i < 20; i++) expect((await lookup({ code: `000.00.21.H26-261124-${5000 + i}`, secret: 'K7P4X9QN' }, nextIp())).status).toBe(404);
    for (let i = 0; i < 20; i++) expect((await lookup({}, ip)).status).toBe(400);
    const limited = await lookup({ code: CODE, secret: SECRET }, ip);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ code: 'lookup.rate-limited', detail: expect.any(String) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.raw).not.toContain('processing');
    // Another address is not affected.
    expect((await lookup({ code: CODE, secret: SECRET }, nextIp())).status).toBe(200);
  });

  it('makes a code wait longer after each wrong secret beyond three (2 s, 4 s, 8 s…), known or not, from any address — never an hour for ten typos', async () => {
    const code = '000.00.21.H26-261124-0002';
    await recordDossierStatus(h.db, {
      code,
      branchCode: 'CN01',
      lookupSecret: 'AAAA2222',
      status: 'received',
      statusAt: START,
      appointmentDate: null,
      note: '',
    });
    const unknownCode = '000.00.21.H26-261124-0777';
    const waitsFor = async (c: string) => {
      const waits: number[] = [];
      for (let tries = 0; tries < 10;) {
        const r = await lookup({ code: c, secret: 'BBBB3333' }, nextIp());
        if (r.status === 429) {
          // Told how long to wait, revealing nothing; a try refused this way is not counted.
          expect(r.body).toEqual({ code: 'lookup.rate-limited', detail: expect.any(String) });
          expect(r.raw).not.toContain('received');
          const wait = Number(r.headers['retry-after']);
          waits.push(wait);
          h.clock.advance(wait * 1000);
        } else {
          expect(r.status).toBe(404);
          tries++;
        }
      }
      // Even the right secret waits now: the wait is on the code, not on being wrong.
      const after = await lookup({ code: c, secret: c === code ? 'AAAA2222' : 'BBBB3333' }, nextIp());
      expect(after.status).toBe(429);
      waits.push(Number(after.headers['retry-after']));
      return waits;
    };
    // Three free tries, then 2 s, 4 s, 8 s… — the same for a known and an unknown code.
    expect(await waitsFor(code)).toEqual([2, 4, 8, 16, 32, 64, 128]);
    expect(await waitsFor(unknownCode)).toEqual([2, 4, 8, 16, 32, 64, 128]);
    h.clock.advance(128_000);
    expect((await lookup({ code, secret: 'AAAA2222' }, nextIp())).status).toBe(200);
    // Other codes are unaffected.
    expect((await lookup({ code: CODE, secret: SECRET }, nextIp())).status).toBe(200);
  });

  it('after ten typos in a row the citizen waits about two minutes, then the right secret works and clears the count', async () => {
    const code = '000.00.21.H26-261124-0013';
    await recordDossierStatus(h.db, {
      code,
      branchCode: 'CN01',
      lookupSecret: 'CCCC2222',
      status: 'ready',
      statusAt: START,
      appointmentDate: null,
      note: '',
    });
    // Forgotten: an hour after the last try of the previous test.
    h.clock.advance(60 * 60_000);
    let waited = 0;
    let typos = 0;
    while (typos < 10) {
      const r = await lookup({ code, secret: 'DDDD3333' }, nextIp());
      if (r.status === 429) {
        const wait = Number(r.headers['retry-after']);
        waited += wait;
        h.clock.advance(wait * 1000);
      } else {
        expect(r.status).toBe(404);
        typos++;
      }
    }
    const next = await lookup({ code, secret: 'CCCC2222' }, nextIp());
    expect(next.status).toBe(429);
    const wait = Number(next.headers['retry-after']);
    expect(wait).toBe(128);
    expect(waited).toBe(2 + 4 + 8 + 16 + 32 + 64);
    h.clock.advance(wait * 1000);
    expect((await lookup({ code, secret: 'CCCC2222' }, nextIp())).status).toBe(200);
    // Cleared: three more typos cost nothing again.
    for (let i = 0; i < 3; i++) expect((await lookup({ code, secret: 'DDDD3333' }, nextIp())).status).toBe(404);
    expect((await lookup({ code, secret: 'CCCC2222' }, nextIp())).status).toBe(200);
  });

  it('verifies against a dummy hash for unknown codes (same work), and rejects tampered hashes', async () => {
    const stored = await hashLookupSecret('CCCC4444');
    expect(await verifyLookupSecret('CCCC4444', stored)).toBe(true);
    expect(await verifyLookupSecret('CCCC4445', stored)).toBe(false);
    expect(await verifyLookupSecret('CCCC4444', null)).toBe(false);
    expect(await verifyLookupSecret('CCCC4444', stored.replace('16384', '1073741824'))).toBe(false);
    expect(await verifyLookupSecret('CCCC4444', 'not-a-hash')).toBe(false);
    // Timing: the unknown-code path runs one scrypt like the wrong-secret path (within a loose factor).
    const time = async (s: string | null) => {
      const t = performance.now();
      for (let i = 0; i < 5; i++) await verifyLookupSecret('CCCC4445', s);
      return performance.now() - t;
    };
    const [known, unknown] = [await time(stored), await time(null)];
    expect(unknown / known).toBeGreaterThan(0.3);
    expect(unknown / known).toBeLessThan(3);
  });

  it('recordDossierStatus creates, updates, ignores stale updates and refuses bad input', async () => {
    const code = '000.00.21.H26-261124-0003';
    const base = { code, branchCode: 'CN01', status: 'received', statusAt: START, appointmentDate: null, note: '' };
    expect(await recordDossierStatus(h.db, base)).toMatchObject({ ok: false, error: { code: 'dossier.secret-required' } });
    expect(await recordDossierStatus(h.db, { ...base, lookupSecret: 'dddd5555' })).toEqual({ ok: true, outcome: 'created' });
    expect(await recordDossierStatus(h.db, { ...base, status: 'ready', statusAt: START + 10, note: 'Mời nhận kết quả' })).toEqual({
      ok: true,
      outcome: 'updated',
    });
    expect(await recordDossierStatus(h.db, { ...base, status: 'processing', statusAt: START + 5 })).toEqual({ ok: true, outcome: 'stale' });
    const ip = nextIp();
    expect((await lookup({ code, secret: 'DDDD5555' }, ip)).body).toMatchObject({ status: 'ready', note: 'Mời nhận kết quả' });
    // A new secret replaces the old one.
    expect(await recordDossierStatus(h.db, { ...base, status: 'ready', statusAt: START + 10, lookupSecret: 'EEEE6666' })).toMatchObject({ ok: true });
    expect((await lookup({ code, secret: 'DDDD5555' }, ip)).status).toBe(404);
    expect((await lookup({ code, secret: 'EEEE6666' }, ip)).status).toBe(200);

    expect(await recordDossierStatus(h.db, { ...base, branchCode: 'CN02', statusAt: START + 20 })).toMatchObject({
      ok: false,
      error: { code: 'dossier.other-branch' },
    });
    expect(await recordDossierStatus(h.db, { ...base, branchCode: 'CN99', lookupSecret: 'EEEE6666' })).toMatchObject({
      ok: false,
      error: { code: 'dossier.unknown-branch' },
    });
    for (const bad of [
      { ...base, code: 'nope' },
      { ...base, status: 'lost' },
      { ...base, appointmentDate: '1/12/2026' },
      { ...base, note: 'x'.repeat(501) },
      { ...base, statusAt: -1 },
      { ...base, branchCode: 'cn01' },
      { ...base, lookupSecret: 'I0I0I0' },
    ]) {
      expect(await recordDossierStatus(h.db, bad)).toMatchObject({ ok: false, error: { code: 'dossier.invalid' } });
    }
  });
});

describe('admin commands (scripts/admin.ts, on a PGlite data folder)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hpasc-admin-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints usage with exit code 2 on bad arguments, refuses invalid data with 1, and records a dossier status', async () => {
    expect(admin()).toMatchObject({ code: 2, stderr: expect.stringContaining('set-dossier-status') });
    expect(admin('set-dossier-status', CODE, 'CN01', 'ready', '--bogus')).toMatchObject({ code: 2 });

    const created = admin('create-branch', 'CN01', 'Chi nhánh số 1');
    expect(created.code, created.stderr).toBe(0);
    const dossier = admin('set-dossier-status', CODE, 'CN01', 'received', '--new-secret', '--appointment', '2026-12-01', '--at', '2026-11-24T02:00:00Z');
    expect(dossier.code, dossier.stderr).toBe(0);
    const secret = /look-up secret[^:]*: ([A-Z2-9]{8})/.exec(dossier.stdout)?.[1];
    expect(secret).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);

    const file = join(dataDir, 'bad.json');
    await writeFile(file, JSON.stringify([{ entity: 'questionnaire', op: 'put', data: { id: 'NOT VALID' } }]));
    const refused = admin('publish', 'global', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('publish: refused (publish.invalid)');

    const db = await openPgliteDb(defaultPgliteDir(dataDir));
    try {
      const rows = await db.query<{ lookup_secret_hash: string; status: string; status_at: unknown }>(
        'SELECT lookup_secret_hash, status, status_at FROM dossiers WHERE code = $1',
        [CODE],
      );
      expect(rows[0]).toMatchObject({ status: 'received' });
      expect(Number(rows[0]?.status_at)).toBe(START);
      expect(await verifyLookupSecret(secret!, rows[0]!.lookup_secret_hash)).toBe(true);
      // The refused publish left the global scope empty; the status reached the branch's counters.
      expect(await db.query("SELECT 1 FROM changes WHERE scope = 'global'")).toHaveLength(0);
      const published = await db.query<{ data: { status: string } }>(
        "SELECT data FROM changes WHERE scope = 'branch:CN01' AND entity = 'dossierStatus' AND key = $1",
        [CODE],
      );
      expect(published.map((r) => r.data.status)).toEqual(['received']);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('issues a code for one known device only after a revoked one is reinstated, and says why otherwise', async () => {
    const deviceId = randomUUID();
    expect(admin('create-branch', 'CN01', 'Chi nhánh số 1').code).toBe(0);
    const db = await openPgliteDb(defaultPgliteDir(dataDir));
    try {
      await db.query("INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, revoked_at) VALUES ($1, 'CN01', 'counter', 'x', 1, 2)", [
        deviceId,
      ]);
    } finally {
      await db.close();
    }
    expect(admin('enrol-code', 'CN01', 'counter', '--device')).toMatchObject({ code: 2 });
    expect(admin('enrol-code', 'CN01', 'counter', '--device', deviceId)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is revoked; reinstate it first'),
    });
    expect(admin('reinstate-device', randomUUID())).toMatchObject({ code: 1, stdout: expect.stringContaining('no revoked device') });
    expect(admin('reinstate-device', deviceId)).toMatchObject({ code: 0, stdout: expect.stringContaining(`--device ${deviceId}`) });
    const issued = admin('enrol-code', 'CN01', 'counter', '12', '--device', deviceId);
    expect(issued, issued.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`for device ${deviceId} only`) });
    const code = /^\s+([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})$/m.exec(issued.stdout)?.[1];
    expect(code).toBeDefined();
    const check = await openPgliteDb(defaultPgliteDir(dataDir));
    try {
      const rows = await check.query<{ device_id: string; role: string }>('SELECT device_id, role FROM enrolment_codes WHERE code_hash = $1', [
        sha256Hex(code!),
      ]);
      expect(rows).toEqual([{ device_id: deviceId, role: 'counter' }]);
    } finally {
      await check.close();
    }
  }, 120_000);
});
