import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
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
