/**
 * What kind of page a raster is — text only, with gray tones (a photo, shading), or with colour (a
 * stamp, a coloured signature or photo) — and its luminance, from one pass over RGBA pixels.
 * Pure: typed arrays in, values out (runs on the compression workers and in Node tests).
 *
 * Guarantees:
 * - `text` only when bilevel loses nothing a reader needs: no tile (32 px, 4 mm at 200 dpi) with
 *   colour, no tile mostly in mid-gray tones, and a clear gap between ink and paper. When in doubt
 *   the answer is `gray` or `color`, i.e. a JPEG page: a wrong `text` would drop a stamp or a photo,
 *   a wrong `gray` only costs bytes.
 * - `color` when colour tiles are found (a red stamp, blue ink), else `gray` for tones.
 * - `threshold` is Otsu's on the luminance histogram (BT.601, the same weights as gray pages):
 *   a text-only page has two levels, ink and paper, so one global threshold separates them; pages
 *   whose lighting varies (camera) are auto-levelled before this runs.
 */

export type PageKind = 'text' | 'gray' | 'color';

export interface PageAnalysis {
  readonly kind: PageKind;
  /** BT.601 luminance, one byte per pixel, row-major. */
  readonly luminance: Uint8Array;
  /** Luminance ≤ threshold is ink (black), above it paper (white). */
  readonly threshold: number;
  /** Mean luminance of the ink and of the paper either side of the threshold. */
  readonly inkLevel: number;
  readonly paperLevel: number;
  /** Tiles holding colour, tiles mostly in mid tones (see the constants below). */
  readonly colourTiles: number;
  readonly toneTiles: number;
}

/** Tile side in pixels: 4 mm at 200 dpi, smaller than a stamp's ring or an ID photo. */
export const TILE = 32;
/** A pixel whose channels differ by more than this is coloured (a red stamp differs by ≈ 150, gray paper noise by < 10). */
const COLOUR_SPREAD = 48;
/** A tile with at least this share of coloured pixels is a colour tile (a stamp's stroke crossing it gives ≈ 10–30 %). */
const COLOUR_TILE_SHARE = 0.02;
/** Mid tones: luminance this far (as a share of the ink–paper gap) from both ink and paper. */
const MID_MARGIN = 0.25;
/** A tile with at least this share of mid-tone pixels is a tone tile (anti-aliased text edges stay well below it). */
const TONE_TILE_SHARE = 0.35;
/** More tiles than these of colour or tone and the page is not text only (one stray tile is dust). */
const MAX_COLOUR_TILES = 1;
const MAX_TONE_TILES = 2;
/** Ink and paper closer than this are not a text page (a blank page, a faint pencil, a photo). */
const MIN_CONTRAST = 96;

/** One RGBA pixel read as a little-endian 32-bit word: is it coloured (channels spread beyond COLOUR_SPREAD)? */
function isColoured(v: number): boolean {
  const r = v & 0xff;
  const g = (v >>> 8) & 0xff;
  const b = (v >>> 16) & 0xff;
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  return max - min > COLOUR_SPREAD;
}

/** Otsu's threshold of a 256-bin histogram: the level that maximises the between-class variance. */
export function otsuThreshold(hist: Uint32Array): number {
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v]!;
    sum += v * hist[v]!;
  }
  let weightBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let bestVariance = -1;
  for (let t = 0; t < 255; t++) {
    weightBelow += hist[t]!;
    if (weightBelow === 0) continue;
    const weightAbove = total - weightBelow;
    if (weightAbove === 0) break;
    sumBelow += t * hist[t]!;
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sum - sumBelow) / weightAbove;
    const variance = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/**
 * True when a small copy of the page (e.g. a quarter of its size) already shows colour tiles —
 * tiles of `tile` px, every pixel, the same thresholds as analysePage. A page found coloured here
 * is a colour page without reading the full-size pixels; one not found coloured still goes through
 * analysePage, which looks again at full size (so a miss here never loses a stamp).
 */
export function looksColoured(data: Uint8ClampedArray | Uint8Array, width: number, height: number, tile: number): boolean {
  const tilesX = Math.ceil(width / tile);
  const counts = new Uint32Array(tilesX * Math.ceil(height / tile));
  const pixels = new Uint32Array(data.buffer, data.byteOffset, width * height);
  for (let y = 0, i = 0; y < height; y++) {
    const tileRow = Math.floor(y / tile) * tilesX;
    for (let x = 0; x < width; x++, i++) {
      if (isColoured(pixels[i]!)) counts[tileRow + Math.floor(x / tile)]!++;
    }
  }
  let coloured = 0;
  for (const c of counts) if (c >= tile * tile * COLOUR_TILE_SHARE) coloured++;
  return coloured > MAX_COLOUR_TILES;
}

/** Classifies an RGBA page (`data.length === width * height * 4`) and returns its luminance. */
export function analysePage(data: Uint8ClampedArray | Uint8Array, width: number, height: number): PageAnalysis {
  const count = width * height;
  if (data.length < count * 4) throw new RangeError(`expected ${count * 4} RGBA bytes, got ${data.length}`);
  const luminance = new Uint8Array(count);
  const hist = new Uint32Array(256);
  const tilesX = Math.ceil(width / TILE);
  const tilesY = Math.ceil(height / TILE);
  const colourCounts = new Uint32Array(tilesX * tilesY);
  // One 32-bit read per pixel (RGBA bytes, little-endian on every platform Chromium runs on).
  const pixels = new Uint32Array(data.buffer, data.byteOffset, count);
  for (let i = 0; i < count; i++) {
    const v = pixels[i]!;
    const lum = (77 * (v & 0xff) + 150 * ((v >>> 8) & 0xff) + 29 * ((v >>> 16) & 0xff)) >> 8;
    luminance[i] = lum;
    hist[lum]!++;
  }
  // Colour and tones are looked for on every other pixel of every other row (a quarter of the page,
  // 256 samples per tile): stamps' strokes and photos are wider than 2 px, and it halves the
  // analysis time of an A4 page.
  for (let y = 0; y < height; y += 2) {
    const tileRow = (y >> 5) * tilesX;
    for (let x = 0, i = y * width; x < width; x += 2, i += 2) {
      if (isColoured(pixels[i]!)) colourCounts[tileRow + (x >> 5)]!++;
    }
  }
  const threshold = otsuThreshold(hist);
  let inkWeight = 0;
  let inkSum = 0;
  let paperWeight = 0;
  let paperSum = 0;
  for (let v = 0; v < 256; v++) {
    if (v <= threshold) {
      inkWeight += hist[v]!;
      inkSum += v * hist[v]!;
    } else {
      paperWeight += hist[v]!;
      paperSum += v * hist[v]!;
    }
  }
  const inkLevel = inkWeight === 0 ? threshold : inkSum / inkWeight;
  const paperLevel = paperWeight === 0 ? threshold : paperSum / paperWeight;
  const gap = paperLevel - inkLevel;
  const midLow = inkLevel + gap * MID_MARGIN;
  const midHigh = paperLevel - gap * MID_MARGIN;
  const toneCounts = new Uint32Array(tilesX * tilesY);
  for (let y = 0; y < height; y += 2) {
    const tileRow = (y >> 5) * tilesX;
    for (let x = 0, i = y * width; x < width; x += 2, i += 2) {
      const lum = luminance[i]!;
      if (lum > midLow && lum < midHigh) toneCounts[tileRow + (x >> 5)]!++;
    }
  }
  let colourTiles = 0;
  let toneTiles = 0;
  for (let ty = 0; ty < tilesY; ty++) {
    const samplesY = (Math.min(TILE, height - ty * TILE) + 1) >> 1;
    for (let tx = 0; tx < tilesX; tx++) {
      const samples = samplesY * ((Math.min(TILE, width - tx * TILE) + 1) >> 1);
      const t = ty * tilesX + tx;
      if (colourCounts[t]! >= samples * COLOUR_TILE_SHARE) colourTiles++;
      if (toneCounts[t]! >= samples * TONE_TILE_SHARE) toneTiles++;
    }
  }
  const kind: PageKind = colourTiles > MAX_COLOUR_TILES ? 'color' : toneTiles > MAX_TONE_TILES || gap < MIN_CONTRAST ? 'gray' : 'text';
  return { kind, luminance, threshold, inkLevel, paperLevel, colourTiles, toneTiles };
}
