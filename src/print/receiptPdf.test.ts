/**
 * Checks the A4 receipt the way the officer and the applicant see it: text extracted with poppler's
 * pdftotext (diacritics survive the subset and ToUnicode map), page count per copy, and the QR
 * decoded from a pdftoppm raster with @zxing/library. Also writes test-results/screens/receipt-*.png
 * for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptDocument, ReceiptPrintData } from './ReceiptPrintData';
import { RECEIPT_LABELS_VI } from '../../test/support/receiptLabels';
import { tempPdfFiles } from '../../test/support/tempPdfFiles';
import { A4_HEIGHT_PT, A4_WIDTH_PT, createReceiptPdfRenderer, receiptQrText, renderReceiptPdf } from './receiptPdf';

const ROOT = join(import.meta.dirname, '../..');
const FONT_DIR = join(ROOT, 'assets/fonts');
const SCREENS = join(ROOT, 'test-results/screens');
const fonts = {
  regular: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Regular.ttf'))),
  bold: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Bold.ttf'))),
};

const TITLE = 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ';
const NAME = 'Nguyễn Thị Hương Giang';
const CODE = '000.00.21.H26-261123-0042';

const DOCUMENTS: readonly ReceiptDocument[] = [
  { name: 'Giấy đề nghị đăng ký hộ kinh doanh (Mẫu số 01, Phụ lục III-1 Thông tư 02/2023/TT-BKHĐT)', originals: 1, copies: 0 },
  { name: 'Bản sao căn cước của chủ hộ kinh doanh', originals: 0, copies: 1 },
  { name: 'Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh', originals: 1, copies: 0 },
];

const sampleReceipt: ReceiptPrintData = {
  agencyName: 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI',
  receivingUnitName: 'Chi nhánh số 3 – Cầu Giấy, Trung tâm Phục vụ hành chính công Thành phố Hà Nội',
  dossierCode: CODE,
  applicant: {
    name: NAME,
    idNumberMasked: '001*******45',
    address: 'Số 12 ngõ 34 phố Trần Thái Tông, phường Cầu Giấy, Thành phố Hà Nội',
    phone: '0912 345 678',
    email: 'huonggiang@example.vn',
  },
  procedure: { name: 'Đăng ký thành lập hộ kinh doanh', code: '1.001612' },
  documents: DOCUMENTS,
  sets: 1,
  processingDays: 3,
  receivedAt: Date.parse('2026-11-23T02:35:00Z'), // 09:35 in Hà Nội
  appointment: { kind: 'date', at: Date.parse('2026-11-26T02:35:00Z') },
  utcOffsetMinutes: 420,
  resultDelivery: { method: 'counter', detail: 'Quầy số 5' },
  officerName: 'Trần Văn Minh',
  register: { book: '03/2026', serial: 1234 },
  lookupSecret: 'K7QX2M9P',
  lookupBaseUrl: 'https://dichvucong.hanoi.gov.vn/tra-cuu',
  labels: RECEIPT_LABELS_VI,
};

function manyDocuments(count: number): ReceiptDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    name:
      i % 3 === 0
        ? `Giấy tờ số ${i + 1}: bản sao có chứng thực giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất`
        : `Giấy tờ số ${i + 1}: tờ khai đăng ký`,
    originals: i % 2,
    copies: 1 + (i % 3),
  }));
}

const { write: writeTemp } = tempPdfFiles('receipt-pdf');
beforeAll(() => {
  mkdirSync(SCREENS, { recursive: true });
});

const norm = (s: string): string => s.normalize('NFC').replace(/\s+/gu, ' ').trim();

function pdfText(pdf: Uint8Array, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return norm(execFileSync('/usr/bin/pdftotext', ['-layout', ...range, writeTemp(pdf), '-'], { encoding: 'utf8' }));
}

/** One page as binary PGM (P5, maxval 255), decoded into luminance bytes. */
function rasterisePage(pdf: Uint8Array, page: number, dpi: number): { width: number; height: number; pixels: Uint8Array } {
  const out = execFileSync('/usr/bin/pdftoppm', ['-r', String(dpi), '-gray', '-f', String(page), '-l', String(page), '-singlefile', writeTemp(pdf)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const header: string[] = [];
  let pos = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(out[pos] ?? 0))) pos++;
    let token = '';
    while (!/\s/.test(String.fromCharCode(out[pos] ?? 0x20))) token += String.fromCharCode(out[pos++] ?? 0);
    header.push(token);
  }
  pos++;
  expect(header[0]).toBe('P5');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: new Uint8Array(out.subarray(pos, pos + width * height)) };
}

function decodeQr(image: { width: number; height: number; pixels: Uint8Array }): string {
  const source = new RGBLuminanceSource(new Uint8ClampedArray(image.pixels), image.width, image.height);
  const hints = new Map<DecodeHintType, unknown>([[DecodeHintType.TRY_HARDER, true]]);
  return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
}

function screenshot(pdf: Uint8Array, name: string): void {
  execFileSync('/usr/bin/pdftoppm', ['-r', '60', '-png', writeTemp(pdf), join(SCREENS, name)]);
}

describe('renderReceiptPdf', () => {
  const renderer = createReceiptPdfRenderer(fonts);

  it('prints both copies of the form with the Vietnamese text, code and dates', async () => {
    const pdf = await renderReceiptPdf(sampleReceipt, fonts);
    screenshot(pdf, 'receipt-short');
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(2);
    const { width, height } = doc.getPage(0).getSize();
    expect(Math.abs(width - A4_WIDTH_PT)).toBeLessThan(0.5);
    expect(Math.abs(height - A4_HEIGHT_PT)).toBeLessThan(0.5);

    const page1 = pdfText(pdf, 1);
    const page2 = pdfText(pdf, 2);
    expect(page1).toContain('Liên 1: Lưu hồ sơ');
    expect(page1).not.toContain('Liên 2');
    expect(page2).toContain('Liên 2: Giao người nộp');
    for (const text of [page1, page2]) {
      expect(text).toContain(TITLE);
      expect(text).toContain(NAME);
      expect(text).toContain(CODE);
      expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
      expect(text).toContain('Độc lập - Tự do - Hạnh phúc');
      expect(text).toContain('BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ');
      expect(text).toContain('Hà Nội, ngày 23 tháng 11 năm 2026');
      expect(text).toContain('09 giờ 35 phút, ngày 23 tháng 11 năm 2026'); // received
      expect(text).toContain('09 giờ 35 phút, ngày 26 tháng 11 năm 2026'); // appointment
      expect(text).toContain('3 ngày làm việc');
      expect(text).toContain('001*******45');
      expect(text).toContain('1.001612');
      expect(text).toContain('Bản sao căn cước của chủ hộ kinh doanh');
      expect(text).toContain('NGƯỜI NỘP HỒ SƠ');
      expect(text).toContain('(Ký và ghi rõ họ tên)');
      expect(text).toContain('NGƯỜI TIẾP NHẬN HỒ SƠ');
      expect(text).toContain('Trần Văn Minh'); // the officer's name under the signature
      expect(text).toContain('Vào Sổ theo dõi hồ sơ, Quyển số: 03/2026, Số thứ tự: 1234');
      expect(text).toContain('6. Đăng ký nhận kết quả tại: Tại Bộ phận tiếp nhận và trả kết quả');
      expect(text).toContain('được lập thành 02 liên');
      expect(text).toContain('Thư điện tử: huonggiang@example.vn');
      expect(text).toContain('Mã tra cứu: K7QX2M9P');
      expect(text).toContain('Tại Bộ phận tiếp nhận và trả kết quả – Quầy số 5');
      expect(text).not.toContain('Cán bộ tiếp nhận sẽ thông báo ngày hẹn');
    }
  });

  it('prints a QR on each copy that decodes to the dossier code and look-up secret', async () => {
    const pdf = await renderer.render(sampleReceipt);
    const expected = receiptQrText(sampleReceipt);
    expect(expected).toBe(`https://dichvucong.hanoi.gov.vn/tra-cuu?code=${CODE}&s=K7QX2M9P`);
    for (const page of [1, 2]) {
      const url = new URL(decodeQr(rasterisePage(pdf, page, 150)));
      expect(url.searchParams.get('code')).toBe(CODE);
      expect(url.searchParams.get('s')).toBe('K7QX2M9P');
    }
  });

  it('shows the confirmation sentence instead of a date when the appointment needs confirmation', async () => {
    const pdf = await renderer.render({ ...sampleReceipt, appointment: { kind: 'needsConfirmation' }, resultDelivery: { method: 'post', detail: '' } });
    screenshot(pdf, 'receipt-confirm');
    const text = pdfText(pdf);
    expect(text).toContain('Cán bộ tiếp nhận sẽ thông báo ngày hẹn');
    expect(text).not.toContain('ngày 26 tháng 11 năm 2026');
    expect(text).toContain('Qua dịch vụ bưu chính công ích');
  });

  it('leaves out the lines it has nothing for: no e-mail, no phone, no register entry, no officer name', async () => {
    const pdf = await renderer.render({
      ...sampleReceipt,
      applicant: { ...sampleReceipt.applicant, email: '', phone: ' ' },
      register: null,
      officerName: '',
    });
    const text = pdfText(pdf, 1);
    expect(text).not.toContain('Thư điện tử');
    expect(text).not.toContain('Số điện thoại');
    expect(text).not.toContain('Vào Sổ theo dõi hồ sơ');
    expect(text).not.toContain('Trần Văn Minh');
    expect(text).toContain('Địa chỉ: Số 12 ngõ 34');
    expect(text).toContain('NGƯỜI TIẾP NHẬN HỒ SƠ');
  });

  it('fits a typical dossier of 6 documents on one page per copy, signatures included, even with names as long as the catalog allows', async () => {
    // 120 characters: the longest document name the seed catalog lists (test/unit/catalogSeed.test.ts).
    const documents: ReceiptDocument[] = Array.from({ length: 6 }, (_, i) => ({
      name: `Văn bản thỏa thuận số ${i + 1} về việc cấp chung một Giấy chứng nhận khi có nhiều người chung quyền sử dụng đất, nhà ở, công trình…`,
      originals: 1,
      copies: i % 2,
    }));
    expect(Math.max(...documents.map((d) => d.name.length))).toBeGreaterThanOrEqual(115);
    const pdf = await renderer.render({ ...sampleReceipt, documents });
    screenshot(pdf, 'receipt-six');
    expect((await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount()).toBe(2);
    for (const page of [1, 2]) {
      const text = pdfText(pdf, page);
      expect(text).toContain('Văn bản thỏa thuận số 6');
      expect(text).toContain('NGƯỜI TIẾP NHẬN HỒ SƠ');
      expect(text).toContain('Trang 1/1');
    }
  });

  it('breaks the agency name between words only, shrinking it when a word is wider than its column', async () => {
    const agencyName = 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI – CHI NHÁNH ĐÔNG-ANH–SÓC-SƠN–MÊ-LINH–BA-VÌ';
    const pdf = await renderer.render({ ...sampleReceipt, agencyName });
    screenshot(pdf, 'receipt-agency');
    // A word split over two lines would come out of pdftotext as two pieces.
    for (const page of [1, 2]) expect(pdfText(pdf, page)).toContain('ĐÔNG-ANH–SÓC-SƠN–MÊ-LINH–BA-VÌ');
  });

  it('flows 40 documents onto continuation pages of each copy', async () => {
    const documents = manyDocuments(40);
    const pdf = await renderer.render({ ...sampleReceipt, documents });
    screenshot(pdf, 'receipt-long');
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const pages = doc.getPageCount();
    expect(pages).toBeGreaterThan(2);
    expect(pages % 2).toBe(0);
    const perCopy = pages / 2;
    const copy1 = Array.from({ length: perCopy }, (_, i) => pdfText(pdf, i + 1)).join(' ');
    const copy2 = Array.from({ length: perCopy }, (_, i) => pdfText(pdf, perCopy + i + 1)).join(' ');
    expect(pdfText(pdf, perCopy + 1)).toContain('Liên 2: Giao người nộp');
    expect(pdfText(pdf, perCopy)).toContain(`Trang ${perCopy}/${perCopy}`);
    for (const text of [copy1, copy2]) {
      expect(text).toContain('Giấy tờ số 1:');
      expect(text).toContain('Giấy tờ số 40:');
      expect(text).toContain('quyền sở hữu nhà ở và tài sản khác gắn liền với đất');
      expect(text).toContain('NGƯỜI TIẾP NHẬN');
      expect(text).toContain('(tiếp theo)');
    }
    // Nothing outside the page's printable area (15 mm right margin; some printers clip at 5 mm).
    const boxes = execFileSync('/usr/bin/pdftotext', ['-bbox', writeTemp(pdf), '-'], { encoding: 'utf8' });
    const words = [...boxes.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"/g)];
    expect(words.length).toBeGreaterThan(500);
    for (const [, xMin, yMin, xMax, yMax] of words) {
      expect(Number(xMin)).toBeGreaterThanOrEqual((24 * 72) / 25.4);
      expect(Number(xMax)).toBeLessThanOrEqual(A4_WIDTH_PT - (14 * 72) / 25.4);
      expect(Number(yMin)).toBeGreaterThanOrEqual((5 * 72) / 25.4);
      expect(Number(yMax)).toBeLessThanOrEqual(A4_HEIGHT_PT - (5 * 72) / 25.4);
    }
    // The QR is still readable on the last page of the applicant's copy.
    expect(new URL(decodeQr(rasterisePage(pdf, pages, 150))).searchParams.get('s')).toBe('K7QX2M9P');
  });

  it('is deterministic and keeps personal data out of the metadata', async () => {
    const pdf = await renderer.render(sampleReceipt);
    expect(await renderer.render(sampleReceipt)).toEqual(pdf);
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getTitle()).toBe(`${TITLE} ${CODE}`);
    expect(doc.getAuthor()).toBeUndefined();
    expect(doc.getCreationDate()?.getTime()).toBe(sampleReceipt.receivedAt);
    expect(pdf.byteLength).toBeLessThan(60 * 1024);
  });
});
