/**
 * The dossier receipt ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", DOMAIN.md) as an A4 PDF.
 *
 * Guarantees:
 * - A4 portrait; two copies in one document (liên 1 kept, liên 2 for the applicant), each copy
 *   starting on a new page. A long document list flows onto continuation pages of the same copy
 *   (the table header is repeated); both copies have the same number of pages.
 * - Text as on the ticket (pdf/textLayout.ts, pdf/fontPreparation.ts): embedded Be Vietnam Pro TTF,
 *   hinting stripped, NFC input, "?" for characters without a glyph; `pdftotext` returns the exact
 *   strings.
 * - Every word printed comes from the data (`labels` included); the renderer adds only layout,
 *   numbering and date formatting (branch time from epoch ms + utcOffsetMinutes, no clock).
 * - The QR encodes `${lookupBaseUrl}?code=…&s=…` so a status look-up needs code and secret.
 * - Deterministic: same fonts + data → identical bytes. Metadata holds the title (dossier code),
 *   producer and dates only: no personal data.
 */
import type { Font as FontkitFont } from '@pdf-lib/fontkit';
import { toLocalDateTime } from '../domain/localDay';
import type { FontKey, PdfFonts } from './PdfFonts';
import type { ReceiptPrintData } from './ReceiptPrintData';
import { prepareFonts, type ParsedFonts } from './pdf/fontPreparation';
import type { BoxItem, PageContent, TextItem } from './pdf/pagePainter';
import type { QrPlacement } from './pdf/qrDrawing';
import { cleanText, measure, wrapBalanced, wrapText } from './pdf/textLayout';
import { mm } from './pdf/units';
import { writePdf } from './pdf/writePdf';
import { qrMatrix } from './qrMatrix';

export interface ReceiptPdfRenderer {
  render(data: ReceiptPrintData): Promise<Uint8Array>;
}

export const A4_WIDTH_PT = mm(210);
export const A4_HEIGHT_PT = mm(297);
const MARGIN_LEFT = mm(25);
const MARGIN_RIGHT = mm(15);
const MARGIN_TOP = mm(15);
const MARGIN_BOTTOM = mm(15);
const CONTENT_WIDTH = A4_WIDTH_PT - MARGIN_LEFT - MARGIN_RIGHT;
/** Lowest point the flowing content may reach (the page footer sits below it). */
const CONTENT_BOTTOM = A4_HEIGHT_PT - MARGIN_BOTTOM;
const FOOTER_BASELINE = A4_HEIGHT_PT - mm(9);
const COPY_LABEL_BASELINE = mm(9);

// Sizes chosen so a typical dossier (6 documents of 1–2 lines) fits one page per copy: the
// form's lines at 11 pt with a 1.3 pitch, the table at 10 pt (README "Measured").
const BODY = 11;
const LINE = 1.3; // line pitch in em
const TABLE = 10;
const RULE = 0.6;
const QR_SYMBOL = mm(24);

/** A page while the layout fills it. */
interface PageDraft {
  readonly texts: TextItem[];
  readonly boxes: BoxItem[];
  qr?: QrPlacement;
}

export function createReceiptPdfRenderer(fonts: PdfFonts): ReceiptPdfRenderer {
  // Once per renderer, not per receipt: hinting stripped, fonts parsed, shaping memoised.
  const prepared = prepareFonts(fonts);
  const { parsed } = prepared;
  return {
    async render(data: ReceiptPrintData): Promise<Uint8Array> {
      const copies = layoutReceipt(parsed, data);
      return writePdf(prepared, {
        title: `${cleanText(data.labels.title, parsed.bold)} ${cleanText(data.dossierCode, parsed.bold)}`,
        date: data.receivedAt,
        subset: true,
        pages: copies.flat().map((content) => ({ width: A4_WIDTH_PT, height: A4_HEIGHT_PT, content })),
      });
    },
  };
}

const renderers = new WeakMap<PdfFonts, ReceiptPdfRenderer>();

/** One-call form; the renderer (stripped and parsed fonts) is kept per `fonts` object. */
export function renderReceiptPdf(data: ReceiptPrintData, fonts: PdfFonts): Promise<Uint8Array> {
  let renderer = renderers.get(fonts);
  if (renderer === undefined) {
    renderer = createReceiptPdfRenderer(fonts);
    renderers.set(fonts, renderer);
  }
  return renderer.render(data);
}

/** The text the QR encodes. */
export function receiptQrText(data: Pick<ReceiptPrintData, 'lookupBaseUrl' | 'dossierCode' | 'lookupSecret'>): string {
  const code = `${data.lookupBaseUrl}?code=${encodeURIComponent(data.dossierCode)}`;
  return data.lookupSecret === null ? code : `${code}&s=${encodeURIComponent(data.lookupSecret)}`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Fills `{{name}}` placeholders; unknown names are left as written. */
function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/gu, (whole, name: string) => values[name] ?? whole);
}

function dateValues(epochMs: number, utcOffsetMinutes: number): Record<string, string> {
  const t = toLocalDateTime(epochMs, utcOffsetMinutes);
  return { dd: pad2(t.day), MM: pad2(t.month), yyyy: String(t.year), HH: pad2(t.hour), mm: pad2(t.minute) };
}

/** Item 3: the time the officer set (with the reason), else the catalog's, else "Theo quy định của thủ tục". */
function processingText(data: ReceiptPrintData): string {
  const L = data.labels;
  const set = data.processingSet;
  if (!set) return data.processingDays === null ? L.processingUnknown : fillTemplate(L.processingDays, { count: String(data.processingDays) });
  const S = L.processingSet;
  const time = set.kind === 'date' ? S.date : fillTemplate(set.kind === 'working-days' ? S.workingDays : S.workingHours, { count: String(set.value) });
  return `${time} ${fillTemplate(S.by, { reason: set.reason })}`;
}

const width = (font: FontkitFont, text: string, size: number): number => measure(font, text, size).width;

// ---------------------------------------------------------------------------------------------
// Layout: distances from the page top. Returns [copy][page].

function layoutReceipt(fonts: ParsedFonts, data: ReceiptPrintData): PageContent[][] {
  const L = data.labels;
  const clean = (s: string, key: FontKey = 'regular'): string => cleanText(s, fonts[key]);
  const code = clean(data.dossierCode, 'bold');

  const pages: PageDraft[] = [];
  let page: PageDraft = { texts: [], boxes: [] };
  pages.push(page);
  let y = MARGIN_TOP;

  const text = (s: string, key: FontKey, size: number, x: number, baseline: number): void => {
    if (s !== '') page.texts.push({ text: s, font: key, size, x, baseline });
  };
  const hrule = (x: number, top: number, w: number, h = RULE): void => {
    page.boxes.push({ x, top, width: w, height: h });
  };
  /** A paragraph without a label (a whole line of the form), wrapped at the content width. */
  const paragraph = (s: string, size: number, key: FontKey = 'regular'): void => {
    for (const line of wrapText(clean(s, key), fonts[key], size, CONTENT_WIDTH)) {
      ensure(size * LINE);
      text(line, key, size, MARGIN_LEFT, y + size * 1.05);
      y += size * LINE;
    }
  };
  /** Lines centred in a column, from `top`; returns the bottom. */
  const centred = (s: string, key: FontKey, size: number, x: number, w: number, top: number): number => {
    let at = top;
    for (const line of wrapBalanced(clean(s, key), fonts[key], size, w)) {
      text(line, key, size, x + (w - width(fonts[key], line, size)) / 2, at + size * 1.05);
      at += size * LINE;
    }
    return at;
  };
  const newPage = (): void => {
    page = { texts: [], boxes: [] };
    pages.push(page);
    y = MARGIN_TOP;
    const head = `${clean(L.dossierCode)}: ${code} ${clean(L.continued)}`;
    text(head, 'regular', 9, MARGIN_LEFT, y + 9);
    y += 9 * LINE + mm(2);
  };
  const ensure = (height: number): void => {
    if (y + height > CONTENT_BOTTOM) newPage();
  };
  /** "label: value" paragraph with a hanging indent; lines flow to the next page. No value, no line. */
  const field = (label: string, value: string, indent = mm(6), valueKey: FontKey = 'regular'): void => {
    const size = BODY;
    const head = `${clean(label)}: `;
    const headWidth = width(fonts.regular, head, size);
    const body = clean(value, valueKey).trim();
    if (body === '') return;
    // First line: label then as much of the value as fits; further lines indented.
    const firstLines = wrapText(body, fonts[valueKey], size, Math.max(CONTENT_WIDTH - headWidth, mm(40)));
    const first = firstLines[0] ?? '';
    const rest = body.slice(first.length).trim();
    ensure(size * LINE);
    text(head.trimEnd(), 'regular', size, MARGIN_LEFT, y + size * 1.05);
    text(first, valueKey, size, MARGIN_LEFT + headWidth, y + size * 1.05);
    y += size * LINE;
    for (const line of rest === '' ? [] : wrapText(rest, fonts[valueKey], size, CONTENT_WIDTH - indent)) {
      ensure(size * LINE);
      text(line, valueKey, size, MARGIN_LEFT + indent, y + size * 1.05);
      y += size * LINE;
    }
  };

  // Header: two centred columns, as on the official form.
  {
    const leftW = CONTENT_WIDTH * 0.44;
    const rightX = MARGIN_LEFT + leftW;
    const rightW = CONTENT_WIDTH - leftW;
    // The agency's name wraps between words only: a size where its longest word fits and it takes
    // at most 3 lines (wrapText would otherwise split a word wider than the column).
    const agency = clean(data.agencyName);
    const agencyWords = agency.split(' ');
    const agencySize =
      [10.5, 10, 9.5, 9, 8.5, 8].find(
        (size) => agencyWords.every((w) => width(fonts.regular, w, size) <= leftW) && wrapBalanced(agency, fonts.regular, size, leftW).length <= 3,
      ) ?? 8;
    let left = centred(agency, 'regular', agencySize, MARGIN_LEFT, leftW, y);
    // The unit name reads as one line on the official form: shrink a little before wrapping.
    const department = clean(L.department, 'bold');
    const departmentSize = [10.5, 10, 9.5, 9].find((size) => width(fonts.bold, department, size) <= leftW - mm(2)) ?? 9;
    left = centred(department, 'bold', departmentSize, MARGIN_LEFT, leftW, left);
    hrule(MARGIN_LEFT + leftW / 3, left + 1, leftW / 3);
    left += mm(3);

    let right = centred(L.nation, 'bold', 10.5, rightX, rightW, y);
    const motto = clean(L.motto, 'bold');
    const mottoW = Math.min(width(fonts.bold, motto, 11), rightW);
    right = centred(motto, 'bold', 11, rightX, rightW, right);
    hrule(rightX + (rightW - mottoW) / 2, right - 11 * LINE + 11 * 1.05 + 2.5, mottoW);
    right += mm(2.5);
    right = centred(fillTemplate(L.placeDate, dateValues(data.receivedAt, data.utcOffsetMinutes)), 'regular', 11, rightX, rightW, right);
    y = Math.max(left, right) + mm(5);
  }

  y = centred(L.title, 'bold', 14, MARGIN_LEFT, CONTENT_WIDTH, y) + mm(0.5);
  y = centred(`${clean(L.dossierCode)}: ${code}`, 'bold', 12, MARGIN_LEFT, CONTENT_WIDTH, y) + mm(3);

  field(L.receivingUnit, data.receivingUnitName);
  field(L.applicantName, data.applicant.name, mm(6), 'bold');
  field(L.idNumber, data.applicant.idNumberMasked);
  field(L.address, data.applicant.address);
  field(L.phone, data.applicant.phone);
  field(L.email, data.applicant.email);
  field(L.procedure, data.procedure.name, mm(6), 'bold');
  field(L.procedureCode, data.procedure.code);
  y += mm(1);

  // 1. Documents table.
  {
    const size = TABLE;
    const pad = mm(1.2);
    const cols = [mm(12), 0, mm(22), mm(22)];
    cols[1] = CONTENT_WIDTH - mm(12) - mm(44);
    const xs: number[] = [MARGIN_LEFT];
    for (const c of cols) xs.push((xs[xs.length - 1] ?? 0) + (c ?? 0));
    const lineH = size * LINE;
    ensure(BODY * LINE + 2 * lineH + 2 * pad);
    text(`1. ${clean(L.documents)}:`, 'regular', BODY, MARGIN_LEFT, y + BODY * 1.05);
    y += BODY * LINE + mm(1);

    /** Draws a row's cells (each cell: lines, font, alignment) with its grid. */
    const row = (cells: readonly { lines: readonly string[]; key: FontKey; centre: boolean }[]): void => {
      const lines = Math.max(1, ...cells.map((c) => c.lines.length));
      const h = lines * lineH + 2 * pad - (lineH - size * 1.25);
      if (y + h > CONTENT_BOTTOM) {
        hrule(MARGIN_LEFT, y, CONTENT_WIDTH); // close the table on this page
        newPage();
        header();
      }
      hrule(MARGIN_LEFT, y, CONTENT_WIDTH);
      cells.forEach((cell, i) => {
        const x = xs[i] ?? MARGIN_LEFT;
        const w = cols[i] ?? 0;
        cell.lines.forEach((line, n) => {
          const lx = cell.centre ? x + (w - width(fonts[cell.key], line, size)) / 2 : x + pad;
          text(line, cell.key, size, lx, y + pad + n * lineH + size * 1.0);
        });
      });
      for (const x of xs) page.boxes.push({ x: x - RULE / 2, top: y, width: RULE, height: h });
      y += h;
    };
    const header = (): void => {
      const heads = [L.documentNo, L.documentName, L.originals, L.copiesCount];
      row(heads.map((h, i) => ({ lines: wrapText(clean(h, 'bold'), fonts.bold, size, (cols[i] ?? 0) - 2 * pad), key: 'bold', centre: true })));
    };
    header();
    data.documents.forEach((d, i) => {
      row([
        { lines: [String(i + 1)], key: 'regular', centre: true },
        { lines: wrapText(clean(d.name), fonts.regular, size, (cols[1] ?? 0) - 2 * pad), key: 'regular', centre: false },
        { lines: [String(d.originals)], key: 'regular', centre: true },
        { lines: [String(d.copies)], key: 'regular', centre: true },
      ]);
    });
    hrule(MARGIN_LEFT, y, CONTENT_WIDTH);
    y += mm(2);
  }
  // An incomplete dossier says so on both copies: what is missing and why it was accepted.
  if (data.missing && data.missing.length > 0) {
    field(L.missingDocuments, data.missing.map((m) => m.name).join('; '));
    if (data.incompleteReason) field(L.incompleteReason, data.incompleteReason);
    y += mm(1.5);
  }

  const values = dateValues(data.receivedAt, data.utcOffsetMinutes);
  field(`2. ${L.sets}`, fillTemplate(L.setsValue, { count: String(data.sets) }));
  field(`3. ${L.processingTime}`, processingText(data));
  field(`4. ${L.receivedAt}`, fillTemplate(L.dateTime, values));
  field(
    `5. ${L.appointment}`,
    data.appointment.kind === 'date'
      ? `${fillTemplate(L.dateTime, dateValues(data.appointment.at, data.utcOffsetMinutes))}${data.appointment.provisional ? ` ${L.appointmentProvisional}` : ''}`
      : L.appointmentNeedsConfirmation,
    mm(6),
    'bold',
  );
  const delivery = data.resultDelivery.method === 'post' ? L.deliveryPost : L.deliveryCounter;
  const detail = data.resultDelivery.detail.trim();
  field(`6. ${L.resultDelivery}`, detail === '' ? delivery : `${delivery} – ${detail}`);
  if (data.register !== null) {
    paragraph(fillTemplate(L.register, { book: data.register.book, serial: String(data.register.serial) }), BODY);
  }
  y += mm(4);

  // Signatures either side, QR in the middle, the note on the two copies below; kept together on
  // one page (room is left for a hand signature and the officer's name, blank until sign-in).
  {
    const colW = CONTENT_WIDTH * 0.36;
    const midX = MARGIN_LEFT + colW;
    const midW = CONTENT_WIDTH - 2 * colW;
    const matrix = qrMatrix(receiptQrText(data), 'M');
    const module = QR_SYMBOL / matrix.size;
    const noteSize = 9;
    const noteLines = wrapText(clean(L.copiesNote), fonts.regular, noteSize, CONTENT_WIDTH);
    const signH = Math.max(mm(36), QR_SYMBOL + mm(8));
    const blockH = signH + mm(2) + noteLines.length * noteSize * LINE;
    ensure(blockH);
    const top = y;
    for (const [x, title, name] of [
      [MARGIN_LEFT, L.applicantSignature, data.applicant.name],
      [MARGIN_LEFT + CONTENT_WIDTH - colW, L.officerSignature, data.officerName],
    ] as const) {
      let at = centred(title, 'bold', 11, x, colW, top);
      at = centred(L.signatureHint, 'regular', 10, x, colW, at);
      centred(name, 'bold', 11, x, colW, at + mm(20));
    }
    page.qr = { matrix, x: midX + (midW - QR_SYMBOL) / 2, top: top + mm(1), module };
    const secret = data.lookupSecret === null ? clean(L.lookupCodeOnFirstReceipt) : clean(data.lookupSecret, 'bold');
    centred(`${clean(L.lookupCode)}: ${secret}`, 'regular', 9.5, midX - mm(5), midW + mm(10), top + mm(1) + QR_SYMBOL + mm(2));
    y = top + signH + mm(2);
    for (const line of noteLines) {
      text(line, 'regular', noteSize, MARGIN_LEFT, y + noteSize * 1.05);
      y += noteSize * LINE;
    }
  }

  // The same layout for each copy, with its label at the top right and a footer.
  return L.copies.map((copyLabel) => {
    const label = clean(copyLabel, 'bold');
    return pages.map((p, i): PageContent => {
      const footer = `${label} – ${code} – ${fillTemplate(clean(L.pageOf), { page: String(i + 1), pages: String(pages.length) })}`;
      const texts: TextItem[] = [
        ...p.texts,
        { text: label, font: 'bold', size: 10, x: A4_WIDTH_PT - MARGIN_RIGHT - width(fonts.bold, label, 10), baseline: COPY_LABEL_BASELINE },
        { text: footer, font: 'regular', size: 8, x: MARGIN_LEFT + (CONTENT_WIDTH - width(fonts.regular, footer, 8)) / 2, baseline: FOOTER_BASELINE },
      ];
      return p.qr === undefined ? { texts, boxes: p.boxes } : { texts, boxes: p.boxes, qr: p.qr };
    });
  });
}
