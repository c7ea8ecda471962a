import type * as Fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * What reaches the disk, seen through the fsync calls: each fd fsync'ed is named by the path it was
 * opened with (files and folders alike).
 */
const synced: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const paths = new Map<number, string>();
  return {
    ...fs,
    openSync: (path: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      paths.set(fd, String(path));
      return fd;
    },
    fsyncSync: (fd: number) => {
      fs.fsyncSync(fd);
      synced.push(paths.get(fd) ?? `fd ${fd}`);
    },
  };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof FsPromises>();
  return {
    ...fsp,
    open: async (path: string, ...rest: unknown[]) => {
      const handle = await (fsp.open as (...a: unknown[]) => Promise<FileHandle>)(path, ...rest);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        synced.push(String(path));
      };
      return handle;
    },
  };
});

const { writeFileDurablySync } = await import('../../src/server/durableFiles');
const { diskStorage } = await import('../../src/server/blobStore');

async function* pieces(...bytes: Buffer[]): AsyncGenerator<Buffer> {
  yield* bytes;
}

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'hpasc-durable-')));
  synced.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('files the server must find again after a power cut', () => {
  it('writes a file whole through a temporary one, fsyncs its bytes and then its folder, with the mode asked, leaving nothing else behind', () => {
    const file = join(dir, 'data-keys.json');
    writeFileDurablySync(file, '{"a":1}\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['data-keys.json']);
    // The temporary file's bytes first, then the folder that now names the file.
    expect(synced).toHaveLength(2);
    expect(synced[0]).toMatch(/data-keys\.json\.[0-9a-f]{12}\.tmp$/);
    expect(synced[1]).toBe(dir);

    writeFileDurablySync(file, '{"a":2}\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}\n');
    expect(readdirSync(dir)).toEqual(['data-keys.json']);
  });

  it('exclusive: a file already there is kept and the writer gets EEXIST (two first starts at once keep one key)', () => {
    const file = join(dir, 'data-keys.json');
    writeFileDurablySync(file, 'first', { mode: 0o600, exclusive: true });
    expect(() => writeFileDurablySync(file, 'second', { mode: 0o600, exclusive: true })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['data-keys.json']);
  });

  it('a sealed scan: its bytes, its folder, and the entry of every folder made for it are fsynced before the row may name it', async () => {
    const storage = diskStorage(dir);
    const piece = Buffer.from('sealed bytes');
    const key = 'sha256/ab/abcd.upload.sealed';
    await storage.writeStored(key, pieces(piece), piece.length);
    const leaf = join(dir, 'sha256', 'ab');
    expect(readFileSync(join(dir, key), 'utf8')).toBe('sealed bytes');
    expect(readdirSync(leaf)).toEqual(['abcd.upload.sealed']);
    // The folders made for it (their entries in their parents), the file, then its entry in its folder.
    expect(synced).toHaveLength(4);
    expect(synced[2]).toMatch(/abcd\.upload\.sealed\.[0-9a-f]{12}\.tmp$/);
    expect(new Set(synced.slice(0, 2))).toEqual(new Set([join(dir, 'sha256'), dir]));
    expect(synced[3]).toBe(leaf);

    // A second scan in the same folder: no folder was made, only that folder's new entry.
    synced.length = 0;
    await storage.writeStored('sha256/ab/abce.upload.sealed', pieces(piece), piece.length);
    expect(synced.slice(1)).toEqual([leaf]);
  });
});
