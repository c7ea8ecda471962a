import fc from 'fast-check';
import { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { describe, expect, it } from 'vitest';
import { isPlainByteText, qrMatrix, type QrErrorCorrection, type QrMatrix } from './qrMatrix';

/** Every module, row by row. */
const modules = (m: QrMatrix): string => {
  let out = '';
  for (let y = 0; y < m.size; y++) for (let x = 0; x < m.size; x++) out += m.isDark(x, y) ? '1' : '0';
  return out;
};

/** Printable ASCII with at least one character outside QR's alphanumeric set (a lower-case letter). */
const byteText = (maxLength: number) =>
  fc
    .tuple(
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength }),
      fc.nat(),
      fc.constantFrom('a', 'z', '?', '&', '='),
    )
    .map(([s, at, odd]) => {
      const i = s.length === 0 ? 0 : at % (s.length + 1);
      return s.slice(0, i) + odd + s.slice(i);
    });

const levels: QrErrorCorrection[] = ['L', 'M', 'Q', 'H'];

/** Reads a matrix back with zxing's QR reader (3 pixels a module, 4-module quiet zone). */
function decode(m: QrMatrix): string {
  const scale = 3;
  const side = (m.size + 8) * scale;
  const rgba = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; x++) {
      if (!m.isDark(x, y)) continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const at = (((y + 4) * scale + dy) * side + (x + 4) * scale + dx) * 4;
          rgba[at] = rgba[at + 1] = rgba[at + 2] = 0;
        }
      }
    }
  }
  const luminance = new Uint8ClampedArray(side * side);
  for (let i = 0; i < luminance.length; i++) luminance[i] = rgba[i * 4]!;
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, side, side)));
  return new QRCodeReader().decode(bitmap, new Map([[DecodeHintType.PURE_BARCODE, true]])).getText();
}

describe('the direct QR encoder (qrEncode.ts) against @zxing/library', () => {
  it('takes the byte-mode texts and leaves numeric, alphanumeric and non-ASCII text to zxing', () => {
    expect(isPlainByteText('https://dichvucong.hanoi.gov.vn/tra-cuu?b=CN01&d=2026-12-07&n=A0015&t=0193')).toBe(true);
    expect(isPlainByteText('0123456789')).toBe(false);
    expect(isPlainByteText('HTTPS://EXAMPLE.VN/A015')).toBe(false);
    expect(isPlainByteText('Phiếu số A015')).toBe(false);
    expect(isPlainByteText('a')).toBe(true);
  });

  it('gives the same matrix as zxing for the kiosk’s ticket and look-up URLs, at every level', () => {
    const urls = [
      'https://dichvucong.hanoi.gov.vn/tra-cuu?b=CN01&d=2026-12-07&n=A0015&t=0193a4c2-7b1e-7d00-8f00-1234567890ab',
      'http://127.0.0.1:8080/lookup?code=000.21.01.H26-261124-0001&secret=K7P4X9QM',
      'a',
    ];
    for (const url of urls)
      for (const level of levels) expect(modules(qrMatrix(url, level, 'direct')), `${level} ${url}`).toBe(modules(qrMatrix(url, level, 'zxing')));
  });

  it('gives the same matrix as zxing for random byte-mode texts of every length a version holds (1 to 40)', () => {
    fc.assert(
      fc.property(byteText(300), fc.constantFrom(...levels), (text, level) => {
        expect(modules(qrMatrix(text, level, 'direct'))).toBe(modules(qrMatrix(text, level, 'zxing')));
      }),
      { numRuns: 300 },
    );
    // The largest versions: long texts near each level's capacity.
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 1270 }), fc.constantFrom(...levels), fc.nat(), (length, level, seed) => {
        const text = Array.from({ length }, (_, i) => String.fromCharCode(0x61 + ((seed + i * 7) % 26))).join('');
        let zxing: string;
        try {
          zxing = modules(qrMatrix(text, level, 'zxing'));
        } catch {
          expect(() => qrMatrix(text, level, 'direct')).toThrow();
          return;
        }
        expect(modules(qrMatrix(text, level, 'direct'))).toBe(zxing);
      }),
      { numRuns: 60 },
    );
  });

  it('makes codes a reader decodes back to the text', () => {
    fc.assert(
      fc.property(byteText(120), fc.constantFrom(...levels), (text, level) => {
        expect(decode(qrMatrix(text, level, 'direct'))).toBe(text);
      }),
      { numRuns: 40 },
    );
  });
});
