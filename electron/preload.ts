import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNELS, IPC_PREFIX, type IpcChannel } from '../src/shared/ipcChannels';
import type { BRIDGE_GLOBAL, KioskBridge } from '../src/shared/ipc';

/**
 * The sandboxed preload: exposes exactly the KioskBridge as `window.kiosk` and nothing else
 * (no ipcRenderer, no generic invoke). It is bundled to one CJS file (dist-electron/preload.cjs)
 * because a sandboxed preload can only require 'electron'; that is why it imports runtime values
 * from ipcChannels.ts only and nothing but types from ipc.ts (which pulls in zod). Validation
 * happens in main, which answers every call with a Result.
 */

// `typeof BRIDGE_GLOBAL` makes the compiler check this literal against the shared constant.
const bridgeGlobal: typeof BRIDGE_GLOBAL = 'kiosk';

function invoke(channel: IpcChannel, ...args: unknown[]): Promise<never> {
  if (!channel.startsWith(IPC_PREFIX)) return Promise.reject(new Error('refused a channel outside kiosk:'));
  return ipcRenderer.invoke(channel, ...args) as Promise<never>;
}

const bridge = {
  printPdf: (request) => invoke(IPC_CHANNELS.printPdf, request),
  listPrinters: () => invoke(IPC_CHANNELS.listPrinters),
  readConfig: () => invoke(IPC_CHANNELS.readConfig),
  writeConfig: (config) => invoke(IPC_CHANNELS.writeConfig, config),
  appInfo: () => invoke(IPC_CHANNELS.appInfo),
  diskStatus: () => invoke(IPC_CHANNELS.diskStatus),
  journalAppend: (request) => invoke(IPC_CHANNELS.journalAppend, request),
  journalRead: () => invoke(IPC_CHANNELS.journalRead),
  journalConfirm: (request) => invoke(IPC_CHANNELS.journalConfirm, request),
  journalReserve: (request) => invoke(IPC_CHANNELS.journalReserve, request),
  credentialRead: () => invoke(IPC_CHANNELS.credentialRead),
  credentialWrite: (request) => invoke(IPC_CHANNELS.credentialWrite, request),
  dataKeyRead: () => invoke(IPC_CHANNELS.dataKeyRead),
  enrolPost: (request) => invoke(IPC_CHANNELS.enrolPost, request),
  listScanners: () => invoke(IPC_CHANNELS.listScanners),
  scanPage: (request) => invoke(IPC_CHANNELS.scanPage, request),
} satisfies KioskBridge;

contextBridge.exposeInMainWorld(bridgeGlobal, bridge);
