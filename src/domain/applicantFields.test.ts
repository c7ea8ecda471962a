import { describe, expect, it } from 'vitest';
import { checkDateOfBirth, checkEmail, checkFullName, checkIdNumber, checkPhone, isoFromViDate } from './applicantFields';

const today = { year: 2026, month: 3, day: 10 };

describe('applicant fields as the officer types them', () => {
  it('tells a short ID number from a missing one', () => {
    expect(checkIdNumber('')).toBe('id-required');
    expect(checkIdNumber('12345')).toBe('id-digits');
    expect(checkIdNumber('0011950123456')).toBe('id-digits');
    expect(checkIdNumber('001195012345')).toBeNull();
    expect(checkIdNumber('012345678')).toBeNull();
    expect(checkIdNumber('B1234567')).toBeNull();
    expect(checkIdNumber('ABCDEFG')).toBe('id-format');
    expect(checkIdNumber('A1')).toBe('id-format');
  });

  it('marks a birth date that does not exist, is in the future, or is not dd/mm/yyyy', () => {
    expect(checkDateOfBirth('', today)).toBeNull();
    expect(checkDateOfBirth('15/08/1995', today)).toBeNull();
    expect(checkDateOfBirth('29/02/2024', today)).toBeNull();
    expect(checkDateOfBirth('31/02/2030', today)).toBe('date-invalid');
    expect(checkDateOfBirth('29/02/2025', today)).toBe('date-invalid');
    expect(checkDateOfBirth('11/03/2026', today)).toBe('date-future');
    expect(checkDateOfBirth('10/03/2026', today)).toBeNull();
    expect(checkDateOfBirth('01/01/1850', today)).toBe('date-too-old');
    expect(checkDateOfBirth('1995-08-15', today)).toBe('date-format');
    expect(checkDateOfBirth('15/8', today)).toBe('date-format');
    expect(isoFromViDate('5.8.1995')).toBe('1995-08-05');
    expect(isoFromViDate('31/02/2030')).toBe('');
  });

  it('refuses an e-mail without @ or domain, and a phone number of the wrong length', () => {
    expect(checkEmail('')).toBeNull();
    expect(checkEmail('not-an-email')).toBe('email-format');
    expect(checkEmail('a@b')).toBe('email-format');
    expect(checkEmail('a b@c.vn')).toBe('email-format');
    expect(checkEmail('hang.nguyen@gmail.com')).toBeNull();
    expect(checkEmail('can.bo@hanoi.gov.vn')).toBeNull();
    expect(checkPhone('')).toBeNull();
    expect(checkPhone('0912 345 678')).toBeNull();
    expect(checkPhone('+84912345678')).toBeNull();
    expect(checkPhone('091234')).toBe('phone-format');
    expect(checkFullName('  ')).toBe('name-required');
    expect(checkFullName('Nguyễn Thị Thu Hằng')).toBeNull();
  });
});
