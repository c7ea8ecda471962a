import { seededRandom } from './seededRandom';

/**
 * RGBA page rasters for Node tests of src/scan/pages (no canvas): off-white paper with sensor
 * noise and rows of glyph-like strokes with soft (anti-aliased) edges, optionally a gray photo
 * block, a red stamp ring or a speck of blue ink. Small (≈ 1/4 of A4 at 200 dpi) so a test stays fast.
 */
export interface RasterPage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export interface RasterOptions {
  readonly seed?: number;
  readonly width?: number;
  readonly height?: number;
  /** Draw text lines (default true). */
  readonly text?: boolean;
  readonly grayPhoto?: boolean;
  readonly redStamp?: boolean;
  /** A 3 × 3 px blue dot: one stray coloured tile (dust, a pen tick). */
  readonly blueSpeck?: boolean;
}

function blend(data: Uint8ClampedArray, width: number, x: number, y: number, rgb: readonly [number, number, number], alpha: number): void {
  const i = (y * width + x) * 4;
  data[i] = data[i]! * (1 - alpha) + rgb[0] * alpha;
  data[i + 1] = data[i + 1]! * (1 - alpha) + rgb[1] * alpha;
  data[i + 2] = data[i + 2]! * (1 - alpha) + rgb[2] * alpha;
}

export function rasterPage(options: RasterOptions = {}): RasterPage {
  const width = options.width ?? 420;
  const height = options.height ?? 600;
  const random = seededRandom(options.seed ?? 1);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    const n = (random() - 0.5) * 10;
    data[i] = 248 + n;
    data[i + 1] = 246 + n;
    data[i + 2] = 240 + n;
    data[i + 3] = 255;
  }
  const ink: [number, number, number] = [20, 20, 20];
  if (options.text !== false) {
    // Lines 28 px apart; "glyphs" are 3 px vertical stems 10–18 px high with 1 px half-covered edges.
    for (let top = 40; top + 20 < height - 40; top += 28) {
      let x = 30;
      while (x < width - 40) {
        const glyphHeight = 10 + Math.floor(random() * 9);
        for (let y = top + 18 - glyphHeight; y < top + 18; y++) {
          blend(data, width, x, y, ink, 0.5);
          for (let dx = 1; dx <= 3; dx++) blend(data, width, x + dx, y, ink, 1);
          blend(data, width, x + 4, y, ink, 0.5);
        }
        x += 7 + Math.floor(random() * 4) + (random() < 0.15 ? 10 : 0);
      }
    }
  }
  if (options.grayPhoto === true) {
    // A smooth gray gradient block (a photocopied ID photo), 96 × 128 px.
    for (let y = 200; y < 328; y++) for (let x = 280; x < 376; x++) blend(data, width, x, y, [60 + (x - 280), 60 + (x - 280), 60 + (x - 280)], 1);
  }
  if (options.redStamp === true) {
    // A red ring 5 px thick, radius 50, over the text.
    const cx = 120;
    const cy = 420;
    for (let y = cy - 56; y <= cy + 56; y++) {
      for (let x = cx - 56; x <= cx + 56; x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d >= 48 && d <= 53) blend(data, width, x, y, [200, 20, 30], 0.85);
      }
    }
  }
  if (options.blueSpeck === true) for (let y = 100; y < 103; y++) for (let x = 100; x < 103; x++) blend(data, width, x, y, [30, 40, 200], 1);
  return { width, height, data };
}
