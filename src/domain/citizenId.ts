/**
 * The QR code on the front of a Vietnamese citizen ID card (CCCD with chip 2021–2024, thẻ căn cước
 * since 1/7/2024), read by a camera or by a USB scanner in keyboard mode (DOMAIN.md, "Citizen ID
 * card QR").
 *
 * Layout, pipe-separated: `ID12|oldCMND9 or empty|Full name|DOB ddMMyyyy|Nam/Nữ|Residence|Issue
 * date ddMMyyyy`. Newer cards may append fields; any field from the eighth on is kept raw in
 * `extras`, never interpreted.
 *
 * Guarantees:
 *  - all or nothing: either every field is validated and the card is returned, or one stable error
 *    code (`cccd.*`) comes back and nothing else;
 *  - the 12-digit number `PPP G YY RRRRRR` must agree with the other fields: PPP is one of the 63
 *    province codes (pre-2025), G encodes gender and century, YY the last two digits of the birth
 *    year;
 *  - error details are English, for technicians, and never contain the scanned personal data (ID
 *    numbers, names, dates, addresses): Law 91/2025/QH15 forbids logging it;
 *  - pure: the current date arrives as a parameter (a date of birth or issue date in the future is
 *    refused against it).
 */

import { CITIZEN_ID_NUMBER_PATTERN, OLD_ID_NUMBER_PATTERN } from '../shared/idNumber';
import { normalizeText } from './normalizeText';

/** A calendar date in branch local time, as produced by `toLocalDateTime` (localDay.ts). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
}

export interface CitizenCard {
  /** The 12-digit personal identification number. Personal data: display it with `maskIdNumber`. */
  readonly idNumber: string;
  /** The 9-digit old identity card (CMND) number, or null when the field is empty. */
  readonly oldIdNumber: string | null;
  /** NFC, single spaces, trimmed. */
  readonly fullName: string;
  /** YYYY-MM-DD. */
  readonly dateOfBirth: string;
  readonly gender: 'male' | 'female';
  /** Place of residence as printed, NFC, single spaces, trimmed. */
  readonly address: string;
  /** YYYY-MM-DD. */
  readonly issueDate: string;
  /** The first three digits of the ID number: where the birth was registered, e.g. "001". */
  readonly provinceOfBirthCode: string;
  /** The pre-2025 province name for that code, e.g. "Hà Nội". */
  readonly provinceName: string;
  /** Fields after the seventh, as scanned (only the BOM and outer whitespace of the whole text are stripped). */
  readonly extras: readonly string[];
}

/** Every code `parseCitizenIdQr` can return, so the i18n catalog can be checked for completeness. */
export const CITIZEN_ID_ERROR_CODES = [
  'cccd.not-cccd',
  'cccd.too-few-fields',
  'cccd.id-format',
  'cccd.old-id-format',
  'cccd.name-missing',
  'cccd.address-missing',
  'cccd.date-invalid',
  'cccd.gender-invalid',
  'cccd.province-unknown',
  'cccd.id-mismatch-gender',
  'cccd.id-mismatch-year',
] as const;
export type CitizenIdErrorCode = (typeof CITIZEN_ID_ERROR_CODES)[number];

export type CitizenIdQrResult =
  { readonly ok: true; readonly card: CitizenCard } | { readonly ok: false; readonly code: CitizenIdErrorCode; readonly detail: string };

/**
 * Province (and centrally run city) codes used as the first three digits of CCCD numbers: the 63
 * units before the 2025 merger (Circular 07/2016/TT-BCA, then 59/2021/TT-BCA). Numbers already
 * issued keep their code for life, so the list is never shortened.
 */
export const CITIZEN_ID_PROVINCES: Readonly<Record<string, string>> = Object.freeze({
  '001': 'Hà Nội',
  '002': 'Hà Giang',
  '004': 'Cao Bằng',
  '006': 'Bắc Kạn',
  '008': 'Tuyên Quang',
  '010': 'Lào Cai',
  '011': 'Điện Biên',
  '012': 'Lai Châu',
  '014': 'Sơn La',
  '015': 'Yên Bái',
  '017': 'Hòa Bình',
  '019': 'Thái Nguyên',
  '020': 'Lạng Sơn',
  '022': 'Quảng Ninh',
  '024': 'Bắc Giang',
  '025': 'Phú Thọ',
  '026': 'Vĩnh Phúc',
  '027': 'Bắc Ninh',
  '030': 'Hải Dương',
  '031': 'Hải Phòng',
  '033': 'Hưng Yên',
  '034': 'Thái Bình',
  '035': 'Hà Nam',
  '036': 'Nam Định',
  '037': 'Ninh Bình',
  '038': 'Thanh Hóa',
  '040': 'Nghệ An',
  '042': 'Hà Tĩnh',
  '044': 'Quảng Bình',
  '045': 'Quảng Trị',
  '046': 'Thừa Thiên Huế',
  '048': 'Đà Nẵng',
  '049': 'Quảng Nam',
  '051': 'Quảng Ngãi',
  '052': 'Bình Định',
  '054': 'Phú Yên',
  '056': 'Khánh Hòa',
  '058': 'Ninh Thuận',
  '060': 'Bình Thuận',
  '062': 'Kon Tum',
  '064': 'Gia Lai',
  '066': 'Đắk Lắk',
  '067': 'Đắk Nông',
  '068': 'Lâm Đồng',
  '070': 'Bình Phước',
  '072': 'Tây Ninh',
  '074': 'Bình Dương',
  '075': 'Đồng Nai',
  '077': 'Bà Rịa - Vũng Tàu',
  '079': 'Hồ Chí Minh',
  '080': 'Long An',
  '082': 'Tiền Giang',
  '083': 'Bến Tre',
  '084': 'Trà Vinh',
  '086': 'Vĩnh Long',
  '087': 'Đồng Tháp',
  '089': 'An Giang',
  '091': 'Kiên Giang',
  '092': 'Cần Thơ',
  '093': 'Hậu Giang',
  '094': 'Sóc Trăng',
  '095': 'Bạc Liêu',
  '096': 'Cà Mau',
});

const MIN_FIELDS = 7;
const BOM = '\uFEFF';

/**
 * Cheap routing test for keyboard-wedge scanner input: 12 digits then `|` at the start (after an
 * optional BOM or leading whitespace). It does not validate; `parseCitizenIdQr` does.
 */
export function looksLikeCitizenIdQr(text: string): boolean {
  const body = stripFrame(text);
  const bar = body.indexOf('|');
  return bar > 0 && CITIZEN_ID_NUMBER_PATTERN.test(body.slice(0, bar));
}

/**
 * The ID number for screens and printouts: the province code and the last two digits stay, the rest
 * becomes "*" (`001*******34`, as DOMAIN.md shows). Input that is not a 12-digit number is masked entirely, never shown.
 */
export function maskIdNumber(id: string): string {
  const digits = id.trim();
  // DOMAIN.md: province code and the last two digits stay, e.g. 001*******45.
  if (!CITIZEN_ID_NUMBER_PATTERN.test(digits)) return '*'.repeat(12);
  return `${digits.slice(0, 3)}${'*'.repeat(7)}${digits.slice(10)}`;
}

/**
 * Any applicant's ID number for lists and receipts: a citizen ID card number as `maskIdNumber`
 * shows it; another number (passport, old CMND) keeps only its last three characters.
 */
export function maskApplicantIdNumber(id: string): string {
  if (CITIZEN_ID_NUMBER_PATTERN.test(id)) return maskIdNumber(id);
  return id.length > 4 ? `${'*'.repeat(id.length - 3)}${id.slice(-3)}` : '***';
}

export function parseCitizenIdQr(text: string, today: CalendarDate): CitizenIdQrResult {
  const todayKey = dateKey(today);
  if (todayKey === null) throw new RangeError('today is not a real calendar date');

  const body = stripFrame(text);
  // EMV merchant-presented codes (VietQR bank transfers) open with "000201"; no province is 000.
  if (body.startsWith('000201')) return fail('cccd.not-cccd', 'EMV/VietQR payment code: not a citizen ID card QR');
  if (!body.includes('|')) return fail('cccd.not-cccd', 'no "|" separator: not a citizen ID card QR');
  const fields = body.split('|');
  const [rawId = '', rawOldId = '', rawName = '', rawDob = '', rawGender = '', rawAddress = '', rawIssue = ''] = fields;

  const idNumber = rawId.trim();
  // A URL, a VietQR payment code or a product label that happens to contain "|" has no number first.
  if (!/^\d+$/.test(idNumber)) return fail('cccd.not-cccd', 'first field is not a number: not a citizen ID card QR');
  if (fields.length < MIN_FIELDS) return fail('cccd.too-few-fields', `${fields.length} fields, at least ${MIN_FIELDS} expected`);
  if (idNumber.length !== 12) return fail('cccd.id-format', `ID number has ${idNumber.length} digits, 12 expected`);

  const oldId = rawOldId.trim();
  if (oldId !== '' && !OLD_ID_NUMBER_PATTERN.test(oldId))
    return fail('cccd.old-id-format', `old ID field has ${oldId.length} characters, 9 digits or empty expected`);

  const fullName = normalizeText(rawName);
  if (fullName === '') return fail('cccd.name-missing', 'full name field is empty');

  const dob = parseDdMmYyyy(rawDob);
  if (dob === null) return fail('cccd.date-invalid', 'date of birth is not a real ddMMyyyy date');
  const issue = parseDdMmYyyy(rawIssue);
  if (issue === null) return fail('cccd.date-invalid', 'issue date is not a real ddMMyyyy date');
  const dobKey = dateKey(dob) ?? 0;
  const issueKey = dateKey(issue) ?? 0;
  if (dobKey > todayKey) return fail('cccd.date-invalid', 'date of birth is in the future');
  if (issueKey > todayKey) return fail('cccd.date-invalid', 'issue date is in the future');
  if (issueKey < dobKey) return fail('cccd.date-invalid', 'issue date is before the date of birth');

  const gender = parseGender(rawGender);
  if (gender === null) return fail('cccd.gender-invalid', 'gender field is neither "Nam" nor "Nữ"');

  const address = normalizeText(rawAddress);
  if (address === '') return fail('cccd.address-missing', 'residence field is empty');

  const provinceOfBirthCode = idNumber.slice(0, 3);
  const provinceName = CITIZEN_ID_PROVINCES[provinceOfBirthCode];
  if (provinceName === undefined) return fail('cccd.province-unknown', 'first three digits of the ID number are not one of the 63 province codes');

  // G = 2·(century index) + (0 male, 1 female), centuries 1900, 2000, 2100, 2200, then 1800 (8/9).
  const g = Number(idNumber[3]);
  const idGender = g % 2 === 0 ? 'male' : 'female';
  const idCentury = g >= 8 ? 1800 : 1900 + Math.floor(g / 2) * 100;
  if (idGender !== gender) return fail('cccd.id-mismatch-gender', 'gender digit of the ID number disagrees with the gender field');
  const idYear = idCentury + Number(idNumber.slice(4, 6));
  if (idYear !== dob.year) return fail('cccd.id-mismatch-year', 'century digit or birth-year digits of the ID number disagree with the date of birth');

  return {
    ok: true,
    card: {
      idNumber,
      oldIdNumber: oldId === '' ? null : oldId,
      fullName,
      dateOfBirth: isoDate(dob),
      gender,
      address,
      issueDate: isoDate(issue),
      provinceOfBirthCode,
      provinceName,
      extras: fields.slice(MIN_FIELDS),
    },
  };
}

function fail(code: CitizenIdErrorCode, detail: string): CitizenIdQrResult {
  return { ok: false, code, detail };
}

/** Drops what scanners and encoders put around the payload: a BOM, leading/trailing whitespace, CR/LF. */
function stripFrame(text: string): string {
  const noBom = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  return noBom.trim();
}

function parseGender(value: string): 'male' | 'female' | null {
  const g = normalizeText(value).toLowerCase();
  if (g === 'nam') return 'male';
  if (g === 'nữ') return 'female';
  return null;
}

function parseDdMmYyyy(value: string): CalendarDate | null {
  const m = /^(\d{2})(\d{2})(\d{4})$/.exec(value.trim());
  if (m === null) return null;
  const date = { day: Number(m[1]), month: Number(m[2]), year: Number(m[3]) };
  return dateKey(date) === null ? null : date;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** yyyymmdd as a number for ordering, or null when the date does not exist. */
function dateKey(d: CalendarDate): number | null {
  if (![d.year, d.month, d.day].every(Number.isInteger)) return null;
  if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysInMonth(d.year, d.month)) return null;
  return d.year * 10_000 + d.month * 100 + d.day;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function isoDate(d: CalendarDate): string {
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}
