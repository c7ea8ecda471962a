import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type * as FsPromises from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBranch } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { listAudit } from '../../src/server/audit';
import { openBlobStream, sealBlobStream } from '../../src/server/blobCipher';
import { diskStorage, findBlob, readBlobBytes } from '../../src/server/blobStore';
import { checkKeysAgainstDatabase, dataProtectionFromEnv, KEY_FILE_NAME, keyring, unencryptedForBenchmarkOnly } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { defaultPgliteDir, openPgliteDb } from '../../src/server/db/pgliteDb';
import { fixedClock } from '../../src/shared/clock';
import { recordDossierStatus } from '../../src/server/dossiers';
import { dataKeyUsage, deleteCitizen, exportCitizen, readReceivedDossiers, rotateDataKeys, sealUnsealed } from '../../src/server/personalData';
import { appendRelay, relayBatch } from '../../src/server/hub/relayStore';
import { runRetentionJob } from '../../src/server/retentionJob';
import { BLOB_BY_HASH_PATH, PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { type DossierSubmitArgs } from '../../src/shared/records';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';
import { engines, enrolDevice, openHarness, START, testDataProtection, type EnrolledDevice, type Harness } from './serverHarness';

/** In order, what the code asked of the disk through fs/promises (test/support/diskEvents.ts). */
const diskEvents = vi.hoisted((): string[] => []);
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../support/diskEvents')).recordingFsPromises(await importOriginal<typeof FsPromises>(), diskEvents),
);

/** `file` was written whole (a temporary file fsynced, then renamed to it) and its folder fsynced after the rename. */
function expectWrittenDurably(file: string): void {
  const renamed = diskEvents.findIndex((e) => e.startsWith('rename ') && e.endsWith(` → ${file}`));
  expect(renamed, `${file} renamed into place`).toBeGreaterThan(-1);
  const temporary = diskEvents[renamed]!.slice('rename '.length, diskEvents[renamed]!.indexOf(' → '));
  const synced = diskEvents.indexOf(`sync ${temporary}`);
  expect(synced, `${file}: its bytes fsynced before the rename`).toBeGreaterThan(-1);
  expect(synced).toBeLessThan(renamed);
  expect(diskEvents.indexOf(`sync ${path.dirname(file)}`, renamed), `${file}: its folder fsynced after the rename`).toBeGreaterThan(renamed);
}

/**
 * Personal data at rest at the centre (issue 11, item 5), on PGlite and PostgreSQL, through a real
 * server on port 0: what the database and the blob folder hold after a dossier and its scans were
 * received (no applicant field, no scan byte), that every read path still returns the originals,
 * key rotation, the retention job, and one citizen's export and erasure.
 */
const DAY = 24 * 3600 * 1000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let codeCounter = 0;
const nextCode = () => `000.21.01.H26-261124-${String(++codeCounter).padStart(4, '0')}`;

/** A scanned page as a counter sends it: a PDF of a few hundred kB (random content: it does not compress). */
const scanPdf = (bytes = 180_000) => new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(bytes)]));

interface Citizen {
  readonly idNumber: string;
  readonly fullName: string;
  readonly dateOfBirth: string;
  readonly address: string;
  readonly phone: string;
  readonly email: string;
}

const citizen = (n: number): Citizen => ({
  idNumber: `0010900${String(54_321 + n).padStart(5, '0')}`,
  fullName: `Phạm Thị Quỳnh Mai ${n}`,
  dateOfBirth: '1961-03-29',
  address: `Số ${17 + n} ngõ Hoà Bình ${n}, Hai Bà Trưng, Hà Nội`,
  phone: `09876${String(54_321 + n).padStart(5, '0')}`,
  email: `mai.${n}@thu-dien.vn`,
});

function dossierArgs(person: Citizen, scans: readonly Uint8Array[], overrides: Partial<DossierSubmitArgs> = {}): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code: nextCode(),
    branchCode: 'CN01',
    slot: 0,
    receivedAt: START,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: { ...person, gender: 'female', fromCard: true },
    documents: scans.map((bytes, i) => ({
      documentId: `giay-to-${i + 1}`,
      name: `Giấy tờ ${i + 1}`,
      originals: 1,
      copies: 0,
      sha256: sha256(bytes),
      size: bytes.length,
      pages: 1,
      reusedFrom: null,
    })),
    missing: [{ documentId: 'giay-khai-sinh', name: 'Giấy khai sinh' }],
    incompleteReason: `Bà ${person.fullName} bổ sung giấy khai sinh sau`,
    sets: 1,
    appointment: { kind: 'date', at: Date.UTC(2026, 11, 1, 2, 0, 0), date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'post', detail: `Gửi về ${person.address}, ĐT ${person.phone}` },
    lookupSecret: 'K7P4X9QM',
    officerName: 'Trần Thị Bình',
    ...overrides,
  };
}

/** Every personal value of a dossier, as the strings a dump could betray. */
const personalValues = (a: DossierSubmitArgs) => [
  a.applicant.idNumber,
  a.applicant.fullName,
  a.applicant.dateOfBirth!,
  a.applicant.address,
  a.applicant.phone,
  a.applicant.email,
  a.resultDelivery.detail,
  a.incompleteReason!,
  a.lookupSecret,
];

/** Every row of every table, as text (bytea as hex, as PostgreSQL prints it). */
async function dumpDatabase(db: Db): Promise<string> {
  const tables = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    for (const row of await db.query<{ t: string }>(`SELECT t::text AS t FROM "${table_name}" t`)) parts.push(`${table_name}: ${row.t}`);
  }
  return parts.join('\n');
}

/** Every file under a folder, recursively. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Does the text (or any byte buffer) betray `value`: as UTF-8, or hex-encoded (a bytea column)? */
function betrays(haystack: string | Buffer, value: string): boolean {
  const utf8 = Buffer.from(value, 'utf8');
  if (typeof haystack === 'string') return haystack.includes(value) || haystack.includes(utf8.toString('hex'));
  return haystack.includes(utf8);
}

/** Distinctive 48-byte slices of a scan (start, middle, end): one in a file or a dump is a leaked scan. */
const scanSlices = (scan: Uint8Array) => [1_000, Math.floor(scan.length / 2), scan.length - 60].map((at) => Buffer.from(scan.subarray(at, at + 48)));

describe.each(engines)('personal data at rest on $name', (engine) => {
  let h: Harness;
  let counter: EnrolledDevice;
  let seq = 0;
  let ips = 0;
  const journal = randomUUID();

  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    counter = await enrolDevice(h, 'CN01', 'counter');
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const push = async (app: FastifyInstance, device: EnrolledDevice, args: DossierSubmitArgs, journalId = journal, deviceSeq = ++seq) => {
    const envelope: MutationEnvelope = { mutationId: randomUUID(), deviceSeq, name: 'dossier.submit@1', args, schemaVersion: 1, createdAt: START + deviceSeq };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations: [envelope] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(PushResponse.parse(res.json()).results[0]?.status).toBe('applied');
  };
  const upload = (base: string, device: EnrolledDevice, bytes: Uint8Array) =>
    uploadBlobWithTus({
      baseUrl: base,
      token: device.token,
      blob: { sha256: sha256(bytes), size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes as Uint8Array<ArrayBuffer>]), uploadUrl: null },
      hooks: { onUploadUrl: () => undefined },
    });
  const lookup = (app: FastifyInstance, code: string, secret: string) =>
    app.inject({ method: 'POST', url: '/v1/lookup', payload: { code, secret }, remoteAddress: `10.77.${++ips % 250}.${(ips % 200) + 1}` });

  it('stores a received dossier and its scans sealed: no applicant field in any table, no scan byte in any file, and every read path returns the originals', async () => {
    const scans = [scanPdf(), scanPdf(240_000), scanPdf(70_000)];
    const args = dossierArgs(citizen(1), scans);
    for (const scan of scans) await upload(h.base!, counter, scan);
    await push(h.app, counter, args);

    // What is on disk: the database dump and every file of the blob folder.
    const dump = await dumpDatabase(h.db);
    expect(dump).toContain(args.code);
    for (const value of personalValues(args)) expect(betrays(dump, value), `database holds "${value}"`).toBe(false);
    const files = await allFiles(h.blobDir);
    expect(files.filter((f) => f.endsWith('.sealed'))).toHaveLength(scans.length);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const scan of scans) for (const slice of scanSlices(scan)) expect(bytes.includes(slice), `${file} holds scan bytes`).toBe(false);
      for (const value of personalValues(args)) expect(betrays(bytes, value), `${file} holds "${value}"`).toBe(false);
    }
    for (const scan of scans) for (const slice of scanSlices(scan)) expect(dump.includes(slice.toString('hex')), 'database holds scan bytes').toBe(false);

    // The row names its key; the blind index finds the citizen however the ID number is typed.
    const raw = await h.db.query<{ personal_kek_id: string; id_number_index: string; applicant: unknown }>(
      'SELECT personal_kek_id, id_number_index, applicant FROM received_dossiers WHERE id = $1',
      [args.id],
    );
    expect(raw[0]).toEqual({
      personal_kek_id: testDataProtection.currentKeyId,
      id_number_index: testDataProtection.blindIndex(args.applicant.idNumber),
      applicant: null,
    });
    expect(testDataProtection.blindIndex(` ${args.applicant.idNumber.slice(0, 4)} ${args.applicant.idNumber.slice(4)}`)).toBe(raw[0]!.id_number_index);

    // Read paths: the stored dossier, each scan, the citizen export, the status look-up.
    const [stored] = await readReceivedDossiers(h.db, testDataProtection, { ids: [args.id] });
    expect(stored).toMatchObject({
      code: args.code,
      applicant: args.applicant,
      result_delivery_detail: args.resultDelivery.detail,
      incomplete_reason: args.incompleteReason,
    });
    const storage = diskStorage(h.blobDir);
    for (const scan of scans) expect(Buffer.from((await readBlobBytes(h.db, storage, testDataProtection, sha256(scan)))!).equals(Buffer.from(scan))).toBe(true);
    const parent = await mkdtemp(path.join(tmpdir(), 'hpasc-export-'));
    const out = path.join(parent, 'export', 'CN01');
    try {
      diskEvents.length = 0;
      const exported = await exportCitizen(h.db, testDataProtection, storage, args.applicant.idNumber, out, {
        actor: { kind: 'admin-cli', id: 'tester' },
        now: h.clock.now(),
      });
      expect(exported.dossiers).toEqual([{ code: args.code, scans: 3, missingScans: 0 }]);
      const json = JSON.parse(await readFile(exported.file, 'utf8')) as {
        dossiers: { applicant: unknown; resultDelivery: unknown; scans: { file: string }[] }[];
      };
      expect(json.dossiers[0]).toMatchObject({ applicant: args.applicant, resultDelivery: { method: 'post', detail: args.resultDelivery.detail } });
      for (const [i, scan] of scans.entries()) expect((await readFile(path.join(out, json.dossiers[0]!.scans[i]!.file))).equals(Buffer.from(scan))).toBe(true);
      expect(statSync(exported.file).mode & 0o077).toBe(0);
      // On disk before the export returns (an erasure may follow it at once): every file written
      // whole, every folder's entries, up to the folder that existed before (a power cut loses nothing).
      expectWrittenDurably(exported.file);
      for (const scan of json.dossiers[0]!.scans) expectWrittenDurably(path.join(out, scan.file));
      for (const folder of [path.join(out, 'scans'), out, path.dirname(out), parent]) expect(diskEvents, folder).toContain(`sync ${folder}`);
      expect(diskEvents.indexOf(`sync ${path.dirname(out)}`)).toBeGreaterThan(diskEvents.indexOf(`sync ${out}`));
      expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
    expect((await lookup(h.app, args.code, args.lookupSecret)).statusCode).toBe(200);
  });

  it('keeps an unfinished upload encrypted on disk, resumes it at an odd offset and verifies the plaintext', async () => {
    const scan = scanPdf(200_000);
    const tus = (url: string, method: string, headers: Record<string, string>, body?: Uint8Array) =>
      fetch(`${h.base}${url}`, {
        method,
        headers: { 'tus-resumable': '1.0.0', ...counter.auth, ...headers },
        ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
      });
    const created = await tus('/v1/blobs/tus', 'POST', {
      'upload-length': String(scan.length),
      'upload-metadata': `sha256 ${Buffer.from(sha256(scan)).toString('base64')}`,
    });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, h.base!).pathname;
    const half = 100_003; // not a multiple of the cipher's 16-byte block
    const patch = (offset: number, body: Uint8Array) =>
      tus(url, 'PATCH', { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body);
    expect((await patch(0, scan.subarray(0, half))).status).toBe(204);
    // Half an upload on disk: the tus working file holds no byte of the scan.
    const working = (await allFiles(h.blobDir)).filter((f) => f.includes(`${path.sep}uploads${path.sep}`));
    expect(working.length).toBeGreaterThan(0);
    for (const file of working) {
      const bytes = await readFile(file);
      for (const slice of [Buffer.from(scan.subarray(1_000, 1_048)), Buffer.from(scan.subarray(50_000, 50_048))])
        expect(bytes.includes(slice), file).toBe(false);
    }
    const done = await patch(half, scan.subarray(half));
    expect(done.status).toBe(204);
    expect(done.headers.get('blob-verified')).toBe(sha256(scan));
    expect(Buffer.from((await readBlobBytes(h.db, diskStorage(h.blobDir), testDataProtection, sha256(scan)))!).equals(Buffer.from(scan))).toBe(true);
  });

  it('refuses a sealed scan that was altered or cut short, mid-stream rather than handing out bad bytes', async () => {
    const dek = randomBytes(32);
    const plain = randomBytes(200_000);
    const collect = async (stream: AsyncIterable<Buffer>) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return Buffer.concat(chunks);
    };
    const sealed = await collect(sealBlobStream(dek, [plain]));
    const open = (bytes: Buffer) => collect(openBlobStream(dek, [bytes]));
    expect((await open(sealed)).equals(plain)).toBe(true);
    const flipped = Buffer.from(sealed);
    flipped[100_000] = flipped[100_000]! ^ 1;
    await expect(open(flipped)).rejects.toThrow();
    // Cut at a segment boundary (header 8 bytes, segments of 64 KiB + 16-byte tag): no longer a whole scan.
    await expect(open(sealed.subarray(0, 8 + 2 * (65_536 + 16)))).rejects.toThrow();
    await expect(open(Buffer.concat([sealed, sealed.subarray(8, 8 + 65_536 + 16)]))).rejects.toThrow();
  });

  describe('keys', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const indexKey = randomBytes(32);
    const before = keyring(new Map([['k2025', oldKey]]), 'k2025', indexKey);
    const during = keyring(
      new Map([
        ['k2025', oldKey],
        ['k2026', newKey],
      ]),
      'k2026',
      indexKey,
    );
    const after = keyring(new Map([['k2026', newKey]]), 'k2026', indexKey);
    let k: Harness;
    let device: EnrolledDevice;

    beforeAll(async () => {
      k = await openHarness(engine, { listen: true, server: { dataProtection: before } });
      await checkKeysAgainstDatabase(k.db, before);
      device = await enrolDevice(k, 'CN01', 'counter');
    }, 60_000);
    afterAll(async () => {
      await k?.dispose();
    });

    const sealedState = async () => ({
      rows: await k.db.query<{ id: string; personal: unknown; personal_kek_id: string }>(
        'SELECT id, personal, personal_kek_id FROM received_dossiers ORDER BY id',
      ),
      blobs: await k.db.query<{ sha256: string; kek_id: string; storage_key: string }>('SELECT sha256, kek_id, storage_key FROM blobs ORDER BY sha256'),
      files: await Promise.all((await allFiles(k.blobDir)).sort().map(async (f) => sha256(await readFile(f)))),
    });

    it('rotate-data-keys rewraps every data key under the current key without touching ciphertext; until then the old key keeps decrypting', async () => {
      const scan = scanPdf(100_000);
      const args = dossierArgs(citizen(2), [scan]);
      await upload(k.base!, device, scan);
      await push(k.app, device, args, randomUUID(), 1);

      // A server given the new key as current still reads what the old one sealed.
      expect((await readReceivedDossiers(k.db, during, { ids: [args.id] }))[0]?.applicant).toEqual(args.applicant);
      // One without the old key refuses to start, naming it.
      await expect(checkKeysAgainstDatabase(k.db, after)).rejects.toThrow(/k2025/);
      // The same id with other bytes is refused too.
      await expect(checkKeysAgainstDatabase(k.db, keyring(new Map([['k2025', randomBytes(32)]]), 'k2025', indexKey))).rejects.toThrow(/k2025/);
      await expect(checkKeysAgainstDatabase(k.db, keyring(new Map([['k2025', oldKey]]), 'k2025', randomBytes(32)))).rejects.toThrow(/DATA_INDEX_KEY/);

      // A branch hub's copy of a dossier it holds for the centre is sealed under the old key too,
      // beside another seq of the same journal reusing that mutation id (its own data key).
      const relayed = dossierArgs(citizen(3), []);
      const relayJournal = randomUUID();
      const relayMutation = randomUUID();
      const envelope = (seq: number, args: DossierSubmitArgs): MutationEnvelope => ({
        mutationId: relayMutation,
        deviceSeq: seq,
        name: 'dossier.submit@1',
        args,
        schemaVersion: 1,
        createdAt: START,
      });
      const reused = dossierArgs(citizen(4), []);
      await appendRelay(k.db, { protection: before, now: START }, device.deviceId, relayJournal, [envelope(1, relayed), envelope(2, reused)]);
      expect((await dataKeyUsage(k.db)).find((u) => u.keyId === 'k2025')).toMatchObject({ relayRecords: 2 });

      const sealedBefore = await sealedState();
      expect(sealedBefore.rows.map((r) => r.personal_kek_id)).toEqual(['k2025']);
      const report = await rotateDataKeys(k.db, during, diskStorage(k.blobDir));
      expect(report).toMatchObject({ keyId: 'k2026', dossiers: 1, blobs: 1, relayRecords: 2 });
      expect((await dataKeyUsage(k.db)).map((u) => u.keyId)).toEqual(['k2026']);
      // The hub relays them with the new key alone, each exactly as the kiosk sent it.
      const batch = await relayBatch(k.db, after, device.deviceId, relayJournal, 10, 1_000_000);
      expect(batch.mutations.map((m) => [m.deviceSeq, m.args])).toEqual([
        [1, relayed],
        [2, reused],
      ]);
      await k.db.query('DELETE FROM relay_outbox WHERE journal_id = $1', [relayJournal]);
      const sealedAfter = await sealedState();
      // Ciphertext and files untouched; only the key ids (and wrapped keys) moved.
      expect(sealedAfter.rows.map((r) => [r.id, Buffer.from(r.personal as Uint8Array).toString('hex')])).toEqual(
        sealedBefore.rows.map((r) => [r.id, Buffer.from(r.personal as Uint8Array).toString('hex')]),
      );
      expect(sealedAfter.files).toEqual(sealedBefore.files);
      expect(sealedAfter.rows.map((r) => r.personal_kek_id)).toEqual(['k2026']);
      expect(sealedAfter.blobs.map((b) => b.kek_id)).toEqual(['k2026']);

      // The old key may now go.
      await checkKeysAgainstDatabase(k.db, after);
      expect((await readReceivedDossiers(k.db, after, { ids: [args.id] }))[0]?.applicant).toEqual(args.applicant);
      expect(Buffer.from((await readBlobBytes(k.db, diskStorage(k.blobDir), after, sha256(scan)))!).equals(Buffer.from(scan))).toBe(true);
      await expect(readReceivedDossiers(k.db, before, { ids: [args.id] })).rejects.toThrow(/k2026/);
    });

    it('seals what an older centre stored in plaintext (rows and scans), as the hourly job does, and every read still returns it', async () => {
      // A centre from before migration 008 wrote plaintext columns and plain files: the benchmark's baseline still does.
      const old = buildServer({ db: k.db, clock: fixedClock(START), blobDir: k.blobDir, dataProtection: unencryptedForBenchmarkOnly() });
      const oldBase = await old.listen({ port: 0, host: '127.0.0.1' });
      const scan = scanPdf(90_000);
      const args = dossierArgs(citizen(9), [scan]);
      try {
        await upload(oldBase, device, scan);
        await push(old, device, args, randomUUID(), 1);
      } finally {
        await old.close();
      }
      expect(betrays(await dumpDatabase(k.db), args.applicant.fullName)).toBe(true);
      expect((await findBlob(k.db, sha256(scan)))?.key).toBeNull();

      const report = await sealUnsealed(k.db, after, diskStorage(k.blobDir));
      expect(report).toEqual({ dossiers: 1, blobs: 1 });
      const dump = await dumpDatabase(k.db);
      for (const value of personalValues(args).filter((v) => v !== args.lookupSecret)) expect(betrays(dump, value), value).toBe(false);
      for (const file of await allFiles(k.blobDir)) for (const slice of scanSlices(scan)) expect((await readFile(file)).includes(slice), file).toBe(false);
      expect((await readReceivedDossiers(k.db, after, { ids: [args.id] }))[0]?.applicant).toEqual(args.applicant);
      expect(Buffer.from((await readBlobBytes(k.db, diskStorage(k.blobDir), after, sha256(scan)))!).equals(Buffer.from(scan))).toBe(true);
      expect(await sealUnsealed(k.db, after, diskStorage(k.blobDir))).toEqual({ dossiers: 0, blobs: 0 });
    });
  });

  it('the retention job erases personal fields and scans of dossiers returned more than RETENTION_DAYS ago, keeps the code → status look-up and the statistics, and leaves scans a live dossier still uses', async () => {
    const clock = h.clock;
    const shared = scanPdf(50_000);
    const ownScan = scanPdf(60_000);
    const old = dossierArgs(citizen(3), [shared, ownScan]);
    const open = dossierArgs(citizen(4), [shared]);
    const recent = dossierArgs(citizen(5), [scanPdf(40_000)]);
    for (const scan of [shared, ownScan]) await upload(h.base!, counter, scan);
    for (const a of [old, open, recent]) await push(h.app, counter, a);
    const returned = async (code: string) =>
      expect(
        await recordDossierStatus(h.db, { code, branchCode: 'CN01', status: 'returned', statusAt: clock.now(), appointmentDate: null, note: '' }),
      ).toMatchObject({ ok: true });
    await returned(old.code);
    clock.advance(89 * DAY);
    await returned(recent.code);
    expect((await runRetentionJob(h.app)).purged.codes).toEqual([]);
    clock.advance(2 * DAY);

    const report = await runRetentionJob(h.app);
    expect(report.purged).toEqual({ codes: [old.code], blobs: 1 });
    const rows = await readReceivedDossiers(h.db, testDataProtection, { codes: [old.code, open.code, recent.code] });
    const byCode = new Map(rows.map((r) => [r.code, r]));
    expect(byCode.get(old.code)).toMatchObject({ applicant: null, result_delivery_detail: null, incomplete_reason: null, personal_erased_reason: 'retention' });
    // What statistics use stays.
    expect(byCode.get(old.code)).toMatchObject({ code: old.code, branch_code: 'CN01', procedure_code: old.procedure.code, received_at: expect.anything() });
    expect(byCode.get(open.code)?.applicant).toEqual(open.applicant);
    expect(byCode.get(recent.code)?.applicant).toEqual(recent.applicant);
    // The scan only the erased dossier used is gone (row and file); the shared one stays.
    expect(await findBlob(h.db, sha256(ownScan))).toBeNull();
    expect(await findBlob(h.db, sha256(shared))).not.toBeNull();
    const files = await allFiles(h.blobDir);
    for (const file of files) for (const slice of scanSlices(ownScan)) expect((await readFile(file)).includes(slice)).toBe(false);
    expect(files.some((f) => path.basename(f).startsWith(sha256(ownScan)))).toBe(false);
    const dump = await dumpDatabase(h.db);
    for (const value of personalValues(old).filter((v) => v !== old.lookupSecret)) expect(betrays(dump, value)).toBe(false);
    // The citizen still learns the status with the receipt's code and secret.
    const answer = await lookup(h.app, old.code, old.lookupSecret);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ code: old.code, status: 'returned' });
    // Audited per dossier; a second run finds nothing more.
    expect(await listAudit(h.db, { code: old.code, action: 'retention.purge' })).toEqual([
      expect.objectContaining({ actorKind: 'system', actorId: 'retention-purge', outcome: 'erased' }),
    ]);
    expect((await runRetentionJob(h.app)).purged.codes).toEqual([]);
  });

  it("export-citizen and delete-citizen find one citizen's dossiers in every branch by the blind index, and erase only theirs, audited", async () => {
    const person = citizen(6);
    const other = citizen(7);
    const cn02 = await enrolDevice(h, 'CN02', 'counter');
    const scanA = scanPdf(30_000);
    const scanB = scanPdf(35_000);
    const scanOther = scanPdf(20_000);
    for (const scan of [scanA, scanOther]) await upload(h.base!, counter, scan);
    await upload(h.base!, cn02, scanB);
    const first = dossierArgs(person, [scanA]);
    const second = dossierArgs(person, [scanB], { branchCode: 'CN02', code: nextCode().replace('H26', 'H27') });
    const theirs = dossierArgs(other, [scanOther]);
    await push(h.app, counter, first);
    await push(h.app, cn02, second, randomUUID(), 1);
    await push(h.app, counter, theirs);
    const storage = diskStorage(h.blobDir);
    const actor = { kind: 'admin-cli' as const, id: 'Lê Văn Kiểm' };

    const out = await mkdtemp(path.join(tmpdir(), 'hpasc-export-'));
    try {
      // Typed with spaces and lower case: the same person.
      const typed = `${person.idNumber.slice(0, 3)} ${person.idNumber.slice(3)}`.toLowerCase();
      const exported = await exportCitizen(h.db, testDataProtection, storage, typed, out, { actor, now: h.clock.now() });
      expect(exported.dossiers.map((d) => d.code).sort()).toEqual([first.code, second.code].sort());
      const text = await readFile(exported.file, 'utf8');
      expect(text).toContain(person.fullName);
      expect(text).not.toContain(other.fullName);
    } finally {
      await rm(out, { recursive: true, force: true });
    }

    const erased = await deleteCitizen(h.db, testDataProtection, storage, person.idNumber, {
      actor,
      now: h.clock.now(),
      reason: 'yêu cầu xoá dữ liệu số 12/2026',
    });
    expect(erased).toEqual({ codes: [first.code, second.code].sort(), blobs: 2, alreadyErased: [] });
    const rows = new Map((await readReceivedDossiers(h.db, testDataProtection, { codes: [first.code, second.code, theirs.code] })).map((r) => [r.code, r]));
    expect(rows.get(first.code)).toMatchObject({ applicant: null, personal_erased_reason: 'citizen-request' });
    expect(rows.get(second.code)).toMatchObject({ applicant: null, personal_erased_reason: 'citizen-request' });
    expect(rows.get(theirs.code)?.applicant).toEqual(theirs.applicant);
    expect(await findBlob(h.db, sha256(scanA))).toBeNull();
    expect(await findBlob(h.db, sha256(scanB))).toBeNull();
    expect(Buffer.from((await readBlobBytes(h.db, storage, testDataProtection, sha256(scanOther)))!).equals(Buffer.from(scanOther))).toBe(true);
    const dump = await dumpDatabase(h.db);
    for (const value of [person.idNumber, person.fullName, person.address, person.phone]) expect(betrays(dump, value)).toBe(false);
    for (const file of await allFiles(h.blobDir))
      for (const slice of [...scanSlices(scanA), ...scanSlices(scanB)]) expect((await readFile(file)).includes(slice)).toBe(false);
    expect((await lookup(h.app, first.code, first.lookupSecret)).statusCode).toBe(200);

    // Again: nothing left; the export now shows only what stays.
    expect(await deleteCitizen(h.db, testDataProtection, storage, person.idNumber, { actor, now: h.clock.now(), reason: 'lần hai' })).toEqual({
      codes: [],
      blobs: 0,
      alreadyErased: [],
    });
    const audit = (await listAudit(h.db, { code: first.code })).filter((e) => e.action.startsWith('citizen.'));
    expect(audit.map((e) => [e.action, e.actorKind, e.actorId, e.outcome])).toEqual([
      ['citizen.delete', 'admin-cli', 'Lê Văn Kiểm', 'erased'],
      ['citizen.export', 'admin-cli', 'Lê Văn Kiểm', 'exported'],
    ]);
    for (const e of audit) expect(`${e.detail} ${e.target}`).not.toContain(person.idNumber);
  });

  it('delete-citizen with a scan owned by two branches keeps it for the live dossier, ends the erased branch’s ownership, and removes it with the last dossier', async () => {
    const person = citizen(8);
    const other = citizen(9);
    const cn02 = await enrolDevice(h, 'CN02', 'counter');
    const shared = scanPdf(25_000);
    await upload(h.base!, counter, shared);
    await upload(h.base!, cn02, shared);
    const head = async (device: EnrolledDevice) =>
      (await fetch(`${h.base!}${BLOB_BY_HASH_PATH}/${sha256(shared)}`, { method: 'HEAD', headers: device.auth })).status;
    expect([await head(counter), await head(cn02)]).toEqual([200, 200]);
    const mine = dossierArgs(person, [shared]);
    const theirs = dossierArgs(other, [shared], { branchCode: 'CN02', code: nextCode().replace('H26', 'H27') });
    await push(h.app, counter, mine);
    await push(h.app, cn02, theirs, randomUUID(), 1);
    const storage = diskStorage(h.blobDir);
    const actor = { kind: 'admin-cli' as const, id: 'Lê Văn Kiểm' };

    expect(await deleteCitizen(h.db, testDataProtection, storage, person.idNumber, { actor, now: h.clock.now(), reason: 'yêu cầu số 13/2026' })).toEqual({
      codes: [mine.code],
      blobs: 0,
      alreadyErased: [],
    });
    // CN02's live dossier still needs the scan: it stays, readable, and CN02 still owns it; CN01 no longer does.
    expect(Buffer.from((await readBlobBytes(h.db, storage, testDataProtection, sha256(shared)))!).equals(Buffer.from(shared))).toBe(true);
    expect([await head(counter), await head(cn02)]).toEqual([404, 200]);

    expect(await deleteCitizen(h.db, testDataProtection, storage, other.idNumber, { actor, now: h.clock.now(), reason: 'yêu cầu số 14/2026' })).toEqual({
      codes: [theirs.code],
      blobs: 1,
      alreadyErased: [],
    });
    expect(await findBlob(h.db, sha256(shared))).toBeNull();
    expect(await h.db.query('SELECT 1 FROM blob_owners WHERE sha256 = $1', [sha256(shared)])).toEqual([]);
    expect([await head(counter), await head(cn02)]).toEqual([404, 404]);
    for (const file of await allFiles(h.blobDir)) for (const slice of scanSlices(shared)) expect((await readFile(file)).includes(slice)).toBe(false);
  });
});

describe('the admin commands on an embedded centre (npm run admin)', () => {
  const admin = (dataDir: string, args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
      for (const name of ['DATABASE_URL', 'DATA_KEYS', 'DATA_KEY_ID', 'DATA_INDEX_KEY', 'BLOB_DIR', 'BLOB_S3_BUCKET']) delete env[name];
      execFile(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });

  it('export-citizen writes the decrypted dossier and its scan; delete-citizen erases them and says what it erased; both audited', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hpasc-admin-'));
    try {
      // The server as main.ts starts it on PGlite: keys from the key file beside the data.
      const keys = dataProtectionFromEnv({}, { dataDir, usesPostgres: false });
      const db = await openPgliteDb(defaultPgliteDir(dataDir));
      await migrate(db);
      await checkKeysAgainstDatabase(db, keys.protection);
      await createBranch(db, 'CN01', 'Chi nhánh số 1');
      const app = buildServer({ db, clock: fixedClock(START), blobDir: path.join(dataDir, 'blobs'), dataProtection: keys.protection });
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const device = await enrolDevice({ db, app, clock: fixedClock(START) }, 'CN01', 'counter');
      const scan = scanPdf(80_000);
      const args = dossierArgs(citizen(8), [scan]);
      await uploadBlobWithTus({
        baseUrl: base,
        token: device.token,
        blob: { sha256: sha256(scan), size: scan.length, mimeType: 'application/pdf', data: new Blob([scan as Uint8Array<ArrayBuffer>]), uploadUrl: null },
        hooks: { onUploadUrl: () => undefined },
      });
      const pushed = await app.inject({
        method: 'POST',
        url: '/v1/sync/push',
        headers: device.auth,
        payload: {
          protocolVersion: SYNC_PROTOCOL_VERSION,
          journalId: randomUUID(),
          mutations: [{ mutationId: randomUUID(), deviceSeq: 1, name: 'dossier.submit@1', args, schemaVersion: 1, createdAt: START }],
        },
      });
      expect(PushResponse.parse(pushed.json()).results[0]?.status).toBe('applied');
      await app.close();
      await db.close();

      const out = path.join(dataDir, 'export');
      const exported = await admin(dataDir, ['export-citizen', args.applicant.idNumber, '--out', out, '--by', 'Lê Văn Kiểm']);
      expect(exported.code, exported.out).toBe(0);
      expect(exported.out).toContain(`${args.code}: 1 scan(s)`);
      const json = JSON.parse(await readFile(path.join(out, 'dossiers.json'), 'utf8')) as { dossiers: { applicant: unknown; scans: { file: string }[] }[] };
      expect(json.dossiers[0]?.applicant).toEqual(args.applicant);
      expect((await readFile(path.join(out, json.dossiers[0]!.scans[0]!.file))).equals(Buffer.from(scan))).toBe(true);

      const deleted = await admin(dataDir, ['delete-citizen', args.applicant.idNumber, '--by', 'Lê Văn Kiểm', '--reason', 'đơn số 7/2026']);
      expect(deleted.code, deleted.out).toBe(0);
      expect(deleted.out).toContain(`${args.code}: applicant, delivery detail, reason and scans erased`);
      expect(deleted.out).toContain('1 scan(s)');

      const check = await openPgliteDb(defaultPgliteDir(dataDir));
      try {
        const trail = (await listAudit(check, { code: args.code })).map((e) => [e.action, e.actorId]);
        expect(trail).toEqual(
          expect.arrayContaining([
            ['citizen.export', 'Lê Văn Kiểm'],
            ['citizen.delete', 'Lê Văn Kiểm'],
          ]),
        );
        expect(betrays(await dumpDatabase(check), args.applicant.fullName)).toBe(false);
        expect(await readReceivedDossiers(check, keys.protection, { ids: [args.id] })).toEqual([
          expect.objectContaining({ applicant: null, personal_erased_reason: 'citizen-request' }),
        ]);
      } finally {
        await check.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('data keys from configuration', () => {
  const b64 = () => randomBytes(32).toString('base64');

  it('refuses PostgreSQL without DATA_KEYS, naming the variable, and checks what is given', () => {
    expect(() => dataProtectionFromEnv({}, { dataDir: '/nonexistent', usesPostgres: true })).toThrow(/DATA_KEYS is not set/);
    expect(() => dataProtectionFromEnv({ DATA_KEYS: `a:${b64()}` }, { dataDir: '/x', usesPostgres: true })).toThrow(/DATA_INDEX_KEY is not set/);
    expect(() => dataProtectionFromEnv({ DATA_KEYS: `a:${b64()},b:${b64()}`, DATA_INDEX_KEY: b64() }, { dataDir: '/x', usesPostgres: true })).toThrow(
      /DATA_KEY_ID must name/,
    );
    expect(() => dataProtectionFromEnv({ DATA_KEYS: `a:${b64()}`, DATA_KEY_ID: 'c', DATA_INDEX_KEY: b64() }, { dataDir: '/x', usesPostgres: true })).toThrow(
      /DATA_KEY_ID: "c" is not one of/,
    );
    expect(() => dataProtectionFromEnv({ DATA_KEYS: 'a:c2hvcnQ=', DATA_INDEX_KEY: b64() }, { dataDir: '/x', usesPostgres: true })).toThrow(/32 random bytes/);
    const ok = dataProtectionFromEnv({ DATA_KEYS: `a:${b64()}, b:${b64()}`, DATA_KEY_ID: 'b', DATA_INDEX_KEY: b64() }, { dataDir: '/x', usesPostgres: true });
    expect(ok.protection).toMatchObject({ mode: 'encrypted', currentKeyId: 'b', keyIds: ['a', 'b'] });
    expect(ok.source).toBe('environment');
  });

  it('the embedded centre without DATA_KEYS creates a key file readable by its owner only, and keeps using it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-keys-'));
    try {
      const first = dataProtectionFromEnv({}, { dataDir: dir, usesPostgres: false });
      expect(first).toMatchObject({ source: 'key-file', created: true, keyFile: path.join(dir, KEY_FILE_NAME) });
      expect(statSync(first.keyFile!).mode & 0o777).toBe(0o600);
      const again = dataProtectionFromEnv({}, { dataDir: dir, usesPostgres: false });
      expect(again.created).toBe(false);
      const sealed = first.protection.newDataKey('dossier', 'x');
      expect(again.protection.unwrap('dossier', 'x', sealed).equals(sealed.dek)).toBe(true);
      expect(again.protection.blindIndex('001090012345')).toBe(first.protection.blindIndex('001090012345'));
      // A wrap moved to another record does not open.
      expect(() => again.protection.unwrap('dossier', 'y', sealed)).toThrow();
      // Loosened permissions are narrowed again at start.
      await writeFile(first.keyFile!, await readFile(first.keyFile!, 'utf8'), { mode: 0o644 });
      const { chmod } = await import('node:fs/promises');
      await chmod(first.keyFile!, 0o644);
      dataProtectionFromEnv({}, { dataDir: dir, usesPostgres: false });
      expect(statSync(first.keyFile!).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(dir, KEY_FILE_NAME))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a server cannot be built without keys outside tests', () => {
    const saved = process.env.VITEST;
    delete process.env.VITEST;
    try {
      expect(() => buildServer({ db: {} as Db })).toThrow(/data protection keyring/);
    } finally {
      process.env.VITEST = saved;
    }
  });
});
