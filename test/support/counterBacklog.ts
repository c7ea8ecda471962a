import { createHash, randomBytes } from 'node:crypto';
import { kioskBlobQueue } from '../../src/sync/kioskBlobQueue';
import { localDayKey } from '../../src/domain/localDay';
import type { BranchConfig } from '../../src/shared/branchConfig';
import type { Clock, RandomBytes } from '../../src/shared/clock';
import type { DossierSubmitArgs } from '../../src/shared/records';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { receiveDossier } from '../../src/storage/dossierRepository';
import { KioskDb } from '../../src/storage/KioskDb';
import { PersonalCipher } from '../../src/storage/personalCipher';
import { submitRating } from '../../src/storage/ratingRepository';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { RECORD_SAMPLES } from './recordSamples';
import { issueTicket } from '../../src/storage/ticketRepository';
import { DEFAULT_PARALLEL_SCANS, SyncEngine, type BlobQueue, type SyncEngineOptions } from '../../src/sync/SyncEngine';
import type { Transport } from '../../src/sync/Transport';

/* Used by scripts/bench/link.bench.ts and test/integration/linkSync.test.ts. */

/** A counter's two databases in a fresh fake IndexedDB, its scans sealed under its own data key. */
export interface CounterKiosk {
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  /** Its scans as the app hands them to the engine (src/app/syncService.ts). */
  readonly blobs: BlobQueue;
  /** An engine over `transport`, composed as the app composes it (parallel scans included). */
  engine(transport: Transport, branchCode: string, options?: Partial<SyncEngineOptions>): SyncEngine;
  close(): void;
}

export async function openCounterKiosk(name: string, clock: Clock): Promise<CounterKiosk> {
  const idb = new IDBFactory();
  const db = new KioskDb(`${name}-journal`, { indexedDB: idb, IDBKeyRange });
  db.personal = await PersonalCipher.fromDataKey(new Uint8Array(randomBytes(32)));
  const reference = new ReferenceDb(`${name}-reference`, { indexedDB: idb, IDBKeyRange });
  const blobs: BlobQueue = kioskBlobQueue(db, clock);
  return {
    db,
    reference,
    blobs,
    engine: (transport, branchCode, options = {}) =>
      new SyncEngine({ db, reference, transport, branchCode, clock, blobs, parallelScans: DEFAULT_PARALLEL_SCANS, ...options }),
    close() {
      db.close();
      reference.close();
    },
  };
}

/**
 * What a counter holds after a while without the network: `records` ordinary records (tickets
 * and ratings, alternately) and then one dossier whose documents are scanned PDFs, written through
 * the kiosk's own repositories (sealed at rest, each with its outbox entry).
 *
 * The scans stand for what the capture pipeline makes: one PDF per document, ≈ 225 kB per page
 * (pages are compressed JPEGs, ≤ 250 kB), so the bytes are a PDF header and random data —
 * incompressible, as JPEG data is. The default dossier has 20 pages in 8 documents
 * (1, 2, 4, 3, 1, 6, 2, 1 pages): ≈ 4.5 MB.
 */
export const DOSSIER_PAGES = [1, 2, 4, 3, 1, 6, 2, 1] as const;
export const PAGE_BYTES = 225_000;

export interface CounterBacklogInput {
  readonly deviceId: string;
  readonly slot: number;
  readonly branch: BranchConfig;
  /** The kiosk's clock; it moves on as the records are made. */
  readonly clock: Clock & { advance(ms: number): void };
  readonly random: RandomBytes;
  /** Records before the dossier (default 100). */
  readonly records?: number;
  /** Pages per document (default DOSSIER_PAGES). */
  readonly pages?: readonly number[];
  readonly pageBytes?: number;
}

export interface CounterBacklog {
  /** The dossier's scans: their hash and plain bytes. */
  readonly scans: readonly { readonly sha256: string; readonly bytes: Uint8Array }[];
  readonly scanBytes: number;
  readonly dossierCode: string;
  /** Outbox entries written: the records and the dossier. */
  readonly mutations: number;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A scanned document of `pages` pages: a PDF header, then incompressible bytes. */
export function scannedPdf(pages: number, pageBytes = PAGE_BYTES): Uint8Array<ArrayBuffer> {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  return new Uint8Array(Buffer.concat([header, randomBytes(pages * pageBytes - header.length)]));
}

export async function queueCounterBacklog(db: KioskDb, input: CounterBacklogInput): Promise<CounterBacklog> {
  const { branch, clock, random, deviceId } = input;
  const records = input.records ?? 100;
  const groups = branch.serviceGroups.filter((g) => g.active);
  for (let i = 0; i < records; i++) {
    clock.advance(20_000);
    if (i % 2 === 0) {
      await issueTicket(db, { deviceId, kioskSlot: input.slot, branch, group: groups[i % groups.length]!, priority: i % 9 === 0 }, clock, random);
    } else {
      await submitRating(
        db,
        deviceId,
        {
          branchCode: branch.branchCode,
          ticketId: null,
          dossierCode: null,
          counter: `Quầy ${1 + (i % 12)}`,
          level: i % 5 === 0 ? 'dissatisfied' : 'satisfied',
          reasons: i % 5 === 0 ? ['time'] : [],
          comment: i % 5 === 0 ? 'Chờ hơi lâu' : '',
          questionnaireId: null,
          questionnaireVersion: null,
        },
        clock,
        random,
      );
    }
  }

  const reception = branch.reception;
  if (!reception) throw new Error('the branch configuration has no dossier reception');
  const scans = (input.pages ?? DOSSIER_PAGES).map((pages) => {
    const bytes = scannedPdf(pages, input.pageBytes);
    return { sha256: sha256(bytes), bytes, pages };
  });
  clock.advance(60_000);
  const receivedAt = clock.now();
  const appointmentAt = receivedAt + 5 * 86_400_000;
  const { row } = await receiveDossier(
    db,
    {
      deviceId,
      slot: input.slot,
      unitCode: reception.unitCode,
      numbering: reception.numbering,
      utcOffsetMinutes: branch.utcOffsetMinutes,
      receivedAt,
      pdfs: scans.map((s) => ({ sha256: s.sha256, data: new Blob([s.bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }) })),
      // The registry's sample dossier, with this backlog's code, slot, time, scans and appointment.
      build: (code): DossierSubmitArgs => ({
        ...RECORD_SAMPLES['dossier.submit@1'](1, branch.branchCode),
        code: code.code,
        slot: input.slot,
        receivedAt,
        documents: scannedDocuments(scans),
        appointment: { kind: 'date', at: appointmentAt, date: localDayKey(appointmentAt, branch.utcOffsetMinutes), provisional: false },
      }),
    },
    clock,
    random,
  );
  return {
    scans: scans.map(({ sha256: hash, bytes }) => ({ sha256: hash, bytes })),
    scanBytes: scans.reduce((n, s) => n + s.bytes.length, 0),
    dossierCode: row.code,
    mutations: records + 1,
  };
}

/** The documents of a dossier whose every document is one of these scanned PDFs ("Giấy tờ số N"). */
export function scannedDocuments(scans: readonly { sha256: string; bytes: Uint8Array; pages: number }[]): DossierSubmitArgs['documents'] {
  return scans.map((s, i) => ({
    documentId: `giay-${i + 1}`,
    name: `Giấy tờ số ${i + 1}`,
    originals: 1,
    copies: 0,
    sha256: s.sha256,
    size: s.bytes.length,
    pages: s.pages,
    reusedFrom: null,
  }));
}
