import type { PdfFonts } from '../print/PdfFonts';
import type { TicketPdfRenderer } from '../print/ticketPdf';
import type { TicketPrintData } from '../print/TicketPrintData';
import type { WorkerRequest, WorkerResponse } from './ticketPdf.worker';

/** A ticket renderer that says where it renders, so the kiosk knows whether a render would hold the screen. */
export interface KioskTicketRenderer extends TicketPdfRenderer {
  /**
   * true: `render` runs off the main thread and may overlap the journal commit without delaying
   * the number on screen; false: it holds the main thread while it runs (the PDF engine does not yield).
   */
  readonly offMainThread: boolean;
  /**
   * Renders a sample ticket and throws the PDF away, so the engine keeps that ticket's embedded
   * fonts (and its code is compiled) before the first citizen of the service taps. A renderer
   * without it is simply not warmed.
   */
  warm?(sample: TicketPrintData): Promise<void>;
}

/** Same-thread renderer: the PDF engine is a lazily loaded chunk. The kiosk's default (see bootstrap.ts); Node tests; fallback. */
export async function createInlineTicketRenderer(fonts: PdfFonts): Promise<KioskTicketRenderer> {
  const print = await import('../print/ticketPdf');
  const renderer = print.createTicketPdfRenderer(fonts);
  return {
    offMainThread: false,
    render: (data) => renderer.render(data),
    warm: async (sample) => {
      await renderer.render(sample);
    },
  };
}

/**
 * Renderer in a dedicated worker (`?pdf=worker` in the web kiosk). Falls back to the inline
 * renderer when workers are unavailable or the worker fails to start.
 */
export async function createWorkerTicketRenderer(fonts: PdfFonts): Promise<KioskTicketRenderer> {
  if (typeof Worker === 'undefined') return createInlineTicketRenderer(fonts);
  let worker: Worker;
  try {
    worker = new Worker(new URL('./ticketPdf.worker.ts', import.meta.url), { type: 'module', name: 'ticket-pdf' });
  } catch {
    return createInlineTicketRenderer(fonts);
  }
  const pending = new Map<number, { resolve: (pdf: Uint8Array) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let broken: Error | null = null;
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const reply = event.data;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.kind === 'rendered') waiter.resolve(reply.pdf);
    else waiter.reject(new Error(reply.detail));
  };
  worker.onerror = (event) => {
    broken = new Error(`ticket PDF worker failed: ${event.message}`);
    for (const waiter of pending.values()) waiter.reject(broken);
    pending.clear();
  };
  const init: WorkerRequest = { kind: 'init', fonts: { regular: fonts.regular, bold: fonts.bold } };
  worker.postMessage(init);
  let inline: Promise<KioskTicketRenderer> | null = null;
  const render = (data: TicketPrintData): Promise<Uint8Array> => {
    // A dead worker must not stop tickets from printing: render on the main thread instead.
    if (broken) {
      inline ??= createInlineTicketRenderer(fonts);
      return inline.then((r) => r.render(data));
    }
    const id = nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const request: WorkerRequest = { kind: 'render', id, data };
      worker.postMessage(request);
    });
  };
  return {
    get offMainThread() {
      return broken === null;
    },
    async warm(sample: TicketPrintData): Promise<void> {
      await render(sample);
    },
    render,
  };
}
