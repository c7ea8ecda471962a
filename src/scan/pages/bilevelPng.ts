import { rowBytes } from './bilevel';

/**
 * A bilevel page as a 1-bit grayscale PNG (the bytes a bilevel CapturedPage carries), and the way
 * back to the parts a PDF needs.
 *
 * Why a PNG: a browser decodes it (thumbnails, previews, any viewer), and its IDAT data — a zlib
 * stream of rows each led by a filter byte — is exactly what a PDF FlateDecode image with
 * `/Predictor 15` reads, so the document PDF embeds the page's bytes as they are, with no decode
 * and no re-encode at "save" (pdf-lib's own embedPng would expand it to 8-bit RGB).
 *
 * Guarantees: `encodeBilevelPng` writes signature, IHDR (bit depth 1, colour type 0 = gray, no
 * interlace), one IDAT, IEND, every CRC right; rows use filter 0 (None) — measured against "Up",
 * see src/scan/README.md. `readBilevelPng` accepts only that shape (any number of IDAT chunks),
 * checks every CRC, and throws a RangeError otherwise.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** zlib (RFC 1950) deflate with the platform's CompressionStream (Chromium and Node ≥ 18). */
export async function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export type PngRowFilter = 'none' | 'up';

/** Packed rows → the filtered scanlines a PNG deflates (a filter-type byte before each row). */
export function pngScanlines(bits: Uint8Array, width: number, height: number, filter: PngRowFilter = 'none'): Uint8Array {
  const stride = rowBytes(width);
  const out = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const src = y * stride;
    const dst = y * (stride + 1);
    if (filter === 'up' && y > 0) {
      out[dst] = 2;
      for (let i = 0; i < stride; i++) out[dst + 1 + i] = (bits[src + i]! - bits[src - stride + i]!) & 0xff;
    } else {
      out.set(bits.subarray(src, src + stride), dst + 1);
    }
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Packed bits (bilevel.ts layout) → a 1-bit grayscale PNG. */
export async function encodeBilevelPng(bits: Uint8Array, width: number, height: number, filter: PngRowFilter = 'none'): Promise<Uint8Array> {
  if (bits.length !== rowBytes(width) * height) throw new RangeError(`expected ${rowBytes(width) * height} bytes of rows, got ${bits.length}`);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([1, 0, 0, 0, 0], 8);
  const idat = await zlibDeflate(pngScanlines(bits, width, height, filter));
  const parts = [new Uint8Array(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface BilevelPngParts {
  readonly width: number;
  readonly height: number;
  /** The IDAT chunks' data joined: a zlib stream of PNG-filtered 1-bit rows. */
  readonly zlibRows: Uint8Array;
}

/** A 1-bit grayscale, non-interlaced PNG → its size and its zlib row data. */
export function readBilevelPng(png: Uint8Array): BilevelPngParts {
  if (png.length < 8 + 25 + 12 || SIGNATURE.some((b, i) => png[i] !== b)) throw new RangeError('not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    const end = at + 8 + length;
    if (end + 4 > png.length) throw new RangeError(`PNG chunk ${type} runs past the end`);
    if (crc32(png, at + 4, end) !== view.getUint32(end)) throw new RangeError(`PNG chunk ${type} has a wrong CRC`);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colour, compression, filter, interlace] = png.subarray(at + 16, at + 21);
      if (length !== 13 || depth !== 1 || colour !== 0 || compression !== 0 || filter !== 0 || interlace !== 0) {
        throw new RangeError('not a 1-bit grayscale non-interlaced PNG');
      }
    } else if (type === 'IDAT') {
      idat.push(png.subarray(at + 8, end));
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    at = end + 4;
  }
  if (width < 1 || height < 1 || idat.length === 0 || !ended) throw new RangeError('PNG without IHDR, IDAT or IEND');
  const zlibRows = idat.length === 1 ? idat[0]! : new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  if (idat.length > 1) {
    let o = 0;
    for (const c of idat) {
      zlibRows.set(c, o);
      o += c.length;
    }
  }
  return { width, height, zlibRows };
}
