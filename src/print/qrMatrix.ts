/**
 * QR module matrix for printing, from @zxing/library's encoder (the same library the kiosk already
 * ships for scanning, so no second QR dependency).
 *
 * Guarantees:
 * - `size` is the number of modules per side, WITHOUT quiet zone: the caller draws the quiet zone.
 * - `isDark(x, y)` is false outside 0..size-1, so callers may probe the quiet zone safely.
 * - Pure ASCII text is encoded without an ECI header (widest reader support); any other text is
 *   encoded as UTF-8 bytes WITH a UTF-8 ECI header, so readers do not guess ISO-8859-1 or Shift_JIS
 *   for Vietnamese.
 * - Throws (zxing WriterException) when the text does not fit any QR version at that level.
 */
import { EncodeHintType, QRCodeDecoderErrorCorrectionLevel, QRCodeEncoder } from '@zxing/library';
import { encodeQrBytes } from './qrEncode';

/**
 * Which encoder makes the matrix: 'direct' (qrEncode.ts, the default) for the text zxing would
 * encode as plain byte mode, zxing for any other text; 'zxing' always zxing (the reference, and
 * the bench's peer). Both give the same matrix for the same text.
 */
export type QrEngine = 'direct' | 'zxing';

export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';

export interface QrMatrix {
  /** Modules per side, quiet zone excluded. */
  readonly size: number;
  isDark(x: number, y: number): boolean;
}

const EC_LEVELS: Readonly<Record<QrErrorCorrection, QRCodeDecoderErrorCorrectionLevel>> = {
  L: QRCodeDecoderErrorCorrectionLevel.L,
  M: QRCodeDecoderErrorCorrectionLevel.M,
  Q: QRCodeDecoderErrorCorrectionLevel.Q,
  H: QRCodeDecoderErrorCorrectionLevel.H,
};

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** QR's alphanumeric set (digits, A–Z, space, $ % * + - . / :): zxing picks another mode for text made only of these. */
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

/** Text zxing encodes as one byte-mode segment without an ECI header: ASCII, not only alphanumeric characters. */
export function isPlainByteText(text: string): boolean {
  return isAscii(text) && !ALPHANUMERIC.test(text);
}

export function qrMatrix(text: string, ecLevel: QrErrorCorrection = 'M', engine: QrEngine = 'direct'): QrMatrix {
  let size: number;
  let dark: Uint8Array;
  if (engine === 'direct' && isPlainByteText(text)) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    ({ size, modules: dark } = encodeQrBytes(bytes, EC_LEVELS[ecLevel]));
  } else {
    // zxing's encode() takes a Map<EncodeHintType, any>; the value for CHARACTER_SET is a name string.
    const hints = new Map<EncodeHintType, unknown>();
    if (!isAscii(text)) hints.set(EncodeHintType.CHARACTER_SET, 'UTF-8');
    const code = QRCodeEncoder.encode(text, EC_LEVELS[ecLevel], hints.size > 0 ? hints : undefined);
    const matrix = code.getMatrix();
    size = matrix.getWidth();
    // Copy into a flat array once: ByteMatrix.get() holds -1 for "unset", and we want a plain boolean.
    dark = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) dark[y * size + x] = matrix.get(x, y) === 1 ? 1 : 0;
    }
  }
  return {
    size,
    isDark(x: number, y: number): boolean {
      if (x < 0 || y < 0 || x >= size || y >= size) return false;
      return dark[y * size + x] === 1;
    },
  };
}
