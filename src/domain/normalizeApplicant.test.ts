import { describe, expect, it } from 'vitest';
import { DossierApplicantArgs } from '../shared/records';
import { normalizeApplicant, type ApplicantInput } from './normalizeApplicant';

const typed: ApplicantInput = {
  idNumber: ' b 1234-5678 ',
  fullName: '  Nguyễn   Văn\tAn '.normalize('NFD'),
  dateOfBirth: '',
  gender: '',
  address: ' Số 12,  phố Hàng Bạc\n Hà Nội '.normalize('NFD'),
  phone: '(+84) 912 345 678',
  email: ' an@example.vn ',
  fromCard: false,
};

describe('normalizeApplicant', () => {
  it('gives the ID number, name, address and phone their stored form, and empty birth date and gender as null', () => {
    expect(normalizeApplicant(typed)).toEqual({
      idNumber: 'B12345678',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: null,
      gender: null,
      address: 'Số 12, phố Hàng Bạc Hà Nội',
      phone: '+84912345678',
      email: 'an@example.vn',
      fromCard: false,
    });
    expect(normalizeApplicant(typed).fullName).toBe('Nguyễn Văn An'.normalize('NFC'));
    expect(DossierApplicantArgs.safeParse(normalizeApplicant(typed)).success).toBe(true);
  });

  it('keeps what the card gave, and is idempotent', () => {
    const card: ApplicantInput = { ...typed, idNumber: '001195012345', dateOfBirth: '1995-08-15', gender: 'female', fromCard: true };
    const once = normalizeApplicant(card);
    expect(once).toMatchObject({ idNumber: '001195012345', dateOfBirth: '1995-08-15', gender: 'female', fromCard: true });
    expect(normalizeApplicant(once)).toEqual(once);
  });

  it('does not validate: a name of spaces stays empty for the schema to refuse', () => {
    const blank = normalizeApplicant({ ...typed, fullName: '   ' });
    expect(blank.fullName).toBe('');
    expect(DossierApplicantArgs.safeParse(blank).success).toBe(false);
  });
});
