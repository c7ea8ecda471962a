/**
 * The 80 mm thermal queue ticket as a one-page PDF (thermal printers cannot print Vietnamese over
 * ESC/POS code pages, so the OS driver rasterises this page).
 *
 * Guarantees:
 * - Page width is exactly 80 mm; the height fits the content (no blank paper fed after the footer).
 * - Everything is black on white (no grey: thermal heads print dots or nothing).
 * - Text is real text (embedded Be Vietnam Pro TTF with a ToUnicode map), so `pdftotext` and screen
 *   readers get the exact Vietnamese string back. Input text is NFC-normalised; whitespace runs and
 *   control characters become one space; any character the font has no glyph for is replaced with
 *   "?" (never a crash, never an invisible .notdef box).
 * - Long branch and service names wrap at word boundaries (a word wider than the line breaks between
 *   characters); the ticket number shrinks to fit the printable width.
 * - The QR code is drawn as vector rectangles whose module size is a whole number of 203 dpi printer
 *   dots, with a 4-module quiet zone.
 * - Output is a pure function of (fonts, options, data): the creation date comes from `issuedAt`, and
 *   the subset font names carry a tag derived from the glyphs used, not a random one. No personal
 *   data is written (metadata is title, producer, dates, language).
 * - No DOM, no Node APIs, no clock: runs in the renderer and under node tests alike.
 */
import fontkit from '@pdf-lib/fontkit';
import type { Font as FontkitFont, GlyphRun } from '@pdf-lib/fontkit';
import {
  PDFDocument,
  PDFName,
  beginText,
  concatTransformationMatrix,
  endText,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  setFillingGrayscaleColor,
  setFontAndSize,
  setTextMatrix,
  showText,
  type PDFFont,
  type PDFOperator,
  type PDFPage,
} from 'pdf-lib';
import { formatLocalDateTime } from '../domain/localDay';
import type { TicketPrintData } from './TicketPrintData';
import { qrMatrix, type QrMatrix } from './qrMatrix';

export interface TicketFonts {
  /** TTF bytes (not woff/woff2: pdf-lib's fontkit subsetter needs plain TrueType/OpenType). */
  readonly regular: Uint8Array;
  readonly bold: Uint8Array;
}

export interface TicketPdfOptions {
  /** Embed only the glyphs used (default true): ~10 KB per ticket instead of ~170 KB. */
  readonly subset?: boolean;
}

export interface TicketPdfRenderer {
  render(data: TicketPrintData): Promise<Uint8Array>;
}

const PT_PER_MM = 72 / 25.4;
const mm = (v: number): number => v * PT_PER_MM;
/** One dot of a 203 dpi thermal head, in points. */
const PRINTER_DOT_PT = 72 / 203;

export const TICKET_PAGE_WIDTH_PT = mm(80);
const MARGIN_X = mm(4);
const MARGIN_TOP = mm(4);
const MARGIN_BOTTOM = mm(5);
const CONTENT_WIDTH = TICKET_PAGE_WIDTH_PT - 2 * MARGIN_X;

const QR_TARGET_SYMBOL = mm(30);
const QR_QUIET_MODULES = 4;

/** Replacement for characters the font cannot draw. */
export const UNSUPPORTED_CHAR_REPLACEMENT = '?';

type FontKey = 'regular' | 'bold';

interface TextItem {
  readonly text: string;
  readonly font: FontKey;
  readonly size: number;
  readonly x: number;
  /** Distance from the page top to the baseline. */
  readonly baseline: number;
  readonly white: boolean;
}

interface BoxItem {
  readonly x: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface QrItem {
  readonly matrix: QrMatrix;
  /** Top-left of the symbol itself (quiet zone excluded). */
  readonly x: number;
  readonly top: number;
  readonly module: number;
}

interface TicketLayout {
  readonly height: number;
  readonly texts: readonly TextItem[];
  /** Black rectangles, painted before the text (rules and the inverted priority mark). */
  readonly boxes: readonly BoxItem[];
  readonly qr: QrItem;
}

export interface Measure {
  readonly width: number;
  /** Ink above the baseline (positive points). */
  readonly above: number;
  /** Ink below the baseline (positive points). */
  readonly below: number;
}

/** The parsed fonts, shared by every ticket a renderer makes. */
interface ParsedFonts {
  readonly regular: FontkitFont;
  readonly bold: FontkitFont;
}

type PdfLibFontkit = Parameters<PDFDocument['registerFontkit']>[0];

export function createTicketPdfRenderer(fonts: TicketFonts, options: TicketPdfOptions = {}): TicketPdfRenderer {
  const subset = options.subset ?? true;
  // Done once per renderer, not per ticket: strip the hinting (see stripTrueTypeHinting) and parse.
  // pdf-lib calls fontkit.create() inside every embedFont(); this registration hands it the font
  // parsed here instead. Sharing a fontkit Font is safe: pdf-lib creates a fresh Subset per embed and
  // only reads the font otherwise.
  const bytes: TicketFonts = {
    regular: stripTrueTypeHinting(fonts.regular),
    bold: stripTrueTypeHinting(fonts.bold),
  };
  const parsed: ParsedFonts = {
    regular: memoizeLayout(fontkit.create(bytes.regular)),
    bold: memoizeLayout(fontkit.create(bytes.bold)),
  };
  const byBytes = new Map<Uint8Array, FontkitFont>([
    [bytes.regular, parsed.regular],
    [bytes.bold, parsed.bold],
  ]);
  const cachingFontkit = {
    create: (bytes: Uint8Array): FontkitFont => byBytes.get(bytes) ?? fontkit.create(bytes),
  } as unknown as PdfLibFontkit; // pdf-lib declares its own copy of fontkit's Font interface

  return {
    async render(data: TicketPrintData): Promise<Uint8Array> {
      const layout = layoutTicket(parsed, data);

      const doc = await PDFDocument.create({ updateMetadata: false });
      doc.registerFontkit(cachingFontkit);
      doc.setTitle(`Phiếu thứ tự ${cleanText(data.number, parsed.bold)}`);
      doc.setProducer('HPASC Kiosk');
      doc.setCreator('HPASC Kiosk');
      doc.setLanguage('vi-VN');
      const issued = new Date(data.issuedAt);
      doc.setCreationDate(issued);
      doc.setModificationDate(issued);

      const pdfFonts: Record<FontKey, PDFFont> = {
        regular: await doc.embedFont(bytes.regular, {
          subset,
          customName: fontName(parsed.regular, layout, 'regular', subset),
        }),
        bold: await doc.embedFont(bytes.bold, {
          subset,
          customName: fontName(parsed.bold, layout, 'bold', subset),
        }),
      };

      const page = doc.addPage([TICKET_PAGE_WIDTH_PT, layout.height]);
      paint(page, layout, pdfFonts);
      // Infinity: serialise in one go. The default yields every 50 objects through setTimeout(0),
      // which browsers clamp to ≥ 4 ms once nested, several times per ticket.
      return doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
    },
  };
}

/** Shaping results kept per renderer; labels, branch and service names repeat on every ticket. */
const LAYOUT_CACHE_LIMIT = 4096;

/**
 * fontkit's layout() (GSUB/GPOS shaping) is the dominant cost of a ticket, and both our measuring
 * and pdf-lib's encodeText() call it. This font object belongs to one renderer, so its layout() is
 * replaced with a memoised one; callers only read the returned GlyphRun.
 */
function memoizeLayout(font: FontkitFont): FontkitFont {
  const shape = font.layout.bind(font);
  const cache = new Map<string, GlyphRun>();
  font.layout = (text: string, features?: Parameters<FontkitFont['layout']>[1]): GlyphRun => {
    if (features !== undefined) return shape(text, features);
    let run = cache.get(text);
    if (run === undefined) {
      if (cache.size >= LAYOUT_CACHE_LIMIT) cache.clear();
      run = shape(text);
      cache.set(text, run);
    }
    return run;
  };
  return font;
}

// ---------------------------------------------------------------------------------------------
// Layout: pure measurement with the parsed fonts, distances measured from the page top.

function layoutTicket(fonts: ParsedFonts, data: TicketPrintData): TicketLayout {
  const texts: TextItem[] = [];
  const boxes: BoxItem[] = [];
  let y = MARGIN_TOP;

  /** Centred, wrapped paragraph. `sizes` are tried largest first until it fits in `maxLines`. */
  const paragraph = (raw: string, key: FontKey, sizes: readonly number[], maxLines: number): void => {
    const font = fonts[key];
    const text = cleanText(raw, font);
    if (text === '') return;
    let size = sizes[0] ?? 10;
    let lines = wrapBalanced(text, font, size, CONTENT_WIDTH);
    for (const candidate of sizes) {
      size = candidate;
      lines = wrapBalanced(text, font, size, CONTENT_WIDTH);
      if (lines.length <= maxLines) break;
    }
    let previous: Measure | undefined;
    let baseline = 0;
    for (const line of lines) {
      const m = measure(font, line, size);
      if (previous === undefined) {
        baseline = y + m.above;
      } else {
        // Normal pitch 1.25 em, more if stacked diacritics (Ế reaches 1.12 em) would touch descenders.
        baseline += Math.max(size * 1.25, previous.below + m.above + size * 0.1);
      }
      texts.push({ text: line, font: key, size, x: centre(m.width), baseline, white: false });
      previous = m;
    }
    y = baseline + (previous?.below ?? 0);
  };
  const gap = (millimetres: number): void => {
    y += mm(millimetres);
  };
  const rule = (thickness: number): void => {
    boxes.push({ x: MARGIN_X, top: y, width: CONTENT_WIDTH, height: thickness });
    y += thickness;
  };

  const labels = data.labels;
  paragraph(data.branchName, 'bold', [11, 10.5, 10, 9.5, 9], 2);
  gap(2.2);
  rule(3 * PRINTER_DOT_PT);
  gap(3);
  paragraph(labels.ticketTitle, 'bold', [12], 2);
  gap(2.6);
  paragraph(data.serviceName, 'bold', [13, 12, 11], 3);
  gap(3.5);

  // The number: as large as 72 pt, shrunk so it always fits the printable width.
  {
    const font = fonts.bold;
    const text = cleanText(data.number, font) || UNSUPPORTED_CHAR_REPLACEMENT;
    const unit = measure(font, text, 1);
    const size = Math.min(72, CONTENT_WIDTH / unit.width);
    const m = measure(font, text, size);
    const baseline = y + m.above;
    texts.push({ text, font: 'bold', size, x: centre(m.width), baseline, white: false });
    y = baseline + m.below;
  }
  gap(3.5);

  if (data.priority) {
    const font = fonts.bold;
    const text = cleanText(labels.priority, font);
    if (text !== '') {
      const size = 15;
      const m = measure(font, text, size);
      const padX = mm(4);
      const padY = mm(1.6);
      const width = Math.min(CONTENT_WIDTH, m.width + 2 * padX);
      const height = m.above + m.below + 2 * padY;
      boxes.push({ x: centre(width), top: y, width, height });
      texts.push({ text, font: 'bold', size, x: centre(m.width), baseline: y + padY + m.above, white: true });
      y += height;
      gap(3);
    }
  }

  paragraph(labels.waitingAhead, 'regular', [10.5, 10, 9.5], 2);
  gap(1.2);
  const when = formatLocalDateTime(data.issuedAt, data.utcOffsetMinutes);
  const issuedLabel = labels.issuedAt.trim();
  paragraph(issuedLabel === '' ? when : `${issuedLabel}: ${when}`, 'regular', [10.5, 10, 9.5], 2);

  // QR: module size snapped to whole printer dots so every module prints the same width.
  const matrix = qrMatrix(data.qrText, 'M');
  const dots = Math.max(1, Math.floor(QR_TARGET_SYMBOL / PRINTER_DOT_PT / matrix.size));
  const module = matrix.size * dots * PRINTER_DOT_PT <= CONTENT_WIDTH ? dots * PRINTER_DOT_PT : CONTENT_WIDTH / matrix.size;
  const quiet = QR_QUIET_MODULES * module;
  const symbol = matrix.size * module;
  y += Math.max(quiet, mm(2));
  const qr: QrItem = { matrix, x: snapToDot(centre(symbol)), top: snapToDot(y), module };
  y = qr.top + symbol + Math.max(quiet, mm(2));

  paragraph(labels.scanToFollow, 'regular', [9.5, 9], 2);
  gap(3);
  rule(2 * PRINTER_DOT_PT);
  gap(2.5);
  paragraph(labels.keepTicket, 'bold', [10, 9.5, 9], 2);
  y += MARGIN_BOTTOM;

  return { height: round2(y), texts, boxes, qr };
}

function centre(width: number): number {
  return MARGIN_X + (CONTENT_WIDTH - width) / 2;
}

function snapToDot(v: number): number {
  return Math.round(v / PRINTER_DOT_PT) * PRINTER_DOT_PT;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
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

/**
 * Subset fonts must be named "TAG+Name" with a six-letter tag. pdf-lib would pick a random tag, which
 * makes output differ run to run; a tag hashed from the glyphs used keeps it deterministic while two
 * different subsets still get different names (viewers and RIPs may cache fonts by name).
 */
function fontName(font: FontkitFont, layout: TicketLayout, key: FontKey, subset: boolean): string {
  return subset ? subsetFontName(font, layout.texts, key) : (font.postscriptName ?? `BeVietnamPro-${key}`);
}

/** "TAG+Name" for a subset of `font` holding the glyphs of the texts drawn with `key` (see above). */
export function subsetFontName(font: FontkitFont, texts: Iterable<{ readonly font: string; readonly text: string }>, key: string): string {
  const base = font.postscriptName ?? `BeVietnamPro-${key}`;
  const used = new Set<number>();
  for (const t of texts) {
    if (t.font !== key) continue;
    for (const glyph of font.layout(t.text).glyphs) used.add(glyph.id);
  }
  let hash = 0x811c9dc5; // FNV-1a, 32 bit
  for (const id of [...used].sort((a, b) => a - b)) {
    hash ^= id & 0xff;
    hash = Math.imul(hash, 0x01000193);
    hash ^= id >>> 8;
    hash = Math.imul(hash, 0x01000193);
  }
  let tag = '';
  let h = hash >>> 0;
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (h % 26));
    h = Math.floor(h / 26);
  }
  return `${tag}+${base}`;
}

// ---------------------------------------------------------------------------------------------
// Painting: page coordinates have their origin at the bottom left.

function paint(page: PDFPage, layout: TicketLayout, fonts: Record<FontKey, PDFFont>): void {
  const height = layout.height;
  if (layout.boxes.length > 0) {
    const black: PDFOperator[] = [pushGraphicsState(), setFillingGrayscaleColor(0)];
    for (const b of layout.boxes) {
      black.push(rectangle(round2(b.x), round2(height - b.top - b.height), round2(b.width), round2(b.height)));
    }
    black.push(fill(), popGraphicsState());
    page.pushOperators(...black);
  }

  // One text object with fixed resource names. page.drawText() would register the font again under
  // a new random name on every call (bigger and non-deterministic output).
  const resource: Record<FontKey, string> = { regular: 'F1', bold: 'F2' };
  page.node.setFontDictionary(PDFName.of(resource.regular), fonts.regular.ref);
  page.node.setFontDictionary(PDFName.of(resource.bold), fonts.bold.ref);
  const text: PDFOperator[] = [pushGraphicsState(), beginText()];
  let font: string | undefined;
  let size: number | undefined;
  let gray: number | undefined;
  for (const t of layout.texts) {
    const tSize = round2(t.size);
    if (resource[t.font] !== font || tSize !== size) {
      font = resource[t.font];
      size = tSize;
      text.push(setFontAndSize(font, size));
    }
    const tGray = t.white ? 1 : 0;
    if (tGray !== gray) {
      gray = tGray;
      text.push(setFillingGrayscaleColor(gray));
    }
    text.push(setTextMatrix(1, 0, 0, 1, round2(t.x), round2(height - t.baseline)));
    text.push(showText(fonts[t.font].encodeText(t.text)));
  }
  text.push(endText(), popGraphicsState());
  page.pushOperators(...text);

  page.pushOperators(...qrOperators(layout.qr, height));
}

/**
 * One rectangle per horizontal run of dark modules, and a run is extended downwards while the rows
 * below repeat it exactly (finder patterns become three rectangles). All in one path, one fill.
 */
export function qrOperators(qr: QrItem, pageHeight: number): PDFOperator[] {
  const { matrix, module } = qr;
  const n = matrix.size;
  interface Run {
    x0: number;
    x1: number;
    y0: number;
    rows: number;
  }
  const done: Run[] = [];
  let open = new Map<string, Run>();
  for (let y = 0; y < n; y++) {
    const next = new Map<string, Run>();
    let x = 0;
    while (x < n) {
      if (!matrix.isDark(x, y)) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < n && matrix.isDark(x, y)) x++;
      const key = `${x0}:${x}`;
      const run = open.get(key);
      if (run) {
        run.rows++;
        open.delete(key);
        next.set(key, run);
      } else {
        next.set(key, { x0, x1: x, y0: y, rows: 1 });
      }
    }
    done.push(...open.values());
    open = next;
  }
  done.push(...open.values());

  // Draw in module units (y pointing down from the symbol's top-left) so every rectangle is four
  // small integers: about half the content stream of page coordinates.
  const ops: PDFOperator[] = [
    pushGraphicsState(),
    concatTransformationMatrix(module, 0, 0, -module, round2(qr.x), round2(pageHeight - qr.top)),
    setFillingGrayscaleColor(0),
  ];
  for (const r of done) ops.push(rectangle(r.x0, r.y0, r.x1 - r.x0, r.rows));
  ops.push(fill(), popGraphicsState());
  return ops;
}

// ---------------------------------------------------------------------------------------------
// TrueType hinting removal.

/** Tables that only serve the bytecode hinter (or device metrics computed with it). */
const HINTING_TABLES = new Set(['fpgm', 'prep', 'cvt ', 'hdmx', 'LTSH', 'VDMX']);

/**
 * Returns the font without TrueType hinting: the fpgm/prep/cvt programs and every glyph's
 * instructions. fontkit copies them into every subset, and for Be Vietnam Pro (ttfautohint) they are
 * about 40% of a subset's compressed size. PDF rasterisers (PDFium, poppler, Ghostscript) draw
 * TrueType outlines without the bytecode hinter at print resolutions, so the printed ticket is the
 * same. Outlines, metrics, cmap and layout tables are untouched.
 * Input that is not a TrueType-outline sfnt (or is malformed) is returned unchanged.
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
