import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Durable file replacement for main-process stores (device config, journal compaction, credential).
 *
 * Guarantee: after `writeFileAtomic` resolves, a power cut leaves `filePath` holding the new bytes;
 * if it rejects or the power fails before it resolves, the file holds the old bytes (or is still
 * absent), never a mix. Method: write a temp file in the same folder, fsync it, rename it over the
 * target (atomic within one file system), fsync the folder so the rename itself is on disk.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${randomUUID()}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, filePath);
    await fsyncDir(dir);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Deletes a file durably (missing is fine): unlink, then fsync the folder. */
export async function removeFileDurably(filePath: string): Promise<void> {
  await fs.rm(filePath, { force: true });
  await fsyncDir(path.dirname(filePath));
}

/** Makes a rename or unlink durable. Windows cannot open a directory for fsync; NTFS journals the rename. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
