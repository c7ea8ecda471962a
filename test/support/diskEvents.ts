import type * as FsPromises from 'node:fs/promises';

/**
 * node:fs/promises for a `vi.mock` factory, recording in `events`, in order, what the code under
 * test asks of the disk through it: `sync <path>` for each file or folder fsynced (a handle from
 * `open`), `rename <from> → <to>`. The list must exist when the factory runs: make it with
 * `vi.hoisted`.
 */
export function recordingFsPromises(fsp: typeof FsPromises, events: string[]): typeof FsPromises {
  const open = async (path: string, ...rest: unknown[]) => {
    const handle = await (fsp.open as (p: string, ...r: unknown[]) => Promise<FsPromises.FileHandle>)(path, ...rest);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      await sync();
      events.push(`sync ${path}`);
    };
    return handle;
  };
  const rename = async (from: string, to: string) => {
    await fsp.rename(from, to);
    events.push(`rename ${from} → ${to}`);
  };
  return { ...fsp, open, rename, default: { ...fsp, open, rename } } as typeof FsPromises;
}
