import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { BranchConfig } from '../../src/shared/branchConfig';
import { KioskDb } from '../../src/storage/KioskDb';

/** A fresh, private IndexedDB per call: tests never share a data folder. */
export function freshDb(name = 'test'): KioskDb {
  return new KioskDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
}

export function seededBranch(): BranchConfig {
  return BranchConfig.parse(JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')));
}

export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
