/**
 * The two text forms the kiosk compares and stores personal and catalog text in.
 *
 * - `normalizeText`: NFC (scanners and some encoders send NFD), whitespace runs collapsed to one
 *   space, trimmed — what a name or an address is stored as.
 * - `normalizeForSearch`: lower case, no combining marks, đ → d (NFD does not decompose đ, so it is
 *   mapped by hand) — what a query and the text it searches are compared in: "dang ky" finds
 *   "Đăng ký".
 */
export function normalizeText(value: string): string {
  return value.normalize('NFC').replace(/\s+/g, ' ').trim();
}

export function normalizeForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}
