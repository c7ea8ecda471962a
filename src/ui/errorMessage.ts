import type { TFunction } from 'i18next';
import { AppFailure } from '../shared/result';

/** The translated, actionable message for an error code; unknown codes still say what to do. */
export function errorMessage(t: TFunction, code: string, detail = '', values: Record<string, string | number> = {}): string {
  const key = `errors.${code}`;
  return t(key, { ...values, detail, code, defaultValue: '' }) || t('errors.unknown', { code });
}

export function codeOf(e: unknown): string {
  return e instanceof AppFailure ? e.code : 'unknown';
}
