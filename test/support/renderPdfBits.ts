import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowBytes } from '../../src/scan/pages/bilevel';

/**
 * What poppler draws for a one-page PDF whose page is `width` × `height` points holding one image
 * of `width` × `height` pixels: pdftoppm renders it at 4× (at 1:1 poppler smooths image edges by
 * part of a pixel) and the centre of each source pixel is read back as a bit (1 = white), packed
 * like src/scan/pages/bilevel.ts. An independent decoder for the bilevel tests.
 */
export function renderPdfBits(pdf: Uint8Array, width: number, height: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-bits-'));
  try {
    writeFileSync(join(dir, 'page.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '288', '-gray', '-singlefile', join(dir, 'page.pdf'), join(dir, 'out')]);
    const pgm = readFileSync(join(dir, 'out.pgm'));
    // P5 header: "P5\n<width> <height>\n255\n", then one byte per pixel.
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
    if (header === null || Number(header[1]) !== width * 4 || Number(header[2]) !== height * 4) {
      throw new Error(`pdftoppm drew ${header?.[1]} × ${header?.[2]}, expected ${width * 4} × ${height * 4}`);
    }
    const pixels = pgm.subarray(header[0].length);
    const stride = rowBytes(width);
    const out = new Uint8Array(stride * height).fill(0xff);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (pixels[(4 * y + 2) * width * 4 + 4 * x + 2]! < 128) out[y * stride + (x >> 3)]! &= ~(0x80 >> (x & 7));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
