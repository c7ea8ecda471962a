import fontkit from '@pdf-lib/fontkit';
import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { UNSUPPORTED_CHAR_REPLACEMENT, cleanText, measure, wrapBalanced, wrapText } from './textLayout';
import { mm } from './units';

const fonts = readPrintFonts();
const regular = fontkit.create(fonts.regular);
const bold = fontkit.create(fonts.bold);

const SERVICE = 'Đăng ký kinh doanh, hộ kinh doanh và hợp tác xã';
const LONG = 'Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu';
const width = (line: string, size: number): number => measure(bold, line, size).width;

describe('cleanText', () => {
  it('composes NFD input, folds whitespace and control runs into one space, trims', () => {
    expect(cleanText(`  Chi nhánh\u0000 số 1\n\t${'Ba Đình'.normalize('NFD')}  `, regular)).toBe('Chi nhánh số 1 Ba Đình');
  });

  it('puts "?" where the font has no glyph', () => {
    expect(cleanText('Hộ tịch 🙂 戶籍', regular)).toBe(`Hộ tịch ${UNSUPPORTED_CHAR_REPLACEMENT} ??`);
  });
});

describe('measure', () => {
  it('scales with the size and adds up glyph advances (no kerning)', () => {
    const ten = measure(regular, 'Hà Nội', 10);
    expect(measure(regular, 'Hà Nội', 20).width).toBeCloseTo(2 * ten.width, 9);
    expect(ten.width).toBeCloseTo(measure(regular, 'Hà', 10).width + measure(regular, ' ', 10).width + measure(regular, 'Nội', 10).width, 9);
  });

  it('reports ink above and below the baseline, stacked diacritics included', () => {
    const plain = measure(bold, 'E', 10);
    const stacked = measure(bold, 'Ế', 10);
    expect(plain.below).toBeCloseTo(0, 9);
    expect(stacked.above).toBeGreaterThan(plain.above);
    expect(measure(bold, 'g', 10).below).toBeGreaterThan(0);
  });
});

describe('wrapText', () => {
  it('breaks only between words, each line within the width, no word that would fit left behind', () => {
    for (const maxWidth of [mm(30), mm(45), mm(72)]) {
      const lines = wrapText(LONG, bold, 13, maxWidth);
      expect(lines.join(' ')).toBe(LONG);
      for (const [i, line] of lines.entries()) {
        expect(line).toBe(line.trim());
        expect(width(line, 13)).toBeLessThanOrEqual(maxWidth);
        const next = lines[i + 1];
        // Greedy: the next line's first word did not fit on this one.
        if (next !== undefined) expect(width(`${line} ${next.split(' ')[0] ?? ''}`, 13)).toBeGreaterThan(maxWidth);
      }
    }
  });

  it('breaks a word between characters only when it alone is wider than the line', () => {
    const word = 'Khônggiancáchnàođểxuốngdòng';
    const lines = wrapText(`Tên ${word} dài`, bold, 13, mm(30));
    expect(lines[0]).toBe('Tên');
    expect(lines.at(-1)?.endsWith(' dài')).toBe(true);
    const pieces = lines.slice(1).join(' ').replace(/ dài$/u, '');
    expect(pieces.replace(/ /gu, '')).toBe(word);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(width(line, 13)).toBeLessThanOrEqual(mm(30));
    // Just too wide, or several times too wide: always within the line.
    for (const share of [0.95, 0.6, 0.25]) {
      const maxWidth = width(word, 13) * share;
      const split = wrapText(word, bold, 13, maxWidth);
      expect(split.join('')).toBe(word);
      expect(split.length).toBeGreaterThan(1);
      for (const line of split) expect(width(line, 13)).toBeLessThanOrEqual(maxWidth);
    }
  });

  it('gives one line for text that fits and none for empty text', () => {
    expect(wrapText('Hộ tịch', bold, 13, mm(72))).toEqual(['Hộ tịch']);
    expect(wrapText('', bold, 13, mm(72))).toEqual([]);
  });
});

describe('wrapBalanced', () => {
  it('keeps the greedy line count and breaks after a comma rather than leaving a stub', () => {
    expect(wrapText(SERVICE, bold, 13, mm(72))).toHaveLength(2);
    expect(wrapBalanced(SERVICE, bold, 13, mm(72))).toEqual(['Đăng ký kinh doanh,', 'hộ kinh doanh và hợp tác xã']);
  });

  it('evens out line lengths: its widest line is never wider than the greedy one', () => {
    for (const size of [9, 11, 13]) {
      const greedy = wrapText(LONG, bold, size, mm(72));
      const balanced = wrapBalanced(LONG, bold, size, mm(72));
      expect(balanced).toHaveLength(greedy.length);
      expect(balanced.join(' ')).toBe(LONG);
      const widest = (lines: string[]): number => Math.max(...lines.map((l) => width(l, size)));
      expect(widest(balanced)).toBeLessThanOrEqual(widest(greedy) + 1e-9);
      for (const line of balanced) expect(width(line, size)).toBeLessThanOrEqual(mm(72));
    }
  });

  it('falls back to the greedy wrap when a word is wider than the line', () => {
    const text = 'Tên Khônggiancáchnàođểxuốngdòng dài';
    expect(wrapBalanced(text, bold, 13, mm(30))).toEqual(wrapText(text, bold, 13, mm(30)));
  });
});
