import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { stripTrueTypeHinting } from './stripTrueTypeHinting';

const fonts = readPrintFonts();

describe('stripTrueTypeHinting', () => {
  it('drops the hinting tables and instructions, keeping a valid smaller font', () => {
    const stripped = stripTrueTypeHinting(fonts.regular);
    expect(stripped.byteLength).toBeLessThan(fonts.regular.byteLength * 0.8);
    const tags = tableTags(stripped);
    expect(tags).toContain('glyf');
    expect(tags).toContain('cmap');
    expect(tags).not.toContain('fpgm');
    expect(tags).not.toContain('prep');
  });

  it('returns anything that is not a TrueType font unchanged', () => {
    const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(stripTrueTypeHinting(junk)).toBe(junk);
  });
});

function tableTags(font: Uint8Array): string[] {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tags: string[] = [];
  for (let i = 0; i < view.getUint16(4); i++) {
    tags.push(String.fromCharCode(...font.subarray(12 + 16 * i, 16 + 16 * i)));
  }
  return tags;
}
