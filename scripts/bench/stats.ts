/** Small helpers every benchmark prints with. */

/** The p-th percentile of values already sorted ascending (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** p50 and p95 of a series (any order), and how many samples it has. */
export interface Quantiles {
  readonly p50: number;
  readonly p95: number;
  readonly samples: number;
}

export function quantiles(values: readonly number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), samples: sorted.length };
}

export const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

export const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
