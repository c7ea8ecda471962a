import { PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { prepareFonts } from './fontPreparation';
import type { PageContent } from './pagePainter';
import { PDF_ENGINES, writePdf, type PdfDocumentSpec } from './writePdf';

const prepared = prepareFonts(readPrintFonts());
const DATE = Date.parse('2026-11-23T02:35:00Z');

const page = (text: string): PageContent => ({
  texts: [
    { text, font: 'regular', size: 11, x: 20, baseline: 40 },
    { text: 'Mã hồ sơ', font: 'bold', size: 12, x: 20, baseline: 60 },
  ],
  boxes: [{ x: 20, top: 70, width: 100, height: 1 }],
});

const spec: PdfDocumentSpec = {
  title: 'Giấy tiếp nhận 000.00.21.H26-261123-0042',
  date: DATE,
  subset: true,
  pages: [
    { width: 300, height: 400, content: page('Nguyễn Thị Hương Giang') },
    { width: 300, height: 500, content: page('Trang 2/2') },
  ],
};

/** Font refs each page registers, and the BaseFont of each. */
function pageFonts(doc: PDFDocument): { refs: string[]; baseFonts: string[] }[] {
  return doc.getPages().map((p) => {
    const dict = p.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
    const refs = (dict?.values() ?? []).filter((v): v is PDFRef => v instanceof PDFRef);
    return {
      refs: refs.map(String),
      baseFonts: refs.map((ref) => doc.context.lookup(ref, PDFDict).lookup(PDFName.of('BaseFont'), PDFName).decodeText()),
    };
  });
}

describe.each(PDF_ENGINES)('writePdf with the %s engine', (engine) => {
  it('gives the same bytes for the same fonts and spec', async () => {
    const pdf = await writePdf(prepared, spec, engine);
    expect(await writePdf(prepared, spec, engine)).toEqual(pdf);
    expect(await writePdf(prepared, { ...spec, date: DATE + 60_000 }, engine)).not.toEqual(pdf);
  });

  it('writes the title, producer, creator, language and the given date, and nothing else', async () => {
    const doc = await PDFDocument.load(await writePdf(prepared, spec, engine), { updateMetadata: false });
    expect(doc.getTitle()).toBe(spec.title);
    expect(doc.getProducer()).toBe('HPASC Kiosk');
    expect(doc.getCreator()).toBe('HPASC Kiosk');
    expect(doc.getCreationDate()?.getTime()).toBe(DATE);
    expect(doc.getModificationDate()?.getTime()).toBe(DATE);
    expect(doc.getAuthor()).toBeUndefined();
    expect(doc.getSubject()).toBeUndefined();
    expect(doc.getKeywords()).toBeUndefined();
    expect(doc.catalog.lookup(PDFName.of('Lang'))?.toString()).toBe('(vi-VN)');
  });

  it('makes the pages in order with their sizes, sharing one embedded subset per weight, registered as F1 and F2', async () => {
    const doc = await PDFDocument.load(await writePdf(prepared, spec, engine));
    expect(doc.getPages().map((p) => p.getSize())).toEqual([
      { width: 300, height: 400 },
      { width: 300, height: 500 },
    ]);
    const [first, second] = pageFonts(doc);
    for (const p of doc.getPages()) expect(p.node.Resources()?.lookup(PDFName.of('Font'), PDFDict).keys().map(String).sort()).toEqual(['/F1', '/F2']);
    expect(second?.refs).toEqual(first?.refs);
    expect(first?.baseFonts).toHaveLength(2);
    for (const name of first?.baseFonts ?? []) expect(name).toMatch(/^[A-Z]{6}\+BeVietnamPro-(Regular|Bold)$/u);
  });

  it('embeds the whole fonts under their PostScript names when subset is off', async () => {
    const full = await writePdf(prepared, { ...spec, subset: false }, engine);
    const subset = await writePdf(prepared, spec, engine);
    expect(full.byteLength).toBeGreaterThan(3 * subset.byteLength);
    const [first] = pageFonts(await PDFDocument.load(full));
    expect(first?.baseFonts.sort()).toEqual(['BeVietnamPro-Bold', 'BeVietnamPro-Regular']);
  });
});
