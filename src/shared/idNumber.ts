/**
 * Personal ID numbers as the kiosk, the sync contract and the centre accept them: one pattern and
 * one normalisation, so a number the counter accepts is never one the centre refuses.
 *
 * Accepted: the 12-digit number of a citizen ID card (CCCD / thẻ căn cước), the 9-digit number of
 * an old identity card (CMND), or a passport number — upper-case letters and digits, 6 to 20.
 */

/** Any ID number a dossier's applicant may give (after `normalizeIdNumber`). */
export const ID_NUMBER_PATTERN = /^[0-9A-Z]{6,20}$/;

/** The 12-digit personal identification number of a citizen ID card. */
export const CITIZEN_ID_NUMBER_PATTERN = /^\d{12}$/;

/** The 9-digit number of an old identity card (CMND). */
export const OLD_ID_NUMBER_PATTERN = /^\d{9}$/;

/**
 * Upper case, letters and digits only: what an officer types ("b 1234-567") or a scanner sends
 * (full-width digits become ASCII) becomes the form the pattern checks and the reuse index keys on.
 */
export function normalizeIdNumber(raw: string): string {
  return raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '');
}

export function isIdNumber(id: string): boolean {
  return ID_NUMBER_PATTERN.test(id);
}

/**
 * A number complete enough to look the citizen's earlier papers up: valid, and when it is all
 * digits, as long as a CCCD or a CMND (so typing "0011950" does not search for a half-typed number).
 */
export function isCompleteIdNumber(id: string): boolean {
  if (!isIdNumber(id)) return false;
  return !/^\d+$/.test(id) || CITIZEN_ID_NUMBER_PATTERN.test(id) || OLD_ID_NUMBER_PATTERN.test(id);
}
