import { EncryptedPDFError, PDFDocument } from 'pdf-lib';
import { describeUnknown, err, ok, type Result } from '../../shared/result';
import { DEFAULT_TARGET_DPI, type CapturedPage, type ScanColorMode } from './CapturedPage';
import { sharedPageCompressor } from './compressPool';
import { placeholderThumbnail, renderPdfThumbnails } from './pdfThumbnail';

/**
 * Pages from files the citizen brings on a USB stick or phone (PDF, JPEG, PNG).
 *
 * Guarantees:
 * - The type is read from the file's first bytes, not its name or MIME type: anything else is
 *   `scan.file-type`. A file above 30 MB is `scan.file-too-large`; an encrypted PDF is
 *   `scan.pdf-encrypted`; a damaged one `scan.file-unreadable`. All or nothing: one bad file and no
 *   page is imported (the officer fixes the selection); the detail names the file by position only
 *   (file names can hold personal data).
 * - A JPEG/PNG becomes one compressed page (compressPage, EXIF orientation applied).
 * - Each page of a PDF becomes one page holding a one-page PDF copied with pdf-lib: the vector page
 *   is kept, nothing is rasterised. Its thumbnail is drawn by pdf.js, or is a labelled placeholder
 *   when pdf.js cannot draw it.
 */
export const MAX_IMPORT_FILE_BYTES = 30 * 1024 * 1024;
export const MAX_IMPORT_PDF_PAGES = 200;

export type ImportedKind = 'pdf' | 'jpeg' | 'png';

/** The file type from its magic bytes, or null. */
export function sniffFileType(head: Uint8Array): ImportedKind | null {
  if (head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46) return 'pdf';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'png';
  return null;
}

async function pdfPages(bytes: Uint8Array, where: string): Promise<Result<CapturedPage[]>> {
  let source: PDFDocument;
  let count: number;
  try {
    source = await PDFDocument.load(bytes, { updateMetadata: false });
    // A file that only starts like a PDF loads without a catalog; counting its pages throws.
    count = source.getPageCount();
  } catch (e) {
    if (e instanceof EncryptedPDFError) return err('scan.pdf-encrypted', `${where}: the PDF is encrypted`);
    return err('scan.file-unreadable', `${where}: ${describeUnknown(e).slice(0, 200)}`);
  }
  if (count === 0) return err('scan.file-unreadable', `${where}: the PDF has no pages`);
  if (count > MAX_IMPORT_PDF_PAGES) return err('scan.file-too-large', `${where}: ${count} pages (at most ${MAX_IMPORT_PDF_PAGES})`);
  // A preview that fails must not fail the import: placeholders are drawn below instead.
  const thumbnails: Blob[] = await renderPdfThumbnails(bytes, count).catch(() => []);
  const pages: CapturedPage[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const single = await PDFDocument.create({ updateMetadata: false });
      const [copied] = await single.copyPages(source, [i]);
      if (copied === undefined) return err('scan.file-unreadable', `${where}: page ${i + 1} could not be copied`);
      single.addPage(copied);
      const pdf = await single.save({ useObjectStreams: true, objectsPerTick: Infinity });
      const { width, height } = copied.getSize();
      const turned = copied.getRotation().angle % 180 !== 0;
      const widthPt = turned ? height : width;
      const heightPt = turned ? width : height;
      const blob = new Blob([pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
      pages.push({
        id: crypto.randomUUID(),
        source: 'file',
        mime: 'application/pdf',
        bytes: blob,
        widthPx: Math.round((widthPt / 72) * DEFAULT_TARGET_DPI),
        heightPx: Math.round((heightPt / 72) * DEFAULT_TARGET_DPI),
        dpi: DEFAULT_TARGET_DPI,
        rotation: 0,
        thumbnail: thumbnails[i] ?? (await placeholderThumbnail(i + 1, widthPt, heightPt)),
        sizeBytes: blob.size,
      });
    }
  } catch (e) {
    return err('scan.file-unreadable', `${where}: ${describeUnknown(e).slice(0, 200)}`);
  }
  return ok(pages);
}

/**
 * Imports files as pages, in the order given (a PDF contributes all its pages in order).
 * `mode` applies to images; PDF pages keep their own colours.
 */
export async function importFiles(files: readonly File[], mode: ScanColorMode): Promise<Result<CapturedPage[]>> {
  const pages: (CapturedPage | null)[] = [];
  const images: Promise<Result<CapturedPage[]> | null>[] = [];
  for (const [index, file] of files.entries()) {
    const where = `file ${index + 1} of ${files.length}`;
    if (file.size > MAX_IMPORT_FILE_BYTES)
      return err('scan.file-too-large', `${where}: ${Math.ceil(file.size / 1e6)} MB (at most ${MAX_IMPORT_FILE_BYTES / (1024 * 1024)} MB)`);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      return err('scan.file-unreadable', `${where}: ${describeUnknown(e).slice(0, 200)}`);
    }
    const kind = sniffFileType(bytes.subarray(0, 8));
    if (kind === null) return err('scan.file-type', `${where}: not a PDF, JPEG or PNG`);
    if (kind === 'pdf') {
      const result = await pdfPages(bytes, where);
      if (!result.ok) return result;
      pages.push(...result.value);
      continue;
    }
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: kind === 'jpeg' ? 'image/jpeg' : 'image/png' });
    // Images compress side by side on the worker pool; their order is kept.
    const at = pages.length;
    pages.push(null);
    images.push(
      sharedPageCompressor()
        .compress(blob, { mode, source: 'file' })
        .then((page) => {
          if (!page.ok) return err(page.error.code, `${where}: ${page.error.detail}`);
          pages[at] = page.value;
          return null;
        }),
    );
  }
  for (const failure of await Promise.all(images)) if (failure) return failure;
  return ok(pages as CapturedPage[]);
}
