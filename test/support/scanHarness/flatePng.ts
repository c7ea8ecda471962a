import { rowBytes } from '../../../src/scan/pages/bilevel';

/**
 * The bilevel encoding the kiosk measured against CCITT G4 and did not keep (src/scan/README.md,
 * "Bilevel pages"): a 1-bit grayscale PNG, deflated with the platform's CompressionStream, whose
 * IDAT a PDF could embed as FlateDecode with `/Predictor 15`. Kept here so the harness's probe
 * (bilevelProbe) can measure the two side by side on the same bits.
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
