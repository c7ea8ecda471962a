import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierDraft, ReuseReach } from '../../src/app/dossierTypes';
import { initI18n } from '../../src/app/i18n';
import { startKioskApp, type KioskApp } from '../../src/app/KioskApp';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import { createEnrolCode } from '../../src/server/admin';
import { listAudit } from '../../src/server/audit';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { Procedure } from '../../src/shared/catalog';
import { fixedClock } from '../../src/shared/clock';
import { defaultDeviceConfig } from '../../src/shared/deviceConfig';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { jpegPage } from '../support/capturedPages';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import { engines } from './serverHarness';
import { startCentre, untilStatus } from './syncHarness';

/**
 * A paper given at a counter of branch CN01 is offered at a counter of branch CN02 (two kiosk apps,
 * each with its own IndexedDB, one real centre on port 0, PGlite and PostgreSQL): while CN02's
 * counter is offline it offers only its own papers and says so; online, it offers CN01's paper,
 * downloads its PDF only when the officer reuses it, and the dossier it sends records where the
 * paper came from, reaching the centre complete without uploading the scan again.
 */
const font = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../assets/fonts/${name}`, import.meta.url)));
const seedCatalog = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
const calendars = ['2025', '2026'].map((y) => JSON.parse(readFileSync(new URL(`../../assets/calendar/${y}.json`, import.meta.url), 'utf8')) as unknown);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const ID_NUMBER = '001090012345';
const applicant = {
  idNumber: ID_NUMBER,
  fullName: 'Nguyễn Văn An',
  dateOfBirth: '1990-02-01',
  gender: 'male' as const,
  address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
  phone: '0912345678',
  email: '',
  fromCard: true,
};

/** CN02: the seed's settings under another branch code and receiving unit. */
function secondBranch(): BranchConfig {
  const seed = seededBranch();
  return BranchConfig.parse({ ...seed, branchCode: 'CN02', reception: { ...seed.reception!, unitCode: '000.21.02.H26' } });
}

describe.each(engines)('a paper given at another branch is offered at the counter on $name', (engine) => {
  // Tue 24/11/2026 09:00 in Hà Nội.
  const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let disposeDb: () => Promise<void>;
  let blobDir: string;
  const apps: KioskApp[] = [];

  beforeAll(async () => {
    await initI18n('vi');
    const opened = await engine.open();
    disposeDb = opened.dispose;
    blobDir = await mkdtemp(join(tmpdir(), 'hpasc-reuse-blobs-'));
    centre = await startCentre(clock, opened.db, { blobDir });
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) app.sync.stop();
    await centre?.close();
    await disposeDb?.();
    await rm(blobDir, { recursive: true, force: true });
  });

  async function counter(branch: BranchConfig, deviceId: string, online: () => boolean, requests: string[] = []): Promise<KioskApp> {
    const idb = new IDBFactory();
    const app = await startKioskApp({
      platform: createFakePlatform({ ...defaultDeviceConfig(deviceId), role: 'counter', branchCode: branch.branchCode }),
      db: new KioskDb('journal', { indexedDB: idb, IDBKeyRange }),
      reference: new ReferenceDb('reference', { indexedDB: idb, IDBKeyRange }),
      clock,
      random: nodeRandom,
      loadFonts: async () => ({ regular: font('BeVietnamPro-Regular.ttf'), bold: font('BeVietnamPro-Bold.ttf') }),
      seedBranch: branch,
      loadSeedCatalog: async () => seedCatalog,
      seedCalendars: calendars,
      sync: {
        isOnline: online,
        onlineEvents: null,
        // Every request the counter sends, to show what it did not send.
        transportFor: (baseUrl, token) =>
          createHttpTransport({
            baseUrl,
            token,
            fetch: (input, init) => {
              requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
              return fetch(input, init);
            },
          }),
      },
    });
    apps.push(app);
    const { code } = await createEnrolCode(centre.db, branch.branchCode, 'counter', clock.now());
    const enrolled = await app.sync.enrol(centre.baseUrl, code);
    if (!enrolled.ok) throw new Error(`${enrolled.error.code}: ${enrolled.error.detail}`);
    return app;
  }

  /** Until the centre holds the dossier with every scan verified (the kiosk's status may be a run behind). */
  async function completeAtCentre(app: KioskApp, code: string): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      // A run that failed on a loaded machine waits out its backoff: ask again now and then.
      if (i % 50 === 49) app.sync.syncNow();
      const rows = await centre.db.query<{ blobs_missing: unknown }>('SELECT blobs_missing FROM received_dossiers WHERE code = $1', [code]);
      if (rows[0] && Number(rows[0].blobs_missing) === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`dossier ${code} never complete at the centre`);
  }

  const draft = (procedure: Procedure, documents: DossierDraft['documents']): DossierDraft => ({
    procedureCode: procedure.code,
    selectedCases: [],
    applicant,
    documents,
    incompleteReason: null,
    sets: 1,
    resultDelivery: { method: 'counter', detail: '' },
  });

  it('offers the paper given at CN01 on the counter of CN02, downloads its PDF when reused, and the dossier records reusedFrom', async () => {
    // Counter A (CN01) receives the citizen's dossier and syncs it, scans included.
    const a = await counter(seededBranch(), '0193a1b2-0000-7000-8000-0000000c0a01', () => true);
    const [hit] = await a.dossiers.searchProcedures('cap ban sao trich luc ho tich');
    const procedure = hit!.procedure;
    const required = a.dossiers.checklist(procedure, []).items.filter((i) => i.required);
    const paper = required[0]!.document;
    const given = await a.dossiers.submit(
      draft(
        procedure,

        required.map((item) => ({
          documentId: item.document.id,
          name: item.document.name,
          originals: item.document.originals,
          copies: item.document.copies,
          pages: [jpegPage(item.document.id, 1654, 2339, 200, item.document.id)],
          reuse: null,
        })),
      ),
    );
    if (!given.ok) throw new Error(`${given.error.code}: ${given.error.detail}`);
    a.sync.syncNow();
    await completeAtCentre(a, given.value.args.code);
    const givenDoc = given.value.args.documents.find((d) => d.documentId === paper.id)!;
    const givenPdf = new Uint8Array(await (await a.dossiers.documentPdf(givenDoc.sha256))!.arrayBuffer());

    // Counter B (CN02), offline: only its own papers (none), and the screen is told why.
    let online = false;
    const requests: string[] = [];
    const b = await counter(secondBranch(), '0193a1b2-0000-7000-8000-0000000c0b02', () => online, requests);
    const reach: ReuseReach[] = [];
    b.dossiers.watchReuseReach((r) => reach.push(r));
    expect(await b.dossiers.reuseCandidates(ID_NUMBER)).toEqual([]);
    expect(reach.at(-1)).toEqual({ state: 'local-only', reason: 'offline' });

    // Online: the paper given at CN01 is offered, without its PDF yet.
    online = true;
    const candidates = await b.dossiers.reuseCandidates(ID_NUMBER);
    expect(reach.at(-1)).toEqual({ state: 'centre' });
    const offered = b.dossiers.suggestReuse(procedure, candidates).get(paper.id);
    expect(offered).toMatchObject({ sha256: givenDoc.sha256, dossierCode: given.value.args.code, source: 'centre', pages: givenDoc.pages });
    expect(offered!.pdf).toBeUndefined();
    expect(requests.filter((r) => r.includes('/v1/reuse/pdf'))).toEqual([]);
    // A centre paper cannot go into a dossier before its PDF arrived.
    const early = await b.dossiers.submit(
      draft(procedure, [{ documentId: paper.id, name: paper.name, originals: paper.originals, copies: paper.copies, pages: [], reuse: offered! }]),
    );
    expect(!early.ok && early.error.code).toBe('dossier.reuse-not-fetched');

    // The officer reuses it: the PDF arrives, the very bytes given at CN01.
    const fetched = await b.dossiers.fetchReuse(offered!);
    if (!fetched.ok) throw new Error(`${fetched.error.code}: ${fetched.error.detail}`);
    expect(sha256(new Uint8Array(await fetched.value.pdf!.arrayBuffer()))).toBe(sha256(givenPdf));
    const others = required.slice(1).map((item) => ({
      documentId: item.document.id,
      name: item.document.name,
      originals: item.document.originals,
      copies: item.document.copies,
      pages: [jpegPage(item.document.id, 1654, 2339, 200, `b ${item.document.id}`)],
      reuse: null,
    }));
    const reused = await b.dossiers.submit(
      draft(procedure, [
        { documentId: paper.id, name: paper.name, originals: paper.originals, copies: paper.copies, pages: [], reuse: fetched.value },
        ...others,
      ]),
    );
    if (!reused.ok) throw new Error(`${reused.error.code}: ${reused.error.detail}`);
    const reusedDoc = reused.value.args.documents.find((d) => d.documentId === paper.id)!;
    expect(reusedDoc).toMatchObject({ sha256: givenDoc.sha256, reusedFrom: given.value.args.code, size: givenDoc.size, pages: givenDoc.pages });
    // The PDF is on this machine now: the officer can open it from the dossier.
    expect(sha256(new Uint8Array(await (await b.dossiers.documentPdf(givenDoc.sha256))!.arrayBuffer()))).toBe(givenDoc.sha256);

    // Synced: the centre holds B's dossier complete; B uploaded its own scans but never the reused one.
    b.sync.syncNow();
    await completeAtCentre(b, reused.value.args.code);
    b.sync.syncNow();
    await untilStatus(b, (s) => s.state === 'idle' && s.pending === 0 && s.pendingBlobs === 0, 60_000);
    const [row] = await centre.db.query<{ blobs_missing: unknown; branch_code: string }>(
      'SELECT blobs_missing, branch_code FROM received_dossiers WHERE code = $1',
      [reused.value.args.code],
    );
    expect(row).toMatchObject({ branch_code: 'CN02' });
    expect(Number(row!.blobs_missing)).toBe(0);
    expect(requests.filter((r) => r.startsWith('POST /v1/blobs/tus'))).toHaveLength(others.length);
    const reuses = (await listAudit(centre.db, { action: 'dossier.reuse' })).filter((e) => e.branchCode === 'CN02');
    expect(reuses.map((e) => [e.actorId, e.target, e.detail])).toEqual([
      ['0193a1b2-0000-7000-8000-0000000c0b02', given.value.args.code, `into ${reused.value.args.code}: 1 document(s)`],
    ]);
  }, 300_000);
});
