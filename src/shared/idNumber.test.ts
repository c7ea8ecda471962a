import { describe, expect, it } from 'vitest';
import { isCompleteIdNumber, isIdNumber, normalizeIdNumber } from './idNumber';

describe('ID numbers', () => {
  it('normalises what is typed or scanned: upper case, letters and digits only, full-width digits as ASCII', () => {
    expect(normalizeIdNumber(' 001 195-012.345 ')).toBe('001195012345');
    expect(normalizeIdNumber('b1234567')).toBe('B1234567');
    expect(normalizeIdNumber('００１１９５０１２３４５')).toBe('001195012345');
  });

  it('accepts a CCCD, a CMND or a passport number, 6 to 20 letters and digits', () => {
    for (const id of ['001195012345', '012345678', 'B1234567', 'ABC123']) expect(isIdNumber(id)).toBe(true);
    for (const id of ['', '12345', 'b1234567', '001-195', 'A'.repeat(21)]) expect(isIdNumber(id)).toBe(false);
  });

  it('calls an all-digit number complete only at the length of a CCCD or a CMND', () => {
    expect(isCompleteIdNumber('001195012345')).toBe(true);
    expect(isCompleteIdNumber('012345678')).toBe(true);
    expect(isCompleteIdNumber('B1234567')).toBe(true);
    expect(isCompleteIdNumber('0011950')).toBe(false);
    expect(isCompleteIdNumber('0011950123')).toBe(false);
    expect(isCompleteIdNumber('12345')).toBe(false);
  });
});
