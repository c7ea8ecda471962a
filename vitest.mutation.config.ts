import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The vitest configuration Stryker runs (stryker.config.mjs): the project's, plus faster server
 * databases (test/support/mutationDatabases.ts), since every mutant re-runs the server test files
 * that cover it.
 */
export default mergeConfig(base, defineConfig({ test: { setupFiles: ['test/support/mutationDatabases.ts'] } }));
