import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SafeStorageLike } from '../../electron/credentialStore';
import { DATA_KEY_FILE, DataKeyStore, PLAIN_DATA_KEY_FILE } from '../../electron/dataKeyStore';

/** A stand-in for the OS keystore: reversible, and the ciphertext never contains the plaintext. */
function keystore(available = true, backend = 'gnome_libsecret'): SafeStorageLike {
  return {
    isEncryptionAvailable: vi.fn(() => available),
    encryptString: vi.fn((plain: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)])),
    decryptString: vi.fn((encrypted: Buffer) => {
      if (encrypted.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(encrypted.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
    }),
    getSelectedStorageBackend: vi.fn(() => backend),
  };
}

describe('DataKeyStore (the device data key that seals personal data)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-datakey-test-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('makes a 32-byte key once, keeps it encrypted by the OS keystore, and gives the same key at every start', async () => {
    const first = await new DataKeyStore(dir, keystore(), 'linux').read();
    expect(first.ok && first.value.protection).toBe('os-keystore');
    const key = first.ok ? first.value.key : '';
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(await fs.readdir(dir)).toEqual([DATA_KEY_FILE]);
    expect((await fs.readFile(path.join(dir, DATA_KEY_FILE))).toString('latin1')).not.toContain(key);
    expect(await new DataKeyStore(dir, keystore(), 'linux').read()).toEqual({ ok: true, value: { key, protection: 'os-keystore' } });
  });

  it('without a keystore (or with Linux basic_text) keeps the key in a file only the account reads, and says so', async () => {
    const r = await new DataKeyStore(dir, keystore(true, 'basic_text'), 'linux').read();
    expect(r.ok && r.value.protection).toBe('file');
    const stat = await fs.stat(path.join(dir, PLAIN_DATA_KEY_FILE));
    if (process.platform !== 'win32') expect(stat.mode & 0o077).toBe(0);
    // A keystore appears later: the same key moves into it, the plain copy goes.
    const moved = await new DataKeyStore(dir, keystore(), 'linux').read();
    expect(moved).toEqual({ ok: true, value: { key: r.ok ? r.value.key : '', protection: 'os-keystore' } });
    expect(await fs.readdir(dir)).toEqual([DATA_KEY_FILE]);
  });

  it('never replaces a key it cannot read (that would orphan every sealed record): datakey.unreadable, file untouched', async () => {
    await new DataKeyStore(dir, keystore(), 'linux').read();
    const before = await fs.readFile(path.join(dir, DATA_KEY_FILE));
    const gone = await new DataKeyStore(dir, keystore(false), 'linux').read();
    expect(!gone.ok && gone.error.code).toBe('datakey.unreadable');
    const broken = keystore();
    broken.decryptString = () => {
      throw new Error('Error while decrypting');
    };
    const wrong = await new DataKeyStore(dir, broken, 'linux').read();
    expect(!wrong.ok && wrong.error.code).toBe('datakey.unreadable');
    expect(await fs.readFile(path.join(dir, DATA_KEY_FILE))).toEqual(before);
    expect(await fs.readdir(dir)).toEqual([DATA_KEY_FILE]);
  });

  it('two reads at once make one key', async () => {
    const store = new DataKeyStore(dir, keystore(), 'linux');
    const [a, b] = await Promise.all([store.read(), store.read()]);
    expect(a).toEqual(b);
  });
});
