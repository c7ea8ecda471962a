import { degrees, drawImage, PDFDocument, PDFRawStream, type PDFPage } from 'pdf-lib';
import { AppFailure } from '../../shared/result';
import { G4_MIME, type CapturedPage } from './CapturedPage';
import { endsWithEofb } from './ccittG4';

/**
 * The PDF of one document of a dossier (pdf-lib).
 *
 * Guarantees:
 * - One PDF page per captured page, in the given order. A JPEG page is embedded as it is (no
 *   re-encode) on a page of its physical size: widthPx / dpi × 72 points (A4 at 200 dpi → 595 × 842).
 *   A bilevel page becomes a 1-bit DeviceGray image with its CCITT G4 data as it is
 *   (`/CCITTFaxDecode`, `/K -1`): no decode, no re-encode.
 *   A page imported from a PDF is copied as a vector page (text stays text).
 * - A page's `rotation` becomes the PDF page's /Rotate (added to an imported page's own /Rotate),
 *   so the viewer shows it turned and the image bytes stay untouched.
 * - Metadata: the title (document name only — no citizen data), producer and creator = the app,
 *   creation and modification date = `meta.createdAt`. Nothing else (no author, no keywords), and
 *   nothing from the clock: the same pages and meta give the same bytes.
 */
export const PDF_PRODUCER = 'HPASC Kiosk';

export interface DocumentPdfMeta {
  /** Name of the document (e.g. "Giấy khai sinh"); no personal data. */
  readonly title: string;
  /** Epoch milliseconds of the capture, used for both PDF dates. */
  readonly createdAt: number;
}

/** A bilevel page's G4 data as a 1-bit DeviceGray image filling the page (decoded 0 = black). */
function drawBilevel(page: PDFPage, g4: Uint8Array, widthPx: number, heightPx: number, width: number, height: number): void {
  // The data has no header: the last thing a sound stream holds (EOFB) is what can be checked.
  if (!endsWithEofb(g4)) throw new RangeError('the bilevel page is not G4 data ending with EOFB');
  const context = page.doc.context;
  const dict = context.obj({
    Type: 'XObject',
    Subtype: 'Image',
    Width: widthPx,
    Height: heightPx,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 1,
    Filter: 'CCITTFaxDecode',
    DecodeParms: { K: -1, Columns: widthPx, Rows: heightPx },
  });
  const name = page.node.newXObject('Image', context.register(PDFRawStream.of(dict, g4)));
  page.pushOperators(...drawImage(name, { x: 0, y: 0, width, height, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }));
}

/**
 * Assembles the document PDF. Throws AppFailure('scan.no-pages') for an empty list and
 * AppFailure('scan.file-unreadable') when a page's bytes cannot be embedded (pages made by this
 * module always can); the app turns either into a Result.
 */
export async function assembleDocumentPdf(pages: readonly CapturedPage[], meta: DocumentPdfMeta): Promise<Uint8Array> {
  if (pages.length === 0) throw new AppFailure('scan.no-pages', 'a document needs at least one page');
  const doc = await PDFDocument.create({ updateMetadata: false });
  const date = new Date(meta.createdAt);
  doc.setTitle(meta.title.slice(0, 200), { showInWindowTitleBar: true });
  doc.setProducer(PDF_PRODUCER);
  doc.setCreator(PDF_PRODUCER);
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage('vi');
  for (const [index, page] of pages.entries()) {
    const bytes = new Uint8Array(await page.bytes.arrayBuffer());
    try {
      if (page.mime === 'application/pdf') {
        const source = await PDFDocument.load(bytes, { updateMetadata: false });
        const [copied] = await doc.copyPages(source, [0]);
        if (copied === undefined) throw new Error('the PDF page has no page');
        const added = doc.addPage(copied);
        added.setRotation(degrees((added.getRotation().angle + page.rotation) % 360));
      } else {
        const width = (page.widthPx / page.dpi) * 72;
        const height = (page.heightPx / page.dpi) * 72;
        const added = doc.addPage([width, height]);
        if (page.mime === G4_MIME) drawBilevel(added, bytes, page.widthPx, page.heightPx, width, height);
        else added.drawImage(await doc.embedJpg(bytes), { x: 0, y: 0, width, height });
        added.setRotation(degrees(page.rotation));
      }
    } catch (e) {
      if (e instanceof AppFailure) throw e;
      throw new AppFailure('scan.file-unreadable', `page ${index + 1} of ${pages.length} could not be added: ${e instanceof Error ? e.name : 'error'}`, {
        cause: e,
      });
    }
  }
  return doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
}
