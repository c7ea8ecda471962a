import { CITIZEN_ID_NUMBER_PATTERN, ID_NUMBER_PATTERN, normalizeIdNumber, OLD_ID_NUMBER_PATTERN } from '../shared/idNumber';

/**
 * Checks of the applicant's fields as the officer types them, each answering with a stable problem
 * code that the i18n catalog turns into a Vietnamese message saying what to do (`form.field.*`).
 * Pure: "today" comes in as a parameter. The sync contract (`DossierApplicantArgs`) stays the last
 * word; these only make sure the counter says what is wrong before it gets there.
 */
export type FieldProblem =
  | 'id-required'
  | 'id-digits'
  | 'id-format'
  | 'name-required'
  | 'date-format'
  | 'date-invalid'
  | 'date-future'
  | 'date-too-old'
  | 'phone-format'
  | 'email-format';

export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** 12 digits (CCCD), 9 digits (old CMND), or a passport number (6–20 letters and digits). */
export function checkIdNumber(raw: string): FieldProblem | null {
  const id = normalizeIdNumber(raw);
  if (id === '') return 'id-required';
  if (/^\d+$/.test(id)) return CITIZEN_ID_NUMBER_PATTERN.test(id) || OLD_ID_NUMBER_PATTERN.test(id) ? null : 'id-digits';
  return ID_NUMBER_PATTERN.test(id) && /\d/.test(id) ? null : 'id-format';
}

export function checkFullName(raw: string): FieldProblem | null {
  return raw.trim() === '' ? 'name-required' : null;
}

/** "dd/mm/yyyy" (also with "." or "-") → its parts, when the text has that shape. */
function dateParts(text: string): LocalDate | null {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (!m) return null;
  return { day: Number(m[1]), month: Number(m[2]), year: Number(m[3]) };
}

function exists({ year, month, day }: LocalDate): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

const key = (d: LocalDate): number => d.year * 10_000 + d.month * 100 + d.day;

/** A birth date typed the Vietnamese way; empty is allowed (the field is optional). */
export function checkDateOfBirth(text: string, today: LocalDate): FieldProblem | null {
  if (text.trim() === '') return null;
  const d = dateParts(text);
  if (d === null) return 'date-format';
  if (!exists(d)) return 'date-invalid';
  if (key(d) > key(today)) return 'date-future';
  if (d.year < 1900) return 'date-too-old';
  return null;
}

/** "dd/mm/yyyy" → "yyyy-mm-dd" when it is a real date, else "". */
export function isoFromViDate(text: string): string {
  const d = dateParts(text);
  if (d === null || !exists(d)) return '';
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** A Vietnamese number (10 digits from 0, or +84…) or an international one (+ and 8–15 digits); empty is allowed. */
export function checkPhone(raw: string): FieldProblem | null {
  const t = raw.replace(/[\s.-]/g, '');
  if (t === '') return null;
  if (/^0\d{9}$/.test(t) || /^\+84\d{9}$/.test(t) || /^\+\d{8,15}$/.test(t)) return null;
  return 'phone-format';
}

/** name@domain.tld, no spaces; empty is allowed. */
export function checkEmail(raw: string): FieldProblem | null {
  const t = raw.trim();
  if (t === '') return null;
  return /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[A-Za-z]{2,}$/.test(t) ? null : 'email-format';
}
