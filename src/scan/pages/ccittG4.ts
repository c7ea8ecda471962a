import { rowBytes } from './bilevel';

/**
 * CCITT Group 4 (ITU-T T.6) encoding of packed bilevel rows, for a PDF image with
 * `/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns w /Rows h >>` (BlackIs1 false: the
 * decoded 0 bits are black, as in bilevel.ts).
 *
 * Guarantees: every row is coded against the row above (the first against an imaginary white
 * row) with pass, vertical (|a1 − b1| ≤ 3) and horizontal modes; runs of any length use the T.4
 * make-up codes (extended ones above 1728, repeated above 2560); the data ends with EOFB (two
 * EOLs) padded with 0 bits to a byte. No EOLs between rows, no byte alignment of rows. The tables
 * below are T.4's (tables 2 and 3), as bit strings; a test decodes every run length 0–2,600 of
 * both colours back through poppler.
 */

// prettier-ignore
const WHITE_TERMINATING = [
  '00110101', '000111', '0111', '1000', '1011', '1100', '1110', '1111', '10011', '10100', '00111', '01000', '001000', '000011', '110100', '110101',
  '101010', '101011', '0100111', '0001100', '0001000', '0010111', '0000011', '0000100', '0101000', '0101011', '0010011', '0100100', '0011000', '00000010', '00000011', '00011010',
  '00011011', '00010010', '00010011', '00010100', '00010101', '00010110', '00010111', '00101000', '00101001', '00101010', '00101011', '00101100', '00101101', '00000100', '00000101', '00001010',
  '00001011', '01010010', '01010011', '01010100', '01010101', '00100100', '00100101', '01011000', '01011001', '01011010', '01011011', '01001010', '01001011', '00110010', '00110011', '00110100',
];
// prettier-ignore
const BLACK_TERMINATING = [
  '0000110111', '010', '11', '10', '011', '0011', '0010', '00011', '000101', '000100', '0000100', '0000101', '0000111', '00000100', '00000111', '000011000',
  '0000010111', '0000011000', '0000001000', '00001100111', '00001101000', '00001101100', '00000110111', '00000101000', '00000010111', '00000011000', '000011001010', '000011001011', '000011001100', '000011001101', '000001101000', '000001101001',
  '000001101010', '000001101011', '000011010010', '000011010011', '000011010100', '000011010101', '000011010110', '000011010111', '000001101100', '000001101101', '000011011010', '000011011011', '000001010100', '000001010101', '000001010110', '000001010111',
  '000001100100', '000001100101', '000001010010', '000001010011', '000000100100', '000000110111', '000000111000', '000000100111', '000000101000', '000001011000', '000001011001', '000000101011', '000000101100', '000001011010', '000001100110', '000001100111',
];
/** Make-up codes for 64, 128, … 1728. */
// prettier-ignore
const WHITE_MAKEUP = [
  '11011', '10010', '010111', '0110111', '00110110', '00110111', '01100100', '01100101', '01101000', '01100111', '011001100', '011001101', '011010010', '011010011',
  '011010100', '011010101', '011010110', '011010111', '011011000', '011011001', '011011010', '011011011', '010011000', '010011001', '010011010', '011000', '010011011',
];
// prettier-ignore
const BLACK_MAKEUP = [
  '0000001111', '000011001000', '000011001001', '000001011011', '000000110011', '000000110100', '000000110101', '0000001101100', '0000001101101', '0000001001010', '0000001001011', '0000001001100', '0000001001101', '0000001110010',
  '0000001110011', '0000001110100', '0000001110101', '0000001110110', '0000001110111', '0000001010010', '0000001010011', '0000001010100', '0000001010101', '0000001011010', '0000001011011', '0000001100100', '0000001100101',
];
/** Extended make-up codes for 1792, 1856, … 2560, shared by both colours. */
// prettier-ignore
const EXTENDED_MAKEUP = [
  '00000001000', '00000001100', '00000001101', '000000010010', '000000010011', '000000010100', '000000010101', '000000010110', '000000010111', '000000011100', '000000011101', '000000011110', '000000011111',
];
const PASS = '0001';
const HORIZONTAL = '001';
/** Vertical modes by a1 − b1 = −3 … +3. */
const VERTICAL = ['0000010', '000010', '010', '1', '011', '000011', '0000011'] as const;
const EOL = '000000000001';

/** The code tables, for the test that checks each colour's set is prefix-free. */
export const G4_TABLES = { WHITE_TERMINATING, BLACK_TERMINATING, WHITE_MAKEUP, BLACK_MAKEUP, EXTENDED_MAKEUP, PASS, HORIZONTAL, VERTICAL, EOL } as const;

interface Code {
  readonly bits: number;
  readonly length: number;
}

function code(text: string): Code {
  return { bits: parseInt(text, 2), length: text.length };
}

const WHITE_T = WHITE_TERMINATING.map(code);
const BLACK_T = BLACK_TERMINATING.map(code);
const WHITE_M = WHITE_MAKEUP.map(code);
const BLACK_M = BLACK_MAKEUP.map(code);
const EXT_M = EXTENDED_MAKEUP.map(code);
const PASS_C = code(PASS);
const HORIZONTAL_C = code(HORIZONTAL);
const VERTICAL_C = VERTICAL.map(code);
const EOL_C = code(EOL);

class BitWriter {
  private buffer: Uint8Array;
  /** Bits not yet written out (fewer than 8 between calls), the newest in the low end. */
  private pending = 0;
  private used = 0;
  private at = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(Math.max(1024, capacity));
  }

  write(c: Code): void {
    // Codes are at most 13 bits, so pending stays below 2^21: plain 32-bit integer arithmetic.
    this.pending = (this.pending << c.length) | c.bits;
    this.used += c.length;
    while (this.used >= 8) {
      this.used -= 8;
      if (this.at === this.buffer.length) {
        const grown = new Uint8Array(this.buffer.length * 2);
        grown.set(this.buffer);
        this.buffer = grown;
      }
      this.buffer[this.at++] = (this.pending >>> this.used) & 0xff;
    }
    this.pending &= (1 << this.used) - 1;
  }

  finish(): Uint8Array {
    if (this.used > 0) this.write({ bits: 0, length: 8 - this.used });
    return this.buffer.slice(0, this.at);
  }
}

function writeRun(out: BitWriter, run: number, white: boolean): void {
  let left = run;
  while (left > 2560) {
    out.write(EXT_M[EXT_M.length - 1]!);
    left -= 2560;
  }
  if (left >= 1792) {
    out.write(EXT_M[(left >> 6) - 28]!);
    left &= 63;
  } else if (left >= 64) {
    out.write((white ? WHITE_M : BLACK_M)[(left >> 6) - 1]!);
    left &= 63;
  }
  out.write((white ? WHITE_T : BLACK_T)[left]!);
}

/**
 * Positions where the colour changes along a row (the first one is always to black, from an
 * imaginary white pixel before the row), then `width` twice as sentinels. Returns the count.
 */
function changes(bits: Uint8Array, rowStart: number, width: number, out: Int32Array): number {
  let n = 0;
  let white = 1;
  for (let x = 0; x < width; x++) {
    const byte = bits[rowStart + (x >> 3)]!;
    // Whole bytes of the current colour are skipped at once.
    if ((x & 7) === 0 && x + 8 <= width && byte === (white ? 0xff : 0x00)) {
      x += 7;
      continue;
    }
    const bit = (byte >> (7 - (x & 7))) & 1;
    if (bit !== white) {
      out[n++] = x;
      white = bit;
    }
  }
  out[n] = width;
  out[n + 1] = width;
  return n;
}

/** Packed rows (bilevel.ts layout: 1 = white) → CCITT G4 data. */
export function encodeG4(bits: Uint8Array, width: number, height: number): Uint8Array {
  const stride = rowBytes(width);
  if (bits.length !== stride * height) throw new RangeError(`expected ${stride * height} bytes of rows, got ${bits.length}`);
  const out = new BitWriter(bits.length >> 3);
  let reference = new Int32Array(width + 2);
  let coding = new Int32Array(width + 2);
  reference[0] = width;
  reference[1] = width;
  for (let y = 0; y < height; y++) {
    changes(bits, y * stride, width, coding);
    let a0 = -1;
    let white = true;
    // Index into `reference` of the first change > a0 (b1 candidates), kept moving forward.
    let r = 0;
    // Index into `coding` of a1.
    let c = 0;
    while (a0 < width) {
      // b1: first change on the reference row right of a0 whose new colour is the opposite of a0's,
      // i.e. to black (even index) when coding white, to white (odd index) when coding black. `r`
      // (first change right of a0) only moves forward; the colour step is not kept, since after a
      // vertical mode the colour flips and the change it skipped may be b1.
      while (reference[r]! <= a0 && reference[r]! < width) r++;
      const b = r % 2 === (white ? 1 : 0) ? r + 1 : r;
      const b1 = reference[b]!;
      const b2 = b1 < width ? reference[b + 1]! : width;
      while (coding[c]! <= a0 && coding[c]! < width) c++;
      const a1 = coding[c]!;
      if (b2 < a1) {
        out.write(PASS_C);
        a0 = b2;
        continue;
      }
      const d = a1 - b1;
      if (d >= -3 && d <= 3) {
        out.write(VERTICAL_C[d + 3]!);
        a0 = a1;
        white = !white;
        continue;
      }
      const a2 = a1 < width ? coding[c + 1]! : width;
      out.write(HORIZONTAL_C);
      writeRun(out, a1 - Math.max(0, a0), white);
      writeRun(out, a2 - a1, !white);
      a0 = a2;
    }
    [reference, coding] = [coding, reference];
  }
  out.write(EOL_C);
  out.write(EOL_C);
  return out.finish();
}

/** True when the data ends with EOFB (two EOLs) and at most 7 bits of 0 padding, as encodeG4 ends it. */
export function endsWithEofb(data: Uint8Array): boolean {
  if (data.length < 3) return false;
  // The last 32 bits (or fewer), without the padding: 0…0 1 0…0 1 (11 zeros before each 1).
  let tail = 0;
  const take = Math.min(4, data.length);
  for (let i = data.length - take; i < data.length; i++) tail = tail * 256 + data[i]!;
  let bits = take * 8;
  let padding = 0;
  while (padding < 8 && tail % 2 === 0) {
    tail /= 2;
    bits--;
    padding++;
  }
  // 24 bits: 000000000001 000000000001 = 0x001001.
  return padding < 8 && bits >= 24 && tail % 0x1000000 === 0x001001;
}
