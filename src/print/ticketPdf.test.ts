/**
 * Checks the ticket PDF the way a printer and a person see it: text extracted with poppler's
 * pdftotext (so diacritics must survive the font subset and ToUnicode map), and the page rasterised
 * at the thermal head's 203 dpi and the QR decoded from those pixels.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { tempPdfFiles } from '../../test/support/tempPdfFiles';
import type { TicketPrintData } from './TicketPrintData';
import { qrMatrix } from './qrMatrix';
import { TICKET_PAGE_WIDTH_PT, createTicketPdfRenderer } from './ticketPdf';

const FONT_DIR = join(import.meta.dirname, '../../assets/fonts');
const fonts = {
  regular: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Regular.ttf'))),
  bold: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Bold.ttf'))),
};

const SERVICE = 'Đăng ký kinh doanh, hộ kinh doanh và hợp tác xã';
const LONG_BRANCH = 'Trung tâm Phục vụ hành chính công Thành phố Hà Nội – Chi nhánh số 3 quận Cầu Giấy';

const base: TicketPrintData = {
  branchName: 'Chi nhánh số 3 – Cầu Giấy',
  serviceName: SERVICE,
  number: 'A1015',
  priority: false,
  issuedAt: Date.parse('2026-11-23T01:05:00Z'),
  utcOffsetMinutes: 420,
  waitingAhead: 7,
  qrText: 'https://dichvucong.hanoi.gov.vn/q/b03/A1015?d=20261123&k=7f3a9c',
  labels: {
    ticketTitle: 'PHIẾU THỨ TỰ',
    priority: 'ƯU TIÊN',
    waitingAhead: 'Số người chờ trước bạn: 7',
    issuedAt: 'Thời gian lấy số',
    scanToFollow: 'Quét mã để theo dõi lượt của bạn',
    keepTicket: 'Vui lòng giữ phiếu và chờ gọi số',
  },
};

const { write: writeTemp } = tempPdfFiles('ticket-pdf');

/** NFC and one space per whitespace run, so wrapped lines compare as one string. */
const norm = (s: string): string => s.normalize('NFC').replace(/\s+/gu, ' ').trim();

function pdfText(pdf: Uint8Array): string {
  return norm(execFileSync('/usr/bin/pdftotext', ['-layout', writeTemp(pdf), '-'], { encoding: 'utf8' }));
}

interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** `pdftoppm -gray` writes binary PGM (P5, maxval 255): a text header and one byte per pixel. */
function rasterise(pdf: Uint8Array, dpi = 203): Gray {
  const out = execFileSync('/usr/bin/pdftoppm', ['-r', String(dpi), '-gray', '-singlefile', writeTemp(pdf)]);
  const header: string[] = [];
  let pos = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(out[pos] ?? 0))) pos++;
    if (out[pos] === 0x23 /* # comment */) {
      while (out[pos] !== 0x0a) pos++;
      continue;
    }
    let token = '';
    while (!/\s/.test(String.fromCharCode(out[pos] ?? 0x20))) token += String.fromCharCode(out[pos++] ?? 0);
    header.push(token);
  }
  pos++; // the single whitespace after maxval
  const [magic, w, h, max] = header;
  expect(magic).toBe('P5');
  expect(max).toBe('255');
  const width = Number(w);
  const height = Number(h);
  return { width, height, pixels: new Uint8Array(out.subarray(pos, pos + width * height)) };
}

function decodeQr(image: Gray): string {
  const source = new RGBLuminanceSource(new Uint8ClampedArray(image.pixels), image.width, image.height);
  const hints = new Map<DecodeHintType, unknown>([[DecodeHintType.TRY_HARDER, true]]);
  return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
}

describe('qrMatrix', () => {
  it('gives a square symbol with finder patterns and no quiet zone', () => {
    const m = qrMatrix('A1015');
    expect((m.size - 17) % 4).toBe(0);
    expect(m.isDark(0, 0)).toBe(true);
    expect(m.isDark(m.size - 1, 0)).toBe(true);
    expect(m.isDark(0, m.size - 1)).toBe(true);
    for (let i = 0; i < 7; i++) expect(m.isDark(i, 0)).toBe(true); // finder pattern's top edge
    expect(m.isDark(7, 0)).toBe(false); // its separator
    expect(m.isDark(-1, 0)).toBe(false);
    expect(m.isDark(0, m.size)).toBe(false);
  });

  it('grows with the error-correction level', () => {
    const text = 'https://dichvucong.hanoi.gov.vn/q/b03/A1015?d=20261123&k=7f3a9c';
    expect(qrMatrix(text, 'H').size).toBeGreaterThan(qrMatrix(text, 'L').size);
  });
});

describe('createTicketPdfRenderer', () => {
  const renderer = createTicketPdfRenderer(fonts);

  it('prints the Vietnamese service name, number, branch and local issue time', async () => {
    const pdf = await renderer.render(base);
    const text = pdfText(pdf);
    expect(text).toContain(norm(SERVICE));
    expect(text).toContain('A1015');
    expect(text).toContain(norm(base.branchName));
    expect(text).toContain('PHIẾU THỨ TỰ');
    expect(text).toContain('Số người chờ trước bạn: 7');
    expect(text).toContain('23/11/2026 08:05');
    expect(text).toContain('Vui lòng giữ phiếu và chờ gọi số');
    expect(text).not.toContain('ƯU TIÊN');
  });

  it('prints the wait estimate as a range under the count, and nothing about the wait without one', async () => {
    const withEstimate = pdfText(await renderer.render({ ...base, labels: { ...base.labels, waitEstimate: 'Thời gian chờ dự kiến: khoảng 10–20 phút' } }));
    expect(withEstimate).toContain('Số người chờ trước bạn: 7 Thời gian chờ dự kiến: khoảng 10–20 phút');
    for (const without of [base, { ...base, labels: { ...base.labels, waitEstimate: null } }]) {
      const text = pdfText(await renderer.render(without));
      expect(text).toContain('Số người chờ trước bạn: 7');
      expect(text).not.toMatch(/dự kiến|phút/);
    }
  });

  it('marks priority tickets, and only those', async () => {
    const text = pdfText(await renderer.render({ ...base, priority: true, number: 'U007' }));
    expect(text).toContain('ƯU TIÊN');
    expect(text).toContain('U007');
  });

  it('wraps a long branch name and keeps every word on the page', async () => {
    const pdf = await renderer.render({ ...base, branchName: LONG_BRANCH, number: 'BHX12345' });
    expect(pdfText(pdf)).toContain(norm(LONG_BRANCH));
    expect(pdfText(pdf)).toContain('BHX12345');
    const boxes = execFileSync('/usr/bin/pdftotext', ['-bbox', writeTemp(pdf), '-'], { encoding: 'utf8' });
    const words = [...boxes.matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"/g)];
    expect(words.length).toBeGreaterThan(20);
    for (const [, xMin, xMax] of words) {
      expect(Number(xMin)).toBeGreaterThanOrEqual(mmToPt(3.5));
      expect(Number(xMax)).toBeLessThanOrEqual(TICKET_PAGE_WIDTH_PT - mmToPt(3.5));
    }
  });

  it('has an 80 mm page, deterministic metadata and no more than 15 KB', async () => {
    const pdf = await renderer.render(base);
    expect(pdf.byteLength).toBeLessThanOrEqual(15 * 1024);
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    const { width, height } = doc.getPage(0).getSize();
    expect(Math.abs(width - (80 * 72) / 25.4)).toBeLessThanOrEqual(0.5);
    expect(height).toBeGreaterThan(mmToPt(90));
    expect(height).toBeLessThan(mmToPt(160));
    expect(doc.getTitle()).toBe('Phiếu thứ tự A1015');
    expect(doc.getProducer()).toBe('HPASC Kiosk');
    expect(doc.getCreationDate()?.getTime()).toBe(base.issuedAt);
    expect(await renderer.render(base)).toEqual(pdf);
  });

  it('prints a QR code that decodes back to qrText at 203 dpi', async () => {
    const image = rasterise(await renderer.render(base));
    expect(Math.abs(image.width - (80 / 25.4) * 203)).toBeLessThanOrEqual(1); // 640 dots: the head's width
    expect(decodeQr(image)).toBe(base.qrText);
  });

  it('encodes non-ASCII QR text as UTF-8', async () => {
    const qrText = 'https://dichvucong.hanoi.gov.vn/q?dv=Hộ tịch&s=B015';
    expect(decodeQr(rasterise(await renderer.render({ ...base, qrText })))).toBe(qrText);
  });

  it('replaces characters missing from the font with "?" instead of failing', async () => {
    const text = pdfText(await renderer.render({ ...base, serviceName: 'Hộ tịch 🙂 戶籍', branchName: 'Chi nhánh\u0000 số 1\n\tBa Đình' }));
    expect(text).toContain('Hộ tịch ? ??');
    expect(text).toContain('Chi nhánh số 1 Ba Đình');
  });

  it('normalises decomposed (NFD) input to composed text', async () => {
    const text = pdfText(await renderer.render({ ...base, serviceName: SERVICE.normalize('NFD') }));
    expect(text).toContain(SERVICE.normalize('NFC'));
  });

  it('embeds the full font when subset is off: bigger, same text', async () => {
    const subset = await renderer.render(base);
    const full = await createTicketPdfRenderer(fonts, { subset: false }).render(base);
    expect(full.byteLength).toBeGreaterThan(subset.byteLength * 3);
    const text = pdfText(full);
    expect(text).toContain(norm(SERVICE));
    expect(text).toContain('23/11/2026 08:05');
    expect(decodeQr(rasterise(full))).toBe(base.qrText);
  });

  it('does not modify the font bytes it was given', async () => {
    const before = Buffer.from(fonts.bold);
    await renderer.render(base);
    expect(before.equals(fonts.bold)).toBe(true);
  });
});

function mmToPt(v: number): number {
  return (v * 72) / 25.4;
}
