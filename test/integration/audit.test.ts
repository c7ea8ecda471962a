// Dexie's live queries run only where a global indexedDB existed when Dexie loaded.
import 'fake-indexeddb/auto';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../../src/app/i18n';
import { startKioskApp, type KioskApp } from '../../src/app/KioskApp';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import { fixedClock } from '../../src/shared/clock';
import { defaultDeviceConfig } from '../../src/shared/deviceConfig';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { jpegPage } from '../support/capturedPages';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import { startCentre, untilStatus } from './syncHarness';
import { PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { type AuditEventArgs, type DossierSubmitArgs } from '../../src/shared/records';
import { createBranch, createEnrolCode, reinstateDevice, revokeDevice } from '../../src/server/admin';
import { citizenActor, listAudit, recordAudit, scrubDetail, type AuditEntry } from '../../src/server/audit';
import { recordDossierStatus } from '../../src/server/dossiers';
import { migrate } from '../../src/server/db/migrate';
import { defaultPgliteDir, openPgliteDb } from '../../src/server/db/pgliteDb';
import { adminAuthHeader, engines, enrolDevice, openHarness, START, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * The centre's audit log (src/server/audit.ts, migration 009) against a real server on port 0, on
 * both engines: citizen look-ups, the counters' print/reprint/reuse events (`audit.event@1`, exactly
 * once), staff actions over HTTP and through the admin functions, the admin route and CLI that list
 * it — and that it never holds an applicant's personal data or a look-up secret.
 */
const ID_NUMBER = '001090012345';
const FULL_NAME = 'Nguyễn Văn An';
const PHONE = '0912345678';
const SECRET = 'K7P4X9QM';
let codeCounter = 0;
const nextCode = () => `000.21.01.H26-261124-${String(++codeCounter).padStart(4, '0')}`;

function dossierArgs(code: string, overrides: Partial<DossierSubmitArgs> = {}): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code,
    branchCode: 'CN01',
    slot: 0,
    receivedAt: START,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: {
      idNumber: ID_NUMBER,
      fullName: FULL_NAME,
      dateOfBirth: '1990-02-01',
      gender: 'male',
      address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
      phone: PHONE,
      email: 'an@example.vn',
      fromCard: true,
    },
    documents: [
      { documentId: 'to-khai', name: 'Tờ khai đăng ký khai sinh', originals: 1, copies: 0, sha256: 'a'.repeat(64), size: 1000, pages: 1, reusedFrom: null },
    ],
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'date', at: Date.UTC(2026, 11, 1, 2, 0, 0), date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: SECRET,
    officerName: 'Trần Thị Bình',
    ...overrides,
  };
}

function auditEvent(action: AuditEventArgs['action'], dossierCode: string, extra: Partial<AuditEventArgs> = {}): AuditEventArgs {
  return {
    id: randomUUID(),
    branchCode: 'CN01',
    action,
    dossierCode,
    relatedCode: null,
    documents: 0,
    at: START + 60_000,
    ...extra,
  };
}

const envelope = (deviceSeq: number, args: unknown, name: MutationEnvelope['name']): MutationEnvelope => ({
  mutationId: randomUUID(),
  deviceSeq,
  name,
  args,
  schemaVersion: 1,
  createdAt: START + deviceSeq,
});

describe.each(engines)('audit log on $name', (engine) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    base = h.base!;
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const push = async (device: EnrolledDevice, journalId: string, mutations: MutationEnvelope[]) => {
    const res = await post('/v1/sync/push', { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations }, device.auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return PushResponse.parse(res.body);
  };
  const entriesFor = (code: string) => listAudit(h.db, { code, limit: 1000 });
  /** Every row of the table as PostgreSQL prints it: what a dump of it would hold. */
  const dump = async () => (await h.db.query<{ row: string }>('SELECT t::text AS row FROM audit_log t ORDER BY id')).map((r) => r.row).join('\n');

  it('records a look-up with the right and with a wrong secret, by network, without the secret', async () => {
    const code = nextCode();
    const created = await recordDossierStatus(h.db, {
      code,
      branchCode: 'CN01',
      lookupSecret: SECRET,
      status: 'processing',
      statusAt: START,
      appointmentDate: null,
      note: '',
    });
    expect(created).toEqual({ ok: true, outcome: 'created' });
    expect((await post('/v1/lookup', { code, secret: SECRET })).status).toBe(200);
    expect((await post('/v1/lookup', { code, secret: 'ZZZZ2222' })).status).toBe(404);
    const unknown = nextCode();
    expect((await post('/v1/lookup', { code: unknown, secret: SECRET })).status).toBe(404);

    const lookups = (await entriesFor(code)).filter((e) => e.action === 'lookup.status');
    // Newest first: the wrong secret, then the right one.
    expect(lookups.map((e) => [e.actorKind, e.actorId, e.outcome, e.detail])).toEqual([
      ['citizen-lookup', '127.0.0.0/24', 'wrong-secret', null],
      ['citizen-lookup', '127.0.0.0/24', 'found', null],
    ]);
    expect(lookups.every((e) => e.at === h.clock.now())).toBe(true);
    expect((await entriesFor(unknown)).map((e) => e.outcome)).toEqual(['unknown']);
    const all = await dump();
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('ZZZZ2222');
    expect(all).not.toContain('127.0.0.1');
  });

  it('records a look-up the back-off refuses as limited', async () => {
    const code = nextCode();
    for (let i = 0; i < 6; i++) await post('/v1/lookup', { code, secret: 'ZZZZ2222' });
    const outcomes = (await entriesFor(code)).map((e) => e.outcome);
    expect(outcomes).toHaveLength(6);
    expect(outcomes).toContain('limited');
    expect(outcomes.filter((o) => o === 'unknown').length).toBeGreaterThanOrEqual(3);
  });

  it("records a counter's print, reprint and reuse exactly once, however often they are pushed", async () => {
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const journal = randomUUID();
    const earlier = nextCode();
    const code = nextCode();
    const events = [
      auditEvent('receipt.print', code),
      auditEvent('receipt.reprint', code, { at: START + 120_000 }),
      auditEvent('dossier.reuse', earlier, { relatedCode: code, documents: 2 }),
    ];
    const batch = events.map((e, i) => envelope(i + 1, e, 'audit.event@1'));
    expect((await push(counter, journal, batch)).results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    // The response was lost: the same batch again, and the first two alone.
    expect((await push(counter, journal, batch)).results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect((await push(counter, journal, batch.slice(0, 2))).results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    // The kiosk's database was rebuilt and its journal replayed under a new journal id: refused by event id.
    const replay = await push(counter, randomUUID(), [envelope(1, events[0], 'audit.event@1')]);
    expect(replay.results[0]).toMatchObject({ status: 'rejected', reason: { code: 'audit.id-taken' } });

    const printed = (await entriesFor(code)).filter((e) => e.actorKind === 'device');
    expect(printed.map((e) => [e.action, e.actorId, e.branchCode, e.outcome, e.deviceAt])).toEqual([
      ['receipt.reprint', counter.deviceId, 'CN01', 'ok', START + 120_000],
      ['receipt.print', counter.deviceId, 'CN01', 'ok', START + 60_000],
    ]);
    const reused = await entriesFor(earlier);
    expect(reused.map((e) => [e.action, e.actorId, e.detail, e.deviceAt])).toEqual([
      ['dossier.reuse', counter.deviceId, `into ${code}: 2 document(s)`, START + 60_000],
    ]);
    const stored = await h.db.query<{ n: unknown }>('SELECT count(*) AS n FROM audit_log WHERE event_id = ANY($1::uuid[])', [events.map((e) => e.id)]);
    expect(Number(stored[0]!.n)).toBe(3);
  });

  it('refuses audit.event@1 from a citizen kiosk and from another branch, and invalid events, and the queue goes on', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const code = nextCode();
    const res = await push(kiosk, randomUUID(), [envelope(1, auditEvent('receipt.print', code), 'audit.event@1')]);
    expect(res.lastSeq).toBe(1);
    expect(res.results[0]).toMatchObject({ status: 'rejected', reason: { code: 'auth.role-forbidden' } });

    const counter = await enrolDevice(h, 'CN01', 'counter');
    const bad = await push(counter, randomUUID(), [
      envelope(1, auditEvent('receipt.print', code, { branchCode: 'CN02' }), 'audit.event@1'),
      // A reuse must name the dossier the documents went into; a print must not.
      envelope(2, auditEvent('dossier.reuse', code), 'audit.event@1'),
      envelope(3, { ...auditEvent('receipt.print', code), applicant: FULL_NAME }, 'audit.event@1'),
      envelope(4, auditEvent('receipt.print', code, { relatedCode: nextCode() }), 'audit.event@1'),
    ]);
    expect(bad.results.map((r) => r.reason?.code ?? r.status)).toEqual(['sync.wrong-branch', 'sync.invalid-args', 'sync.invalid-args', 'sync.invalid-args']);
    expect(bad.lastSeq).toBe(4);
    expect(await entriesFor(code)).toEqual([]);
  });

  it('records staff actions: publish, dossier status, gap close, enrolment, enrol codes, revoke and reinstate — with who did them', async () => {
    const admin = await adminAuthHeader(h, 'lan-truong-ca');
    // Publish over HTTP with an admin token: recorded with the token's label; a refused one too.
    const statusOf = (code: string) => ({ code, status: 'processing', statusAt: START, appointmentDate: null, note: '' });
    const published = await post(
      '/v1/admin/publish',
      { scope: 'branch:CN01', changes: [{ entity: 'dossierStatus', op: 'put', data: statusOf(nextCode()) }] },
      admin,
    );
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const unknownBranch = await post(
      '/v1/admin/publish',
      { scope: 'branch:ZZ99', changes: [{ entity: 'dossierStatus', op: 'put', data: statusOf(nextCode()) }] },
      admin,
    );
    expect(unknownBranch.status).toBe(404);
    const publishes = await listAudit(h.db, { action: 'config.publish' });
    expect(publishes.map((e) => [e.actorKind, e.actorId, e.target, e.branchCode, e.outcome, e.detail])).toEqual([
      ['admin-token', 'lan-truong-ca', 'branch:ZZ99', 'ZZ99', 'refused', 'publish.unknown-branch'],
      ['admin-token', 'lan-truong-ca', 'branch:CN01', 'CN01', 'ok', `1 change(s), seq ${String(published.body.firstSeq)}–${String(published.body.lastSeq)}`],
    ]);

    // A stream with a gap the kiosk cannot fill, closed over HTTP.
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const journal = randomUUID();
    const code = nextCode();
    await push(counter, journal, [envelope(1, auditEvent('receipt.print', code), 'audit.event@1')]);
    const gap = await post(
      '/v1/sync/push',
      { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: journal, mutations: [envelope(4, auditEvent('receipt.reprint', code), 'audit.event@1')] },
      counter.auth,
    );
    expect(gap.status).toBe(409);
    const closed = await post(
      '/v1/admin/journals/close-gap',
      { deviceId: counter.deviceId, journalId: journal, upToSeq: 3, reason: 'máy hỏng ổ cứng, mất 2 bản ghi' },
      admin,
    );
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const gaps = await listAudit(h.db, { action: 'journal.close-gap' });
    expect(gaps[0]).toMatchObject({ actorKind: 'admin-token', actorId: 'lan-truong-ca', target: counter.deviceId, branchCode: 'CN01', outcome: 'ok' });
    expect(gaps[0]!.detail).toBe(`journal ${journal}: seqs 2–3 declared lost`);
    // The staff's free-text reason stays with the gap, not in the audit log.
    expect(await dump()).not.toContain('máy hỏng');

    // A dossier status set from the command line, under the operator's name.
    const status = await recordDossierStatus(h.db, {
      code,
      branchCode: 'CN01',
      lookupSecret: SECRET,
      status: 'received',
      statusAt: START,
      appointmentDate: null,
      note: `Gọi ${PHONE} khi xong`,
      actor: { kind: 'admin-cli', id: 'hoa' },
    });
    expect(status).toEqual({ ok: true, outcome: 'created' });
    const statusEntry = (await entriesFor(code)).find((e) => e.action === 'dossier.status');
    expect(statusEntry).toMatchObject({
      actorKind: 'admin-cli',
      actorId: 'hoa',
      outcome: 'created',
      detail: 'received, look-up secret set',
      branchCode: 'CN01',
    });

    // Enrolment (by the device, through the server) and the device's revocation and reinstatement (by staff).
    const enrols = (await listAudit(h.db, { action: 'device.enrol', limit: 1000 })).filter((e) => e.target === counter.deviceId);
    expect(enrols).toEqual([
      expect.objectContaining({ actorKind: 'device', actorId: counter.deviceId, outcome: 'ok', branchCode: 'CN01', detail: 'as counter' }),
    ]);
    const codes = (await listAudit(h.db, { action: 'device.enrol-code', limit: 1000 })).length;
    expect(codes).toBeGreaterThanOrEqual(1);
    expect(await revokeDevice(h.db, counter.deviceId, h.clock.now(), { kind: 'admin-cli', id: 'hoa' })).toBe(true);
    expect(await reinstateDevice(h.db, counter.deviceId, { kind: 'admin-cli', id: 'minh' })).toBe(true);
    await createEnrolCode(h.db, 'CN01', 'counter', h.clock.now(), undefined, counter.deviceId, { kind: 'admin-cli', id: 'minh' });
    const about = (await listAudit(h.db, { limit: 1000 })).filter((e) => e.target === counter.deviceId && e.action !== 'journal.close-gap');
    expect(about.map((e) => [e.action, e.actorId, e.outcome])).toEqual([
      ['device.enrol-code', 'minh', 'ok'],
      ['device.reinstate', 'minh', 'ok'],
      ['device.revoke', 'hoa', 'ok'],
      ['device.enrol', counter.deviceId, 'ok'],
    ]);
    // Re-enrolling a known device with a fresh code of the branch (a takeover attempt) is refused, and recorded.
    const { code: fresh } = await createEnrolCode(h.db, 'CN01', 'counter', h.clock.now());
    expect((await post('/v1/enrol', { code: fresh, deviceId: counter.deviceId, role: 'counter' })).status).toBe(409);
    const refused = (await listAudit(h.db, { action: 'device.enrol', limit: 5 }))[0];
    expect(refused).toMatchObject({ target: counter.deviceId, outcome: 'refused', detail: 'enrol.device-known' });
  });

  it('lists entries over HTTP for an admin token only, filtered, and records the listing', async () => {
    const admin = await adminAuthHeader(h, 'kiem-toan');
    const code = nextCode();
    const counter = await enrolDevice(h, 'CN01', 'counter');
    await push(counter, randomUUID(), [
      envelope(1, auditEvent('receipt.print', code), 'audit.event@1'),
      envelope(2, auditEvent('receipt.reprint', code), 'audit.event@1'),
    ]);
    const get = async (query: string, headers: Record<string, string> = admin) => {
      const res = await fetch(`${base}/v1/admin/audit${query}`, { headers });
      return { status: res.status, body: (await res.json()) as { entries?: AuditEntry[]; code?: string } };
    };
    expect((await get(`?code=${code}`, {})).status).toBe(401);
    expect((await get(`?code=${code}`, counter.auth)).status).toBe(401);
    const listed = await get(`?code=${encodeURIComponent(code)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.entries!.map((e) => e.action)).toEqual(['receipt.reprint', 'receipt.print']);
    expect((await get(`?code=${code}&action=receipt.print`)).body.entries!.map((e) => e.action)).toEqual(['receipt.print']);
    expect((await get(`?code=${code}&limit=1`)).body.entries).toHaveLength(1);
    const later = new Date(h.clock.now() + 1000).toISOString();
    expect((await get(`?code=${code}&since=${encodeURIComponent(later)}`)).body.entries).toEqual([]);
    expect(await get('?limit=0')).toMatchObject({ status: 400, body: { code: 'audit.bad-query' } });
    expect(await get(`?code=${encodeURIComponent(ID_NUMBER)}`)).toMatchObject({ status: 400, body: { code: 'audit.bad-query' } });
    expect(await get('?since=yesterday')).toMatchObject({ status: 400, body: { code: 'audit.bad-query' } });
    // The listing itself is recorded, with who asked for what.
    const reads = (await listAudit(h.db, { action: 'audit.list', code })).map((e) => [e.actorKind, e.actorId]);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(new Set(reads.map((r) => r.join(':')))).toEqual(new Set(['admin-token:kiem-toan']));
  });

  it("never holds a received applicant's ID number, name, phone or look-up secret, whatever was done with the dossier", async () => {
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const code = nextCode();
    const reuse = nextCode();
    const res = await push(counter, randomUUID(), [
      envelope(1, dossierArgs(code), 'dossier.submit@1'),
      envelope(2, auditEvent('receipt.print', code), 'audit.event@1'),
      envelope(3, dossierArgs(reuse, { lookupSecret: 'PPPP3333' }), 'dossier.submit@1'),
      envelope(4, auditEvent('dossier.reuse', code, { relatedCode: reuse, documents: 1 }), 'audit.event@1'),
      envelope(5, auditEvent('receipt.reprint', code), 'audit.event@1'),
    ]);
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    await post('/v1/lookup', { code, secret: SECRET });
    await post('/v1/lookup', { code: reuse, secret: 'PPPP3333' });
    // A caller that puts an ID number in a detail by mistake: the number is not stored.
    await recordAudit(h.db, { actorKind: 'admin-cli', actorId: 'test', action: 'citizen.export', target: code, outcome: 'ok', detail: `cccd ${ID_NUMBER}` });
    expect((await entriesFor(code)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['receipt.print', 'dossier.reuse', 'receipt.reprint', 'lookup.status', 'citizen.export']),
    );
    const all = await dump();
    expect(all.length).toBeGreaterThan(0);
    for (const personal of [ID_NUMBER, FULL_NAME, 'Nguyen Van An', PHONE, SECRET, 'PPPP3333', 'an@example.vn', 'Lý Thái Tổ', '1990-02-01']) {
      expect(all, `audit_log holds ${personal}`).not.toContain(personal);
    }
  });

  it('refuses to change or delete an entry', async () => {
    await recordAudit(h.db, { actorKind: 'system', actorId: 'test', action: 'test.append', outcome: 'ok' });
    await expect(h.db.query("UPDATE audit_log SET outcome = 'changed' WHERE action = 'test.append'")).rejects.toThrow(/append-only/);
    await expect(h.db.query("DELETE FROM audit_log WHERE action = 'test.append'")).rejects.toThrow(/append-only/);
    await expect(h.db.exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await listAudit(h.db, { action: 'test.append' })).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  });
});

describe.each(engines)("a counter's prints, reprints and reuse reach the centre's audit log through its own sync, once, on $name", (engine) => {
  const font = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../assets/fonts/${name}`, import.meta.url)));
  const seedCatalog = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
  const calendars = ['2025', '2026'].map((y) => JSON.parse(readFileSync(new URL(`../../assets/calendar/${y}.json`, import.meta.url), 'utf8')) as unknown);
  // Tue 24/11/2026 09:00 in Hà Nội.
  const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
  const deviceId = '0193a1b2-0000-7000-8000-0000000a0d17';
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let disposeDb: () => Promise<void>;
  let blobDir: string;
  let app: KioskApp | null = null;
  beforeAll(async () => {
    await initI18n('vi');
    const opened = await engine.open();
    disposeDb = opened.dispose;
    blobDir = await mkdtemp(join(tmpdir(), 'hpasc-audit-blobs-'));
    centre = await startCentre(clock, opened.db, { blobDir });
  }, 60_000);
  afterAll(async () => {
    app?.sync.stop();
    await centre?.close();
    await disposeDb?.();
    await rm(blobDir, { recursive: true, force: true });
  });

  it('prints, reprints and reuses offline; after the network is back the centre holds each event once, by this device, without personal data', async () => {
    let online = false;
    const idb = new IDBFactory();
    app = await startKioskApp({
      platform: createFakePlatform({ ...defaultDeviceConfig(deviceId), role: 'counter', kioskSlot: 1 }),
      db: new KioskDb('journal', { indexedDB: idb, IDBKeyRange }),
      reference: new ReferenceDb('reference', { indexedDB: idb, IDBKeyRange }),
      clock,
      random: nodeRandom,
      loadFonts: async () => ({ regular: font('BeVietnamPro-Regular.ttf'), bold: font('BeVietnamPro-Bold.ttf') }),
      seedBranch: seededBranch(),
      loadSeedCatalog: async () => seedCatalog,
      seedCalendars: calendars,
      sync: { isOnline: () => online, onlineEvents: null },
    });
    const [hit] = await app.dossiers.searchProcedures('cap ban sao trich luc ho tich');
    const procedure = hit!.procedure;
    const required = app.dossiers.checklist(procedure, []).items.filter((i) => i.required);
    const applicant = {
      idNumber: ID_NUMBER,
      fullName: FULL_NAME,
      dateOfBirth: '1990-02-01',
      gender: 'male' as const,
      address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
      phone: PHONE,
      email: '',
      fromCard: true,
    };
    const submit = () =>
      app!.dossiers.submit({
        procedureCode: procedure.code,
        selectedCases: [],
        applicant,
        documents: required.map((item) => ({
          documentId: item.document.id,
          name: item.document.name,
          originals: item.document.originals,
          copies: item.document.copies,
          pages: [jpegPage(item.document.id, 1654, 2339, 200, item.document.id)],
          reuse: null,
        })),
        incompleteReason: null,
        sets: 1,
        resultDelivery: { method: 'counter', detail: '' },
      });
    const first = await submit();
    if (!first.ok) throw new Error(`${first.error.code}: ${first.error.detail}`);
    const code = first.value.args.code;
    expect((await app.dossiers.printReceipt(code)).ok).toBe(true);
    expect((await app.dossiers.printReceipt(code)).ok).toBe(true);
    // The same citizen again: the first paper is reused from the earlier dossier.
    const [candidate] = (await app.dossiers.reuseCandidates(ID_NUMBER)).filter((c) => c.documentId === required[0]!.document.id);
    const second = await app.dossiers.submit({
      procedureCode: procedure.code,
      selectedCases: [],
      applicant,
      documents: required.map((item, i) => ({
        documentId: item.document.id,
        name: item.document.name,
        originals: item.document.originals,
        copies: item.document.copies,
        pages: i === 0 ? [] : [jpegPage(item.document.id, 1654, 2339, 200, `again ${item.document.id}`)],
        reuse: i === 0 ? candidate! : null,
      })),
      incompleteReason: null,
      sets: 1,
      resultDelivery: { method: 'counter', detail: '' },
    });
    if (!second.ok) throw new Error(`${second.error.code}: ${second.error.detail}`);

    const { code: enrolCode } = await createEnrolCode(centre.db, 'CN01', 'counter', clock.now());
    expect((await app.sync.enrol(centre.baseUrl, enrolCode)).ok).toBe(true);
    online = true;
    app.sync.syncNow();
    await untilStatus(app, (s) => s.state === 'idle' && s.pending === 0 && s.pendingBlobs === 0 && s.lastSuccessAt !== null, 60_000);
    // Another round: nothing is sent twice.
    app.sync.syncNow();
    await untilStatus(app, (s) => s.state === 'idle' && s.pending === 0);

    const byDevice = (await listAudit(centre.db, { limit: 1000 })).filter((e) => e.actorKind === 'device' && e.action !== 'device.enrol');
    // The prints are the counter's events; the reuse is recorded by the centre from the dossier itself
    // (in the push's transaction, so it may come before the events of the same batch).
    expect(byDevice.map((e) => [e.action, e.actorId, e.branchCode, e.target, e.detail]).sort()).toEqual([
      ['dossier.reuse', deviceId, 'CN01', code, `into ${second.value.args.code}: 1 document(s)`],
      ['receipt.print', deviceId, 'CN01', code, null],
      ['receipt.reprint', deviceId, 'CN01', code, null],
    ]);
    const all = (await centre.db.query<{ row: string }>('SELECT t::text AS row FROM audit_log t')).map((r) => r.row).join('\n');
    for (const personal of [ID_NUMBER, FULL_NAME, PHONE, first.value.args.lookupSecret ?? SECRET]) expect(all).not.toContain(personal);
  }, 120_000);
});

describe('citizen addresses and details', () => {
  it('keeps only the network of an address: /24 for IPv4, /48 for IPv6', () => {
    expect(citizenActor('203.0.113.77')).toBe('203.0.113.0/24');
    expect(citizenActor('::ffff:10.1.2.3')).toBe('10.1.2.0/24');
    expect(citizenActor('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(citizenActor('2001:0db8:00ab::')).toBe('2001:db8:ab::/48');
    expect(citizenActor('::1')).toBe('0:0:0::/48');
    expect(citizenActor('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(citizenActor('not an address')).toBe('unknown');
  });

  it('removes ID- and phone-like numbers from a detail, and keeps times, counts and UUIDs', () => {
    expect(scrubDetail(`cccd ${ID_NUMBER}, cmnd 012345678, phone ${PHONE}`)).toBe('cccd [number removed], cmnd [number removed], phone [number removed]');
    const kept = 'erased before 1764000000000: 3 dossier(s), device 1b4e28ba-2fa1-11d2-883f-001234567890';
    expect(scrubDetail(kept)).toBe(kept);
  });
});

describe('npm run admin -- audit', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hpasc-audit-cli-'));
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

  it('lists what staff did on the command line, filtered, and records who read it', async () => {
    const code = '000.21.01.H26-261124-0901';
    const setup = await openPgliteDb(defaultPgliteDir(dataDir));
    await migrate(setup);
    await createBranch(setup, 'CN01', 'Chi nhánh số 1');
    await setup.close();
    const set = admin('set-dossier-status', code, 'CN01', 'received', '--new-secret', '--by', 'hoa');
    expect(set.code, set.stderr).toBe(0);
    const secret = /look-up secret[^:]*: ([A-Z2-9]{8})/.exec(set.stdout)?.[1];
    expect(secret).toBeDefined();

    const listed = admin('audit', '--code', code, '--by', 'kiem-toan');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/admin-cli:hoa {2}CN01 {2}dossier\.status {2}000\.21\.01\.H26-261124-0901 {2}created/);
    expect(listed.stdout).toContain('1 entry, newest first');
    expect(listed.stdout).not.toContain(secret!);
    expect(admin('audit', '--action', 'device.revoke').stdout).toContain('no audit entry matches');
    expect(admin('audit', '--since', 'yesterday')).toMatchObject({ code: 2, stderr: expect.stringContaining('--since must be an ISO time') });

    const db = await openPgliteDb(defaultPgliteDir(dataDir));
    try {
      const reads = await listAudit(db, { action: 'audit.list' });
      expect(reads.map((e) => [e.actorKind, e.actorId, e.target])).toEqual([
        ['admin-cli', expect.any(String), null],
        ['admin-cli', 'kiem-toan', code],
      ]);
    } finally {
      await db.close();
    }
  }, 300_000);
});
