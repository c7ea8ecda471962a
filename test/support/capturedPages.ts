import { degrees, PDFDocument } from 'pdf-lib';
import type { CapturedPage } from '../../src/scan/pages';
import { G4_MIME } from '../../src/scan/pages/CapturedPage';
import { encodeG4 } from '../../src/scan/pages/ccittG4';

/**
 * Captured pages for tests that run in Node (no canvas): what src/scan hands the counter after a
 * scan, a camera still or a file import, small enough to assemble into real PDFs.
 */

/** The smallest JPEG pdf-lib accepts: SOI, a baseline SOF0 with the size and 1 component, EOI. */
function jpegHeader(width: number, height: number): Uint8Array {
  return new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00, 0xff, 0xd9]);
}

/**
 * A JPEG page of the given pixel size. `tail` is appended after the image's end marker (pdf-lib
 * reads only the header), so pages that must differ, or weigh something, can.
 */
export function jpegPage(id: string, widthPx: number, heightPx: number, dpi = 200, tail: Uint8Array | string = ''): CapturedPage {
  const bytes = new Blob([jpegHeader(widthPx, heightPx) as Uint8Array<ArrayBuffer>, tail as Uint8Array<ArrayBuffer> | string], { type: 'image/jpeg' });
  return { id, source: 'scanner', mime: 'image/jpeg', bytes, widthPx, heightPx, dpi, rotation: 0, thumbnail: bytes, sizeBytes: bytes.size };
}

/** A bilevel page of packed rows (src/scan/pages/bilevel.ts layout), G4-encoded as compressPage stores it. */
export function bilevelPage(id: string, bits: Uint8Array, widthPx: number, heightPx: number, dpi = 200): CapturedPage {
  const bytes = new Blob([encodeG4(bits, widthPx, heightPx) as Uint8Array<ArrayBuffer>], { type: G4_MIME });
  return { id, source: 'scanner', mime: G4_MIME, bytes, widthPx, heightPx, dpi, rotation: 0, thumbnail: bytes, sizeBytes: bytes.size };
}

/** One page imported from a PDF file. */
export async function onePagePdf(width: number, height: number, rotate = 0): Promise<CapturedPage> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([width, height]);
  page.setRotation(degrees(rotate));
  const bytes = new Blob([(await doc.save()) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
  return {
    id: `pdf-${width}`,
    source: 'file',
    mime: 'application/pdf',
    bytes,
    widthPx: 1,
    heightPx: 1,
    dpi: 200,
    rotation: 0,
    thumbnail: bytes,
    sizeBytes: bytes.size,
  };
}
