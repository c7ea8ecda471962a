/**
 * IPC channel names, `kiosk:area.verb`. Kept free of runtime dependencies because the sandboxed
 * preload bundles it; the schemas live in ./ipc.ts.
 */
export const IPC_CHANNELS = {
  printPdf: 'kiosk:print.pdf',
  listPrinters: 'kiosk:print.listPrinters',
  readConfig: 'kiosk:config.read',
  writeConfig: 'kiosk:config.write',
  appInfo: 'kiosk:app.info',
  diskStatus: 'kiosk:disk.status',
  journalAppend: 'kiosk:journal.append',
  journalRead: 'kiosk:journal.read',
  journalConfirm: 'kiosk:journal.confirm',
  journalReserve: 'kiosk:journal.reserve',
  credentialRead: 'kiosk:credential.read',
  credentialWrite: 'kiosk:credential.write',
  dataKeyRead: 'kiosk:datakey.read',
  enrolPost: 'kiosk:enrol.post',
  listScanners: 'kiosk:scan.listScanners',
  scanPage: 'kiosk:scan.page',
} as const;

export type IpcMethod = keyof typeof IPC_CHANNELS;
export type IpcChannel = (typeof IPC_CHANNELS)[IpcMethod];

export const IPC_PREFIX = 'kiosk:';
