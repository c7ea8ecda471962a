import { describe, expect, it } from 'vitest';
import { bilevelPage } from '../../../test/support/capturedPages';
import { rasterPage } from '../../../test/support/rasterPages';
import { renderPdfBits } from '../../../test/support/renderPdfBits';
import { seededRandom } from '../../../test/support/seededRandom';
import { assembleDocumentPdf } from './assembleDocumentPdf';
import { bitAt, packBits, rowBytes } from './bilevel';
import { encodeG4, endsWithEofb, G4_TABLES } from './ccittG4';
import { analysePage } from './pageKind';

/**
 * The CCITT G4 encoder, decoded back by an independent decoder: the page goes into a document PDF
 * (assembleDocumentPdf), poppler renders it (test/support/renderPdfBits.ts) and every pixel is
 * compared with the bits that were encoded.
 */

/** Encodes, assembles at 72 dpi (1 pixel = 1 point), renders: the bits poppler decoded. */
async function roundTrip(bits: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const pdf = await assembleDocumentPdf([bilevelPage('g4', bits, width, height, 72)], { title: 'G4', createdAt: 0 });
  return renderPdfBits(pdf, width, height);
}

function countDiff(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  let n = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (bitAt(a, width, x, y) !== bitAt(b, width, x, y)) n++;
  return n;
}

function prefixFree(codes: readonly string[]): string | null {
  for (const a of codes) for (const b of codes) if (a !== b && b.startsWith(a)) return `${a} is a prefix of ${b}`;
  return null;
}

describe('encodeG4', () => {
  it('has prefix-free code sets per colour and for the modes, with one code per run length', () => {
    const t = G4_TABLES;
    expect([t.WHITE_TERMINATING.length, t.BLACK_TERMINATING.length, t.WHITE_MAKEUP.length, t.BLACK_MAKEUP.length, t.EXTENDED_MAKEUP.length]).toEqual([
      64, 64, 27, 27, 13,
    ]);
    expect(prefixFree([...t.WHITE_TERMINATING, ...t.WHITE_MAKEUP, ...t.EXTENDED_MAKEUP, t.EOL])).toBeNull();
    expect(prefixFree([...t.BLACK_TERMINATING, ...t.BLACK_MAKEUP, ...t.EXTENDED_MAKEUP, t.EOL])).toBeNull();
    expect(prefixFree([t.PASS, t.HORIZONTAL, ...t.VERTICAL, t.EOL])).toBeNull();
  });

  it('codes every terminating and make-up run of both colours (0–63, 64–2560 and beyond) so that poppler decodes the same bits', async () => {
    const width = 2720;
    const lengths: number[] = [];
    for (let r = 0; r < 64; r++) lengths.push(r);
    for (let k = 1; k <= 40; k++) for (const r of [0, 1, 37, 63]) lengths.push(k * 64 + r);
    lengths.push(2600, 2700);
    // Rows of runs (white, black, white, …) taken from `lengths` for both colours, each after an
    // all-white row, so that they are coded in horizontal mode against a row with no changes.
    const rows: number[][] = [];
    for (const first of ['white', 'black'] as const) {
      let row: number[] = first === 'black' ? [0] : [];
      let used = 0;
      for (const length of lengths) {
        if (used + length > width) {
          rows.push(row);
          row = first === 'black' ? [0] : [];
          used = 0;
        }
        row.push(length);
        used += length;
      }
      rows.push(row);
    }
    const height = rows.length * 2;
    const bits = new Uint8Array(rowBytes(width) * height).fill(0xff);
    for (const [i, runs] of rows.entries()) {
      const y = i * 2 + 1;
      let x = 0;
      for (const [k, length] of runs.entries()) {
        if (k % 2 === 1) for (let p = x; p < x + length; p++) bits[y * rowBytes(width) + (p >> 3)]! &= ~(0x80 >> (p & 7));
        x += length;
      }
    }
    expect(countDiff(await roundTrip(bits, width, height), bits, width, height)).toBe(0);
  });

  it('codes a text page (pass and vertical modes) and random noise so that poppler decodes the same bits', async () => {
    const raster = rasterPage({ seed: 11, width: 300, height: 200 });
    const analysis = analysePage(raster.data, raster.width, raster.height);
    const text = packBits(analysis.luminance, raster.width, raster.height, analysis.threshold);
    const random = seededRandom(12);
    const noise = new Uint8Array(rowBytes(77) * 50).map(() => Math.floor(random() * 256));
    for (const [bits, width, height] of [
      [text, raster.width, raster.height],
      [noise, 77, 50],
    ] as const) {
      expect(countDiff(await roundTrip(bits, width, height), bits, width, height)).toBe(0);
    }
    expect(() => encodeG4(new Uint8Array(3), 77, 50)).toThrow(RangeError);
  });

  it('ends every stream with EOFB (what the assembly checks) and codes an all-white page in a few bytes', () => {
    const white = new Uint8Array(rowBytes(1654) * 2339).fill(0xff);
    const g4 = encodeG4(white, 1654, 2339);
    // One V0 per row (2,339 bits) + EOFB.
    expect(g4.length).toBe(Math.ceil((2339 + 24) / 8));
    expect(endsWithEofb(g4)).toBe(true);
    expect(endsWithEofb(encodeG4(new Uint8Array([0x0f, 0xf0]), 12, 1))).toBe(true);
    expect(endsWithEofb(new Uint8Array([0x00, 0x10, 0x01, 0x05]))).toBe(false);
    expect(endsWithEofb(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))).toBe(false);
    expect(endsWithEofb(new Uint8Array([0x01]))).toBe(false);
  });
});
