import { EncodeHintType, QRCodeDecoderErrorCorrectionLevel, QRCodeEncoder } from '@zxing/library';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import zxingReaderWasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import { ok } from '../../../src/shared/result';
import {
  assembleDocumentPdf,
  captureFromScanner,
  captureFromVideo,
  compressPage,
  createPageCompressor,
  importFiles,
  movePage,
  rotate,
  type CapturedPage,
  type ScanColorMode,
} from '../../../src/scan/pages';
import { G4_MIME } from '../../../src/scan/pages/CapturedPage';
import { packBits } from '../../../src/scan/pages/bilevel';
import { encodeBilevelPng } from './flatePng';
import { encodeG4 } from '../../../src/scan/pages/ccittG4';
import { processPixels } from '../../../src/scan/pages/compressPage';
import { analysePage } from '../../../src/scan/pages/pageKind';
import { renderPdfThumbnails } from '../../../src/scan/pages/pdfThumbnail';
import { seededRandom } from '../seededRandom';
import type { BilevelProbe, PageExtras, PageSummary, PdfSummary, ScanHarnessApi, ScannerRun } from './harnessApi';

/**
 * Test and benchmark harness for src/scan/pages in a real Chromium (OffscreenCanvas, JPEG
 * encoder, pdf.js worker). Not part of the app: test/e2e/capture.spec.ts and
 * scripts/bench/scanToPdf.bench.ts build it with Vite into .tmp/scan-harness(-e2e) and drive
 * `window.scanHarness` with Playwright. Synthetic pages look like a scanned administrative
 * document: off-white paper with sensor noise, a heading, ~45 lines of text, a red stamp, a photo
 * block, optionally a QR code.
 */

prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? zxingReaderWasmUrl : prefix + path) } });

export const A4_200DPI = { width: 1654, height: 2339 } as const;

const WORDS = [
  'giấy',
  'khai',
  'sinh',
  'họ',
  'và',
  'tên',
  'ngày',
  'tháng',
  'năm',
  'nơi',
  'cư',
  'trú',
  'Ủy',
  'ban',
  'nhân',
  'dân',
  'phường',
  'xác',
  'nhận',
  'số',
  'đăng',
  'ký',
  'quốc',
  'tịch',
  'Việt',
  'Nam',
  'địa',
  'chỉ',
  'Hà',
  'Nội',
];

export interface SynthOptions {
  readonly seed: number;
  readonly qrText?: string;
  readonly width?: number;
  readonly height?: number;
  /** A grey lamp with a yellow cast, like a phone photo of paper. */
  readonly photoLike?: boolean;
  /** Every line full of text (worst case) instead of paragraphs and form lines. */
  readonly dense?: boolean;
  /**
   * What is on the page besides black text: a colour photo block and a red stamp ('both', the
   * default), nothing ('none': a typed letter, a form filled in black), only the stamp, or only a
   * gray photo block (a photocopied ID photo).
   */
  readonly extras?: PageExtras;
}

/** A realistic A4 page at 200 dpi (1654 × 2339 RGBA) as an ImageBitmap. */
export async function synthPage(options: SynthOptions): Promise<ImageBitmap> {
  const width = options.width ?? A4_200DPI.width;
  const height = options.height ?? A4_200DPI.height;
  const random = seededRandom(options.seed);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  ctx.fillStyle = '#faf8f3';
  ctx.fillRect(0, 0, width, height);
  const margin = Math.round(width * 0.1);
  ctx.fillStyle = '#111111';
  ctx.textAlign = 'center';
  ctx.font = `bold ${Math.round(width / 30)}px DejaVu Sans, sans-serif`;
  ctx.fillText('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', width / 2, margin);
  ctx.font = `bold ${Math.round(width / 22)}px DejaVu Sans, sans-serif`;
  ctx.fillText(`GIẤY TỜ MẪU ${options.seed}`, width / 2, margin + width / 12);
  ctx.textAlign = 'left';
  // 12 pt text at 1.5 line spacing, in paragraphs with ragged last lines and form lines ("....."),
  // as on a certificate or an application form; `dense` fills every line (a page of a contract).
  ctx.font = `${Math.round(width / 50)}px DejaVu Serif, serif`;
  const lineStep = Math.round(width / 33);
  const textWidth = width - 2 * margin;
  for (let y = margin + Math.round(width / 7); y < height - margin; y += lineStep) {
    const roll = random();
    if (options.dense !== true && roll < 0.12) continue; // paragraph break
    const fill = options.dense === true ? 1 : roll < 0.3 ? 0.3 + random() * 0.4 : 1;
    let line = '';
    while (ctx.measureText(line).width < textWidth * fill) line += `${WORDS[Math.floor(random() * WORDS.length)]} `;
    if (options.dense !== true && roll > 0.85) line = `${line.slice(0, 24)}: ${'.'.repeat(60)}`;
    ctx.fillText(line, margin, y, textWidth * fill);
  }
  drawExtras(ctx, width, height, margin, options.extras ?? 'both');
  if (options.qrText !== undefined) {
    const hints = new Map<EncodeHintType, unknown>([[EncodeHintType.CHARACTER_SET, 'UTF-8']]);
    const matrix = QRCodeEncoder.encode(options.qrText, QRCodeDecoderErrorCorrectionLevel.M, hints).getMatrix();
    const modules = matrix.getWidth();
    // ~0.5 mm modules: a QR as printed on a receipt or an ID card copy.
    const cell = Math.max(2, Math.round(width / 400));
    const qx = margin;
    const qy = Math.round(height * 0.55);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(qx - 4 * cell, qy - 4 * cell, (modules + 8) * cell, (modules + 8) * cell);
    ctx.fillStyle = '#000000';
    for (let y = 0; y < modules; y++) for (let x = 0; x < modules; x++) if (matrix.get(x, y) === 1) ctx.fillRect(qx + x * cell, qy + y * cell, cell, cell);
  }
  // Sensor noise (and, for a photo, a grey-yellow lamp cast) over the whole page.
  const image = ctx.getImageData(0, 0, width, height);
  const data = image.data;
  const cast = options.photoLike === true ? [0.78, 0.74, 0.6] : [1, 1, 1];
  for (let i = 0; i < data.length; i += 4) {
    const n = (random() - 0.5) * 10;
    data[i] = data[i]! * cast[0]! + n;
    data[i + 1] = data[i + 1]! * cast[1]! + n;
    data[i + 2] = data[i + 2]! * cast[2]! + n;
  }
  ctx.putImageData(image, 0, 0);
  return createImageBitmap(canvas);
}

/** Photo block (an ID photo copy: smooth shading) and/or a red stamp over the signature area. */
function drawExtras(ctx: OffscreenCanvasRenderingContext2D, width: number, height: number, margin: number, extras: PageExtras): void {
  if (extras === 'none') return;
  ctx.save();
  if (extras === 'grayPhoto') ctx.filter = 'grayscale(1)';
  if (extras !== 'stamp') drawPhoto(ctx, width, height, margin);
  ctx.restore();
  if (extras === 'both' || extras === 'stamp') drawStamp(ctx, width, height, margin);
}

function drawPhoto(ctx: OffscreenCanvasRenderingContext2D, width: number, height: number, margin: number): void {
  const photo = { x: width - margin - Math.round(width * 0.25), y: Math.round(height * 0.55), w: Math.round(width * 0.25), h: Math.round(width * 0.32) };
  const gradient = ctx.createLinearGradient(photo.x, photo.y, photo.x + photo.w, photo.y + photo.h);
  gradient.addColorStop(0, '#6d8fb3');
  gradient.addColorStop(0.5, '#c9a27e');
  gradient.addColorStop(1, '#2f3b2a');
  ctx.fillStyle = gradient;
  ctx.fillRect(photo.x, photo.y, photo.w, photo.h);
  ctx.fillStyle = '#e9c9a8';
  ctx.beginPath();
  ctx.ellipse(photo.x + photo.w / 2, photo.y + photo.h * 0.42, photo.w * 0.28, photo.h * 0.3, 0, 0, Math.PI * 2);
  ctx.fill();
}

function drawStamp(ctx: OffscreenCanvasRenderingContext2D, width: number, height: number, margin: number): void {
  ctx.strokeStyle = 'rgba(200, 20, 30, 0.85)';
  ctx.lineWidth = Math.max(3, width / 250);
  const stamp = { x: margin + width * 0.2, y: height - margin - width * 0.15, r: width * 0.1 };
  ctx.beginPath();
  ctx.arc(stamp.x, stamp.y, stamp.r, 0, Math.PI * 2);
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(stamp.x, stamp.y, stamp.r * 0.8, 0, Math.PI * 2);
  ctx.stroke();
  ctx.fillStyle = 'rgba(200, 20, 30, 0.85)';
  ctx.textAlign = 'center';
  ctx.font = `bold ${Math.round(width / 45)}px DejaVu Sans, sans-serif`;
  ctx.fillText('ỦY BAN NHÂN DÂN', stamp.x, stamp.y);
}

async function pixelsOf(source: ImageBitmap | Blob): Promise<ImageData> {
  const bitmap = source instanceof Blob ? await createImageBitmap(source) : source;
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
}

/** Share of pixels darker than mid-grey (ink), the largest R/G/B spread of any pixel, and the level 7/8 of the pixels reach (paper). */
function inkAndGrayness(image: ImageData): { darkRatio: number; maxChannelSpread: number; paperLevel: number } {
  let dark = 0;
  let spread = 0;
  const hist = new Uint32Array(256);
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i]!;
    const g = d[i + 1]!;
    const b = d[i + 2]!;
    const y = (77 * r + 150 * g + 29 * b) >> 8;
    hist[y]!++;
    if (y < 128) dark++;
    spread = Math.max(spread, Math.abs(r - g), Math.abs(g - b), Math.abs(r - b));
  }
  let seen = 0;
  let paperLevel = 255;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= d.length / 8) {
      paperLevel = v;
      break;
    }
  }
  return { darkRatio: dark / (d.length / 4), maxChannelSpread: spread, paperLevel };
}

/** The page as pdf.js draws its document PDF at the page's own resolution. */
async function renderThroughPdfJs(page: CapturedPage): Promise<ImageData> {
  const pdfjs = await import('pdfjs-dist');
  const worker = await import('pdfjs-dist/build/pdf.worker.min.mjs?worker');
  pdfjs.GlobalWorkerOptions.workerPort ??= new worker.default();
  const bytes = await assembleDocumentPdf([page], { title: 'render', createdAt: 0 });
  const pdf = await pdfjs.getDocument({ data: bytes, isEvalSupported: false }).promise;
  try {
    const pdfPage = await pdf.getPage(1);
    const viewport = pdfPage.getViewport({ scale: page.dpi / 72 });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(viewport.width);
    canvas.height = Math.round(viewport.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    await pdfPage.render({ canvas, canvasContext: ctx, viewport }).promise;
    return ctx.getImageData(0, 0, canvas.width, canvas.height);
  } finally {
    await pdf.destroy();
  }
}

function summary(page: CapturedPage): PageSummary {
  return {
    id: page.id,
    source: page.source,
    mime: page.mime,
    widthPx: page.widthPx,
    heightPx: page.heightPx,
    dpi: page.dpi,
    rotation: page.rotation,
    sizeBytes: page.sizeBytes,
  };
}

async function pdfSummary(bytes: Uint8Array): Promise<PdfSummary> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  return {
    pages: doc.getPages().map((p) => ({ width: Math.round(p.getWidth()), height: Math.round(p.getHeight()), rotate: p.getRotation().angle })),
    title: doc.getTitle(),
    producer: doc.getProducer(),
    author: doc.getAuthor(),
    created: doc.getCreationDate()?.toISOString(),
    modified: doc.getModificationDate()?.toISOString(),
  };
}

async function samplePdf(sizes: ReadonlyArray<readonly [number, number]>): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const [i, size] of sizes.entries()) {
    const page = doc.addPage([size[0], size[1]]);
    page.drawText(`Page ${i + 1}`, { x: 50, y: size[1] - 100, size: 40, font });
    page.drawRectangle({ x: 50, y: 50, width: 200, height: 100, borderWidth: 3 });
  }
  return doc.save();
}

const api: ScanHarnessApi = {
  /** Compress one synthetic page and measure what a reader would notice. */
  async compressSynth(options: { mode: ScanColorMode; seed: number; qrText?: string; photoLike?: boolean; enhance?: boolean; extras?: PageExtras }) {
    const bitmap = await synthPage({
      seed: options.seed,
      photoLike: options.photoLike,
      extras: options.extras,
      ...(options.qrText === undefined ? {} : { qrText: options.qrText }),
    });
    const before = inkAndGrayness(await pixelsOf(bitmap));
    const t0 = performance.now();
    const result = await compressPage(bitmap, {
      mode: options.mode,
      source: 'scanner',
      sourceDpi: 200,
      ...(options.enhance === undefined ? {} : { enhance: options.enhance }),
    });
    const ms = performance.now() - t0;
    if (!result.ok) return { ok: false as const, error: result.error };
    // A bilevel page has no image file a browser decodes: it is read back from its document PDF
    // through pdf.js (its own CCITT decoder), at the page's resolution.
    const decoded = result.value.mime === G4_MIME ? await renderThroughPdfJs(result.value) : await pixelsOf(result.value.bytes);
    const after = inkAndGrayness(decoded);
    const thumb = await createImageBitmap(result.value.thumbnail);
    let qr: string | null = null;
    if (options.qrText !== undefined) {
      const found = await readBarcodes(decoded, { formats: ['QRCode'], tryHarder: true });
      qr = found.find((r) => r.isValid)?.text ?? null;
    }
    return { ok: true as const, page: summary(result.value), before, after, thumb: { width: thumb.width, height: thumb.height }, qr, ms };
  },

  /** JPEG size (KB) by quality for one synthetic page, raw and after processPixels (for the README's figures). */
  async qualityCurve(options: { mode: 'gray' | 'color'; seed: number; qrText?: string; dense?: boolean }) {
    const bitmap = await synthPage({ seed: options.seed, dense: options.dense, ...(options.qrText === undefined ? {} : { qrText: options.qrText }) });
    const out: Record<string, number[]> = {};
    for (const enhance of [false, true]) {
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
      ctx.drawImage(bitmap, 0, 0);
      const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      processPixels(px.data, options.mode, enhance);
      ctx.putImageData(px, 0, 0);
      const sizes: number[] = [];
      for (const q of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) sizes.push(Math.round((await canvas.convertToBlob({ type: 'image/jpeg', quality: q })).size / 1000));
      out[enhance ? 'enhanced' : 'raw'] = sizes;
    }
    return out;
  },

  /** A <video> playing a page (a canvas stream stands in for the camera): not ready before play, then one still. */
  async captureVideo() {
    const bitmap = await synthPage({ seed: 9, width: 1280, height: 720, photoLike: true });
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const video = document.createElement('video');
    video.muted = true;
    const early = await captureFromVideo(video, 'gray');
    const timer = setInterval(() => ctx.drawImage(bitmap, 0, 0), 50);
    ctx.drawImage(bitmap, 0, 0);
    video.srcObject = canvas.captureStream(20);
    try {
      await video.play();
      while (video.readyState < 2 || video.videoWidth === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const r = await captureFromVideo(video, 'gray');
      return { notReady: early.ok ? null : early.error, page: r.ok ? summary(r.value) : null, error: r.ok ? null : r.error };
    } finally {
      clearInterval(timer);
      video.srcObject = null;
    }
  },

  /** A 300 dpi gray PNG from a scanner port → a page stored at 200 dpi. */
  async scanViaPort() {
    const bitmap = await synthPage({ seed: 7, width: 2480, height: 3508 });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    (canvas.getContext('2d') as OffscreenCanvasRenderingContext2D).drawImage(bitmap, 0, 0);
    const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    const port = { scanPage: async () => ok({ png, widthPx: bitmap.width, heightPx: bitmap.height, dpi: 300, mode: 'gray' as const }) };
    const r = await captureFromScanner(port, { device: null, mode: 'gray', resolution: 300 });
    return r.ok ? { ok: true as const, page: summary(r.value) } : { ok: false as const, error: r.error };
  },

  /**
   * One synthetic page stored three ways — gray JPEG (quality search), bilevel (CCITT G4), and what
   * 'auto' picks — with the bilevel candidates measured step by step on the same bits: G4 vs a
   * 1-bit PNG (Flate, rows filtered None vs Up, flatePng.ts), and pdf-lib's embedPng of that PNG
   * (it re-encodes to 8-bit). `pdfs`: the one-page document PDFs (base64) of the gray and the
   * bilevel page, to render with pdftoppm.
   */
  async bilevelProbe(options: { seed: number; extras: PageExtras; dense?: boolean; pdfs?: boolean }): Promise<BilevelProbe> {
    const bitmap = await synthPage({ seed: options.seed, extras: options.extras, dense: options.dense });
    const compressOptions = { source: 'scanner', sourceDpi: 200 } as const;
    const timed = async (mode: ScanColorMode): Promise<{ page: CapturedPage; ms: number }> => {
      const t0 = performance.now();
      const r = await compressPage(bitmap, { mode, ...compressOptions });
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail}`);
      return { page: r.value, ms };
    };
    const gray = await timed('gray');
    const bilevel = await timed('bilevel');
    const auto = await timed('auto');
    // The bilevel path step by step.
    const t0 = performance.now();
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as OffscreenCanvasRenderingContext2D;
    ctx.drawImage(bitmap, 0, 0);
    const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const t1 = performance.now();
    const analysis = analysePage(px.data, bitmap.width, bitmap.height);
    const t2 = performance.now();
    const bits = packBits(analysis.luminance, bitmap.width, bitmap.height, analysis.threshold);
    const t3 = performance.now();
    const pngNone = await encodeBilevelPng(bits, bitmap.width, bitmap.height, 'none');
    const t4 = performance.now();
    const pngUp = await encodeBilevelPng(bits, bitmap.width, bitmap.height, 'up');
    const t5 = performance.now();
    const g4 = encodeG4(bits, bitmap.width, bitmap.height);
    const g4Ms = performance.now() - t5;
    const doc = await PDFDocument.create({ updateMetadata: false });
    const embedded = await doc.embedPng(pngNone);
    const page = doc.addPage([(bitmap.width / 200) * 72, (bitmap.height / 200) * 72]);
    page.drawImage(embedded, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
    const viaEmbedPng = await doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
    const t6 = performance.now();
    const direct = await assembleDocumentPdf([bilevel.page], { title: 'probe', createdAt: 0 });
    const t7 = performance.now();
    const base64 = (bytes: Uint8Array): string => {
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    };
    return {
      kind: analysis.kind,
      colourTiles: analysis.colourTiles,
      toneTiles: analysis.toneTiles,
      threshold: analysis.threshold,
      inkLevel: Math.round(analysis.inkLevel),
      paperLevel: Math.round(analysis.paperLevel),
      gray: { ...summary(gray.page), ms: gray.ms },
      bilevel: { ...summary(bilevel.page), ms: bilevel.ms },
      auto: { ...summary(auto.page), ms: auto.ms },
      steps: {
        readBackMs: t1 - t0,
        analyseMs: t2 - t1,
        packMs: t3 - t2,
        pngNoneMs: t4 - t3,
        pngUpMs: t5 - t4,
        g4Ms,
        embedPngMs: t6 - t5 - g4Ms,
        g4PdfMs: t7 - t6,
      },
      g4Bytes: g4.length,
      pngNoneBytes: pngNone.length,
      pngUpBytes: pngUp.length,
      pdfViaEmbedPngBytes: viaEmbedPng.length,
      pdfG4Bytes: direct.length,
      pdfs:
        options.pdfs === true
          ? {
              gray: base64(await assembleDocumentPdf([gray.page], { title: 'gray', createdAt: 0 })),
              bilevel: base64(direct),
            }
          : null,
    };
  },

  /** Three pages, rotate the 2nd, move the 3rd to the front, assemble; read the PDF back. */
  async assembleReordered() {
    const sizes = [
      [1654, 2339],
      [1165, 1654],
      [1700, 2200],
    ] as const;
    const pages: CapturedPage[] = [];
    for (const [i, [w, h]] of sizes.entries()) {
      const r = await compressPage(await synthPage({ seed: i + 1, width: w, height: h }), { mode: 'gray', source: 'scanner', sourceDpi: 200 });
      if (!r.ok) return { ok: false as const, error: r.error };
      pages.push(r.value);
    }
    let list = [pages[0]!, rotate(pages[1]!, 90), pages[2]!];
    list = movePage(list, 2, 0);
    const meta = { title: 'Giấy khai sinh', createdAt: Date.UTC(2026, 1, 12, 3, 0, 0) };
    const pdf = await assembleDocumentPdf(list, meta);
    const again = await assembleDocumentPdf(list, meta);
    return {
      ok: true as const,
      order: list.map((p) => [p.widthPx, p.heightPx]),
      pdf: await pdfSummary(pdf),
      deterministic: pdf.length === again.length && pdf.every((b, i) => b === again[i]),
    };
  },

  /** Imports a 3-page PDF, a PNG and a text file. */
  async importSamples() {
    const pdfBytes = await samplePdf([
      [595, 842],
      [842, 595],
      [420, 595],
    ]);
    const pdfFile = new File([pdfBytes as Uint8Array<ArrayBuffer>], 'ho-so.pdf', { type: 'application/pdf' });
    const canvas = new OffscreenCanvas(1240, 1754);
    const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 1240, 1754);
    ctx.fillStyle = '#000';
    ctx.fillRect(100, 100, 600, 80);
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const pngFile = new File([png], 'anh.png', { type: 'image/png' });
    const imported = await importFiles([pdfFile, pngFile], 'gray');
    const txt = await importFiles([new File(['xin chào'], 'ghi-chu.txt', { type: 'text/plain' })], 'gray');
    const renamed = await importFiles([new File(['not a pdf at all'], 'fake.pdf', { type: 'application/pdf' })], 'gray');
    const broken = await importFiles([new File(['%PDF-1.7\nthis is not really a PDF'], 'broken.pdf')], 'gray');
    if (!imported.ok) return { ok: false as const, error: imported.error };
    const thumbs = await Promise.all(imported.value.map(async (p) => (await createImageBitmap(p.thumbnail)).width));
    const assembled = await assembleDocumentPdf(imported.value, { title: 'Hồ sơ', createdAt: 0 });
    return {
      ok: true as const,
      pages: imported.value.map(summary),
      thumbWidths: thumbs,
      pdfJsThumbnails: (await renderPdfThumbnails(pdfBytes, 3)).length,
      assembled: await pdfSummary(assembled),
      txt: txt.ok ? null : txt.error,
      renamed: renamed.ok ? null : renamed.error,
      broken: broken.ok ? null : broken.error,
    };
  },

  /**
   * A scanner feeding the kiosk's worker pool: page i (a PNG as the scanner sends it, made once and
   * cached) is handed to the pool at i × intervalMs (0 = all at once: the pool's capacity), each is
   * compressed as it arrives, and after the last one the document PDF is assembled and stored in
   * IndexedDB. `waitMs` is what the officer waits for after the scanner delivered the last page:
   * that page's compression (and any backlog) + assembly + the put.
   */
  async scannerRun(options: {
    extras: PageExtras[];
    mode: ScanColorMode;
    intervalMs: number;
    workers: number;
    seed?: number;
    decodeOnMain?: boolean;
  }): Promise<ScannerRun> {
    const pngs: Blob[] = [];
    for (const [i, extras] of options.extras.entries()) pngs.push(await scannerPng((options.seed ?? 300) + i, extras));
    const pool = createPageCompressor(options.workers);
    try {
      // Warm the workers (module load, JIT, the encoders), outside the measurement.
      await Promise.all(Array.from({ length: options.workers }, () => pool.compress(pngs[0]!, { mode: options.mode, source: 'scanner', sourceDpi: 200 })));
      const arrivals: number[] = [];
      const dones: number[] = [];
      const t0 = performance.now();
      const jobs: Promise<CapturedPage>[] = [];
      for (const [i, png] of pngs.entries()) {
        const due = t0 + i * options.intervalMs;
        const now = performance.now();
        if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
        arrivals[i] = performance.now();
        // decodeOnMain: the PNG decoded on this thread and the bitmap handed over (the scanner path before the pool decoded it).
        const image = options.decodeOnMain === true ? await createImageBitmap(png) : png;
        jobs.push(
          pool.compress(image, { mode: options.mode, source: 'scanner', sourceDpi: 200 }).then((r) => {
            dones[i] = performance.now();
            if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail}`);
            return r.value;
          }),
        );
      }
      const pages = await Promise.all(jobs);
      const compressed = performance.now();
      const pdf = await assembleDocumentPdf(pages, { title: 'bench', createdAt: 0 });
      const assembled = performance.now();
      await storeInIndexedDb(`scanner-${options.mode}`, new Blob([pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }));
      const stored = performance.now();
      return {
        arrivals: arrivals.map((t) => t - t0),
        dones: dones.map((t) => t - t0),
        waitMs: stored - arrivals[arrivals.length - 1]!,
        lastPageMs: dones[dones.length - 1]! - arrivals[arrivals.length - 1]!,
        assembleMs: assembled - compressed,
        storeMs: stored - assembled,
        pageBytes: pages.map((p) => p.sizeBytes),
        mimes: pages.map((p) => p.mime),
        pdfBytes: pdf.length,
      };
    } finally {
      pool.dispose();
    }
  },

  /**
   * Benchmark: `count` synthetic pages, one after another on this thread, from bitmap to a PDF Blob
   * stored in IndexedDB (sizes and time per page). `baseline: 'jpeg92'`: fixed quality 0.92 with no
   * search, for comparison.
   */
  async bench(options: { count: number; mode: ScanColorMode; baseline: 'none' | 'jpeg92'; enhance?: boolean; dense?: boolean; extras?: PageExtras }) {
    const bitmaps: ImageBitmap[] = [];
    for (let i = 0; i < options.count; i++) bitmaps.push(await synthPage({ seed: 100 + i, dense: options.dense, extras: options.extras }));
    const perPage: number[] = [];
    const sizes: number[] = [];
    const dpis: number[] = [];
    const mimes: string[] = [];
    const t0 = performance.now();
    let pdfBytes: Uint8Array;
    let pagesDone = Number.NaN;
    if (options.baseline === 'none') {
      const pages: CapturedPage[] = [];
      for (const bitmap of bitmaps) {
        const p0 = performance.now();
        const r = await compressPage(bitmap, { mode: options.mode, source: 'scanner', sourceDpi: 200, enhance: options.enhance ?? false });
        perPage.push(performance.now() - p0);
        if (!r.ok) throw new Error(r.error.code);
        dpis.push(r.value.dpi);
        sizes.push(r.value.sizeBytes);
        mimes.push(r.value.mime);
        pages.push(r.value);
      }
      pagesDone = performance.now();
      pdfBytes = await assembleDocumentPdf(pages, { title: 'bench', createdAt: 0 });
    } else {
      const doc = await PDFDocument.create({ updateMetadata: false });
      for (const bitmap of bitmaps) {
        const p0 = performance.now();
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: options.mode === 'gray' }) as OffscreenCanvasRenderingContext2D;
        ctx.drawImage(bitmap, 0, 0);
        if (options.mode === 'gray') {
          const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
          const d = px.data;
          for (let i = 0; i < d.length; i += 4) d[i] = d[i + 1] = d[i + 2] = (77 * d[i]! + 150 * d[i + 1]! + 29 * d[i + 2]!) >> 8;
          ctx.putImageData(px, 0, 0);
        }
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
        const image = await doc.embedJpg(new Uint8Array(await blob.arrayBuffer()));
        const page = doc.addPage([(bitmap.width / 200) * 72, (bitmap.height / 200) * 72]);
        page.drawImage(image, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
        perPage.push(performance.now() - p0);
        sizes.push(blob.size);
        mimes.push('image/jpeg');
      }
      pdfBytes = await doc.save({ useObjectStreams: true, objectsPerTick: Infinity });
    }
    const tAssembled = performance.now();
    await storeInIndexedDb(`bench-${options.baseline}-${options.mode}`, new Blob([pdfBytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }));
    const done = performance.now();
    for (const b of bitmaps) b.close();
    return {
      totalMs: done - t0,
      storeMs: done - tAssembled,
      /** After the last page: assembling the PDF and storing it. */
      saveMs: Number.isNaN(pagesDone) ? Number.NaN : done - pagesDone,
      perPageMs: perPage,
      pageBytes: sizes,
      mimes,
      pdfBytes: pdfBytes.byteLength,
      minDpi: dpis.length ? Math.min(...dpis) : 200,
    };
  },
};

const scannerPngs = new Map<string, Blob>();
/** A synthetic A4 page at 200 dpi as the scanner hands it over (a colour PNG), made once per seed and extras. */
async function scannerPng(seed: number, extras: PageExtras): Promise<Blob> {
  const key = `${seed}/${extras}`;
  let png = scannerPngs.get(key);
  if (png === undefined) {
    const bitmap = await synthPage({ seed, extras });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    (canvas.getContext('2d') as OffscreenCanvasRenderingContext2D).drawImage(bitmap, 0, 0);
    bitmap.close();
    png = await canvas.convertToBlob({ type: 'image/png' });
    scannerPngs.set(key, png);
  }
  return png;
}

/** One durable put of the PDF Blob (strict durability, as the kiosk's journal database uses). */
async function storeInIndexedDb(key: string, blob: Blob): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open('scan-harness', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('pdfs');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error('open failed'));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('pdfs', 'readwrite', { durability: 'strict' });
      tx.objectStore('pdfs').put(blob, key);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('put failed'));
    });
  } finally {
    db.close();
  }
}

window.scanHarness = api;
document.querySelector('[data-testid="harness.ready"]')?.removeAttribute('hidden');
