import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A temporary folder for one test file's PDFs (poppler's tools read files), made before its tests
 * and removed after them: `write(pdf)` saves one under a new name and returns its path.
 */
export function tempPdfFiles(prefix: string): { write(pdf: Uint8Array): string } {
  let dir = '';
  let count = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    write(pdf) {
      const file = join(dir, `${prefix}-${count++}.pdf`);
      writeFileSync(file, pdf);
      return file;
    },
  };
}
