import { describeUnknown, err, type Result } from '../../shared/result';
import type { CapturedPage } from './CapturedPage';
import { compressPage, type CompressOptions } from './compressPage';

/**
 * Compresses pages on worker threads: one JPEG encode of an A4 page at 200 dpi costs 80–150 ms of
 * CPU, and Chromium runs OffscreenCanvas's encoder on the calling thread, so pages compressed on
 * the main thread queue behind each other (measured: two in flight took as long as one after the
 * other). A pool of workers (default: one per core, at most 2) compresses pages side by side and
 * keeps the UI thread free while the officer scans the next page.
 *
 * Where workers or OffscreenCanvas in workers are missing, it falls back to the calling thread;
 * the result is the same (same code, same limits).
 */
export interface PageCompressor {
  /** Like compressPage; an ImageBitmap given here is transferred to a worker (closed for the caller). */
  compress(image: ImageBitmap | Blob, options: CompressOptions): Promise<Result<CapturedPage>>;
  dispose(): void;
}

interface Pending {
  readonly resolve: (r: Result<CapturedPage>) => void;
}

export function createPageCompressor(size?: number): PageCompressor {
  const count = Math.max(1, Math.min(size ?? Math.min(2, navigator.hardwareConcurrency || 1), 4));
  let workers: { worker: Worker; busy: number }[] | null = null;
  try {
    if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') throw new Error('no workers');
    workers = Array.from({ length: count }, () => ({ worker: new Worker(new URL('./compress.worker.ts', import.meta.url), { type: 'module' }), busy: 0 }));
  } catch {
    workers = null;
  }
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const fail = (message: string): void => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.resolve(err('scan.image-failed', message));
    }
  };
  for (const w of workers ?? []) {
    w.worker.onmessage = (event: MessageEvent<{ id: number; result: Result<CapturedPage> }>) => {
      w.busy--;
      const p = pending.get(event.data.id);
      pending.delete(event.data.id);
      p?.resolve(event.data.result);
    };
    w.worker.onerror = (event) => {
      event.preventDefault();
      fail(`a compression worker failed: ${String(event.message).slice(0, 200)}`);
    };
  }

  return {
    compress(image, options) {
      if (workers === null) return compressPage(image, options);
      // The least busy worker takes the page.
      const w = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      return new Promise<Result<CapturedPage>>((resolve) => {
        pending.set(id, { resolve });
        w.busy++;
        try {
          w.worker.postMessage({ id, image, options }, image instanceof ImageBitmap ? [image] : []);
        } catch (e) {
          w.busy--;
          pending.delete(id);
          resolve(err('scan.image-failed', describeUnknown(e).slice(0, 300)));
        }
      });
    },
    dispose() {
      for (const w of workers ?? []) w.worker.terminate();
      fail('the page compressor was closed');
      workers = null;
    },
  };
}

let shared: PageCompressor | null = null;
/** The kiosk's pool, created on first use and kept for the app's life. */
export function sharedPageCompressor(): PageCompressor {
  shared ??= createPageCompressor();
  return shared;
}
