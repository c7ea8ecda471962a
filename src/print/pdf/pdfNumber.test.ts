import { describe, expect, it } from 'vitest';
import { pdfNumber } from './pdfNumber';

describe('pdfNumber', () => {
  it('writes integers bare and fractions in plain decimals', () => {
    expect(pdfNumber(226)).toBe('226');
    expect(pdfNumber(-12)).toBe('-12');
    expect(pdfNumber(80.12)).toBe('80.12');
    expect(pdfNumber(-2.48)).toBe('-2.48');
  });

  it('never writes exponent notation, which PDF does not read', () => {
    expect(pdfNumber(1e-7)).toBe('0.0000001');
    expect(pdfNumber(-1.5e-8)).toBe('-0.000000015');
    expect(pdfNumber(-1e-12)).toBe('0');
    expect(pdfNumber(1e21)).toBe('1000000000000000000000');
  });

  it('refuses what is not a number', () => {
    expect(() => pdfNumber(Number.NaN)).toThrow(/not a PDF number/);
    expect(() => pdfNumber(Number.POSITIVE_INFINITY)).toThrow(/not a PDF number/);
  });
});
