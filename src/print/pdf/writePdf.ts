/**
 * One PDF document from laid-out pages: the set-up every printed document shares (fonts, metadata,
 * pages, serialisation), behind one port with two engines:
 *  - `direct` (the default, directPdf.ts): writes the file itself and keeps each embedded font's
 *    objects for the next document with the same glyphs; a ticket in ≈ a quarter of pdf-lib's time
 *    (`npm run bench`, "Ticket PDF");
 *  - `pdf-lib` (pdfLibEngine.ts, loaded on first use): the same document through pdf-lib's object
 *    model and its font embedding, kept as the reference the direct engine is checked against (same
 *    text, same pixels: directPdf.test.ts) and as its peer in the bench.
 * Both paint pages with the same content stream (pagePainter.ts).
 *
 * Guarantees (both engines):
 * - Deterministic: same prepared fonts + spec → identical bytes. The creation and modification date
 *   is `spec.date` (from the printed data, never the clock); subset names are hashed from the glyphs
 *   (fontPreparation.ts); no random resource names (pagePainter.ts).
 * - Metadata is the title, producer and creator "HPASC Kiosk", and language vi-VN: nothing else,
 *   so personal data printed on a page never reaches the document information.
 */
import { writeDirectPdf } from './directPdf';
import type { PreparedFonts } from './fontPreparation';
import type { PageContent } from './pagePainter';

export interface PdfPageSpec {
  /** Page size in points. */
  readonly width: number;
  readonly height: number;
  readonly content: PageContent;
}

export interface PdfDocumentSpec {
  readonly title: string;
  /** Creation and modification date, epoch ms. */
  readonly date: number;
  /**
   * Embed only the glyphs used (small files) or the whole fonts. The direct engine's subsets also
   * hold the ten digits, so documents that differ only in numbers share one embedded font.
   */
  readonly subset: boolean;
  readonly pages: readonly PdfPageSpec[];
}

export type PdfEngine = 'direct' | 'pdf-lib';
export const PDF_ENGINES: readonly PdfEngine[] = ['direct', 'pdf-lib'];
/** Chosen by measurement (README, Benchmarks: "ticket PDF, Node"). */
export const DEFAULT_PDF_ENGINE: PdfEngine = 'direct';

export async function writePdf(fonts: PreparedFonts, spec: PdfDocumentSpec, engine: PdfEngine = DEFAULT_PDF_ENGINE): Promise<Uint8Array> {
  // A PDF has at least one page: poppler refuses /Count 0, and pdf-lib would add a blank one.
  if (spec.pages.length === 0) throw new Error(`"${spec.title}" has no pages: a PDF needs at least one`);
  if (engine === 'direct') return writeDirectPdf(fonts, spec);
  // Loaded only when asked for: the kiosk's ticket path never fetches pdf-lib.
  const { writeWithPdfLib } = await import('./pdfLibEngine');
  return writeWithPdfLib(fonts, spec);
}
