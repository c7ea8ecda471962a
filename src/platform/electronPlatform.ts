import { BRIDGE_GLOBAL, type KioskBridge } from '../shared/ipc';
import { IPC_CHANNELS, type IpcMethod } from '../shared/ipcChannels';
import { describeUnknown, err, isResult, type Result } from '../shared/result';
import type { Platform } from './Platform';

/**
 * The Electron implementation of Platform, over the preload bridge (`window.kiosk`). This is the
 * only module that reads the bridge. Main answers every call with a Result; if IPC itself breaks
 * (main crashed, handler missing, structured-clone failure) the rejected promise or a malformed
 * answer becomes `ipc.unavailable` here, so callers only ever deal with Result values.
 */

const METHODS = Object.keys(IPC_CHANNELS) as IpcMethod[];

async function call<T>(method: IpcMethod, run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    const result: unknown = await run();
    if (!isResult(result)) return err('ipc.unavailable', `${method}: the main process answered without a Result`);
    return result as Result<T>;
  } catch (e) {
    return err('ipc.unavailable', `${method}: ${describeUnknown(e)}`);
  }
}

export function createElectronPlatform(bridge: KioskBridge): Platform {
  return {
    kind: 'electron',
    printPdf: (request) => call('printPdf', () => bridge.printPdf(request)),
    listPrinters: () => call('listPrinters', () => bridge.listPrinters()),
    readConfig: () => call('readConfig', () => bridge.readConfig()),
    writeConfig: (config) => call('writeConfig', () => bridge.writeConfig(config)),
    appInfo: () => call('appInfo', () => bridge.appInfo()),
    diskStatus: () => call('diskStatus', () => bridge.diskStatus()),
    journalAppend: (request) => call('journalAppend', () => bridge.journalAppend(request)),
    journalRead: () => call('journalRead', () => bridge.journalRead()),
    journalConfirm: (request) => call('journalConfirm', () => bridge.journalConfirm(request)),
    journalReserve: (request) => call('journalReserve', () => bridge.journalReserve(request)),
    credentialRead: () => call('credentialRead', () => bridge.credentialRead()),
    credentialWrite: (request) => call('credentialWrite', () => bridge.credentialWrite(request)),
    dataKeyRead: () => call('dataKeyRead', () => bridge.dataKeyRead()),
    enrolPost: (request) => call('enrolPost', () => bridge.enrolPost(request)),
    listScanners: () => call('listScanners', () => bridge.listScanners()),
    scanPage: (request) => call('scanPage', () => bridge.scanPage(request)),
  };
}

/** The preload bridge when running inside the Electron kiosk, else null (plain browser). */
export function getElectronBridge(): KioskBridge | null {
  const candidate: unknown = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL];
  if (typeof candidate !== 'object' || candidate === null) return null;
  const record = candidate as Record<string, unknown>;
  return METHODS.every((m) => typeof record[m] === 'function') ? (candidate as KioskBridge) : null;
}
