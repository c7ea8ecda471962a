import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { ratingFigures, type FigureRow } from '../../src/server/ratingFigures';
import { RECORD_SAMPLES } from '../support/recordSamples';
import { adminAuthHeader, engines, enrolDevice, openHarness, sampleRatingArgs, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * The centre's satisfaction figures (src/server/ratingFigures.ts), from ratings and tickets pushed by
 * kiosks the way they really arrive (POST /v1/sync/push), on both engines: the satisfied share per
 * branch, counter, service group and Vietnam day, levels and reasons, and what the admin route
 * refuses. Comments never reach the figures.
 */
/** 2026-12-02 23:30 in Hà Nội (16:30 UTC) and 00:30 the next day: two Vietnam days an hour apart. */
const LATE = Date.UTC(2026, 11, 2, 16, 30);
const EARLY = Date.UTC(2026, 11, 2, 17, 30);

describe.each(engines)('satisfaction figures on $name', (engine) => {
  let h: Harness;
  let kiosk: EnrolledDevice;
  let other: EnrolledDevice;
  let seq = 0;
  let otherSeq = 0;
  const journal = randomUUID();
  const otherJournal = randomUUID();
  const ticketA = RECORD_SAMPLES['ticket.issue@1'](1, 'CN01');
  const ticketB = { ...RECORD_SAMPLES['ticket.issue@1'](2, 'CN01'), groupPrefix: 'B', number: 'B0002' };

  const push = async (device: EnrolledDevice, journalId: string, next: () => number, records: { name: MutationEnvelope['name']; args: unknown }[]) => {
    const mutations = records.map(({ name, args }) => {
      const deviceSeq = next();
      return { mutationId: randomUUID(), deviceSeq, name, args, schemaVersion: 1, createdAt: LATE };
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(records.map(() => 'applied'));
  };

  beforeAll(async () => {
    h = await openHarness(engine);
    kiosk = await enrolDevice(h, 'CN01');
    other = await enrolDevice(h, 'CN02');
    const rating = (extra: Record<string, unknown>) => ({ name: 'rating.submit@1' as const, args: sampleRatingArgs('CN01', extra) });
    await push(kiosk, journal, () => ++seq, [
      { name: 'ticket.issue@1', args: ticketA },
      { name: 'ticket.issue@1', args: ticketB },
      rating({ ticketId: ticketA.id, counter: '3', level: 'very-satisfied', submittedAt: LATE }),
      rating({ ticketId: ticketA.id, counter: '3', level: 'satisfied', reasons: ['time'], submittedAt: LATE, comment: 'Chị Lan rất nhiệt tình' }),
      rating({ ticketId: ticketB.id, counter: '5', level: 'dissatisfied', reasons: ['time', 'attitude'], submittedAt: EARLY }),
      rating({ counter: null, level: 'neutral', submittedAt: EARLY }),
    ]);
    await push(other, otherJournal, () => ++otherSeq, [
      { name: 'rating.submit@1', args: sampleRatingArgs('CN02', { counter: '1', level: 'satisfied', submittedAt: EARLY }) },
    ]);
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const byKey = (rows: readonly FigureRow[]) => Object.fromEntries(rows.map((r) => [r.key, [r.ratings, r.satisfied, r.share]]));

  it('counts the satisfied share per branch, counter, service group and Vietnam day, with levels and reasons', async () => {
    const f = await ratingFigures(h.db, { from: '2026-12-02', to: '2026-12-03' });
    expect(f.total).toEqual({ key: 'total', ratings: 5, satisfied: 3, share: 0.6 });
    expect(byKey(f.byBranch)).toEqual({ CN01: [4, 2, 0.5], CN02: [1, 1, 1] });
    expect(byKey(f.byCounter)).toEqual({ 'CN01/3': [2, 2, 1], 'CN01/5': [1, 0, 0], 'CN01/—': [1, 0, 0], 'CN02/1': [1, 1, 1] });
    // The group comes from the rated ticket; a rating without one counts under "—".
    expect(byKey(f.byGroup)).toEqual({ 'CN01/A': [2, 2, 1], 'CN01/B': [1, 0, 0], 'CN01/—': [1, 0, 0], 'CN02/—': [1, 1, 1] });
    // 23:30 and 00:30 in Hà Nội are two days, though both are 2 December in UTC.
    expect(byKey(f.byDay)).toEqual({ '2026-12-02': [2, 2, 1], '2026-12-03': [3, 1, 0.3333] });
    expect(f.levels).toEqual({ 'very-satisfied': 1, satisfied: 2, neutral: 1, dissatisfied: 1 });
    expect(f.reasons).toEqual({ attitude: 1, time: 2, guidance: 0, result: 0 });
    expect(f.target).toBe(0.95);
    expect(JSON.stringify(f)).not.toContain('Lan');
  });

  it('keeps to one branch and to the days asked (Vietnam days, both ends included)', async () => {
    const one = await ratingFigures(h.db, { branch: 'CN01', from: '2026-12-03', to: '2026-12-03' });
    expect(one.total).toEqual({ key: 'total', ratings: 2, satisfied: 0, share: 0 });
    expect(byKey(one.byBranch)).toEqual({ CN01: [2, 0, 0] });
    const none = await ratingFigures(h.db, { from: '2026-12-04', to: '2026-12-31' });
    expect(none.total).toEqual({ key: 'total', ratings: 0, satisfied: 0, share: null });
    expect(none.byBranch).toEqual([]);
  });

  it('answers the admin route, and refuses a missing token and a bad range with a specific error', async () => {
    const admin = await adminAuthHeader(h);
    const ok = await h.app.inject({ method: 'GET', url: '/v1/admin/ratings?from=2026-12-02&to=2026-12-03&branch=CN02', headers: admin });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect((ok.json() as { total: FigureRow }).total).toEqual({ key: 'total', ratings: 1, satisfied: 1, share: 1 });
    expect((await h.app.inject({ method: 'GET', url: '/v1/admin/ratings?from=2026-12-02&to=2026-12-03' })).statusCode).toBe(401);
    const reversed = await h.app.inject({ method: 'GET', url: '/v1/admin/ratings?from=2026-12-05&to=2026-12-01', headers: admin });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ code: 'ratings.bad-query' });
    expect((reversed.json() as { detail: string }).detail).toContain('from must not be after to');
    const tooLong = await h.app.inject({ method: 'GET', url: '/v1/admin/ratings?from=2025-01-01&to=2026-12-01', headers: admin });
    expect(tooLong.statusCode).toBe(400);
    expect((tooLong.json() as { detail: string }).detail).toContain('at most 366 days');
    // A device's own credential is not an admin token.
    expect((await h.app.inject({ method: 'GET', url: '/v1/admin/ratings?from=2026-12-02&to=2026-12-03', headers: kiosk.auth })).statusCode).toBe(401);
  });
});

describe('npm run admin -- ratings (on a PGlite data folder)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hpasc-admin-ratings-'));
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

  it('prints the figures of a range, and says what is wrong with a bad one (exit 2)', () => {
    const ok = admin('ratings', '--from', '2026-12-01', '--to', '2026-12-03', '--branch', 'CN01');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Satisfaction 2026-12-01 – 2026-12-03, branch CN01: 0 ratings, — satisfied (target 95 %)');
    const reversed = admin('ratings', '--from', '2026-12-05', '--to', '2026-12-01');
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('ratings: range: from must not be after to (--from and --to as YYYY-MM-DD)');
    expect(admin('ratings', '--from', '2026-12-01').code).toBe(2);
  });
});
