/**
 * Paints one laid-out page as its content stream (operators, one a line): black boxes, then all
 * text in one text object, then the QR symbol. Both PDF engines (writePdf.ts) write these bytes.
 * Layouts measure from the page top; PDF pages have their origin at the bottom left, and this is
 * the only place that converts.
 *
 * Guarantees:
 * - Black (and white, for text on a black box) only: thermal heads print dots or nothing.
 * - Fonts are named by fixed resource names (PAGE_FONT_RESOURCES: F1 regular, F2 bold); text is
 *   shown with the glyph codes the document's embedded font gives it (`encode`).
 * - Coordinates are written rounded to 0.01 pt; operators are emitted only when font, size or
 *   colour change, in item order, so the same content gives the same bytes.
 */
import type { FontKey } from '../PdfFonts';
import { pdfNumber } from './pdfNumber';
import { qrOperators, type QrPlacement } from './qrDrawing';
import { round2 } from './units';

export interface TextItem {
  /** Already cleaned for the font (textLayout.ts `cleanText`). */
  readonly text: string;
  readonly font: FontKey;
  readonly size: number;
  readonly x: number;
  /** Distance from the page top to the baseline. */
  readonly baseline: number;
  /** White text, for a label inverted on a black box; default black. */
  readonly white?: boolean;
}

/** A filled black rectangle: rules, table grid, the box behind inverted text. */
export interface BoxItem {
  readonly x: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface PageContent {
  readonly texts: readonly TextItem[];
  /** Painted before the text, so white text on a box shows. */
  readonly boxes: readonly BoxItem[];
  readonly qr?: QrPlacement;
}

/** The page's font resource names: the engine registers each weight's font under its name. */
export const PAGE_FONT_RESOURCES: Readonly<Record<FontKey, string>> = { regular: 'F1', bold: 'F2' };

/** A text as the glyph codes of the font embedded for its weight, as a PDF hex string (`<…>`). */
export type EncodeText = (font: FontKey, text: string) => string;

/** The page's content stream: operator lines joined by newlines (ASCII). */
export function paintPage(height: number, content: PageContent, encode: EncodeText): string {
  const ops: string[] = [];
  const n = pdfNumber;
  if (content.boxes.length > 0) {
    ops.push('q', '0 g');
    for (const b of content.boxes) ops.push(`${n(round2(b.x))} ${n(round2(height - b.top - b.height))} ${n(round2(b.width))} ${n(round2(b.height))} re`);
    ops.push('f', 'Q');
  }
  ops.push('q', 'BT');
  let font: string | undefined;
  let size: number | undefined;
  let gray: number | undefined;
  for (const t of content.texts) {
    const tSize = round2(t.size);
    if (PAGE_FONT_RESOURCES[t.font] !== font || tSize !== size) {
      font = PAGE_FONT_RESOURCES[t.font];
      size = tSize;
      ops.push(`/${font} ${n(size)} Tf`);
    }
    const tGray = t.white === true ? 1 : 0;
    if (tGray !== gray) {
      gray = tGray;
      ops.push(`${gray} g`);
    }
    ops.push(`1 0 0 1 ${n(round2(t.x))} ${n(round2(height - t.baseline))} Tm`);
    ops.push(`${encode(t.font, t.text)} Tj`);
  }
  ops.push('ET', 'Q');
  if (content.qr !== undefined) ops.push(...qrOperators(content.qr, height));
  return ops.join('\n');
}
