import { describeUnknown, err, ok, type Result } from '../../shared/result';
import { bilevelPreview, packBits } from './bilevel';
import { A4_MM, DEFAULT_MAX_PAGE_BYTES, DEFAULT_TARGET_DPI, G4_MIME, THUMBNAIL_MAX_PX, type CapturedPage, type ScanColorMode } from './CapturedPage';
import { encodeG4 } from './ccittG4';
import { analysePage, looksColoured, TILE } from './pageKind';

/**
 * Raster page → compressed page (+ thumbnail), in the renderer, with OffscreenCanvas: a JPEG (gray
 * or colour) or a bilevel 1-bit PNG.
 *
 * Guarantees:
 * - The page is never stored above `targetDpi` (200): an A4 page is at most 1654 × 2339 px. The
 *   input's resolution is `sourceDpi` when known (scanner), otherwise its longest side is taken to
 *   be A4's 297 mm (camera photos, image files).
 * - 'gray' pages are converted to luminance (BT.601) before encoding, so the JPEG decodes to R = G = B.
 * - 'auto' reads the page (pageKind.ts): text only → bilevel, colour → colour JPEG, tones → gray
 *   JPEG. 'bilevel' thresholds at Otsu's level whatever the page holds. A bilevel page is CCITT G4
 *   data (ccittG4.ts); its thumbnail shows the stored bits. One that would not fit `maxBytes`
 *   (a halftone forced to bilevel) is stored as a gray JPEG instead.
 * - The JPEG fits `maxBytes` (250 KB): a search over quality (see fitJpeg: starts from the quality
 *   that fitted the previous page, at most 5 encodes, keeps the largest that fits); if even
 *   quality 0.2 is too large the page is scaled down (85 % per step) rather than exceeding the cap.
 * - `enhance` (camera photos): auto-levels and white balance from the page's own histogram, so
 *   grey-lit paper becomes white (its grain too) and ink black. Pages that are almost uniform are
 *   left as they are. Off for scans: a scanner already calibrates white, and at the qualities the
 *   250 KB budget allows the stretched contrast costs a few per cent more bytes.
 * - Failures are Result values (`scan.image-failed`), never exceptions.
 */

export interface CompressOptions {
  readonly mode: ScanColorMode;
  /** Largest JPEG accepted, in bytes (default 250,000). */
  readonly maxBytes?: number;
  /** Highest resolution kept (default 200 dpi). */
  readonly targetDpi?: number;
  readonly source?: CapturedPage['source'];
  /** Resolution of the input when known (a scanner reports it). */
  readonly sourceDpi?: number;
  /** Auto-levels + white balance: paper becomes white, ink black (see processPixels). Default false; the camera turns it on. */
  readonly enhance?: boolean;
}

/** The two JPEG kinds of page. */
export type JpegMode = 'gray' | 'color';

export interface JpegEncoder {
  (canvas: OffscreenCanvas, quality: number): Promise<Blob>;
}

const encodeJpeg: JpegEncoder = (canvas, quality) => canvas.convertToBlob({ type: 'image/jpeg', quality });

/** First guess for the first page: measured 200 dpi text pages fit 250 KB between quality 0.2 and 0.5. */
const FIRST_QUALITY = 0.5;
const MIN_QUALITY = 0.2;
const MAX_SEARCH_ENCODES = 4;
/** A fitting encode at least this full of the budget ends the search. */
const GOOD_ENOUGH = 0.75;
const MAX_DOWNSCALES = 4;
/** Levels below the paper's median still counted as paper (grain, sensor noise). */
const PAPER_GRAIN = 8;

function newId(): string {
  return crypto.randomUUID();
}

/** Value at fraction p (0..1) of a 256-bin histogram holding `total` samples. */
function histogramPercentile(hist: Uint32Array, total: number, p: number): number {
  const target = total * p;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= target) return v;
  }
  return 255;
}

/**
 * In place: gray conversion and/or auto-levels with white balance ("paper is white"). The paper's
 * level is the median (most of a page is paper, even with a photo block on it); the white point sits
 * a little below it, so the paper's grain and a scanner's noise become flat white (JPEG then spends
 * its bytes on the ink, not on noise). Ink's black point is the 1st percentile. Each colour channel
 * gets its own white point, which also removes a lamp's colour cast from a camera photo.
 */
export function processPixels(data: Uint8ClampedArray, mode: JpegMode, enhance: boolean): void {
  const n = data.length;
  let lutR: Uint8Array | null = null;
  let lutG: Uint8Array | null = null;
  let lutB: Uint8Array | null = null;
  if (enhance) {
    const hr = new Uint32Array(256);
    const hg = new Uint32Array(256);
    const hb = new Uint32Array(256);
    const hy = new Uint32Array(256);
    // Every 7th pixel is plenty for a histogram and keeps this cheap.
    let count = 0;
    for (let i = 0; i < n; i += 28) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      hr[r]!++;
      hg[g]!++;
      hb[b]!++;
      hy[(77 * r + 150 * g + 29 * b) >> 8]!++;
      count++;
    }
    const black = histogramPercentile(hy, count, 0.01);
    const whites = [hr, hg, hb].map((h) => histogramPercentile(h, count, 0.5) - PAPER_GRAIN);
    if (Math.min(...whites) - black >= 48) {
      const lut = (white: number): Uint8Array => {
        const table = new Uint8Array(256);
        for (let v = 0; v < 256; v++) table[v] = Math.max(0, Math.min(255, Math.round(((v - black) * 255) / (white - black))));
        return table;
      };
      lutR = lut(whites[0]!);
      lutG = lut(whites[1]!);
      lutB = lut(whites[2]!);
    }
  }
  if (mode === 'gray') {
    // One 32-bit read and write per pixel (RGBA bytes, little-endian on every platform Chromium runs on).
    const pixels = new Uint32Array(data.buffer, data.byteOffset, data.byteLength >> 2);
    for (let i = 0; i < pixels.length; i++) {
      const v = pixels[i]!;
      let r = v & 0xff;
      let g = (v >>> 8) & 0xff;
      let b = (v >>> 16) & 0xff;
      if (lutR !== null) {
        r = lutR[r]!;
        g = lutG![g]!;
        b = lutB![b]!;
      }
      const y = (77 * r + 150 * g + 29 * b) >> 8;
      pixels[i] = ((v & 0xff000000) | (y << 16) | (y << 8) | y) >>> 0;
    }
  } else if (lutR !== null) {
    for (let i = 0; i < n; i += 4) {
      data[i] = lutR[data[i]!]!;
      data[i + 1] = lutG![data[i + 1]!]!;
      data[i + 2] = lutB![data[i + 2]!]!;
    }
  }
}

/**
 * Quality that fitted the previous page of each mode: pages of one document are alike, so the next
 * page starts there and usually needs one or two encodes instead of a full search. (Module state on
 * purpose: it only changes where the search starts, never what fits.)
 */
const lastFit: Record<JpegMode, number> = { gray: FIRST_QUALITY, color: FIRST_QUALITY };

/**
 * Quality search: the best JPEG of `canvas` that fits maxBytes, or null if quality 0.2 does not fit.
 * Starts at the quality that fitted the previous page (0.5 at first), then narrows a bracket
 * [fits, too big] by interpolating the size linearly in quality (JPEG size is close to linear in
 * the 0.2–0.8 range), at most MAX_SEARCH_ENCODES more encodes; a fit ≥ 75 % of the budget ends it.
 */
async function fitJpeg(canvas: OffscreenCanvas, maxBytes: number, start: number, encode: JpegEncoder): Promise<{ blob: Blob; quality: number } | null> {
  let best: { blob: Blob; quality: number } | null = null;
  let lo = MIN_QUALITY;
  let loSize = Number.NaN;
  let hi = 1;
  let hiSize = Number.NaN;
  let q = Math.min(0.95, Math.max(MIN_QUALITY, start));
  for (let i = 0; i <= MAX_SEARCH_ENCODES; i++) {
    const blob = await encode(canvas, q);
    if (blob.size <= maxBytes) {
      if (best === null || blob.size > best.blob.size) best = { blob, quality: q };
      if (blob.size >= maxBytes * GOOD_ENOUGH || q >= 0.95) return best;
      lo = q;
      loSize = blob.size;
    } else {
      hi = q;
      hiSize = blob.size;
      if (q <= MIN_QUALITY) break;
    }
    // Aim at 90 % of the budget on the line through the known points (one point: assume size ∝ q+0.5).
    const aim = maxBytes * 0.9;
    let next: number;
    if (!Number.isNaN(loSize) && !Number.isNaN(hiSize)) next = lo + ((hi - lo) * (aim - loSize)) / (hiSize - loSize);
    else if (!Number.isNaN(hiSize)) next = (hi + 0.5) * (aim / hiSize) - 0.5;
    else next = (lo + 0.5) * (aim / loSize) - 0.5;
    next = Math.min(hi - 0.01, Math.max(lo + (Number.isNaN(loSize) ? 0 : 0.01), next));
    if (hi - lo < 0.02 || Math.abs(next - q) < 0.005) break;
    q = next;
  }
  if (best !== null || q <= MIN_QUALITY) return best;
  const floor = await encode(canvas, MIN_QUALITY);
  return floor.size <= maxBytes ? { blob: floor, quality: MIN_QUALITY } : null;
}

function drawScaled(
  source: ImageBitmap | OffscreenCanvas | HTMLCanvasElement,
  width: number,
  height: number,
  readBack: boolean,
  quality: ImageSmoothingQuality = 'high',
  gray = false,
): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: readBack, alpha: false });
  if (ctx === null) throw new Error('no 2d context for OffscreenCanvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  // Gray without reading the pixels back: the canvas's own colour matrix (identical rows, so R = G = B).
  if (gray) ctx.filter = 'grayscale(1)';
  // Same size: a plain copy; smaller: high-quality resampling (text stays legible).
  ctx.imageSmoothingEnabled = width !== source.width || height !== source.height;
  ctx.imageSmoothingQuality = quality;
  ctx.drawImage(source, 0, 0, width, height);
  return canvas;
}

function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_MAX_PX / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A small JPEG of a canvas (longest side ≤ 320 px). */
export async function makeThumbnail(source: OffscreenCanvas | ImageBitmap | HTMLCanvasElement, encode: JpegEncoder = encodeJpeg): Promise<Blob> {
  const size = thumbnailSize(source.width, source.height);
  const thumb = drawScaled(source, size.width, size.height, false, 'medium');
  return encode(thumb, 0.7);
}

/** The thumbnail of a bilevel page, drawn from its bits (what is stored, not the scan before thresholding). */
async function bilevelThumbnail(bits: Uint8Array, width: number, height: number, encode: JpegEncoder): Promise<Blob> {
  const size = thumbnailSize(width, height);
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2d context for OffscreenCanvas');
  ctx.putImageData(new ImageData(bilevelPreview(bits, width, height, size.width, size.height), size.width, size.height), 0, 0);
  return encode(canvas, 0.7);
}

/** The colour check of 'auto' on a quarter-size copy of the page (32-px tiles at full size = 8 px here). */
function quarterLooksColoured(bitmap: ImageBitmap): boolean {
  const width = Math.max(1, Math.round(bitmap.width / 4));
  const height = Math.max(1, Math.round(bitmap.height / 4));
  const small = drawScaled(bitmap, width, height, true, 'low');
  const pixels = (small.getContext('2d') as OffscreenCanvasRenderingContext2D).getImageData(0, 0, width, height);
  return looksColoured(pixels.data, width, height, TILE / 4);
}

/**
 * Compresses one page image into a CapturedPage: scaled to at most `targetDpi`, bilevel, gray or
 * colour as `mode` says (or as the page looks, for 'auto'), within `maxBytes`, plus a thumbnail. Takes an ImageBitmap (scanner, camera frame) or an image
 * Blob (JPEG/PNG file; its EXIF orientation is applied). An ImageBitmap passed in is not closed.
 */
export async function compressPage(image: ImageBitmap | Blob, options: CompressOptions, encode: JpegEncoder = encodeJpeg): Promise<Result<CapturedPage>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAGE_BYTES;
  const targetDpi = options.targetDpi ?? DEFAULT_TARGET_DPI;
  let bitmap: ImageBitmap;
  try {
    bitmap = image instanceof Blob ? await createImageBitmap(image, { imageOrientation: 'from-image' }) : image;
  } catch (e) {
    return err('scan.file-unreadable', `the image could not be decoded: ${describeUnknown(e).slice(0, 200)}`);
  }
  try {
    if (bitmap.width < 1 || bitmap.height < 1) return err('scan.image-failed', 'the image is empty');
    const a4LongInches = A4_MM.height / 25.4;
    const sourceDpi = options.sourceDpi ?? Math.max(bitmap.width, bitmap.height) / a4LongInches;
    let scale = Math.min(1, targetDpi / sourceDpi);
    const enhance = options.enhance ?? false;
    // 'auto' first looks at a quarter-size copy: a stamp's colour shows there already, and a colour
    // page then needs neither the full-size read-back nor the analysis (the last page of a document
    // often carries the stamp: this is the officer's wait).
    const mode = options.mode === 'auto' && !enhance && quarterLooksColoured(bitmap) ? 'color' : options.mode;
    const looks = mode === 'auto' || mode === 'bilevel';
    // Gray alone is done by the canvas while drawing (no pixel read-back: 60–90 ms less per A4 page);
    // auto-levels and the page analysis need the pixels.
    const readBack = enhance || looks;
    const filterGray = mode === 'gray' && !readBack;
    const base = { id: newId(), source: options.source ?? 'file', rotation: 0 } as const;
    for (let attempt = 0; attempt <= MAX_DOWNSCALES; attempt++) {
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const dpi = Math.max(1, Math.round(sourceDpi * scale));
      const canvas = drawScaled(bitmap, width, height, readBack, 'high', filterGray);
      let jpegMode: JpegMode = mode === 'color' ? 'color' : 'gray';
      if (readBack) {
        const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
        const pixels = ctx.getImageData(0, 0, width, height);
        if (looks) {
          // Auto-levels first (camera), colour kept: the analysis needs to see a stamp's red.
          processPixels(pixels.data, 'color', enhance);
          const analysis = analysePage(pixels.data, width, height);
          if (mode === 'bilevel' || analysis.kind === 'text') {
            const bits = packBits(analysis.luminance, width, height, analysis.threshold);
            const g4 = encodeG4(bits, width, height);
            if (g4.length <= maxBytes) {
              const bytes = new Blob([g4 as Uint8Array<ArrayBuffer>], { type: G4_MIME });
              const thumbnail = await bilevelThumbnail(bits, width, height, encode);
              return ok({ ...base, mime: G4_MIME, bytes, widthPx: width, heightPx: height, dpi, thumbnail, sizeBytes: bytes.size });
            }
          }
          jpegMode = analysis.kind === 'color' && mode === 'auto' ? 'color' : 'gray';
          if (jpegMode === 'gray') processPixels(pixels.data, 'gray', false);
          if (enhance || jpegMode === 'gray') ctx.putImageData(pixels, 0, 0);
        } else {
          processPixels(pixels.data, jpegMode, enhance);
          ctx.putImageData(pixels, 0, 0);
        }
      }
      const fitted = await fitJpeg(canvas, maxBytes, lastFit[jpegMode], encode);
      if (fitted === null) {
        scale *= 0.85;
        continue;
      }
      lastFit[jpegMode] = fitted.quality;
      const jpeg = fitted.blob;
      const thumbnail = await makeThumbnail(canvas, encode);
      return ok({ ...base, mime: 'image/jpeg', bytes: jpeg, widthPx: width, heightPx: height, dpi, thumbnail, sizeBytes: jpeg.size });
    }
    return err('scan.image-failed', `no JPEG of this page fits ${maxBytes} bytes`);
  } catch (e) {
    return err('scan.image-failed', describeUnknown(e).slice(0, 300));
  } finally {
    if (image instanceof Blob) bitmap.close();
  }
}
