// The system prerequisites of `npm test`: the Debian packages whose programs and files the tests
// use, and the stage that makes sure they are there before any test stage runs.
//
// Guarantees of ensurePrerequisites():
//  - the check only looks (files, PATH look-ups); it never runs a prerequisite;
//  - nothing missing: no apt-get, no output beyond one line;
//  - something missing, root and apt-get on PATH: `apt-get update`, then one
//    `apt-get install -y --no-install-recommends <missing packages>` (noninteractive), then the
//    check again: a package that did not bring what the tests look for is reported, not trusted;
//  - otherwise: nothing runs, and the answer is one message listing what is missing, which tests
//    need it and the exact command to run;
//  - TEST_SKIP_PREREQUISITES=1 skips the check (and says so).
// Everything outside (environment, file system, uid, child processes, output) comes in as `system`,
// so the unit tests drive it with fakes (test/unit/prerequisites.test.ts).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';

/** @typedef {{ command: string } | { file: string }} Probe */
/**
 * @typedef {object} Prerequisite
 * @property {string} debianPackage
 * @property {string} neededBy  which tests use it, by file (read after "used by")
 * @property {(env: Record<string, string | undefined>) => Probe[]} probes  all must be found
 * @property {string} [overriddenBy]  an environment variable that points the tests elsewhere: when it
 *   is set and its target is missing, installing the package would not help
 */

const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

/** @type {readonly Prerequisite[]} */
export const PREREQUISITES = [
  {
    debianPackage: 'chromium',
    neededBy: 'the end-to-end tests: playwright.config.ts, test/e2e/helpers.ts and dossier.spec.ts launch it (no browser is downloaded)',
    probes: (env) => [{ file: env.CHROMIUM_PATH || '/usr/bin/chromium' }],
    overriddenBy: 'CHROMIUM_PATH',
  },
  {
    debianPackage: 'poppler-utils',
    neededBy:
      'the PDF checks: src/print/ticketPdf.test.ts and receiptPdf.test.ts (/usr/bin/pdftotext, /usr/bin/pdftoppm), src/app/dossierDesk.test.ts, test/e2e/helpers.ts and the bilevel page tests src/scan/pages/bilevel.test.ts and ccittG4.test.ts (from PATH)',
    probes: () => [{ command: 'pdftotext' }, { command: 'pdftoppm' }, { file: '/usr/bin/pdftotext' }, { file: '/usr/bin/pdftoppm' }],
  },
  {
    debianPackage: 'sane-utils',
    neededBy: "test/electron/scanner.test.ts, which scans from SANE's test backend (skipped without it)",
    probes: () => [{ command: 'scanimage' }],
  },
  {
    debianPackage: 'procps',
    neededBy: "test/e2e/crash.spec.ts: killBrowser (test/e2e/helpers.ts) finds Chromium's processes with ps",
    probes: () => [{ command: 'ps' }],
  },
  {
    debianPackage: 'postgresql-15',
    neededBy:
      'the server tests on a real PostgreSQL (test/integration/*, on the throwaway cluster of scripts/ci-postgres.sh); not needed when TEST_DATABASE_URL is set',
    probes: (env) => (env.TEST_DATABASE_URL ? [] : ['pg_ctl', 'initdb', 'pg_isready'].map((name) => ({ file: `${env.PG_BIN || DEFAULT_PG_BIN}/${name}` }))),
    overriddenBy: 'PG_BIN',
  },
  {
    debianPackage: 'fonts-noto-core',
    neededBy:
      "the end-to-end tests, as Chromium's sans-serif outside the kiosk's own font: the paper photos drawn by test/e2e/helpers.ts, the screenshots in test-results/screens",
    probes: () => [{ file: '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf' }],
  },
];

export const SKIP_VARIABLE = 'TEST_SKIP_PREREQUISITES';
const APT_INSTALL = ['install', '-y', '-qq', '--no-install-recommends'];
/** Lines of apt-get's output shown when it fails (its full output is long and mostly progress). */
const OUTPUT_TAIL_LINES = 25;

/**
 * @typedef {object} PrerequisiteSystem
 * @property {Record<string, string | undefined>} env
 * @property {string} platform  process.platform
 * @property {number | null} uid  null where there are no uids (Windows)
 * @property {(path: string) => boolean} isFile  a regular file (or a link to one) that exists
 * @property {(path: string) => boolean} isExecutable  a regular file this user may execute
 * @property {(command: string, args: string[], env: Record<string, string | undefined>) => { status: number | null, output: string }} run
 * @property {(line: string) => void} log
 */

/**
 * Where `command` is found on the PATH of `env`, or null.
 * @param {string} command
 * @param {Record<string, string | undefined>} env
 * @param {(path: string) => boolean} isExecutable
 */
export function findOnPath(command, env, isExecutable) {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir !== '' && isExecutable(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return null;
}

/**
 * The prerequisites not satisfied on `system`, each with the probes that failed.
 * @param {readonly Prerequisite[]} prerequisites
 * @param {Pick<PrerequisiteSystem, 'env' | 'isFile' | 'isExecutable'>} system
 */
export function findMissing(prerequisites, system) {
  return prerequisites
    .map((prerequisite) => ({
      prerequisite,
      notFound: prerequisite
        .probes(system.env)
        .filter((probe) => ('command' in probe ? findOnPath(probe.command, system.env, system.isExecutable) === null : !system.isFile(probe.file)))
        .map((probe) => ('command' in probe ? `${probe.command} (on PATH)` : probe.file)),
    }))
    .filter((m) => m.notFound.length > 0);
}

/** @param {{ prerequisite: Prerequisite }} m @param {Record<string, string | undefined>} env */
const isOverridden = (m, env) => m.prerequisite.overriddenBy !== undefined && Boolean(env[m.prerequisite.overriddenBy]);

/**
 * The exact command that installs `packages`: as is for root, through sudo where there is one, else su.
 * @param {string[]} packages
 * @param {'root' | 'sudo' | 'su'} as
 */
export function installCommand(packages, as) {
  const apt = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (as === 'root') return `apt-get update && ${apt}`;
  return as === 'sudo' ? `sudo apt-get update && sudo ${apt}` : `su -c 'apt-get update && ${apt}'`;
}

/**
 * @param {ReturnType<typeof findMissing>} missing
 * @param {Record<string, string | undefined>} env
 */
function describeMissing(missing, env) {
  return missing.flatMap((m) => {
    const what = isOverridden(m, env)
      ? `${m.prerequisite.overriddenBy}=${env[m.prerequisite.overriddenBy ?? '']}, but ${m.notFound.join(', ')} not found: fix or unset it`
      : `${m.prerequisite.debianPackage}: ${m.notFound.join(', ')} not found`;
    return [`  - ${what}`, `    used by ${m.prerequisite.neededBy}`];
  });
}

/** @param {string} output */
const tail = (output) => output.trimEnd().split('\n').slice(-OUTPUT_TAIL_LINES).join('\n');

/**
 * Checks every prerequisite and installs the missing ones when it can (see the file header).
 * @param {PrerequisiteSystem} system
 * @param {readonly Prerequisite[]} [prerequisites]
 * @returns {{ ok: true, installed: string[] } | { ok: false, message: string }}
 */
export function ensurePrerequisites(system, prerequisites = PREREQUISITES) {
  const { env, log } = system;
  if (env[SKIP_VARIABLE] === '1') {
    log(`System prerequisites not checked (${SKIP_VARIABLE}=1): tests that need a missing one fail or skip.`);
    return { ok: true, installed: [] };
  }
  if (system.platform !== 'linux') {
    log(`System prerequisites are Debian packages; not checked on ${system.platform}.`);
    return { ok: true, installed: [] };
  }

  const missing = findMissing(prerequisites, system);
  if (missing.length === 0) {
    log(`System prerequisites present: ${prerequisites.map((p) => p.debianPackage).join(', ')}.`);
    return { ok: true, installed: [] };
  }

  const skipHint = `(${SKIP_VARIABLE}=1 runs the tests without this check; those that need a missing package then fail or skip.)`;
  const misdirected = missing.filter((m) => isOverridden(m, env));
  const packages = missing.filter((m) => !isOverridden(m, env)).map((m) => m.prerequisite.debianPackage);
  const hasApt = findOnPath('apt-get', env, system.isExecutable) !== null;
  const isRoot = system.uid === 0;

  if (misdirected.length > 0 || !isRoot || !hasApt) {
    const lines = ['npm test needs system packages that are missing; no test has run.', ...describeMissing(missing, env)];
    if (packages.length > 0) {
      if (hasApt) {
        const as = isRoot ? 'root' : findOnPath('sudo', env, system.isExecutable) !== null ? 'sudo' : 'su';
        lines.push('Install them, then run npm test again:', `  ${installCommand(packages, as)}`);
      } else {
        lines.push(`No apt-get here: install the equivalents of these Debian packages: ${packages.join(' ')}`);
      }
    }
    lines.push(skipHint);
    return { ok: false, message: lines.join('\n') };
  }

  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`Installing system packages for the tests: ${packages.join(' ')} (apt-get, this can take a few minutes)`);
  for (const args of [
    ['update', '-qq'],
    [...APT_INSTALL, ...packages],
  ]) {
    const result = system.run('apt-get', args, aptEnv);
    if (result.status !== 0) {
      const command = `apt-get ${args.join(' ')}`;
      return {
        ok: false,
        message: [`${command} failed (exit ${result.status ?? 'signal'}); no test has run. Its last lines:`, tail(result.output), skipHint].join('\n'),
      };
    }
  }

  const stillMissing = findMissing(prerequisites, system);
  if (stillMissing.length > 0) {
    return {
      ok: false,
      message: [
        'apt-get installed the packages but some prerequisites are still not found; no test has run.',
        ...describeMissing(stillMissing, env),
        skipHint,
      ].join('\n'),
    };
  }
  log(`Installed: ${packages.join(' ')}.`);
  return { ok: true, installed: packages };
}

/** @param {string} path */
function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * This process's system: its environment, uid and file system; apt-get's output is captured, to be
 * shown only when it fails.
 * @returns {PrerequisiteSystem}
 */
export function processSystem() {
  return {
    env: process.env,
    platform: process.platform,
    uid: process.getuid?.() ?? null,
    isFile,
    isExecutable(path) {
      try {
        accessSync(path, constants.X_OK);
        return isFile(path);
      } catch {
        return false;
      }
    },
    run(command, args, env) {
      const r = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
      return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
    },
    log: (line) => console.log(line),
  };
}
