import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enrolPost } from '../../electron/enrolProxy';
import { createFakePlatform, type FakePlatform } from '../../src/platform/fakePlatform';
import { fixedClock } from '../../src/shared/clock';
import { defaultDeviceConfig } from '../../src/shared/deviceConfig';
import { AppFailure, err } from '../../src/shared/result';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { loadCredential } from '../../src/storage/syncRepository';
import { addBlob } from '../../src/storage/blobRepository';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import { startCentre, untilStatus as until } from './syncHarness';
import { createEnrolCode } from '../../src/server/admin';
import { initI18n } from '../../src/app/i18n';
import { startKioskApp, type KioskApp } from '../../src/app/KioskApp';
import { RESERVE_AHEAD } from '../../src/app/counterReservations';

const font = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../assets/fonts/${name}`, import.meta.url)));
const fonts = { regular: font('BeVietnamPro-Regular.ttf'), bold: font('BeVietnamPro-Bold.ttf') };
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));

const started: KioskApp[] = [];
async function start(platform: FakePlatform, idb: IDBFactory): Promise<{ app: KioskApp; db: KioskDb }> {
  const db = new KioskDb('journal', { indexedDB: idb, IDBKeyRange });
  const app = await startKioskApp({
    platform,
    db,
    reference: new ReferenceDb('reference', { indexedDB: idb, IDBKeyRange }),
    clock,
    random: nodeRandom,
    loadFonts: async () => fonts,
    seedBranch: seededBranch(),
    sync: { isOnline: () => true, onlineEvents: null },
  });
  started.push(app);
  return { app, db };
}

/**
 * A kiosk in its own slot: the centre binds a slot to one active device per branch, so kiosks
 * enrolled in one branch need different slots (CN01 publishes 4; the kiosks that only check where
 * the credential is kept enrol in CN02, which publishes none).
 */
const kioskInSlot = (kioskSlot: number): FakePlatform => createFakePlatform({ ...defaultDeviceConfig(randomUUID()), kioskSlot });

describe('the kiosk side of sync', () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  beforeAll(async () => {
    await initI18n('vi');
    centre = await startCentre(clock, undefined, { blobDir: mkdtempSync(join(tmpdir(), 'hpasc-blobs-')) });
  });
  afterAll(async () => {
    for (const app of started) app.sync.stop();
    await centre?.close();
  });

  it('restores pending records from the file journal when IndexedDB comes back empty', async () => {
    const platform = createFakePlatform();
    const first = await start(platform, new IDBFactory());
    const t1 = await first.app.takeTicket('A', false);
    const t2 = await first.app.takeTicket('A', false);
    await Promise.all([t1.print, t2.print]);
    const journal = (await first.db.settings.get('journalId'))!.value as string;
    // The journal copy is written right after the save, not awaited by it.
    await vi.waitFor(() => expect(platform.journals.get(journal)).toHaveLength(2));
    first.app.sync.stop();

    // Chromium reset the profile's IndexedDB; the device configuration and journal file survived.
    const second = await start(platform, new IDBFactory());
    expect(second.app.restoredFromJournal).toBe(2);
    expect((await second.db.settings.get('journalId'))!.value).toBe(journal);
    expect((await second.db.outbox.orderBy('deviceSeq').toArray()).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await second.db.tickets.toArray()).map((t) => t.number).sort()).toEqual([t1.ticket.number, t2.ticket.number].sort());
    // Numbering continues above the block reserved beside the journal, never repeating a number.
    const t3 = await second.app.takeTicket('A', false);
    expect(t3.ticket.localSeq).toBe(RESERVE_AHEAD + 1);
    expect((await second.db.outbox.orderBy('deviceSeq').last())!.deviceSeq).toBe(3);
  });

  it('never issues a printed number again after IndexedDB is lost, though its journal entry was already confirmed and trimmed', async () => {
    // The field report: A0001–A0003 and B0001 issued; the A entries reached the centre and left the
    // journal file, only B0001 was still pending when IndexedDB was lost.
    const platform = createFakePlatform();
    const first = await start(platform, new IDBFactory());
    const issued: string[] = [];
    for (const group of ['A', 'A', 'A', 'B']) {
      const t = await first.app.takeTicket(group, false);
      await t.print;
      issued.push(t.ticket.number);
    }
    expect(issued).toEqual(['A0001', 'A0002', 'A0003', 'B0001']);
    const journal = (await first.db.settings.get('journalId'))!.value as string;
    // The journal copy is written right after the save, not awaited by it.
    await vi.waitFor(() => expect(platform.journals.get(journal)).toHaveLength(4));
    await platform.journalConfirm({ journalId: journal, upToSeq: 3 });
    expect(platform.journals.get(journal)?.map((e) => (e.args as { number: string }).number)).toEqual(['B0001']);
    first.app.sync.stop();

    const second = await start(platform, new IDBFactory());
    expect(second.app.restoredFromJournal).toBe(1);
    const next = [await second.app.takeTicket('A', false), await second.app.takeTicket('B', false)].map((t) => t.ticket.number);
    expect(issued).not.toContain(next[0]);
    expect(issued).not.toContain(next[1]);
    expect(next).toEqual([`A${String(RESERVE_AHEAD + 1).padStart(4, '0')}`, `B${String(RESERVE_AHEAD + 1).padStart(4, '0')}`]);
    second.app.sync.stop();
    // Both new tickets in the journal file before it is confirmed (a copy written after the
    // confirmation would be pending again: the CI flake of this test on a loaded machine).
    await vi.waitFor(() => expect(platform.journals.get(journal)).toHaveLength(3));

    // Lost again with nothing pending at all: only the marks are left, and they are enough.
    await platform.journalConfirm({ journalId: journal, upToSeq: 100 });
    expect(platform.journals.size).toBe(0);
    const third = await start(platform, new IDBFactory());
    expect(third.app.restoredFromJournal).toBe(0);
    expect((await third.app.takeTicket('A', false)).ticket.localSeq).toBe(2 * RESERVE_AHEAD + 1);
  });

  it('shows the number even when its reservation cannot be written (full disk), and tells the technician', async () => {
    const platform = createFakePlatform();
    const { app, db } = await start(platform, new IDBFactory());
    // The journal's disk fails after the capture guard last looked (it samples every 30 s).
    platform.simulateFullDisk(true);
    const t = await app.takeTicket('C', false);
    expect(t.ticket.number).toBe('C0001');
    await expect.poll(async () => (await db.events.toArray()).map((e) => e.kind)).toContain('journal.failed');
  });

  it('appends again what the journal file missed, so a later loss of IndexedDB never leaves a gap that stops the queue', async () => {
    const platform = createFakePlatform();
    const idb = new IDBFactory();
    const first = await start(platform, idb);
    await (
      await first.app.takeTicket('D', false)
    ).print;
    // The power fails between the IndexedDB commit and the journal append (here: the append fails).
    platform.simulateFullDisk(true);
    await (
      await first.app.takeTicket('D', false)
    ).print;
    await (
      await first.app.takeTicket('D', false)
    ).print;
    await new Promise((r) => setTimeout(r, 50));
    const journal = (await first.db.settings.get('journalId'))!.value as string;
    expect(platform.journals.get(journal)?.map((e) => e.deviceSeq)).toEqual([1]);
    first.app.sync.stop();

    // The next start puts the missing entries back in the file.
    platform.simulateFullDisk(false);
    platform.setFreeBytes(32 * 1024 ** 3);
    const second = await start(platform, idb);
    await expect
      .poll(() =>
        platform.journals
          .get(journal)
          ?.map((e) => e.deviceSeq)
          .sort(),
      )
      .toEqual([1, 2, 3]);
    second.app.sync.stop();

    // IndexedDB is lost later: all three come back, the stream has no gap, and they reach the centre once.
    const third = await start(platform, new IDBFactory());
    expect(third.app.restoredFromJournal).toBe(3);
    const { code } = await createEnrolCode(centre.db, 'CN01', 'citizen', clock.now());
    expect((await third.app.sync.enrol(centre.baseUrl, code)).ok).toBe(true);
    await until(third.app, (s) => s.state === 'idle' && s.pending === 0);
    const rows = await centre.db.query<{ number: string }>("SELECT number FROM tickets WHERE group_prefix = 'D' ORDER BY number");
    expect(rows.map((r) => r.number)).toEqual(['D0001', 'D0002', 'D0003']);
  });

  it('refuses new capture when the disk is nearly full, saving nothing', async () => {
    const platform = createFakePlatform();
    platform.disk = { ...platform.disk, freeBytes: 100 * 1024 * 1024, low: true };
    const { app, db } = await start(platform, new IDBFactory());
    const failure = await app.takeTicket('A', false).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect((failure as AppFailure).code).toBe('disk.low');
    expect(await db.tickets.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });

  it('enrols with a one-time code, keeps the credential in the keystore, syncs and trims the journal file', async () => {
    const platform = kioskInSlot(1);
    const { app, db } = await start(platform, new IDBFactory());
    expect(app.sync.isEnrolled()).toBe(false);
    const bad = await app.sync.enrol(centre.baseUrl, 'not a code');
    expect(bad.ok ? null : bad.error.code).toBe('enrol.code-format');
    const unknown = await app.sync.enrol(centre.baseUrl, 'ABCD-EFGH-JKLM-NPQR');
    expect(unknown.ok ? null : unknown.error.code).toBe('enrol.unknown-code');
    const { code } = await createEnrolCode(centre.db, 'CN01', 'citizen', clock.now());
    const enrolled = await app.sync.enrol(`${centre.baseUrl}/`, code.toLowerCase().replace(/-/g, ' '));
    expect(enrolled.ok).toBe(true);
    expect(platform.credential).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(platform.config?.serverUrl).toBe(centre.baseUrl);
    expect(await loadCredential(db)).toBeNull();

    const t = await app.takeTicket('B', true);
    await t.print;
    const synced = await until(app, (s) => s.state === 'idle' && s.pending === 0 && s.lastSuccessAt !== null);
    expect(synced.lastError).toBeNull();
    const rows = await centre.db.query<{ number: string }>('SELECT number FROM tickets WHERE id = $1', [t.ticket.id]);
    expect(rows[0]?.number).toBe(t.ticket.number);
    expect((await db.tickets.get(t.ticket.id))?.syncedAt).toBeTypeOf('number');
    expect([...platform.journals.values()].flat()).toEqual([]);
    expect(app.sync.isEnrolled()).toBe(true);

    // Only counters upload scans (counterSync.test.ts): one on this citizen kiosk is refused by role
    // and set aside with its reason, while the kiosk's credential and records stay in sync.
    const scan = new Blob([new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251)], { type: 'application/pdf' });
    const blob = await addBlob(db, scan, 'application/pdf', clock);
    // A run already under way (the ticket's save rang the loop) may end before it meets the scan:
    // wait for the scan's own outcome, not for the next change of the sync state.
    app.sync.syncNow();
    await expect.poll(async () => (await db.blobs.get(blob.sha256))?.lastError?.code, { timeout: 60_000 }).toBe('blob.role-forbidden');
    const after = await until(app, (s) => s.state !== 'syncing');
    expect(after.state).not.toBe('refused');
    expect((await db.blobs.get(blob.sha256))?.state).not.toBe('verified');
    expect(await centre.db.query('SELECT 1 FROM blobs WHERE sha256 = $1', [blob.sha256])).toEqual([]);
  });

  it('keeps the credential in IndexedDB where Electron has no keystore (a kiosk without a secret service)', async () => {
    const platform = kioskInSlot(0);
    platform.keystoreAvailable = false;
    const { app, db } = await start(platform, new IDBFactory());
    const { code } = await createEnrolCode(centre.db, 'CN02', 'citizen', clock.now());
    const enrolled = await app.sync.enrol(centre.baseUrl, code);
    expect(enrolled.ok).toBe(true);
    expect(platform.credential).toBeNull();
    expect((await loadCredential(db))?.branchCode).toBe('CN02');
    expect(app.sync.isEnrolled()).toBe(true);
  });

  it('in Electron, enrolment goes through main (the page reaches only its configured server), with the same answers as a direct request', async () => {
    const platform = kioskInSlot(1);
    const viaMain: string[] = [];
    // Main's own network stack (Node's fetch), untouched by what the page may do.
    const realFetch = globalThis.fetch;
    platform.enrolPost = async (request) => {
      viaMain.push(new URL(request.url).pathname);
      return enrolPost(request, realFetch);
    };
    const { app } = await start(platform, new IDBFactory());
    // The page itself could not reach the new server (its CSP): any direct request fails here.
    const direct: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      direct.push(String(input));
      throw new TypeError('fetch failed: blocked by the page connection policy (test)');
    }) as typeof fetch;
    try {
      const unknown = await app.sync.enrol(centre.baseUrl, 'ABCD-EFGH-JKLM-NPQR');
      expect(unknown.ok ? null : unknown.error.code).toBe('enrol.unknown-code');
      const { code } = await createEnrolCode(centre.db, 'CN02', 'citizen', clock.now());
      const enrolled = await app.sync.enrol(centre.baseUrl, code);
      expect(enrolled.ok).toBe(true);
      const gone = await app.sync.enrol('http://127.0.0.1:9', code);
      expect(gone.ok ? null : gone.error.code).toBe('net.unreachable');
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(direct.filter((u) => u.includes('/v1/enrol'))).toEqual([]);
    expect(viaMain).toEqual(['/v1/enrol', '/v1/enrol', '/v1/enrol']);
    expect(platform.config?.serverUrl).toBe(centre.baseUrl);
  });

  it('keeps the credential in IndexedDB in the browser build', async () => {
    const platform = kioskInSlot(2);
    platform.credentialRead = async () => err('credential.unsupported', 'browser');
    platform.credentialWrite = async () => err('credential.unsupported', 'browser');
    const { app, db } = await start(platform, new IDBFactory());
    const { code } = await createEnrolCode(centre.db, 'CN02', 'citizen', clock.now());
    const enrolled = await app.sync.enrol(centre.baseUrl, code);
    expect(enrolled.ok).toBe(true);
    expect((await loadCredential(db))?.serverUrl).toBe(centre.baseUrl);
  });
});
