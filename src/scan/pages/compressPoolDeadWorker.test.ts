/**
 * The page compressor pool when a worker dies (found in review, 2026-12-07): pages handed to it
 * afterwards must still come back, or the paper's card stays busy until a reload loses the form.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPageCompressor } from './compressPool';

/**
 * A fake dedicated worker: records what it is sent; the test decides when (and whether) it answers
 * or fails. `dead` models a worker whose script failed to load (or that crashed): it fires `error`
 * once and never answers again, as Chromium's Worker does.
 */
class FakeWorker {
  static made: FakeWorker[] = [];
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  readonly posted: { id: number }[] = [];
  dead = false;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(msg: { id: number }): void {
    this.posted.push(msg);
  }
  terminate(): void {}
  /** The worker dies: one `error` event, then silence. */
  die(message: string): void {
    this.dead = true;
    this.onerror?.({ message, preventDefault() {} } as unknown as ErrorEvent);
  }
  private answered = 0;
  /** Answers, in order, every page posted to it not answered yet (a healthy worker). */
  answerAll(): void {
    while (this.answered < this.posted.length) this.answer(this.posted[this.answered++]!.id);
  }
  answer(id: number): void {
    if (this.dead) return;
    const page = {
      id: `p${id}`,
      source: 'scanner',
      mime: 'image/jpeg',
      bytes: new Blob([]),
      widthPx: 1,
      heightPx: 1,
      dpi: 200,
      rotation: 0,
      thumbnail: new Blob([]),
      sizeBytes: 0,
    };
    this.onmessage?.({ data: { id, result: { ok: true, value: page } } } as MessageEvent);
  }
}

const g = globalThis as Record<string, unknown>;
const saved = { Worker: g.Worker, OffscreenCanvas: g.OffscreenCanvas, ImageBitmap: g.ImageBitmap };

/** Settles within `ms`, or says it is still pending (the DocumentCard would stay "busy" for good). */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'still-pending'> {
  return Promise.race([p, new Promise<'still-pending'>((r) => setTimeout(() => r('still-pending'), ms))]);
}

describe('page compressor pool: a worker that died', () => {
  beforeEach(() => {
    FakeWorker.made = [];
    g.Worker = FakeWorker;
    g.OffscreenCanvas = class {};
    g.ImageBitmap = class {};
  });
  afterEach(() => {
    g.Worker = saved.Worker;
    g.OffscreenCanvas = saved.OffscreenCanvas;
    g.ImageBitmap = saved.ImageBitmap;
  });

  it('a page handed to the pool after a worker failed to load still comes back (a result or an error)', async () => {
    const pool = createPageCompressor(2);
    const [w0, w1] = FakeWorker.made as [FakeWorker, FakeWorker];
    // The first worker's module did not load (e.g. its chunk is gone after an update): one error event.
    w0.die('Failed to fetch a dynamically imported module');
    // The officer scans a page: the pool posts it to the first "free" slot, the dead worker.
    const page = pool.compress(new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), { mode: 'auto', source: 'scanner' });
    // Every live worker answers whatever it was given.
    void w1;
    for (const w of FakeWorker.made) w.answerAll();
    expect(await within(page, 500)).not.toBe('still-pending');
  });

  it('a late answer for a page the pool already failed does not swallow the next page on that worker', async () => {
    const pool = createPageCompressor(1);
    const [w0] = FakeWorker.made as [FakeWorker];
    const png = (): Blob => new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
    // Page X is compressing; the worker reports an error (an uncaught one: it keeps running).
    const x = pool.compress(png(), { mode: 'auto', source: 'scanner' });
    w0.onerror?.({ message: 'uncaught', preventDefault() {} } as unknown as ErrorEvent);
    expect((await x).ok).toBe(false); // the officer is told, and scans again
    const y = pool.compress(png(), { mode: 'auto', source: 'scanner' });
    // The worker finishes X (its late answer), then Y; a replacement worker, if any, answers too.
    for (const w of FakeWorker.made) w.answerAll();
    expect(await within(y, 500)).not.toBe('still-pending');
  });
});
