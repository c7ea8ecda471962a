import type { KioskDb } from './KioskDb';
import { PersonalCipher } from './personalCipher';

/** `settings` key of the browser build's data key. */
export const BROWSER_DATA_KEY = 'dataKey';

/**
 * The browser build's data key (no OS keystore there): a non-extractable WebCrypto key made once
 * and kept in this database's `settings`. What it protects, plainly: page scripts and the
 * developer tools cannot read the key's bytes, and the stored dossiers, outbox and scans are
 * ciphertext; but the browser keeps the key's bytes in the same profile folder, so a copy of that
 * folder opens the data. The Electron build keeps its key in the OS keystore instead.
 */
export async function loadOrCreateBrowserDataKey(db: KioskDb): Promise<CryptoKey> {
  const stored = (await db.settings.get(BROWSER_DATA_KEY))?.value;
  if (stored instanceof CryptoKey) return stored;
  const key = await PersonalCipher.newBrowserDataKey();
  // Two tabs starting at once: the first key written wins, the other tab uses it.
  return db.transaction('rw', db.settings, async () => {
    const now = (await db.settings.get(BROWSER_DATA_KEY))?.value;
    if (now instanceof CryptoKey) return now;
    await db.settings.put({ key: BROWSER_DATA_KEY, value: key });
    return key;
  });
}
