import type * as PdfJsModule from 'pdfjs-dist';
import { THUMBNAIL_MAX_PX } from './CapturedPage';

/**
 * Thumbnails of PDF pages with pdf.js (pdfjs-dist), loaded only when a PDF is imported.
 *
 * pdf.js runs its parser in a worker; the worker file comes from the app's own build (Vite's
 * `?worker` import bundles pdfjs-dist's worker into /assets as a .js file, which the service
 * worker precaches), never from a CDN, so thumbnails work offline. If pdf.js cannot render a page
 * (no worker, unsupported content) the caller draws a labelled placeholder instead
 * (`placeholderThumbnail`), so importing a PDF never fails because of its preview.
 */

type PdfJs = typeof PdfJsModule;
let pdfjsPromise: Promise<PdfJs> | null = null;

async function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?worker')]);
    pdfjs.GlobalWorkerOptions.workerPort = new worker.default();
    return pdfjs;
  })();
  try {
    return await pdfjsPromise;
  } catch (e) {
    pdfjsPromise = null;
    throw e;
  }
}

function newCanvas(width: number, height: number): OffscreenCanvas | HTMLCanvasElement {
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }
  return new OffscreenCanvas(width, height);
}

async function toJpeg(canvas: OffscreenCanvas | HTMLCanvasElement): Promise<Blob> {
  if (canvas instanceof OffscreenCanvas) return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.7 });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob gave nothing'))), 'image/jpeg', 0.7));
}

/** JPEG thumbnails of every page of a PDF (longest side ≤ 320 px), in page order. Throws if pdf.js fails. */
export async function renderPdfThumbnails(pdfBytes: Uint8Array, pageCount: number): Promise<Blob[]> {
  const pdfjs = await loadPdfJs();
  // pdf.js transfers the buffer to its worker: give it a copy.
  const task = pdfjs.getDocument({ data: pdfBytes.slice(), isEvalSupported: false, useSystemFonts: true, stopAtErrors: false });
  const pdf = await task.promise;
  try {
    const thumbs: Blob[] = [];
    for (let i = 1; i <= Math.min(pageCount, pdf.numPages); i++) {
      const page = await pdf.getPage(i);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: THUMBNAIL_MAX_PX / Math.max(base.width, base.height) });
      const canvas = newCanvas(Math.max(1, Math.floor(viewport.width)), Math.max(1, Math.floor(viewport.height)));
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      await page.render({ canvas: canvas as HTMLCanvasElement, canvasContext: ctx, viewport }).promise;
      thumbs.push(await toJpeg(canvas));
      page.cleanup();
    }
    return thumbs;
  } finally {
    await pdf.destroy();
  }
}

/** A labelled stand-in thumbnail ("PDF · trang n") for a page pdf.js could not draw. */
export async function placeholderThumbnail(pageNumber: number, widthPt: number, heightPt: number): Promise<Blob> {
  const scale = THUMBNAIL_MAX_PX / Math.max(widthPt, heightPt);
  const canvas = newCanvas(Math.max(1, Math.round(widthPt * scale)), Math.max(1, Math.round(heightPt * scale)));
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#8a94a6';
  ctx.lineWidth = 4;
  ctx.strokeRect(2, 2, canvas.width - 4, canvas.height - 4);
  ctx.fillStyle = '#3b4252';
  ctx.textAlign = 'center';
  ctx.font = 'bold 48px sans-serif';
  ctx.fillText('PDF', canvas.width / 2, canvas.height / 2);
  ctx.font = '24px sans-serif';
  ctx.fillText(`trang ${pageNumber}`, canvas.width / 2, canvas.height / 2 + 40);
  return toJpeg(canvas);
}
