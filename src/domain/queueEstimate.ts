/**
 * How long a ticket will wait, as an honest range ("khoảng 10–20 phút"), never a promise. Pure:
 * the queue owner passes what its log says (src/server/queue.ts).
 *
 * Model: the counters serving the group free up one after another; the ticket is called at the
 * (k+1)-th free-up when k tickets wait ahead of it. With c counters and a counter time per ticket
 * of mean μ and spread σ (recent tickets of the group: called → served done, or called → no-show;
 * that is the walk to the counter plus the service), the wait is about (k + ½)·μ/c — the ½ is the
 * part of the current services already done — stretched by the share of calls that later arrivals
 * take first (priority tickets passing a normal one) — and its spread grows with √(k+1). The range is the
 * 80 % band of that (mean ± 1.28 standard deviations), widened for what a handful of samples cannot
 * tell (the mean's own error), rounded outwards to 5 minutes.
 *
 * Null when there is nothing to base it on: fewer than MIN_SAMPLES recent tickets, or no counter
 * serving the group. What it cannot know: counters that open or close later, and how many priority
 * tickets will really come (it assumes today's share so far). The simulated day in
 * queueEstimate.test.ts measures how often real waits fall in the range.
 */

/** Below this many recent tickets the mean is a guess: no estimate. */
export const MIN_SAMPLES = 3;
/** z for an 80 % two-sided band. */
const Z = 1.28;
const STEP_MINUTES = 5;

export interface EstimateInput {
  /** Counter time of recent tickets of the group, in ms (called → finish or no-show), newest last. */
  readonly recentOccupancyMs: readonly number[];
  /**
   * Counters serving the group now, each counted for its share of them (a counter that serves
   * two groups with people waiting counts ½ for each).
   */
  readonly counters: number;
  /**
   * Share of the calls that go to tickets arriving later and called first: for a normal ticket,
   * the share of priority tickets among arrivals, at most what the interleave lets through
   * (1 / (normalsPerPriority + 1)). 0 when nobody overtakes (a priority ticket's own estimate).
   */
  readonly overtaking?: number;
}

export interface MinutesRange {
  readonly low: number;
  readonly high: number;
}

/** The wait of a ticket with `ahead` tickets before it in its group, in whole minutes; null when unknown. */
export function waitEstimate(ahead: number, input: EstimateInput): MinutesRange | null {
  const samples = input.recentOccupancyMs.filter((x) => Number.isFinite(x) && x >= 0);
  const c = input.counters;
  if (samples.length < MIN_SAMPLES || !(c > 0) || !(ahead >= 0)) return null;
  const n = samples.length;
  const mean = samples.reduce((s, x) => s + x, 0) / n;
  const variance = samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const sd = Math.sqrt(variance);
  const turns = ahead + 1;
  // Later arrivals called first stretch the wait: only (1 − s) of the calls go to the line.
  const stretch = 1 / (1 - Math.min(Math.max(input.overtaking ?? 0, 0), 0.9));
  const expected = (((ahead + 0.5) * mean) / c) * stretch;
  // Services ahead vary independently; the mean itself is estimated from n samples; and how far
  // the current services are along is unknown (uniform over one counter time).
  const spread = stretch * Math.sqrt((turns * variance) / (c * c) + ((turns * sd) / (c * Math.sqrt(n))) ** 2 + (mean / c) ** 2 / 12);
  const lowMs = Math.max(0, expected - Z * spread);
  const highMs = expected + Z * spread;
  const low = Math.floor(lowMs / 60_000 / STEP_MINUTES) * STEP_MINUTES;
  let high = Math.ceil(highMs / 60_000 / STEP_MINUTES) * STEP_MINUTES;
  if (high <= low) high = low + STEP_MINUTES;
  return { low, high };
}
