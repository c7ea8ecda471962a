/**
 * One PDF document from laid-out pages: the set-up every printed document shares (fonts, metadata,
 * pages, serialisation).
 *
 * Guarantees:
 * - Deterministic: same prepared fonts + spec → identical bytes. The creation and modification date
 *   is `spec.date` (from the printed data, never the clock); subset names are hashed from the glyphs
 *   (fontPreparation.ts); no random resource names (pagePainter.ts).
 * - Metadata is the title, producer and creator "HPASC Kiosk", and language vi-VN: nothing else,
 *   so personal data printed on a page never reaches the document information.
 */
import { PDFDocument } from 'pdf-lib';
import { embedFonts, type PreparedFonts } from './fontPreparation';
import { paintPage, type PageContent } from './pagePainter';

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
  /** Embed only the glyphs used (small files) or the whole fonts. */
  readonly subset: boolean;
  readonly pages: readonly PdfPageSpec[];
}

export async function writePdf(fonts: PreparedFonts, spec: PdfDocumentSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fonts.fontkit);
  doc.setTitle(spec.title);
  doc.setProducer('HPASC Kiosk');
  doc.setCreator('HPASC Kiosk');
  doc.setLanguage('vi-VN');
  const date = new Date(spec.date);
  doc.setCreationDate(date);
  doc.setModificationDate(date);

  const texts = spec.pages.flatMap((page) => page.content.texts);
  const pdfFonts = await embedFonts(doc, fonts, texts, spec.subset);
  for (const page of spec.pages) paintPage(doc.addPage([page.width, page.height]), page.height, page.content, pdfFonts);
  // Infinity: serialise in one go. The default yields every 50 objects through setTimeout(0),
  // which browsers clamp to ≥ 4 ms once nested, several times per document.
  return doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
}
