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

/** Longest error detail that crosses a boundary; details are for technicians, not for storage. */
export const MAX_ERROR_DETAIL_CHARS = 500;

export function truncateDetail(detail: string): string {
  return detail.length > MAX_ERROR_DETAIL_CHARS ? `${detail.slice(0, MAX_ERROR_DETAIL_CHARS)}…` : detail;
}

/** Structural view of a schema validation error (a zod error fits), so callers need no zod import. */
export interface IssueList {
  readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>;
}

/** "field.path: message; …" for the first five issues, bounded in length. */
export function summarizeIssues(error: IssueList): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length === 0 ? '(root)' : issue.path.map((p) => String(p).slice(0, 40)).join('.');
    return `${where}: ${issue.message.slice(0, 120)}`;
  });
  if (error.issues.length > 5) parts.push(`…and ${error.issues.length - 5} more`);
  return truncateDetail(parts.join('; '));
}

export function isResult(value: unknown): value is Result<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}
