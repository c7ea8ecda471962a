import type { Platform } from '../platform/Platform';
import { AppFailure, describeUnknown } from '../shared/result';
import { loadOrCreateBrowserDataKey } from '../storage/browserDataKey';
import type { KioskDb } from '../storage/KioskDb';
import { PersonalCipher } from '../storage/personalCipher';
import { sealPlainRows } from '../storage/sealing';

/**
 * How this machine's personal data is protected at rest, for the technician screen:
 * `os-keystore` (Electron, key kept by DPAPI/Keychain/libsecret), `file` (Electron without a
 * keystore: a key file only the account can read), `browser-profile` (the web build: the key sits in
 * the same browser profile as the data), `unavailable` (the key could not be read: nothing personal
 * can be read or written; tickets still work).
 */
export type DataProtection = 'os-keystore' | 'file' | 'browser-profile' | 'unavailable';

export interface PersonalKeyReport {
  readonly protection: DataProtection;
  /** Records an earlier version stored in clear, sealed at this start. */
  readonly sealedNow: number;
  /** Why the key is unavailable (code and detail; never the key). */
  readonly error: { readonly code: string; readonly detail: string } | null;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * Loads the data key into `db.personal` (Electron: from main; browser: from the profile), then
 * seals what an earlier version left in clear. Never throws: without a key the app still starts
 * (a citizen kiosk issues tickets), and every personal read or write answers `storage.locked`.
 */
export async function loadPersonalKey(platform: Platform, db: KioskDb): Promise<PersonalKeyReport> {
  let protection: DataProtection;
  try {
    const answer = await platform.dataKeyRead();
    if (answer.ok) {
      db.personal = await PersonalCipher.fromDataKey(fromBase64(answer.value.key));
      protection = answer.value.protection;
    } else if (answer.error.code === 'datakey.unsupported') {
      db.personal = await PersonalCipher.fromDataKey(await loadOrCreateBrowserDataKey(db));
      protection = 'browser-profile';
    } else {
      return { protection: 'unavailable', sealedNow: 0, error: answer.error };
    }
  } catch (e) {
    return {
      protection: 'unavailable',
      sealedNow: 0,
      error: { code: e instanceof AppFailure ? e.code : 'datakey.unreadable', detail: describeUnknown(e).slice(0, 300) },
    };
  }
  try {
    return { protection, sealedNow: await sealPlainRows(db), error: null };
  } catch (e) {
    // The key works; a record that could not be converted now is converted at the next start.
    return { protection, sealedNow: 0, error: { code: e instanceof AppFailure ? e.code : 'storage.write-failed', detail: describeUnknown(e).slice(0, 300) } };
  }
}
