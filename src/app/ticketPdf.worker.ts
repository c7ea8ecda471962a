/// <reference lib="webworker" />
/**
 * Renders ticket PDFs off the main thread, so a tap's PDF is produced while React paints the result
 * screen and IndexedDB flushes the ticket. Protocol: one `init` with the fonts, then `render`
 * requests answered by id; errors come back as values.
 */
import type { PdfFonts } from '../print/PdfFonts';
import { createTicketPdfRenderer, type TicketPdfRenderer } from '../print/ticketPdf';
import type { TicketPrintData } from '../print/TicketPrintData';

export type WorkerRequest = { kind: 'init'; fonts: PdfFonts } | { kind: 'render'; id: number; data: TicketPrintData };
export type WorkerResponse = { kind: 'rendered'; id: number; pdf: Uint8Array } | { kind: 'failed'; id: number; detail: string };

declare const self: DedicatedWorkerGlobalScope;
let renderer: TicketPdfRenderer | null = null;

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.kind === 'init') {
    renderer = createTicketPdfRenderer(message.fonts);
    return;
  }
  try {
    if (!renderer) throw new Error('renderer not initialised');
    const pdf = await renderer.render(message.data);
    const reply: WorkerResponse = { kind: 'rendered', id: message.id, pdf };
    self.postMessage(reply, [pdf.buffer]);
  } catch (e) {
    const reply: WorkerResponse = { kind: 'failed', id: message.id, detail: e instanceof Error ? e.message : String(e) };
    self.postMessage(reply);
  }
};
