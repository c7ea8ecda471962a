import { z } from 'zod';
import { DeviceConfig } from './deviceConfig';
import { IPC_CHANNELS, type IpcMethod } from './ipcChannels';
import type { Result } from './result';

/**
 * The one contract between the renderer and Electron's main process. Main validates every request
 * against these schemas before acting and answers with a Result value; it never throws across the
 * boundary. The preload object is checked against KioskBridge with `satisfies`.
 */
export const MAX_PRINT_BYTES = 20 * 1024 * 1024;

export const PrintPdfRequest = z
  .object({
    /** null = the system default printer. */
    printerName: z
      .string()
      .min(1)
      .max(256)
      // CUPS destination names: printable characters except space, "/", "#" and control characters.
      .refine(
        (name) => !/[\s/#\\]/.test(name) && [...name].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f),
        'printer name has characters no spooler accepts',
      )
      .nullable(),
    /** Shown in the spooler queue; no personal data. */
    jobName: z.string().min(1).max(120),
    pdf: z
      .custom<Uint8Array>((v) => v instanceof Uint8Array, 'pdf must be bytes (Uint8Array)')
      .refine((b) => b.byteLength > 0 && b.byteLength <= MAX_PRINT_BYTES, 'pdf must be 1 byte to 20 MB')
      .refine((b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46, 'not a PDF (missing %PDF header)'),
    copies: z.number().int().min(1).max(5),
  })
  .strict();
export type PrintPdfRequest = z.infer<typeof PrintPdfRequest>;

export const PrintPdfResponse = z.object({ jobId: z.string() }).strict();
export type PrintPdfResponse = z.infer<typeof PrintPdfResponse>;

export const PrinterInfo = z.object({ name: z.string(), isDefault: z.boolean(), status: z.enum(['idle', 'printing', 'stopped', 'unknown']) }).strict();
export type PrinterInfo = z.infer<typeof PrinterInfo>;

export const AppInfo = z
  .object({
    version: z.string(),
    shell: z.enum(['electron', 'browser']),
    electronVersion: z.string().nullable(),
    chromeVersion: z.string().nullable(),
    packaged: z.boolean(),
    platform: z.string(),
  })
  .strict();
export type AppInfo = z.infer<typeof AppInfo>;

export const ipcContract = {
  printPdf: { channel: IPC_CHANNELS.printPdf, request: PrintPdfRequest, response: PrintPdfResponse },
  listPrinters: { channel: IPC_CHANNELS.listPrinters, request: z.void(), response: z.array(PrinterInfo) },
  readConfig: { channel: IPC_CHANNELS.readConfig, request: z.void(), response: DeviceConfig.nullable() },
  writeConfig: { channel: IPC_CHANNELS.writeConfig, request: DeviceConfig, response: DeviceConfig },
  appInfo: { channel: IPC_CHANNELS.appInfo, request: z.void(), response: AppInfo },
} as const satisfies Record<IpcMethod, { channel: string; request: z.ZodType; response: z.ZodType }>;

type Contract = typeof ipcContract;
export type IpcRequestOf<M extends IpcMethod> = z.input<Contract[M]['request']>;
export type IpcResponseOf<M extends IpcMethod> = z.output<Contract[M]['response']>;

/** What the preload exposes as `window.kiosk`. */
export type KioskBridge = {
  [M in IpcMethod]: (request: IpcRequestOf<M>) => Promise<Result<IpcResponseOf<M>>>;
};

export const BRIDGE_GLOBAL = 'kiosk';
