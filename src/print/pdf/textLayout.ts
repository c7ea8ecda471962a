/**
 * Text layout with a parsed fontkit font, in points: cleaning input for printing, measuring, and
 * wrapping into lines.
 *
 * Guarantees:
 * - Widths are what pdf-lib draws: the sum of glyph advances after shaping, no GPOS kerning.
 * - Wrapping breaks only at spaces; a word is broken between characters only when it alone is
 *   wider than the line. Lines never start or end with a space, and joining them with single spaces
 *   gives back the cleaned text.
 * - Pure: no PDF document, no clock. Shaping goes through `font.layout()`, which the renderers
 *   memoise (fontPreparation.ts).
 */
import type { Font as FontkitFont } from '@pdf-lib/fontkit';

/** Replacement for characters the font cannot draw. */
export const UNSUPPORTED_CHAR_REPLACEMENT = '?';

export interface Measure {
  readonly width: number;
  /** Ink above the baseline (positive points). */
  readonly above: number;
  /** Ink below the baseline (positive points). */
  readonly below: number;
}

/**
 * NFC (Be Vietnam Pro has precomposed Vietnamese glyphs; NFD input would rely on mark positioning
 * and extract as decomposed text), one space for any whitespace or control run, and "?" for
 * characters without a glyph in this font.
 */
export function cleanText(raw: string, font: FontkitFont): string {
  let out = '';
  let pendingSpace = false;
  for (const ch of raw.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (/\s/u.test(ch) || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      pendingSpace = out !== '';
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += font.hasGlyphForCodePoint(cp) ? ch : UNSUPPORTED_CHAR_REPLACEMENT;
  }
  return out;
}

/** Width the way pdf-lib draws it: sum of glyph advances (pdf-lib does not apply GPOS kerning). */
export function measure(font: FontkitFont, text: string, size: number): Measure {
  const scale = size / font.unitsPerEm;
  let advance = 0;
  let maxY = 0;
  let minY = 0;
  for (const glyph of font.layout(text).glyphs) {
    advance += glyph.advanceWidth;
    const box = glyph.bbox;
    // Blank glyphs (space) have an infinite empty box.
    if (Number.isFinite(box.maxY)) maxY = Math.max(maxY, box.maxY);
    if (Number.isFinite(box.minY)) minY = Math.min(minY, box.minY);
  }
  return { width: advance * scale, above: maxY * scale, below: -minY * scale };
}

/**
 * Centred text reads better with lines of similar length, broken after punctuation where possible
 * ("Đăng ký kinh doanh, / hộ kinh doanh và hợp tác xã" rather than a full line and a stub). Keeps the
 * greedy line count and searches the break positions: score = widest line minus a bonus for each
 * break after punctuation. Texts too long to search (or with a word wider than the line) keep the
 * greedy wrap.
 */
export function wrapBalanced(text: string, font: FontkitFont, size: number, maxWidth: number): string[] {
  const greedy = wrapText(text, font, size, maxWidth);
  const words = text.split(' ').filter((w) => w !== '');
  const lineCount = greedy.length;
  if (lineCount < 2 || lineCount > 4 || words.length > 24) return greedy;

  // Line width = words + spaces (pdf-lib draws glyph advances without kerning, so this is exact
  // unless a substitution crosses a space), from prefix sums: the search costs no shaping.
  const space = measure(font, ' ', size).width;
  const prefix = [0];
  for (const w of words) prefix.push((prefix[prefix.length - 1] ?? 0) + measure(font, w, size).width);
  const widthOf = (from: number, to: number): number => (prefix[to] ?? 0) - (prefix[from] ?? 0) + (to - from - 1) * space;
  if (words.some((_, i) => widthOf(i, i + 1) > maxWidth)) return greedy;
  const goodBreakAfter = (i: number): boolean => /[,;:]$|^[–—-]$/u.test(words[i] ?? '');
  const bonus = maxWidth * 0.15;

  let bestScore = Infinity;
  let bestBreaks: number[] = [];
  const search = (from: number, linesLeft: number, breaks: number[], widest: number, bonuses: number): void => {
    if (linesLeft === 1) {
      const w = widthOf(from, words.length);
      if (w > maxWidth) return;
      const score = Math.max(widest, w) - bonuses * bonus;
      if (score < bestScore) {
        bestScore = score;
        bestBreaks = breaks;
      }
      return;
    }
    for (let to = from + 1; to <= words.length - (linesLeft - 1); to++) {
      const w = widthOf(from, to);
      if (w > maxWidth) break;
      search(to, linesLeft - 1, [...breaks, to], Math.max(widest, w), bonuses + (goodBreakAfter(to - 1) ? 1 : 0));
    }
  };
  search(0, lineCount, [], 0, 0);
  if (bestScore === Infinity) return greedy;
  const lines: string[] = [];
  let from = 0;
  for (const to of [...bestBreaks, words.length]) {
    lines.push(words.slice(from, to).join(' '));
    from = to;
  }
  return lines;
}

/** Greedy word wrap; a word wider than the line is broken between characters. */
export function wrapText(text: string, font: FontkitFont, size: number, maxWidth: number): string[] {
  const widthOf = (s: string): number => measure(font, s, size).width;
  const space = widthOf(' ');
  const lines: string[] = [];
  let current = '';
  let currentWidth = 0;
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const wordWidth = widthOf(word);
    if (current !== '' && currentWidth + space + wordWidth <= maxWidth) {
      current += ` ${word}`;
      currentWidth += space + wordWidth;
      continue;
    }
    if (current !== '') lines.push(current);
    if (wordWidth <= maxWidth) {
      current = word;
      currentWidth = wordWidth;
      continue;
    }
    current = '';
    for (const ch of word) {
      if (current !== '' && widthOf(current + ch) > maxWidth) {
        lines.push(current);
        current = '';
      }
      current += ch;
    }
    currentWidth = widthOf(current);
  }
  if (current !== '') lines.push(current);
  return lines;
}
