import fontkit from '@pdf-lib/fontkit';
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

  it.each(['regular', 'bold'] as const)('keeps every glyph outline, advance and mapping of the %s weight', (weight) => {
    const original = fontkit.create(fonts[weight]);
    const stripped = fontkit.create(stripTrueTypeHinting(fonts[weight]));
    expect(stripped.numGlyphs).toBe(original.numGlyphs);
    expect(stripped.numGlyphs).toBeGreaterThan(500);
    expect(stripped.characterSet).toEqual(original.characterSet);
    for (let id = 0; id < original.numGlyphs; id++) {
      const before = original.getGlyph(id);
      const after = stripped.getGlyph(id);
      expect(after.path.toSVG(), `glyph ${id}`).toBe(before.path.toSVG());
      expect(after.advanceWidth, `glyph ${id}`).toBe(before.advanceWidth);
    }
  });

  it('writes every hinting-only table out, and no instruction bytes are left to strip', () => {
    const stripped = stripTrueTypeHinting(fonts.bold);
    for (const tag of ['fpgm', 'prep', 'cvt ', 'hdmx', 'LTSH', 'VDMX']) expect(tableTags(stripped)).not.toContain(tag);
    const maxp = table(stripped, 'maxp');
    expect(new DataView(maxp.buffer, maxp.byteOffset).getUint16(26)).toBe(0); // maxSizeOfInstructions
    // Stripping again finds nothing to remove: same bytes.
    expect(stripTrueTypeHinting(stripped)).toEqual(stripped);
  });

  it('leaves no glyph with instructions', () => {
    for (const weight of ['regular', 'bold'] as const) {
      expect(glyphInstructionSummary(fonts[weight]).withInstructions).toBeGreaterThan(100); // the input had them
      const kinds = glyphInstructionSummary(stripTrueTypeHinting(fonts[weight]));
      expect(kinds.simple).toBeGreaterThan(500);
      expect(kinds.withInstructions).toBe(0);
    }
  });

  // Be Vietnam Pro has no composite glyphs (its accented letters are outlines), so a made-up font.
  it('clears the instructions of a composite glyph and keeps its components', () => {
    const simple = [0, 1, 0, 0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 3, 0xb0, 0x01, 0x02, 0x31]; // 1 contour, 3 instruction bytes, 1 point
    const composite = [0xff, 0xff, 0, 0, 0, 0, 0, 10, 0, 10, 0x01, 0x00, 0, 0, 5, 7, 0, 2, 0xb0, 0x01]; // glyph 0 at (5, 7), 2 instruction bytes
    const font = sfnt({
      head: headTable(),
      maxp: maxpTable(2),
      loca: new Uint8Array([0, 0, 0, 9, 0, 19]), // short format: offsets / 2
      glyf: new Uint8Array([...simple, ...composite]),
    });
    const stripped = stripTrueTypeHinting(font);
    expect(stripped).not.toBe(font);
    expect(glyphInstructionSummary(font)).toEqual({ simple: 1, composite: 1, withInstructions: 2 });
    expect(glyphInstructionSummary(stripped)).toEqual({ simple: 1, composite: 1, withInstructions: 0 });
    const glyf = table(stripped, 'glyf');
    // Simple: the instruction bytes gone (18 - 3 = 15, padded to 16); composite: flags 0, same component.
    expect([...glyf.subarray(0, 15)]).toEqual([0, 1, 0, 0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 0, 0x31]);
    expect([...glyf.subarray(16)]).toEqual([0xff, 0xff, 0, 0, 0, 0, 0, 10, 0, 10, 0x00, 0x00, 0, 0, 5, 7]);
  });

  it('writes correct table checksums and head.checkSumAdjustment', () => {
    const stripped = stripTrueTypeHinting(fonts.regular);
    const view = new DataView(stripped.buffer, stripped.byteOffset, stripped.byteLength);
    for (let i = 0; i < view.getUint16(4); i++) {
      const at = 12 + 16 * i;
      const tag = String.fromCharCode(...stripped.subarray(at, at + 4));
      const offset = view.getUint32(at + 8);
      const length = view.getUint32(at + 12);
      // head's own checksum is computed with checkSumAdjustment = 0.
      const data = new Uint8Array(stripped.subarray(offset, offset + length));
      if (tag === 'head') new DataView(data.buffer).setUint32(8, 0);
      expect(sum32(data), tag).toBe(view.getUint32(at + 4));
    }
    expect(sum32(stripped)).toBe(0xb1b0afba);
  });

  it('does not modify the bytes it was given', () => {
    const copy = new Uint8Array(fonts.regular);
    stripTrueTypeHinting(fonts.regular);
    expect(fonts.regular).toEqual(copy);
  });
});

/** A bare sfnt: the table directory and the tables (checksums left 0: nothing here reads them). */
function sfnt(tables: Record<string, Uint8Array>): Uint8Array {
  const tags = Object.keys(tables).sort();
  const parts = tags.map((tag) => tables[tag] ?? new Uint8Array());
  const size = 12 + 16 * tags.length + parts.reduce((n, p) => n + ((p.length + 3) & ~3), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00010000);
  view.setUint16(4, tags.length);
  let offset = 12 + 16 * tags.length;
  tags.forEach((tag, i) => {
    const part = parts[i] ?? new Uint8Array();
    for (let c = 0; c < 4; c++) out[12 + 16 * i + c] = tag.charCodeAt(c);
    view.setUint32(12 + 16 * i + 8, offset);
    view.setUint32(12 + 16 * i + 12, part.length);
    out.set(part, offset);
    offset += (part.length + 3) & ~3;
  });
  return out;
}

function headTable(): Uint8Array {
  const head = new Uint8Array(54);
  new DataView(head.buffer).setUint32(12, 0x5f0f3cf5); // magicNumber; indexToLocFormat (at 50) 0: short
  return head;
}

function maxpTable(numGlyphs: number): Uint8Array {
  const maxp = new Uint8Array(32);
  const view = new DataView(maxp.buffer);
  view.setUint32(0, 0x00010000);
  view.setUint16(4, numGlyphs);
  view.setUint16(26, 3); // maxSizeOfInstructions
  return maxp;
}

function tableTags(font: Uint8Array): string[] {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tags: string[] = [];
  for (let i = 0; i < view.getUint16(4); i++) {
    tags.push(String.fromCharCode(...font.subarray(12 + 16 * i, 16 + 16 * i)));
  }
  return tags;
}

function table(font: Uint8Array, tag: string): Uint8Array {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const i = tableTags(font).indexOf(tag);
  if (i < 0) throw new Error(`no ${tag} table`);
  const offset = view.getUint32(12 + 16 * i + 8);
  return font.subarray(offset, offset + view.getUint32(12 + 16 * i + 12));
}

/** Walks glyf through loca and counts glyphs that still carry instructions. */
function glyphInstructionSummary(font: Uint8Array): { simple: number; composite: number; withInstructions: number } {
  const head = table(font, 'head');
  const longLoca = new DataView(head.buffer, head.byteOffset).getInt16(50) === 1;
  const maxp = table(font, 'maxp');
  const numGlyphs = new DataView(maxp.buffer, maxp.byteOffset).getUint16(4);
  const loca = table(font, 'loca');
  const locaView = new DataView(loca.buffer, loca.byteOffset, loca.byteLength);
  const offsetOf = (g: number): number => (longLoca ? locaView.getUint32(4 * g) : 2 * locaView.getUint16(2 * g));
  const glyf = table(font, 'glyf');
  const summary = { simple: 0, composite: 0, withInstructions: 0 };
  for (let g = 0; g < numGlyphs; g++) {
    const start = offsetOf(g);
    if (offsetOf(g + 1) <= start) continue; // empty glyph (space)
    const view = new DataView(glyf.buffer, glyf.byteOffset + start);
    const contours = view.getInt16(0);
    if (contours >= 0) {
      summary.simple++;
      if (view.getUint16(10 + 2 * contours) > 0) summary.withInstructions++;
      continue;
    }
    summary.composite++;
    let pos = 10;
    let instructions = false;
    for (;;) {
      const flags = view.getUint16(pos);
      if (flags & 0x0100) instructions = true; // WE_HAVE_INSTRUCTIONS
      pos += 4 + (flags & 0x0001 ? 4 : 2) + (flags & 0x0008 ? 2 : flags & 0x0040 ? 4 : flags & 0x0080 ? 8 : 0);
      if (!(flags & 0x0020)) break; // MORE_COMPONENTS
    }
    if (instructions) summary.withInstructions++;
  }
  return summary;
}

/** The sfnt checksum: sum of big-endian uint32 words, zero-padded to a multiple of 4. */
function sum32(bytes: Uint8Array): number {
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}
