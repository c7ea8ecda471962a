/**
 * Numbers as PDF content and object syntax writes them: integers bare, fractions in plain decimal
 * notation (never exponent notation, which PDF does not have), no trailing zeros.
 */
export function pdfNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a PDF number: ${value}`);
  // From 1e21 on, String() writes integers with an exponent too.
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  const text = String(value);
  if (!text.includes('e')) return text;
  // 1e-7 and the like: fixed notation, trailing zeros dropped ("-0" stays "0").
  const fixed = value.toFixed(10).replace(/\.?0+$/u, '');
  return fixed === '-0' ? '0' : fixed;
}
