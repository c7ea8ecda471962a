/**
 * Digitising the paper documents of a dossier: capture pages (scanner, camera, files), compress
 * them, edit the page list, assemble one PDF per document. The counter UI builds on this API only.
 */
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
export { importFiles, MAX_IMPORT_FILE_BYTES, MAX_IMPORT_PDF_PAGES } from './importFiles';
export { movePage, removePage, replacePage, rotate, totalBytes } from './pageList';
export { assembleDocumentPdf, PDF_PRODUCER, type DocumentPdfMeta } from './assembleDocumentPdf';
