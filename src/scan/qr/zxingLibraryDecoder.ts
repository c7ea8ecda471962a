/**
 * QR decoding with @zxing/library 0.21.3 (a TypeScript port of ZXing Java), kept as the peer engine.
 *
 * Guarantees: CHARACTER_SET is UTF-8, so codes without an ECI header (chip cards) are never decoded
 * as ISO-8859-1 or Shift_JIS; TRY_HARDER is on; a frame without a readable QR code gives null (the
 * library's NotFound/Checksum/Format exceptions are not errors here).
 */
import {
  BinaryBitmap,
  ChecksumException,
  DecodeHintType,
  FormatException,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  NotFoundException,
  QRCodeReader,
  RGBLuminanceSource,
} from '@zxing/library';
import { lumaOf, type QrDecoder, type RgbaFrame } from './QrDecoder';

export interface ZxingLibraryOptions {
  /** 'hybrid' (local thresholds, the library's own choice for 2D codes) or 'global-histogram'. */
  readonly binarizer?: 'hybrid' | 'global-histogram';
  /** Halve the frame (2×2 average) while it is wider than this. Default: no downscale. */
  readonly maxWidth?: number;
}

/** 2×2 box average of a luma plane. */
function halve(luma: Uint8ClampedArray, width: number, height: number): { luma: Uint8ClampedArray; width: number; height: number } {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) {
    const a = 2 * y * width;
    const b = a + width;
    for (let x = 0; x < w; x++) out[y * w + x] = (luma[a + 2 * x]! + luma[a + 2 * x + 1]! + luma[b + 2 * x]! + luma[b + 2 * x + 1]! + 2) >> 2;
  }
  return { luma: out, width: w, height: h };
}

export function createZxingLibraryDecoder(options: ZxingLibraryOptions = {}): QrDecoder {
  const reader = new QRCodeReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.CHARACTER_SET, 'UTF-8'],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  const maxWidth = options.maxWidth ?? Number.POSITIVE_INFINITY;
  let disposed = false;
  return {
    engine: 'zxing-library',
    decode(frame: RgbaFrame) {
      if (disposed) return Promise.resolve(null);
      let plane = { luma: lumaOf(frame), width: frame.width, height: frame.height };
      while (plane.width > maxWidth) plane = halve(plane.luma, plane.width, plane.height);
      const source = new RGBLuminanceSource(plane.luma, plane.width, plane.height);
      const binarizer = options.binarizer === 'global-histogram' ? new GlobalHistogramBinarizer(source) : new HybridBinarizer(source);
      try {
        return Promise.resolve(reader.decode(new BinaryBitmap(binarizer), hints).getText());
      } catch (e) {
        if (e instanceof NotFoundException || e instanceof ChecksumException || e instanceof FormatException) return Promise.resolve(null);
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      } finally {
        reader.reset();
      }
    },
    dispose() {
      disposed = true;
    },
  };
}
