import fontkit from '@pdf-lib/fontkit';
import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { prepareFonts, subsetFontName } from './fontPreparation';
import { stripTrueTypeHinting } from './stripTrueTypeHinting';

const fonts = readPrintFonts();
const prepared = prepareFonts(fonts);
const regular = prepared.parsed.regular;

describe('subsetFontName', () => {
  const name = (...texts: { font: 'regular' | 'bold'; text: string }[]): string => subsetFontName(regular, texts, 'regular');

  it('is a six-letter tag and the PostScript name, the same on every call', () => {
    // Pinned: a different tag for the same glyphs would change every PDF's bytes.
    expect(name({ font: 'regular', text: 'Phiếu thứ tự' })).toBe('CRHPVP+BeVietnamPro-Regular');
    expect(name({ font: 'regular', text: 'Phiếu thứ tự' })).toMatch(/^[A-Z]{6}\+BeVietnamPro-Regular$/u);
  });

  it('depends only on the set of glyphs drawn in its weight', () => {
    const base = name({ font: 'regular', text: 'Hà Nội' }, { font: 'regular', text: '08:05' });
    expect(name({ font: 'regular', text: '08:05' }, { font: 'regular', text: 'Hà Nội' })).toBe(base); // order
    expect(name({ font: 'regular', text: 'Nội Hà 50:80 ội' })).toBe(base); // same glyphs, other strings
    expect(name({ font: 'regular', text: 'Hà Nội' }, { font: 'regular', text: '08:05' }, { font: 'bold', text: 'XYZ' })).toBe(base); // the other weight
  });

  it('differs when the subset holds another glyph', () => {
    const base = name({ font: 'regular', text: 'Hà Nội' });
    expect(name({ font: 'regular', text: 'Hà Nội!' })).not.toBe(base);
    expect(name({ font: 'regular', text: 'Ha Nội' })).not.toBe(base);
  });
});

describe('prepareFonts', () => {
  it('embeds the hinting-stripped bytes and hands pdf-lib the fonts it parsed', () => {
    expect(prepared.bytes.regular).toEqual(stripTrueTypeHinting(fonts.regular));
    expect(prepared.bytes.bold).toEqual(stripTrueTypeHinting(fonts.bold));
    const create = (prepared.fontkit as unknown as { create(bytes: Uint8Array): unknown }).create;
    expect(create(prepared.bytes.regular)).toBe(prepared.parsed.regular);
    expect(create(prepared.bytes.bold)).toBe(prepared.parsed.bold);
    expect(create(fonts.regular)).not.toBe(prepared.parsed.regular); // other bytes: a parse of their own
  });

  it('memoises shaping without changing its result', () => {
    const fresh = fontkit.create(prepared.bytes.regular);
    const text = 'Đăng ký kinh doanh, hộ kinh doanh và hợp tác xã';
    const run = regular.layout(text);
    expect(regular.layout(text)).toBe(run);
    expect(run.glyphs.map((g) => g.id)).toEqual(fresh.layout(text).glyphs.map((g) => g.id));
    expect(run.positions.map((p) => p.xAdvance)).toEqual(fresh.layout(text).positions.map((p) => p.xAdvance));
  });

  it('leaves the font bytes it was given unchanged', () => {
    const again = readPrintFonts();
    prepareFonts(fonts);
    expect(fonts.regular).toEqual(again.regular);
    expect(fonts.bold).toEqual(again.bold);
  });
});
