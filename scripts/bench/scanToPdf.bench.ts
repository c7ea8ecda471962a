/**
 * Document capture in Chromium: 20 synthetic A4 pages at 200 dpi from the raw bitmap to the PDF
 * Blob saved in IndexedDB (compress → assemble → store), against a naive baseline. Filled in below.
 */
export interface ScanBenchResult {
  readonly lines: readonly string[];
}

export async function runScanToPdfBench(): Promise<ScanBenchResult> {
  return { lines: ['scan bench: not implemented yet'] };
}

export function printScanToPdfBench(result: ScanBenchResult): void {
  for (const line of result.lines) console.log(line);
}
