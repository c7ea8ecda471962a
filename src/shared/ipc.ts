import { z } from 'zod';
import { DeviceConfig } from './deviceConfig';
import { IPC_CHANNELS, type IpcMethod } from './ipcChannels';
import type { OutboxEntry } from './outbox';
import { MUTATION_NAMES } from './records';
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

/** Free space below which the kiosk refuses new capture (Chromium resets IndexedDB on a full disk). */
export const DEFAULT_MIN_FREE_DISK_BYTES = 512 * 1024 * 1024;

export const DiskStatus = z
  .object({
    freeBytes: z.number().int().min(0),
    totalBytes: z.number().int().min(0),
    thresholdBytes: z.number().int().min(0),
    /** freeBytes < thresholdBytes: the renderer refuses new capture. */
    low: z.boolean(),
  })
  .strict();
export type DiskStatus = z.infer<typeof DiskStatus>;

const Uuid = z.string().max(36).uuid();

/**
 * One outbox entry as the journal in main keeps it (a second copy of the IndexedDB outbox, see
 * electron/journalStore.ts). Typed as exactly `OutboxEntry` so the two can never drift apart.
 */
export const JournalEntry: z.ZodType<OutboxEntry, OutboxEntry> = z
  .object({
    mutationId: Uuid,
    deviceId: Uuid,
    deviceSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    name: z.enum(MUTATION_NAMES),
    args: z.unknown(),
    schemaVersion: z.number().int().min(0).max(1_000_000),
    createdAt: z.number().int().min(0).max(8_640_000_000_000_000),
    bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();

/** At most this many entries per journalAppend call (a push batch holds at most 100 too). */
export const MAX_JOURNAL_BATCH = 100;
/** At most this many bytes of JSON per journalAppend call; outbox entries are small (no blobs). */
export const MAX_JOURNAL_APPEND_BYTES = 1024 * 1024;

/** UTF-8 size of the JSON of `value`, or null when it has no JSON form (BigInt, cycles, undefined). */
function jsonBytes(value: unknown): number | null {
  try {
    const json = JSON.stringify(value) as string | undefined;
    return json === undefined ? null : utf8Length(json);
  } catch {
    return null;
  }
}

/** UTF-8 byte length without TextEncoder (src/shared also compiles for runtimes without it). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export const JournalAppendRequest = z
  .object({
    /** The outbox's journal id (a UUID made with the kiosk database, as in PushRequest). */
    journalId: Uuid,
    entries: z
      .array(JournalEntry)
      .min(1)
      .max(MAX_JOURNAL_BATCH)
      .refine((entries) => entries.every((e) => jsonBytes(e.args) !== null), 'every args must have a JSON form')
      .refine((entries) => (jsonBytes(entries) ?? Infinity) <= MAX_JOURNAL_APPEND_BYTES, 'entries exceed 1 MiB of JSON'),
  })
  .strict();
export type JournalAppendRequest = z.infer<typeof JournalAppendRequest>;

export const JournalAppendResponse = z.object({ appended: z.number().int().min(0) }).strict();
export type JournalAppendResponse = z.infer<typeof JournalAppendResponse>;

export const JournalContents = z
  .object({
    journalId: Uuid,
    /** In append order, each mutationId once (the first copy wins). */
    entries: z.array(JournalEntry),
    /** Lines that were torn (power cut mid-write) or invalid and were left out. */
    skippedLines: z.number().int().min(0),
  })
  .strict();
export type JournalContents = z.infer<typeof JournalContents>;

/**
 * A counter's high-water mark kept beside the journal and never trimmed: the highest number this
 * machine may already have shown for a ticket group (`seq|<day>|<group>|<slot>`) or a dossier
 * block (`dseq|<unit>|<day>`) or a reception-register book (`rseq|<year>|<book>`, kept for the
 * year), the keys of the kiosk database's `counters` table. A database
 * restored after a loss continues above it, so a printed number is never issued again.
 */
export const CounterMark = z
  .object({
    key: z
      .string()
      .max(100)
      .regex(
        /^(seq\|\d{4}-\d{2}-\d{2}\|[A-Z0-9]{1,4}\|\d{1,4}|dseq\|[0-9A-Za-z.]{1,40}\|\d{4}-\d{2}-\d{2}|rseq\|\d{4}\|\d{2,3})$/,
        'key must be seq|<day>|<group>|<slot>, dseq|<unit>|<day> or rseq|<year>|<book>',
      ),
    value: z.number().int().min(0).max(1_000_000_000),
  })
  .strict();
export type CounterMark = z.infer<typeof CounterMark>;

/** The year of a reception-register book's mark ("rseq|2026|03" → 2026); null for any other key. */
export function registerMarkYear(key: string): number | null {
  const m = /^rseq\|(\d{4})\|\d{2,3}$/.exec(key);
  return m ? Number(m[1]) : null;
}

export const JournalReserveRequest = z.object({ marks: z.array(CounterMark).min(1).max(64) }).strict();
export type JournalReserveRequest = z.infer<typeof JournalReserveRequest>;

/** The stored mark of each requested key after the reservation (never lower than before). */
export const JournalReserveResponse = z.object({ marks: z.array(CounterMark).max(64) }).strict();
export type JournalReserveResponse = z.infer<typeof JournalReserveResponse>;

export const JournalReadResponse = z
  .object({
    journals: z.array(JournalContents),
    /** Every high-water mark kept (recent days only). Absent from an older shell: read as none. */
    marks: z.array(CounterMark).max(10_000).optional(),
  })
  .strict();
export type JournalReadResponse = z.infer<typeof JournalReadResponse>;

export const JournalConfirmRequest = z
  .object({
    journalId: Uuid,
    /** The server's lastSeq: entries with deviceSeq ≤ upToSeq are dropped from the journal. */
    upToSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type JournalConfirmRequest = z.infer<typeof JournalConfirmRequest>;

export const JournalConfirmResponse = z.object({ remaining: z.number().int().min(0) }).strict();
export type JournalConfirmResponse = z.infer<typeof JournalConfirmResponse>;

/** The device credential (bearer token) as kept in the OS keystore. */
export const DeviceToken = z.string().regex(/^[A-Za-z0-9_-]{32,128}$/, 'token must be 32–128 characters of A–Z, a–z, 0–9, _ or -');
export type DeviceToken = z.infer<typeof DeviceToken>;

export const CredentialWriteRequest = z
  .object({
    /** null deletes the stored credential. */
    token: DeviceToken.nullable(),
  })
  .strict();
export type CredentialWriteRequest = z.infer<typeof CredentialWriteRequest>;

export const CredentialWriteResponse = z.object({ stored: z.boolean() }).strict();
export type CredentialWriteResponse = z.infer<typeof CredentialWriteResponse>;

/**
 * The device data key that seals personal data at rest (src/storage/personalCipher.ts): 32 random
 * bytes made once per machine. `os-keystore`: kept encrypted by the OS keystore (safeStorage);
 * `file`: no keystore on this machine, kept in a file only its user can read (say so to staff).
 */
export const DataKeyResponse = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'key must be 32 bytes in base64'),
    protection: z.enum(['os-keystore', 'file']),
  })
  .strict();
export type DataKeyResponse = z.infer<typeof DataKeyResponse>;

/**
 * Enrolment is the one request to a server the page is not yet allowed to reach (the Electron
 * CSP's connect-src names only the configured server): main sends it instead, to `<server>/v1/enrol`
 * only, and hands back the answer as it came.
 */
export const EnrolPostRequest = z
  .object({
    // http(s)://host[:port][/prefix]/v1/enrol: no credentials, query or fragment.
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%-]+)*\/v1\/enrol$/, 'url must be an http(s) server address ending in /v1/enrol'),
    body: z.string().max(4096),
  })
  .strict();
export type EnrolPostRequest = z.infer<typeof EnrolPostRequest>;

export const EnrolPostResponse = z
  .object({ status: z.number().int().min(100).max(599), contentType: z.string().max(200), body: z.string().max(65_536) })
  .strict();
export type EnrolPostResponse = z.infer<typeof EnrolPostResponse>;

/** Largest page a scanPage answer may carry (a 300 dpi A4 colour PNG is about 10–25 MB). */
export const MAX_SCAN_PNG_BYTES = 64 * 1024 * 1024;

export const ScannerInfo = z
  .object({
    /** SANE device name, e.g. `pixma:04A91912_123456` or `test:0`; passed back in ScanPageRequest. */
    device: z.string().min(1).max(256),
    /** "Vendor Model (type)" as SANE reports it, for the technician's picker. */
    description: z.string().max(256),
  })
  .strict();
export type ScannerInfo = z.infer<typeof ScannerInfo>;

export const ScanPageRequest = z
  .object({
    /** null = the first scanner found. */
    device: z
      .string()
      .min(1)
      .max(256)
      // One argv element: no control characters, and never something scanimage could read as an option.
      .refine(
        (d) => !d.startsWith('-') && [...d].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f),
        'device name has characters SANE never uses',
      )
      .nullable(),
    mode: z.enum(['gray', 'color']),
    resolution: z.union([z.literal(150), z.literal(200), z.literal(300)]),
  })
  .strict();
export type ScanPageRequest = z.infer<typeof ScanPageRequest>;

export const ScannedPage = z
  .object({
    png: z
      .custom<Uint8Array>((v) => v instanceof Uint8Array, 'png must be bytes (Uint8Array)')
      .refine((b) => b.byteLength > 8 && b.byteLength <= MAX_SCAN_PNG_BYTES, 'png must be 9 bytes to 64 MB')
      .refine((b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47, 'not a PNG (missing signature)'),
    widthPx: z.number().int().min(1).max(100_000),
    heightPx: z.number().int().min(1).max(100_000),
    /** The resolution the scanner actually used (it may round the requested one). */
    dpi: z.number().int().min(1).max(4800),
    mode: z.enum(['gray', 'color']),
  })
  .strict();
export type ScannedPage = z.infer<typeof ScannedPage>;

export const ipcContract = {
  printPdf: { channel: IPC_CHANNELS.printPdf, request: PrintPdfRequest, response: PrintPdfResponse },
  listPrinters: { channel: IPC_CHANNELS.listPrinters, request: z.void(), response: z.array(PrinterInfo) },
  readConfig: { channel: IPC_CHANNELS.readConfig, request: z.void(), response: DeviceConfig.nullable() },
  writeConfig: { channel: IPC_CHANNELS.writeConfig, request: DeviceConfig, response: DeviceConfig },
  appInfo: { channel: IPC_CHANNELS.appInfo, request: z.void(), response: AppInfo },
  diskStatus: { channel: IPC_CHANNELS.diskStatus, request: z.void(), response: DiskStatus },
  journalAppend: { channel: IPC_CHANNELS.journalAppend, request: JournalAppendRequest, response: JournalAppendResponse },
  journalRead: { channel: IPC_CHANNELS.journalRead, request: z.void(), response: JournalReadResponse },
  journalConfirm: { channel: IPC_CHANNELS.journalConfirm, request: JournalConfirmRequest, response: JournalConfirmResponse },
  journalReserve: { channel: IPC_CHANNELS.journalReserve, request: JournalReserveRequest, response: JournalReserveResponse },
  credentialRead: { channel: IPC_CHANNELS.credentialRead, request: z.void(), response: DeviceToken.nullable() },
  credentialWrite: { channel: IPC_CHANNELS.credentialWrite, request: CredentialWriteRequest, response: CredentialWriteResponse },
  dataKeyRead: { channel: IPC_CHANNELS.dataKeyRead, request: z.void(), response: DataKeyResponse },
  enrolPost: { channel: IPC_CHANNELS.enrolPost, request: EnrolPostRequest, response: EnrolPostResponse },
  listScanners: { channel: IPC_CHANNELS.listScanners, request: z.void(), response: z.array(ScannerInfo).max(64) },
  scanPage: { channel: IPC_CHANNELS.scanPage, request: ScanPageRequest, response: ScannedPage },
} as const satisfies Record<IpcMethod, { channel: string; request: z.ZodType; response: z.ZodType }>;

type Contract = typeof ipcContract;
export type IpcRequestOf<M extends IpcMethod> = z.input<Contract[M]['request']>;
export type IpcResponseOf<M extends IpcMethod> = z.output<Contract[M]['response']>;

/** What the preload exposes as `window.kiosk`. */
export type KioskBridge = {
  [M in IpcMethod]: (request: IpcRequestOf<M>) => Promise<Result<IpcResponseOf<M>>>;
};

export const BRIDGE_GLOBAL = 'kiosk';
