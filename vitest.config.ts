import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

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
    // Integration tests start PGlite (a WASM PostgreSQL) per file: seconds on a busy 2-core runner.
    hookTimeout: 60_000,
    // Two files at a time even on 2 cores (Vitest's default is one fewer than the cores: one file at
    // a time there). The integration files wait on PostgreSQL and HTTP as much as they compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
  },
});
