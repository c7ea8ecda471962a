import Dexie, { type Table } from 'dexie';
import type { Ticket } from '../domain/ticket';
import type { OutboxEntry } from '../shared/outbox';
import type { WireError } from '../shared/sync';
import type { DossierSubmitArgs, RatingSubmitArgs } from '../shared/records';
import { AppFailure } from '../shared/result';
import type { PersonalCipher, SealedBox } from './personalCipher';

/**
 * The kiosk's journal database: what a citizen or officer would miss after a power cut (tickets,
 * the sync outbox, counters, device events). Opened with strict durability, so a transaction is
 * reported complete only after it reached the disk — Chromium's default "relaxed" durability can
 * lose the last seconds of writes on power loss.
 *
 * Schema versions only move forward. Each version below is kept forever; a new version adds a
 * `this.version(N)` block with its upgrade, and gets a migration test with a non-empty outbox.
 */
export interface CounterRow {
  /** "seq|<day>|<prefix>" for ticket sequences, "deviceSeq" for the outbox sequence. */
  readonly key: string;
  readonly value: number;
}

export interface SettingRow {
  readonly key: string;
  readonly value: unknown;
}

export type DeviceEventKind =
  'print.failed' | 'sync.rejected' | 'sync.stuck' | 'journal.restored' | 'journal.failed' | 'disk.low' | 'receipt.printed' | 'blob.failed' | 'datakey.failed';

/** What a technician reads in diagnostics. Never contains personal data. */
export interface DeviceEvent {
  readonly id?: number;
  readonly at: number;
  readonly kind: DeviceEventKind;
  readonly code: string;
  readonly detail: string;
  /** A ticket number or dossier code the event is about, if any. */
  readonly subject: string | null;
}

/** A citizen's rating as stored locally (the same fields as its `rating.submit@1` mutation). */
export type Rating = RatingSubmitArgs & { readonly syncedAt: number | null };

/**
 * A mutation the server refused for good (DESIGN.md: "never drops it silently"). Its outbox entry
 * is gone (the server advanced past it); this row is what staff see on the sync-issues screen.
 */
export interface SyncIssue {
  readonly mutationId: string;
  readonly deviceSeq: number;
  readonly name: string;
  readonly reason: WireError;
  /** What the record was, for staff (e.g. "ticket A1005 of 2026-11-24"); never personal data. */
  readonly subject: string;
  /** When the kiosk learnt of the rejection (kiosk clock). */
  readonly at: number;
  /** Set when a staff member has looked at it and dismissed it. */
  readonly acknowledgedAt: number | null;
}

/**
 * pending → uploading (a tus upload exists) → verified (the centre holds it). Behind a branch hub,
 * 'held' between the last two: the hub verified it, the centre does not have it yet; the scan is
 * kept and asked about again, and uploaded afresh if the hub no longer holds it.
 */
export const BLOB_STATES = ['pending', 'uploading', 'held', 'verified'] as const;
export type BlobState = (typeof BLOB_STATES)[number];

/**
 * A scanned document waiting to reach the server, addressed by its SHA-256. The tus upload URL
 * and the confirmed offset live here (not in localStorage), so an upload resumes after a restart.
 */
export interface BlobRecord {
  readonly sha256: string;
  /** The scan's size in bytes (of the plain scan, not of its sealed form). */
  readonly size: number;
  readonly mimeType: string;
  /**
   * The scan's bytes as stored: sealed (see personalCipher.ts) when `sealed` is true; rows written
   * before sealing existed are sealed at start (`sealPlainRows`). Read them through
   * `openBlobData` (blobRepository.ts), never directly.
   */
  readonly data: Blob;
  readonly sealed?: true;
  readonly state: BlobState;
  readonly uploadUrl: string | null;
  readonly createdAt: number;
  readonly verifiedAt: number | null;
  /**
   * Why the last attempt to send it failed, when (kiosk clock), since when it has been failing
   * and how many attempts failed; cleared when the server verifies it. Absent on rows written
   * before these fields existed (no index, so no schema version): read absent as null / 0.
   */
  readonly lastError?: WireError | null;
  readonly lastAttemptAt?: number | null;
  readonly failingSince?: number | null;
  readonly failedAttempts?: number;
}

/**
 * A dossier's arguments as the officer and the receipt see them: exactly its `dossier.submit@1`
 * arguments, except that the look-up secret is null once the receipt printed (the centre keeps only
 * its hash; the citizen holds it on paper).
 */
export type DossierRecord = Omit<DossierSubmitArgs, 'lookupSecret'> & { readonly lookupSecret: string | null };

/**
 * A received dossier as the repositories hand it out (opened). The document PDFs are rows of
 * `blobs`, referenced by SHA-256. Holds personal data: it is pruned like tickets, after the centre
 * confirmed it and a retention window.
 */
export interface DossierRow {
  readonly id: string;
  readonly code: string;
  /** The receipt's local day, 'YYYY-MM-DD' (branch time). */
  readonly day: string;
  readonly receivedAt: number;
  readonly args: DossierRecord;
  /** The queue ticket of the citizen it was received from (not part of `dossier.submit@1`), if any. */
  readonly ticketNumber: string | null;
  readonly syncedAt: number | null;
  readonly printedAt: number | null;
  readonly printCount: number;
}

/**
 * A received dossier as stored in `dossiers`: the arguments sealed (personalCipher.ts), the ID
 * number only as its blind index, the documents' hashes and names (no personal data) in clear for
 * pruning and the stuck-scans list. A row written before sealing existed has `args` in clear and no
 * `sealed`; `sealPlainRows` converts it at start.
 */
export interface StoredDossierRow {
  readonly id: string;
  readonly code: string;
  readonly day: string;
  readonly receivedAt: number;
  /** Blind index (HMAC) of the applicant's ID number, indexed for "never ask twice for a paper". */
  readonly applicantId: string;
  readonly sealed?: SealedBox;
  readonly documents?: readonly { readonly sha256: string; readonly name: string }[];
  /** Only on rows written before sealing existed. */
  readonly args?: DossierSubmitArgs;
  /**
   * The queue ticket being served when it was received ("A015"; no personal data, so in clear).
   * Local only: `dossier.submit@1` does not carry it (the queue log's `finish` links ticket and
   * dossiers at the centre). Absent on rows written before it existed and on rows restored from
   * the file journal. Not indexed: no schema version.
   */
  readonly ticketNumber?: string | null;
  readonly syncedAt: number | null;
  readonly printedAt: number | null;
  readonly printCount: number;
}

/**
 * "Never ask twice for a paper the state holds": every document PDF a citizen gave at this branch,
 * by ID number, kept for the branch's reuse window even after the dossier row itself is pruned.
 */
export interface DocumentIndexRow {
  /** Blind index (HMAC) of the citizen's ID number (rows written before sealing: the number, converted at start). */
  readonly applicantId: string;
  readonly sha256: string;
  readonly size: number;
  readonly pages: number;
  readonly name: string;
  readonly documentId: string;
  readonly dossierCode: string;
  readonly procedureName: string;
  readonly receivedAt: number;
}

export const JOURNAL_DB_NAME = 'hpasc-kiosk-journal';
/** The journal's schema version, recorded in every outbox entry. */
export const JOURNAL_SCHEMA_VERSION = 3;
/** settings key of this database's journal id (see src/shared/sync.ts: one sequence per journal). */
export const JOURNAL_ID_KEY = 'journalId';
/** The journal id of databases created before journal ids existed (schema v1). */
export const LEGACY_JOURNAL_ID = '00000000-0000-0000-0000-000000000000';

export class KioskDb extends Dexie {
  tickets!: Table<Ticket, string>;
  outbox!: Table<OutboxEntry, string>;
  counters!: Table<CounterRow, string>;
  settings!: Table<SettingRow, string>;
  events!: Table<DeviceEvent, number>;
  ratings!: Table<Rating, string>;
  syncIssues!: Table<SyncIssue, string>;
  blobs!: Table<BlobRecord, string>;
  dossiers!: Table<StoredDossierRow, string>;
  documentIndex!: Table<DocumentIndexRow, [string, string]>;
  /**
   * Seals and opens the personal data of this database. Set once at start (KioskApp, from the
   * platform's data key) before anything personal is read or written; never persisted here.
   */
  personal: PersonalCipher | null = null;

  /** The cipher, or a clear failure: personal data is never written in clear for want of a key. */
  cipher(): PersonalCipher {
    if (!this.personal) throw new AppFailure('storage.locked', "this machine's data key is not loaded: personal data can be neither read nor written");
    return this.personal;
  }

  constructor(name: string = JOURNAL_DB_NAME, options: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {}) {
    super(name, { chromeTransactionDurability: 'strict', ...options });
    this.version(1).stores({
      tickets: 'id, [day+groupPrefix+status], day, issuedAt',
      outbox: 'mutationId, &deviceSeq',
      counters: 'key',
      settings: 'key',
      events: '++id, at, kind',
    });
    // v2 (issue 3, sync): ratings, rejected mutations, blobs; tickets and ratings remember when the
    // server confirmed them (pruning waits for that plus a retention window). No data moves.
    this.version(2)
      .stores({
        tickets: 'id, [day+groupPrefix+status], day, issuedAt, syncedAt',
        ratings: 'id, submittedAt, syncedAt',
        syncIssues: 'mutationId, deviceSeq, at',
        blobs: 'sha256, state, createdAt',
      })
      .upgrade(async (tx) => {
        // A v1 journal numbered its mutations before journals had ids: it continues as the legacy
        // stream, which the server's migration 002 also uses for devices enrolled before it.
        const settings = tx.table('settings');
        if (!(await settings.get(JOURNAL_ID_KEY))) await settings.add({ key: JOURNAL_ID_KEY, value: LEGACY_JOURNAL_ID });
      });
    // v3 (issue 4, counter): received dossiers. New table only; no data moves.
    this.version(3).stores({
      dossiers: 'id, &code, day, receivedAt, applicantId, syncedAt',
      documentIndex: '[applicantId+sha256], applicantId, receivedAt',
    });
    // The journal id is born with the database: a database created afresh (after a loss) gets a
    // new id, so its sequence is a new stream on the server and never collides with the old one.
    this.on('populate', (tx) => {
      void tx.table('settings').add({ key: JOURNAL_ID_KEY, value: crypto.randomUUID() });
    });
  }
}
