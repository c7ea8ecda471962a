/**
 * Digitising the paper documents of a dossier: capture pages (scanner, camera, files), compress
 * them, edit the page list, assemble one PDF per document. The counter UI builds on this API only.
 */
import type { assembleDocumentPdf as eagerAssembleDocumentPdf } from './assembleDocumentPdf';
import type { importFiles as eagerImportFiles } from './importFiles';

export {
  A4_MM,
  DEFAULT_MAX_PAGE_BYTES,
  DEFAULT_SCAN_COLOR_MODE,
  DEFAULT_TARGET_DPI,
  SCAN_COLOR_MODES,
  THUMBNAIL_MAX_PX,
  type CapturedPage,
  type ScanColorMode,
} from './CapturedPage';
export { compressPage, type CompressOptions } from './compressPage';
export { createPageCompressor, sharedPageCompressor, type PageCompressor } from './compressPool';
export { captureFromScanner, captureFromVideo, scannerMode, type ScannerCapture, type ScannerPort } from './capture';
export { analysePage, type PageAnalysis, type PageKind } from './pageKind';
export { movePage, removePage, replacePage, rotate, totalBytes } from './pageList';
export type { DocumentPdfMeta } from './assembleDocumentPdf';

/*
 * The two functions that need pdf-lib (with pako, ≈ 0.3 MB minified) load their module on the first
 * call, so the start screen's bundle does not carry it. Vite emits it as a chunk of its own, which
 * the service worker precaches with every other chunk: offline after the first visit, it loads
 * from the cache. Nothing here may import those modules statically, or they return to the main bundle.
 */

/** assembleDocumentPdf.ts, loaded on first use. */
export async function assembleDocumentPdf(...args: Parameters<typeof eagerAssembleDocumentPdf>): ReturnType<typeof eagerAssembleDocumentPdf> {
  const { assembleDocumentPdf: assemble } = await import('./assembleDocumentPdf');
  return assemble(...args);
}

/** importFiles.ts, loaded on first use. */
export async function importFiles(...args: Parameters<typeof eagerImportFiles>): ReturnType<typeof eagerImportFiles> {
  const { importFiles: load } = await import('./importFiles');
  return load(...args);
}
