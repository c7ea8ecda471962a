import { describe, expect, it } from 'vitest';
import { createBrowserPlatform, type BrowserPlatformDeps } from '../../src/platform/browserPlatform';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import { DEFAULT_MIN_FREE_DISK_BYTES } from '../../src/shared/ipc';
import type { OutboxEntry } from '../../src/shared/outbox';
import { ok } from '../../src/shared/result';

/** The durability methods of the browser and fake platforms (the Electron one is covered over IPC). */

const MIB = 1024 * 1024;
const JOURNAL_ID = '0190a5d2-7b3c-7def-8abc-00000000000a';
const TOKEN = 'k'.repeat(40);

function entry(seq: number): OutboxEntry {
  return {
    mutationId: `0190a5d2-7b3c-7def-8abc-${String(seq).padStart(12, '0')}`,
    deviceId: '0190a5d2-7b3c-7def-8abc-1234567890ab',
    deviceSeq: seq,
    name: 'rating.submit@1',
    args: { level: 5 },
    schemaVersion: 2,
    createdAt: 1,
    bytes: 10,
  };
}

function browser(storageManager: BrowserPlatformDeps['storageManager']) {
  return createBrowserPlatform({ document: {} as Document, storage: {} as Storage, appVersion: '0.1.0', userAgent: 'Chrome/146.0', storageManager });
}

describe('browser platform', () => {
  it('estimates free space as quota − usage, low below 512 MiB', async () => {
    expect(await browser({ estimate: async () => ({ quota: 10_000 * MIB, usage: 1000 * MIB }) }).diskStatus()).toEqual(
      ok({ freeBytes: 9000 * MIB, totalBytes: 10_000 * MIB, thresholdBytes: DEFAULT_MIN_FREE_DISK_BYTES, low: false }),
    );
    expect(await browser({ estimate: async () => ({ quota: 1000 * MIB, usage: 600 * MIB }) }).diskStatus()).toMatchObject(
      ok({ freeBytes: 400 * MIB, low: true }),
    );
    expect(await browser({ estimate: async () => ({ quota: 100, usage: 200 }) }).diskStatus()).toMatchObject(ok({ freeBytes: 0, low: true }));
  });

  it('answers disk.unavailable without a storage estimate', async () => {
    expect(await browser(undefined).diskStatus()).toMatchObject({ ok: false, error: { code: 'disk.unavailable' } });
    expect(await browser({ estimate: async () => ({}) }).diskStatus()).toMatchObject({ ok: false, error: { code: 'disk.unavailable' } });
    expect(await browser({ estimate: () => Promise.reject(new Error('SecurityError')) }).diskStatus()).toMatchObject({
      ok: false,
      error: { code: 'disk.unavailable' },
    });
  });

  it('keeps no second copy of the outbox', async () => {
    const platform = browser(undefined);
    expect(await platform.journalAppend({ journalId: JOURNAL_ID, entries: [entry(1)] })).toEqual(ok({ appended: 0 }));
    expect(await platform.journalRead()).toEqual(ok({ journals: [] }));
    expect(await platform.journalConfirm({ journalId: JOURNAL_ID, upToSeq: 1 })).toEqual(ok({ remaining: 0 }));
  });

  it('has no keystore', async () => {
    const platform = browser(undefined);
    expect(await platform.credentialRead()).toMatchObject({ ok: false, error: { code: 'credential.unsupported' } });
    expect(await platform.credentialWrite({ token: TOKEN })).toMatchObject({ ok: false, error: { code: 'credential.unsupported' } });
  });
});

describe('fake platform', () => {
  it('keeps the journal in memory like main does', async () => {
    const fake = createFakePlatform();
    await fake.journalAppend({ journalId: JOURNAL_ID, entries: [entry(1), entry(2)] });
    await fake.journalAppend({ journalId: JOURNAL_ID, entries: [entry(2), entry(3)] });
    expect(await fake.journalRead()).toEqual(
      ok({ journals: [{ journalId: JOURNAL_ID, entries: [entry(1), entry(2), entry(3)], skippedLines: 0 }], marks: [] }),
    );
    expect(await fake.journalConfirm({ journalId: JOURNAL_ID, upToSeq: 2 })).toEqual(ok({ remaining: 1 }));
    expect(await fake.journalConfirm({ journalId: JOURNAL_ID, upToSeq: 3 })).toEqual(ok({ remaining: 0 }));
    expect(await fake.journalRead()).toEqual(ok({ journals: [], marks: [] }));
  });

  it('lets a test set the disk and simulate a full one', async () => {
    const fake = createFakePlatform();
    expect(await fake.diskStatus()).toMatchObject(ok({ low: false }));
    fake.setFreeBytes(100 * MIB);
    expect(await fake.diskStatus()).toMatchObject(ok({ freeBytes: 100 * MIB, low: true }));
    fake.simulateFullDisk(true);
    expect(await fake.diskStatus()).toMatchObject(ok({ freeBytes: 0, low: true }));
    expect(await fake.journalAppend({ journalId: JOURNAL_ID, entries: [entry(1)] })).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
    fake.simulateFullDisk(false);
    fake.setFreeBytes(10_000 * MIB);
    expect(await fake.journalAppend({ journalId: JOURNAL_ID, entries: [entry(1)] })).toEqual(ok({ appended: 1 }));
  });

  it('keeps the credential, or refuses like main without a keystore', async () => {
    const fake = createFakePlatform();
    expect(await fake.credentialWrite({ token: TOKEN })).toEqual(ok({ stored: true }));
    expect(await fake.credentialRead()).toEqual(ok(TOKEN));
    fake.keystoreAvailable = false;
    expect(await fake.credentialRead()).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(await fake.credentialWrite({ token: TOKEN })).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(await fake.credentialWrite({ token: null })).toEqual(ok({ stored: false }));
  });
});
