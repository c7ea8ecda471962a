import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The vitest configuration Stryker runs (stryker.config.mjs): the project's, plus faster server
 * databases (test/support/mutationDatabases.ts), since every mutant re-runs the server test files
 * that cover it. Longer timeouts: instrumented code, re-run for every mutant, on a shared machine
 * (Stryker's own timeout, from the initial run's times, still catches a mutant that hangs).
 */
export default mergeConfig(base, defineConfig({ test: { setupFiles: ['test/support/mutationDatabases.ts'], testTimeout: 120_000, hookTimeout: 180_000 } }));
