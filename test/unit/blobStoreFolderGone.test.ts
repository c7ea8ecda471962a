import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskStorage, sealedKey } from '../../src/server/blobStore';

/** A sealed body as blobs.ts hands it over: a stream of pieces. */
async function* pieces(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}
/** Found in a review of the 2026-12-07 fixes: each case here failed against the first version of its fix. */
describe('sealed-blob folders made once per process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpasc-blobfolder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a folder removed while the server runs (an operator, a restore) is made again for the next write', async () => {
    const storage = diskStorage(dir);
    const sha = 'ab'.repeat(32);
    await storage.writeStored(sealedKey(sha, 'one'), pieces('first'), 5);
    // The operator clears the stored scans (moved to other storage, or restored from a backup without this folder).
    rmSync(join(dir, 'sha256'), { recursive: true, force: true });
    // Every later scan whose hash starts with "ab" now fails with ENOENT until the process restarts.
    await storage.writeStored(sealedKey(sha, 'two'), pieces('second'), 6);
    expect(await readFile(join(dir, sealedKey(sha, 'two')), 'utf8')).toBe('second');
  });
});
