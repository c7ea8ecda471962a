import type { WireError } from '../shared/sync';

/**
 * Every refusal the server sends or records is a `WireError`: a stable code the kiosk translates
 * (src/app/i18n) and an English detail for logs and staff, at most 1,000 characters. Details never
 * carry a request's values: they can hold personal data (an ID number, a name), and some routes
 * are open to anyone. The three ways of summarising a schema failure differ only in how much of
 * the request's shape they may echo; pick by who is asking:
 *  - describeIssues: authenticated callers (devices, staff): field paths and zod's messages;
 *  - describeLookupIssues: the open look-up route: fixed sentences, no path a caller chose;
 *  - describeQueryFields: staff query strings: the parameter names only, then a fixed hint.
 */
export function wireError(code: string, detail: string): WireError {
  return { code, detail: detail.slice(0, 1000) };
}

/** The subset of a zod issue these summaries read. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

/** Paths and messages only, never the offending values (they could carry personal data). */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  // Paths and zod's messages only; a client's own key names are not echoed (they could be anything).
  const safePart = (p: PropertyKey) => (typeof p === 'number' || /^[A-Za-z0-9_]{1,64}$/.test(String(p)) ? String(p) : '?');
  return issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.map(safePart).join('.') || '(root)';
      const message = i.code === 'unrecognized_keys' ? `${i.keys?.length ?? 1} unknown field(s)` : i.message;
      return `${where}: ${message}`;
    })
    .join('; ')
    .slice(0, 1000);
}

/**
 * The open look-up route (`{code, secret}`): field names it knows and fixed sentences. zod's own
 * messages can quote the input (an unrecognized key's name), and this route is open to anyone,
 * so nothing of the request comes back.
 */
export function describeLookupIssues(issues: readonly Pick<SchemaIssue, 'path' | 'code'>[]): string {
  const known = new Set(['code', 'secret']);
  return issues
    .slice(0, 5)
    .map((i) => {
      const field = i.path.length === 1 && known.has(String(i.path[0])) ? String(i.path[0]) : '(root)';
      if (i.code === 'unrecognized_keys') return `${field}: only code and secret are accepted`;
      if (field === 'code') return 'code: a dossier code like 000.00.21.H26-260212-0001';
      if (field === 'secret') return 'secret: the 6–12 character look-up secret from the receipt';
      return `${field}: expected {code, secret}`;
    })
    .join('; ');
}

/** A staff query string: which parameters were refused (their names, deduplicated), then `hint`. */
export function describeQueryFields(issues: readonly Pick<SchemaIssue, 'path'>[], hint: string): string {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? '(query)')))].join(', ');
  return `invalid ${fields}: ${hint}`.slice(0, 1000);
}
