/**
 * The shape of `window.scanHarness` (harness.ts), as the Playwright test and the benchmark see it.
 * Types only, so Node-side code can use it without Vite's module types.
 */
export interface InkStats {
  readonly darkRatio: number;
  readonly maxChannelSpread: number;
  /** Luminance that 7/8 of the pixels reach or exceed: the (darker end of the) paper level. */
  readonly paperLevel: number;
}

export interface PageSummary {
  readonly id: string;
  readonly source: string;
  readonly mime: string;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly dpi: number;
  readonly rotation: number;
  readonly sizeBytes: number;
}

export interface PdfSummary {
  readonly pages: ReadonlyArray<{ readonly width: number; readonly height: number; readonly rotate: number }>;
  readonly title: string | undefined;
  readonly producer: string | undefined;
  readonly author: string | undefined;
  readonly created: string | undefined;
  readonly modified: string | undefined;
}

export interface HarnessError {
  readonly code: string;
  readonly detail: string;
}

export type Failed = { readonly ok: false; readonly error: HarnessError };

export interface BenchRun {
  /** Assemble + store after the last page (NaN for the baselines). */
  readonly saveMs: number;
  readonly totalMs: number;
  readonly storeMs: number;
  readonly perPageMs: number[];
  readonly pageBytes: number[];
  /** What each page was stored as (image/jpeg or image/x-ccitt-g4). */
  readonly mimes: string[];
  readonly pdfBytes: number;
  readonly minDpi: number;
}

export interface BilevelProbe {
  readonly kind: 'text' | 'gray' | 'color';
  readonly colourTiles: number;
  readonly toneTiles: number;
  readonly threshold: number;
  readonly inkLevel: number;
  readonly paperLevel: number;
  readonly gray: PageSummary & { readonly ms: number };
  readonly bilevel: PageSummary & { readonly ms: number };
  readonly auto: PageSummary & { readonly ms: number };
  readonly steps: {
    readonly readBackMs: number;
    readonly analyseMs: number;
    readonly packMs: number;
    readonly pngNoneMs: number;
    readonly pngUpMs: number;
    readonly g4Ms: number;
    readonly embedPngMs: number;
    readonly g4PdfMs: number;
  };
  readonly pngNoneBytes: number;
  readonly pngUpBytes: number;
  readonly g4Bytes: number;
  readonly pdfViaEmbedPngBytes: number;
  readonly pdfG4Bytes: number;
  readonly pdfs: { readonly gray: string; readonly bilevel: string } | null;
}

export interface ScannerRun {
  /** When each page was handed to the pool and when it came back compressed, ms from the first hand-over. */
  readonly arrivals: number[];
  readonly dones: number[];
  /** From the last page's hand-over to the PDF stored: what the officer waits for after the scanner stops. */
  readonly waitMs: number;
  readonly lastPageMs: number;
  readonly assembleMs: number;
  readonly storeMs: number;
  readonly pageBytes: number[];
  readonly mimes: string[];
  readonly pdfBytes: number;
}

export type PageExtras = 'both' | 'none' | 'stamp' | 'grayPhoto';

export interface ScanHarnessApi {
  scannerRun(options: {
    extras: PageExtras[];
    mode: 'auto' | 'bilevel' | 'gray' | 'color';
    intervalMs: number;
    workers: number;
    seed?: number;
    /** Decode the PNG on the page's thread and hand the pool a bitmap (the scanner path before). */
    decodeOnMain?: boolean;
  }): Promise<ScannerRun>;
  bilevelProbe(options: { seed: number; extras: PageExtras; dense?: boolean; pdfs?: boolean }): Promise<BilevelProbe>;
  compressSynth(options: {
    mode: 'auto' | 'bilevel' | 'gray' | 'color';
    seed: number;
    qrText?: string;
    photoLike?: boolean;
    enhance?: boolean;
    extras?: PageExtras;
  }): Promise<
    { ok: true; page: PageSummary; before: InkStats; after: InkStats; thumb: { width: number; height: number }; qr: string | null; ms: number } | Failed
  >;
  qualityCurve(options: { mode: 'gray' | 'color'; seed: number; qrText?: string; dense?: boolean }): Promise<Record<string, number[]>>;
  scanViaPort(): Promise<{ ok: true; page: PageSummary } | Failed>;
  captureVideo(): Promise<{ notReady: HarnessError | null; page: PageSummary | null; error: HarnessError | null }>;
  assembleReordered(): Promise<{ ok: true; order: Array<readonly number[]>; pdf: PdfSummary; deterministic: boolean } | Failed>;
  importSamples(): Promise<
    | {
        ok: true;
        pages: PageSummary[];
        thumbWidths: number[];
        pdfJsThumbnails: number;
        assembled: PdfSummary;
        txt: HarnessError | null;
        renamed: HarnessError | null;
        broken: HarnessError | null;
      }
    | Failed
  >;
  bench(options: {
    count: number;
    mode: 'auto' | 'bilevel' | 'gray' | 'color';
    baseline: 'none' | 'jpeg92';
    enhance?: boolean;
    dense?: boolean;
    extras?: PageExtras;
  }): Promise<BenchRun>;
}

declare global {
  interface Window {
    scanHarness: ScanHarnessApi;
  }
}
