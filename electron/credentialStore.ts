import fs from 'node:fs/promises';
import path from 'node:path';
import { DeviceToken, type CredentialWriteResponse } from '../src/shared/ipc';
import { describeUnknown, err, ok, type Result } from '../src/shared/result';
import { isErrno, removeFileDurably, writeFileAtomic } from './atomicFile';

/**
 * The device credential (the bearer token from enrolment) encrypted with the OS keystore through
 * Electron's safeStorage (DPAPI on Windows, Keychain on macOS, libsecret/kwallet on Linux), in
 * `<userData>/credential.bin`.
 *
 * Guarantees:
 * - The token is never written in plaintext: without a keystore (`isEncryptionAvailable()` false,
 *   or Linux's `basic_text` fallback, which encrypts with a fixed, public key) both read and write
 *   answer `credential.no-keystore` and nothing is stored; the app then keeps the credential in
 *   IndexedDB. Deleting (`write(null)`) needs no keystore.
 * - Writes are atomic and durable (temp file, fsync, rename, folder fsync) and serialised.
 * - The token never appears in a log line or an error detail.
 * safeStorage is only usable after the app's `ready` event; main creates this store in `start()`.
 */

export const CREDENTIAL_FILE = 'credential.bin';

/** The part of Electron's safeStorage this module uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron. */
  getSelectedStorageBackend?(): string;
}

export class CredentialStore {
  readonly filePath: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.filePath = path.join(dir, CREDENTIAL_FILE);
  }

  read(): Promise<Result<string | null>> {
    return this.serialised(() => this.readNow());
  }

  write(token: string | null): Promise<Result<CredentialWriteResponse>> {
    return this.serialised(() => this.writeNow(token));
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private keystoreMissing(): Result<never> | null {
    let available: boolean;
    let backend: string | undefined;
    try {
      available = this.safeStorage.isEncryptionAvailable();
      backend = this.platform === 'linux' ? this.safeStorage.getSelectedStorageBackend?.() : undefined;
    } catch (e) {
      return err('credential.no-keystore', `the OS keystore could not be queried: ${describeUnknown(e)}`);
    }
    if (!available) return err('credential.no-keystore', 'the OS keystore is not available (safeStorage.isEncryptionAvailable() is false)');
    if (backend === 'basic_text') return err('credential.no-keystore', 'no secret service on this Linux desktop (safeStorage fell back to basic_text)');
    return null;
  }

  private async readNow(): Promise<Result<string | null>> {
    const missing = this.keystoreMissing();
    if (missing) return missing;
    let encrypted: Buffer;
    try {
      encrypted = await fs.readFile(this.filePath);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return ok(null);
      return err('credential.unreadable', `${CREDENTIAL_FILE}: ${describeUnknown(e)}`);
    }
    let token: string;
    try {
      token = this.safeStorage.decryptString(encrypted);
    } catch (e) {
      // The message of a failed decryption carries no plaintext; keep only the error's name.
      return err(
        'credential.unreadable',
        `${CREDENTIAL_FILE} could not be decrypted (${e instanceof Error ? e.name : 'unknown error'}); the keystore may have changed`,
      );
    }
    // Never echo the value: only say that it is not a token.
    if (!DeviceToken.safeParse(token).success) return err('credential.unreadable', `${CREDENTIAL_FILE} does not hold a valid token`);
    return ok(token);
  }

  private async writeNow(token: string | null): Promise<Result<CredentialWriteResponse>> {
    try {
      if (token === null) {
        await removeFileDurably(this.filePath);
        return ok({ stored: false });
      }
      if (!DeviceToken.safeParse(token).success) return err('credential.invalid', 'not a valid token');
      const missing = this.keystoreMissing();
      if (missing) return missing;
      let encrypted: Buffer;
      try {
        encrypted = this.safeStorage.encryptString(token);
      } catch (e) {
        return err('credential.no-keystore', `the OS keystore refused to encrypt (${e instanceof Error ? e.name : 'unknown error'})`);
      }
      await fs.mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.filePath, encrypted);
      return ok({ stored: true });
    } catch (e) {
      return err(
        'credential.write-failed',
        `${CREDENTIAL_FILE}: ${e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ''}`.trim() : 'unknown error'}`,
      );
    }
  }
}
