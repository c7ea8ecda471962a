/**
 * The citizen's take-home checklist on the 80 mm ticket printer: the procedure, where to queue,
 * its time and fee, then the papers by section, each with a box to tick at home.
 *
 * Guarantees (besides those of every document, README.md):
 * - Page width exactly 80 mm, height fits the content; 4 mm margins, like the ticket.
 * - Every paper of every section is printed whole (wrapped, never cut); a box drawn with four rules
 *   stands before each (the font has no ballot-box glyph that every printer shows the same).
 * - Black on white only; the title is inverted (white on a black box).
 * - Deterministic: same fonts and data → same bytes; the document date is `printedAt`.
 */
import { formatLocalDateTime } from '../domain/localDay';
import type { ChecklistPrintData } from './ChecklistPrintData';
import type { FontKey, PdfFonts } from './PdfFonts';
import { prepareFonts, type ParsedFonts } from './pdf/fontPreparation';
import type { BoxItem, PageContent, TextItem } from './pdf/pagePainter';
import { cleanText, measure, wrapText, type Measure } from './pdf/textLayout';
import { mm, round2 } from './pdf/units';
import { writePdf } from './pdf/writePdf';

export const CHECKLIST_PAGE_WIDTH_PT = mm(80);
const MARGIN_X = mm(4);
const MARGIN_TOP = mm(4);
const MARGIN_BOTTOM = mm(6);
const CONTENT_WIDTH = CHECKLIST_PAGE_WIDTH_PT - 2 * MARGIN_X;
const BOX = mm(3.2);
const BOX_GAP = mm(2);
const RULE = 0.8;

export interface ChecklistPdfRenderer {
  render(data: ChecklistPrintData): Promise<Uint8Array>;
}

export function createChecklistPdfRenderer(fonts: PdfFonts, options: { subset?: boolean } = {}): ChecklistPdfRenderer {
  const prepared = prepareFonts(fonts);
  return {
    async render(data) {
      const layout = layoutChecklist(prepared.parsed, data);
      return writePdf(prepared, {
        title: `${data.labels.title} ${data.procedureCode}`,
        date: data.printedAt,
        subset: options.subset ?? true,
        pages: [{ width: CHECKLIST_PAGE_WIDTH_PT, height: layout.height, content: layout }],
      });
    },
  };
}

function layoutChecklist(fonts: ParsedFonts, data: ChecklistPrintData): PageContent & { height: number } {
  const texts: TextItem[] = [];
  const boxes: BoxItem[] = [];
  let y = MARGIN_TOP;

  /** Left-aligned wrapped paragraph starting at `x`; returns the first line's measure. */
  const paragraph = (raw: string, key: FontKey, size: number, x = MARGIN_X, align: 'left' | 'centre' = 'left', white = false): Measure | null => {
    const font = fonts[key];
    const text = cleanText(raw, font);
    if (text === '') return null;
    const width = CHECKLIST_PAGE_WIDTH_PT - MARGIN_X - x;
    let first: Measure | null = null;
    let previous: Measure | undefined;
    let baseline = 0;
    for (const line of wrapText(text, font, size, width)) {
      const m = measure(font, line, size);
      baseline = previous === undefined ? y + m.above : baseline + Math.max(size * 1.25, previous.below + m.above + size * 0.1);
      texts.push({ text: line, font: key, size, x: align === 'centre' ? x + (width - m.width) / 2 : x, baseline, white });
      first ??= m;
      previous = m;
    }
    y = baseline + (previous?.below ?? 0);
    return first;
  };
  const gap = (millimetres: number): void => {
    y += mm(millimetres);
  };
  const rule = (thickness: number): void => {
    boxes.push({ x: MARGIN_X, top: y, width: CONTENT_WIDTH, height: thickness });
    y += thickness;
  };

  paragraph(data.branchName, 'bold', 9, MARGIN_X, 'centre');
  gap(2);
  {
    // The title inverted in a black band.
    const size = 11;
    const m = measure(fonts.bold, cleanText(data.labels.title, fonts.bold), size);
    const pad = mm(1.6);
    const top = y;
    boxes.push({ x: MARGIN_X, top, width: CONTENT_WIDTH, height: m.above + m.below + 2 * pad });
    y += pad;
    paragraph(data.labels.title, 'bold', size, MARGIN_X, 'centre', true);
    y = top + m.above + m.below + 2 * pad;
  }
  gap(2.5);
  paragraph(data.procedureName, 'bold', 11.5);
  gap(1);
  paragraph(`${data.labels.code}: ${data.procedureCode}`, 'regular', 9);
  if (data.serviceLine !== null) {
    gap(1.5);
    paragraph(data.serviceLine, 'bold', 10.5);
  }
  for (const fact of data.facts) {
    gap(1);
    paragraph(fact, 'regular', 9.5);
  }
  gap(2.5);
  rule(RULE * 2);

  for (const section of data.sections) {
    gap(3);
    paragraph(section.title, 'bold', 10.5);
    for (const paper of section.papers) {
      gap(1.8);
      const top = y;
      const x = MARGIN_X + BOX + BOX_GAP;
      const first = paragraph(paper, 'regular', 10, x);
      // The box sits on the first line: its bottom on the baseline.
      const boxTop = top + (first?.above ?? BOX) - BOX;
      boxes.push(
        { x: MARGIN_X, top: boxTop, width: BOX, height: RULE },
        { x: MARGIN_X, top: boxTop + BOX - RULE, width: BOX, height: RULE },
        { x: MARGIN_X, top: boxTop, width: RULE, height: BOX },
        { x: MARGIN_X + BOX - RULE, top: boxTop, width: RULE, height: BOX },
      );
    }
  }

  gap(3.5);
  rule(RULE);
  gap(2);
  paragraph(`${data.labels.printedAt}: ${formatLocalDateTime(data.printedAt, data.utcOffsetMinutes)}`, 'regular', 8.5);
  gap(1);
  paragraph(data.labels.footer, 'regular', 8.5);
  y += MARGIN_BOTTOM;
  return { height: round2(y), texts, boxes };
}
