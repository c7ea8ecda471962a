import { DeviceConfig } from '../shared/deviceConfig';
import type { AppInfo, DiskStatus, PrintPdfRequest, PrintPdfResponse } from '../shared/ipc';
import { DEFAULT_MIN_FREE_DISK_BYTES, PrintPdfRequest as PrintPdfRequestSchema } from '../shared/ipc';
import { err, ok, summarizeIssues, type Result } from '../shared/result';
import type { Platform } from './Platform';

/**
 * The plain-browser platform (development, tests, and branches running Chromium with
 * `--kiosk --kiosk-printing`): prints a PDF through a hidden same-origin frame — with
 * `--kiosk-printing` Chromium sends it to the default printer without a dialog — and keeps the
 * device configuration in localStorage (configuration only; records live in IndexedDB).
 *
 * What the browser build cannot do like Electron:
 * - Disk: `navigator.storage.estimate()` gives the origin's quota and usage, not the disk's free
 *   space; free = quota − usage, low below the same threshold as Electron (512 MiB).
 * - Journal: no second copy in the browser build. The journal methods answer ok and store nothing
 *   (`{ appended: 0 }`, `{ journals: [] }`, `{ remaining: 0 }`); IndexedDB is the only copy.
 * - Credential: no OS keystore; both methods answer `credential.unsupported`, and the app keeps
 *   the credential in IndexedDB.
 * - Data key: no OS keystore; `dataKeyRead` answers `datakey.unsupported` and the app keeps a
 *   non-extractable key in the browser profile (src/storage/browserDataKey.ts).
 * - Document scanners: a browser cannot reach SANE/WIA; both methods answer `scan.unsupported`
 *   (the camera and file import still work).
 */
export const DEVICE_CONFIG_STORAGE_KEY = 'hpasc.deviceConfig';
/** IndexedDB database and store of the device configuration (not the journal: it is read before it). */
export const DEVICE_CONFIG_DB = 'hpasc-kiosk-device';
const CONFIG_STORE = 'config';
const CONFIG_KEY = 'device';

/**
 * The device configuration in its own small IndexedDB database, written with strict durability.
 * (localStorage, where it used to live, reaches the disk seconds later: a power cut after
 * enrolment lost the server address, and a lost slot change could give two kiosks one slot.)
 */
function deviceConfigStore(idb: IDBFactory): { read(): Promise<unknown>; write(value: DeviceConfig): Promise<void> } {
  let opened: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open(DEVICE_CONFIG_DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(CONFIG_STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('the device configuration database did not open'));
    }).catch((e: unknown) => {
      opened = null;
      throw e;
    }));
  return {
    async read() {
      const db = await open();
      return new Promise<unknown>((resolve, reject) => {
        const req = db.transaction(CONFIG_STORE, 'readonly').objectStore(CONFIG_STORE).get(CONFIG_KEY);
        req.onsuccess = () => resolve(req.result as unknown);
        req.onerror = () => reject(req.error ?? new Error('the device configuration could not be read'));
      });
    },
    async write(value) {
      const db = await open();
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(CONFIG_STORE, 'readwrite', { durability: 'strict' });
        tx.objectStore(CONFIG_STORE).put(value, CONFIG_KEY);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error ?? new Error('the device configuration could not be written'));
        tx.onabort = () => reject(tx.error ?? new Error('the device configuration write was aborted'));
      });
    },
  };
}

export interface BrowserPlatformDeps {
  readonly document: Document;
  /** Only read, for a configuration an older build kept there (moved to IndexedDB on first read). */
  readonly storage: Storage;
  /** Where the device configuration lives (globalThis.indexedDB by default; tests pass fake-indexeddb). */
  readonly indexedDB?: IDBFactory;
  readonly appVersion: string;
  readonly userAgent: string;
  /** navigator.storage by default; absent in insecure contexts and old browsers. */
  readonly storageManager?: Pick<StorageManager, 'estimate'> | undefined;
  readonly minFreeBytes?: number;
}

async function estimateDisk(storageManager: Pick<StorageManager, 'estimate'> | undefined, thresholdBytes: number): Promise<Result<DiskStatus>> {
  if (storageManager === undefined) return err('disk.unavailable', 'navigator.storage is not available');
  try {
    const { quota, usage } = await storageManager.estimate();
    if (typeof quota !== 'number' || typeof usage !== 'number') return err('disk.unavailable', 'the storage estimate has no quota or usage');
    const totalBytes = Math.max(0, Math.floor(quota));
    const freeBytes = Math.max(0, Math.floor(quota - usage));
    return ok({ freeBytes, totalBytes, thresholdBytes, low: freeBytes < thresholdBytes });
  } catch (e) {
    return err('disk.unavailable', e instanceof Error ? e.message : String(e));
  }
}

export function createBrowserPlatform(deps: BrowserPlatformDeps): Platform {
  let lastFrameUrl: string | null = null;
  let jobCounter = 0;

  async function printPdf(request: PrintPdfRequest): Promise<Result<PrintPdfResponse>> {
    const parsed = PrintPdfRequestSchema.safeParse(request);
    if (!parsed.success) return err('print.invalid-request', summarizeIssues(parsed.error));
    const { document } = deps;
    const frame = document.createElement('iframe');
    frame.setAttribute('data-testid', 'print.frame');
    frame.setAttribute('aria-hidden', 'true');
    frame.title = parsed.data.jobName;
    frame.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;border:0;opacity:0;pointer-events:none;';
    // Keep only the newest frame: its blob stays readable (tests and reprint diagnostics), older ones
    // are freed — once this job has been handed to print(): tearing down a frame that shows a PDF
    // costs the main thread ~10 ms, which must not delay the citizen's ticket.
    const older = Array.from(document.querySelectorAll('iframe[data-testid="print.frame"]'));
    const olderUrl = lastFrameUrl;
    const url = URL.createObjectURL(new Blob([parsed.data.pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }));
    lastFrameUrl = url;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the print frame did not load within 10 s')), 10_000);
        frame.addEventListener('load', () => {
          clearTimeout(timer);
          resolve();
        });
        frame.src = url;
        document.body.appendChild(frame);
      });
      // print() is synchronous in Chromium only while a dialog is open; with --kiosk-printing it
      // returns at once. A headless browser without a PDF viewer has nothing to print, which is fine.
      for (let copy = 0; copy < parsed.data.copies; copy++) frame.contentWindow?.print();
      jobCounter++;
      return ok({ jobId: `browser-${jobCounter}` });
    } catch (e) {
      return err('print.failed', e instanceof Error ? e.message : String(e));
    } finally {
      for (const old of older) old.remove();
      if (olderUrl) URL.revokeObjectURL(olderUrl);
    }
  }

  const configStore = deviceConfigStore(deps.indexedDB ?? globalThis.indexedDB);
  return {
    kind: 'browser',
    printPdf,
    async listPrinters() {
      // A web page cannot enumerate printers; the kiosk prints on the browser's default printer.
      return ok([]);
    },
    async readConfig() {
      let stored: unknown;
      try {
        stored = await configStore.read();
      } catch (e) {
        return err('config.unreadable', e instanceof Error ? e.message : String(e));
      }
      if (stored === undefined) {
        // An older build kept it in localStorage: move it into IndexedDB, durably, then forget it.
        const raw = deps.storage.getItem(DEVICE_CONFIG_STORAGE_KEY);
        if (raw === null) return ok(null);
        try {
          stored = JSON.parse(raw);
        } catch (e) {
          return err('config.corrupt', e instanceof Error ? e.message : String(e));
        }
        const legacy = DeviceConfig.safeParse(stored);
        if (!legacy.success) return err('config.corrupt', summarizeIssues(legacy.error));
        try {
          await configStore.write(legacy.data);
          deps.storage.removeItem(DEVICE_CONFIG_STORAGE_KEY);
        } catch {
          // Still readable from localStorage next time; the move is retried then.
        }
        return ok(legacy.data);
      }
      const parsed = DeviceConfig.safeParse(stored);
      if (parsed.success) return ok(parsed.data);
      return err('config.corrupt', summarizeIssues(parsed.error));
    },
    async writeConfig(config) {
      const parsed = DeviceConfig.safeParse(config);
      if (!parsed.success) return err('config.invalid', summarizeIssues(parsed.error));
      try {
        // Answered only once the transaction reached the disk (strict durability): a power cut
        // right after enrolment or a slot change never brings back the old configuration.
        await configStore.write(parsed.data);
        return ok(parsed.data);
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        return err(name === 'QuotaExceededError' ? 'storage.full' : 'config.write-failed', e instanceof Error ? e.message : String(e));
      }
    },
    async appInfo(): Promise<Result<AppInfo>> {
      const chrome = /Chrom(?:e|ium)\/([\d.]+)/.exec(deps.userAgent)?.[1] ?? null;
      return ok({ version: deps.appVersion, shell: 'browser', electronVersion: null, chromeVersion: chrome, packaged: false, platform: 'web' });
    },
    diskStatus() {
      const storageManager = 'storageManager' in deps ? deps.storageManager : globalThis.navigator?.storage;
      return estimateDisk(storageManager, deps.minFreeBytes ?? DEFAULT_MIN_FREE_DISK_BYTES);
    },
    // No second copy in the browser build: IndexedDB is the only copy of the outbox.
    async journalAppend() {
      return ok({ appended: 0 });
    },
    async journalRead() {
      return ok({ journals: [] });
    },
    async journalConfirm() {
      return ok({ remaining: 0 });
    },
    // No file to keep high-water marks in: the browser build's counters live in IndexedDB only
    // (dossier codes still continue above the codes the centre published).
    async journalReserve({ marks }) {
      return ok({ marks });
    },
    async credentialRead() {
      return err('credential.unsupported', 'a browser has no OS keystore; the credential stays in IndexedDB');
    },
    async credentialWrite() {
      return err('credential.unsupported', 'a browser has no OS keystore; the credential stays in IndexedDB');
    },
    async enrolPost() {
      return err('enrol.direct', 'a browser page sends its enrolment itself (its CSP allows any https: server)');
    },
    async dataKeyRead() {
      return err('datakey.unsupported', 'a browser has no OS keystore; the data key is kept in the browser profile');
    },
    async listScanners() {
      return err('scan.unsupported', 'a browser cannot reach document scanners; use the camera or import a file');
    },
    async scanPage() {
      return err('scan.unsupported', 'a browser cannot reach document scanners; use the camera or import a file');
    },
  };
}
