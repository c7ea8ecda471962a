import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { jpegPage } from '../../../test/support/capturedPages';
import { rasterPage } from '../../../test/support/rasterPages';
import { seededRandom } from '../../../test/support/seededRandom';
import { assembleDocumentPdf } from './assembleDocumentPdf';
import { bilevelPreview, bitAt, packBits, rowBytes } from './bilevel';
import { encodeBilevelPng, pngScanlines, readBilevelPng } from './bilevelPng';
import type { CapturedPage } from './CapturedPage';
import { analysePage, otsuThreshold } from './pageKind';

/**
 * Bilevel pages in Node: which pages 'auto' makes bilevel (pageKind.ts), thresholding and packing
 * (bilevel.ts), the 1-bit PNG (bilevelPng.ts) and its way into the document PDF, decoded back by
 * an independent decoder (poppler's pdftoppm). Chromium's side (canvas, thumbnails, sizes of real
 * pages) is in test/e2e/capture.spec.ts.
 */

const META = { title: 'Đơn đề nghị', createdAt: Date.UTC(2026, 1, 12, 3, 0, 0) };

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Random packed rows (the unused bits at each row's end set, as packBits leaves them). */
function randomBits(width: number, height: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const bits = new Uint8Array(rowBytes(width) * height);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(random() * 256);
  const spare = rowBytes(width) * 8 - width;
  if (spare > 0) for (let y = 0; y < height; y++) bits[(y + 1) * rowBytes(width) - 1]! |= (1 << spare) - 1;
  return bits;
}

async function bilevelPage(id: string, bits: Uint8Array, width: number, height: number, dpi = 200): Promise<CapturedPage> {
  const png = await encodeBilevelPng(bits, width, height);
  const bytes = new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  return { id, source: 'scanner', mime: 'image/png', bytes, widthPx: width, heightPx: height, dpi, rotation: 0, thumbnail: bytes, sizeBytes: bytes.size };
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

describe('the 1-bit PNG', () => {
  it('round-trips: its IDAT inflates to the same rows, each behind filter byte 0', async () => {
    for (const [width, height] of [
      [37, 11],
      [64, 3],
      [1, 1],
    ] as const) {
      const bits = randomBits(width, height, width);
      const png = await encodeBilevelPng(bits, width, height);
      const parts = readBilevelPng(png);
      expect([parts.width, parts.height]).toEqual([width, height]);
      const rows = await inflate(parts.zlibRows);
      expect(rows).toEqual(pngScanlines(bits, width, height, 'none'));
      const back = new Uint8Array(bits.length);
      for (let y = 0; y < height; y++) {
        expect(rows[y * (rowBytes(width) + 1)]).toBe(0);
        back.set(rows.subarray(y * (rowBytes(width) + 1) + 1, (y + 1) * (rowBytes(width) + 1)), y * rowBytes(width));
      }
      expect(back).toEqual(bits);
    }
  });

  it('refuses what it did not write: an 8-bit PNG, a broken CRC, missing chunks, rows of the wrong length', async () => {
    const png = await encodeBilevelPng(randomBits(20, 4, 1), 20, 4);
    const eightBit = png.slice();
    eightBit[24] = 8;
    expect(() => readBilevelPng(eightBit)).toThrow(/CRC|1-bit/);
    const crc = png.slice();
    crc[40] = crc[40]! ^ 0xff;
    expect(() => readBilevelPng(crc)).toThrow(/CRC/);
    expect(() => readBilevelPng(png.subarray(0, 33))).toThrow(RangeError);
    expect(() => readBilevelPng(new Uint8Array(60))).toThrow('not a PNG');
    await expect(encodeBilevelPng(new Uint8Array(5), 20, 4)).rejects.toThrow(RangeError);
  });
});

describe('a bilevel page in the document PDF', () => {
  it('is a 1-bit DeviceGray FlateDecode image holding the PNG rows as they are', async () => {
    const width = 165;
    const height = 234;
    const bits = randomBits(width, height, 7);
    const page = await bilevelPage('b', bits, width, height, 20);
    const pdf = await assembleDocumentPdf([page], META);
    const doc = await PDFDocument.load(pdf);
    expect([Math.round(doc.getPage(0).getWidth()), Math.round(doc.getPage(0).getHeight())]).toEqual([594, 842]);
    const images = doc.context
      .enumerateIndirectObjects()
      .map(([, o]) => o)
      .filter((o): o is PDFRawStream => o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
    expect(images).toHaveLength(1);
    const image = images[0]!;
    expect(image.dict.get(PDFName.of('BitsPerComponent'))).toEqual(PDFNumber.of(1));
    expect(image.dict.get(PDFName.of('ColorSpace'))).toBe(PDFName.of('DeviceGray'));
    expect(image.dict.get(PDFName.of('Filter'))).toBe(PDFName.of('FlateDecode'));
    expect([image.dict.get(PDFName.of('Width')), image.dict.get(PDFName.of('Height'))]).toEqual([PDFNumber.of(width), PDFNumber.of(height)]);
    expect(image.contents).toEqual(readBilevelPng(new Uint8Array(await page.bytes.arrayBuffer())).zlibRows);
  });

  it('renders back to the same bits in poppler (pdftoppm at 4× the page resolution, sampled at pixel centres)', async () => {
    // A text-like page thresholded the way compressPage does it.
    const raster = rasterPage({ seed: 8, width: 200, height: 120 });
    const analysis = analysePage(raster.data, raster.width, raster.height);
    const bits = packBits(analysis.luminance, raster.width, raster.height, analysis.threshold);
    const pdf = await assembleDocumentPdf([await bilevelPage('t', bits, raster.width, raster.height, 72)], META);
    const dir = mkdtempSync(join(tmpdir(), 'bilevel-'));
    try {
      writeFileSync(join(dir, 'page.pdf'), pdf);
      // At 1:1 poppler smooths image edges by part of a pixel; at 4× the centre of each source pixel is exact.
      execFileSync('pdftoppm', ['-r', '288', '-gray', '-singlefile', join(dir, 'page.pdf'), join(dir, 'out')]);
      const pgm = readFileSync(join(dir, 'out.pgm'));
      // P5 header: "P5\n<width> <height>\n255\n", then one byte per pixel.
      const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
      expect(header).not.toBeNull();
      expect([Number(header![1]), Number(header![2])]).toEqual([raster.width * 4, raster.height * 4]);
      const pixels = pgm.subarray(header![0].length);
      let differ = 0;
      let ink = 0;
      for (let y = 0; y < raster.height; y++) {
        for (let x = 0; x < raster.width; x++) {
          const rendered = pixels[(4 * y + 2) * raster.width * 4 + 4 * x + 2]! >= 128 ? 1 : 0;
          if (rendered !== bitAt(bits, raster.width, x, y)) differ++;
          if (rendered === 0) ink++;
        }
      }
      expect(ink).toBeGreaterThan(raster.width * raster.height * 0.02);
      expect(differ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the document deterministic with bilevel and JPEG pages mixed, and refuses a PNG it did not write', async () => {
    const pages = [jpegPage('a', 1654, 2339), await bilevelPage('b', randomBits(80, 60, 9), 80, 60), jpegPage('c', 1654, 2339)];
    const first = await assembleDocumentPdf(pages, META);
    expect(await assembleDocumentPdf(pages, META)).toEqual(first);
    const png = new Uint8Array(await pages[1]!.bytes.arrayBuffer());
    png[24] = 8; // bit depth 8 (and a CRC that no longer matches)
    const foreign = { ...pages[1]!, bytes: new Blob([png]) };
    await expect(assembleDocumentPdf([pages[0]!, foreign], META)).rejects.toMatchObject({ code: 'scan.file-unreadable', message: expect.stringContaining('page 2 of 2') });
  });
});
