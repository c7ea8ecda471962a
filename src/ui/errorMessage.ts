import type { TFunction } from 'i18next';
import { AppFailure } from '../shared/result';

/** The translated, actionable message for an error code; unknown codes still say what to do. */
export function errorMessage(t: TFunction, code: string, detail = '', values: Record<string, string | number> = {}): string {
  const key = `errors.${code}`;
  const specific = t(key, { ...values, detail, code, defaultValue: '' });
  if (specific) return specific;
  // The HTTP transport names a status without a wire error `http.<status>` (e.g. a proxy's 502 page).
  const status = /^http\.(\d{3})$/.exec(code)?.[1];
  if (status) return t('errors.http.status', { status, code });
  return t('errors.unknown', { code });
}

export function codeOf(e: unknown): string {
  return e instanceof AppFailure ? e.code : 'unknown';
}
