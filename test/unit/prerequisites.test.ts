import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrerequisites, findMissing, PREREQUISITES, type Env, type PrerequisiteSystem } from '../../scripts/prerequisites.mjs';

/**
 * scripts/prerequisites.mjs, the first stage of `npm test`, on a fake machine: a PATH, a set of
 * files, a uid, and an apt-get that "installs" a package by adding its files. What it must never do:
 * run apt-get when nothing is missing, or run anything at all when it cannot install.
 */

/** What each Debian package puts on a machine, as far as the probes look. */
const PACKAGE_FILES: Record<string, string[]> = {
  chromium: ['/usr/bin/chromium'],
  'poppler-utils': ['/usr/bin/pdftotext', '/usr/bin/pdftoppm'],
  'sane-utils': ['/usr/bin/scanimage'],
  procps: ['/usr/bin/ps'],
  'postgresql-15': ['/usr/lib/postgresql/15/bin/pg_ctl', '/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/pg_isready'],
  'fonts-noto-core': ['/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf'],
};
const ALL_PACKAGES = Object.keys(PACKAGE_FILES);
const BASE_FILES = ['/usr/bin/node', '/usr/bin/apt-get', '/usr/bin/sudo'];

interface Call {
  command: string;
  args: string[];
  env: Env;
}

function fakeMachine(options: { installed: string[]; uid: number | null; env?: Env; without?: string[]; aptStatus?: number; aptInstallsNothing?: boolean }) {
  const files = new Set([...BASE_FILES, ...options.installed.flatMap((p) => PACKAGE_FILES[p] ?? [])].filter((f) => !options.without?.includes(f)));
  const calls: Call[] = [];
  const lines: string[] = [];
  const system: PrerequisiteSystem = {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...options.env },
    platform: 'linux',
    uid: options.uid,
    isFile: (path) => files.has(path),
    isExecutable: (path) => files.has(path) && !path.endsWith('.ttf'),
    run(command, args, env) {
      calls.push({ command, args, env });
      if (options.aptStatus !== undefined && args[0] === 'install')
        return { status: options.aptStatus, output: 'Reading package lists...\nE: Unable to locate package chromium\n' };
      if (args[0] === 'install' && !options.aptInstallsNothing) {
        for (const name of args.filter((a) => !a.startsWith('-') && a !== 'install')) for (const f of PACKAGE_FILES[name] ?? []) files.add(f);
      }
      return { status: 0, output: '' };
    },
    log: (line) => lines.push(line),
  };
  return { system, calls, lines, files };
}

describe('ensurePrerequisites', () => {
  it('nothing missing: says so in one line and never calls apt-get, root or not', () => {
    for (const uid of [0, 1000]) {
      const m = fakeMachine({ installed: ALL_PACKAGES, uid });
      expect(ensurePrerequisites(m.system)).toEqual({ ok: true, installed: [] });
      expect(m.calls).toEqual([]);
      expect(m.lines).toEqual(['System prerequisites present: chromium, poppler-utils, sane-utils, procps, postgresql-15, fonts-noto-core.']);
    }
  });

  it('missing, root, apt-get on PATH: apt-get update, then one noninteractive install of exactly the missing packages', () => {
    const m = fakeMachine({ installed: ['chromium', 'procps', 'postgresql-15', 'fonts-noto-core'], uid: 0 });
    expect(ensurePrerequisites(m.system)).toEqual({ ok: true, installed: ['poppler-utils', 'sane-utils'] });
    expect(m.calls.map((c) => [c.command, ...c.args])).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'poppler-utils', 'sane-utils'],
    ]);
    for (const c of m.calls) expect(c.env).toMatchObject({ DEBIAN_FRONTEND: 'noninteractive', PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(m.lines.at(-1)).toBe('Installed: poppler-utils sane-utils.');
  });

  it('on a bare machine as root installs every package, and a second run installs nothing', () => {
    const m = fakeMachine({ installed: [], uid: 0 });
    expect(ensurePrerequisites(m.system)).toEqual({ ok: true, installed: ALL_PACKAGES });
    expect(m.calls).toHaveLength(2);
    expect(ensurePrerequisites(m.system)).toEqual({ ok: true, installed: [] });
    expect(m.calls).toHaveLength(2);
  });

  it('missing, not root: runs nothing and names the exact sudo command and the tests that need each package', () => {
    const m = fakeMachine({ installed: ['chromium', 'procps', 'postgresql-15', 'fonts-noto-core'], uid: 1000 });
    const r = ensurePrerequisites(m.system);
    expect(m.calls).toEqual([]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain('no test has run');
    expect(r.message).toContain('\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends poppler-utils sane-utils\n');
    expect(r.message).toContain('poppler-utils: pdftotext (on PATH), pdftoppm (on PATH), /usr/bin/pdftotext, /usr/bin/pdftoppm not found');
    expect(r.message).toContain('test/electron/scanner.test.ts');
    expect(r.message).toContain('TEST_SKIP_PREREQUISITES=1');
    expect(r.message).not.toMatch(/chromium|postgresql-15/);
  });

  it('not root and no sudo: the command goes through su', () => {
    const m = fakeMachine({ installed: ALL_PACKAGES, uid: 1000, without: ['/usr/bin/sudo', '/usr/bin/ps'] });
    const r = ensurePrerequisites(m.system);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.message).toContain("\n  su -c 'apt-get update && apt-get install -y --no-install-recommends procps'\n");
    expect(m.calls).toEqual([]);
  });

  it('root without apt-get (not Debian): runs nothing and names the Debian packages to find equivalents for', () => {
    const m = fakeMachine({ installed: ['chromium', 'poppler-utils', 'procps', 'postgresql-15'], uid: 0, without: ['/usr/bin/apt-get'] });
    const r = ensurePrerequisites(m.system);
    expect(m.calls).toEqual([]);
    expect(!r.ok && r.message).toContain('No apt-get here: install the equivalents of these Debian packages: sane-utils fonts-noto-core');
  });

  it('a program outside PATH is missing, even in a standard folder (the tests call it by name)', () => {
    const m = fakeMachine({ installed: ALL_PACKAGES, uid: 1000, env: { PATH: '/opt/hidden' } });
    expect(findMissing(PREREQUISITES, m.system).map((x) => x.prerequisite.debianPackage)).toEqual(['poppler-utils', 'sane-utils', 'procps']);
  });

  it('a package whose files exist only in part counts as missing', () => {
    const m = fakeMachine({ installed: ALL_PACKAGES, uid: 1000, without: ['/usr/lib/postgresql/15/bin/pg_isready'] });
    const r = ensurePrerequisites(m.system);
    expect(!r.ok && r.message).toContain('postgresql-15: /usr/lib/postgresql/15/bin/pg_isready not found');
  });

  it('TEST_DATABASE_URL replaces postgresql-15; PG_BIN and CHROMIUM_PATH move the files looked for', () => {
    const bare = fakeMachine({ installed: ALL_PACKAGES.filter((p) => p !== 'postgresql-15'), uid: 1000, env: { TEST_DATABASE_URL: 'postgres://db/x' } });
    expect(ensurePrerequisites(bare.system)).toEqual({ ok: true, installed: [] });

    const moved = fakeMachine({ installed: ALL_PACKAGES, uid: 1000, env: { PG_BIN: '/opt/pg/bin', CHROMIUM_PATH: '/usr/bin/chromium' } });
    const missing = findMissing(PREREQUISITES, moved.system);
    expect(missing.map((x) => [x.prerequisite.debianPackage, x.notFound])).toEqual([
      ['postgresql-15', ['/opt/pg/bin/pg_ctl', '/opt/pg/bin/initdb', '/opt/pg/bin/pg_isready']],
    ]);
  });

  it('an override pointing nowhere stops even root: installing the package would not help', () => {
    const m = fakeMachine({ installed: ['poppler-utils', 'procps', 'postgresql-15', 'fonts-noto-core'], uid: 0, env: { CHROMIUM_PATH: '/opt/chrome/chrome' } });
    const r = ensurePrerequisites(m.system);
    expect(m.calls).toEqual([]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain('CHROMIUM_PATH=/opt/chrome/chrome, but /opt/chrome/chrome not found: fix or unset it');
    expect(r.message).toContain('\n  apt-get update && apt-get install -y --no-install-recommends sane-utils\n');
  });

  it('a failing apt-get stops with the tail of its output, before the install when update fails', () => {
    const failing = fakeMachine({ installed: [], uid: 0, aptStatus: 100 });
    const r = ensurePrerequisites(failing.system);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('failed (exit 100); no test has run');
    expect(!r.ok && r.message).toContain('E: Unable to locate package chromium');

    const noUpdate = fakeMachine({ installed: [], uid: 0 });
    noUpdate.system.run = (command, args, env) => {
      noUpdate.calls.push({ command, args, env });
      return { status: 100, output: 'E: Could not resolve deb.debian.org' };
    };
    expect(ensurePrerequisites(noUpdate.system)).toMatchObject({ ok: false, message: expect.stringContaining('apt-get update -qq failed') });
    expect(noUpdate.calls).toHaveLength(1);
  });

  it('checks again after installing: a package that did not bring its files is reported, not trusted', () => {
    const m = fakeMachine({ installed: ['chromium', 'poppler-utils', 'sane-utils', 'procps', 'postgresql-15'], uid: 0, aptInstallsNothing: true });
    const r = ensurePrerequisites(m.system);
    expect(m.calls).toHaveLength(2);
    expect(!r.ok && r.message).toContain('fonts-noto-core: /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf not found');
  });

  it('TEST_SKIP_PREREQUISITES=1 and non-Linux systems skip the check and say so', () => {
    const skipped = fakeMachine({ installed: [], uid: 1000, env: { TEST_SKIP_PREREQUISITES: '1' } });
    expect(ensurePrerequisites(skipped.system)).toEqual({ ok: true, installed: [] });
    expect(skipped.lines.join('\n')).toContain('not checked (TEST_SKIP_PREREQUISITES=1)');
    const mac = fakeMachine({ installed: [], uid: 501 });
    mac.system.platform = 'darwin';
    expect(ensurePrerequisites(mac.system)).toEqual({ ok: true, installed: [] });
    expect(mac.calls).toEqual([]);
  });
});

/** Every test file, to find the programs they run. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(path);
    return /\.(test|spec)\.tsx?$|^helpers\.ts$|^globalSetup\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('PREREQUISITES', () => {
  it('covers every program a test runs by name (a new one needs its package in the table)', () => {
    const root = new URL('../..', import.meta.url).pathname;
    // Programs from npm or Node itself, not from a Debian package.
    const fromNode = new Set(['npx']);
    const probed = new Set(PREREQUISITES.flatMap((p) => p.probes({})).map((probe) => ('command' in probe ? probe.command : probe.file)));
    const run = new Map<string, string>();
    for (const file of [...testFiles(join(root, 'src')), ...testFiles(join(root, 'test')), ...testFiles(join(root, 'electron'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:execFileSync|execFile|spawnSync|spawn)\(\s*'([^']+)'/g)) {
        if (m[1] && !fromNode.has(m[1])) run.set(m[1], relative(root, file));
      }
    }
    expect(run.size).toBeGreaterThan(3);
    for (const [program, file] of run) expect(probed.has(program) || probed.has(`/usr/bin/${program}`), `${program} (${file})`).toBe(true);
  });

  it('says for each package which tests need it', () => {
    for (const p of PREREQUISITES) expect(p.neededBy).toMatch(/test|spec/);
  });
});
