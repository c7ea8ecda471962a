/**
 * Fonts made ready once per renderer and embedded once per document.
 *
 * Guarantees:
 * - `prepareFonts` strips TrueType hinting (stripTrueTypeHinting.ts) and parses each weight once;
 *   the parsed fonts are what layout measures with and what pdf-lib embeds (no second parse).
 * - Shaping (`font.layout`, GSUB/GPOS: the dominant cost of a small document) is memoised per
 *   prepared font; results are identical, only reused.
 * - Embedded names are deterministic: a subset is "TAG+PostScriptName" with the tag hashed from the
 *   glyphs it holds, so the same texts give the same bytes and different subsets different names.
 * - The caller's font bytes are never modified.
 */
import fontkit from '@pdf-lib/fontkit';
import type { Font as FontkitFont, GlyphRun } from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont } from 'pdf-lib';
import type { FontKey, PdfFonts } from '../PdfFonts';
import { stripTrueTypeHinting } from './stripTrueTypeHinting';

export type ParsedFonts = Readonly<Record<FontKey, FontkitFont>>;

type PdfLibFontkit = Parameters<PDFDocument['registerFontkit']>[0];

/** Both weights, ready for any number of documents. Make one per renderer (kiosk session). */
export interface PreparedFonts {
  /** Hinting-stripped TTF bytes: what is embedded. */
  readonly bytes: PdfFonts;
  /** The same fonts parsed, with memoised shaping: what layout measures with. */
  readonly parsed: ParsedFonts;
  /** For `PDFDocument.registerFontkit`: hands pdf-lib the parsed font for these bytes. */
  readonly fontkit: PdfLibFontkit;
}

export function prepareFonts(fonts: PdfFonts): PreparedFonts {
  const bytes: PdfFonts = {
    regular: stripTrueTypeHinting(fonts.regular),
    bold: stripTrueTypeHinting(fonts.bold),
  };
  const parsed: ParsedFonts = {
    regular: memoizeLayout(fontkit.create(bytes.regular)),
    bold: memoizeLayout(fontkit.create(bytes.bold)),
  };
  // pdf-lib calls fontkit.create() inside every embedFont(); this hands it the font parsed here
  // instead. Sharing a fontkit Font is safe: pdf-lib creates a fresh Subset per embed and only reads
  // the font otherwise.
  const byBytes = new Map<Uint8Array, FontkitFont>([
    [bytes.regular, parsed.regular],
    [bytes.bold, parsed.bold],
  ]);
  const cachingFontkit = {
    create: (b: Uint8Array): FontkitFont => byBytes.get(b) ?? fontkit.create(b),
  } as unknown as PdfLibFontkit; // pdf-lib declares its own copy of fontkit's Font interface
  return { bytes, parsed, fontkit: cachingFontkit };
}

/** Shaping results kept per font; labels and names repeat on every document. */
const LAYOUT_CACHE_LIMIT = 4096;

/**
 * fontkit's layout() (GSUB/GPOS shaping) is called both by our measuring and by pdf-lib's
 * encodeText(). This font object belongs to one PreparedFonts, so its layout() is replaced with a
 * memoised one; callers only read the returned GlyphRun.
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

/** What a document draws: each text with the weight it is set in. */
type DrawnText = { readonly font: FontKey; readonly text: string };

/** Embeds both weights in `doc`, regular first; a subset holds the glyphs of `texts` in its weight. */
export async function embedFonts(doc: PDFDocument, fonts: PreparedFonts, texts: readonly DrawnText[], subset: boolean): Promise<Record<FontKey, PDFFont>> {
  const embed = (key: FontKey): Promise<PDFFont> =>
    doc.embedFont(fonts.bytes[key], {
      subset,
      customName: subset ? subsetFontName(fonts.parsed[key], texts, key) : fullFontName(fonts.parsed[key], key),
    });
  const regular = await embed('regular');
  const bold = await embed('bold');
  return { regular, bold };
}

function fullFontName(font: FontkitFont, key: FontKey): string {
  return font.postscriptName ?? `BeVietnamPro-${key}`;
}

/**
 * Subset fonts must be named "TAG+Name" with a six-letter tag. pdf-lib would pick a random tag, which
 * makes output differ run to run; a tag hashed from the glyphs used keeps it deterministic while two
 * different subsets still get different names (viewers and RIPs may cache fonts by name).
 */
export function subsetFontName(font: FontkitFont, texts: Iterable<DrawnText>, key: FontKey): string {
  const used = new Set<number>();
  for (const t of texts) {
    if (t.font !== key) continue;
    for (const glyph of font.layout(t.text).glyphs) used.add(glyph.id);
  }
  return subsetNameOf(font, used, key);
}

/** "TAG+Name" for a subset holding these glyphs (by index in the font), whatever their order. */
export function subsetNameOf(font: FontkitFont, glyphIds: Iterable<number>, key: FontKey): string {
  let hash = 0x811c9dc5; // FNV-1a, 32 bit
  for (const id of [...new Set(glyphIds)].sort((a, b) => a - b)) {
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
  return `${tag}+${fullFontName(font, key)}`;
}
