/**
 * Reads QR codes from a camera: opens it (`openCamera`) and decodes frames of a playing <video>
 * (`startCameraQrScan`).
 *
 * Guarantees:
 *  - one frame at a time: the next frame is grabbed `intervalMs` after the previous decode finished,
 *    so a slow decoder lowers the frame rate instead of queueing frames (no backlog, bounded memory);
 *  - one canvas for the whole scan; frames wider than `maxWidth` (1280) are downscaled when drawn;
 *  - `onText` is called once per distinct text of a scan session, never after `stop()`;
 *  - `stop()` is idempotent and takes effect at once, even while a decode is in flight;
 *  - camera failures come back as values: `qr.camera-denied`, `qr.no-camera`, `qr.camera-busy`,
 *    `qr.camera-failed`; nothing here decides what the UI shows.
 * Grabbing and decoding run on the main thread, one frame per `intervalMs` + decode time; measured
 * costs and why there is no worker yet: src/scan/README.md, "QR codes".
 */
import { err, ok, type AppError, type Result, describeUnknown } from '../../shared/result';
import { AppFailure } from '../../shared/result';
import type { QrDecoder, RgbaFrame } from './QrDecoder';

export interface CameraQrScanOptions {
  /** Pause between the end of one decode and the next grab. */
  readonly intervalMs?: number;
  /** Frames wider than this are scaled down (aspect kept) before decoding. */
  readonly maxWidth?: number;
  /** A decoder failure (e.g. `qr.engine-unavailable`); the scan stops. */
  readonly onError?: (error: AppError) => void;
  /** For tests: the canvas to draw into (default: an OffscreenCanvas, else a <canvas>). */
  readonly canvas?: FrameCanvas;
}

/** The part of a canvas the scanner uses. */
export interface FrameCanvas {
  width: number;
  height: number;
  getContext(kind: '2d', options?: { willReadFrequently?: boolean }): FrameContext | null;
}
export interface FrameContext {
  drawImage(source: CanvasImageSource, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): RgbaFrame;
}

/** The part of an HTMLVideoElement the scanner reads. */
export type VideoSource = Pick<HTMLVideoElement, 'readyState' | 'videoWidth' | 'videoHeight'> & CanvasImageSource;

/** Between frames: a card is read within ~¼ s while the main thread stays mostly free. */
export const DEFAULT_SCAN_INTERVAL_MS = 150;
export const MAX_FRAME_WIDTH = 1280;
const HAVE_CURRENT_DATA = 2;

function defaultCanvas(): FrameCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1) as unknown as FrameCanvas;
  return document.createElement('canvas') as unknown as FrameCanvas;
}

export function startCameraQrScan(video: VideoSource, decoder: QrDecoder, onText: (text: string) => void, options: CameraQrScanOptions = {}): { stop(): void } {
  const intervalMs = options.intervalMs ?? DEFAULT_SCAN_INTERVAL_MS;
  const maxWidth = options.maxWidth ?? MAX_FRAME_WIDTH;
  const canvas = options.canvas ?? defaultCanvas();
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const seen = new Set<string>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const schedule = (delay: number): void => {
    if (!stopped) timer = setTimeout(() => void tick(), delay);
  };

  const grab = (): RgbaFrame | null => {
    if (context === null || video.readyState < HAVE_CURRENT_DATA || video.videoWidth === 0 || video.videoHeight === 0) return null;
    const scale = Math.min(1, maxWidth / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    // Assigning a canvas size clears and reallocates it: only when the camera's size changes.
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  };

  const tick = async (): Promise<void> => {
    timer = null;
    if (stopped) return;
    try {
      const frame = grab();
      const text = frame === null ? null : await decoder.decode(frame);
      if (stopped) return;
      if (text !== null && text !== '' && !seen.has(text)) {
        seen.add(text);
        onText(text);
      }
    } catch (e) {
      if (stopped) return;
      stopped = true;
      const error = e instanceof AppFailure ? e.toError() : { code: 'qr.engine-unavailable', detail: `decode failed: ${describeUnknown(e)}`.slice(0, 300) };
      options.onError?.(error);
      return;
    }
    schedule(intervalMs);
  };

  if (context === null) {
    stopped = true;
    options.onError?.({ code: 'qr.engine-unavailable', detail: 'no 2d canvas context' });
  } else schedule(0);

  return {
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** 1280×720 preferred (a card's QR needs ≥ 2.5 px per module), the back camera where there is one. */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: { ideal: 'environment' } },
};

/** Opens the camera; getUserMedia failures become `qr.*` codes the UI can explain. */
export async function openCamera(
  constraints: MediaStreamConstraints = CAMERA_CONSTRAINTS,
  mediaDevices: Pick<MediaDevices, 'getUserMedia'> | undefined = globalThis.navigator?.mediaDevices,
): Promise<Result<MediaStream>> {
  if (mediaDevices === undefined) return err('qr.no-camera', 'navigator.mediaDevices is missing (not a secure context, or no media support)');
  try {
    return ok(await mediaDevices.getUserMedia(constraints));
  } catch (e) {
    const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return err('qr.camera-denied', `getUserMedia: ${name}`);
      case 'NotFoundError':
      case 'OverconstrainedError':
        return err('qr.no-camera', `getUserMedia: ${name}`);
      case 'NotReadableError':
      case 'AbortError':
        return err('qr.camera-busy', `getUserMedia: ${name}`);
      default:
        return err('qr.camera-failed', `getUserMedia: ${describeUnknown(e)}`.slice(0, 300));
    }
  }
}
