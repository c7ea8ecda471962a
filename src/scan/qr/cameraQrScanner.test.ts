import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppFailure } from '../../shared/result';
import { openCamera, startCameraQrScan, type FrameCanvas, type VideoSource } from './cameraQrScanner';
import type { QrDecoder, RgbaFrame } from './QrDecoder';

function fakeVideo(width: number, height: number): VideoSource {
  return { readyState: 4, videoWidth: width, videoHeight: height } as unknown as VideoSource;
}

/** Records every draw; getImageData hands back a frame of the drawn size. */
function fakeCanvas(): FrameCanvas & { draws: { w: number; h: number }[]; resizes: number } {
  let width = 1;
  let height = 1;
  const canvas = {
    draws: [] as { w: number; h: number }[],
    resizes: 0,
    get width() {
      return width;
    },
    set width(v: number) {
      width = v;
      canvas.resizes++;
    },
    get height() {
      return height;
    },
    set height(v: number) {
      height = v;
      canvas.resizes++;
    },
    getContext: () => ({
      drawImage: (_s: unknown, _x: number, _y: number, w: number, h: number) => canvas.draws.push({ w, h }),
      getImageData: (_x: number, _y: number, w: number, h: number): RgbaFrame => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    }),
  };
  return canvas;
}

/** A decoder answering from a script, taking `delayMs` per frame, counting overlapping decodes. */
function scriptedDecoder(answers: (string | null)[], delayMs: number) {
  let inFlight = 0;
  const stats = { calls: 0, maxInFlight: 0, sizes: [] as string[] };
  const decoder: QrDecoder = {
    engine: 'zxing-wasm',
    async decode(frame) {
      stats.calls++;
      stats.sizes.push(`${frame.width}x${frame.height}`);
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      inFlight--;
      return answers.length > 0 ? answers.shift()! : null;
    },
    dispose() {},
  };
  return { decoder, stats };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('startCameraQrScan', () => {
  it('reports each distinct text once, in order', async () => {
    const { decoder } = scriptedDecoder([null, 'A', 'A', null, 'B', 'A', 'B'], 5);
    const seen: string[] = [];
    const scan = startCameraQrScan(fakeVideo(640, 480), decoder, (t) => seen.push(t), { intervalMs: 10, canvas: fakeCanvas() });
    await vi.advanceTimersByTimeAsync(500);
    scan.stop();
    expect(seen).toEqual(['A', 'B']);
  });

  it('never decodes two frames at once when the decoder is slower than the interval', async () => {
    const { decoder, stats } = scriptedDecoder([], 200);
    const scan = startCameraQrScan(fakeVideo(1280, 720), decoder, () => undefined, { intervalMs: 10, canvas: fakeCanvas() });
    await vi.advanceTimersByTimeAsync(2_000);
    scan.stop();
    expect(stats.maxInFlight).toBe(1);
    // One frame per (decode + interval), not one per interval: nothing queued behind a slow decode.
    expect(stats.calls).toBeLessThanOrEqual(Math.ceil(2_000 / 210));
  });

  it('downscales frames wider than 1280 px into one reused canvas', async () => {
    const { decoder, stats } = scriptedDecoder([], 1);
    const canvas = fakeCanvas();
    const scan = startCameraQrScan(fakeVideo(1920, 1080), decoder, () => undefined, { intervalMs: 10, canvas });
    await vi.advanceTimersByTimeAsync(200);
    scan.stop();
    expect(new Set(stats.sizes)).toEqual(new Set(['1280x720']));
    expect(canvas.draws.length).toBeGreaterThan(3);
    expect(canvas.resizes).toBe(2); // width and height set once
  });

  it('waits for the video to have a frame', async () => {
    const { decoder, stats } = scriptedDecoder([], 1);
    const video = { readyState: 1, videoWidth: 0, videoHeight: 0 } as unknown as VideoSource;
    const scan = startCameraQrScan(video, decoder, () => undefined, { intervalMs: 10, canvas: fakeCanvas() });
    await vi.advanceTimersByTimeAsync(100);
    expect(stats.calls).toBe(0);
    Object.assign(video, { readyState: 4, videoWidth: 640, videoHeight: 480 });
    await vi.advanceTimersByTimeAsync(100);
    scan.stop();
    expect(stats.calls).toBeGreaterThan(0);
  });

  it('after stop(), reports nothing, even a text from a decode already in flight', async () => {
    const { decoder, stats } = scriptedDecoder(['A', 'B'], 50);
    const seen: string[] = [];
    const scan = startCameraQrScan(fakeVideo(640, 480), decoder, (t) => seen.push(t), { intervalMs: 10, canvas: fakeCanvas() });
    await vi.advanceTimersByTimeAsync(20); // first decode is in flight
    scan.stop();
    scan.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([]);
    expect(stats.calls).toBe(1);
  });

  it('stops and reports a decoder that cannot start', async () => {
    const decoder: QrDecoder = {
      engine: 'zxing-wasm',
      decode: () => Promise.reject(new AppFailure('qr.engine-unavailable', 'wasm missing')),
      dispose() {},
    };
    const errors: string[] = [];
    startCameraQrScan(fakeVideo(640, 480), decoder, () => undefined, { intervalMs: 10, canvas: fakeCanvas(), onError: (e) => errors.push(e.code) });
    await vi.advanceTimersByTimeAsync(200);
    expect(errors).toEqual(['qr.engine-unavailable']);
  });
});

describe('openCamera', () => {
  const failing = (name: string) => ({ getUserMedia: () => Promise.reject(Object.assign(new Error('x'), { name })) });

  it.each([
    ['NotAllowedError', 'qr.camera-denied'],
    ['NotFoundError', 'qr.no-camera'],
    ['OverconstrainedError', 'qr.no-camera'],
    ['NotReadableError', 'qr.camera-busy'],
    ['TypeError', 'qr.camera-failed'],
  ])('maps %s to %s', async (name, code) => {
    const result = await openCamera(undefined, failing(name));
    expect(result).toMatchObject({ ok: false, error: { code } });
  });

  it('asks for 1280×720 from the environment-facing camera', async () => {
    const stream = {} as MediaStream;
    const getUserMedia = vi.fn(() => Promise.resolve(stream));
    expect(await openCamera(undefined, { getUserMedia })).toEqual({ ok: true, value: stream });
    expect(getUserMedia).toHaveBeenCalledWith(
      expect.objectContaining({ video: expect.objectContaining({ width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: { ideal: 'environment' } }) }),
    );
  });

  it('without media devices (insecure context) says there is no camera', async () => {
    expect(await openCamera(undefined, undefined)).toMatchObject({ ok: false, error: { code: 'qr.no-camera' } });
  });
});
