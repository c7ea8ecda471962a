/**
 * One digitised page of a paper document, as the counter keeps it until the document is saved as
 * a PDF. Pages are values: every edit (rotate, reorder, retake) makes a new page or a new list.
 */
export interface CapturedPage {
  /** Random UUID, for React keys and list edits; not stored in the PDF. */
  readonly id: string;
  readonly source: 'scanner' | 'camera' | 'file';
  /**
   * image/jpeg: a gray or colour raster page; image/x-ccitt-g4: a bilevel (1-bit, black and white)
   * page, CCITT Group 4 data of widthPx × heightPx pixels (ccittG4.ts; no container, so only the
   * document PDF and the thumbnail show it); application/pdf: a one-page PDF copied from an
   * imported PDF.
   */
  readonly mime: 'image/jpeg' | typeof G4_MIME | 'application/pdf';
  readonly bytes: Blob;
  /** Pixel size of the image; for a PDF page, its displayed size at `dpi`. */
  readonly widthPx: number;
  readonly heightPx: number;
  /** Pixels per inch, so widthPx / dpi × 72 is the page width in PDF points. */
  readonly dpi: number;
  /** Clockwise quarter turns applied when the PDF is assembled (the bytes are never re-encoded). */
  readonly rotation: 0 | 90 | 180 | 270;
  /** Small JPEG (longest side ≤ 320 px) for the page strip. */
  readonly thumbnail: Blob;
  /** bytes.size, kept for totals without touching the Blob. */
  readonly sizeBytes: number;
}

/**
 * How a page is stored: 'auto' looks at the page (pageKind.ts) and stores a text-only page as
 * bilevel, one with a stamp or coloured ink in colour, one with a photo or shading in gray;
 * 'bilevel' (black and white), 'gray' and 'color' force the choice.
 */
/** The mime of a bilevel page's bytes (not a registered type: raw G4 data has no file format). */
export const G4_MIME = 'image/x-ccitt-g4';

export type ScanColorMode = 'auto' | 'bilevel' | 'gray' | 'color';
export const SCAN_COLOR_MODES = ['auto', 'bilevel', 'gray', 'color'] as const satisfies readonly ScanColorMode[];
/** What the officer gets before choosing: text pages shrink to bilevel, stamps keep their colour. */
export const DEFAULT_SCAN_COLOR_MODE: ScanColorMode = 'auto';

/** A4 in millimetres and at the target resolution: 1654 × 2339 px at 200 dpi. */
export const A4_MM = { width: 210, height: 297 } as const;
export const DEFAULT_TARGET_DPI = 200;
/** Size target of one compressed page (issue 4): at most 250 KB. */
export const DEFAULT_MAX_PAGE_BYTES = 250_000;
/** Longest side of a thumbnail. */
export const THUMBNAIL_MAX_PX = 320;
