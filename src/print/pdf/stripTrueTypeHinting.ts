/**
 * TrueType hinting removal (sfnt rewriting, no font library).
 *
 * Guarantees: every glyph keeps its outline (contours, points, flags, components) and advance;
 * cmap, metrics and layout tables are copied unchanged; the hinting tables and every glyph's
 * instructions are gone; table checksums and head.checkSumAdjustment are recomputed; the input
 * bytes are never modified. Input that is not a TrueType-outline sfnt, or is malformed, comes back
 * as it was (the same object).
 */

/** Tables that only serve the bytecode hinter (or device metrics computed with it). */
const HINTING_TABLES = new Set(['fpgm', 'prep', 'cvt ', 'hdmx', 'LTSH', 'VDMX']);

/**
 * Returns the font without TrueType hinting: the fpgm/prep/cvt programs and every glyph's
 * instructions. fontkit copies them into every subset, and for Be Vietnam Pro (ttfautohint) they are
 * about 40% of a subset's compressed size. PDF rasterisers (PDFium, poppler, Ghostscript) draw
 * TrueType outlines without the bytecode hinter at print resolutions, so the printout is the same.
 */
export function stripTrueTypeHinting(font: Uint8Array): Uint8Array {
  try {
    return stripHintingUnchecked(font);
  } catch {
    return font;
  }
}

interface SfntTable {
  readonly tag: string;
  data: Uint8Array;
}

function stripHintingUnchecked(font: Uint8Array): Uint8Array {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const version = view.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565 /* 'true' */) return font;
  const numTables = view.getUint16(4);
  const tables: SfntTable[] = [];
  for (let i = 0; i < numTables; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(font[at] ?? 0, font[at + 1] ?? 0, font[at + 2] ?? 0, font[at + 3] ?? 0);
    const offset = view.getUint32(at + 8);
    const length = view.getUint32(at + 12);
    if (offset + length > font.byteLength) return font;
    tables.push({ tag, data: font.subarray(offset, offset + length) });
  }
  const find = (tag: string): SfntTable | undefined => tables.find((t) => t.tag === tag);
  const head = find('head');
  const maxp = find('maxp');
  const loca = find('loca');
  const glyf = find('glyf');
  if (!head || !maxp || !loca || !glyf) return font;

  const headView = new DataView(head.data.buffer, head.data.byteOffset, head.data.byteLength);
  const longLoca = headView.getInt16(50) === 1;
  const numGlyphs = new DataView(maxp.data.buffer, maxp.data.byteOffset, maxp.data.byteLength).getUint16(4);
  const locaView = new DataView(loca.data.buffer, loca.data.byteOffset, loca.data.byteLength);
  const glyphOffset = (i: number): number => (longLoca ? locaView.getUint32(i * 4) : locaView.getUint16(i * 2) * 2);

  // New glyf (each glyph padded to 4 bytes) and a long-format loca.
  const glyphs: Uint8Array[] = [];
  const newLoca = new Uint8Array((numGlyphs + 1) * 4);
  const newLocaView = new DataView(newLoca.buffer);
  let total = 0;
  for (let g = 0; g < numGlyphs; g++) {
    newLocaView.setUint32(g * 4, total);
    const start = glyphOffset(g);
    const end = glyphOffset(g + 1);
    if (end <= start) continue;
    const stripped = stripGlyphInstructions(glyf.data.subarray(start, end));
    const padded = new Uint8Array((stripped.length + 3) & ~3);
    padded.set(stripped);
    glyphs.push(padded);
    total += padded.length;
  }
  newLocaView.setUint32(numGlyphs * 4, total);
  const newGlyf = new Uint8Array(total);
  let at = 0;
  for (const g of glyphs) {
    newGlyf.set(g, at);
    at += g.length;
  }

  // Copies via the Uint8Array constructor: Buffer.prototype.slice would share memory with the input.
  const newHead = new Uint8Array(head.data);
  const newHeadView = new DataView(newHead.buffer);
  newHeadView.setUint32(8, 0); // checkSumAdjustment, recomputed below
  newHeadView.setInt16(50, 1); // indexToLocFormat: long

  const newMaxp = new Uint8Array(maxp.data);
  if (newMaxp.byteLength >= 32) new DataView(newMaxp.buffer).setUint16(26, 0); // maxSizeOfInstructions

  const kept: SfntTable[] = [];
  for (const t of tables) {
    if (HINTING_TABLES.has(t.tag)) continue;
    if (t.tag === 'glyf') kept.push({ tag: t.tag, data: newGlyf });
    else if (t.tag === 'loca') kept.push({ tag: t.tag, data: newLoca });
    else if (t.tag === 'head') kept.push({ tag: t.tag, data: newHead });
    else if (t.tag === 'maxp') kept.push({ tag: t.tag, data: newMaxp });
    else kept.push(t);
  }
  kept.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return writeSfnt(version, kept);
}

/** One glyf entry without its instructions (simple and composite glyphs). */
function stripGlyphInstructions(glyph: Uint8Array): Uint8Array {
  const view = new DataView(glyph.buffer, glyph.byteOffset, glyph.byteLength);
  const contours = view.getInt16(0);
  if (contours >= 0) {
    const lengthAt = 10 + 2 * contours;
    const instructionLength = view.getUint16(lengthAt);
    if (instructionLength === 0) return glyph;
    const out = new Uint8Array(glyph.length - instructionLength);
    out.set(glyph.subarray(0, lengthAt + 2));
    out.set(glyph.subarray(lengthAt + 2 + instructionLength), lengthAt + 2);
    new DataView(out.buffer).setUint16(lengthAt, 0);
    return out;
  }
  // Composite: walk the components, clear WE_HAVE_INSTRUCTIONS, drop what follows the last one.
  const out = new Uint8Array(glyph);
  const outView = new DataView(out.buffer);
  let pos = 10;
  for (;;) {
    const flags = outView.getUint16(pos);
    outView.setUint16(pos, flags & ~0x0100);
    pos += 4; // flags, glyphIndex
    pos += flags & 0x0001 ? 4 : 2; // ARG_1_AND_2_ARE_WORDS
    if (flags & 0x0008)
      pos += 2; // WE_HAVE_A_SCALE
    else if (flags & 0x0040)
      pos += 4; // WE_HAVE_AN_X_AND_Y_SCALE
    else if (flags & 0x0080) pos += 8; // WE_HAVE_A_TWO_BY_TWO
    if (!(flags & 0x0020)) break; // MORE_COMPONENTS
  }
  return out.subarray(0, pos);
}

function writeSfnt(version: number, tables: readonly SfntTable[]): Uint8Array {
  const n = tables.length;
  const headerLength = 12 + 16 * n;
  let size = headerLength;
  for (const t of tables) size += (t.data.length + 3) & ~3;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let power = 1;
  let log2 = 0;
  while (power * 2 <= n) {
    power *= 2;
    log2++;
  }
  view.setUint32(0, version);
  view.setUint16(4, n);
  view.setUint16(6, power * 16);
  view.setUint16(8, log2);
  view.setUint16(10, n * 16 - power * 16);
  let offset = headerLength;
  let headOffset = -1;
  tables.forEach((t, i) => {
    const at = 12 + 16 * i;
    for (let c = 0; c < 4; c++) out[at + c] = t.tag.charCodeAt(c);
    out.set(t.data, offset);
    view.setUint32(at + 4, checksum(out, offset, t.data.length));
    view.setUint32(at + 8, offset);
    view.setUint32(at + 12, t.data.length);
    if (t.tag === 'head') headOffset = offset;
    offset += (t.data.length + 3) & ~3;
  });
  if (headOffset >= 0) view.setUint32(headOffset + 8, (0xb1b0afba - checksum(out, 0, out.length)) >>> 0);
  return out;
}

/** Sum of big-endian uint32 words, the data zero-padded to a multiple of 4. */
function checksum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  const end = offset + ((length + 3) & ~3);
  for (let i = offset; i < end; i += 4) {
    sum = (sum + (((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0))) >>> 0;
  }
  return sum;
}
