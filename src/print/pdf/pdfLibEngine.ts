/**
 * The pdf-lib engine of writePdf.ts: the document through pdf-lib's object model, its font
 * embedding (fontPreparation.ts `embedFonts`) and its serialiser. The reference the direct engine
 * is checked against, and its peer in the bench.
 */
import { PDFDocument, PDFName } from 'pdf-lib';
import { embedFonts, type PreparedFonts } from './fontPreparation';
import { PAGE_FONT_RESOURCES, paintPage } from './pagePainter';
import type { PdfDocumentSpec } from './writePdf';

export async function writeWithPdfLib(fonts: PreparedFonts, spec: PdfDocumentSpec): Promise<Uint8Array> {
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
  for (const pageSpec of spec.pages) {
    const page = doc.addPage([pageSpec.width, pageSpec.height]);
    // `page.drawText()` is not used: it registers the font again under a new random name on every
    // call (bigger and non-deterministic output).
    page.node.setFontDictionary(PDFName.of(PAGE_FONT_RESOURCES.regular), pdfFonts.regular.ref);
    page.node.setFontDictionary(PDFName.of(PAGE_FONT_RESOURCES.bold), pdfFonts.bold.ref);
    const content = paintPage(pageSpec.height, pageSpec.content, (key, text) => pdfFonts[key].encodeText(text).toString());
    page.node.addContentStream(doc.context.register(doc.context.flateStream(content)));
  }
  // Infinity: serialise in one go. The default yields every 50 objects through setTimeout(0),
  // which browsers clamp to ≥ 4 ms once nested, several times per document.
  return doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
}
