import Dexie, { type Table } from 'dexie';
import type { PublishedEntity, Scope } from '../shared/published';

/**
 * The centre's published data as this kiosk last pulled it (catalog, calendar, branch
 * configuration, questionnaire, dossier statuses), one row per (scope, entity, key), and one cursor
 * per scope. Everything here can be pulled again, so the database uses Chromium's default relaxed
 * durability; what matters is that a page and its cursor commit in one transaction (src/sync).
 */
export interface ReferenceRow {
  readonly scope: Scope;
  readonly entity: PublishedEntity;
  readonly key: string;
  readonly seq: number;
  readonly checksum: number;
  readonly data: unknown;
}

export interface CursorRow {
  readonly scope: Scope;
  readonly cursor: number;
  /** When a page was last applied (kiosk clock; diagnostics only). */
  readonly pulledAt: number;
}

export const REFERENCE_DB_NAME = 'hpasc-kiosk-reference';

export class ReferenceDb extends Dexie {
  records!: Table<ReferenceRow, [string, string, string]>;
  cursors!: Table<CursorRow, string>;

  constructor(name: string = REFERENCE_DB_NAME, options: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {}) {
    super(name, options);
    this.version(1).stores({
      records: '[scope+entity+key], [scope+entity], scope',
      cursors: 'scope',
    });
  }
}
