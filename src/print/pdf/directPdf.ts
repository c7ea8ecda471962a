/**
 * The direct PDF engine (writePdf.ts): writes the file itself, a classic cross-reference table
 * and a dozen objects, instead of building pdf-lib's object model and serialising it.
 *
 * What makes it fast is the fonts: a TrueType subset (fontkit), its widths, its ToUnicode map and
 * their compression are most of a small document's cost, and tickets of one service differ only in
 * their digits. So a subset always holds the ten digits besides the glyphs drawn, and the five
 * objects of each embedded font are kept, already serialised, for the next document with the same
 * glyphs (a few per renderer: one per service group and weight, least recently used dropped).
 * Object numbers are fixed per role (1 catalog, 2 page tree, 3 information, 4–8 the regular weight,
 * 9–13 the bold, then each page and its content), so kept font objects are reused byte for byte.
 *
 * Guarantees (besides writePdf.ts's):
 * - The same fonts as pdf-lib writes them: Type0 with Identity-H over a CIDFontType2 (CID = glyph
 *   index in the embedded font program, CIDToGIDMap Identity), widths in W, a ToUnicode CMap (in
 *   blocks of at most 100, as PDF requires), the font program compressed with its Length1.
 * - Everything a document says depends only on (fonts, spec): kept objects are only reused, never
 *   changed, and an entry is keyed by everything it was made from (weight, glyphs, subset or whole).
 */
import pako from 'pako';
import type { Font as FontkitFont, Glyph, Subset } from '@pdf-lib/fontkit';
import type { FontKey } from '../PdfFonts';
import { subsetNameOf, type PreparedFonts } from './fontPreparation';
import { PAGE_FONT_RESOURCES, paintPage } from './pagePainter';
import { pdfNumber } from './pdfNumber';
import type { PdfDocumentSpec } from './writePdf';

const CATALOG = 1;
const PAGES = 2;
const INFO = 3;
/** First object of each weight's five: Type0 font, CIDFont, descriptor, font program, ToUnicode. */
const FONT_BASE: Readonly<Record<FontKey, number>> = { regular: 4, bold: 9 };
const FIRST_PAGE = 14;
const WEIGHTS: readonly FontKey[] = ['regular', 'bold'];
/** Always in a subset: documents that differ only in numbers share their fonts. */
const ALWAYS_SUBSET = '0123456789';
/** Embedded fonts kept per renderer (LRU): both weights of a few service groups and documents. */
export const KEPT_FONTS = 32;

/** One weight embedded: its objects (serialised, fixed numbers) and the code of each glyph. */
interface EmbeddedFont {
  readonly objects: Uint8Array;
  /** Where each of the five objects starts in `objects`. */
  readonly offsets: readonly number[];
  /** Glyph index in the source font → CID in the embedded program. */
  readonly cidOf: ReadonlyMap<number, number>;
}

const kept = new WeakMap<PreparedFonts, Map<string, Promise<EmbeddedFont>>>();
/** A whole font program, compressed once per weight (documents with other glyphs reuse it). */
const packedPrograms = new WeakMap<FontkitFont, Uint8Array>();

/** How many embedded fonts this renderer keeps now (tests: the cache is bounded). */
export function keptFontCount(fonts: PreparedFonts): number {
  return kept.get(fonts)?.size ?? 0;
}

export async function writeDirectPdf(fonts: PreparedFonts, spec: PdfDocumentSpec): Promise<Uint8Array> {
  const embedded = {} as Record<FontKey, EmbeddedFont>;
  for (const key of WEIGHTS) {
    const texts = spec.pages.flatMap((p) => p.content.texts.filter((t) => t.font === key).map((t) => t.text));
    embedded[key] = await embeddedFont(fonts, key, texts, spec.subset);
  }
  const encode = (key: FontKey, text: string): string => {
    const { cidOf } = embedded[key];
    let hex = '<';
    for (const glyph of fonts.parsed[key].layout(text).glyphs) {
      const cid = cidOf.get(glyph.id);
      // The subset was made from the same (memoised) shaping: a glyph it lacks is a bug, not a
      // box to print.
      if (cid === undefined) throw new Error(`glyph ${glyph.id} of "${text}" is not in the embedded ${key} font`);
      hex += hex4(cid);
    }
    return `${hex}>`;
  };

  const out = new PdfWriter();
  out.object(CATALOG, `<< /Type /Catalog /Pages ${PAGES} 0 R /Lang (vi-VN) >>`);
  const kids = spec.pages.map((_, i) => `${FIRST_PAGE + 2 * i} 0 R`).join(' ');
  out.object(PAGES, `<< /Type /Pages /Kids [${kids}] /Count ${spec.pages.length} >>`);
  const date = pdfDate(spec.date);
  out.object(
    INFO,
    `<< /Title ${utf16Hex(spec.title)} /Producer ${utf16Hex('HPASC Kiosk')} /Creator ${utf16Hex('HPASC Kiosk')} /CreationDate (${date}) /ModDate (${date}) >>`,
  );
  for (const key of WEIGHTS) out.raw(FONT_BASE[key], embedded[key]);
  const fontResources = WEIGHTS.map((key) => `/${PAGE_FONT_RESOURCES[key]} ${FONT_BASE[key]} 0 R`).join(' ');
  spec.pages.forEach((page, i) => {
    const number = FIRST_PAGE + 2 * i;
    out.object(
      number,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${pdfNumber(page.width)} ${pdfNumber(page.height)}] ` +
        `/Resources << /Font << ${fontResources} >> >> /Contents ${number + 1} 0 R >>`,
    );
    out.stream(number + 1, '', latin1(paintPage(page.height, page.content, encode)));
  });
  return out.finish(CATALOG, INFO);
}

/** The kept embedding of these texts' glyphs in one weight, made on first use. */
function embeddedFont(fonts: PreparedFonts, key: FontKey, texts: readonly string[], subset: boolean): Promise<EmbeddedFont> {
  const font = fonts.parsed[key];
  const glyphs = new Map<number, Glyph>();
  for (const text of subset ? [...texts, ALWAYS_SUBSET] : texts) {
    for (const glyph of font.layout(text).glyphs) if (!glyphs.has(glyph.id)) glyphs.set(glyph.id, glyph);
  }
  // By glyph index: the CIDs follow this order (a subset numbers its glyphs as they are included,
  // a whole font's CID is the index), so W and the ToUnicode map are written in CID order.
  const used = [...glyphs.values()].sort((a, b) => a.id - b.id);
  const id = `${key}|${subset ? 'subset' : 'whole'}|${used.map((g) => g.id).join(',')}`;
  let byId = kept.get(fonts);
  if (!byId) kept.set(fonts, (byId = new Map()));
  let entry = byId.get(id);
  if (entry) {
    byId.delete(id); // most recently used last
  } else {
    entry = embed(fonts, key, used, subset);
    // A failed embedding is not kept: the next document tries again.
    const made = entry;
    made.catch(() => {
      if (byId.get(id) === made) byId.delete(id);
    });
    if (byId.size >= KEPT_FONTS) byId.delete(byId.keys().next().value!);
  }
  byId.set(id, entry);
  return entry;
}

async function embed(fonts: PreparedFonts, key: FontKey, used: readonly Glyph[], subset: boolean): Promise<EmbeddedFont> {
  const font = fonts.parsed[key];
  const cidOf = new Map<number, number>();
  let program: Uint8Array;
  let name: string;
  if (subset) {
    // CIDs in glyph order from 1 (0 is .notdef); fontkit appends the components of composite
    // glyphs after them when it encodes.
    const s = font.createSubset();
    for (const glyph of used) cidOf.set(glyph.id, s.includeGlyph(glyph.id));
    program = await encodeSubset(s);
    name = subsetNameOf(
      font,
      used.map((g) => g.id),
      key,
    );
  } else {
    for (const glyph of used) cidOf.set(glyph.id, glyph.id);
    program = fonts.bytes[key];
    name = font.postscriptName ?? `BeVietnamPro-${key}`;
  }
  const scale = 1000 / font.unitsPerEm;
  const n = (v: number): string => pdfNumber(v * scale);
  const base = FONT_BASE[key];
  const out = new PdfWriter(false);
  out.object(base, `<< /Type /Font /Subtype /Type0 /BaseFont /${name} /Encoding /Identity-H /DescendantFonts [${base + 1} 0 R] /ToUnicode ${base + 4} 0 R >>`);
  out.object(
    base + 1,
    `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> ` +
      `/FontDescriptor ${base + 2} 0 R /CIDToGIDMap /Identity /W ${widths(used, cidOf, n)} >>`,
  );
  const { bbox } = font;
  out.object(
    base + 2,
    `<< /Type /FontDescriptor /FontName /${name} /Flags ${fontFlags(font)} /FontBBox [${n(bbox.minX)} ${n(bbox.minY)} ${n(bbox.maxX)} ${n(bbox.maxY)}] ` +
      `/ItalicAngle ${pdfNumber(font.italicAngle)} /Ascent ${n(font.ascent)} /Descent ${n(font.descent)} /CapHeight ${n(font.capHeight || font.ascent)} ` +
      `/XHeight ${n(font.xHeight || 0)} /StemV 0 /FontFile2 ${base + 3} 0 R >>`,
  );
  out.stream(base + 3, `/Length1 ${program.length}`, program, subset ? pako.deflate(program) : packedWhole(font, program));
  out.stream(base + 4, '', latin1(toUnicodeCmap(used, cidOf)));
  return { ...out.objects(), cidOf };
}

/** The whole font program, compressed on its first use. */
function packedWhole(font: FontkitFont, program: Uint8Array): Uint8Array {
  let packed = packedPrograms.get(font);
  if (!packed) packedPrograms.set(font, (packed = pako.deflate(program)));
  return packed;
}

/**
 * The subset's TrueType program. fontkit encodes it on a later tick through a stream that only says
 * 'data' and 'end': an error there would be thrown out of the timer, never reach this promise, and
 * leave the document (and every later one with these glyphs, kept) waiting for ever. So `encode`
 * is wrapped to reject instead.
 */
function encodeSubset(s: Subset): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const withEncode = s as Subset & { encode(stream: unknown): void };
    const encode = withEncode.encode.bind(s);
    let failed = false;
    withEncode.encode = (stream) => {
      try {
        encode(stream);
      } catch (e) {
        failed = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    const parts: Uint8Array[] = [];
    s.encodeStream()
      .on('data', (bytes: Uint8Array) => parts.push(bytes))
      .on('end', () => {
        if (!failed) resolve(concat(parts));
      });
  });
}

/** W: runs of consecutive CIDs, each `first [w w …]`, in CID order (`used`'s order: see embeddedFont). */
function widths(used: readonly Glyph[], cidOf: ReadonlyMap<number, number>, n: (v: number) => string): string {
  const byCid = used.map((g) => ({ cid: cidOf.get(g.id)!, width: g.advanceWidth }));
  let w = '[';
  let previous = -2;
  for (const { cid, width } of byCid) {
    if (cid !== previous + 1) w += `${previous >= 0 ? '] ' : ''}${cid} [`;
    else w += ' ';
    w += n(width);
    previous = cid;
  }
  return `${w}${byCid.length > 0 ? ']' : ''}]`;
}

/** The ToUnicode CMap: each CID to the text its glyph stands for (a ligature: several characters), in CID order. */
function toUnicodeCmap(used: readonly Glyph[], cidOf: ReadonlyMap<number, number>): string {
  const pairs = used.map((g) => ({ cid: cidOf.get(g.id)!, text: g.codePoints.map(utf16Units).join('') })).filter((p) => p.text !== '');
  const blocks: string[] = [];
  for (let i = 0; i < pairs.length; i += 100) {
    const block = pairs.slice(i, i + 100);
    blocks.push(`${block.length} beginbfchar\n${block.map((p) => `<${hex4(p.cid)}> <${p.text}>`).join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...blocks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}

/** Font flags as pdf-lib derives them (symbolic: the font has glyphs outside the standard Latin set). */
function fontFlags(font: FontkitFont): number {
  const familyClass = font['OS/2']?.sFamilyClass ?? 0;
  let flags = 1 << 2; // symbolic
  if (font.post.isFixedPitch) flags |= 1 << 0;
  if (familyClass >= 1 && familyClass <= 7) flags |= 1 << 1; // serif
  if (familyClass === 10) flags |= 1 << 3; // script
  if (font.head.macStyle.italic) flags |= 1 << 6;
  return flags;
}

/** A code point as UTF-16 code units in hex (a surrogate pair beyond the BMP). */
function utf16Units(codePoint: number): string {
  if (codePoint < 0x10000) return hex4(codePoint);
  const v = codePoint - 0x10000;
  return hex4(0xd800 + (v >> 10)) + hex4(0xdc00 + (v & 0x3ff));
}

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

/** A text string for the document information: UTF-16BE with its byte order mark, in hex. */
function utf16Hex(text: string): string {
  let hex = '<FEFF';
  for (let i = 0; i < text.length; i++) hex += hex4(text.charCodeAt(i));
  return `${hex}>`;
}

/** A PDF date in UTC: D:YYYYMMDDHHmmSSZ. */
function pdfDate(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (v: number, width = 2): string => String(v).padStart(width, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** ASCII operator text as bytes. */
function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A PDF file written front to back: the header, objects (or runs of objects written before), the
 * cross-reference table and the trailer. `header: false` writes objects only (kept font objects).
 */
class PdfWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  /** Byte offset of each object, by number. */
  private readonly offsets = new Map<number, number>();

  constructor(header = true) {
    // The comment line's bytes above 127 tell transfer programs the file is binary.
    if (header) this.push(Uint8Array.of(...latin1('%PDF-1.7\n%'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a));
  }

  object(number: number, body: string): void {
    this.offsets.set(number, this.length);
    this.push(latin1(`${number} 0 obj\n${body}\nendobj\n`));
  }

  /** A stream, compressed (Flate; `packed` when it already is); `extra` goes in its dictionary beside Length and Filter. */
  stream(number: number, extra: string, data: Uint8Array, packed: Uint8Array = pako.deflate(data)): void {
    this.offsets.set(number, this.length);
    this.push(latin1(`${number} 0 obj\n<< /Length ${packed.length} /Filter /FlateDecode${extra ? ` ${extra}` : ''} >>\nstream\n`));
    this.push(packed);
    this.push(latin1('\nendstream\nendobj\n'));
  }

  /** Objects serialised by another writer (`objects()`), numbered from `first` in order, placed here. */
  raw(first: number, kept: { readonly objects: Uint8Array; readonly offsets: readonly number[] }): void {
    kept.offsets.forEach((offset, i) => this.offsets.set(first + i, this.length + offset));
    this.push(kept.objects);
  }

  /** What was written, and where each object starts in it (in the order written). */
  objects(): { objects: Uint8Array; offsets: number[] } {
    return { objects: concat(this.parts), offsets: [...this.offsets.values()] };
  }

  finish(root: number, info: number): Uint8Array {
    const size = Math.max(...this.offsets.keys()) + 1;
    const start = this.length;
    let xref = `xref\n0 ${size}\n0000000000 65535 f \n`;
    for (let n = 1; n < size; n++) {
      const offset = this.offsets.get(n);
      xref += offset === undefined ? '0000000000 65535 f \n' : `${String(offset).padStart(10, '0')} 00000 n \n`;
    }
    this.push(latin1(`${xref}trailer\n<< /Size ${size} /Root ${root} 0 R /Info ${info} 0 R >>\nstartxref\n${start}\n%%EOF\n`));
    return concat(this.parts);
  }

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
}
