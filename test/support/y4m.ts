/**
 * YUV4MPEG2 (.y4m) files from RGBA frames, for Chromium's fake camera:
 * `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>.y4m` plays the
 * frames in a loop to getUserMedia.
 *
 * Guarantees: 8-bit 4:2:0 (`C420jpeg`: chroma averaged over each 2×2 block, which Chromium's parser
 * accepts with C420, C420mpeg2 and C420paldv), BT.601 limited range as Chromium converts I420 back
 * to RGB, progressive, square pixels; every frame is preceded by a bare `FRAME\n` (Chromium's parser
 * takes no frame parameters). Width and height must be even.
 */
import { writeFileSync } from 'node:fs';
import { CCCD_QR_PNG, decodeGrayPng, FIXTURE_MODULE_PX, FIXTURE_QUIET_MODULES } from '../../scripts/fixtures/makeCccdQr';
import { readFileSync } from 'node:fs';
import { renderQrFrame, type QrModules, type RgbaImage } from './qrFrames';

export interface Y4mOptions {
  /** Frames per second written in the header (Chromium plays at this rate). */
  readonly fps?: number;
}

/** One frame as I420 planes: Y (w×h), then U and V (w/2 × h/2). */
export function rgbaToI420(frame: RgbaImage): Uint8Array {
  const { width, height, data } = frame;
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`y4m 4:2:0 needs even sizes, got ${width}×${height}`);
  const out = new Uint8Array((width * height * 3) / 2);
  const uOffset = width * height;
  const vOffset = uOffset + (width * height) / 4;
  for (let i = 0; i < width * height; i++) {
    const r = data[i * 4]!;
    const g = data[i * 4 + 1]!;
    const b = data[i * 4 + 2]!;
    out[i] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = ((y + dy) * width + x + dx) * 4;
        r += data[p]!;
        g += data[p + 1]!;
        b += data[p + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const c = (y / 2) * (width / 2) + x / 2;
      out[uOffset + c] = Math.round(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
      out[vOffset + c] = Math.round(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return out;
}

/** The bytes of a .y4m file showing `frames` in order. */
export function encodeY4m(frames: readonly RgbaImage[], options: Y4mOptions = {}): Buffer {
  const first = frames[0];
  if (first === undefined) throw new RangeError('a y4m file needs at least one frame');
  const header = Buffer.from(`YUV4MPEG2 W${first.width} H${first.height} F${options.fps ?? 30}:1 Ip A1:1 C420jpeg\n`, 'latin1');
  const parts: Uint8Array[] = [header];
  for (const frame of frames) {
    if (frame.width !== first.width || frame.height !== first.height) throw new RangeError('all y4m frames must have the same size');
    parts.push(Buffer.from('FRAME\n', 'latin1'), rgbaToI420(frame));
  }
  return Buffer.concat(parts);
}

export function writeY4m(path: string, frames: RgbaImage | readonly RgbaImage[], options: Y4mOptions = {}): void {
  writeFileSync(path, encodeY4m(Array.isArray(frames) ? frames : [frames as RgbaImage], options));
}

/** The modules of the QR in test/fixtures/cccd-qr.png, read back from the picture (module centres). */
export function fixtureQrModules(): QrModules {
  const png = decodeGrayPng(readFileSync(CCCD_QR_PNG));
  const size = png.width / FIXTURE_MODULE_PX - 2 * FIXTURE_QUIET_MODULES;
  const centre = (m: number): number => (m + FIXTURE_QUIET_MODULES) * FIXTURE_MODULE_PX + FIXTURE_MODULE_PX / 2;
  return {
    size,
    isDark: (x, y) => x >= 0 && y >= 0 && x < size && y < size && png.data[Math.floor(centre(y)) * png.width + Math.floor(centre(x))]! < 128,
  };
}

/**
 * Writes a .y4m for the fake camera: the fixture card (test/fixtures/cccd-qr.png, payload
 * CCCD_FIXTURE_PAYLOAD) held in front of a camera: slightly turned (8°), a little perspective, sensor
 * noise, ~4.5 px per module at 640×480. Three frames differing only in noise, so the stream is not
 * perfectly still. Returns the path.
 */
export function cccdFixtureY4m(path: string, size: { width: number; height: number } = { width: 640, height: 480 }): string {
  const modules = fixtureQrModules();
  const modulePx = Math.round(((0.55 * size.height) / (modules.size + 8)) * 10) / 10;
  const frames = [1, 2, 3].map((seed) =>
    renderQrFrame(modules, {
      width: size.width,
      height: size.height,
      seed,
      conditions: { modulePx, rotationDeg: 8, perspective: 0.04, blurPx: 0, glare: false, noise: 3, lowContrast: false, offCentre: false, eci: false },
    }),
  );
  writeY4m(path, frames);
  return path;
}
