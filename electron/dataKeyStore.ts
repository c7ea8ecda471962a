import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DataKeyResponse } from '../src/shared/ipc';
import { describeUnknown, err, ok, type Result } from '../src/shared/result';
import { isErrno, removeFileDurably, writeFileAtomic } from './atomicFile';
import type { SafeStorageLike } from './credentialStore';

/**
 * The device data key: 32 random bytes made on first use, from which the renderer derives the keys
 * that seal personal data at rest (IndexedDB and the journal file; src/storage/personalCipher.ts).
 *
 * - With an OS keystore (DPAPI, Keychain, libsecret/kwallet) the key is kept encrypted by it in
 *   `<userData>/data-key.bin`: a copy of the user-data folder alone does not open the data.
 * - Without one (e.g. a Linux kiosk with no secret service, where safeStorage would use a fixed
 *   public key) it is kept in `<userData>/data-key.plain` with mode 0600 and reported as `file`:
 *   the technician screen says plainly that the data is then protected only by the account's file
 *   permissions. When a keystore appears later, the key moves into it (and the plain file goes).
 * - The key is never replaced once made: a key file that cannot be read is an error
 *   (`datakey.unreadable`), never a reason to make a new key, which would orphan every sealed record.
 * - Created atomically and durably (temp file, fsync, rename); calls are serialised.
 */

export const DATA_KEY_FILE = 'data-key.bin';
export const PLAIN_DATA_KEY_FILE = 'data-key.plain';

export class DataKeyStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  read(): Promise<Result<DataKeyResponse>> {
    const run = this.queue.then(
      () => this.readNow(),
      () => this.readNow(),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private keystoreAvailable(): boolean {
    try {
      if (!this.safeStorage.isEncryptionAvailable()) return false;
      return !(this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text');
    } catch {
      return false;
    }
  }

  private async readFile(name: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(path.join(this.dir, name));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return null;
      throw e;
    }
  }

  private async readNow(): Promise<Result<DataKeyResponse>> {
    try {
      const keystore = this.keystoreAvailable();
      const sealed = await this.readFile(DATA_KEY_FILE);
      if (sealed !== null) {
        if (!keystore) return err('datakey.unreadable', `${DATA_KEY_FILE} is kept by the OS keystore, which is not available now`);
        let key: string;
        try {
          key = this.safeStorage.decryptString(sealed);
        } catch (e) {
          return err(
            'datakey.unreadable',
            `${DATA_KEY_FILE} could not be decrypted (${e instanceof Error ? e.name : 'unknown error'}); the keystore may have changed`,
          );
        }
        if (!isKey(key)) return err('datakey.unreadable', `${DATA_KEY_FILE} does not hold a 32-byte key`);
        return ok({ key, protection: 'os-keystore' });
      }
      const plain = await this.readFile(PLAIN_DATA_KEY_FILE);
      if (plain !== null) {
        const key = plain.toString('utf8').trim();
        if (!isKey(key)) return err('datakey.unreadable', `${PLAIN_DATA_KEY_FILE} does not hold a 32-byte key`);
        if (!keystore) return ok({ key, protection: 'file' });
        // A keystore appeared: the key moves into it; the plain copy goes once the sealed one is on disk.
        await writeFileAtomic(path.join(this.dir, DATA_KEY_FILE), this.safeStorage.encryptString(key));
        await removeFileDurably(path.join(this.dir, PLAIN_DATA_KEY_FILE));
        return ok({ key, protection: 'os-keystore' });
      }
      const key = randomBytes(32).toString('base64');
      await fs.mkdir(this.dir, { recursive: true });
      if (keystore) {
        await writeFileAtomic(path.join(this.dir, DATA_KEY_FILE), this.safeStorage.encryptString(key));
        return ok({ key, protection: 'os-keystore' });
      }
      // writeFileAtomic creates it with mode 0600.
      await writeFileAtomic(path.join(this.dir, PLAIN_DATA_KEY_FILE), Buffer.from(key, 'utf8'));
      return ok({ key, protection: 'file' });
    } catch (e) {
      // Never the key itself: file names and error names only.
      return err('datakey.unreadable', `the data key could not be read or made: ${describeUnknown(e).slice(0, 200)}`);
    }
  }
}

function isKey(s: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(s) && Buffer.from(s, 'base64').length === 32;
}
