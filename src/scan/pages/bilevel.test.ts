import { PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { bilevelPage, jpegPage } from '../../../test/support/capturedPages';
import { rasterPage } from '../../../test/support/rasterPages';
import { renderPdfBits } from '../../../test/support/renderPdfBits';
import { seededRandom } from '../../../test/support/seededRandom';
import { assembleDocumentPdf } from './assembleDocumentPdf';
import { bilevelPreview, bitAt, packBits, rowBytes } from './bilevel';
import { analysePage, looksColoured, otsuThreshold } from './pageKind';

/**
 * Bilevel pages in Node: which pages 'auto' makes bilevel (pageKind.ts), thresholding and packing
 * (bilevel.ts), and the G4 page's way into the document PDF, decoded back by an independent
 * decoder (poppler's pdftoppm). The G4 encoder's own tests are ccittG4.test.ts; Chromium's side
 * (canvas, thumbnails, sizes of real pages) is test/e2e/capture.spec.ts.
 */

const META = { title: 'Đơn đề nghị', createdAt: Date.UTC(2026, 1, 12, 3, 0, 0) };

/** Random packed rows (the unused bits at each row's end set, as packBits leaves them). */
function randomBits(width: number, height: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const bits = new Uint8Array(rowBytes(width) * height);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(random() * 256);
  const spare = rowBytes(width) * 8 - width;
  if (spare > 0) for (let y = 0; y < height; y++) bits[(y + 1) * rowBytes(width) - 1]! |= (1 << spare) - 1;
  return bits;
}

describe('analysePage: which pages auto stores as bilevel', () => {
  it('a page of black text on off-white paper is text only, with the threshold between ink and paper', () => {
    const page = rasterPage({ seed: 1 });
    const a = analysePage(page.data, page.width, page.height);
    expect(a).toMatchObject({ kind: 'text', colourTiles: 0, toneTiles: 0 });
    expect(a.threshold).toBeGreaterThan(a.inkLevel);
    expect(a.threshold).toBeLessThan(a.paperLevel);
    expect(a.paperLevel - a.inkLevel).toBeGreaterThan(150);
  });

  it('a gray photo block makes the page gray, a red stamp makes it colour', () => {
    const photo = rasterPage({ seed: 2, grayPhoto: true });
    const withPhoto = analysePage(photo.data, photo.width, photo.height);
    expect(withPhoto.kind).toBe('gray');
    expect(withPhoto.colourTiles).toBe(0);
    expect(withPhoto.toneTiles).toBeGreaterThan(2);
    const stamp = rasterPage({ seed: 3, redStamp: true });
    const withStamp = analysePage(stamp.data, stamp.width, stamp.height);
    expect(withStamp.kind).toBe('color');
    expect(withStamp.colourTiles).toBeGreaterThan(1);
    const both = rasterPage({ seed: 4, redStamp: true, grayPhoto: true });
    expect(analysePage(both.data, both.width, both.height).kind).toBe('color');
  });

  it('a speck of blue ink is not a stamp; a blank page is not text (nothing to threshold: gray)', () => {
    const speck = rasterPage({ seed: 5, blueSpeck: true });
    expect(analysePage(speck.data, speck.width, speck.height).kind).toBe('text');
    const blank = rasterPage({ seed: 6, text: false });
    expect(analysePage(blank.data, blank.width, blank.height).kind).toBe('gray');
  });

  it('the quick colour look (on a small copy) sees the stamp and nothing on a text page or a gray photo', () => {
    const seen = (options: Parameters<typeof rasterPage>[0]): boolean => {
      const page = rasterPage(options);
      return looksColoured(page.data, page.width, page.height, 32);
    };
    expect(seen({ seed: 3, redStamp: true })).toBe(true);
    expect(seen({ seed: 1 })).toBe(false);
    expect(seen({ seed: 2, grayPhoto: true })).toBe(false);
    expect(seen({ seed: 5, blueSpeck: true })).toBe(false);
  });

  it('returns BT.601 luminance per pixel and refuses a buffer shorter than the page', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 200, 200, 255]);
    expect([...analysePage(rgba, 2, 2).luminance]).toEqual([76, 149, 28, 200]);
    expect(() => analysePage(rgba, 3, 2)).toThrow(RangeError);
  });

  it('Otsu splits a two-level histogram between its levels', () => {
    const hist = new Uint32Array(256);
    hist[30] = 500;
    hist[35] = 300;
    hist[240] = 9000;
    hist[245] = 6000;
    const t = otsuThreshold(hist);
    expect(t).toBeGreaterThanOrEqual(35);
    expect(t).toBeLessThan(240);
  });
});

describe('packBits and the preview', () => {
  it('ink (≤ threshold) is 0, paper is 1, most significant bit first; the spare bits of a row are 1', () => {
    // 10 × 2: row 0 dark at x = 0, 7, 8; row 1 all paper.
    const lum = new Uint8Array(20).fill(250);
    for (const x of [0, 7, 8]) lum[x] = 10;
    lum[3] = 128; // exactly the threshold: ink
    const bits = packBits(lum, 10, 2, 128);
    expect([...bits]).toEqual([0b0110_1110, 0b0111_1111, 0xff, 0xff]);
    expect(bitAt(bits, 10, 8, 0)).toBe(0);
    expect(bitAt(bits, 10, 9, 0)).toBe(1);
  });

  it('the preview is the share of white per block: white stays 255, a checkerboard is mid-gray, black is 0', () => {
    const width = 16;
    const height = 16;
    const white = new Uint8Array(rowBytes(width) * height).fill(0xff);
    const checker = new Uint8Array(rowBytes(width) * height).map((_, i) => (Math.floor(i / rowBytes(width)) % 2 === 0 ? 0xaa : 0x55));
    const black = new Uint8Array(rowBytes(width) * height);
    const px = (bits: Uint8Array): number[] => [...bilevelPreview(bits, width, height, 4, 4)].filter((_, i) => i % 4 === 0);
    expect(px(white).every((v) => v === 255)).toBe(true);
    expect(px(checker).every((v) => v === 128)).toBe(true);
    expect(px(black).every((v) => v === 0)).toBe(true);
  });
});

describe('a bilevel page in the document PDF', () => {
  it('is a 1-bit DeviceGray CCITT G4 image (K −1) holding the page bytes as they are', async () => {
    const width = 165;
    const height = 234;
    const page = bilevelPage('b', randomBits(width, height, 7), width, height, 20);
    const doc = await PDFDocument.load(await assembleDocumentPdf([page], META));
    expect([Math.round(doc.getPage(0).getWidth()), Math.round(doc.getPage(0).getHeight())]).toEqual([594, 842]);
    const images = doc.context
      .enumerateIndirectObjects()
      .map(([, o]) => o)
      .filter((o): o is PDFRawStream => o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
    expect(images).toHaveLength(1);
    const dict = images[0]!.dict;
    expect(dict.get(PDFName.of('BitsPerComponent'))).toEqual(PDFNumber.of(1));
    expect(dict.get(PDFName.of('ColorSpace'))).toBe(PDFName.of('DeviceGray'));
    expect(dict.get(PDFName.of('Filter'))).toBe(PDFName.of('CCITTFaxDecode'));
    expect([dict.get(PDFName.of('Width')), dict.get(PDFName.of('Height'))]).toEqual([PDFNumber.of(width), PDFNumber.of(height)]);
    const parms = dict.get(PDFName.of('DecodeParms'));
    expect(parms).toBeInstanceOf(PDFDict);
    expect((parms as PDFDict).get(PDFName.of('K'))).toEqual(PDFNumber.of(-1));
    expect((parms as PDFDict).get(PDFName.of('Columns'))).toEqual(PDFNumber.of(width));
    expect((parms as PDFDict).get(PDFName.of('BlackIs1'))).toBeUndefined();
    expect(images[0]!.contents).toEqual(new Uint8Array(await page.bytes.arrayBuffer()));
  });

  it('renders back to the thresholded bits in poppler, ink black and paper white', async () => {
    // A text-like page thresholded the way compressPage does it.
    const raster = rasterPage({ seed: 8, width: 200, height: 120 });
    const analysis = analysePage(raster.data, raster.width, raster.height);
    const bits = packBits(analysis.luminance, raster.width, raster.height, analysis.threshold);
    const pdf = await assembleDocumentPdf([bilevelPage('t', bits, raster.width, raster.height, 72)], META);
    const rendered = renderPdfBits(pdf, raster.width, raster.height);
    let ink = 0;
    let differ = 0;
    for (let y = 0; y < raster.height; y++) {
      for (let x = 0; x < raster.width; x++) {
        if (bitAt(rendered, raster.width, x, y) === 0) ink++;
        if (bitAt(rendered, raster.width, x, y) !== bitAt(bits, raster.width, x, y)) differ++;
      }
    }
    expect(ink).toBeGreaterThan(raster.width * raster.height * 0.02);
    expect(differ).toBe(0);
    // The ink is where the page was dark: the pixel at the first glyph's stem.
    expect(analysis.luminance[50 * raster.width + 32]! <= analysis.threshold).toBe(bitAt(rendered, raster.width, 32, 50) === 0);
  });

  it('keeps the document deterministic with bilevel and JPEG pages mixed, and refuses bytes that are not G4 data', async () => {
    const pages = [jpegPage('a', 1654, 2339), bilevelPage('b', randomBits(80, 60, 9), 80, 60), jpegPage('c', 1654, 2339)];
    const first = await assembleDocumentPdf(pages, META);
    expect(await assembleDocumentPdf(pages, META)).toEqual(first);
    const notG4 = { ...pages[1]!, bytes: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])]) };
    await expect(assembleDocumentPdf([pages[0]!, notG4], META)).rejects.toMatchObject({
      code: 'scan.file-unreadable',
      message: expect.stringContaining('page 2 of 2'),
    });
  });
});
