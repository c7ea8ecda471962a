import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/server/audit';
import type { DossierSubmitArgs } from '../../src/shared/records';
import { MAX_REUSE_INDEX_ENTRIES, REUSE_INDEX_PATH, REUSE_PDF_PATH, ReuseIndexResponse } from '../../src/shared/reuseIndex';
import { BLOB_BY_HASH_PATH, PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';
import { engines, enrolDevice, openHarness, START, testDataProtection, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * Reusing a paper given at another branch (src/server/reuse.ts, records/dossierSubmit.ts), on a
 * real server on port 0, PGlite and PostgreSQL: a counter of branch CN02 asks the centre for a
 * citizen's papers given at CN01, downloads the one it reuses, and pushes a dossier that references
 * it. What a user of the centre would notice: the index names only that citizen's papers and
 * nothing personal, only counters get it, the PDF comes only for a paper of that citizen's index
 * and every step is in the audit log, and the new dossier is complete without uploading the scan.
 */
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const CITIZEN = { idNumber: '001090012345', fullName: 'Nguyễn Văn An', phone: '0912345678', address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội' };
const OTHER_CITIZEN = '079203000001';
const OFFICER = 'Lê Văn Cường';
let seq = 0;
const code = (unit: string) => `${unit}-261124-${String(++seq).padStart(4, '0')}`;

function dossierArgs(branchCode: string, unit: string, idNumber: string, documents: DossierSubmitArgs['documents'], officerName = ''): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code: code(unit),
    branchCode,
    slot: 0,
    receivedAt: START,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: { ...CITIZEN, idNumber, dateOfBirth: '1990-02-01', gender: 'male', email: '', fromCard: true },
    documents,
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'date', at: Date.UTC(2026, 11, 1, 2, 0, 0), date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: 'K7P4X9QM',
    officerName,
  };
}

const doc = (documentId: string, name: string, bytes: Uint8Array, reusedFrom: string | null = null) => ({
  documentId,
  name,
  originals: 1,
  copies: 0,
  sha256: sha256(bytes),
  size: bytes.length,
  pages: 2,
  reusedFrom,
});

describe.each(engines)('reuse across branches on $name', (engine) => {
  let h: Harness;
  let limited: Harness;
  let counterA: EnrolledDevice;
  let counterB: EnrolledDevice;
  let citizenB: EnrolledDevice;
  const birthCertificate = new Uint8Array(randomBytes(40_000));
  const notUploaded = new Uint8Array(randomBytes(1_000));
  const otherPerson = new Uint8Array(randomBytes(2_000));
  let given: DossierSubmitArgs;
  let othersDossier: DossierSubmitArgs;

  const push = async (device: EnrolledDevice, args: DossierSubmitArgs) => {
    const mutation: MutationEnvelope = { mutationId: randomUUID(), deviceSeq: 1, name: 'dossier.submit@1', args, schemaVersion: 1, createdAt: START };
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: randomUUID(), mutations: [mutation] },
    });
    expect(res.statusCode, res.body).toBe(200);
    return PushResponse.parse(res.json()).results[0];
  };
  const upload = (device: EnrolledDevice, bytes: Uint8Array<ArrayBuffer>) =>
    uploadBlobWithTus({
      baseUrl: h.base!,
      token: device.token,
      blob: { sha256: sha256(bytes), size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
      hooks: { onUploadUrl: () => undefined },
    });
  const askIndex = (device: EnrolledDevice | null, idNumber: string, server: Harness = h) =>
    server.app.inject({ method: 'POST', url: REUSE_INDEX_PATH, headers: device?.auth ?? {}, payload: { idNumber } });
  const askPdf = (device: EnrolledDevice | null, body: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: REUSE_PDF_PATH, headers: device?.auth ?? {}, payload: body });
  const head = (device: EnrolledDevice, hash: string) => h.app.inject({ method: 'HEAD', url: `${BLOB_BY_HASH_PATH}/${hash}`, headers: device.auth });

  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    counterA = await enrolDevice(h, 'CN01', 'counter');
    counterB = await enrolDevice(h, 'CN02', 'counter');
    citizenB = await enrolDevice(h, 'CN02', 'citizen');
    await upload(counterA, birthCertificate);
    await upload(counterA, otherPerson);
    given = dossierArgs('CN01', '000.21.01.H26', CITIZEN.idNumber, [
      doc('giay-khai-sinh', 'Bản sao Giấy khai sinh', birthCertificate),
      doc('to-khai', 'Tờ khai đăng ký', notUploaded),
    ]);
    othersDossier = dossierArgs('CN01', '000.21.01.H26', OTHER_CITIZEN, [doc('giay-khai-sinh', 'Bản sao Giấy khai sinh', otherPerson)]);
    expect((await push(counterA, given))?.status).toBe('applied');
    expect((await push(counterA, othersDossier))?.status).toBe('applied');
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
    await limited?.dispose();
  });

  it("gives a counter of another branch that citizen's papers only, with hash, name, pages, size, dossier code and date and nothing personal", async () => {
    const res = await askIndex(counterB, CITIZEN.idNumber);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const answer = ReuseIndexResponse.parse(res.json());
    // The paper whose scan the centre does not hold (never uploaded) cannot be reused: not listed.
    expect(answer).toEqual({
      entries: [
        {
          sha256: sha256(birthCertificate),
          name: 'Bản sao Giấy khai sinh',
          pages: 2,
          size: birthCertificate.length,
          dossierCode: given.code,
          receivedAt: START,
        },
      ],
      truncated: false,
    });
    for (const personal of [CITIZEN.idNumber, CITIZEN.fullName, CITIZEN.phone, CITIZEN.address, '1990-02-01', given.procedure.name, othersDossier.code])
      expect(res.body).not.toContain(personal);
    // Another citizen's ID: their papers only; an unknown one: none.
    const others = ReuseIndexResponse.parse((await askIndex(counterB, OTHER_CITIZEN)).json());
    expect(others.entries.map((e) => e.dossierCode)).toEqual([othersDossier.code]);
    expect(ReuseIndexResponse.parse((await askIndex(counterB, '001099999999')).json()).entries).toEqual([]);

    // Every read is in the centre's audit log per source dossier, without the ID number.
    const entries = await listAudit(h.db, { action: 'reuse.index', limit: 100 });
    expect(entries.map((e) => [e.actorId, e.branchCode, e.target, e.outcome]).reverse()).toEqual([
      [counterB.deviceId, 'CN02', given.code, 'found'],
      [counterB.deviceId, 'CN02', othersDossier.code, 'found'],
      [counterB.deviceId, 'CN02', null, 'none'],
    ]);
    const log = (await h.db.query<{ row: string }>('SELECT t::text AS row FROM audit_log t')).map((r) => r.row).join('\n');
    for (const id of [CITIZEN.idNumber, OTHER_CITIZEN, '001099999999']) expect(log).not.toContain(id);
  });

  it('answers only counters: a citizen kiosk is refused, a request without a credential too', async () => {
    const kiosk = await askIndex(citizenB, CITIZEN.idNumber);
    expect(kiosk.statusCode).toBe(403);
    expect(kiosk.json()).toMatchObject({ code: 'reuse.role-forbidden' });
    expect(kiosk.body).not.toContain(sha256(birthCertificate));
    const pdf = await askPdf(citizenB, { idNumber: CITIZEN.idNumber, sha256: sha256(birthCertificate), dossierCode: given.code });
    expect(pdf.statusCode).toBe(403);
    expect((await askIndex(null, CITIZEN.idNumber)).statusCode).toBe(401);
    const bad = await askIndex(counterB, 'not an id number; DROP TABLE');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'reuse.bad-request' });
    expect(bad.body).not.toContain('DROP');
  });

  it('hands another branch the PDF only for a paper of the citizen it names, records the download, and makes the branch an owner', async () => {
    const hash = sha256(birthCertificate);
    expect((await head(counterB, hash)).statusCode).toBe(404);
    // Not that citizen's paper, not under that dossier, or a paper of another citizen: the same 404, recorded.
    for (const body of [
      { idNumber: OTHER_CITIZEN, sha256: hash, dossierCode: given.code },
      { idNumber: CITIZEN.idNumber, sha256: hash, dossierCode: othersDossier.code },
      { idNumber: CITIZEN.idNumber, sha256: sha256(otherPerson), dossierCode: given.code },
      { idNumber: CITIZEN.idNumber, sha256: sha256(notUploaded), dossierCode: given.code },
    ]) {
      const refused = await askPdf(counterB, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(404);
      expect(refused.json()).toMatchObject({ code: 'reuse.not-found' });
    }
    expect((await head(counterB, hash)).statusCode).toBe(404);

    const res = await askPdf(counterB, { idNumber: CITIZEN.idNumber, sha256: hash, dossierCode: given.code });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(sha256(res.rawPayload)).toBe(hash);
    // The branch now holds the bytes: its kiosks see the scan as known and never upload it again.
    expect((await head(counterB, hash)).statusCode).toBe(200);

    const downloads = await listAudit(h.db, { action: 'reuse.pdf', limit: 100 });
    expect(downloads.map((e) => [e.actorId, e.branchCode, e.target, e.outcome]).reverse()).toEqual([
      [counterB.deviceId, 'CN02', given.code, 'not-found'],
      [counterB.deviceId, 'CN02', othersDossier.code, 'not-found'],
      [counterB.deviceId, 'CN02', given.code, 'not-found'],
      [counterB.deviceId, 'CN02', given.code, 'not-found'],
      [counterB.deviceId, 'CN02', given.code, 'ok'],
    ]);
  });

  it("accepts the other branch's dossier that reuses the paper as complete, and records the reuse with the officer's name", async () => {
    const reusing = dossierArgs(
      'CN02',
      '000.21.02.H26',
      CITIZEN.idNumber,
      [doc('giay-khai-sinh', 'Bản sao Giấy khai sinh', birthCertificate, given.code)],
      OFFICER,
    );
    expect(await push(counterB, reusing)).toMatchObject({ status: 'applied' });
    const [row] = await h.db.query<{ blobs_missing: unknown; blobs_verified: unknown }>(
      'SELECT blobs_missing, blobs_verified FROM received_dossiers WHERE code = $1',
      [reusing.code],
    );
    expect(Number(row?.blobs_missing)).toBe(0);
    expect(row?.blobs_verified === true || row?.blobs_verified === 't').toBe(true);
    const reuses = await listAudit(h.db, { action: 'dossier.reuse', limit: 10 });
    expect(reuses.map((e) => [e.actorKind, e.actorId, e.branchCode, e.target, e.detail])).toEqual([
      ['device', counterB.deviceId, 'CN02', given.code, `into ${reusing.code}: 1 document(s); officer: ${OFFICER}`],
    ]);
    // The citizen's index still lists the paper once (one entry per PDF).
    const answer = ReuseIndexResponse.parse((await askIndex(counterA, CITIZEN.idNumber)).json());
    expect(answer.entries.map((e) => e.dossierCode)).toEqual([given.code]);
  });

  it('limits each counter per minute and caps an answer at the newest papers', async () => {
    limited = await openHarness(engine, { server: { reuseLimits: { indexPerMinute: 2 } } });
    const device = await enrolDevice(limited, 'CN02', 'counter');
    const other = await enrolDevice(limited, 'CN02', 'counter');
    expect((await askIndex(device, CITIZEN.idNumber, limited)).statusCode).toBe(200);
    expect((await askIndex(device, CITIZEN.idNumber, limited)).statusCode).toBe(200);
    const over = await askIndex(device, CITIZEN.idNumber, limited);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ code: 'reuse.rate-limited' });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Another counter has its own allowance; a minute later the first asks again.
    expect((await askIndex(other, CITIZEN.idNumber, limited)).statusCode).toBe(200);
    limited.clock.advance(61_000);
    expect((await askIndex(device, CITIZEN.idNumber, limited)).statusCode).toBe(200);

    // A citizen with more papers than one answer holds: the newest MAX_REUSE_INDEX_ENTRIES, flagged truncated.
    const many = '001080000077';
    const hashes: string[] = [];
    for (let d = 0; d < 4; d++) {
      const documents = Array.from({ length: 60 }, (_, i) => {
        const bytes = randomBytes(16);
        hashes.push(sha256(bytes));
        return doc(`p-${i}`, `Giấy tờ số ${d * 60 + i}`, bytes);
      });
      const args = { ...dossierArgs('CN01', '000.21.01.H26', many, documents), receivedAt: START + d * 1000 };
      await limited.db.query(
        `INSERT INTO received_dossiers (id, code, branch_code, device_id, slot, received_at, procedure_code, procedure_name, processing_time, processing_unit,
           documents, missing, sets, appointment_kind, result_delivery_method, officer_name, blob_count, blobs_missing, id_number_index)
         VALUES ($1, $2, 'CN01', $3, 0, $4, '1.001612', 'x', 5, 'working-day', $5::jsonb, '[]'::jsonb, 1, 'needs-confirmation', 'counter', '', 60, 0, $6)`,
        [args.id, args.code, device.deviceId, args.receivedAt, JSON.stringify(documents), testDataProtection.blindIndex(many)],
      );
    }
    await limited.db.query(
      `INSERT INTO blobs (sha256, size, storage_key, branch_code, device_id, verified_at) SELECT h, 16, 'test/' || h, 'CN01', $2::uuid, 0 FROM unnest($1::text[]) AS h`,
      [hashes, device.deviceId],
    );
    const big = await askIndex(other, many, limited);
    expect(big.statusCode, big.body).toBe(200);
    const answer = ReuseIndexResponse.parse(big.json());
    expect(answer.entries).toHaveLength(MAX_REUSE_INDEX_ENTRIES);
    expect(answer.truncated).toBe(true);
    expect(answer.entries[0]!.receivedAt).toBe(START + 3000);
  }, 60_000);
});
