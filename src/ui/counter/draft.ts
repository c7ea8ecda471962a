import { DEFAULT_SCAN_COLOR_MODE, type CapturedPage, type ScanColorMode } from '../../app/capture';
import type { ReuseCandidate } from '../../app/dossierTypes';
import type { CitizenCard } from '../../domain/citizenId';
import { viDate } from './format';

/**
 * What the officer has entered for the dossier on screen, before it is submitted. Kept in memory
 * only (personal data): "Hồ sơ mới" drops it all; a failed submit keeps it all.
 */
export interface ApplicantState {
  readonly idNumber: string;
  readonly fullName: string;
  /** YYYY-MM-DD or "" (also "" while the typed text is not a real date). */
  readonly dateOfBirth: string;
  /** The birth date as typed (dd/mm/yyyy), checked where it is typed. */
  readonly dateOfBirthText: string;
  readonly gender: '' | 'male' | 'female';
  readonly address: string;
  readonly phone: string;
  readonly email: string;
  /** Name, number, birth date and gender came from the card's QR (then they are not editable). */
  readonly fromCard: boolean;
}

export const EMPTY_APPLICANT: ApplicantState = {
  idNumber: '',
  fullName: '',
  dateOfBirth: '',
  dateOfBirthText: '',
  gender: '',
  address: '',
  phone: '',
  email: '',
  fromCard: false,
};

/** The card's fields replace the applicant's; phone and e-mail (never on the card) are kept. */
export function applicantFromCard(card: CitizenCard, current: ApplicantState): ApplicantState {
  return {
    idNumber: card.idNumber,
    fullName: card.fullName,
    dateOfBirth: card.dateOfBirth,
    dateOfBirthText: viDate(card.dateOfBirth),
    gender: card.gender,
    address: card.address,
    phone: current.phone,
    email: current.email,
    fromCard: true,
  };
}

/** A received paper: pages captured at the counter, or a PDF reused from an earlier dossier. */
export interface DocumentState {
  readonly pages: readonly CapturedPage[];
  readonly reuse: ReuseCandidate | null;
  readonly mode: ScanColorMode;
  /** Originals and copies the officer counted, when they differ from the catalog's; absent = the catalog's. */
  readonly originals?: number;
  readonly copies?: number;
}

export const EMPTY_DOCUMENT: DocumentState = { pages: [], reuse: null, mode: DEFAULT_SCAN_COLOR_MODE };

export function received(doc: DocumentState | undefined): boolean {
  return doc !== undefined && (doc.reuse !== null || doc.pages.length > 0);
}

/** A paper the catalog does not list, named by the officer. */
export interface ExtraDocument {
  readonly documentId: string;
  readonly name: string;
}

/** Documents are keyed per procedure ("1.001193/d1"): catalog ids repeat across procedures. */
export function documentKey(procedureCode: string, documentId: string): string {
  return `${procedureCode}/${documentId}`;
}

/** The applicant's fields the form checks where they are typed. */
export type ApplicantField = 'idNumber' | 'fullName' | 'dateOfBirth' | 'phone' | 'email';

/** DOM ids of the form's fields, for focus and the error summary's links. */
export const FIELD_IDS: Readonly<Record<ApplicantField | 'procedure' | 'reason', string>> = {
  idNumber: 'desk-id',
  fullName: 'desk-name',
  dateOfBirth: 'desk-dob',
  phone: 'desk-phone',
  email: 'desk-email',
  procedure: 'desk-procedure-search',
  reason: 'desk-reason',
};

export const situationFieldId = (groupId: string): string => `desk-situation-${groupId}`;
