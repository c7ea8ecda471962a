/**
 * The counter screens' door to src/scan (src/ui may not import it, STYLE.md): reading the ID card's
 * QR from the camera with the default engine, the USB scanner's keyboard-wedge detector and
 * routing, and digitising document pages (scanner, camera, files) and editing the page list. The
 * pages become one PDF per document in the desk, at submit (dossierDocuments.ts).
 *
 * Guarantees:
 *  - one QR decoder per page, created lazily with DEFAULT_QR_ENGINE (the benchmark's winner); the
 *    engine's code and .wasm load on the first scan, never on the start path;
 *  - camera streams are opened and stopped here (`openCamera`, `stopStream`): a screen that goes
 *    away calls `stopStream`, so the camera light goes off;
 *  - failures come back as values with `qr.*` / `scan.*` codes the i18n catalog explains.
 */
import { createQrDecoder, type QrDecoder } from '../scan/qr/QrDecoder';
import { openCamera, startCameraQrScan } from '../scan/qr/cameraQrScanner';
import { checkWedgeText, classifyScan, createKeyboardWedgeDetector } from '../scan/keyboardWedge';
import { captureFromScanner, captureFromVideo, DEFAULT_TARGET_DPI, importFiles, type CapturedPage, type ScanColorMode } from '../scan/pages';
import type { Platform } from '../platform/Platform';
import { err, ok, type AppError, type Result } from '../shared/result';

export { openCamera, checkWedgeText, classifyScan, createKeyboardWedgeDetector };
export type { ClassifiedScan, KeyboardWedgeDetector, WedgeEvent, WedgeStep } from '../scan/keyboardWedge';

let decoder: QrDecoder | null = null;

/** The page's QR decoder (default engine), created on first use and kept: the engine costs nothing idle. */
function cardDecoder(): QrDecoder {
  decoder ??= createQrDecoder();
  return decoder;
}

/** Decodes QR codes from a playing <video> until `stop()`; each distinct text once. */
export function scanQrFromVideo(video: HTMLVideoElement, onText: (text: string) => void, onError: (error: AppError) => void): { stop(): void } {
  return startCameraQrScan(video, cardDecoder(), onText, { onError });
}

/** Turns the camera off (every track), so nothing keeps filming once a screen closes. */
export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export {
  DEFAULT_SCAN_COLOR_MODE,
  movePage,
  removePage,
  replacePage,
  rotate,
  SCAN_COLOR_MODES,
  totalBytes,
  type CapturedPage,
  type ScanColorMode,
} from '../scan/pages';

type Pages = Result<readonly CapturedPage[]>;

/** The counter's document scanner, over the platform port: the screens never see the platform. */
export interface DocumentScanner {
  /** False in a shell that cannot drive a document scanner (a plain browser): the officer is told so. */
  readonly supported: boolean;
  /** True when at least one scanner is listed (Electron with SANE and a device). */
  available(): Promise<boolean>;
  /** One page from the first scanner, at 200 dpi (the target resolution), compressed. */
  scanPage(mode: ScanColorMode): Promise<Pages>;
}

export function createDocumentScanner(platform: Platform): DocumentScanner {
  return {
    supported: platform.kind === 'electron',
    async available() {
      try {
        const listed = await platform.listScanners();
        return listed.ok && listed.value.length > 0;
      } catch {
        return false;
      }
    },
    async scanPage(mode) {
      const page = await captureFromScanner(platform, { device: null, mode, resolution: DEFAULT_TARGET_DPI });
      return page.ok ? ok([page.value]) : page;
    },
  };
}

/** A still of the camera's current frame as a compressed page. */
export async function captureStill(video: HTMLVideoElement | null, mode: ScanColorMode): Promise<Pages> {
  if (video === null) return err('scan.camera-not-ready', 'the camera is not showing a picture yet');
  const page = await captureFromVideo(video, mode);
  return page.ok ? ok([page.value]) : page;
}

/** PDF/JPEG/PNG files (e.g. from a USB stick): one page per image, every page of a PDF. */
export function importPageFiles(files: readonly File[], mode: ScanColorMode): Promise<Pages> {
  return importFiles(files, mode);
}
