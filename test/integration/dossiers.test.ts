import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchConfig } from '../../src/shared/branchConfig';
import { LookupResponse, PullResponse, PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { type DossierSubmitArgs } from '../../src/shared/records';
import { publishChanges } from '../../src/server/changes';
import { listReceivedDossiers, recordDossierStatus } from '../../src/server/dossiers';
import { readReceivedDossiers } from '../../src/server/personalData';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';
import { serverStateHash } from './engines';
import type { Db } from '../../src/server/db/Db';
import { engines, enrolDevice, openHarness, START, startServerOn, stateHash, testDataProtection, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * The server side of a received dossier (`dossier.submit@1`, push.ts; status and completeness,
 * dossiers.ts; blob hook, blobs.ts), over HTTP on both engines: the citizen look-up and the branch
 * pull see it, replays change nothing, clashes and bad arguments are rejected without blocking the
 * queue, and completeness follows blob verification.
 */
const JOURNAL = '0193a1b2-0000-7000-8000-00000000d001';
/** 09:00 in Hà Nội on 2026-11-24. */
const RECEIVED_AT = START;

let ipCounter = 0;
const nextIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
let codeCounter = 0;
/** A fresh code of slot 0 under unit 000.21.01.H26 on 2026-11-24 (sequence 1…999). */
const nextCode = () => `000.21.01.H26-261124-${String(++codeCounter).padStart(4, '0')}`;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fakeSha = () => randomBytes(32).toString('hex');

/** A one-page document of the dossier whose scan is these bytes, named by its id. */
const scanDoc = (documentId: string, bytes: Uint8Array) => ({
  documentId,
  name: documentId,
  originals: 1,
  copies: 0,
  sha256: sha256(bytes),
  size: bytes.length,
  pages: 1,
  reusedFrom: null,
});

/** Uploads a scan over tus as the device, to the server at `baseUrl`; resolves once it is verified. */
const uploadScan = (baseUrl: string, device: EnrolledDevice, bytes: Uint8Array<ArrayBuffer>) =>
  uploadBlobWithTus({
    baseUrl,
    token: device.token,
    blob: { sha256: sha256(bytes), size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
    hooks: { onUploadUrl: () => undefined },
  });

function dossierArgs(overrides: Partial<DossierSubmitArgs> = {}): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code: nextCode(),
    branchCode: 'CN01',
    slot: 0,
    receivedAt: RECEIVED_AT,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: {
      idNumber: '001090012345',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '1990-02-01',
      gender: 'male',
      address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
      phone: '0912345678',
      email: '',
      fromCard: true,
    },
    documents: [
      { documentId: 'to-khai', name: 'Tờ khai đăng ký khai sinh', originals: 1, copies: 0, sha256: fakeSha(), size: 1000, pages: 1, reusedFrom: null },
    ],
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'date', at: Date.UTC(2026, 11, 1, 2, 0, 0), date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: 'K7P4X9QM',
    officerName: 'Trần Thị Bình',
    ...overrides,
  };
}

const envelope = (deviceSeq: number, args: unknown, name: MutationEnvelope['name'] = 'dossier.submit@1'): MutationEnvelope => ({
  mutationId: randomUUID(),
  deviceSeq,
  name,
  args,
  schemaVersion: 1,
  createdAt: START + deviceSeq,
});

describe.each(engines)('received dossiers on $name', (engine) => {
  let h: Harness;
  let counter: EnrolledDevice;

  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    counter = await enrolDevice(h, 'CN01', 'counter');
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const push = async (device: EnrolledDevice, mutations: MutationEnvelope[], journalId = JOURNAL) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations },
    });
    expect(res.statusCode, res.body).toBe(200);
    return PushResponse.parse(res.json());
  };
  const lookup = async (code: string, secret: string, ip = nextIp()) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/lookup', payload: { code, secret }, remoteAddress: ip });
    return { status: res.statusCode, body: res.body };
  };
  const pullBranch = async (device: EnrolledDevice, branch = 'CN01') => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/pull',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, scope: `branch:${branch}`, cursor: 0, limit: 1000, withChecksum: false },
    });
    expect(res.statusCode, res.body).toBe(200);
    return PullResponse.parse(res.json()).changes;
  };
  const statusChange = async (device: EnrolledDevice, code: string, branch = 'CN01') =>
    (await pullBranch(device, branch)).find((c) => c.entity === 'dossierStatus' && c.key === code);
  /** The stored row, its personal fields decrypted (personalData.ts). */
  const received = async (code: string) => (await readReceivedDossiers(h.db, testDataProtection, { codes: [code] }))[0];
  const isTrue = (v: unknown) => v === true || v === 't';
  /** A counter with a journal of its own, so each test starts its stream at 1. */
  const freshCounter = async (branch = 'CN01') => ({ device: await enrolDevice(h, branch, 'counter'), journal: randomUUID() });

  it('stores a pushed dossier: the look-up answers "received" with the appointment, the branch pull carries its status', async () => {
    const { device, journal } = await freshCounter();
    const args = dossierArgs();
    const res = await push(device, [envelope(1, args)], journal);
    expect(res).toEqual({ lastSeq: 1, results: [{ mutationId: expect.any(String), deviceSeq: 1, status: 'applied' }] });

    const found = await lookup(args.code, args.lookupSecret);
    expect(found.status).toBe(200);
    expect(LookupResponse.parse(JSON.parse(found.body))).toEqual({
      code: args.code,
      status: 'received',
      statusAt: h.clock.now(),
      appointmentDate: '2026-12-01',
      note: '',
    });
    // Lower case and spaced, as a citizen types it.
    expect((await lookup(args.code, 'k7p4 x9qm')).status).toBe(200);
    const wrong = await lookup(args.code, 'K7P4X9QN');
    const unknown = await lookup('000.21.01.H26-261124-0999', args.lookupSecret);
    expect(wrong.status).toBe(404);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.body).not.toContain('received');

    const row = await received(args.code);
    expect(row).toMatchObject({ id: args.id, device_id: device.deviceId });
    expect(row?.applicant).toEqual(args.applicant);
    const stored = await h.db.query<{ lookup_secret_hash: string }>('SELECT lookup_secret_hash FROM dossiers WHERE code = $1', [args.code]);
    expect(stored[0]?.lookup_secret_hash).toMatch(/^scrypt\$/);
    expect(stored[0]?.lookup_secret_hash).not.toContain(args.lookupSecret);

    const change = await statusChange(counter, args.code);
    expect(change).toMatchObject({
      op: 'put',
      data: { code: args.code, status: 'received', statusAt: h.clock.now(), appointmentDate: '2026-12-01', note: '' },
    });
    // No personal data in what every device of the branch pulls.
    expect(JSON.stringify(change)).not.toContain(args.applicant.fullName);
    expect(JSON.stringify(change)).not.toContain(args.applicant.idNumber);
  });

  it('stores a dossier whose appointment needs confirmation with no appointment date', async () => {
    const { device, journal } = await freshCounter();
    const args = dossierArgs({ appointment: { kind: 'needs-confirmation' }, lookupSecret: 'ABCDEF23' });
    expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
    const found = await lookup(args.code, 'ABCDEF23');
    expect(JSON.parse(found.body)).toMatchObject({ status: 'received', appointmentDate: null });
  });

  it('changes nothing when the same batch is replayed 1–3 times', async () => {
    const { device, journal } = await freshCounter();
    const batch = [envelope(1, dossierArgs()), envelope(2, dossierArgs({ missing: [{ documentId: 'x', name: 'X' }], incompleteReason: 'Bổ sung sau' }))];
    expect((await push(device, batch, journal)).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const before = { all: await stateHash(h.db), sync: await serverStateHash(h.db) };
    for (let replay = 1; replay <= 3; replay++) {
      const again = await push(device, batch.slice(0, replay === 2 ? 1 : 2), journal);
      expect(again.lastSeq).toBe(2);
      expect(again.results.every((r) => r.status === 'duplicate' && r.reason === undefined)).toBe(true);
      expect({ all: await stateHash(h.db), sync: await serverStateHash(h.db) }).toEqual(before);
    }
  });

  it('rejects a code another device already sent with another id (dossier.code-taken), and the queue goes on', async () => {
    const a = await freshCounter();
    const b = await freshCounter();
    const first = dossierArgs();
    expect((await push(a.device, [envelope(1, first)], a.journal)).results[0]?.status).toBe('applied');
    const clash = dossierArgs({ code: first.code, lookupSecret: 'ZZZZ2222' });
    const next = dossierArgs();
    const res = await push(b.device, [envelope(1, clash), envelope(2, next)], b.journal);
    expect(res.lastSeq).toBe(2);
    expect(res.results[0]).toMatchObject({ status: 'rejected', reason: { code: 'dossier.code-taken' } });
    expect(res.results[1]?.status).toBe('applied');
    // The first dossier keeps its secret and its row.
    expect((await lookup(first.code, first.lookupSecret)).status).toBe(200);
    expect((await lookup(first.code, 'ZZZZ2222')).status).toBe(404);
    expect((await received(first.code))?.id).toBe(first.id);
    expect(await received(next.code)).toBeDefined();
  });

  it('rejects a second dossier with the same code in one batch, and a code the centre already recorded', async () => {
    const { device, journal } = await freshCounter();
    const one = dossierArgs();
    const taken = nextCode();
    expect(
      await recordDossierStatus(h.db, {
        code: taken,
        branchCode: 'CN01',
        lookupSecret: 'QQQQ3333',
        status: 'processing',
        statusAt: START,
        appointmentDate: null,
        note: '',
      }),
    ).toEqual({ ok: true, outcome: 'created' });
    const res = await push(device, [envelope(1, one), envelope(2, dossierArgs({ code: one.code })), envelope(3, dossierArgs({ code: taken }))], journal);
    expect(res.results.map((r) => r.reason?.code ?? r.status)).toEqual(['applied', 'dossier.code-taken', 'dossier.code-taken']);
    expect(await received(taken)).toBeUndefined();
  });

  it('applies the same dossier sent again in a new stream without writing, and refuses its id with another code', async () => {
    const { device, journal } = await freshCounter();
    const args = dossierArgs();
    expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
    const before = await stateHash(h.db);
    // The kiosk's database was rebuilt and its journal replayed under a new journal id.
    const rebuilt = randomUUID();
    const again = await push(device, [envelope(1, args), envelope(2, { ...args, code: nextCode() })], rebuilt);
    expect(again.results.map((r) => r.reason?.code ?? r.status)).toEqual(['applied', 'dossier.id-taken']);
    const after = await stateHash(h.db);
    expect(after.received_dossiers).toBe(before.received_dossiers);
    expect(after.dossiers).toBe(before.dossiers);
    expect(after.changes).toBe(before.changes);
  });

  it("rejects missing documents without the officer's reason as invalid arguments, without echoing personal data", async () => {
    const { device, journal } = await freshCounter();
    const args = dossierArgs({ missing: [{ documentId: 'giay-chung-sinh', name: 'Giấy chứng sinh' }], incompleteReason: '  ' });
    const res = await push(device, [envelope(1, args), envelope(2, dossierArgs({ applicant: { ...args.applicant, idNumber: 'bad id' } }))], journal);
    expect(res.lastSeq).toBe(2);
    expect(res.results.map((r) => r.reason?.code)).toEqual(['sync.invalid-args', 'sync.invalid-args']);
    expect(res.results[0]?.reason?.detail).toContain('incompleteReason');
    const body = JSON.stringify(res);
    for (const personal of [args.applicant.fullName, args.applicant.idNumber, 'bad id', args.lookupSecret, args.applicant.phone])
      expect(body).not.toContain(personal);
    expect(await received(args.code)).toBeUndefined();
    expect((await lookup(args.code, args.lookupSecret)).status).toBe(404);
  });

  it('refuses dossiers from a citizen kiosk (auth.role-forbidden) and from another branch (sync.wrong-branch)', async () => {
    const citizen = await enrolDevice(h, 'CN01', 'citizen');
    const args = dossierArgs();
    const res = await push(citizen, [envelope(1, args)], randomUUID());
    expect(res.results[0]).toMatchObject({ status: 'rejected', reason: { code: 'auth.role-forbidden' } });
    const other = await freshCounter('CN02');
    const wrong = await push(other.device, [envelope(1, dossierArgs({ code: args.code }))], other.journal);
    expect(wrong.results[0]).toMatchObject({ status: 'rejected', reason: { code: 'sync.wrong-branch' } });
    expect(await received(args.code)).toBeUndefined();
  });

  it("heals a dossier left incomplete when the recount after a verification failed, at the branch's next push", async () => {
    const { device, journal } = await freshCounter();
    const bytes = new Uint8Array(randomBytes(1500));
    const args = dossierArgs({
      documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: sha256(bytes), size: bytes.length, pages: 1, reusedFrom: null }],
    });
    expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
    expect(Number((await received(args.code))?.blobs_missing)).toBe(1);
    // A blob verified by an older server, whose recount ran in a transaction of its own and never ran
    // (a crash between the two); today's server recounts in the blob's own transaction.
    await h.db.query('INSERT INTO blobs (sha256, size, storage_key, branch_code, device_id, verified_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      sha256(bytes),
      bytes.length,
      'test/healed',
      'CN01',
      device.deviceId,
      Date.now(),
    ]);
    expect(Number((await received(args.code))?.blobs_missing)).toBe(1);
    const next = dossierArgs({ code: args.code.replace(/\d{4}$/, (n) => String(Number(n) + 1).padStart(4, '0')) });
    expect((await push(device, [envelope(2, next)], journal)).results[0]?.status).toBe('applied');
    expect(isTrue((await received(args.code))?.blobs_verified)).toBe(true);
  });

  it('stores a dossier whose blob is not uploaded yet as incomplete, and completes it when the blob is verified', async () => {
    const { device, journal } = await freshCounter();
    const uploadedBytes = new Uint8Array(randomBytes(3000));
    const laterBytes = new Uint8Array(randomBytes(2000));
    const upload = (bytes: Uint8Array<ArrayBuffer>) => uploadScan(h.base!, device, bytes);
    await upload(uploadedBytes);
    const args = dossierArgs({ documents: [scanDoc('to-khai', uploadedBytes), scanDoc('cccd', laterBytes), scanDoc('ban-sao', laterBytes)] });
    expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
    let row = await received(args.code);
    expect([Number(row?.blob_count), Number(row?.blobs_missing), isTrue(row?.blobs_verified)]).toEqual([2, 1, false]);
    expect((await listReceivedDossiers(h.db, 'CN01', { incompleteOnly: true })).map((d) => d.code)).toContain(args.code);

    await upload(laterBytes);
    row = await received(args.code);
    expect([Number(row?.blob_count), Number(row?.blobs_missing), isTrue(row?.blobs_verified)]).toEqual([2, 0, true]);
    expect((await listReceivedDossiers(h.db, 'CN01', { incompleteOnly: true })).map((d) => d.code)).not.toContain(args.code);
    const listed = (await listReceivedDossiers(h.db, 'CN01')).find((d) => d.code === args.code);
    expect(listed).toMatchObject({ status: 'received', blobCount: 2, blobsMissing: 0, complete: true });
  });

  it('never verifies a blob without recounting the dossiers waiting for it: a recount that fails fails the upload, which the retry completes', async () => {
    const { device, journal } = await freshCounter();
    const bytes = new Uint8Array(randomBytes(2500));
    const args = dossierArgs({
      documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: sha256(bytes), size: bytes.length, pages: 1, reusedFrom: null }],
    });
    expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
    expect(Number((await received(args.code))?.blobs_missing)).toBe(1);
    const upload = () => uploadScan(h.base!, device, bytes);
    const verified = async () => (await h.db.query('SELECT 1 FROM blobs WHERE sha256 = $1', [sha256(bytes)])).length === 1;
    // The recount dies (a crash, a lost connection) once the blob's row is written.
    const trigger = `recount_fails_${randomUUID().replace(/-/g, '')}`;
    await h.db.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'recount dies'; END $$`);
    await h.db.query(`CREATE TRIGGER ${trigger} BEFORE UPDATE OF blobs_missing ON received_dossiers FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
    try {
      await expect(upload()).rejects.toThrow(/503|server\.unavailable/);
    } finally {
      await h.db.query(`DROP TRIGGER ${trigger} ON received_dossiers`);
      await h.db.query(`DROP FUNCTION ${trigger}()`);
    }
    // Neither half happened: the kiosk sends the scan again.
    expect({ verified: await verified(), missing: Number((await received(args.code))?.blobs_missing) }).toEqual({ verified: false, missing: 1 });
    await upload();
    const row = await received(args.code);
    expect({ verified: await verified(), missing: Number(row?.blobs_missing), complete: isTrue(row?.blobs_verified) }).toEqual({
      verified: true,
      missing: 0,
      complete: true,
    });
  });

  // PGlite runs one transaction at a time, so two verifications cannot overlap there.
  if (engine.name === 'postgres') {
    it('completes a dossier whose two scans are verified at the same moment (each transaction waiting for the other)', async () => {
      const { device, journal } = await freshCounter();
      const first = new Uint8Array(randomBytes(2200));
      const second = new Uint8Array(randomBytes(2300));
      // Different completeness buckets (the first byte of the hash), so the bucket locks do not serialise them.
      if (sha256(first).slice(0, 2) === sha256(second).slice(0, 2)) second[0] = second[0]! ^ 0xff;
      const args = dossierArgs({ documents: [scanDoc('to-khai', first), scanDoc('cccd', second)] });
      expect((await push(device, [envelope(1, args)], journal)).results[0]?.status).toBe('applied');
      // A second server on the same database whose verifications meet after writing their blob
      // rows and before recounting: neither has committed, so each sees only its own row.
      let waiting = 0;
      let met = 0;
      let release: () => void = () => undefined;
      const bothThere = new Promise<void>((resolve) => (release = resolve));
      const meeting = (tx: Db): Db => ({
        ...tx,
        async query<T>(sql: string, params?: readonly unknown[]) {
          const result = await tx.query<T>(sql, params);
          if (sql.trimStart().startsWith('INSERT INTO blob_owners')) {
            if (++waiting === 2) {
              met++;
              release();
            }
            await Promise.race([bothThere, new Promise((r) => setTimeout(r, 5000))]);
          }
          return result;
        },
        transaction: (fn) => tx.transaction((inner) => fn(meeting(inner))),
      });
      const meetingServer = await startServerOn(meeting(h.db), async () => undefined, { listen: true });
      try {
        await Promise.all([uploadScan(meetingServer.base!, device, first), uploadScan(meetingServer.base!, device, second)]);
      } finally {
        await meetingServer.dispose();
      }
      expect(met, 'the two verifications overlapped').toBe(1);
      const row = await received(args.code);
      expect({ missing: Number(row?.blobs_missing), complete: isTrue(row?.blobs_verified) }).toEqual({ missing: 0, complete: true });
    });
  }

  it('publishes an admin status change to the branch pull and the look-up', async () => {
    const { device, journal } = await freshCounter();
    const args = dossierArgs();
    await push(device, [envelope(1, args)], journal);
    const outcome = await recordDossierStatus(h.db, {
      code: args.code,
      branchCode: 'CN01',
      status: 'ready',
      statusAt: h.clock.now() + 60_000,
      appointmentDate: '2026-11-30',
      note: 'Mời ông/bà đến nhận kết quả',
    });
    expect(outcome).toEqual({ ok: true, outcome: 'updated' });
    expect(await statusChange(counter, args.code)).toMatchObject({
      op: 'put',
      data: { code: args.code, status: 'ready', statusAt: h.clock.now() + 60_000, appointmentDate: '2026-11-30', note: 'Mời ông/bà đến nhận kết quả' },
    });
    expect(JSON.parse((await lookup(args.code, args.lookupSecret)).body)).toMatchObject({ status: 'ready', appointmentDate: '2026-11-30' });
    // An older status changes nothing, and publishes nothing.
    const feed = await pullBranch(counter);
    const stale = await recordDossierStatus(h.db, {
      code: args.code,
      branchCode: 'CN01',
      status: 'processing',
      statusAt: START,
      appointmentDate: null,
      note: '',
    });
    expect(stale).toEqual({ ok: true, outcome: 'stale' });
    expect(await pullBranch(counter)).toEqual(feed);
  });

  describe("with the branch's published reception numbering", () => {
    let config: BranchConfig;
    beforeAll(async () => {
      // CN02 receives under unit 000.21.02.H26, blocks of 1000, 4 slots, 4 digits, Hà Nội time.
      const seed = JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')) as BranchConfig;
      config = { ...seed, branchCode: 'CN02', reception: { ...seed.reception!, unitCode: '000.21.02.H26' } };
      const published = await publishChanges(h.db, { scope: 'branch:CN02', changes: [{ entity: 'branchConfig', op: 'put', data: config }] });
      expect(published.ok).toBe(true);
    });

    it('stores every code (its receipt is printed) and flags the ones that do not fit the published numbering for the centre', async () => {
      const { device, journal } = await freshCounter('CN02');
      const base = { branchCode: 'CN02' };
      const cases: [Partial<DossierSubmitArgs> & { code: string }, string | null][] = [
        [{ code: '000.21.02.H26-261124-1001', slot: 1 }, null],
        // 23:30 on the 23rd in UTC is 06:30 on the 24th in Hà Nội.
        [{ code: '000.21.02.H26-261124-0001', slot: 0, receivedAt: Date.UTC(2026, 10, 23, 23, 30) }, null],
        [{ code: '000.21.01.H26-261124-1002', slot: 1 }, 'dossier.wrong-unit'],
        [{ code: '000.21.02.H26-261124-0002', slot: 1 }, 'dossier.number-out-of-range'],
        [{ code: '000.21.02.H26-261124-1000', slot: 1 }, 'dossier.number-out-of-range'],
        [{ code: '000.21.02.H26-261124-01003', slot: 1 }, 'dossier.number-out-of-range'],
        [{ code: '000.21.02.H26-261123-1004', slot: 1 }, 'dossier.date-mismatch'],
        [{ code: '000.21.02.H26-261124-4001', slot: 4 }, 'dossier.slot-out-of-range'],
        [{ code: '000.21.02.H26-261124-5001', slot: 1 }, null], // an overflow block of slot 1
      ];
      const res = await push(
        device,
        cases.map(([o], k) => envelope(k + 1, dossierArgs({ ...base, ...o }))),
        journal,
      );
      expect(res.lastSeq).toBe(cases.length);
      expect(res.results.map((r) => r.reason?.code ?? r.status)).toEqual(cases.map(() => 'applied'));
      const rows = await h.db.query<{ code: string; code_warning: string | null }>('SELECT code, code_warning FROM received_dossiers WHERE branch_code = $1', [
        'CN02',
      ]);
      const warnings = new Map(rows.map((r) => [r.code, r.code_warning]));
      for (const [o, expected] of cases) {
        const warning = warnings.get(o.code);
        if (expected === null) expect(warning, o.code).toBeNull();
        else expect(warning, o.code).toMatch(new RegExp(`^${expected.replace('.', '\\.')}:`));
      }
      expect(JSON.stringify(rows)).not.toContain('Nguyễn');
    });

    it("keeps the receipt's reception-register entry (book, serial); a dossier sent before the register existed has none", async () => {
      const { device, journal } = await freshCounter('CN02');
      const withRegister = dossierArgs({ branchCode: 'CN02', code: '000.21.02.H26-261124-1101', slot: 1, register: { book: '02/2026', serial: 17 } });
      const older = dossierArgs({ branchCode: 'CN02', code: '000.21.02.H26-261124-1102', slot: 1 });
      const res = await push(device, [envelope(1, withRegister), envelope(2, older)], journal);
      expect(res.results.map((r) => r.reason?.code ?? r.status)).toEqual(['applied', 'applied']);
      const rows = await h.db.query<{ code: string; register_book: string | null; register_serial: number | null }>(
        'SELECT code, register_book, register_serial FROM received_dossiers WHERE code = ANY($1::text[]) ORDER BY code',
        [[withRegister.code, older.code]],
      );
      expect(rows).toEqual([
        { code: withRegister.code, register_book: '02/2026', register_serial: 17 },
        { code: older.code, register_book: null, register_serial: null },
      ]);
    });
  });
});
