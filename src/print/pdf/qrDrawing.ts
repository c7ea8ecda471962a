/**
 * A QR symbol as PDF path operators: black modules on the page, nothing else (the quiet zone is the
 * caller's white space). Pure: operator lines only, the page painter writes them into the page.
 */
import type { QrMatrix } from '../qrMatrix';
import { pdfNumber } from './pdfNumber';
import { round2 } from './units';

/** Where a symbol goes on the page. */
export interface QrPlacement {
  readonly matrix: QrMatrix;
  /** Top-left of the symbol itself (quiet zone excluded), distances from the page's left and top. */
  readonly x: number;
  readonly top: number;
  /** Module size in points. */
  readonly module: number;
}

/**
 * One rectangle per horizontal run of dark modules, and a run is extended downwards while the rows
 * below repeat it exactly (a finder pattern becomes five rectangles). All in one path, one fill.
 */
export function qrOperators(qr: QrPlacement, pageHeight: number): string[] {
  const { matrix, module } = qr;
  const n = matrix.size;
  interface Run {
    x0: number;
    x1: number;
    y0: number;
    rows: number;
  }
  const done: Run[] = [];
  let open = new Map<string, Run>();
  for (let y = 0; y < n; y++) {
    const next = new Map<string, Run>();
    let x = 0;
    while (x < n) {
      if (!matrix.isDark(x, y)) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < n && matrix.isDark(x, y)) x++;
      const key = `${x0}:${x}`;
      const run = open.get(key);
      if (run) {
        run.rows++;
        open.delete(key);
        next.set(key, run);
      } else {
        next.set(key, { x0, x1: x, y0: y, rows: 1 });
      }
    }
    done.push(...open.values());
    open = next;
  }
  done.push(...open.values());

  // Draw in module units (y pointing down from the symbol's top-left) so every rectangle is four
  // small integers: about half the content stream of page coordinates.
  const ops: string[] = ['q', `${pdfNumber(module)} 0 0 ${pdfNumber(-module)} ${pdfNumber(round2(qr.x))} ${pdfNumber(round2(pageHeight - qr.top))} cm`, '0 g'];
  for (const r of done) ops.push(`${r.x0} ${r.y0} ${r.x1 - r.x0} ${r.rows} re`);
  ops.push('f', 'Q');
  return ops;
}
