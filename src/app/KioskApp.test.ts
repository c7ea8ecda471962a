import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakePlatform } from '../platform/fakePlatform';
import { fixedClock } from '../shared/clock';
import { AppFailure } from '../shared/result';
import { freshDb, nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { initI18n } from './i18n';
import type { PdfFonts } from '../print/PdfFonts';
import { startKioskApp, type KioskAppDeps } from './KioskApp';
import { createInlineTicketRenderer, type KioskTicketRenderer } from './ticketRenderer';

const font = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../assets/fonts/${name}`, import.meta.url)));
const fonts = { regular: font('BeVietnamPro-Regular.ttf'), bold: font('BeVietnamPro-Bold.ttf') };
const morning = Date.UTC(2026, 10, 23, 1, 5);

/** A paint the test releases by hand, one per ticket (what afterNextPaint answers in the browser). */
function controlledPaints() {
  const pending: (() => void)[] = [];
  return {
    nextPaint: () => new Promise<void>((resolve) => pending.push(resolve)),
    paint: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
    waiting: () => pending.length,
  };
}

/** The real renderer, counting its renders and claiming to run where the test says. */
function countingRenderer(offMainThread: boolean, rendered: string[]): (f: PdfFonts) => Promise<KioskTicketRenderer> {
  return async (f) => {
    const inner = await createInlineTicketRenderer(f);
    return {
      offMainThread,
      render: (data) => {
        rendered.push(data.number);
        return inner.render(data);
      },
    };
  };
}

/** Lets queued tasks run (the render, a print the app might start on its own). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** What every test starts the app with (a fixed morning, the real fonts, the seeded branch), with its own platform, database and overrides. */
function kioskDeps(own: Pick<KioskAppDeps, 'platform' | 'db'> & Partial<KioskAppDeps>): KioskAppDeps {
  return { clock: fixedClock(morning), random: nodeRandom, loadFonts: async () => fonts, seedBranch: seededBranch(), ...own };
}

async function start(platform = createFakePlatform()) {
  const db = freshDb();
  const app = await startKioskApp(kioskDeps({ platform, db }));
  return { app, db, platform };
}

describe('KioskApp', () => {
  beforeAll(() => initI18n('vi'));

  it('creates a device identity at first start and keeps it', async () => {
    const platform = createFakePlatform();
    const { app } = await start(platform);
    expect(app.device.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(platform.config?.deviceId).toBe(app.device.deviceId);
    const again = await start(platform);
    expect(again.app.device.deviceId).toBe(app.device.deviceId);
  });

  it('refuses to start, and keeps the stored file, when the device configuration cannot be read', async () => {
    const platform = createFakePlatform();
    const { app } = await start(platform);
    platform.readConfig = async () => ({ ok: false, error: { code: 'config.corrupt', detail: 'unexpected end of JSON' } });
    const written: unknown[] = [];
    platform.writeConfig = async (c) => {
      written.push(c);
      return { ok: true, value: c };
    };
    const failure = await start(platform).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect((failure as AppFailure).code).toBe('config.corrupt');
    expect(written).toEqual([]);
    expect(platform.config?.deviceId).toBe(app.device.deviceId);
  });

  it('edits the stored configuration, not a development role override', async () => {
    const platform = createFakePlatform();
    await start(platform);
    const db = freshDb();
    const app = await startKioskApp(
      kioskDeps({
        platform,
        db,
        roleOverride: 'technician',
      }),
    );
    expect(app.device.role).toBe('technician');
    expect(app.storedDevice.role).toBe('citizen');
  });

  it('gives the screens the few platform capabilities they need, and the time from the clock port, never the platform itself', async () => {
    const platform = createFakePlatform();
    const { app } = await start(platform);
    expect('platform' in app).toBe(false);
    expect(app.now()).toBe(morning);
    expect(await app.listPrinters()).toEqual(await platform.listPrinters());
    // Only the Electron shell drives a document scanner; the fake lists one and scans a page.
    expect(app.documentScanner.supported).toBe(false);
    expect(await app.documentScanner.available()).toBe(true);
    platform.scanners = [];
    expect(await app.documentScanner.available()).toBe(false);
  });

  it('issues, saves and prints a ticket through the platform port', async () => {
    const { app, db, platform } = await start();
    const outcome = await app.takeTicket('A', false);
    expect(outcome.ticket.number).toBe('A0001');
    const print = await outcome.print;
    expect(print.ok).toBe(true);
    expect(platform.printed).toHaveLength(1);
    expect(platform.printed[0]?.jobName).toBe('Phieu A0001');
    expect(Buffer.from(platform.printed[0]!.pdf.subarray(0, 4)).toString('latin1')).toBe('%PDF');
    expect((await db.tickets.get(outcome.ticket.id))?.printStatus).toBe('printed');
  });

  it('keeps the ticket and records the failure for the technician when the printer fails', async () => {
    const platform = createFakePlatform();
    platform.failPrintingWith({ code: 'print.printer-not-found', detail: 'lp: The printer or class does not exist.' });
    const { app, db } = await start(platform);
    const outcome = await app.takeTicket('B', true);
    const print = await outcome.print;
    expect(print).toMatchObject({ ok: false, error: { code: 'print.printer-not-found' } });
    expect(await db.tickets.count()).toBe(1);
    expect(await db.outbox.count()).toBe(1);
    expect((await db.tickets.get(outcome.ticket.id))?.printStatus).toBe('failed');
    const events = await app.recentEvents();
    expect(events[0]).toMatchObject({ kind: 'print.failed', code: 'print.printer-not-found', subject: 'B0001' });
  });

  it('shows the number before a main-thread render: rendering, printing and the journal copy start only once the number could be painted', async () => {
    const platform = createFakePlatform();
    const paints = controlledPaints();
    const rendered: string[] = [];
    const db = freshDb();
    const app = await startKioskApp(
      kioskDeps({
        platform,
        db,
        createRenderer: countingRenderer(false, rendered),
        nextPaint: paints.nextPaint,
      }),
    );
    const journalCopies = () => [...platform.journals.values()].flat().map((e) => (e.args as { number?: string }).number);
    const outcome = await app.takeTicket('A', false);
    await settle();
    expect(rendered).toEqual([]);
    expect(platform.printed).toHaveLength(0);
    expect(journalCopies()).toEqual([]);
    // Saved in IndexedDB already: the journal file's copy is the second one.
    expect((await db.outbox.toArray()).map((e) => (e.args as { number: string }).number)).toEqual(['A0001']);
    expect(paints.waiting()).toBe(1);
    paints.paint();
    expect((await outcome.print).ok).toBe(true);
    expect(rendered).toEqual(['A0001']);
    expect(platform.printed.map((p) => p.jobName)).toEqual(['Phieu A0001']);
    await vi.waitFor(() => expect(journalCopies()).toEqual(['A0001']));
    app.sync.stop();
  });

  it('renders off the main thread while the ticket is saved, and hands the print job over only after the number could be painted', async () => {
    const platform = createFakePlatform();
    const paints = controlledPaints();
    const rendered: string[] = [];
    const db = freshDb();
    const app = await startKioskApp(
      kioskDeps({
        platform,
        db,
        createRenderer: countingRenderer(true, rendered),
        nextPaint: paints.nextPaint,
      }),
    );
    // The first ticket waits for the renderer to load; the second finds it ready.
    const first = await app.takeTicket('A', false);
    paints.paint();
    await first.print;
    const outcome = await app.takeTicket('A', false);
    expect(rendered).toEqual(['A0001', 'A0002']);
    await settle();
    expect(platform.printed.map((p) => p.jobName)).toEqual(['Phieu A0001']);
    paints.paint();
    expect((await outcome.print).ok).toBe(true);
    expect(platform.printed.map((p) => p.jobName)).toEqual(['Phieu A0001', 'Phieu A0002']);
    expect((await db.tickets.get(outcome.ticket.id))?.printStatus).toBe('printed');
  });

  it('never prints a ticket rendered during a transaction that failed', async () => {
    const platform = createFakePlatform();
    const rendered: string[] = [];
    const db = freshDb();
    // The second ticket's transaction is aborted while its PDF renders, i.e. after it was numbered.
    let abortSecond: (() => void) | null = null;
    db.tickets.hook('creating', (_key, ticket, tx) => {
      if ((ticket as { localSeq: number }).localSeq === 2) abortSecond = () => tx.abort();
    });
    const app = await startKioskApp(
      kioskDeps({
        platform,
        db,
        createRenderer: async (f) => {
          const inner = await countingRenderer(true, rendered)(f);
          return {
            offMainThread: true,
            render: (data) => {
              abortSecond?.();
              return inner.render(data);
            },
          };
        },
      }),
    );
    await (
      await app.takeTicket('A', false)
    ).print;
    await expect(app.takeTicket('A', false)).rejects.toThrow();
    expect(rendered).toEqual(['A0001', 'A0002']);
    await settle();
    expect(platform.printed.map((p) => p.jobName)).toEqual(['Phieu A0001']);
    expect(await db.tickets.count()).toBe(1);
    expect(await db.outbox.count()).toBe(1);
  });

  it('loads the ticket renderer once the first screen is idle at a citizen kiosk, and only on first use elsewhere', async () => {
    let releaseIdle: () => void = () => undefined;
    const idle = () => new Promise<void>((resolve) => (releaseIdle = resolve));
    const made: string[] = [];
    const counting = (role: string) => async (f: PdfFonts) => {
      made.push(role);
      return createInlineTicketRenderer(f);
    };
    await startKioskApp(kioskDeps({ platform: createFakePlatform(), db: freshDb(), idle, createRenderer: counting('citizen') }));
    await settle();
    expect(made).toEqual([]);
    releaseIdle();
    await settle();
    expect(made).toEqual(['citizen']);

    const counter = await startKioskApp(
      kioskDeps({ platform: createFakePlatform(), db: freshDb(), idle, createRenderer: counting('counter'), roleOverride: 'counter' }),
    );
    releaseIdle();
    await settle();
    expect(made).toEqual(['citizen']);
    expect((await counter.printTestPage()).ok).toBe(true);
    expect(made).toEqual(['citizen', 'counter']);
  });

  it('warms the ticket renderer with one sample ticket per active service, one per idle moment, without printing or saving anything', async () => {
    const idles: (() => void)[] = [];
    const idle = () => new Promise<void>((resolve) => idles.push(resolve));
    const warmed: { service: string; number: string; priority: boolean; estimate: string | null }[] = [];
    // Checked after the warm-up: the app swallows a warm-up's failure, so an expect inside would too.
    const sampleSizes: number[] = [];
    const platform = createFakePlatform();
    const db = freshDb();
    const branch = seededBranch();
    const app = await startKioskApp(
      kioskDeps({
        platform,
        db,
        seedBranch: branch,
        idle,
        createRenderer: async (f) => {
          const inner = await createInlineTicketRenderer(f);
          return {
            ...inner,
            warm: async (sample) => {
              warmed.push({ service: sample.serviceName, number: sample.number, priority: sample.priority, estimate: sample.labels.waitEstimate ?? null });
              // The real engine renders the sample: it must be a ticket the engine accepts.
              sampleSizes.push((await inner.render(sample)).byteLength);
            },
          };
        },
      }),
    );
    const active = branch.serviceGroups.filter((g) => g.active);
    expect(active.length).toBeGreaterThan(1);
    // Released one idle moment at a time: the renderer loads after the first, then one sample per moment.
    for (let moment = 0; moment <= active.length; moment++) {
      await vi.waitFor(() => expect(idles.length).toBe(moment + 1));
      expect(warmed).toHaveLength(Math.max(0, moment - 1));
      idles[moment]!();
    }
    await vi.waitFor(() => expect(warmed).toHaveLength(active.length));
    expect(warmed).toEqual(active.map((g) => ({ service: g.name.vi, number: `${g.prefix}0001`, priority: false, estimate: null })));
    expect(sampleSizes.filter((size) => size < 1000)).toEqual([]);
    expect(sampleSizes).toHaveLength(active.length);
    expect(platform.printed).toHaveLength(0);
    expect(await db.tickets.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    // The sample took no number: the first real ticket is still the first.
    expect((await app.takeTicket(active[0]!.prefix, false)).ticket.number).toBe(`${active[0]!.prefix}0001`);
    app.sync.stop();
  });

  it('does not warm the renderer while a task holds the kiosk busy (a citizen taking a ticket)', async () => {
    const idles: (() => void)[] = [];
    const idle = () => new Promise<void>((resolve) => idles.push(resolve));
    const warmed: string[] = [];
    const app = await startKioskApp(
      kioskDeps({
        platform: createFakePlatform(),
        db: freshDb(),
        idle,
        createRenderer: async (f) => ({ ...(await createInlineTicketRenderer(f)), warm: async (sample) => void warmed.push(sample.number) }),
      }),
    );
    const release = async (moment: number) => {
      await vi.waitFor(() => expect(idles.length).toBeGreaterThan(moment));
      idles[moment]!();
    };
    await release(0); // the renderer loads
    const end = app.activity.begin();
    for (let moment = 1; moment <= 4; moment++) await release(moment);
    await settle();
    expect(warmed).toEqual([]);
    end();
    await release(5);
    await vi.waitFor(() => expect(warmed).toHaveLength(1));
    app.sync.stop();
  });

  it('refuses an unknown service group without writing anything', async () => {
    const { app, db } = await start();
    await expect(app.takeTicket('Z', false)).rejects.toBeInstanceOf(AppFailure);
    expect(await db.tickets.count()).toBe(0);
  });

  it('refuses a kiosk slot beyond the branch numbering with a config error', async () => {
    const { app, platform } = await start();
    const result = await app.saveDeviceConfig({ ...app.device, kioskSlot: 7 });
    expect(result).toMatchObject({ ok: false, error: { code: 'config.slot-out-of-range' } });
    const badBranch = await app.saveDeviceConfig({ ...app.device, branchCode: 'cn 01' });
    expect(badBranch).toMatchObject({ ok: false, error: { code: 'config.branch-code' } });
    const otherBranch = await app.saveDeviceConfig({ ...app.device, branchCode: 'CN02' });
    expect(otherBranch).toMatchObject({ ok: false, error: { code: 'config.branch-unknown' } });
    const emptySlot = await app.saveDeviceConfig({ ...app.device, kioskSlot: Number.NaN });
    expect(emptySlot).toMatchObject({ ok: false, error: { code: 'config.slot-out-of-range' } });
    expect(platform.config?.kioskSlot).toBe(0);
  });
});
