import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { BranchConfig } from '../../src/shared/branchConfig';
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

export function seededBranch(): BranchConfig {
  return BranchConfig.parse(JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')));
}

export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
