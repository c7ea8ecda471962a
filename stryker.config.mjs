// @ts-check
/**
 * Mutation testing (StrykerJS, vitest runner): `npm run mutation [push|sync|storage …]` runs one
 * Stryker pass per target (scripts/mutation.mjs sets MUTATION_TARGET); each target mutates its own
 * files and runs only the test files that exercise them. Not part of `npm test`: it is slow.
 * README, "Mutation testing", has the figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';

const integration = (names) => names.map((n) => `test/integration/${n}.test.ts`);

/** What each target mutates, and the tests that may kill its mutants. */
export const TARGETS = {
  // The server's push protocol and record handlers: real servers on PGlite, through HTTP or inject.
  push: {
    mutate: [
      'src/server/push.ts',
      ...readdirSync('src/server/records')
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => `src/server/records/${f}`),
    ],
    // Server-side tests whose cases stand alone (Stryker runs only the tests covering a mutant, by
    // name) and that drive the push: its outcomes, and received dossiers. Not sync/kioskSync/
    // counterSync (the kiosk side; their cases build on each other), fuzz/syncFaults (random,
    // minutes per mutant), auth/limits (real timeouts) nor server/journalGaps (their push cases are
    // in pushOutcomes): every file here is re-run, set-up included, for each mutant it covers.
    testFiles: integration(['pushOutcomes', 'dossiers', 'recordTypes', 'journalGaps']),
  },
  // The kiosk's sync engine and its loop, against the in-memory server and fake IndexedDB.
  sync: {
    mutate: ['src/sync/SyncEngine.ts', 'src/sync/SyncLoop.ts'],
    testFiles: [
      'src/sync/SyncEngine.test.ts',
      'src/sync/SyncLoop.test.ts',
      'src/sync/syncRunOutcomes.test.ts',
      'src/sync/syncLoopStatus.test.ts',
      'src/sync/syncLoopProgress.test.ts',
      'src/sync/parallelScans.test.ts',
    ],
  },
  // The kiosk repositories (IndexedDB through Dexie, fake-indexeddb in tests).
  storage: {
    mutate: [
      'src/storage/outboxRepository.ts',
      'src/storage/syncRepository.ts',
      'src/storage/ticketRepository.ts',
      'src/storage/dossierRepository.ts',
      'src/storage/blobRepository.ts',
    ],
    // Their own tests, and the engine and the desk that use them.
    testFiles: [
      'src/storage/*.test.ts',
      'src/sync/SyncEngine.test.ts',
      'src/app/dossierDesk.test.ts',
      'src/app/KioskApp.test.ts',
      'src/app/counterReservations.test.ts',
    ],
  },
};

const name = process.env.MUTATION_TARGET ?? 'push';
const target = TARGETS[/** @type {keyof typeof TARGETS} */ (name)];
if (!target) throw new Error(`MUTATION_TARGET must be one of ${Object.keys(TARGETS).join(', ')}; got ${name}`);

/**
 * MUTATION_SAMPLE=k mutates a systematic sample instead of whole files: lines 1–10 of every 10·k
 * (for a first figure when a full run would take hours on a busy machine; the report says so).
 */
const sample = Number(process.env.MUTATION_SAMPLE ?? 0);
/** MUTATION_FILES=syncRepository,outboxRepository keeps only the target's files whose path contains one of the words. */
const only = (process.env.MUTATION_FILES ?? '').split(',').filter(Boolean);
const files = only.length > 0 ? target.mutate.filter((f) => only.some((w) => f.includes(w))) : target.mutate;
const mutate =
  sample > 1
    ? files.flatMap((file) => {
        const lines = readFileSync(file, 'utf8').split('\n').length;
        const ranges = [];
        for (let start = 1; start <= lines; start += 10 * sample) ranges.push(`${file}:${start}-${Math.min(lines, start + 9)}`);
        return ranges;
      })
    : files;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate,
  testFiles: target.testFiles,
  // The machine is shared: two workers at most, each running only the tests that cover a mutant.
  concurrency: 2,
  coverageAnalysis: 'perTest',
  // PGlite starts per test file: a mutant's run can take a while on a busy machine.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 30,
  // Copy only what the tests need into the sandbox (.stryker-tmp): sources, tests, migrations,
  // fixtures and assets; not build outputs or earlier reports.
  ignorePatterns: ['dist', 'dist-electron', 'release', 'test-results', 'playwright-report', '.data', 'bench-results', '.tmp', 'reports'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // event-recorder: one file per tested mutant as it goes, so an interrupted run still tells something.
  reporters: ['clear-text', 'html', 'json', 'progress', 'event-recorder'],
  eventReporter: { baseDir: `reports/mutation/${name}-events` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: null },
  logLevel: 'info',
  fileLogLevel: 'off',
};
