/**
 * Paints one laid-out page: black boxes, then all text in one text object, then the QR symbol.
 * Layouts measure from the page top; PDF pages have their origin at the bottom left, and this is
 * the only place that converts.
 *
 * Guarantees:
 * - Black (and white, for text on a black box) only: thermal heads print dots or nothing.
 * - Fonts are registered on the page under fixed names (F1 regular, F2 bold).
 *   `page.drawText()` is not used: it registers the font again under a new random name on every
 *   call (bigger and non-deterministic output).
 * - Coordinates are written rounded to 0.01 pt; operators are emitted only when font, size or
 *   colour change, in item order, so the same content gives the same bytes.
 */
import {
  PDFName,
  beginText,
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
import type { FontKey } from '../PdfFonts';
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

const RESOURCE: Readonly<Record<FontKey, string>> = { regular: 'F1', bold: 'F2' };

export function paintPage(page: PDFPage, height: number, content: PageContent, fonts: Readonly<Record<FontKey, PDFFont>>): void {
  if (content.boxes.length > 0) {
    const black: PDFOperator[] = [pushGraphicsState(), setFillingGrayscaleColor(0)];
    for (const b of content.boxes) {
      black.push(rectangle(round2(b.x), round2(height - b.top - b.height), round2(b.width), round2(b.height)));
    }
    black.push(fill(), popGraphicsState());
    page.pushOperators(...black);
  }

  page.node.setFontDictionary(PDFName.of(RESOURCE.regular), fonts.regular.ref);
  page.node.setFontDictionary(PDFName.of(RESOURCE.bold), fonts.bold.ref);
  const text: PDFOperator[] = [pushGraphicsState(), beginText()];
  let font: string | undefined;
  let size: number | undefined;
  let gray: number | undefined;
  for (const t of content.texts) {
    const tSize = round2(t.size);
    if (RESOURCE[t.font] !== font || tSize !== size) {
      font = RESOURCE[t.font];
      size = tSize;
      text.push(setFontAndSize(font, size));
    }
    const tGray = t.white === true ? 1 : 0;
    if (tGray !== gray) {
      gray = tGray;
      text.push(setFillingGrayscaleColor(gray));
    }
    text.push(setTextMatrix(1, 0, 0, 1, round2(t.x), round2(height - t.baseline)));
    text.push(showText(fonts[t.font].encodeText(t.text)));
  }
  text.push(endText(), popGraphicsState());
  page.pushOperators(...text);

  if (content.qr !== undefined) page.pushOperators(...qrOperators(content.qr, height));
}
