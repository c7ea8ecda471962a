import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take half a minute or more on a 2-core machine, longest first (one run on this
 * machine, threads pool, 2026-12-06: hub fault rounds ≈ 165 s per engine (200 rounds), direct
 * fault rounds ≈ 105 s per engine, hub 71 s, lookup 54 s, limits 46 s, fuzz 43 s, hub heartbeat 39 s, queue 35 s,
 * audit 30 s, then 20–25 s each). Without Vitest's cache of durations (CI, a fresh clone) it runs
 * larger files first, and these are small files that call big harnesses: they came last and made
 * the stage's tail.
 */
const SLOW_FIRST = [
  'test/integration/hubFaults.postgres.test.ts',
  'test/integration/hubFaults.pglite.test.ts',
  'test/integration/syncFaults.postgres.test.ts',
  'test/integration/syncFaults.pglite.test.ts',
  'test/integration/hub.test.ts',
  'test/integration/lookup.test.ts',
  'test/integration/limits.test.ts',
  'test/integration/fuzz.test.ts',
  'test/integration/hubHeartbeat.test.ts',
  'test/integration/queue.test.ts',
  'test/integration/audit.test.ts',
  'test/integration/validFuzz.test.ts',
  'test/integration/privacy.test.ts',
  'test/integration/replicas.test.ts',
  'test/integration/ratingFigures.test.ts',
  'src/scan/qr/QrDecoder.test.ts',
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.indexOf(relative(process.cwd(), f.moduleId).replaceAll('\\', '/'));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'src/**/*.test.tsx',
      'electron/**/*.test.ts',
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/electron/**/*.test.ts',
    ],
    environment: 'node',
    // Each test file gets its own module graph and fake IndexedDB; tests never share data folders.
    isolate: true,
    // Worker threads, not child processes: a fresh module graph per file either way, but a thread
    // starts faster (unit files: 77 s with forks, 60 s with threads; integration 600 s → 534 s).
    // No test changes the working directory or exits the process, which threads would not allow.
    pool: 'threads',
    // Integration tests start PGlite (a WASM PostgreSQL) per file: seconds on a busy 2-core runner.
    hookTimeout: 60_000,
    // Two files at a time even on 2 cores (Vitest's default is one fewer than the cores: one file at
    // a time there). The integration files wait on PostgreSQL and HTTP as much as they compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
