/**
 * Camera-like RGBA frames of a citizen ID card QR code, for the QR decoder tests and the `qr` bench.
 *
 * Guarantees:
 *  - deterministic: the same seed gives the same frames, byte for byte (seeded PRNG, no clock);
 *  - each frame says what a reader should find (`expected`: the payload, or null for frames without
 *    a QR code), and what was done to it (`conditions`), so a failure can be traced to a condition;
 *  - the QR is encoded like the chip cards' own: UTF-8 bytes in byte mode and, unless `eci` is asked
 *    for, WITHOUT an ECI header (a reader has to be told or guess that the bytes are UTF-8);
 *  - conditions cover what a counter camera sees: module size from small to large, rotation ±25°,
 *    mild perspective, defocus blur, a glare spot, sensor noise, low contrast, the card off-centre,
 *    and the card's own print (text lines) around the code.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EncodeHintType, QRCodeDecoderErrorCorrectionLevel, QRCodeEncoder } from '@zxing/library';
import { seededRandom } from './seededRandom';

/** Invented person and number (DOMAIN.md layout, ID digits agree with the date of birth and gender). */
export const CCCD_SAMPLE_PAYLOAD = '001195012345|012345678|Nguyễn Thị Thu Hằng|15081995|Nữ|Số 12 ngõ 34 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội|20042021';

/**
 * The payload of test/fixtures/cccd-qr.png and of the fake-camera y4m (test/support/y4m.ts): the
 * sample card. Its ID digits agree with its date of birth and gender, so parseCitizenIdQr accepts it.
 */
export const CCCD_FIXTURE_PAYLOAD = CCCD_SAMPLE_PAYLOAD;

export interface QrModules {
  /** Modules per side, quiet zone excluded. */
  readonly size: number;
  isDark(x: number, y: number): boolean;
}

/**
 * The QR of `text` as a chip card prints it: byte mode, UTF-8, level M. `eci: true` adds the UTF-8
 * ECI header (what src/print/qrMatrix writes for the kiosk's own receipts).
 */
export function cccdQrModules(text: string, options: { eci?: boolean; ecLevel?: 'L' | 'M' | 'Q' | 'H' } = {}): QrModules {
  const levels = {
    L: QRCodeDecoderErrorCorrectionLevel.L,
    M: QRCodeDecoderErrorCorrectionLevel.M,
    Q: QRCodeDecoderErrorCorrectionLevel.Q,
    H: QRCodeDecoderErrorCorrectionLevel.H,
  };
  // Without a CHARACTER_SET hint @zxing/library writes no ECI, and its StringEncoding always
  // produces UTF-8 bytes (TextEncoder): exactly "UTF-8 without ECI".
  const hints = new Map<EncodeHintType, unknown>();
  if (options.eci === true) hints.set(EncodeHintType.CHARACTER_SET, 'UTF-8');
  const code = QRCodeEncoder.encode(text, levels[options.ecLevel ?? 'M'], hints.size > 0 ? hints : undefined);
  const matrix = code.getMatrix();
  const size = matrix.getWidth();
  const dark = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) dark[y * size + x] = matrix.get(x, y) === 1 ? 1 : 0;
  return {
    size,
    isDark: (x, y) => x >= 0 && y >= 0 && x < size && y < size && dark[y * size + x] === 1,
  };
}

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export interface FrameConditions {
  /** Pixels per QR module along the code's top edge (before perspective). */
  readonly modulePx: number;
  readonly rotationDeg: number;
  /** 0 = square on; 0.1 = the far edge 10 % shorter than the near one. */
  readonly perspective: number;
  /** Box-blur radius in pixels (0 = sharp). */
  readonly blurPx: number;
  readonly glare: boolean;
  /** Standard deviation of the added sensor noise, in 8-bit levels. */
  readonly noise: number;
  readonly lowContrast: boolean;
  readonly offCentre: boolean;
  /** The UTF-8 ECI header is present. */
  readonly eci: boolean;
}

export interface QrFrame extends RgbaImage {
  /** What a correct reader returns: the payload, or null when the frame shows no QR code. */
  readonly expected: string | null;
  readonly conditions: FrameConditions | null;
  readonly label: string;
}

/** Gaussian-ish noise from the sum of uniforms (Irwin–Hall), mean 0, sd 1. */
function gauss(random: () => number): number {
  return random() + random() + random() + random() - 2;
}

/**
 * The 3×3 homography mapping the unit square's corners (0,0),(1,0),(1,1),(0,1) to `quad`, inverted,
 * so each output pixel can be mapped back into card coordinates (inverse warping, no holes).
 */
function squareToQuadInverse(quad: readonly (readonly [number, number])[]): (x: number, y: number) => [number, number] {
  const [p0, p1, p2, p3] = quad as [[number, number], [number, number], [number, number], [number, number]];
  const [x0, y0] = p0;
  const [x1, y1] = p1;
  const [x2, y2] = p2;
  const [x3, y3] = p3;
  // Heckbert's closed form for square → quad.
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / den;
  const h = (dx1 * sy - sx * dy1) / den;
  const a = x1 - x0 + g * x1;
  const b = x3 - x0 + h * x3;
  const c = x0;
  const d = y1 - y0 + g * y1;
  const e = y3 - y0 + h * y3;
  const f = y0;
  // Adjugate of [[a b c][d e f][g h 1]] = inverse up to scale.
  const A = e - f * h;
  const B = c * h - b;
  const C = b * f - c * e;
  const D = f * g - d;
  const E = a - c * g;
  const F = c * d - a * f;
  const G = d * h - e * g;
  const H = b * g - a * h;
  const I = a * e - b * d;
  return (x, y) => {
    const w = G * x + H * y + I;
    return [(A * x + B * y + C) / w, (D * x + E * y + F) / w];
  };
}

function boxBlur(lum: Float32Array, width: number, height: number, radius: number): void {
  if (radius <= 0) return;
  const r = Math.round(radius);
  const tmp = new Float32Array(lum.length);
  const n = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    let sum = 0;
    const row = y * width;
    for (let x = -r; x <= r; x++) sum += lum[row + Math.min(width - 1, Math.max(0, x))]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum / n;
      sum += lum[row + Math.min(width - 1, x + r + 1)]! - lum[row + Math.max(0, x - r)]!;
    }
  }
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let y = -r; y <= r; y++) sum += tmp[Math.min(height - 1, Math.max(0, y)) * width + x]!;
    for (let y = 0; y < height; y++) {
      lum[y * width + x] = sum / n;
      sum += tmp[Math.min(height - 1, y + r + 1) * width + x]! - tmp[Math.max(0, y - r) * width + x]!;
    }
  }
}

/** Card layout in module units, relative to the QR's top-left module. */
const QUIET = 4;
const CARD_LEFT_MODULES = 95; // the chip card's QR sits in its top-right corner
const CARD_BOTTOM_MODULES = 55;

export interface RenderOptions {
  readonly width: number;
  readonly height: number;
  readonly conditions: FrameConditions;
  readonly seed: number;
  /** Draw the QR (false: the card without its code, as a "nothing to read" frame). */
  readonly withQr?: boolean;
}

/** Renders the card with `modules` into a camera-like RGBA frame. */
export function renderQrFrame(modules: QrModules, options: RenderOptions): RgbaImage {
  const { width, height, conditions: c } = options;
  const random = seededRandom(options.seed);
  const withQr = options.withQr ?? true;
  const span = modules.size + 2 * QUIET; // QR plus quiet zone, in modules
  const sidePx = span * c.modulePx;
  const cx = width / 2 + (c.offCentre ? (random() < 0.5 ? -1 : 1) * (width / 2 - sidePx / 2) * 0.7 : (random() - 0.5) * width * 0.08);
  const cy = height / 2 + (c.offCentre ? (random() < 0.5 ? -1 : 1) * (height / 2 - sidePx / 2) * 0.6 : (random() - 0.5) * height * 0.08);
  const theta = (c.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Perspective: one edge (picked by the seed) shorter than the opposite one.
  const edge = Math.floor(random() * 4);
  const corners: [number, number][] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.5],
    [-0.5, 0.5],
  ];
  const shrink = (i: number, j: number): void => {
    const a = corners[i]!;
    const b = corners[j]!;
    const mx = (a[0] + b[0]) / 2;
    const my = (a[1] + b[1]) / 2;
    corners[i] = [mx + (a[0] - mx) * (1 - c.perspective), my + (a[1] - my) * (1 - c.perspective)];
    corners[j] = [mx + (b[0] - mx) * (1 - c.perspective), my + (b[1] - my) * (1 - c.perspective)];
  };
  if (edge === 0) shrink(0, 1);
  else if (edge === 1) shrink(1, 2);
  else if (edge === 2) shrink(2, 3);
  else shrink(3, 0);
  const quad = corners.map(([u, v]) => [cx + (u * cos - v * sin) * sidePx, cy + (u * sin + v * cos) * sidePx] as [number, number]);
  const toCard = squareToQuadInverse(quad);

  // Tones (linear 0..255 luminance); the card is a light, slightly warm print.
  const ink = c.lowContrast ? 105 : 28;
  const paper = c.lowContrast ? 170 : 226;
  const deskBase = 70 + random() * 60;
  // Text lines on the card, left of the QR (in module units, relative to the QR's top-left).
  const lines: { y0: number; y1: number; x0: number; x1: number }[] = [];
  for (let y = 2; y < CARD_BOTTOM_MODULES - 6; y += 6 + Math.floor(random() * 3)) {
    lines.push({ y0: y, y1: y + 2.2, x0: -CARD_LEFT_MODULES + 30 + random() * 6, x1: -QUIET - 3 - random() * 20 });
  }
  const sampleCard = (u: number, v: number): number => {
    // u, v in modules relative to the QR's top-left module.
    if (u < -CARD_LEFT_MODULES || u > modules.size + QUIET + 2 || v < -QUIET - 2 || v > CARD_BOTTOM_MODULES) return -1;
    if (withQr && u >= 0 && v >= 0 && u < modules.size && v < modules.size) return modules.isDark(Math.floor(u), Math.floor(v)) ? ink : paper;
    if (u >= -QUIET && v >= -QUIET && u < modules.size + QUIET && v < modules.size + QUIET) return paper;
    for (const l of lines) if (v >= l.y0 && v < l.y1 && u >= l.x0 && u < l.x1 && Math.floor(u * 1.7) % 3 !== 0) return ink + 20;
    return paper - 8 + 6 * Math.sin(u * 0.3) * Math.cos(v * 0.25);
  };

  const lum = new Float32Array(width * height);
  const offsets = [0.25, 0.75];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const oy of offsets) {
        for (const ox of offsets) {
          const [su, sv] = toCard(x + ox, y + oy); // unit square coordinates of the QR+quiet zone
          const value = sampleCard(su * span - QUIET, sv * span - QUIET);
          sum += value >= 0 ? value : deskBase + 25 * Math.sin(x * 0.013 + y * 0.007);
        }
      }
      lum[y * width + x] = sum / 4;
    }
  }
  boxBlur(lum, width, height, c.blurPx);
  // Vignetting (lenses of cheap cameras), glare spot, noise.
  const gx = quad[0]![0] + (quad[2]![0] - quad[0]![0]) * (0.3 + random() * 0.4);
  const gy = quad[0]![1] + (quad[2]![1] - quad[0]![1]) * (0.3 + random() * 0.4);
  const gr = sidePx * (0.18 + random() * 0.12);
  const data = new Uint8ClampedArray(width * height * 4);
  const maxR2 = (width / 2) ** 2 + (height / 2) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let l = lum[i]!;
      l *= 1 - 0.25 * (((x - width / 2) ** 2 + (y - height / 2) ** 2) / maxR2);
      if (c.glare) {
        const d2 = ((x - gx) ** 2 + (y - gy) ** 2) / (gr * gr);
        l += 150 * Math.exp(-d2);
      }
      if (c.noise > 0) l += gauss(random) * c.noise;
      // A faint colour cast, as white balance leaves it.
      data[i * 4] = l * 1.03 + 3;
      data[i * 4 + 1] = l;
      data[i * 4 + 2] = l * 0.94;
      data[i * 4 + 3] = 255;
    }
  }
  return { width, height, data };
}

export interface CorpusOptions {
  readonly width: number;
  readonly height: number;
  /** Frames with a QR code. */
  readonly count: number;
  /** Extra frames without any QR code. */
  readonly blanks?: number;
  readonly seed?: number;
  readonly payload?: string;
}

/**
 * `count` frames with the QR under varied conditions plus `blanks` frames without one. Module size is
 * spread evenly from small (~2.5 px on 640×480, ~3 px on 1280×720: the card held far away) to large
 * (the code filling most of the height); the other conditions are drawn from the seed.
 */
export function qrCorpus(options: CorpusOptions): QrFrame[] {
  const { width, height, count } = options;
  const seed = options.seed ?? 4_2026;
  const payload = options.payload ?? CCCD_SAMPLE_PAYLOAD;
  const random = seededRandom(seed ^ (width * 7919 + height));
  const plain = cccdQrModules(payload);
  const withEci = cccdQrModules(payload, { eci: true });
  const frames: QrFrame[] = [];
  const minModule = width >= 1280 ? 3 : 2.5;
  const maxModule = (0.8 * height) / (plain.size + 2 * QUIET);
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0.5 : i / (count - 1);
    const eci = i % 5 === 4;
    const modules = eci ? withEci : plain;
    const conditions: FrameConditions = {
      modulePx: Math.round((minModule + (maxModule - minModule) * t) * 100) / 100,
      rotationDeg: Math.round((random() * 50 - 25) * 10) / 10,
      perspective: Math.round(random() * 0.12 * 100) / 100,
      blurPx: random() < 0.3 ? 1 : 0,
      glare: random() < 0.25,
      noise: Math.round(2 + random() * 6),
      lowContrast: random() < 0.2,
      offCentre: random() < 0.3,
      eci,
    };
    const frame = renderQrFrame(modules, { width, height, conditions, seed: seed + i });
    frames.push({ ...frame, expected: payload, conditions, label: `${width}x${height}#${i} ${describe(conditions)}` });
  }
  for (let i = 0; i < (options.blanks ?? 0); i++) {
    const conditions: FrameConditions = {
      modulePx: minModule + random() * (maxModule - minModule),
      rotationDeg: random() * 50 - 25,
      perspective: random() * 0.12,
      blurPx: 0,
      glare: random() < 0.3,
      noise: 4,
      lowContrast: false,
      offCentre: false,
      eci: false,
    };
    const frame = renderQrFrame(plain, { width, height, conditions, seed: seed + 10_000 + i, withQr: false });
    frames.push({ ...frame, expected: null, conditions: null, label: `${width}x${height}#blank${i}` });
  }
  return frames;
}

function describe(c: FrameConditions): string {
  const parts = [`${c.modulePx}px/module`, `${c.rotationDeg}°`];
  if (c.perspective > 0) parts.push(`persp ${c.perspective}`);
  if (c.blurPx > 0) parts.push(`blur ${c.blurPx}`);
  if (c.glare) parts.push('glare');
  if (c.lowContrast) parts.push('low contrast');
  if (c.offCentre) parts.push('off-centre');
  if (c.eci) parts.push('ECI');
  return parts.join(', ');
}

/** A plain frame: one sharp, upright QR in the middle, good light. */
export function cleanQrFrame(width: number, height: number, payload = CCCD_SAMPLE_PAYLOAD, eci = false): RgbaImage {
  const modules = cccdQrModules(payload, { eci });
  return renderQrFrame(modules, {
    width,
    height,
    seed: 1,
    conditions: {
      modulePx: Math.min(6, (0.7 * height) / (modules.size + 8)),
      rotationDeg: 0,
      perspective: 0,
      blurPx: 0,
      glare: false,
      noise: 2,
      lowContrast: false,
      offCentre: false,
      eci,
    },
  });
}

/** An even grey frame with noise: nothing to find. */
export function blankFrame(width: number, height: number, seed = 7): RgbaImage {
  const random = seededRandom(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const l = 128 + gauss(random) * 6;
    data[i * 4] = l;
    data[i * 4 + 1] = l;
    data[i * 4 + 2] = l;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/**
 * The zxing-wasm reader's .wasm bytes from node_modules, for Node (tests, bench): handed to the
 * decoder so it never fetches the file (its default is a CDN).
 */
export function zxingReaderWasmBytes(): Uint8Array<ArrayBuffer> {
  const require = createRequire(import.meta.url);
  return new Uint8Array(readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')));
}
