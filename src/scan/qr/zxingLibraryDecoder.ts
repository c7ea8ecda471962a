/**
 * QR decoding with @zxing/library 0.21.3 (a TypeScript port of ZXing Java), kept as the peer engine.
 *
 * Guarantees: CHARACTER_SET is UTF-8, so codes without an ECI header (chip cards) keep their
 * diacritics instead of being guessed as ISO-8859-1 or Shift_JIS; TRY_HARDER is on; a frame without a
 * readable QR code gives null (the library's NotFound/Checksum/Format exceptions are not errors here).
 */
import {
  BinaryBitmap,
  ChecksumException,
  DecodeHintType,
  FormatException,
  HybridBinarizer,
  NotFoundException,
  QRCodeReader,
  RGBLuminanceSource,
} from '@zxing/library';
import { lumaOf, type QrDecoder, type RgbaFrame } from './QrDecoder';

export function createZxingLibraryDecoder(): QrDecoder {
  const reader = new QRCodeReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.CHARACTER_SET, 'UTF-8'],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  let disposed = false;
  return {
    engine: 'zxing-library',
    decode(frame: RgbaFrame) {
      if (disposed) return Promise.resolve(null);
      const source = new RGBLuminanceSource(lumaOf(frame), frame.width, frame.height);
      try {
        return Promise.resolve(reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText());
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
