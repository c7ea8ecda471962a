import { describe, expect, it } from 'vitest';
import { qrMatrix, type QrMatrix } from '../qrMatrix';
import { qrOperators } from './qrDrawing';

/** The rectangles of `x y w h re` operators, in module units. */
function rectangles(matrix: QrMatrix): { x: number; y: number; w: number; h: number }[] {
  return qrOperators({ matrix, x: 0, top: 0, module: 1 }, 0)
    .map(String)
    .filter((op) => op.endsWith(' re'))
    .map((op) => {
      const [x = NaN, y = NaN, w = NaN, h = NaN] = op.split(' ').map(Number);
      return { x, y, w, h };
    });
}

function horizontalRuns(matrix: QrMatrix): number {
  let runs = 0;
  for (let y = 0; y < matrix.size; y++) {
    for (let x = 0; x < matrix.size; x++) if (matrix.isDark(x, y) && !matrix.isDark(x - 1, y)) runs++;
  }
  return runs;
}

describe('qrOperators', () => {
  it.each([
    ['A1015', 'M'],
    ['https://dichvucong.hanoi.gov.vn/tra-cuu?code=000.00.21.H26-261123-0042&s=K7QX2M9P', 'M'],
    ['https://dichvucong.hanoi.gov.vn/q?dv=Hộ tịch&s=B015', 'H'],
  ] as const)('paints exactly the dark modules of %s, each once', (text, level) => {
    const matrix = qrMatrix(text, level);
    const painted = new Uint8Array(matrix.size * matrix.size);
    const rects = rectangles(matrix);
    for (const r of rects) {
      for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) painted[y * matrix.size + x] = (painted[y * matrix.size + x] ?? 0) + 1;
    }
    for (let y = 0; y < matrix.size; y++) {
      for (let x = 0; x < matrix.size; x++) expect(painted[y * matrix.size + x], `module ${x},${y}`).toBe(matrix.isDark(x, y) ? 1 : 0);
    }
    // Runs repeated in the rows below are one rectangle, not one per row.
    expect(rects.length).toBeLessThan(horizontalRuns(matrix));
  });

  it('draws in module units from the top-left of the symbol, black, in one filled path', () => {
    const ops = qrOperators({ matrix: qrMatrix('A1015'), x: 80.123, top: 200, module: 2.48 }, 841.89).map(String);
    expect(ops.slice(0, 3)).toEqual(['q', '2.48 0 0 -2.48 80.12 641.89 cm', '0 g']);
    expect(ops.slice(-2)).toEqual(['f', 'Q']);
    expect(ops.filter((op) => op === 'f')).toHaveLength(1);
  });
});
