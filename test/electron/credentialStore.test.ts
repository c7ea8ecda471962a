import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CREDENTIAL_FILE, CredentialStore, type SafeStorageLike } from '../../electron/credentialStore';

const TOKEN = 'kT9_x-4QeWm2ZrVb7HcN8pLs3DfGj6Ya1UoIiE5tRw0';

/** A stand-in for the OS keystore: reversible, and the ciphertext never contains the plaintext. */
function mockSafeStorage(overrides: Partial<SafeStorageLike> = {}): SafeStorageLike {
  const key = 0x5a;
  return {
    isEncryptionAvailable: vi.fn(() => true),
    encryptString: vi.fn((plain: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((b) => b ^ key)])),
    decryptString: vi.fn((encrypted: Buffer) => {
      if (encrypted.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(encrypted.subarray(3).map((b) => b ^ key)).toString('utf8');
    }),
    getSelectedStorageBackend: vi.fn(() => 'gnome_libsecret'),
    ...overrides,
  };
}

describe('CredentialStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-credential-test-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads null before a credential is stored', async () => {
    expect(await new CredentialStore(dir, mockSafeStorage(), 'linux').read()).toEqual({ ok: true, value: null });
  });

  it('encrypts on write and decrypts on read, never storing plaintext', async () => {
    const safe = mockSafeStorage();
    const store = new CredentialStore(dir, safe, 'linux');
    expect(await store.write(TOKEN)).toEqual({ ok: true, value: { stored: true } });
    expect(safe.encryptString).toHaveBeenCalledWith(TOKEN);
    const onDisk = await fs.readFile(path.join(dir, CREDENTIAL_FILE));
    expect(onDisk.toString('latin1')).not.toContain(TOKEN);
    expect(onDisk.toString('utf8')).not.toContain(TOKEN.slice(0, 12));
    expect(await fs.readdir(dir)).toEqual([CREDENTIAL_FILE]);
    // The next start reads it back.
    expect(await new CredentialStore(dir, safe, 'linux').read()).toEqual({ ok: true, value: TOKEN });
  });

  it('writes atomically: temp file, then rename', async () => {
    const realRename = fs.rename.bind(fs);
    const renames: string[] = [];
    vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      renames.push(`${path.basename(String(from))} -> ${path.basename(String(to))}`);
      return realRename(from, to);
    });
    await new CredentialStore(dir, mockSafeStorage(), 'win32').write(TOKEN);
    expect(renames).toHaveLength(1);
    expect(renames[0]).toMatch(/^\.credential\.bin\..+\.tmp -> credential\.bin$/);
  });

  it('deletes the credential with null', async () => {
    const store = new CredentialStore(dir, mockSafeStorage(), 'linux');
    await store.write(TOKEN);
    expect(await store.write(null)).toEqual({ ok: true, value: { stored: false } });
    expect(await fs.readdir(dir)).toEqual([]);
    expect(await store.read()).toEqual({ ok: true, value: null });
    expect(await store.write(null)).toEqual({ ok: true, value: { stored: false } });
  });

  it('refuses without a keystore and stores nothing', async () => {
    const safe = mockSafeStorage({ isEncryptionAvailable: vi.fn(() => false) });
    const store = new CredentialStore(dir, safe, 'win32');
    expect(await store.write(TOKEN)).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(await store.read()).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(safe.encryptString).not.toHaveBeenCalled();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it("refuses Linux's basic_text fallback (a fixed, public key is no keystore)", async () => {
    const safe = mockSafeStorage({ getSelectedStorageBackend: vi.fn(() => 'basic_text') });
    expect(await new CredentialStore(dir, safe, 'linux').write(TOKEN)).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(await fs.readdir(dir)).toEqual([]);
    // The backend query is a Linux-only API: elsewhere it is not consulted.
    expect(await new CredentialStore(dir, safe, 'darwin').write(TOKEN)).toMatchObject({ ok: true });
  });

  it('refuses when the keystore throws, without leaking the token', async () => {
    const safe = mockSafeStorage({
      encryptString: vi.fn(() => {
        throw new Error(`cannot encrypt ${TOKEN}`);
      }),
    });
    const r = await new CredentialStore(dir, safe, 'linux').write(TOKEN);
    expect(r).toMatchObject({ ok: false, error: { code: 'credential.no-keystore' } });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('reports a credential that cannot be decrypted as credential.unreadable and keeps the file', async () => {
    await fs.writeFile(path.join(dir, CREDENTIAL_FILE), Buffer.from('garbage'));
    const r = await new CredentialStore(dir, mockSafeStorage(), 'linux').read();
    expect(r).toMatchObject({ ok: false, error: { code: 'credential.unreadable' } });
    expect(await fs.readdir(dir)).toEqual([CREDENTIAL_FILE]);
  });

  it('reports a decrypted value that is not a token as credential.unreadable without echoing it', async () => {
    const safe = mockSafeStorage();
    await fs.writeFile(path.join(dir, CREDENTIAL_FILE), safe.encryptString('short secret value'));
    const r = await new CredentialStore(dir, safe, 'linux').read();
    expect(r).toMatchObject({ ok: false, error: { code: 'credential.unreadable' } });
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('refuses an invalid token', async () => {
    expect(await new CredentialStore(dir, mockSafeStorage(), 'linux').write('short')).toMatchObject({ ok: false, error: { code: 'credential.invalid' } });
  });

  it('answers credential.write-failed when the disk is full, without the token', async () => {
    vi.spyOn(fs, 'open').mockRejectedValue(Object.assign(new Error(`ENOSPC: no space left on device ${TOKEN}`), { code: 'ENOSPC' }));
    const r = await new CredentialStore(dir, mockSafeStorage(), 'linux').write(TOKEN);
    expect(r).toMatchObject({ ok: false, error: { code: 'credential.write-failed' } });
    expect(!r.ok && r.error.detail).toContain('ENOSPC');
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });
});
