import type { KioskBridge, ScanPageRequest } from '../../shared/ipc';
import { describeUnknown, err, type Result } from '../../shared/result';
import type { CapturedPage, ScanColorMode } from './CapturedPage';
import { sharedPageCompressor } from './compressPool';

/**
 * Capture from the two live sources: the document scanner (through the platform port — SANE in
 * Electron main; a browser answers scan.unsupported) and one still frame of the camera.
 */

/** The part of the platform port scanning needs (src/scan cannot import src/platform). */
export type ScannerPort = Pick<KioskBridge, 'scanPage'>;

export interface ScannerCapture {
  readonly device: ScanPageRequest['device'];
  readonly mode: ScanColorMode;
  readonly resolution: ScanPageRequest['resolution'];
}

/** What the scanner is asked for: colour where the page may keep colour ('auto' must see a stamp's red), gray otherwise. */
export function scannerMode(mode: ScanColorMode): ScanPageRequest['mode'] {
  return mode === 'color' || mode === 'auto' ? 'color' : 'gray';
}

/**
 * Scans one page and compresses it (the scanner's PNG at its real dpi → a page ≤ 250 KB at ≤ 200
 * dpi). The PNG goes to the worker pool as it is and is decoded there: the UI thread neither
 * decodes nor copies a 15–25 MB bitmap, and the pool's timings (the bench) are the scanner path's.
 */
export async function captureFromScanner(platform: ScannerPort, options: ScannerCapture): Promise<Result<CapturedPage>> {
  const scanned = await platform.scanPage({ device: options.device, mode: scannerMode(options.mode), resolution: options.resolution });
  if (!scanned.ok) return scanned;
  const png = new Blob([scanned.value.png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  const page = await sharedPageCompressor().compress(png, { mode: options.mode, source: 'scanner', sourceDpi: scanned.value.dpi });
  if (!page.ok && page.error.code === 'scan.file-unreadable') return err('scan.image-failed', `the scanned PNG could not be decoded: ${page.error.detail}`);
  return page;
}

/**
 * One still frame of a playing camera <video> as a page, with auto-levels and white balance so
 * the photographed paper looks like paper. `scan.camera-not-ready` until the video has a frame.
 */
export async function captureFromVideo(video: HTMLVideoElement, mode: ScanColorMode): Promise<Result<CapturedPage>> {
  if (video.readyState < 2 || video.videoWidth === 0 || video.videoHeight === 0) {
    return err('scan.camera-not-ready', 'the camera has no frame yet');
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(video);
  } catch (e) {
    return err('scan.camera-not-ready', `no frame could be taken: ${describeUnknown(e).slice(0, 200)}`);
  }
  return sharedPageCompressor().compress(bitmap, { mode, source: 'camera', enhance: true });
}
