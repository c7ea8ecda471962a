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

interface Job {
  readonly id: number;
  readonly image: ImageBitmap | Blob;
  readonly options: CompressOptions;
  readonly resolve: (r: Result<CapturedPage>) => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | null;
}

export function createPageCompressor(size?: number): PageCompressor {
  const count = Math.max(1, Math.min(size ?? Math.min(2, navigator.hardwareConcurrency || 1), 4));
  let slots: Slot[] | null = null;
  try {
    if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') throw new Error('no workers');
    slots = Array.from({ length: count }, () => ({ worker: new Worker(new URL('./compress.worker.ts', import.meta.url), { type: 'module' }), job: null }));
  } catch {
    slots = null;
  }
  // Pages wait here, in arrival order, until a worker is free: a worker holds one page at a time,
  // so pages come back in about the order they came in (the strip fills as the scanner feeds) and
  // at most `count` decoded pages are in memory at once.
  const queue: Job[] = [];
  let nextId = 1;

  const start = (slot: Slot): void => {
    const job = queue.shift();
    if (job === undefined) return;
    slot.job = job;
    try {
      slot.worker.postMessage({ id: job.id, image: job.image, options: job.options }, job.image instanceof ImageBitmap ? [job.image] : []);
    } catch (e) {
      slot.job = null;
      job.resolve(err('scan.image-failed', describeUnknown(e).slice(0, 300)));
      start(slot);
    }
  };
  const failAll = (message: string): void => {
    for (const slot of slots ?? []) {
      slot.job?.resolve(err('scan.image-failed', message));
      slot.job = null;
    }
    for (const job of queue.splice(0)) job.resolve(err('scan.image-failed', message));
  };
  for (const slot of slots ?? []) {
    slot.worker.onmessage = (event: MessageEvent<{ id: number; result: Result<CapturedPage> }>) => {
      // A late answer for a page already failed (its worker reported an error) is not this job's:
      // the page in hand stays in hand, or it would never come back.
      if (slot.job?.id !== event.data.id) return;
      const job = slot.job;
      slot.job = null;
      job.resolve(event.data.result);
      start(slot);
    };
    slot.worker.onerror = (event) => {
      event.preventDefault();
      // This worker is gone (a module that failed to load never answers again): its page fails,
      // the others go on; with no worker left, the pages waiting are compressed on this thread.
      slot.worker.terminate();
      slot.job?.resolve(err('scan.image-failed', `a compression worker failed: ${String(event.message).slice(0, 200)}`));
      slot.job = null;
      slots = (slots ?? []).filter((s) => s !== slot);
      if (slots.length === 0) {
        slots = null;
        for (const job of queue.splice(0)) void compressPage(job.image, job.options).then(job.resolve);
      }
    };
  }

  return {
    compress(image, options) {
      if (slots === null) return compressPage(image, options);
      const free = slots.find((s) => s.job === null);
      return new Promise<Result<CapturedPage>>((resolve) => {
        queue.push({ id: nextId++, image, options, resolve });
        if (free) start(free);
      });
    },
    dispose() {
      for (const slot of slots ?? []) slot.worker.terminate();
      failAll('the page compressor was closed');
      slots = null;
    },
  };
}

let shared: PageCompressor | null = null;
/** The kiosk's pool, created on first use and kept for the app's life. */
export function sharedPageCompressor(): PageCompressor {
  shared ??= createPageCompressor();
  return shared;
}
