import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';

/**
 * Files the server must find again after a power cut: the key file (without it every sealed scan
 * and encrypted field is lost), the hub's identity, a sealed scan once its row commits. A file is
 * durable when its bytes are (fsync of the file) and its name is (fsync of the folder that holds
 * it: a rename or a new entry is only in the folder's metadata until then; ext4 commits it with
 * the next journal commit, other file systems may not). electron/atomicFile.ts does the same for
 * the kiosk's files.
 */

/** Makes a new name, rename or removal in `dir` durable. Windows cannot open a folder for fsync; NTFS journals the change. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fsyncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `path` whole or not at all, and durably: a temporary file in the same folder,
 * fsync'ed, then renamed over `path` (or, with `exclusive`, linked to it: EEXIST when `path`
 * exists, as `wx` would, so two processes creating it at once keep the first), then the folder
 * fsync'ed. `mode` applies to the new file.
 */
export function writeFileDurablySync(path: string, text: string, options: { mode: number; exclusive?: boolean }): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', options.mode);
  try {
    try {
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) linkSync(temporary, path);
    else renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
  fsyncDirSync(dirname(path));
}

/** How much writeFileDurably gathers from a stream before one write. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes `body` (bytes, or a stream of them) to `path` whole or not at all: a temporary file in the
 * same folder (`mode`), fsync'ed, renamed over `path`. A stream's pieces are gathered into writes of
 * about 1 MiB (one writev each, nothing copied: a sealed scan comes as 64 KiB segments and their
 * tags, and a write per piece cost more than the sealing in the blob bench). The folder is not
 * fsync'ed here: a caller writing many files into a few folders syncs each folder once, after its
 * files (fsyncDirs, foldersMade).
 */
export async function writeFileDurably(path: string, body: Uint8Array | string | Readable | AsyncIterable<Uint8Array>, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        await writeAll(handle, [bytes], bytes.length);
      } else {
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        for await (const chunk of body) {
          const piece = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
          batch.push(piece);
          batchBytes += piece.length;
          if (batchBytes >= WRITE_BATCH_BYTES) {
            await writeAll(handle, batch, batchBytes);
            batch = [];
            batchBytes = 0;
          }
        }
        if (batchBytes > 0) await writeAll(handle, batch, batchBytes);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes every byte of `pieces` at the file's current position (writev may write part of them). */
async function writeAll(handle: FileHandle, pieces: Uint8Array[], total: number): Promise<void> {
  let { bytesWritten } = await handle.writev(pieces);
  while (bytesWritten < total) {
    const rest = Buffer.concat(pieces).subarray(bytesWritten);
    bytesWritten += (await handle.write(rest)).bytesWritten;
  }
}

/**
 * The folders whose entries a new file in `dir` needs on disk: `dir` itself, and, when `mkdir`
 * (recursive) made folders for it (`created`, what it returned: the first folder it made), each
 * folder's entry in its parent, up to the parent of `created`. Deepest first.
 */
export function foldersMade(dir: string, created: string | undefined): string[] {
  const folders = [dir];
  if (created === undefined) return folders;
  for (let made = dir; ; made = dirname(made)) {
    folders.push(dirname(made));
    if (made === created || made === dirname(made)) break;
  }
  return folders;
}

/** fsyncDir of each folder, in the order given. */
export async function fsyncDirs(folders: Iterable<string>): Promise<void> {
  for (const folder of folders) await fsyncDir(folder);
}
