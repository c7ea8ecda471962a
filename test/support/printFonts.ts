import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PdfFonts } from '../../src/print/PdfFonts';

const FONT_DIR = join(import.meta.dirname, '../../assets/fonts');

/** The fonts the kiosk ships (Be Vietnam Pro, hinted TTF), read from assets/fonts. */
export function readPrintFonts(): PdfFonts {
  return {
    regular: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Regular.ttf'))),
    bold: new Uint8Array(readFileSync(join(FONT_DIR, 'BeVietnamPro-Bold.ttf'))),
  };
}
