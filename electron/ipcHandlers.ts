import {
  ipcContract,
  type AppInfo,
  type CredentialWriteResponse,
  type DataKeyResponse,
  type EnrolPostRequest,
  type EnrolPostResponse,
  type DiskStatus,
  type IpcRequestOf,
  type IpcResponseOf,
  type JournalAppendRequest,
  type JournalAppendResponse,
  type JournalConfirmRequest,
  type JournalConfirmResponse,
  type JournalReserveRequest,
  type JournalReserveResponse,
  type JournalReadResponse,
  type PrinterInfo,
  type PrintPdfRequest,
  type PrintPdfResponse,
  type ScannedPage,
  type ScannerInfo,
  type ScanPageRequest,
} from '../src/shared/ipc';
import { IPC_CHANNELS, type IpcMethod } from '../src/shared/ipcChannels';
import type { DeviceConfig } from '../src/shared/deviceConfig';
import { describeUnknown, err, isResult, ok, summarizeIssues, truncateDetail, type Result } from '../src/shared/result';
import { enrolPost } from './enrolProxy';
import { createScannerService, type ScannerService } from './scanner';
import { isAppOrigin } from './windowHardening';

/**
 * The main-process side of the IPC contract (src/shared/ipc.ts).
 *
 * Guarantees:
 * - Every request is validated with its zod schema before any service sees it; a bad payload is
 *   `ipc.invalid-payload` with a short summary of the issues (paths and rules, never the values).
 * - A handler never throws or rejects: exceptions become `ipc.internal`, and a response that does
 *   not match its own schema is `ipc.internal` too (a bug in main must not reach the renderer as
 *   garbage).
 * - Only frames of `app://kiosk` may call: anything else gets `ipc.forbidden-sender`.
 * - A call is aborted (its AbortSignal fires) when the WebContents that made it is destroyed, so a
 *   scan started by a window that closed is killed rather than left running.
 * No Electron import: registerIpcHandlers takes an ipcMain-like object, so tests run in Node.
 */

export interface IpcServices {
  readonly printPdf: (request: PrintPdfRequest) => Promise<Result<PrintPdfResponse>>;
  readonly listPrinters: () => Promise<Result<PrinterInfo[]>>;
  readonly readConfig: () => Promise<Result<DeviceConfig | null>>;
  readonly writeConfig: (config: DeviceConfig) => Promise<Result<DeviceConfig>>;
  readonly appInfo: () => AppInfo | Promise<AppInfo>;
  readonly diskStatus: () => Promise<Result<DiskStatus>>;
  readonly journalAppend: (request: JournalAppendRequest) => Promise<Result<JournalAppendResponse>>;
  readonly journalRead: () => Promise<Result<JournalReadResponse>>;
  readonly journalConfirm: (request: JournalConfirmRequest) => Promise<Result<JournalConfirmResponse>>;
  readonly journalReserve: (request: JournalReserveRequest) => Promise<Result<JournalReserveResponse>>;
  readonly credentialRead: () => Promise<Result<string | null>>;
  /** The token never reaches a log line: errors from here carry codes and file names only. */
  readonly credentialWrite: (token: string | null) => Promise<Result<CredentialWriteResponse>>;
  /** The device data key (electron/dataKeyStore.ts); never logged. */
  readonly dataKeyRead: () => Promise<Result<DataKeyResponse>>;
  /** Enrolment sent by main (electron/enrolProxy.ts). Optional: defaults to the real one. */
  readonly enrolPost?: (request: EnrolPostRequest) => Promise<Result<EnrolPostResponse>>;
  /** SANE scanners (electron/scanner.ts). Optional: when absent, one SANE service is created here. */
  readonly listScanners?: () => Promise<Result<ScannerInfo[]>>;
  /** One page at a time (scan.busy otherwise); `signal` fires when the calling window is gone. */
  readonly scanPage?: (request: ScanPageRequest, signal?: AbortSignal) => Promise<Result<ScannedPage>>;
}

/** Per-call context: `signal` aborts when the caller's WebContents is destroyed. */
export interface IpcCallContext {
  readonly signal?: AbortSignal | undefined;
}

export type IpcHandler<M extends IpcMethod> = (payload: unknown, context?: IpcCallContext) => Promise<Result<IpcResponseOf<M>>>;
export type IpcHandlers = { readonly [M in IpcMethod]: IpcHandler<M> };

// The request schemas have no transforms, so their input type is also what safeParse returns.
type Impl<M extends IpcMethod> = (request: IpcRequestOf<M>, context: IpcCallContext) => Promise<Result<IpcResponseOf<M>>>;

function guarded<M extends IpcMethod>(method: M, impl: Impl<M>): IpcHandler<M> {
  const contract = ipcContract[method];
  return async (payload: unknown, context: IpcCallContext = {}) => {
    try {
      const parsed = contract.request.safeParse(payload);
      if (!parsed.success) return err('ipc.invalid-payload', `${method}: ${summarizeIssues(parsed.error)}`);
      const result = await impl(parsed.data as IpcRequestOf<M>, context);
      if (!isResult(result)) return err('ipc.internal', `${method}: the handler returned no Result`);
      if (!result.ok) return result;
      const checked = contract.response.safeParse(result.value);
      if (!checked.success) return err('ipc.internal', `${method}: response breaks the contract: ${summarizeIssues(checked.error)}`);
      return ok(checked.data as IpcResponseOf<M>);
    } catch (e) {
      return err('ipc.internal', `${method}: ${truncateDetail(describeUnknown(e))}`);
    }
  };
}

export function createIpcHandlers(services: IpcServices): IpcHandlers {
  let sane: ScannerService | null = null;
  const scanner = (): ScannerService => (sane ??= createScannerService());
  const listScanners = services.listScanners ?? (() => scanner().listScanners());
  const scanPage = services.scanPage ?? ((request: ScanPageRequest, signal?: AbortSignal) => scanner().scanPage(request, signal));
  return {
    printPdf: guarded('printPdf', (request) => services.printPdf(request)),
    listPrinters: guarded('listPrinters', () => services.listPrinters()),
    readConfig: guarded('readConfig', () => services.readConfig()),
    writeConfig: guarded('writeConfig', (config) => services.writeConfig(config)),
    appInfo: guarded('appInfo', async () => ok(await services.appInfo())),
    diskStatus: guarded('diskStatus', () => services.diskStatus()),
    journalAppend: guarded('journalAppend', (request) => services.journalAppend(request)),
    journalRead: guarded('journalRead', () => services.journalRead()),
    journalConfirm: guarded('journalConfirm', (request) => services.journalConfirm(request)),
    journalReserve: guarded('journalReserve', (request) => services.journalReserve(request)),
    credentialRead: guarded('credentialRead', () => services.credentialRead()),
    credentialWrite: guarded('credentialWrite', (request) => services.credentialWrite(request.token)),
    dataKeyRead: guarded('dataKeyRead', () => services.dataKeyRead()),
    enrolPost: guarded('enrolPost', (request) => (services.enrolPost ?? enrolPost)(request)),
    listScanners: guarded('listScanners', () => listScanners()),
    scanPage: guarded('scanPage', (request, context) => scanPage(request, context.signal)),
  };
}

export interface AppInfoSource {
  readonly version: string;
  readonly packaged: boolean;
  readonly versions: Readonly<Record<string, string | undefined>>;
  readonly platform: string;
}

export function buildAppInfo(source: AppInfoSource): AppInfo {
  return {
    version: source.version,
    shell: 'electron',
    electronVersion: source.versions.electron ?? null,
    chromeVersion: source.versions.chrome ?? null,
    packaged: source.packaged,
    platform: source.platform,
  };
}

/** The part of an ipcMain invoke event this module reads. */
export interface IpcInvokeEventLike {
  readonly senderFrame?: { readonly url: string } | null;
  /** The calling WebContents; its 'destroyed' event aborts the call's signal. */
  readonly sender?: {
    once(event: 'destroyed', listener: () => void): unknown;
    removeListener(event: 'destroyed', listener: () => void): unknown;
  } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
}

const METHODS = Object.keys(IPC_CHANNELS) as IpcMethod[];

export function registerIpcHandlers(ipcMain: IpcMainLike, handlers: IpcHandlers, isAllowedSender: (url: string) => boolean = isAppOrigin): void {
  for (const method of METHODS) {
    const channel = IPC_CHANNELS[method];
    const handler = handlers[method] as IpcHandler<IpcMethod>;
    ipcMain.handle(channel, async (event, ...args) => {
      let url: string | undefined;
      try {
        // senderFrame is null when the frame navigated away or was destroyed meanwhile.
        url = event.senderFrame?.url;
      } catch {
        url = undefined;
      }
      if (url === undefined || !isAllowedSender(url)) {
        return err('ipc.forbidden-sender', `${channel} refused for a frame outside the app origin`);
      }
      if (args.length > 1) return err('ipc.invalid-payload', `${method}: expected at most one argument`);
      const controller = new AbortController();
      const onGone = (): void => controller.abort();
      const sender = event.sender ?? null;
      try {
        sender?.once('destroyed', onGone);
      } catch {
        // A sender that cannot be watched only loses cancel-on-close.
      }
      try {
        return await handler(args[0], { signal: controller.signal });
      } finally {
        try {
          sender?.removeListener('destroyed', onGone);
        } catch {
          // Already destroyed: nothing to remove.
        }
      }
    });
  }
}
