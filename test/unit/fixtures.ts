import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  // A path, not a URL object: under jsdom (component tests) the global URL is not Node's, and fs refuses it.
  return BranchConfig.parse(JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../assets/config/branch.json'), 'utf8')));
}

export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
