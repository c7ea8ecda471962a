import Dexie from 'dexie';
import { AppFailure, describeUnknown } from '../shared/result';

/**
 * Turns IndexedDB failures into errors the UI can explain. A full disk surfaces as
 * QuotaExceededError (directly, or wrapped by Dexie as the inner error of an AbortError); the write
 * did not happen, so the caller must tell the user instead of pretending it was saved.
 */
export function isQuotaError(e: unknown): boolean {
  if (e instanceof Dexie.QuotaExceededError) return true;
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur; depth++) {
    if (typeof cur === 'object' && cur !== null && 'name' in cur && (cur as { name: unknown }).name === 'QuotaExceededError') return true;
    cur = typeof cur === 'object' && cur !== null && 'inner' in cur ? (cur as { inner: unknown }).inner : undefined;
  }
  return false;
}

export function toStorageFailure(e: unknown): AppFailure {
  if (e instanceof AppFailure) return e;
  if (isQuotaError(e)) return new AppFailure('storage.full', 'IndexedDB quota exceeded: the write was not saved', { cause: e });
  return new AppFailure('storage.write-failed', describeUnknown(e), { cause: e });
}
