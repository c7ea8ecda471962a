/**
 * Bilevel (1 bit per pixel) rasters: thresholding luminance into packed rows, and a gray preview
 * of packed rows for the page strip. Pure typed-array code (workers, Node tests).
 *
 * Layout (the one PNG and PDF share): rows top to bottom, each `rowBytes(width)` bytes, pixels
 * left to right from the most significant bit; 1 = white (paper), 0 = black (ink), as in a 1-bit
 * DeviceGray PDF image and a 1-bit grayscale PNG. The unused bits at the end of a row are 1.
 */

export function rowBytes(width: number): number {
  return (width + 7) >> 3;
}

/** Luminance → packed bits: ≤ threshold is ink (0), above is paper (1). */
export function packBits(luminance: Uint8Array, width: number, height: number, threshold: number): Uint8Array {
  const stride = rowBytes(width);
  const out = new Uint8Array(stride * height);
  const whole = width >> 3;
  for (let y = 0; y < height; y++) {
    const src = y * width;
    const dst = y * stride;
    for (let bx = 0; bx < whole; bx++) {
      const s = src + (bx << 3);
      out[dst + bx] =
        (luminance[s]! > threshold ? 0x80 : 0) |
        (luminance[s + 1]! > threshold ? 0x40 : 0) |
        (luminance[s + 2]! > threshold ? 0x20 : 0) |
        (luminance[s + 3]! > threshold ? 0x10 : 0) |
        (luminance[s + 4]! > threshold ? 0x08 : 0) |
        (luminance[s + 5]! > threshold ? 0x04 : 0) |
        (luminance[s + 6]! > threshold ? 0x02 : 0) |
        (luminance[s + 7]! > threshold ? 0x01 : 0);
    }
    if (whole < stride) {
      let byte = 0xff;
      for (let x = whole << 3; x < width; x++) if (luminance[src + x]! <= threshold) byte &= ~(0x80 >> (x & 7));
      out[dst + whole] = byte;
    }
  }
  return out;
}

/** The bit of pixel (x, y): 1 = white, 0 = black. */
export function bitAt(bits: Uint8Array, width: number, x: number, y: number): 0 | 1 {
  return (bits[y * rowBytes(width) + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 1 : 0;
}

/**
 * A gray RGBA preview of packed bits at `outWidth × outHeight` (each output pixel the share of
 * white in its source block), so the page strip shows what will be stored, not the scan before
 * thresholding.
 */
export function bilevelPreview(bits: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8ClampedArray<ArrayBuffer> {
  const stride = rowBytes(width);
  const out = new Uint8ClampedArray(outWidth * outHeight * 4);
  const colStart = new Uint32Array(outWidth + 1);
  for (let ox = 0; ox <= outWidth; ox++) colStart[ox] = Math.floor((ox * width) / outWidth);
  const sums = new Uint32Array(outWidth);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = Math.floor((oy * height) / outHeight);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * height) / outHeight));
    sums.fill(0);
    for (let y = y0; y < y1; y++) {
      const row = y * stride;
      for (let ox = 0; ox < outWidth; ox++) {
        let white = 0;
        const x1 = Math.max(colStart[ox]! + 1, colStart[ox + 1]!);
        for (let x = colStart[ox]!; x < x1; x++) white += (bits[row + (x >> 3)]! >> (7 - (x & 7))) & 1;
        sums[ox] = sums[ox]! + white;
      }
    }
    for (let ox = 0; ox < outWidth; ox++) {
      const area = (y1 - y0) * Math.max(1, colStart[ox + 1]! - colStart[ox]!);
      const v = Math.round((sums[ox]! * 255) / area);
      const o = (oy * outWidth + ox) * 4;
      out[o] = out[o + 1] = out[o + 2] = v;
      out[o + 3] = 255;
    }
  }
  return out;
}
