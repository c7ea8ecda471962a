import { DossierCode, LookupSecret, Uuid } from '../shared/wireTypes';

/**
 * What a citizen brings to the kiosk's "Theo dõi hồ sơ" and "Đánh giá dịch vụ": the receipt's QR
 * (`<lookupBaseUrl>?code=…&s=…`), the ticket's QR (`<ticketQrBaseUrl>?b=<branch>&d=<day>&n=<number>`
 * and, from this version on, `&t=<ticket id>`), or the same typed by hand.
 *
 * Guarantees: pure (no I/O); a QR is read by its query parameters only, whatever its base address
 * (the centre's page, a hub's, a configured portal), so a changed `lookupBaseUrl` keeps working;
 * anything else (an ID card's QR, a foreign URL) is `null`, never a half-filled answer. Typed input
 * is normalised the way the centre reads it (upper case; the secret without spaces and dashes).
 */

export interface FollowKeys {
  readonly code: string;
  readonly secret: string;
}

/** Upper case, no spaces; the secret also without dashes (as `normaliseLookupSecret` on the centre). */
export function normaliseFollowKeys(code: string, secret: string): FollowKeys {
  return { code: code.toUpperCase().replace(/\s/g, ''), secret: secret.toUpperCase().replace(/[\s-]/g, '') };
}

export type FollowInputProblem = 'empty' | 'code-malformed' | 'secret-malformed';

/** Why typed keys cannot be asked about yet, or null when they have the centre's shape. */
export function followInputProblem(keys: FollowKeys): FollowInputProblem | null {
  if (keys.code === '' || keys.secret === '') return 'empty';
  if (!DossierCode.safeParse(keys.code).success) return 'code-malformed';
  if (!LookupSecret.safeParse(keys.secret).success) return 'secret-malformed';
  return null;
}

/** The query parameters of a URL-like text (first value of each name); null without a query. */
function queryOf(text: string): ReadonlyMap<string, string> | null {
  const trimmed = text.trim();
  const q = trimmed.indexOf('?');
  if (q < 0) return null;
  const params = new Map<string, string>();
  for (const pair of (trimmed.slice(q + 1).split('#')[0] ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      const name = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
      if (!params.has(name)) params.set(name, decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
    } catch {
      return null;
    }
  }
  return params;
}

/** The dossier code and secret of a receipt's QR, normalised; null for any other text. */
export function parseReceiptQr(text: string): FollowKeys | null {
  const params = queryOf(text);
  const code = params?.get('code');
  const secret = params?.get('s');
  if (!code || !secret) return null;
  const keys = normaliseFollowKeys(code, secret);
  return followInputProblem(keys) === null ? keys : null;
}

export interface TicketRef {
  readonly branchCode: string;
  /** YYYY-MM-DD, the branch's day the ticket was issued. */
  readonly day: string;
  readonly number: string;
  /** The ticket's id: only in QRs printed since `t=` was added; null on older tickets. */
  readonly ticketId: string | null;
}

/** A ticket number as printed: a service-group prefix of up to 3 letters and a sequence. */
const TICKET_NUMBER = /^[A-Z]{0,3}\d{1,6}$/;

/** A ticket number as typed (upper case, no spaces), or null when it cannot be one. */
export function normaliseTicketNumber(typed: string): string | null {
  const n = typed.toUpperCase().replace(/\s/g, '');
  return TICKET_NUMBER.test(n) ? n : null;
}

/** The ticket a ticket's QR names; null for any other text. An id that is not a UUID is dropped, not trusted. */
export function parseTicketQr(text: string): TicketRef | null {
  const params = queryOf(text);
  const branchCode = params?.get('b');
  const day = params?.get('d');
  const number = normaliseTicketNumber(params?.get('n') ?? '');
  if (!branchCode || !day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || number === null) return null;
  const t = params?.get('t') ?? null;
  return { branchCode, day, number, ticketId: t !== null && Uuid.safeParse(t).success ? t : null };
}
