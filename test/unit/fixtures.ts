import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { Procedure } from '../../src/shared/catalog';
import { KioskDb } from '../../src/storage/KioskDb';
import { PersonalCipher } from '../../src/storage/personalCipher';

/** The data key the fake platform hands out (src/platform/fakePlatform.ts), as bytes. */
export const FAKE_DATA_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
/** The cipher a kiosk started on the fake platform uses: what tests' databases seal with. */
export const testCipher = await PersonalCipher.fromDataKey(FAKE_DATA_KEY);

/** A fresh, private IndexedDB per call (tests never share a data folder), its data key loaded. */
export function freshDb(name = 'test'): KioskDb {
  const db = new KioskDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
  db.personal = testCipher;
  return db;
}

/** A file of the repository's assets/, by a path (jsdom-safe: under jsdom the global URL is not Node's, and fs refuses it). */
const asset = (...parts: string[]): string => join(dirname(fileURLToPath(import.meta.url)), '../../assets', ...parts);

/** The shipped fonts, as a kiosk's `loadFonts` hands them over. */
export function fixtureFonts(): { regular: Uint8Array; bold: Uint8Array } {
  return {
    regular: new Uint8Array(readFileSync(asset('fonts', 'BeVietnamPro-Regular.ttf'))),
    bold: new Uint8Array(readFileSync(asset('fonts', 'BeVietnamPro-Bold.ttf'))),
  };
}

/** The shipped working-day calendars (2025–2027), as a kiosk seeds them. */
export function fixtureCalendars(): unknown[] {
  return ['2025', '2026', '2027'].map((y) => JSON.parse(readFileSync(asset('calendar', `${y}.json`), 'utf8')) as unknown);
}

/** A procedure with one required paper and the DOMAIN.md worked example's 5 working days. */
export const FIVE_DAY_PROCEDURE: Procedure = {
  code: '1.999999',
  name: 'Đăng ký thử nghiệm hồ sơ',
  field: 'Hộ tịch',
  level: ['xa'],
  agency: 'UBND phường',
  channels: [{ channel: 'in-person', workingDays: 5, timeText: '5 Ngày làm việc', feeVnd: 0, feeText: 'Miễn phí' }],
  documents: [{ id: 'd1', name: 'Tờ khai đăng ký', originals: 1, copies: 0, optional: false, formTemplate: null, group: null }],
  applicants: 'Công dân',
  conditions: '',
  result: 'Giấy xác nhận',
  legalBasis: [],
  active: true,
};

export function seededBranch(): BranchConfig {
  return BranchConfig.parse(JSON.parse(readFileSync(asset('config', 'branch.json'), 'utf8')));
}

export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
