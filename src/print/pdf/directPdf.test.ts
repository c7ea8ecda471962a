/**
 * The direct PDF engine against the pdf-lib one (writePdf.ts), the way a printer and a reader see
 * a document: poppler's text (pdftotext) and pixels (pdftoppm), which must be the same; and the
 * file's own structure (every cross-reference entry points at its object), which poppler would
 * otherwise repair in silence.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPrintFonts } from '../../../test/support/printFonts';
import { tempPdfFiles } from '../../../test/support/tempPdfFiles';
import { qrMatrix } from '../qrMatrix';
import { KEPT_FONTS, keptFontCount } from './directPdf';
import { prepareFonts } from './fontPreparation';
import type { PageContent } from './pagePainter';
import { writePdf, type PdfDocumentSpec, type PdfEngine } from './writePdf';

const prepared = prepareFonts(readPrintFonts());
const DATE = Date.parse('2026-11-23T02:35:00Z');

/** Every letter Vietnamese writes (both cases, all tones), digits and punctuation: > 100 glyphs per weight. */
const ALPHABET = (() => {
  const vowels = 'aăâeêioôơuưy';
  const tones = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];
  const letters = [...vowels].flatMap((v) => tones.map((t) => (v + t).normalize('NFC')));
  const lower = `${letters.join('')}bcdđghklmnpqrstvx`;
  return `${lower} ${lower.toUpperCase()} 0123456789 .,:;–-/()`;
})();

function content(lines: readonly string[], withQr: boolean): PageContent {
  return {
    texts: [
      ...lines.map((text, i) => ({ text, font: (i % 2 === 0 ? 'regular' : 'bold') as 'regular' | 'bold', size: 9 + (i % 3), x: 14, baseline: 30 + 22 * i })),
      { text: 'ƯU TIÊN', font: 'bold', size: 14, x: 60, baseline: 30 + 22 * lines.length + 20, white: true },
    ],
    boxes: [
      { x: 10, top: 14, width: 280, height: 1.5 },
      { x: 50, top: 30 + 22 * lines.length, width: 110, height: 26 },
    ],
    ...(withQr ? { qr: { matrix: qrMatrix('https://dichvucong.hanoi.gov.vn/q/b03/A1015?d=20261123&k=7f3a9c'), x: 40, top: 260, module: 2.5 } } : {}),
  };
}

/** The alphabet in lines short enough for the page. */
const chunks = Array.from({ length: Math.ceil(ALPHABET.length / 24) }, (_, i) => ALPHABET.slice(24 * i, 24 * i + 24));

const document: PdfDocumentSpec = {
  title: 'Giấy tiếp nhận 000.00.21.H26-261123-0042',
  date: DATE,
  subset: true,
  pages: [
    { width: 300, height: 420, content: content(['Chi nhánh số 3 – Cầu Giấy', 'Đăng ký kinh doanh, hộ kinh doanh', ...chunks.slice(0, 4), 'A1015'], true) },
    { width: 300, height: 380, content: content([...chunks.slice(4), 'Trang 2/2'], false) },
  ],
};

const { write: save } = tempPdfFiles('direct-pdf');

/** pdftotext of the whole document; fails on anything poppler complains about (it repairs and goes on, saying so on stderr). */
function text(pdf: Uint8Array): string {
  const run = spawnSync('pdftotext', ['-enc', 'UTF-8', save(pdf), '-'], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  return run.stdout;
}

/** Each page at 150 dpi in grey, as raw PGM bytes. */
function pixels(pdf: Uint8Array): Buffer[] {
  const file = save(pdf);
  execFileSync('pdftoppm', ['-r', '150', '-gray', file, `${file}-page`]);
  return document.pages.map((_, i) => readFileSync(`${file}-page-${i + 1}.pgm`));
}

const render = (engine: PdfEngine, spec: PdfDocumentSpec = document): Promise<Uint8Array> => writePdf(prepared, spec, engine);

describe('the direct PDF engine', () => {
  it('gives the same text and the same pixels as pdf-lib, on every page', async () => {
    const direct = await render('direct');
    const reference = await render('pdf-lib');
    expect(text(direct)).toBe(text(reference));
    // Every glyph reads back: the whole alphabet, in order, across both pages.
    const read = text(direct).normalize('NFC').replace(/\s+/gu, '');
    const lines = ['Chi nhánh số 3 – Cầu Giấy', 'Đăng ký kinh doanh, hộ kinh doanh'].join('').replace(/\s+/gu, '');
    expect(read.startsWith(lines)).toBe(true);
    expect(read).toContain(chunks.slice(0, 4).join('').replace(/\s+/gu, ''));
    expect(read).toContain(chunks.slice(4).join('').replace(/\s+/gu, ''));
    const [a, b] = [pixels(direct), pixels(reference)];
    expect(a).toHaveLength(2);
    a.forEach((page, i) => expect(page.equals(b[i]!), `page ${i + 1}`).toBe(true));
  });

  it('writes a cross-reference table whose every entry points at its object, and a trailer that finds them', async () => {
    const pdf = Buffer.from(await render('direct'));
    const latin = pdf.toString('latin1');
    expect(latin.startsWith('%PDF-1.7\n')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/u.exec(latin)?.[1]);
    expect(latin.slice(startxref, startxref + 5)).toBe('xref\n');
    const table = /^xref\n0 (\d+)\n((?:\d{10} \d{5} [fn] \n)+)trailer\n<< \/Size (\d+) \/Root 1 0 R \/Info 3 0 R >>/u.exec(latin.slice(startxref));
    expect(table).not.toBeNull();
    const entries = table![2]!.split('\n').filter(Boolean);
    expect(entries).toHaveLength(Number(table![1]));
    expect(Number(table![3])).toBe(entries.length);
    const inUse = entries.map((e, n) => ({ n, offset: Number(e.slice(0, 10)), used: e.endsWith('n ') })).filter((e) => e.used);
    // Catalog, pages, info, two fonts of five objects, two pages with their contents.
    expect(inUse.map((e) => e.n)).toEqual([1, 2, 3, ...Array.from({ length: 10 }, (_, i) => 4 + i), 14, 15, 16, 17]);
    for (const { n, offset } of inUse) expect(latin.slice(offset, offset + `${n} 0 obj\n`.length), `object ${n}`).toBe(`${n} 0 obj\n`);
    // Every stream's Length ends exactly where its data does.
    const streams = [...latin.matchAll(/<< \/Length (\d+) [^\n]*>>\nstream\n/gu)];
    expect(streams).toHaveLength(2 * 2 + 2); // two fonts' program and map, two pages' contents
    for (const m of streams) {
      const end = m.index + m[0].length + Number(m[1]);
      expect(latin.slice(end, end + '\nendstream\n'.length)).toBe('\nendstream\n');
    }
  });

  it('splits a ToUnicode map of more than 100 glyphs into blocks of at most 100, and every glyph reads back', async () => {
    const pdf = Buffer.from(await render('direct'));
    // The maps are compressed: inflate each FlateDecode stream and keep the CMaps.
    const { inflateSync } = await import('node:zlib');
    const latin = pdf.toString('latin1');
    const cmaps: string[] = [];
    for (const m of latin.matchAll(/<< \/Length (\d+) \/Filter \/FlateDecode >>\nstream\n/gu)) {
      const start = m.index + m[0].length;
      const body = inflateSync(pdf.subarray(start, start + Number(m[1]))).toString('latin1');
      if (body.includes('begincmap')) cmaps.push(body);
    }
    expect(cmaps).toHaveLength(2);
    const blocks = cmaps.flatMap((c) =>
      [...c.matchAll(/(\d+) beginbfchar\n([^]*?)\nendbfchar/gu)].map((b) => ({ count: Number(b[1]), lines: b[2]!.split('\n').length })),
    );
    expect(blocks.some((b) => b.count === 100)).toBe(true);
    for (const b of blocks) {
      expect(b.count).toBeLessThanOrEqual(100);
      expect(b.lines).toBe(b.count);
    }
  });

  it('embeds the same font objects for documents that differ only in their digits, and names other glyphs apart', async () => {
    const ticket = (number: string, waiting: string): PdfDocumentSpec => ({
      ...document,
      pages: [{ width: 226, height: 300, content: content(['PHIẾU THỨ TỰ', number, `Số người chờ trước bạn: ${waiting}`], true) }],
    });
    const names = (pdf: Uint8Array): string[] =>
      [
        ...Buffer.from(pdf)
          .toString('latin1')
          .matchAll(/\/FontName \/([A-Z]{6}\+\S+)/gu),
      ].map((m) => m[1]!);
    const a = await render('direct', ticket('A1015', '7'));
    const b = await render('direct', ticket('A2093', '46'));
    expect(names(b)).toEqual(names(a));
    const fontPart = (pdf: Uint8Array): Buffer => {
      const latin = Buffer.from(pdf).toString('latin1');
      return Buffer.from(pdf).subarray(latin.indexOf('4 0 obj\n'), latin.indexOf('14 0 obj\n'));
    };
    expect(fontPart(b).equals(fontPart(a))).toBe(true);
    const c = await render('direct', ticket('Đ1015', '7'));
    expect(names(c)[1]).not.toBe(names(a)[1]);
    expect(text(c)).toContain('Đ1015');
  });

  it('embeds the whole fonts for a document that asks for them, even after a subset of the very same glyphs', async () => {
    const digits: PdfDocumentSpec = { ...document, pages: [{ width: 226, height: 200, content: content(['0123456789', '9876543210'], false) }] };
    const subset = await render('direct', digits);
    const whole = await render('direct', { ...digits, subset: false });
    expect(whole.length).toBeGreaterThan(3 * subset.length);
    expect(Buffer.from(whole).toString('latin1')).toMatch(/\/FontName \/BeVietnamPro-Regular /u);
    expect(text(whole)).toBe(text(subset));
  });

  it('writes a document the same, byte for byte, whatever it wrote before, and keeps a bounded number of fonts', async () => {
    const used = prepareFonts(readPrintFonts());
    await writePdf(used, document, 'direct');
    for (let i = 0; i < 40; i++) {
      const other = content([`Số ${i} ${ALPHABET.slice(i, i + 30)}`], i % 2 === 0);
      await writePdf(used, { ...document, pages: [{ width: 200, height: 200, content: other }] }, 'direct');
      expect(keptFontCount(used)).toBeLessThanOrEqual(KEPT_FONTS);
    }
    expect(keptFontCount(used)).toBe(KEPT_FONTS);
    // Written again by the renderer that wrote all of those (its fonts kept since, or made again),
    // the document is the one a renderer that never wrote anything writes.
    const again = await writePdf(used, document, 'direct');
    expect(Buffer.from(await writePdf(used, document, 'direct')).equals(Buffer.from(again))).toBe(true);
    const fresh = await writePdf(prepareFonts(readPrintFonts()), document, 'direct');
    expect(Buffer.from(again).equals(Buffer.from(fresh))).toBe(true);
  });

  it('fails a document whose font cannot be subset, instead of waiting for ever, and keeps nothing of it', async () => {
    const fonts = prepareFonts(readPrintFonts());
    const font = fonts.parsed.regular;
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => {
      const subset = createSubset() as ReturnType<typeof createSubset> & { encode(stream: unknown): void };
      subset.encode = () => {
        throw new Error('glyf table damaged');
      };
      return subset;
    };
    await expect(writePdf(fonts, document, 'direct')).rejects.toThrow('glyf table damaged');
    font.createSubset = createSubset;
    expect(text(await writePdf(fonts, document, 'direct'))).toBe(text(await render('direct')));
  });

  it('refuses a document without pages, with either engine', async () => {
    for (const engine of ['direct', 'pdf-lib'] as const) {
      await expect(writePdf(prepared, { ...document, pages: [] }, engine)).rejects.toThrow(/has no pages/u);
    }
  });
});
