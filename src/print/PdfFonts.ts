/**
 * The fonts every printed document is made with: complete TrueType files of one family in two
 * weights. TTF, not woff/woff2: pdf-lib's fontkit subsetter needs plain TrueType/OpenType, and the
 * @fontsource woff files are split by unicode range (no single file has every Vietnamese glyph).
 */
export interface PdfFonts {
  readonly regular: Uint8Array;
  readonly bold: Uint8Array;
}

/** Which of the two weights a piece of text is set in. */
export type FontKey = keyof PdfFonts;
