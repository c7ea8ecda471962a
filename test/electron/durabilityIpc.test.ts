import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialStore } from '../../electron/credentialStore';
import { DiskWatcher } from '../../electron/diskWatcher';
import { buildAppInfo, createIpcHandlers, type IpcHandlers } from '../../electron/ipcHandlers';
import { JournalStore } from '../../electron/journalStore';
import { MAX_JOURNAL_BATCH } from '../../src/shared/ipc';
import type { OutboxEntry } from '../../src/shared/outbox';
import { err, ok } from '../../src/shared/result';

/** The durability methods through the real handlers and the real stores, in a temp userData. */

const DEVICE_ID = '0190a5d2-7b3c-7def-8abc-1234567890ab';
const JOURNAL_ID = '0190a5d2-7b3c-7def-8abc-00000000000a';
const TOKEN = 'A'.repeat(20) + 'b_c-' + '9'.repeat(20);

function entry(seq: number, args: unknown = { serviceGroupId: 'civil' }): OutboxEntry {
  return {
    mutationId: `0190a5d2-7b3c-7def-8abc-${String(seq).padStart(12, '0')}`,
    deviceId: DEVICE_ID,
    deviceSeq: seq,
    name: 'ticket.issue@1',
    args,
    schemaVersion: 2,
    createdAt: 1_763_900_000_000,
    bytes: 64,
  };
}

const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
  decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
};

describe('durability IPC (handlers + stores)', () => {
  let userData: string;
  let handlers: IpcHandlers;
  let journal: JournalStore;
  let freeMiB: number;
  beforeEach(async () => {
    userData = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-durability-ipc-'));
    journal = new JournalStore(userData);
    freeMiB = 4096;
    const disk = new DiskWatcher({
      dir: userData,
      thresholdBytes: 512 * 1024 * 1024,
      statfs: async () => ({ bsize: 1024 * 1024, blocks: 100_000, bavail: freeMiB }),
    });
    const credential = new CredentialStore(userData, safeStorage, 'win32');
    handlers = createIpcHandlers({
      printPdf: async () => err('print.failed', 'unused'),
      listPrinters: async () => ok([]),
      dataKeyRead: async () => err('datakey.unreadable', 'unused'),
      readConfig: async () => ok(null),
      writeConfig: async (c) => ok(c),
      appInfo: () => buildAppInfo({ version: '0', packaged: false, versions: {}, platform: 'linux' }),
      diskStatus: () => disk.sample(),
      journalAppend: vi.fn((r) => journal.append(r)),
      journalRead: () => journal.read(),
      journalConfirm: vi.fn((r) => journal.confirm(r)),
      journalReserve: (r) => journal.reserve(r),
      credentialRead: () => credential.read(),
      credentialWrite: vi.fn((t) => credential.write(t)),
    });
  });
  afterEach(async () => {
    await fs.rm(userData, { recursive: true, force: true });
  });

  it('round-trips the journal through the contract', async () => {
    expect(await handlers.journalAppend({ journalId: JOURNAL_ID, entries: [entry(1), entry(2, { nested: [1, 'two', null] })] })).toEqual(ok({ appended: 2 }));
    expect(await handlers.journalRead(undefined)).toEqual(
      ok({ journals: [{ journalId: JOURNAL_ID, entries: [entry(1), entry(2, { nested: [1, 'two', null] })], skippedLines: 0 }], marks: [] }),
    );
    expect(await handlers.journalConfirm({ journalId: JOURNAL_ID, upToSeq: 1 })).toEqual(ok({ remaining: 1 }));
    expect(await handlers.journalConfirm({ journalId: JOURNAL_ID, upToSeq: 2 })).toEqual(ok({ remaining: 0 }));
    expect(await handlers.journalRead(undefined)).toEqual(ok({ journals: [], marks: [] }));
  });

  it('keeps counter high-water marks through the contract, and refuses a key that is not a counter', async () => {
    expect(await handlers.journalReserve({ marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] })).toEqual(
      ok({ marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] }),
    );
    expect(await handlers.journalRead(undefined)).toEqual(ok({ journals: [], marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] }));
    const bad = await handlers.journalReserve({ marks: [{ key: '../../etc/passwd', value: 1 }] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
  });

  it('answers disk status and its threshold crossing', async () => {
    expect(await handlers.diskStatus(undefined)).toEqual(
      ok({ freeBytes: 4096 * 1024 * 1024, totalBytes: 100_000 * 1024 * 1024, thresholdBytes: 512 * 1024 * 1024, low: false }),
    );
    freeMiB = 100;
    expect(await handlers.diskStatus(undefined)).toMatchObject(ok({ low: true }));
  });

  it('round-trips the credential', async () => {
    expect(await handlers.credentialRead(undefined)).toEqual(ok(null));
    expect(await handlers.credentialWrite({ token: TOKEN })).toEqual(ok({ stored: true }));
    expect(await handlers.credentialRead(undefined)).toEqual(ok(TOKEN));
    expect(await handlers.credentialWrite({ token: null })).toEqual(ok({ stored: false }));
    expect(await handlers.credentialRead(undefined)).toEqual(ok(null));
  });

  const tooMany = Array.from({ length: MAX_JOURNAL_BATCH + 1 }, (_, i) => entry(i + 1));
  const tooBig = Array.from({ length: 3 }, (_, i) => entry(i + 1, { blob: 'x'.repeat(400_000) }));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['no entries', { journalId: JOURNAL_ID, entries: [] }],
    ['more than 100 entries', { journalId: JOURNAL_ID, entries: tooMany }],
    ['more than 1 MiB of JSON', { journalId: JOURNAL_ID, entries: tooBig }],
    ['a path in the journal id', { journalId: '../../etc/passwd', entries: [entry(1)] }],
    ['a journal id with a slash', { journalId: '0190a5d2-7b3c-7def-8abc/0000000000a', entries: [entry(1)] }],
    ['a missing journal id', { entries: [entry(1)] }],
    ['an extra field', { journalId: JOURNAL_ID, entries: [entry(1)], sync: true }],
    ['an entry with an extra field', { journalId: JOURNAL_ID, entries: [{ ...entry(1), extra: 1 }] }],
    ['an entry without mutationId', { journalId: JOURNAL_ID, entries: [{ ...entry(1), mutationId: undefined }] }],
    ['deviceSeq 0', { journalId: JOURNAL_ID, entries: [entry(0)] }],
    ['deviceSeq 1.5', { journalId: JOURNAL_ID, entries: [{ ...entry(1), deviceSeq: 1.5 }] }],
    ['an unknown mutation name', { journalId: JOURNAL_ID, entries: [{ ...entry(1), name: 'rm -rf@1' }] }],
    ['a bad device id', { journalId: JOURNAL_ID, entries: [{ ...entry(1), deviceId: 'kiosk-1' }] }],
    ['negative bytes', { journalId: JOURNAL_ID, entries: [{ ...entry(1), bytes: -1 }] }],
    ['args without a JSON form (BigInt)', { journalId: JOURNAL_ID, entries: [entry(1, { n: 10n })] }],
    ['cyclic args', { journalId: JOURNAL_ID, entries: [entry(1, cyclic)] }],
    ['entries as an object', { journalId: JOURNAL_ID, entries: { 0: entry(1) } }],
  ])('journalAppend refuses %s and writes nothing', async (_name, payload) => {
    const r = await handlers.journalAppend(payload);
    expect(r).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    expect(!r.ok && r.error.detail.length).toBeLessThan(700);
    expect(await fs.readdir(userData)).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['a negative seq', { journalId: JOURNAL_ID, upToSeq: -1 }],
    ['a fractional seq', { journalId: JOURNAL_ID, upToSeq: 1.5 }],
    ['a string seq', { journalId: JOURNAL_ID, upToSeq: '3' }],
    ['a path as journal id', { journalId: '../credential', upToSeq: 3 }],
    ['nothing', undefined],
  ])('journalConfirm refuses %s', async (_name, payload) => {
    expect(await handlers.journalConfirm(payload)).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
  });

  it.each<[string, unknown]>([
    ['a bare string', TOKEN],
    ['too short', { token: 'a'.repeat(31) }],
    ['too long', { token: 'a'.repeat(129) }],
    ['a space', { token: `${'a'.repeat(40)} b` }],
    ['a dot', { token: `${'a'.repeat(40)}.b` }],
    ['non-ASCII', { token: `${'a'.repeat(40)}ư` }],
    ['a missing token', {}],
    ['an extra field', { token: TOKEN, plaintext: true }],
  ])('credentialWrite refuses %s without echoing it', async (_name, payload) => {
    const r = await handlers.credentialWrite(payload);
    expect(r).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
    expect(JSON.stringify(r)).not.toContain('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(await fs.readdir(userData)).toEqual([]);
  });

  it('accepts the token boundaries (32 and 128 characters)', async () => {
    expect(await handlers.credentialWrite({ token: 'a'.repeat(32) })).toEqual(ok({ stored: true }));
    expect(await handlers.credentialWrite({ token: 'Z'.repeat(128) })).toEqual(ok({ stored: true }));
  });
});
