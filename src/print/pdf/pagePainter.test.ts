import { describe, expect, it } from 'vitest';
import { qrMatrix } from '../qrMatrix';
import { PAGE_FONT_RESOURCES, paintPage, type PageContent } from './pagePainter';

const HEIGHT = 300;

/** Paints `content` on a 300 pt high page; its content stream, one operator a line (texts shown as `<font:text>`). */
function paint(content: PageContent): { ops: string[] } {
  return { ops: paintPage(HEIGHT, content, (font, text) => `<${font}:${text}>`).split('\n') };
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

  it("shows each text with its weight's glyph codes, under fixed font names", () => {
    const { ops } = paint({ texts: [black('Hà Nội', 20), black('Số', 40, 'bold')], boxes: [] });
    expect(ops.filter((op) => op.endsWith(' Tj'))).toEqual(['<regular:Hà Nội> Tj', '<bold:Số> Tj']);
    expect(PAGE_FONT_RESOURCES).toEqual({ regular: 'F1', bold: 'F2' });
  });

  it('paints a QR only when there is one', async () => {
    const plain = await paint({ texts: [black('Hà Nội', 20)], boxes: [] });
    expect(plain.ops.some((op) => op.endsWith(' cm'))).toBe(false);
    expect(plain.ops.filter((op) => op.endsWith(' re'))).toEqual([]);

    const withQr = await paint({ texts: [black('Hà Nội', 20)], boxes: [], qr: { matrix: qrMatrix('A1015'), x: 50, top: 100, module: 2 } });
    expect(withQr.ops).toContain('2 0 0 -2 50 200 cm');
    expect(withQr.ops.indexOf('2 0 0 -2 50 200 cm')).toBeGreaterThan(withQr.ops.indexOf('ET'));
  });
});
