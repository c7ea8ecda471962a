import { normalizeIdNumber } from '../shared/idNumber';
import type { DossierApplicantArgs } from '../shared/records';
import { normalizeText } from './normalizeText';

/**
 * The applicant of a dossier as the counter form holds it (typed, or filled from the ID card's QR),
 * before it is checked against the sync contract.
 */
export interface ApplicantInput {
  readonly idNumber: string;
  readonly fullName: string;
  /** YYYY-MM-DD; '' or null when not known. */
  readonly dateOfBirth: string | null;
  readonly gender: 'male' | 'female' | '' | null;
  readonly address: string;
  readonly phone: string;
  readonly email: string;
  /** Name, number, birth date and gender came from the card's QR. */
  readonly fromCard: boolean;
}

/**
 * The one clean-up an applicant gets before it is validated and stored: the ID number in its
 * normal form (`normalizeIdNumber`), name and address NFC with single spaces, the phone as digits
 * (and "+"), empty birth date and gender as null. It does not validate: the caller checks the result
 * with `DossierApplicantArgs`, the schema the centre applies.
 */
export function normalizeApplicant(input: ApplicantInput): DossierApplicantArgs {
  const dateOfBirth = input.dateOfBirth?.trim() ?? '';
  return {
    idNumber: normalizeIdNumber(input.idNumber),
    fullName: normalizeText(input.fullName),
    dateOfBirth: dateOfBirth === '' ? null : dateOfBirth,
    gender: input.gender === '' ? null : input.gender,
    address: normalizeText(input.address),
    phone: input.phone.replace(/[^\d+]/g, ''),
    email: input.email.trim(),
    fromCard: input.fromCard,
  };
}
