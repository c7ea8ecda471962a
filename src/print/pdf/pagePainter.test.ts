import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { qrMatrix } from '../qrMatrix';
import { embedFonts, prepareFonts } from './fontPreparation';
import { paintPage, type PageContent } from './pagePainter';

const prepared = prepareFonts(readPrintFonts());
const HEIGHT = 300;

/** Paints `content` on a 200 × 300 pt page; returns the page's content stream as text, one operator a line. */
async function paint(content: PageContent): Promise<{ ops: string[]; fontNames: string[] }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(prepared.fontkit);
  const fonts = await embedFonts(doc, prepared, content.texts, true);
  paintPage(doc.addPage([200, HEIGHT]), HEIGHT, content, fonts);
  const loaded = await PDFDocument.load(await doc.save());
  const page = loaded.getPage(0);
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => loaded.context.lookup(ref)) : [contents];
  const text = streams.map((stream) => (stream instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1') : '')).join('\n');
  const fontDict = page.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
  return {
    ops: text.split('\n'),
    fontNames: fontDict?.keys().map((k) => k.decodeText()) ?? [],
  };
}

const black = (text: string, baseline: number, font: 'regular' | 'bold' = 'regular', size = 10) => ({ text, font, size, x: 10, baseline });

describe('paintPage', () => {
  it('converts distances from the top into page coordinates, boxes before text', async () => {
    const { ops } = await paint({ texts: [black('Hà Nội', 20)], boxes: [{ x: 5, top: 30, width: 100.004, height: 2 }] });
    expect(ops.slice(0, 5)).toEqual(['q', '0 g', '5 268 100 2 re', 'f', 'Q']); // 300 - 30 - 2, rounded to 0.01
    expect(ops.indexOf('BT')).toBeGreaterThan(ops.indexOf('f'));
    expect(ops).toContain('1 0 0 1 10 280 Tm');
  });

  it('sets font, size and colour only when they change, and white only for inverted text', async () => {
    const { ops } = await paint({
      texts: [black('Một', 20), black('Hai', 40), black('Ba', 60, 'bold', 15), { ...black('ƯU TIÊN', 80, 'bold', 15), white: true }, black('Bốn', 100)],
      boxes: [{ x: 5, top: 65, width: 100, height: 20 }],
    });
    const text = ops.slice(ops.indexOf('BT'), ops.indexOf('ET') + 1).filter((op) => !op.endsWith(' Tj'));
    expect(text).toEqual([
      'BT',
      '/F1 10 Tf',
      '0 g',
      '1 0 0 1 10 280 Tm',
      '1 0 0 1 10 260 Tm',
      '/F2 15 Tf',
      '1 0 0 1 10 240 Tm',
      '1 g',
      '1 0 0 1 10 220 Tm',
      '/F1 10 Tf',
      '0 g',
      '1 0 0 1 10 200 Tm',
      'ET',
    ]);
  });

  it('registers both fonts under fixed names, and paints a QR only when there is one', async () => {
    const plain = await paint({ texts: [black('Hà Nội', 20)], boxes: [] });
    expect(plain.fontNames.sort()).toEqual(['F1', 'F2']);
    expect(plain.ops.some((op) => op.endsWith(' cm'))).toBe(false);
    expect(plain.ops.filter((op) => op.endsWith(' re'))).toEqual([]);

    const withQr = await paint({ texts: [black('Hà Nội', 20)], boxes: [], qr: { matrix: qrMatrix('A1015'), x: 50, top: 100, module: 2 } });
    expect(withQr.ops).toContain('2 0 0 -2 50 200 cm');
    expect(withQr.ops.indexOf('2 0 0 -2 50 200 cm')).toBeGreaterThan(withQr.ops.indexOf('ET'));
  });
});
