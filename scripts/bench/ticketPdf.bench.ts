/**
 * Node-side cost of making one queue-ticket PDF (layout + pdf-lib + font subset), with the subset
 * font and with the full font. Run: `npx tsx scripts/bench/ticketPdf.bench.ts`.
 * Targets (issue): p95 ≤ 50 ms per ticket, PDF ≤ 15 KB with the subset font. The in-browser
 * tap→PDF time is measured separately by the lead.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { ticketQrText } from '../../src/app/KioskApp';
import { qrMatrix, type QrEngine } from '../../src/print/qrMatrix';
import type { TicketPrintData } from '../../src/print/TicketPrintData';
import { createTicketPdfRenderer, type TicketPdfRenderer } from '../../src/print/ticketPdf';
import { recordFigure } from './figures';
import { percentile, round, verdict } from './stats';

export const TICKET_PDF_TARGETS = { p95Ms: 50, maxKb: 15 } as const;

export interface TicketPdfSeries {
  readonly tickets: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
  /** Mean PDF size over the series. */
  readonly bytes: number;
  readonly kb: number;
  readonly maxBytes: number;
}

export interface TicketPdfBenchResult {
  /** The default engine (writePdf.ts, `direct`), subset fonts: what the kiosk prints. */
  readonly subset: TicketPdfSeries;
  readonly full: TicketPdfSeries;
  /** The same tickets through the pdf-lib engine (the peer the default was chosen against). */
  readonly pdfLib: TicketPdfSeries;
  /** pdf-lib ÷ direct, p50. */
  readonly engineRatio: number;
  /** full ÷ subset */
  readonly timeRatio: number;
  readonly sizeRatio: number;
  /** The ticket's QR matrix alone (a kiosk ticket URL with its ticket id), per encoder. */
  readonly qr: { readonly direct: { p50Ms: number; p95Ms: number }; readonly zxing: { p50Ms: number; p95Ms: number }; readonly ratio: number };
  /** Renderer creation (hinting strip + font parse), once per kiosk start. */
  readonly setupMs: { readonly subset: number; readonly full: number };
  readonly pass: { readonly p95: boolean; readonly size: boolean };
}

const SERVICES = [
  'Đăng ký kinh doanh, hộ kinh doanh và hợp tác xã',
  'Tư pháp – Hộ tịch',
  'Đất đai',
  'Xây dựng, quy hoạch kiến trúc',
  'Lao động, thương binh và xã hội',
  'Y tế',
];
const BRANCHES = ['Chi nhánh số 1 – Ba Đình', 'Trung tâm Phục vụ hành chính công Thành phố Hà Nội – Chi nhánh số 3 (Cầu Giấy)'];
const PREFIXES = ['A', 'B', 'C', 'D', 'E', 'F'];

function ticket(i: number): TicketPrintData {
  const group = i % SERVICES.length;
  const number = `${PREFIXES[group] ?? 'A'}${String(1 + (i % 999)).padStart(3, '0')}`;
  const waiting = (i * 7) % 40;
  return {
    branchName: BRANCHES[i % BRANCHES.length] ?? '',
    serviceName: SERVICES[group] ?? '',
    number,
    priority: i % 4 === 0,
    issuedAt: Date.UTC(2026, 10, 23, 1, 5) + i * 37_000,
    utcOffsetMinutes: 420,
    waitingAhead: waiting,
    qrText: `https://dichvucong.hanoi.gov.vn/q/b03/${number}?d=20261123&k=${((i * 2654435761) % 0xffffff).toString(16)}`,
    labels: {
      ticketTitle: 'PHIẾU THỨ TỰ',
      priority: 'ƯU TIÊN',
      waitingAhead: `Số người chờ trước bạn: ${waiting}`,
      issuedAt: 'Thời gian lấy số',
      scanToFollow: 'Quét mã để theo dõi lượt của bạn',
      keepTicket: 'Vui lòng giữ phiếu và chờ gọi số',
    },
  };
}

/** The QR text a kiosk prints on a ticket, made by the kiosk's own ticketQrText: look-up page, branch, day, number, ticket id. */
const kioskQrText = (i: number): string =>
  ticketQrText(
    { branchCode: 'CN01', ticketQrBaseUrl: 'https://dichvucong.hanoi.gov.vn/tra-cuu' },
    { id: randomUUID(), day: '2026-11-23', number: `${PREFIXES[i % PREFIXES.length]}${String(1 + (i % 999)).padStart(4, '0')}` },
  );

function qrSeries(engine: QrEngine, count: number, warmup: number): { p50Ms: number; p95Ms: number } {
  for (let i = 0; i < warmup; i++) qrMatrix(kioskQrText(i), 'M', engine);
  const texts = Array.from({ length: count }, (_, i) => kioskQrText(i));
  const times: number[] = [];
  for (const text of texts) {
    const start = performance.now();
    qrMatrix(text, 'M', engine);
    times.push(performance.now() - start);
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50), 3), p95Ms: round(percentile(sorted, 95), 3) };
}

async function series(renderer: TicketPdfRenderer, count: number, warmup: number): Promise<TicketPdfSeries> {
  for (let i = 0; i < warmup; i++) await renderer.render(ticket(10_000 + i));
  const times: number[] = [];
  let bytes = 0;
  let maxBytes = 0;
  for (let i = 0; i < count; i++) {
    const data = ticket(i);
    const start = performance.now();
    const pdf = await renderer.render(data);
    times.push(performance.now() - start);
    bytes += pdf.byteLength;
    maxBytes = Math.max(maxBytes, pdf.byteLength);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = bytes / count;
  return {
    tickets: count,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    meanMs: round(times.reduce((a, b) => a + b, 0) / count),
    bytes: Math.round(mean),
    kb: round(mean / 1024, 1),
    maxBytes,
  };
}

export async function runTicketPdfBench(options: { tickets?: number; warmup?: number } = {}): Promise<TicketPdfBenchResult> {
  const tickets = options.tickets ?? 300;
  const warmup = options.warmup ?? 30;
  const fontDir = join(dirname(fileURLToPath(import.meta.url)), '../../assets/fonts');
  const fonts = {
    regular: new Uint8Array(readFileSync(join(fontDir, 'BeVietnamPro-Regular.ttf'))),
    bold: new Uint8Array(readFileSync(join(fontDir, 'BeVietnamPro-Bold.ttf'))),
  };
  let t = performance.now();
  const subsetRenderer = createTicketPdfRenderer(fonts, { subset: true });
  const setupSubset = performance.now() - t;
  t = performance.now();
  const fullRenderer = createTicketPdfRenderer(fonts, { subset: false });
  const setupFull = performance.now() - t;

  const pdfLibRenderer = createTicketPdfRenderer(fonts, { subset: true, engine: 'pdf-lib' });

  const subset = await series(subsetRenderer, tickets, warmup);
  const full = await series(fullRenderer, tickets, warmup);
  const pdfLib = await series(pdfLibRenderer, tickets, warmup);
  const qrZxing = qrSeries('zxing', tickets * 2, warmup * 2);
  const qrDirect = qrSeries('direct', tickets * 2, warmup * 2);
  return {
    qr: { direct: qrDirect, zxing: qrZxing, ratio: round(qrZxing.p50Ms / qrDirect.p50Ms) },
    subset,
    full,
    pdfLib,
    engineRatio: round(pdfLib.p50Ms / subset.p50Ms),
    timeRatio: round(full.p50Ms / subset.p50Ms),
    sizeRatio: round(full.bytes / subset.bytes),
    setupMs: { subset: round(setupSubset), full: round(setupFull) },
    pass: {
      p95: subset.p95Ms <= TICKET_PDF_TARGETS.p95Ms,
      size: subset.maxBytes <= TICKET_PDF_TARGETS.maxKb * 1024,
    },
  };
}

export function printTicketPdfBench(r: TicketPdfBenchResult): void {
  const line = (name: string, s: TicketPdfSeries): string =>
    `${name.padEnd(7)} ${s.tickets} tickets  p50 ${s.p50Ms} ms  p95 ${s.p95Ms} ms  mean ${s.meanMs} ms  ` +
    `size ${s.bytes} B (${s.kb} KB, max ${s.maxBytes} B)`;
  const [load1] = loadavg();
  const cpus = availableParallelism();
  console.log(`ticket PDF bench (node ${process.version}, ${cpus} CPUs, load ${(load1 ?? 0).toFixed(2)})`);
  // p95 on a shared machine measures the neighbours as much as the code: say so next to the figure.
  if ((load1 ?? 0) > cpus) console.log(`note    load average above CPU count: p95 includes waiting for a CPU`);
  console.log(`setup   subset ${r.setupMs.subset} ms, full ${r.setupMs.full} ms (once per renderer)`);
  console.log(line('subset', r.subset));
  console.log(line('full', r.full));
  console.log(line('pdf-lib', r.pdfLib));
  console.log(`ratio   full/subset: time ${r.timeRatio}×, size ${r.sizeRatio}×`);
  console.log(`ratio   engine pdf-lib/direct (subset, p50): ${r.engineRatio}× (the kiosk writes with the direct engine: src/print/pdf/writePdf.ts)`);
  console.log(
    `qr      the ticket's QR matrix alone: direct p50 ${r.qr.direct.p50Ms} ms p95 ${r.qr.direct.p95Ms} ms; zxing p50 ${r.qr.zxing.p50Ms} ms p95 ${r.qr.zxing.p95Ms} ms (${r.qr.ratio}× the direct encoder's p50; same matrix: src/print/qrEncode.ts)`,
  );
  console.log(
    `target  p95 ≤ ${TICKET_PDF_TARGETS.p95Ms} ms: ${verdict(r.pass.p95)} (${r.subset.p95Ms} ms); ` +
      `size ≤ ${TICKET_PDF_TARGETS.maxKb} KB: ${verdict(r.pass.size)} (max ${r.subset.maxBytes} B)`,
  );
  recordFigure({
    figure: 'ticket PDF, Node, subset font',
    measured: `p95 ${r.subset.p95Ms} ms, ${r.subset.kb} KB (max ${round(r.subset.maxBytes / 1024, 1)})`,
    target: `p95 ≤ ${TICKET_PDF_TARGETS.p95Ms} ms, ≤ ${TICKET_PDF_TARGETS.maxKb} KB`,
    pass: r.pass.p95 && r.pass.size,
  });
  recordFigure({
    figure: 'same through pdf-lib (the peer engine)',
    measured: `p95 ${r.pdfLib.p95Ms} ms, ${r.pdfLib.kb} KB (${r.engineRatio}× the direct engine's p50)`,
    target: '—',
    pass: null,
  });
  recordFigure({
    figure: "a ticket's QR matrix, direct encoder",
    measured: `p95 ${r.qr.direct.p95Ms} ms (zxing ${r.qr.zxing.p95Ms}; ${r.qr.ratio}× the direct encoder's p50)`,
    target: '—',
    pass: null,
  });
  recordFigure({ figure: 'same with the full font', measured: `p95 ${r.full.p95Ms} ms, ${r.full.kb} KB (${r.sizeRatio}× larger)`, target: '—', pass: null });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printTicketPdfBench(await runTicketPdfBench());
}
