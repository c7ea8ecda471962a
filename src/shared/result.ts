/**
 * Errors cross every boundary (IPC, storage, print, sync) as values: a stable machine code that the
 * UI maps to a translated message, plus an English detail for logs and technicians. Nothing here
 * ever carries personal data.
 */
export interface AppError {
  readonly code: string;
  readonly detail: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: string, detail: string): Result<T> {
  return { ok: false, error: { code, detail } };
}

/** An exception that carries an AppError, for code paths where throwing is clearer than returning. */
export class AppFailure extends Error {
  readonly code: string;
  constructor(code: string, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'AppFailure';
    this.code = code;
  }
  toError(): AppError {
    return { code: this.code, detail: this.message };
  }
}

export function describeUnknown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
