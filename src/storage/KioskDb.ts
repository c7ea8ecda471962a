import Dexie, { type Table } from 'dexie';
import type { Ticket } from '../domain/ticket';
import type { OutboxEntry } from '../shared/outbox';

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

export type DeviceEventKind = 'print.failed';

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

export const JOURNAL_DB_NAME = 'hpasc-kiosk-journal';
export const JOURNAL_SCHEMA_VERSION = 1;

export class KioskDb extends Dexie {
  tickets!: Table<Ticket, string>;
  outbox!: Table<OutboxEntry, string>;
  counters!: Table<CounterRow, string>;
  settings!: Table<SettingRow, string>;
  events!: Table<DeviceEvent, number>;

  constructor(name: string = JOURNAL_DB_NAME, options: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {}) {
    super(name, { chromeTransactionDurability: 'strict', ...options });
    this.version(1).stores({
      tickets: 'id, [day+groupPrefix+status], day, issuedAt',
      outbox: 'mutationId, &deviceSeq',
      counters: 'key',
      settings: 'key',
      events: '++id, at, kind',
    });
  }
}
