import { QRCodeByteMatrix, type QRCodeDecoderErrorCorrectionLevel, QRCodeMaskUtil, QRCodeMatrixUtil, QRCodeVersion } from '@zxing/library';

/**
 * A QR encoder for byte-mode text, written for speed, that produces exactly the matrix
 * @zxing/library's `QRCodeEncoder.encode` produces for the same text and level (same version, same
 * codewords, same mask chosen by the same penalty rules): qrMatrix.ts uses it for the text zxing
 * would encode in byte mode without an ECI header (ASCII with at least one character outside
 * QR's alphanumeric set — every URL the kiosk prints), and zxing for everything else.
 *
 * Why: in a ticket render in Chromium, zxing's encoder was about 60 % of the time (a CPU profile
 * of 60 tickets, 2026-12-07): it builds a Reed–Solomon generator and polynomial objects for every
 * block and lays out and scores all eight masks through boxed two-dimensional arrays. Here the
 * field arithmetic uses log tables, the function patterns and the data placement order of a version
 * and which data bits each mask flips are computed once (with zxing's own MatrixUtil and MaskUtil,
 * so they cannot differ), and each mask is laid and scored in one flat byte array. The structure
 * tables (versions, blocks) are zxing's.
 *
 * Checked against zxing on random texts of every length up to version 40 (qrEncode.test.ts).
 */

const EMPTY = 255;

/** GF(256) with QR's polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator 2. */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

/** Generator polynomials by degree: coefficients of x^(degree-1) … x^0 (the leading 1 left out). */
const generators = new Map<number, Uint8Array>();
function generator(degree: number): Uint8Array {
  let g = generators.get(degree);
  if (g) return g;
  // ∏ (x + α^i), i = 0 … degree-1, highest power first, leading coefficient 1.
  let poly = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      const c = poly[j]!;
      next[j] = next[j]! ^ c;
      if (c !== 0) next[j + 1] = next[j + 1]! ^ EXP[LOG[c]! + i]!;
    }
    poly = next;
  }
  g = poly.subarray(1);
  generators.set(degree, g);
  return g;
}

/** The Reed–Solomon error correction codewords of one block. */
function ecBytes(data: Uint8Array, count: number): Uint8Array {
  const g = generator(count);
  const remainder = new Uint8Array(count);
  for (let i = 0; i < data.length; i++) {
    const factor = data[i]! ^ remainder[0]!;
    remainder.copyWithin(0, 1);
    remainder[count - 1] = 0;
    if (factor === 0) continue;
    const logFactor = LOG[factor]!;
    for (let j = 0; j < count; j++) {
      const c = g[j]!;
      if (c !== 0) remainder[j] = remainder[j]! ^ EXP[LOG[c]! + logFactor]!;
    }
  }
  return remainder;
}

/** A version's function patterns (EMPTY where data goes) and the order data bits fill it. */
interface Layout {
  readonly size: number;
  /** Per mask: the function patterns with that mask's format information. */
  readonly templates: Uint8Array[];
  /** Cell indexes (y * size + x) in the order the data bits are placed. */
  readonly order: Int32Array;
  /** Per mask, 1 at each cell of `order` (same index) whose data bit the mask flips. */
  readonly flips: Uint8Array[];
}

const layouts = new Map<string, Layout>();
function layoutFor(version: QRCodeVersion, level: QRCodeDecoderErrorCorrectionLevel): Layout {
  const key = `${version.getVersionNumber()}:${level.getBits()}`;
  let layout = layouts.get(key);
  if (layout) return layout;
  const size = version.getDimensionForVersion();
  const matrix = new QRCodeByteMatrix(size, size);
  const flat = (): Uint8Array => {
    const out = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = matrix.get(x, y);
    return out;
  };
  const templates: Uint8Array[] = [];
  for (let mask = 0; mask < 8; mask++) {
    QRCodeMatrixUtil.clearMatrix(matrix);
    QRCodeMatrixUtil.embedBasicPatterns(version, matrix);
    QRCodeMatrixUtil.embedTypeInfo(level, mask, matrix);
    QRCodeMatrixUtil.maybeEmbedVersionInfo(version, matrix);
    templates.push(flat());
  }
  // The zigzag of MatrixUtil.embedDataBits: column pairs from the right, up then down, skipping
  // the vertical timing column.
  const base = templates[0]!;
  const order: number[] = [];
  let direction = -1;
  let y = size - 1;
  for (let x = size - 1; x > 0; x -= 2) {
    if (x === 6) x -= 1;
    for (; y >= 0 && y < size; y += direction) {
      for (let i = 0; i < 2; i++) if (base[y * size + x - i] === EMPTY) order.push(y * size + x - i);
    }
    direction = -direction;
    y += direction;
  }
  const flips = templates.map((_, mask) =>
    Uint8Array.from(order, (cell) => (QRCodeMaskUtil.getDataMaskBit(mask, cell % size, Math.floor(cell / size)) ? 1 : 0)),
  );
  layout = { size, templates, order: Int32Array.from(order), flips };
  layouts.set(key, layout);
  return layout;
}

/**
 * Rules 1 and 3 of zxing's MaskUtil on each line of `a` (rows; the transposed matrix gives the
 * columns): a run of five or more like modules costs 3 + (run - 5); 1:1:3:1:1 dark-light-dark
 * with four light modules before or after it (outside the matrix counts as light) costs 40.
 */
function linePenalty(a: Uint8Array, size: number): number {
  let penalty = 0;
  for (let row = 0; row < a.length; row += size) {
    let run = 1;
    let previous = a[row]!;
    for (let x = 1; x < size; x++) {
      const v = a[row + x]!;
      if (v === previous) run++;
      else {
        if (run >= 5) penalty += run - 2;
        run = 1;
        previous = v;
      }
    }
    if (run >= 5) penalty += run - 2;
    // A window of 15 modules, x-4 … x+10, the oldest in bit 14.
    let w = 0;
    for (let k = 0; k <= 10; k++) w = (w << 1) | (k < size ? a[row + k]! : 0);
    for (let x = 0; x + 6 < size; x++) {
      if (((w >> 4) & 0x7f) === 0x5d && (((w >> 11) & 0xf) === 0 || (w & 0xf) === 0)) penalty += 40;
      w = ((w << 1) | (x + 11 < size ? a[row + x + 11]! : 0)) & 0x7fff;
    }
  }
  return penalty;
}

/** The four penalty rules of zxing's MaskUtil (JIS X 0510 table 21), on a flat 0/1 matrix; `t` is scratch. */
function penalty(m: Uint8Array, size: number, t: Uint8Array): number {
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) t[x * size + y] = m[y * size + x]!;
  let blocks = 0;
  let dark = 0;
  for (let y = 0; y < size - 1; y++) {
    for (let x = 0; x < size - 1; x++) {
      const at = y * size + x;
      const v = m[at]!;
      if (v === m[at + 1] && v === m[at + size] && v === m[at + size + 1]) blocks++;
    }
  }
  for (let i = 0; i < m.length; i++) dark += m[i]!;
  const total = size * size;
  const rule4 = Math.floor((Math.abs(dark * 2 - total) * 10) / total) * 10;
  return linePenalty(m, size) + linePenalty(t, size) + blocks * 3 + rule4;
}

/** Bits a byte-mode segment's character count takes at this version (QR Mode.BYTE). */
const countBits = (version: number): number => (version <= 9 ? 8 : 16);

/** Does zxing's Encoder.willFit accept this many bits at this version and level? (Its float division kept.) */
function fits(bits: number, version: QRCodeVersion, level: QRCodeDecoderErrorCorrectionLevel): boolean {
  const dataBytes = version.getTotalCodewords() - version.getECBlocksForLevel(level).getTotalECCodewords();
  return dataBytes >= (bits + 7) / 8;
}

function chooseVersion(bits: number, level: QRCodeDecoderErrorCorrectionLevel): QRCodeVersion {
  for (let n = 1; n <= 40; n++) {
    const version = QRCodeVersion.getVersionForNumber(n);
    if (fits(bits, version, level)) return version;
  }
  throw new Error('Data too big');
}

/**
 * The module matrix (row-major, 1 = dark, no quiet zone) of `bytes` encoded as one byte-mode
 * segment without ECI at `level`; the same as zxing's for the same bytes.
 */
export function encodeQrBytes(bytes: Uint8Array, level: QRCodeDecoderErrorCorrectionLevel): { size: number; modules: Uint8Array } {
  // zxing's recommendVersion: a guess with version 1's count field, then the version for that.
  const header = 4;
  const provisional = chooseVersion(header + countBits(1) + bytes.length * 8, level);
  const version = chooseVersion(header + countBits(provisional.getVersionNumber()) + bytes.length * 8, level);
  const ecBlocks = version.getECBlocksForLevel(level);
  const totalBytes = version.getTotalCodewords();
  const dataBytes = totalBytes - ecBlocks.getTotalECCodewords();

  // Mode, count, data, terminator (up to 4 zero bits), zero bits to a byte, then 0xEC 0x11 … .
  const data = new Uint8Array(dataBytes);
  let bitLength = 0;
  const put = (value: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) {
      if ((value >>> i) & 1) data[bitLength >> 3]! |= 0x80 >> (bitLength & 7);
      bitLength++;
    }
  };
  put(0b0100, 4);
  put(bytes.length, countBits(version.getVersionNumber()));
  for (const b of bytes) put(b, 8);
  const capacity = dataBytes * 8;
  if (bitLength > capacity) throw new Error('Data too big');
  bitLength = Math.min(capacity, bitLength + 4);
  bitLength = (bitLength + 7) & ~7;
  for (let i = 0, at = bitLength >> 3; at < dataBytes; i++, at++) data[at] = (i & 1) === 0 ? 0xec : 0x11;

  // Blocks (zxing's getNumDataBytesAndNumECBytesForBlockID), their EC codewords, interleaved.
  const blocks = ecBlocks.getNumBlocks();
  const group2 = totalBytes % blocks;
  const group1 = blocks - group2;
  const totalInGroup1 = Math.floor(totalBytes / blocks);
  const dataInGroup1 = Math.floor(dataBytes / blocks);
  const ecPerBlock = totalInGroup1 - dataInGroup1;
  const blockData: Uint8Array[] = [];
  const blockEc: Uint8Array[] = [];
  for (let b = 0, offset = 0; b < blocks; b++) {
    const n = b < group1 ? dataInGroup1 : dataInGroup1 + 1;
    const slice = data.subarray(offset, offset + n);
    blockData.push(slice);
    blockEc.push(ecBytes(slice, ecPerBlock));
    offset += n;
  }
  const codewords = new Uint8Array(totalBytes);
  let k = 0;
  for (let i = 0; i <= dataInGroup1; i++) for (const block of blockData) if (i < block.length) codewords[k++] = block[i]!;
  for (let i = 0; i < ecPerBlock; i++) for (const block of blockEc) codewords[k++] = block[i]!;

  // Every mask laid and scored; the first with the lowest penalty wins, as in zxing.
  const layout = layoutFor(version, level);
  const { size, order } = layout;
  const bits = new Uint8Array(order.length);
  for (let i = 0, n = Math.min(order.length, totalBytes * 8); i < n; i++) bits[i] = (codewords[i >> 3]! >> (7 - (i & 7))) & 1;
  const scratch = new Uint8Array(size * size);
  let best: Uint8Array | null = null;
  let bestPenalty = Number.MAX_SAFE_INTEGER;
  for (let mask = 0; mask < 8; mask++) {
    const m = layout.templates[mask]!.slice();
    const flips = layout.flips[mask]!;
    for (let i = 0; i < order.length; i++) m[order[i]!] = bits[i]! ^ flips[i]!;
    const score = penalty(m, size, scratch);
    if (score < bestPenalty) {
      bestPenalty = score;
      best = m;
    }
  }
  return { size, modules: best! };
}
