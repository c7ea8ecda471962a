import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

/** What the disk store asks of the disk, in order (test/support/diskEvents.ts). */
const diskEvents = vi.hoisted((): string[] => []);
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../support/diskEvents')).recordingFsPromises(await importOriginal<typeof FsPromises>(), diskEvents),
);
const { diskStorage } = await import('../../src/server/blobStore');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Two scans sealed at once into a prefix folder that does not exist yet (found in review,
 * 2026-12-07): the first makes the folders and fsyncs their entries only once its own (large) file
 * is written, while mkdir answers the second at once. The second must not be reported stored, so
 * its row committed and the kiosk's copy pruned, before those entries are on disk.
 */
it('a sealed scan is reported stored only once the folders naming it are on disk, even when another writer made them', async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hpasc-folders-')));
  const storage = diskStorage(dir);
  let started!: () => void;
  const aStarted = new Promise<void>((resolve) => (started = resolve));
  let releaseA!: () => void;
  const aGate = new Promise<void>((resolve) => (releaseA = resolve));
  async function* slowA(): AsyncGenerator<Buffer> {
    started();
    yield Buffer.alloc(10, 1);
    await aGate; // still sealing (a 200 MB scan takes seconds)
    yield Buffer.alloc(10, 2);
  }
  const a = storage.writeStored(`sha256/ab/${'a'.repeat(64)}.u1.sealed`, slowA(), 20);
  await aStarted;
  await storage.writeStored(
    `sha256/ab/${'b'.repeat(64)}.u2.sealed`,
    (async function* () {
      yield Buffer.alloc(10, 3);
    })(),
    10,
  );
  // B reported stored: its row would commit now. Every folder entry naming its file is on disk.
  const synced = diskEvents.filter((e) => e.startsWith('sync ')).map((e) => e.slice('sync '.length));
  releaseA();
  await a;
  expect(synced).toEqual(expect.arrayContaining([join(dir, 'sha256', 'ab'), join(dir, 'sha256'), dir]));
});
