/**
 * Node-side cost of one A4 dossier receipt PDF (two copies; layout + pdf-lib + font subset), next to
 * the queue-ticket PDF rendered in the same run. Run: `BENCH_ONLY=receipt npx tsx scripts/bench/index.ts`.
 * Target (issue): p95 ≤ 150 ms per receipt.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import type { ReceiptPrintData } from '../../src/print/ReceiptPrintData';
import { RECEIPT_LABELS_VI } from '../../test/support/receiptLabels';
import type { TicketPrintData } from '../../src/print/TicketPrintData';
import { createReceiptPdfRenderer } from '../../src/print/receiptPdf';
import { createTicketPdfRenderer } from '../../src/print/ticketPdf';
import { recordFigure } from './figures';
import { percentile, round } from './stats';

export const RECEIPT_PDF_TARGETS = { p95Ms: 150 } as const;

export interface PdfSeries {
  readonly renders: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Mean size in KB. */
  readonly kb: number;
  readonly pages: number;
}

export interface ReceiptBenchResult {
  /** 3 documents: one page per copy. */
  readonly receipt: PdfSeries;
  /** 40 documents: continuation pages. */
  readonly receiptLong: PdfSeries;
  readonly ticket: PdfSeries;
  /** receipt ÷ ticket, p50 */
  readonly timeRatio: number;
  readonly sizeRatio: number;
  readonly pass: boolean;
}

const NAMES = ['Nguyễn Thị Hương Giang', 'Trần Văn Đức', 'Lê Hoàng Phúc', 'Phạm Ngọc Ánh'];
const PROCEDURES = ['Đăng ký thành lập hộ kinh doanh', 'Cấp bản sao trích lục hộ tịch', 'Cấp giấy phép xây dựng nhà ở riêng lẻ'];

function receipt(i: number, documentCount: number): ReceiptPrintData {
  const receivedAt = Date.UTC(2026, 10, 23, 2, 0) + i * 61_000;
  return {
    agencyName: 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI',
    receivingUnitName: 'Chi nhánh số 3 – Cầu Giấy, Trung tâm Phục vụ hành chính công Thành phố Hà Nội',
    dossierCode: `000.00.21.H26-261123-${String(1 + (i % 9999)).padStart(4, '0')}`,
    applicant: {
      name: NAMES[i % NAMES.length] ?? '',
      idNumberMasked: '001*******45',
      address: `Số ${1 + (i % 90)} ngõ 34 phố Trần Thái Tông, phường Cầu Giấy, Thành phố Hà Nội`,
      phone: '0912 345 678',
      email: 'congdan@example.vn',
    },
    procedure: { name: PROCEDURES[i % PROCEDURES.length] ?? '', code: '1.001612' },
    documents: Array.from({ length: documentCount }, (_, d) => ({
      name: d % 3 === 0 ? `Bản sao có chứng thực giấy chứng nhận quyền sử dụng đất số ${d + 1}` : `Tờ khai số ${d + 1}`,
      originals: d % 2,
      copies: 1,
    })),
    sets: 1,
    processingDays: 3 + (i % 10),
    receivedAt,
    appointment: i % 5 === 0 ? { kind: 'needsConfirmation' } : { kind: 'date', at: receivedAt + 3 * 86_400_000 },
    utcOffsetMinutes: 420,
    resultDelivery: { method: i % 2 === 0 ? 'counter' : 'post', detail: '' },
    officerName: 'Trần Văn Minh',
    register: { book: '03/2026', serial: 1234 },
    lookupSecret: ((i * 2654435761) % 0xffffffff).toString(36).toUpperCase().padStart(8, 'X').slice(0, 8),
    lookupBaseUrl: 'https://dichvucong.hanoi.gov.vn/tra-cuu',
    labels: RECEIPT_LABELS_VI,
  };
}

function ticket(i: number): TicketPrintData {
  return {
    branchName: 'Chi nhánh số 3 – Cầu Giấy',
    serviceName: 'Đăng ký kinh doanh, hộ kinh doanh và hợp tác xã',
    number: `A${String(1 + (i % 999)).padStart(3, '0')}`,
    priority: i % 4 === 0,
    issuedAt: Date.UTC(2026, 10, 23, 1, 5) + i * 37_000,
    utcOffsetMinutes: 420,
    waitingAhead: i % 40,
    qrText: `https://dichvucong.hanoi.gov.vn/q/b03/A${i}?d=20261123`,
    labels: {
      ticketTitle: 'PHIẾU THỨ TỰ',
      priority: 'ƯU TIÊN',
      waitingAhead: `Số người chờ trước bạn: ${i % 40}`,
      issuedAt: 'Thời gian lấy số',
      scanToFollow: 'Quét mã để theo dõi lượt của bạn',
      keepTicket: 'Vui lòng giữ phiếu và chờ gọi số',
    },
  };
}

async function series(render: (i: number) => Promise<Uint8Array>, count: number, warmup: number): Promise<PdfSeries> {
  for (let i = 0; i < warmup; i++) await render(10_000 + i);
  const times: number[] = [];
  let bytes = 0;
  let pages = 0;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const pdf = await render(i);
    times.push(performance.now() - start);
    bytes += pdf.byteLength;
    if (i === 0) pages = (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { renders: count, p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), kb: round(bytes / count / 1024, 1), pages };
}

export async function runReceiptBench(options: { renders?: number; warmup?: number } = {}): Promise<ReceiptBenchResult> {
  const renders = options.renders ?? 30;
  const warmup = options.warmup ?? 10;
  const fontDir = join(dirname(fileURLToPath(import.meta.url)), '../../assets/fonts');
  const fonts = {
    regular: new Uint8Array(readFileSync(join(fontDir, 'BeVietnamPro-Regular.ttf'))),
    bold: new Uint8Array(readFileSync(join(fontDir, 'BeVietnamPro-Bold.ttf'))),
  };
  const receipts = createReceiptPdfRenderer(fonts);
  const tickets = createTicketPdfRenderer(fonts);
  const short = await series((i) => receipts.render(receipt(i, 3)), renders, warmup);
  const long = await series((i) => receipts.render(receipt(i, 40)), renders, warmup);
  const ticketSeries = await series((i) => tickets.render(ticket(i)), renders, warmup);
  return {
    receipt: short,
    receiptLong: long,
    ticket: ticketSeries,
    timeRatio: round(short.p50Ms / ticketSeries.p50Ms, 1),
    sizeRatio: round(short.kb / ticketSeries.kb, 1),
    pass: short.p95Ms <= RECEIPT_PDF_TARGETS.p95Ms && long.p95Ms <= RECEIPT_PDF_TARGETS.p95Ms,
  };
}

export function printReceiptBench(r: ReceiptBenchResult): void {
  const line = (name: string, s: PdfSeries): string =>
    `${name.padEnd(16)} ${s.renders} renders  p50 ${s.p50Ms} ms  p95 ${s.p95Ms} ms  size ${s.kb} KB  ${s.pages} pages`;
  const [load1] = loadavg();
  const cpus = availableParallelism();
  console.log(`receipt PDF bench (node ${process.version}, ${cpus} CPUs, load ${(load1 ?? 0).toFixed(2)})`);
  if ((load1 ?? 0) > cpus) console.log('note    load average above CPU count: p95 includes waiting for a CPU');
  console.log(line('receipt (3 docs)', r.receipt));
  console.log(line('receipt (40)', r.receiptLong));
  console.log(line('ticket', r.ticket));
  console.log(`ratio   receipt/ticket: time ${r.timeRatio}× (p50), size ${r.sizeRatio}×`);
  console.log(`target  p95 ≤ ${RECEIPT_PDF_TARGETS.p95Ms} ms: ${r.pass ? 'PASS' : 'MISS'} (${r.receipt.p95Ms} ms, 40 documents ${r.receiptLong.p95Ms} ms)`);
  recordFigure({
    figure: 'dossier receipt PDF (A4, two copies)',
    measured: `p95 ${r.receipt.p95Ms} ms (40 documents ${r.receiptLong.p95Ms} ms)`,
    target: `p95 ≤ ${RECEIPT_PDF_TARGETS.p95Ms} ms`,
    pass: r.pass,
  });
}
