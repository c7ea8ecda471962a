import i18next, { type TFunction } from 'i18next';
import { localDayKey } from '../domain/localDay';
import { ticketNumberFor } from '../domain/ticketNumbering';
import type { Ticket } from '../domain/ticket';
import type { Platform } from '../platform/Platform';
import type { VoicePort } from '../platform/voice/VoicePort';
import type { PdfFonts } from '../print/PdfFonts';
import type { TicketLabels, TicketPrintData } from '../print/TicketPrintData';
import { BranchConfig, type ServiceGroup } from '../shared/branchConfig';
import type { Clock, RandomBytes } from '../shared/clock';
import { DeviceConfig, defaultDeviceConfig } from '../shared/deviceConfig';
import type { AppInfo, PrinterInfo, PrintPdfResponse } from '../shared/ipc';
import { uuidv7 } from '../shared/ids';
import { AppFailure, describeUnknown, err, ok, summarizeIssues, type Result } from '../shared/result';
import { recentEvents, recordEvent } from '../storage/eventRepository';
import type { DeviceEvent, KioskDb } from '../storage/KioskDb';
import { requestPersistentStorage, type PersistenceReport } from '../storage/persistence';
import { loadBranchConfig, saveBranchConfig } from '../storage/settingsRepository';
import { issueTicket, recordPrintOutcome } from '../storage/ticketRepository';
import { isFreshJournal, restoreFromJournal, type JournalCopy } from '../storage/journalRecovery';
import { loadPersonalKey, type PersonalKeyReport } from './personalKey';
import { createCounterReservations } from './counterReservations';
import type { CounterMark } from '../shared/ipc';
import { ReferenceDb } from '../storage/referenceDb';
import { readPublishedOne } from '../storage/referenceRepository';
import { branchScope } from '../shared/published';
import { submitRating, type RatingInput } from '../storage/ratingRepository';
import type { Rating } from '../storage/KioskDb';
import { startSyncService, type SyncService, type SyncServiceDeps } from './syncService';
import { watchPendingCount, watchTodayTally, type GroupTally } from '../storage/watch';
import { ActivityTracker } from './ActivityTracker';
import { createInlineTicketRenderer, type KioskTicketRenderer } from './ticketRenderer';
import { afterNextPaint } from './afterNextPaint';
import { afterIdle } from './afterIdle';
import { createDocumentScanner, type DocumentScanner } from './capture';
import { createStaffSession, type StaffSession } from './staffSession';
import { createDossierDesk } from './dossierDesk';
import type { DossierDesk } from './dossierTypes';
import { createQueueDesk, type QueueDesk, type QueueDeskDeps } from './queueDesk';
import { createWaitEstimateFeed, type WaitEstimateFeedDeps } from './waitEstimateFeed';
import type { WaitEstimate } from '../shared/queue';
import { createProcedureCatalog } from './procedureCatalog';
import { createProcedureGuide, type ProcedureGuide } from './procedureGuide';
import { createDossierFollow, type DossierFollow } from './dossierFollow';
import { createRatingPoint, type RatingPoint } from './ratingPoint';
import { createReadAloud, type ReadAloud } from './readAloud';
import { recordStaffCall, stillPending } from '../storage/staffCallRepository';
import type { StaffCallScreen } from '../shared/records';

/** How long "Gọi nhân viên" waits for the queue owner's confirmation before saying "go to the desk", and how often it looks. */
const STAFF_CALL_CONFIRM_MS = 6_000;
const STAFF_CALL_POLL_MS = 200;

/**
 * Composition root and use cases of the kiosk. The UI calls these; they combine storage, printing
 * and the platform port. The server is never on the path of a user action: everything here works
 * offline, and records reach the centre later through the outbox.
 */
export interface KioskAppDeps {
  readonly platform: Platform;
  readonly db: KioskDb;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly loadFonts: () => Promise<PdfFonts>;
  /** Makes the ticket renderer; the same-thread one by default (`?pdf=worker` picks the worker). */
  readonly createRenderer?: (fonts: PdfFonts) => Promise<KioskTicketRenderer>;
  /** Resolves once what was rendered so far could be painted (default: afterNextPaint); tests control it. */
  readonly nextPaint?: () => Promise<void>;
  /**
   * Resolves when the first screen is up and the page is idle (default: afterIdle): the ticket
   * renderer (fonts and the PDF chunk) starts loading then, or at the first render if that is sooner.
   */
  readonly idle?: () => Promise<void>;
  /** Branch configuration shipped in assets/, used until the server publishes one. */
  readonly seedBranch: unknown;
  readonly storageManager?: StorageManager;
  /** Development switch (?role=…) that overrides the configured role for this session only. */
  readonly roleOverride?: DeviceConfig['role'] | null;
  /** The pulled copy of the centre's published data; default: the kiosk's IndexedDB database. */
  readonly reference?: ReferenceDb;
  /** The procedure catalog shipped with the app, loaded when the counter first needs it (default: none). */
  readonly loadSeedCatalog?: () => Promise<unknown>;
  /** Working-day calendar years shipped with the app; the centre's published years replace them. */
  readonly seedCalendars?: readonly unknown[];
  /** The search synonym table shipped with the app (assets/search), until the centre publishes one. */
  readonly seedSynonyms?: unknown;
  /** Overrides for the sync service (tests: transport, timers, locks, online state). */
  readonly sync?: Partial<Pick<SyncServiceDeps, 'transportFor' | 'isOnline' | 'onlineEvents' | 'locks' | 'timers' | 'random' | 'retentionMs' | 'stuckAfterMs'>>;
  /** Overrides for the counter's queue desk (tests: timers, retry delays). */
  readonly queue?: Partial<Pick<QueueDeskDeps, 'timers' | 'retryDelaysMs' | 'pollMs' | 'jitter'>>;
  /** Overrides for the citizen kiosk's wait estimate (tests: timers, refresh and staleness). */
  readonly waitEstimate?: Partial<Pick<WaitEstimateFeedDeps, 'timers' | 'refreshMs' | 'maxAgeMs'>>;
  /** Makes the voice of "Đọc to" on its first use (bootstrap: the OS voice, else the shipped clips); default: no voice. */
  readonly makeVoice?: () => Promise<VoicePort>;
}

export interface TakeTicketOutcome {
  readonly ticket: Ticket;
  readonly group: ServiceGroup;
  readonly waitingAhead: number;
  /** The branch's estimate for the group when the kiosk had a fresh board at the tap; null: say nothing about the wait. */
  readonly waitEstimate: WaitEstimate;
  /**
   * Settles when the ticket has been rendered and handed to the printer. The ticket is issued and
   * saved before this starts, so the number is on screen at once; a failed print is shown and
   * recorded for the technician. Never rejects.
   */
  readonly print: Promise<Result<PrintPdfResponse>>;
}

export interface KioskApp {
  /** The configuration in effect (with a development role override applied). */
  readonly device: DeviceConfig;
  /** The configuration as stored; what the technician screen edits and saves. */
  readonly storedDevice: DeviceConfig;
  readonly branch: BranchConfig;
  readonly activity: ActivityTracker;
  readonly persistence: PersistenceReport;
  takeTicket(groupPrefix: string, priority: boolean): Promise<TakeTicketOutcome>;
  saveDeviceConfig(next: DeviceConfig): Promise<Result<DeviceConfig>>;
  printTestPage(): Promise<Result<PrintPdfResponse>>;
  appInfo(): Promise<Result<AppInfo>>;
  /** Printers the technician may pick (a plain browser lists none: it prints on its default printer). */
  listPrinters(): Promise<Result<PrinterInfo[]>>;
  /** The counter's document scanner (screens never reach the platform port itself). */
  readonly documentScanner: DocumentScanner;
  /** The time now, from the clock port: screens never read the system clock themselves. */
  now(): number;
  recentEvents(): Promise<DeviceEvent[]>;
  watchPending(onChange: (count: number) => void): () => void;
  watchTodayTally(onChange: (tally: GroupTally[]) => void): () => void;
  today(): string;
  /** A citizen's satisfaction rating, saved offline and synced later. */
  submitRating(input: Omit<RatingInput, 'branchCode'>): Promise<Rating>;
  /**
   * "Gọi nhân viên" at a citizen kiosk: saved as a `staff.call@1` record (offline first) and pushed
   * at once; resolves `told` when the queue owner confirmed it within a few seconds (the counters
   * show it then), `queued` when it did not (it still goes when the link is back; the citizen is
   * sent to the information desk meanwhile). Errors: storage.*, disk.low.
   */
  callStaff(screen: StaffCallScreen): Promise<'told' | 'queued'>;
  /** Sync with the centre: status, enrolment, rejected records. */
  readonly sync: SyncService;
  /** The counter officer's dossier reception (issue 4). */
  readonly dossiers: DossierDesk;
  /** The citizen's procedure look-up: browse, search, one procedure, its checklist printed (procedureGuide.ts). */
  readonly guide: ProcedureGuide;
  /** The citizen kiosk's idle reset, from the branch configuration (defaults 60 s, countdown 10 s). */
  readonly citizenIdle: { readonly afterMs: number; readonly countdownMs: number };
  /** The citizen's "Theo dõi hồ sơ": a dossier's status from the hub or the centre (dossierFollow.ts). */
  readonly follow: DossierFollow;
  /** The citizen's "Đánh giá dịch vụ": the questionnaire in effect and the rating saved (ratingPoint.ts). */
  readonly ratingPoint: RatingPoint;
  /** The citizen's "Đọc to": the current screen's guide said in Vietnamese (readAloud.ts). */
  readonly readAloud: ReadAloud;
  /** Who works at this machine: officer or technician sign-in, idle lock, sign-out. */
  readonly staff: StaffSession;
  /** The counter's "Gọi số" panel: calling the branch's queue (queueDesk.ts). */
  readonly queue: QueueDesk;
  /** Set when pending records were restored from the file journal at start (IndexedDB had been lost). */
  readonly restoredFromJournal: number;
  /** How personal data is protected at rest on this machine (technician screen). */
  readonly dataProtection: PersonalKeyReport;
}

export async function startKioskApp(deps: KioskAppDeps): Promise<KioskApp> {
  const { platform, db, clock, random } = deps;
  // The answer is shown in diagnostics; a refusal is normal in a plain browser and not an incident.
  const persistence = await requestPersistentStorage(deps.storageManager);

  let device = await loadOrCreateDeviceConfig(platform, clock, random);
  let effectiveDevice: DeviceConfig = deps.roleOverride ? { ...device, role: deps.roleOverride } : device;
  const reference = deps.reference ?? new ReferenceDb();
  const published = await readPublishedOne(reference, branchScope(device.branchCode), 'branchConfig', device.branchCode).catch(() => null);
  const branch = await loadBranch(db, deps.seedBranch, published);
  // The data key first: restoring the journal and every dossier read or write need it.
  const dataProtection = await loadPersonalKey(platform, db);
  if (dataProtection.error) {
    console.warn('data key:', dataProtection.error.code);
    await recordEvent(db, {
      at: clock.now(),
      kind: 'datakey.failed',
      code: dataProtection.error.code,
      detail: dataProtection.error.detail,
      subject: null,
    }).catch(() => undefined);
  }
  const journal = await platform.journalRead().catch(() => null);
  const marks = journal?.ok ? (journal.value.marks ?? []) : [];
  const restoredFromJournal = await restoreJournalIfLost(db, journal?.ok ? journal.value.journals : [], marks, branch, effectiveDevice.kioskSlot, clock);
  // A number is shown only once its counter's high-water mark is on disk beside the journal.
  const reservations = createCounterReservations(platform, (code, detail) => {
    console.warn('counter reservation failed:', code);
    void recordEvent(db, { at: clock.now(), kind: 'journal.failed', code, detail: detail.slice(0, 300), subject: null }).catch(() => undefined);
  });
  reservations.load(marks);

  const sync = await startSyncService({
    platform,
    db,
    reference,
    clock,
    reuseWindowMs: branch.reception ? branch.reception.reuseValidityDays * 86_400_000 : undefined,
    device: () => effectiveDevice,
    enrolRole: () => device.role,
    saveDevice: async (next) => {
      // Enrolment writes the stored configuration (not the session's role override).
      const written = await platform.writeConfig({ ...device, serverUrl: next.serverUrl, branchCode: next.branchCode });
      if (written.ok) {
        device = written.value;
        effectiveDevice = deps.roleOverride ? { ...device, role: deps.roleOverride } : device;
      }
      return written;
    },
    appVersion: async () => {
      const info = await platform.appInfo();
      return info.ok
        ? { version: info.value.version, shell: info.value.shell }
        : { version: '0.0.0', shell: platform.kind === 'electron' ? 'electron' : 'browser' };
    },
    ...deps.sync,
  });

  // The PDF engine (pdf-lib, fontkit, QR encoder) is a separate chunk, kept off the path to the
  // first screen: it is fetched, evaluated and given the fonts once that screen is up and the page
  // idle, ahead of the first tap; a render asked for sooner starts it at once.
  let rendererPromise: Promise<KioskTicketRenderer> | null = null;
  let renderer: KioskTicketRenderer | null = null;
  function loadRenderer(): Promise<KioskTicketRenderer> {
    if (rendererPromise) return rendererPromise;
    performance.mark('print.renderer-load');
    rendererPromise = deps.loadFonts().then((fonts) => (deps.createRenderer ?? createInlineTicketRenderer)(fonts));
    void rendererPromise.then((r) => (renderer = r)).catch(() => undefined);
    return rendererPromise;
  }
  // Only the citizen kiosk prints on a tap; elsewhere (a counter's receipt, a technician's test
  // page) the engine loads on first use, so those screens never pay for it.
  // Once loaded, it renders one sample ticket per service (each in an idle moment, thrown away):
  // the first ticket of a service otherwise pays for embedding that service's fonts and for
  // compiling the engine (25–125 ms in Chromium against 3–5 ms for the next ones).
  const idle = deps.idle ?? (() => afterIdle());
  if (effectiveDevice.role === 'citizen') {
    void idle()
      .then(loadRenderer)
      .then(warmRenderer)
      .catch(() => undefined);
  }
  async function warmRenderer(engine: KioskTicketRenderer): Promise<void> {
    if (!engine.warm) return;
    const groups = branch.serviceGroups.filter((g) => g.active).slice(0, WARM_SERVICES);
    for (const group of groups) {
      // Never while someone is taking a ticket (a first render holds the main thread up to ~0.1 s).
      do await idle();
      while (activity.isBusy());
      const now = clock.now();
      const sample = {
        id: WARM_SAMPLE_ID,
        day: localDayKey(now, branch.utcOffsetMinutes),
        number: ticketNumberFor(group.prefix, 1, effectiveDevice.kioskSlot, branch.numbering).display,
        priority: false,
        issuedAt: now,
      };
      // The variant most tickets have: not priority, with the wait estimate if one is known now.
      await engine.warm(ticketPrintData(sample, group, 0, waitEstimates?.estimateFor(group.prefix) ?? null));
    }
  }
  const nextPaint = deps.nextPaint ?? (() => afterNextPaint());
  const activity = new ActivityTracker(clock);
  const printT: TFunction = i18next.getFixedT('vi', undefined, 'print');

  function ticketLabels(waitingAhead: number, estimate: WaitEstimate): TicketLabels {
    return {
      ticketTitle: printT('ticketTitle'),
      priority: printT('priority'),
      waitingAhead: printT('waitingAhead', { count: waitingAhead }),
      waitEstimate: estimate ? printT('waitEstimate', { low: estimate.low, high: estimate.high }) : null,
      issuedAt: printT('issuedAt'),
      scanToFollow: printT('scanToFollow'),
      keepTicket: printT('keepTicket'),
    };
  }

  async function render(data: TicketPrintData): Promise<Result<Uint8Array>> {
    try {
      const engine = await loadRenderer();
      const start = performance.now();
      const pdf = await engine.render(data);
      performance.mark('ticket.pdf-ready');
      // The render alone (the engine loaded): in the bench's figures, beside tap → PDF.
      measure('ticket.render', start, performance.now());
      return ok(pdf);
    } catch (e) {
      return err('print.render-failed', describeUnknown(e));
    }
  }

  async function print(pdf: Result<Uint8Array>, jobName: string): Promise<Result<PrintPdfResponse>> {
    if (!pdf.ok) return pdf;
    try {
      return await platform.printPdf({ printerName: effectiveDevice.printerName, jobName, pdf: pdf.value, copies: 1 });
    } catch (e) {
      return err('print.failed', describeUnknown(e));
    }
  }

  function ticketPrintData(
    ticket: Pick<Ticket, 'id' | 'day' | 'number' | 'priority' | 'issuedAt'>,
    group: ServiceGroup,
    waitingAhead: number,
    estimate: WaitEstimate,
  ): TicketPrintData {
    return {
      branchName: branch.name.vi,
      serviceName: group.name.vi,
      number: ticket.number,
      priority: ticket.priority,
      issuedAt: ticket.issuedAt,
      utcOffsetMinutes: branch.utcOffsetMinutes,
      waitingAhead,
      qrText: ticketQrText(branch, ticket),
      labels: ticketLabels(waitingAhead, estimate),
    };
  }

  const staff = createStaffSession({
    db,
    reference,
    clock,
    branchCode: () => effectiveDevice.branchCode,
    deviceRole: () => effectiveDevice.role,
  });
  await staff.refresh().catch(() => undefined);
  // Accounts arrive (or are disabled) with a pull: read them again when a sync run ends.
  let syncMark = '';
  sync.watchStatus((status) => {
    const mark = `${status.state}|${status.lastSuccessAt ?? ''}`;
    if (mark === syncMark) return;
    syncMark = mark;
    void staff.refresh().catch(() => undefined);
  });

  // One catalog (and one search index) for the counter's desk and the citizen's look-up.
  const catalog = createProcedureCatalog({
    reference,
    loadSeedCatalog: deps.loadSeedCatalog ?? (async () => []),
    seedCalendars: deps.seedCalendars ?? [],
    seedSynonyms: deps.seedSynonyms,
    now: () => clock.now(),
  });
  const guide = createProcedureGuide({
    catalog,
    branch,
    clock,
    loadFonts: deps.loadFonts,
    print: (pdf, jobName) => print(ok(pdf), jobName),
    printT: i18next.getFixedT('vi'),
  });

  const dossiers = createDossierDesk({
    catalog,
    db,
    reference,
    platform,
    clock,
    random,
    branch,
    device: () => effectiveDevice,
    loadFonts: deps.loadFonts,
    loadSeedCatalog: deps.loadSeedCatalog ?? (async () => []),
    seedCalendars: deps.seedCalendars ?? [],
    seedSynonyms: deps.seedSynonyms,
    assertCaptureAllowed: () => sync.assertCaptureAllowed(),
    officer: () => staff.officer(),
    saved: (entry) => sync.saved(entry),
    reuseCentre: () => sync.reuseCentre(),
    reserveCounter: (mark) => reservations.ensure(mark),
    // The same threshold as the sync watchdog: the list turns red exactly when staff see the scan listed.
    stuckScanAfterMs: deps.sync?.stuckAfterMs,
  });

  // Citizen kiosks show the branch's wait estimate on the ticket (waitEstimateFeed.ts).
  const waitEstimates =
    effectiveDevice.role === 'citizen'
      ? createWaitEstimateFeed({
          branch: device.branchCode,
          today: () => localDayKey(clock.now(), branch.utcOffsetMinutes),
          source: () => sync.queueBoard(),
          clock,
          ...deps.waitEstimate,
        })
      : null;
  waitEstimates?.start();

  const queue = createQueueDesk({
    db,
    clock,
    random,
    branch,
    deviceId: () => effectiveDevice.deviceId,
    staffId: () => staff.officer()?.staffId ?? null,
    owner: () => sync.queueOwner(),
    saved: (entry) => sync.saved(entry),
    syncNow: () => sync.syncNow(),
    assertCaptureAllowed: () => sync.assertCaptureAllowed(),
    ...deps.queue,
  });

  const follow = createDossierFollow({ sync });
  // `submitRating` is defined on the object below; a late-bound call keeps one write path.
  const ratingPoint = createRatingPoint({ reference, submitRating: (input) => app.submitRating(input) });

  const app: KioskApp = {
    dossiers,
    guide,
    follow,
    ratingPoint,
    readAloud: createReadAloud(deps.makeVoice ?? (() => Promise.reject(new Error('this kiosk has no voice')))),
    citizenIdle: {
      afterMs: (branch.citizenIdle?.afterSeconds ?? 60) * 1000,
      countdownMs: (branch.citizenIdle?.countdownSeconds ?? 10) * 1000,
    },
    staff,
    queue,
    get device() {
      return effectiveDevice;
    },
    get storedDevice() {
      return device;
    },
    branch,
    sync,
    restoredFromJournal,
    dataProtection,
    activity,
    documentScanner: createDocumentScanner(platform),
    persistence,

    async takeTicket(groupPrefix, priority) {
      performance.mark('ticket.tap');
      const group = branch.serviceGroups.find((g) => g.prefix === groupPrefix);
      if (!group) throw new AppFailure('ticket.group-inactive', `unknown service group ${groupPrefix}`);
      sync.assertCaptureAllowed();
      // The last board fetched in the background, read without waiting for the network.
      const estimate = waitEstimates?.estimateFor(group.prefix) ?? null;
      // The number goes on screen as soon as the ticket is saved, before anything else runs on the
      // main thread. A renderer off the main thread renders while the transaction flushes to disk;
      // one on the main thread would hold the screen until it finished (the PDF engine does not yield), so
      // it starts once the number could be painted. The print job is handed over after that paint
      // (in the browser it costs a frame teardown and a blob registration) and only after the
      // ticket is saved: a PDF rendered for a transaction that failed is discarded.
      let pdf: Promise<Result<Uint8Array>> | null = null;
      const { ticket, waitingAhead, outboxEntry, counter } = await issueTicket(
        db,
        { deviceId: effectiveDevice.deviceId, kioskSlot: effectiveDevice.kioskSlot, branch, group, priority },
        clock,
        random,
        (issued) => {
          if (renderer?.offMainThread) pdf = render(ticketPrintData(issued.ticket, group, issued.waitingAhead, estimate));
        },
      );
      measure('ticket.tap-to-saved', 'ticket.tap');
      // Most taps are covered by the block reserved earlier; the first of a block waits for an fsync.
      await reservations.ensure(counter);
      const painted = nextPaint();
      // The journal file's copy and the sync engine's wake-up (a few reads of the outbox, the scans,
      // the settings) wait for the number's frame: the entry is already on disk in IndexedDB.
      void painted.then(() => sync.saved(outboxEntry)).catch(() => undefined);
      const printed = painted
        .then(() => pdf ?? render(ticketPrintData(ticket, group, waitingAhead, estimate)))
        .then((bytes) => {
          if (bytes.ok) measure('ticket.tap-to-pdf', 'ticket.tap', 'ticket.pdf-ready');
          return print(bytes, `Phieu ${ticket.number}`);
        })
        .catch((e: unknown) => err<PrintPdfResponse>('print.failed', describeUnknown(e)))
        .then(async (result) => {
          try {
            await recordPrintOutcome(db, ticket, result.ok ? 'printed' : 'failed', result.ok ? null : result.error, clock);
          } catch (e) {
            console.error('could not record the print outcome', describeUnknown(e));
          }
          return result;
        });
      return { ticket, group, waitingAhead, waitEstimate: estimate, print: printed };
    },

    async saveDeviceConfig(next) {
      const checked = validateDeviceConfig(next, branch);
      if (!checked.ok) return checked;
      return platform.writeConfig(checked.value);
    },

    async printTestPage() {
      const data = {
        branchName: branch.name.vi,
        serviceName: `${printT('testPage')} – Tiếng Việt: ắằẳẵặ ếềểễệ ốồổỗộ ứừửữự đĐ`,
        number: 'TEST',
        priority: true,
        issuedAt: clock.now(),
        utcOffsetMinutes: branch.utcOffsetMinutes,
        waitingAhead: 0,
        qrText: branch.ticketQrBaseUrl,
        labels: ticketLabels(0, null),
      };
      return print(await render(data), 'Test page');
    },

    appInfo: () => platform.appInfo(),
    listPrinters: () => platform.listPrinters(),
    now: () => clock.now(),
    recentEvents: () => recentEvents(db),
    watchPending: (onChange) => watchPendingCount(db, onChange),
    watchTodayTally: (onChange) => watchTodayTally(db, () => clock.now(), branch.utcOffsetMinutes, onChange),
    today: () => localDayKey(clock.now(), branch.utcOffsetMinutes),

    async callStaff(screen) {
      sync.assertCaptureAllowed();
      const entry = await recordStaffCall(
        db,
        effectiveDevice.deviceId,
        { branchCode: branch.branchCode, day: app.today(), screen, kioskSlot: effectiveDevice.kioskSlot },
        clock,
        random,
      );
      await sync.saved(entry).catch(() => undefined);
      // Not enrolled, or the network is down: nobody can be told now (the record waits in the outbox).
      if (typeof sync.lookupServer() === 'string') return 'queued';
      sync.syncNow();
      for (let waited = 0; waited < STAFF_CALL_CONFIRM_MS; waited += STAFF_CALL_POLL_MS) {
        await new Promise((resolve) => setTimeout(resolve, STAFF_CALL_POLL_MS));
        if (!(await stillPending(db, entry.mutationId))) return 'told';
      }
      return 'queued';
    },

    async submitRating(input) {
      sync.assertCaptureAllowed();
      const { rating, outboxEntry } = await submitRating(db, effectiveDevice.deviceId, { ...input, branchCode: branch.branchCode }, clock, random);
      void sync.saved(outboxEntry).catch(() => undefined);
      return rating;
    },
  };
  return app;
}

/**
 * IndexedDB came back empty but the file journal (Electron) still holds unsynced entries: put them
 * back before anything else writes, so they are neither lost nor renumbered.
 */
async function restoreJournalIfLost(
  db: KioskDb,
  journals: readonly JournalCopy[],
  marks: readonly CounterMark[],
  branch: BranchConfig,
  kioskSlot: number,
  clock: Clock,
): Promise<number> {
  if (!(await isFreshJournal(db))) return 0;
  // Normally one journal; after an earlier loss there may be two: the newest non-empty one wins
  // (older ones are still on disk for a technician, and their entries keep their own journal id).
  const candidates = journals.filter((j) => j.entries.length > 0);
  const newest = candidates.sort((a, b) => Math.max(...b.entries.map((e) => e.createdAt)) - Math.max(...a.entries.map((e) => e.createdAt)))[0] ?? null;
  const report = await restoreFromJournal(db, newest, branch.numbering, kioskSlot, clock.now(), branch.reception?.numbering ?? null, marks);
  return report?.restored ?? 0;
}

/**
 * Checks a configuration a technician typed, field by field, so the screen can say exactly which
 * field to correct (each code has a Vietnamese message with an example).
 */
export function validateDeviceConfig(next: DeviceConfig, branch: BranchConfig): Result<DeviceConfig> {
  const parsed = DeviceConfig.safeParse(next);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? '');
    const code = FIELD_ERROR_CODES[field] ?? 'config.invalid';
    return err(code, summarizeIssues(parsed.error));
  }
  if (parsed.data.branchCode !== branch.branchCode) {
    return err('config.branch-unknown', `no configuration for branch ${parsed.data.branchCode} on this kiosk (it has ${branch.branchCode})`);
  }
  if (parsed.data.kioskSlot >= branch.numbering.slots) {
    return err('config.slot-out-of-range', `kioskSlot ${parsed.data.kioskSlot} is not below ${branch.numbering.slots}`);
  }
  return ok(parsed.data);
}

const FIELD_ERROR_CODES: Readonly<Record<string, string>> = {
  kioskSlot: 'config.slot-out-of-range',
  branchCode: 'config.branch-code',
  serverUrl: 'config.server-url',
  printerName: 'config.printer-name',
};

/**
 * Services whose ticket fonts are warmed at start. The engine keeps 32 embedded fonts (a service's
 * name is set in bold, so each service has a bold subset of its own, and the regular subset changes
 * with the wait-estimate line); more services than this are left to their first ticket.
 */
const WARM_SERVICES = 12;
/** The id in a warm-up sample's QR code (never printed). */
const WARM_SAMPLE_ID = '00000000-0000-7000-8000-000000000000';

/**
 * Diagnostics only: a missing mark (e.g. cleared by the page) must never break a ticket. `start`
 * and `end` are mark names or performance.now() times; no `end` is now.
 */
function measure(name: string, start: string | number, end?: string | number): void {
  try {
    performance.measure(name, end === undefined ? { start } : { start, end });
  } catch {
    // no measure this time
  }
}

/**
 * The ticket's QR: branch, day and number, and the ticket's id (`t`) so a rating point can link a
 * rating to this ticket (src/domain/followQr.ts reads it; older tickets without `t` still parse).
 */
export function ticketQrText(branch: Pick<BranchConfig, 'branchCode' | 'ticketQrBaseUrl'>, ticket: Pick<Ticket, 'id' | 'day' | 'number'>): string {
  const params = new URLSearchParams({ b: branch.branchCode, d: ticket.day, n: ticket.number, t: ticket.id });
  return `${branch.ticketQrBaseUrl}?${params.toString()}`;
}

async function loadOrCreateDeviceConfig(platform: Platform, clock: Clock, random: RandomBytes): Promise<DeviceConfig> {
  const stored = await platform.readConfig();
  // Only a machine that has never been configured gets a fresh identity. A config that cannot be
  // read (corrupt, unreadable, IPC down) must stop the kiosk: a new deviceId and slot 0 would
  // collide with another kiosk's ticket numbers and restart the outbox sequence.
  if (!stored.ok) throw new AppFailure(stored.error.code, stored.error.detail);
  if (stored.value) return stored.value;
  const fresh = defaultDeviceConfig(uuidv7(clock.now(), random));
  const written = await platform.writeConfig(fresh);
  if (!written.ok) throw new AppFailure(written.error.code, written.error.detail);
  return written.value;
}

/**
 * The branch configuration in effect: the highest version among what the centre published (pulled
 * into the reference database), what this kiosk stored, and the seed shipped with the release; on a
 * tie the centre's copy wins, then the stored one. Taken at start: a configuration published while
 * the kiosk runs applies from its next start.
 */
async function loadBranch(db: KioskDb, seed: unknown, published: unknown): Promise<BranchConfig> {
  const stored = await loadBranchConfig(db);
  const parsed = BranchConfig.safeParse(seed);
  const pulled = published === null ? null : BranchConfig.safeParse(published);
  const candidates = [pulled?.success ? pulled.data : null, stored, parsed.success ? parsed.data : null].filter((c): c is BranchConfig => c !== null);
  if (candidates.length === 0) {
    throw new AppFailure('config.invalid', `seeded branch configuration: ${parsed.success ? 'missing' : parsed.error.message}`);
  }
  // Stable sort: among equal versions the order above (centre, stored, seed) decides.
  const best = [...candidates].sort((a, b) => b.version - a.version)[0]!;
  if (best !== stored) await saveBranchConfig(db, best);
  return best;
}

export type { DeviceEvent, GroupTally };
