import type { DeviceConfig } from '../shared/deviceConfig';
import { DEFAULT_MIN_FREE_DISK_BYTES, type DiskStatus, type PrintPdfRequest } from '../shared/ipc';
import type { OutboxEntry } from '../shared/outbox';
import { err, ok, type AppError } from '../shared/result';
import type { Platform } from './Platform';

/**
 * In-memory platform for tests: records print jobs, can be told to fail the next ones; keeps the
 * journal and the credential in memory; disk status is whatever the test sets, and
 * `simulateFullDisk(true)` makes the disk low and journal appends fail with `journal.write-failed`.
 */
export interface FakePlatform extends Platform {
  readonly printed: PrintPdfRequest[];
  failPrintingWith(error: AppError | null): void;
  config: DeviceConfig | null;
  disk: DiskStatus;
  setFreeBytes(freeBytes: number): void;
  simulateFullDisk(full: boolean): void;
  /** journalId → entries in append order (first copy of each mutationId). */
  readonly journals: Map<string, OutboxEntry[]>;
  credential: string | null;
  /** false: the credential methods answer `credential.no-keystore`, like main without a keystore. */
  keystoreAvailable: boolean;
}

const FAKE_TOTAL_BYTES = 64 * 1024 * 1024 * 1024;

export function createFakePlatform(initial: DeviceConfig | null = null): FakePlatform {
  let printFailure: AppError | null = null;
  let diskFull = false;
  const printed: PrintPdfRequest[] = [];
  const diskWith = (freeBytes: number): DiskStatus => ({
    freeBytes,
    totalBytes: FAKE_TOTAL_BYTES,
    thresholdBytes: DEFAULT_MIN_FREE_DISK_BYTES,
    low: freeBytes < DEFAULT_MIN_FREE_DISK_BYTES,
  });
  const fake: FakePlatform = {
    kind: 'fake',
    printed,
    config: initial,
    disk: diskWith(32 * 1024 * 1024 * 1024),
    journals: new Map(),
    credential: null,
    keystoreAvailable: true,
    failPrintingWith(error) {
      printFailure = error;
    },
    setFreeBytes(freeBytes) {
      fake.disk = diskWith(freeBytes);
    },
    simulateFullDisk(full) {
      diskFull = full;
      if (full) fake.setFreeBytes(0);
    },
    async printPdf(request) {
      if (printFailure) return err(printFailure.code, printFailure.detail);
      printed.push(request);
      return ok({ jobId: `fake-${printed.length}` });
    },
    async listPrinters() {
      return ok([{ name: 'Fake_Thermal_80mm', isDefault: true, status: 'idle' as const }]);
    },
    async readConfig() {
      return ok(fake.config);
    },
    async writeConfig(config) {
      fake.config = config;
      return ok(config);
    },
    async appInfo() {
      return ok({ version: '0.0.0-test', shell: 'browser' as const, electronVersion: null, chromeVersion: null, packaged: false, platform: 'test' });
    },
    async diskStatus() {
      return ok({ ...fake.disk });
    },
    async journalAppend({ journalId, entries }) {
      if (diskFull) return err('journal.write-failed', 'ENOSPC: no space left on device (simulated)');
      const journal = fake.journals.get(journalId) ?? [];
      for (const entry of entries) {
        if (!journal.some((e) => e.mutationId === entry.mutationId)) journal.push(structuredClone(entry));
      }
      fake.journals.set(journalId, journal);
      return ok({ appended: entries.length });
    },
    async journalRead() {
      return ok({ journals: [...fake.journals].map(([journalId, entries]) => ({ journalId, entries: structuredClone(entries), skippedLines: 0 })) });
    },
    async journalConfirm({ journalId, upToSeq }) {
      const remaining = (fake.journals.get(journalId) ?? []).filter((e) => e.deviceSeq > upToSeq);
      if (remaining.length === 0) fake.journals.delete(journalId);
      else fake.journals.set(journalId, remaining);
      return ok({ remaining: remaining.length });
    },
    async credentialRead() {
      if (!fake.keystoreAvailable) return err('credential.no-keystore', 'no keystore (fake)');
      return ok(fake.credential);
    },
    async credentialWrite({ token }) {
      if (token !== null && !fake.keystoreAvailable) return err('credential.no-keystore', 'no keystore (fake)');
      fake.credential = token;
      return ok({ stored: token !== null });
    },
  };
  return fake;
}
