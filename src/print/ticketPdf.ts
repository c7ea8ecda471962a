/**
 * The 80 mm thermal queue ticket as a one-page PDF (thermal printers cannot print Vietnamese over
 * ESC/POS code pages, so the OS driver rasterises this page).
 *
 * Guarantees:
 * - Page width is exactly 80 mm; the height fits the content (no blank paper fed after the footer).
 * - Everything is black on white (no grey: thermal heads print dots or nothing).
 * - Text is real text (embedded Be Vietnam Pro TTF with a ToUnicode map), so `pdftotext` and screen
 *   readers get the exact Vietnamese string back. Input text is NFC-normalised; whitespace runs and
 *   control characters become one space; any character the font has no glyph for is replaced with
 *   "?" (never a crash, never an invisible .notdef box).
 * - Long branch and service names wrap at word boundaries (a word wider than the line breaks between
 *   characters); the ticket number shrinks to fit the printable width.
 * - The QR code is drawn as vector rectangles whose module size is a whole number of 203 dpi printer
 *   dots, with a 4-module quiet zone.
 * - Output is a pure function of (fonts, options, data): the creation date comes from `issuedAt`, and
 *   the subset font names carry a tag derived from the glyphs used, not a random one. No personal
 *   data is written (metadata is title, producer, dates, language).
 * - No DOM, no Node APIs, no clock: runs in the renderer and under node tests alike.
 */
import { formatLocalDateTime } from '../domain/localDay';
import type { FontKey, PdfFonts } from './PdfFonts';
import type { TicketPrintData } from './TicketPrintData';
import { prepareFonts, type ParsedFonts } from './pdf/fontPreparation';
import type { BoxItem, PageContent, TextItem } from './pdf/pagePainter';
import type { QrPlacement } from './pdf/qrDrawing';
import { UNSUPPORTED_CHAR_REPLACEMENT, cleanText, measure, wrapBalanced, type Measure } from './pdf/textLayout';
import { mm, round2 } from './pdf/units';
import { writePdf, type PdfEngine } from './pdf/writePdf';
import { qrMatrix } from './qrMatrix';

export interface TicketPdfOptions {
  /** Embed only the glyphs used (default true): ~10 KB per ticket instead of ~70 KB. */
  readonly subset?: boolean;
  /** The PDF engine (writePdf.ts; default the measured faster one). The bench compares both. */
  readonly engine?: PdfEngine;
}

export interface TicketPdfRenderer {
  render(data: TicketPrintData): Promise<Uint8Array>;
}

/** One dot of a 203 dpi thermal head, in points. */
const PRINTER_DOT_PT = 72 / 203;

export const TICKET_PAGE_WIDTH_PT = mm(80);
const MARGIN_X = mm(4);
const MARGIN_TOP = mm(4);
const MARGIN_BOTTOM = mm(5);
const CONTENT_WIDTH = TICKET_PAGE_WIDTH_PT - 2 * MARGIN_X;

const QR_TARGET_SYMBOL = mm(30);
const QR_QUIET_MODULES = 4;

interface TicketLayout extends PageContent {
  readonly height: number;
  readonly qr: QrPlacement;
}

export function createTicketPdfRenderer(fonts: PdfFonts, options: TicketPdfOptions = {}): TicketPdfRenderer {
  const subset = options.subset ?? true;
  // Once per renderer, not per ticket: hinting stripped, fonts parsed, shaping memoised.
  const prepared = prepareFonts(fonts);
  return {
    async render(data: TicketPrintData): Promise<Uint8Array> {
      const layout = layoutTicket(prepared.parsed, data);
      return writePdf(
        prepared,
        {
          title: `Phiếu thứ tự ${cleanText(data.number, prepared.parsed.bold)}`,
          date: data.issuedAt,
          subset,
          pages: [{ width: TICKET_PAGE_WIDTH_PT, height: layout.height, content: layout }],
        },
        options.engine,
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Layout: pure measurement with the parsed fonts, distances measured from the page top.

function layoutTicket(fonts: ParsedFonts, data: TicketPrintData): TicketLayout {
  const texts: TextItem[] = [];
  const boxes: BoxItem[] = [];
  let y = MARGIN_TOP;

  /** Centred, wrapped paragraph. `sizes` are tried largest first until it fits in `maxLines`. */
  const paragraph = (raw: string, key: FontKey, sizes: readonly number[], maxLines: number): void => {
    const font = fonts[key];
    const text = cleanText(raw, font);
    if (text === '') return;
    let size = sizes[0] ?? 10;
    let lines = wrapBalanced(text, font, size, CONTENT_WIDTH);
    for (const candidate of sizes) {
      size = candidate;
      lines = wrapBalanced(text, font, size, CONTENT_WIDTH);
      if (lines.length <= maxLines) break;
    }
    let previous: Measure | undefined;
    let baseline = 0;
    for (const line of lines) {
      const m = measure(font, line, size);
      if (previous === undefined) {
        baseline = y + m.above;
      } else {
        // Normal pitch 1.25 em, more if stacked diacritics (Ế reaches 1.12 em) would touch descenders.
        baseline += Math.max(size * 1.25, previous.below + m.above + size * 0.1);
      }
      texts.push({ text: line, font: key, size, x: centre(m.width), baseline, white: false });
      previous = m;
    }
    y = baseline + (previous?.below ?? 0);
  };
  const gap = (millimetres: number): void => {
    y += mm(millimetres);
  };
  const rule = (thickness: number): void => {
    boxes.push({ x: MARGIN_X, top: y, width: CONTENT_WIDTH, height: thickness });
    y += thickness;
  };

  const labels = data.labels;
  paragraph(data.branchName, 'bold', [11, 10.5, 10, 9.5, 9], 2);
  gap(2.2);
  rule(3 * PRINTER_DOT_PT);
  gap(3);
  paragraph(labels.ticketTitle, 'bold', [12], 2);
  gap(2.6);
  paragraph(data.serviceName, 'bold', [13, 12, 11], 3);
  gap(3.5);

  // The number: as large as 72 pt, shrunk so it always fits the printable width.
  {
    const font = fonts.bold;
    const text = cleanText(data.number, font) || UNSUPPORTED_CHAR_REPLACEMENT;
    const unit = measure(font, text, 1);
    const size = Math.min(72, CONTENT_WIDTH / unit.width);
    const m = measure(font, text, size);
    const baseline = y + m.above;
    texts.push({ text, font: 'bold', size, x: centre(m.width), baseline, white: false });
    y = baseline + m.below;
  }
  gap(3.5);

  if (data.priority) {
    const font = fonts.bold;
    const text = cleanText(labels.priority, font);
    if (text !== '') {
      const size = 15;
      const m = measure(font, text, size);
      const padX = mm(4);
      const padY = mm(1.6);
      const width = Math.min(CONTENT_WIDTH, m.width + 2 * padX);
      const height = m.above + m.below + 2 * padY;
      boxes.push({ x: centre(width), top: y, width, height });
      texts.push({ text, font: 'bold', size, x: centre(m.width), baseline: y + padY + m.above, white: true });
      y += height;
      gap(3);
    }
  }

  paragraph(labels.waitingAhead, 'regular', [10.5, 10, 9.5], 2);
  if (labels.waitEstimate) paragraph(labels.waitEstimate, 'regular', [10.5, 10, 9.5], 2);
  gap(1.2);
  const when = formatLocalDateTime(data.issuedAt, data.utcOffsetMinutes);
  const issuedLabel = labels.issuedAt.trim();
  paragraph(issuedLabel === '' ? when : `${issuedLabel}: ${when}`, 'regular', [10.5, 10, 9.5], 2);

  // QR: module size snapped to whole printer dots so every module prints the same width.
  const matrix = qrMatrix(data.qrText, 'M');
  const dots = Math.max(1, Math.floor(QR_TARGET_SYMBOL / PRINTER_DOT_PT / matrix.size));
  const module = matrix.size * dots * PRINTER_DOT_PT <= CONTENT_WIDTH ? dots * PRINTER_DOT_PT : CONTENT_WIDTH / matrix.size;
  const quiet = QR_QUIET_MODULES * module;
  const symbol = matrix.size * module;
  y += Math.max(quiet, mm(2));
  const qr: QrPlacement = { matrix, x: snapToDot(centre(symbol)), top: snapToDot(y), module };
  y = qr.top + symbol + Math.max(quiet, mm(2));

  paragraph(labels.scanToFollow, 'regular', [9.5, 9], 2);
  gap(3);
  rule(2 * PRINTER_DOT_PT);
  gap(2.5);
  paragraph(labels.keepTicket, 'bold', [10, 9.5, 9], 2);
  y += MARGIN_BOTTOM;

  return { height: round2(y), texts, boxes, qr };
}

function centre(width: number): number {
  return MARGIN_X + (CONTENT_WIDTH - width) / 2;
}

function snapToDot(v: number): number {
  return Math.round(v / PRINTER_DOT_PT) * PRINTER_DOT_PT;
}
