/**
 * The QR decoder port: one RGBA frame in, the decoded text (or null) out, whichever engine runs it.
 *
 * Guarantees:
 *  - text comes back exactly as encoded on the card: UTF-8 bytes (with or without an ECI header) are
 *    decoded as UTF-8, so Vietnamese diacritics survive ("Nguyễn Thị Thu Hằng");
 *  - a frame without a readable QR code gives null, never an exception; an engine that cannot start
 *    (its .wasm missing) rejects with an AppFailure `qr.engine-unavailable`;
 *  - no engine touches the network: zxing-wasm is given its .wasm (bytes, or a same-origin URL the
 *    build serves and the service worker precaches), never its CDN default;
 *  - `dispose()` is idempotent; a disposed decoder answers null.
 */
import type { ZxingWasmSource } from './zxingWasmDecoder';

/** An RGBA frame, top row first; ImageData fits. */
export interface RgbaFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export type QrEngine = 'zxing-library' | 'zxing-wasm';
export const QR_ENGINES: readonly QrEngine[] = ['zxing-library', 'zxing-wasm'];

export interface QrDecoder {
  readonly engine: QrEngine;
  decode(frame: RgbaFrame): Promise<string | null>;
  dispose(): void;
}

export interface QrDecoderOptions {
  /**
   * Where zxing-wasm finds its reader .wasm. Default (renderer): the file Vite emits from
   * node_modules (`?url`), same origin. Node callers pass the bytes.
   */
  readonly wasm?: ZxingWasmSource;
}

/**
 * Chosen by `BENCH_ONLY=qr` (scripts/bench/qr.bench.ts): the same seeded corpus of camera-like
 * frames, 100 with a CCCD code + 10 without per size, engines interleaved frame by frame; Node 20 on
 * the 2-core CI machine with other work running (load 7), 2026-11-24:
 *   640×480   zxing-wasm 99 % decoded, p50/p95 4.4/17 ms; @zxing/library 93 %, 6.1/24.5 ms
 *   1280×720  zxing-wasm 100 % decoded, p50/p95 8.8/14.6 ms; @zxing/library 93 %, 14.5/28 ms
 * A second run at load 9: same decode rates, zxing-wasm wall p95 64 ms at 1280×720 (CPU p95 24 ms),
 * still 0.57× the library's. The library's other binarizer or halved frames are faster but read
 * less (67–76 %). zxing-wasm reads more (small, blurred, low-contrast, glared codes) and is faster:
 * it is the default.
 */
export const DEFAULT_QR_ENGINE: QrEngine = 'zxing-wasm';

/** A decoder for `engine`; the engine's code loads on first use (it is not on the start path). */
export function createQrDecoder(engine: QrEngine = DEFAULT_QR_ENGINE, options: QrDecoderOptions = {}): QrDecoder {
  let inner: Promise<QrDecoder> | null = null;
  let disposed = false;
  const load = (): Promise<QrDecoder> =>
    (inner ??=
      engine === 'zxing-wasm'
        ? import('./zxingWasmDecoder').then(async (m) => m.createZxingWasmDecoder(options.wasm ?? (await defaultWasmSource())))
        : import('./zxingLibraryDecoder').then((m) => m.createZxingLibraryDecoder()));
  return {
    engine,
    async decode(frame) {
      if (disposed) return null;
      const decoder = await load();
      return disposed ? null : decoder.decode(frame);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      void inner?.then((d) => d.dispose()).catch(() => undefined);
    },
  };
}

async function defaultWasmSource(): Promise<ZxingWasmSource> {
  const { ZXING_READER_WASM_URL } = await import('./zxingReaderWasmUrl');
  return { url: ZXING_READER_WASM_URL };
}

/** ITU-R BT.601 luma of an RGBA frame, one byte per pixel (what both engines binarize). */
export function lumaOf(frame: RgbaFrame): Uint8ClampedArray {
  const { data, width, height } = frame;
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) out[i] = (306 * data[p]! + 601 * data[p + 1]! + 117 * data[p + 2]! + 512) >> 10;
  return out;
}
