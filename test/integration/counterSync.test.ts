// Dexie's live queries (the officer's list) run only where a global indexedDB existed when Dexie loaded.
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierListRow } from '../../src/app/dossierTypes';
import { initI18n } from '../../src/app/i18n';
import { startKioskApp, type KioskApp } from '../../src/app/KioskApp';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import { createEnrolCode } from '../../src/server/admin';
import { recordDossierStatus } from '../../src/server/dossiers';
import { resolveDataProtection } from '../../src/server/dataProtection';
import { readReceivedDossiers } from '../../src/server/personalData';
import { fixedClock } from '../../src/shared/clock';
import { defaultDeviceConfig } from '../../src/shared/deviceConfig';
import { LookupResponse } from '../../src/shared/sync';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import type { CapturedPage } from '../../src/scan/pages';
import { jpegPage } from '../support/capturedPages';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import { startCentre, untilStatus as until } from './syncHarness';
import { createHttpTransport } from '../../src/sync/httpTransport';

/**
 * A counter receives a dossier while the network is down, then the network comes back: the PDFs
 * reach the centre (tus, verified by hash) before the record, the citizen's look-up answers with
 * the receipt's code and secret, and a status the centre records comes back to the officer's list.
 * Real server on port 0 (PGlite), real HTTP, the kiosk's own sync engine.
 */
const font = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../assets/fonts/${name}`, import.meta.url)));
const fonts = { regular: font('BeVietnamPro-Regular.ttf'), bold: font('BeVietnamPro-Bold.ttf') };
const seedCatalog = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as { code: string }[];
const calendars = ['2025', '2026'].map((y) => JSON.parse(readFileSync(new URL(`../../assets/calendar/${y}.json`, import.meta.url), 'utf8')) as unknown);
// Tue 24/11/2026 09:00 in Hà Nội.
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));

function listUntil(app: KioskApp, test: (rows: readonly DossierListRow[]) => boolean, ms = 30_000): Promise<readonly DossierListRow[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the dossier list never matched')), ms);
    const stop = app.dossiers.watchToday((rows) => {
      if (test(rows)) {
        clearTimeout(timer);
        queueMicrotask(() => stop());
        resolve(rows);
      }
    });
  });
}

/** A counter machine (kiosk slot `slot`) in a fresh IndexedDB, on the given clock; the network is the caller's. */
function startCounter(deviceId: string, slot: number, sync: NonNullable<Parameters<typeof startKioskApp>[0]['sync']>): Promise<KioskApp> {
  const idb = new IDBFactory();
  return startKioskApp({
    platform: createFakePlatform({ ...defaultDeviceConfig(deviceId), role: 'counter', kioskSlot: slot }),
    db: new KioskDb('journal', { indexedDB: idb, IDBKeyRange }),
    reference: new ReferenceDb('reference', { indexedDB: idb, IDBKeyRange }),
    clock,
    random: nodeRandom,
    loadFonts: async () => fonts,
    seedBranch: seededBranch(),
    loadSeedCatalog: async () => seedCatalog,
    seedCalendars: calendars,
    sync,
  });
}

describe('a counter receives a dossier offline and the centre gets it', () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let app: KioskApp | null = null;
  beforeAll(async () => {
    await initI18n('vi');
    centre = await startCentre(clock, undefined, { blobDir: mkdtempSync(join(tmpdir(), 'hpasc-counter-blobs-')) });
  });
  afterAll(async () => {
    app?.sync.stop();
    await centre?.close();
  });

  it('uploads the PDFs, stores the dossier complete, answers the look-up and brings the centre status back', async () => {
    let online = false;
    const asked: string[] = [];
    const counting = (input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    app = await startCounter('0193a1b2-0000-7000-8000-0000000c0001', 2, {
      isOnline: () => online,
      onlineEvents: null,
      transportFor: (baseUrl, token) => createHttpTransport({ baseUrl, token, fetch: counting as typeof fetch }),
    });
    const { code: enrolCode } = await createEnrolCode(centre.db, 'CN01', 'counter', clock.now());

    // Offline: the dossier is received and its receipt printed without the centre.
    const [hit] = await app.dossiers.searchProcedures('cap ban sao trich luc ho tich');
    expect(hit).toBeDefined();
    const procedure = hit!.procedure;
    const required = app.dossiers.checklist(procedure, []).items.filter((i) => i.required);
    // A captured page of about 400 kB: its PDF takes more than one upload chunk.
    const scan = (n: number): CapturedPage =>
      jpegPage(
        `scan-${n}`,
        1654,
        2339,
        200,
        new Uint8Array(400_000 + n).map((_, i) => (i * (n + 3)) % 251),
      );
    const saved = await app.dossiers.submit({
      procedureCode: procedure.code,
      selectedCases: [],
      applicant: {
        idNumber: '001195012345',
        fullName: 'Nguyễn Thị Thu Hằng',
        dateOfBirth: '1995-08-15',
        gender: 'female',
        address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội',
        phone: '0912345678',
        email: '',
        fromCard: true,
      },
      documents: required.map((item, i) => ({
        documentId: item.document.id,
        name: item.document.name,
        originals: item.document.originals,
        copies: item.document.copies,
        pages: [scan(i)],
        reuse: null,
      })),
      incompleteReason: null,
      sets: 1,
      resultDelivery: { method: 'counter', detail: '' },
    });
    if (!saved.ok) throw new Error(`${saved.error.code}: ${saved.error.detail}`);
    const dossier = saved.value.args;
    expect(dossier.code).toMatch(/^000\.21\.01\.H26-261124-2001$/);
    expect((await app.dossiers.printReceipt(dossier.code)).ok).toBe(true);
    const [offline] = await listUntil(app, (rows) => rows.length === 1);
    expect(offline?.syncState).toBe('local');

    // The network comes back.
    expect((await app.sync.enrol(centre.baseUrl, enrolCode)).ok).toBe(true);
    online = true;
    app.sync.syncNow();
    await until(app, (s) => s.state === 'idle' && s.pending === 0 && s.pendingBlobs === 0 && s.lastSuccessAt !== null);
    // The app asks once which scans the centre holds, never once per scan.
    expect(asked).toContain('POST /v1/blobs/known');
    expect(asked.filter((a) => a.startsWith('HEAD /v1/blobs/sha256'))).toEqual([]);

    // Read through the test servers' keys (personalData.ts): the applicant is stored sealed.
    const stored = await readReceivedDossiers(centre.db, resolveDataProtection(undefined), { ids: [dossier.id] });
    expect(stored[0]).toMatchObject({ code: dossier.code, blob_count: dossier.documents.length, blobs_verified: true });
    expect(stored[0]?.applicant?.fullName).toBe('Nguyễn Thị Thu Hằng');

    const lookup = await fetch(`${centre.baseUrl}/v1/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: dossier.code, secret: dossier.lookupSecret }),
    });
    expect(lookup.status).toBe(200);
    const answer = LookupResponse.parse(await lookup.json());
    expect(answer.status).toBe('received');
    expect(answer.appointmentDate).toBe(dossier.appointment.kind === 'date' ? dossier.appointment.date : null);

    // The centre moves the dossier on; the officer's list shows it after the next pull.
    const moved = await recordDossierStatus(centre.db, {
      code: dossier.code,
      branchCode: 'CN01',
      status: 'processing',
      statusAt: clock.now() + 60_000,
      appointmentDate: answer.appointmentDate,
      note: '',
    });
    expect(moved.ok).toBe(true);
    app.sync.syncNow();
    const [row] = await listUntil(app, (rows) => rows[0]?.centreStatus?.status === 'processing');
    expect(row).toMatchObject({ code: dossier.code, syncState: 'confirmed' });
  }, 90_000);

  it('a scan whose upload route the browser refuses never holds back the records: the next dossier reaches the centre, the scan is listed for staff after the threshold and reported in the heartbeat', async () => {
    let online = false;
    // What a browser does when the server's CORS answer leaves PATCH out: fetch rejects with a bare
    // TypeError before any byte is sent, while every other route answers normally.
    let refusePatch = true;
    const refused: string[] = [];
    const browserLike = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input);
      if (refusePatch && init?.method === 'PATCH' && url.includes('/v1/blobs/tus/')) {
        refused.push(url);
        return Promise.reject(new TypeError('Failed to fetch'));
      }
      return fetch(input, init);
    };
    const blocked = await startCounter('0193a1b2-0000-7000-8000-0000000c0002', 3, {
      isOnline: () => online,
      onlineEvents: null,
      transportFor: (baseUrl, token) => createHttpTransport({ baseUrl, token, fetch: browserLike as typeof fetch }),
    });
    try {
      const { code: enrolCode } = await createEnrolCode(centre.db, 'CN01', 'counter', clock.now());
      expect((await blocked.sync.enrol(centre.baseUrl, enrolCode)).ok).toBe(true);
      const [hit] = await blocked.dossiers.searchProcedures('cap ban sao trich luc ho tich');
      const procedure = hit!.procedure;
      const required = blocked.dossiers.checklist(procedure, []).items.filter((i) => i.required);
      const applicant = {
        idNumber: '001195012345',
        fullName: 'Nguyễn Thị Thu Hằng',
        dateOfBirth: '1995-08-15',
        gender: 'female' as const,
        address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm, Hà Nội',
        phone: '',
        email: '',
        fromCard: true,
      };
      const withScan = await blocked.dossiers.submit({
        procedureCode: procedure.code,
        selectedCases: [],
        applicant,
        documents: [required[0]!].map((item) => ({
          documentId: item.document.id,
          name: item.document.name,
          originals: item.document.originals,
          copies: item.document.copies,
          pages: [
            jpegPage(
              'scan',
              1654,
              2339,
              200,
              new Uint8Array(300_000).map((_, i) => (i * 7) % 251),
            ),
          ],
          reuse: null,
        })),
        incompleteReason: 'Công dân bổ sung sau',
        sets: 1,
        resultDelivery: { method: 'counter', detail: '' },
      });
      const withoutPapers = await blocked.dossiers.submit({
        procedureCode: procedure.code,
        selectedCases: [],
        applicant,
        documents: [],
        incompleteReason: 'Công dân chưa mang giấy tờ',
        sets: 1,
        resultDelivery: { method: 'counter', detail: '' },
      });
      if (!withScan.ok || !withoutPapers.ok) throw new Error('not saved');

      online = true;
      blocked.sync.syncNow();
      // The records went; only the scan waits, and the kiosk says why: refused, not "unreachable".
      const status = await until(blocked, (s) => s.pending === 0 && s.pendingBlobs === 1 && s.lastError !== null);
      expect(status.lastError?.code).toBe('net.blocked');
      expect(status.lastError?.detail).toContain('PATCH /v1/blobs/tus/…');
      expect(refused.length).toBeGreaterThan(0);
      const rows = await centre.db.query<{ code: string; blobs_missing: number }>(
        'SELECT code, blobs_missing FROM received_dossiers WHERE code = ANY($1) ORDER BY code',
        [[withScan.value.args.code, withoutPapers.value.args.code]],
      );
      expect(rows).toEqual([
        { code: withScan.value.args.code, blobs_missing: 1 },
        { code: withoutPapers.value.args.code, blobs_missing: 0 },
      ]);
      const list = await listUntil(blocked, (r) => r.length === 2 && r.every((x) => x.syncState !== 'local'));
      expect(Object.fromEntries(list.map((r) => [r.code, r.syncState]))).toEqual({
        [withScan.value.args.code]: 'scans-pending',
        [withoutPapers.value.args.code]: 'confirmed',
      });
      expect(await blocked.sync.listStuckScans()).toEqual([]);

      // A quarter of an hour of refusals later: the staff screen lists it, the heartbeat reports it.
      clock.advance(16 * 60_000);
      blocked.sync.syncNow();
      await until(blocked, (s) => s.stuckBlobs === 1);
      const [stuck] = await blocked.sync.listStuckScans();
      expect(stuck).toMatchObject({
        lastError: { code: 'net.blocked' },
        usedBy: [{ dossierCode: withScan.value.args.code, documentName: required[0]!.document.name }],
      });
      await expect
        .poll(async () => {
          const beats = await centre.db.query<{ report: { stuckBlobs?: number; lastBlobError?: { code: string } | null } }>(
            'SELECT report FROM heartbeats WHERE device_id = $1',
            ['0193a1b2-0000-7000-8000-0000000c0002'],
          );
          return beats[0]?.report;
        })
        .toMatchObject({ stuckBlobs: 1, lastBlobError: { code: 'net.blocked' } });

      // The server's CORS is mended: the scan goes, the dossier completes, nothing is listed any more.
      refusePatch = false;
      clock.advance(10 * 60_000);
      blocked.sync.syncNow();
      await until(blocked, (s) => s.pendingBlobs === 0 && s.stuckBlobs === 0 && s.state === 'idle');
      expect(await blocked.sync.listStuckScans()).toEqual([]);
      const complete = await centre.db.query<{ blobs_missing: number }>('SELECT blobs_missing FROM received_dossiers WHERE code = $1', [
        withScan.value.args.code,
      ]);
      expect(complete[0]?.blobs_missing).toBe(0);
    } finally {
      blocked.sync.stop();
    }
  }, 90_000);
});
