import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { startCentre } from '../e2e/centre';

/**
 * End-to-end smoke test of the packaged shape: dist/ + dist-electron/ started by the real Electron
 * binary. The binary cannot be downloaded on every machine (ELECTRON_SKIP_BINARY_DOWNLOAD), so the
 * test skips itself, with a reason, when `require('electron')` cannot name an executable.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));

function electronExecutable(): string | null {
  try {
    // The electron package exports the binary's path and throws when path.txt (the binary) is missing.
    const exe: unknown = requireFromRepo('electron');
    return typeof exe === 'string' && fs.existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

const executablePath = electronExecutable();
const hasElectron = executablePath !== null;
const SKIP_REASON = 'needs the Electron binary (not installable on this machine: run npm install without ELECTRON_SKIP_BINARY_DOWNLOAD)';
// The list reporter does not print skip reasons: say it once, where a reader of the CI log looks.
if (!hasElectron) console.info(`electron smoke tests skipped: ${SKIP_REASON}`);

test.describe('electron kiosk smoke', () => {
  test.skip(!hasElectron, SKIP_REASON);

  let app: ElectronApplication;
  let page: Page;
  let userData: string;

  test.beforeAll(async () => {
    for (const built of ['dist/index.html', 'dist-electron/main.cjs', 'dist-electron/preload.cjs']) {
      if (!fs.existsSync(path.join(repoRoot, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
    // A fresh profile per run: the test never touches a real kiosk's IndexedDB or config.
    userData = fs.mkdtempSync(path.join(os.tmpdir(), 'hpasc-electron-smoke-'));
    const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    app = await _electron.launch({
      executablePath: executablePath ?? undefined,
      args: [...rootArgs, `--user-data-dir=${userData}`, '.'],
      cwd: repoRoot,
      env: { ...process.env, KIOSK_WINDOWED: '1', ELECTRON_ENABLE_LOGGING: '1' },
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  test.afterAll(async () => {
    await app?.close();
    if (userData) fs.rmSync(userData, { recursive: true, force: true });
  });

  test('serves the renderer from the permanent app://kiosk origin', async () => {
    expect(page.url()).toMatch(/^app:\/\/kiosk\//);
    expect(await page.title()).not.toBe('');
    await expect(page.locator('[data-testid="app.shell"]')).toBeVisible();
  });

  test('reaches a centre on another origin from app://kiosk: JSON routes and the tus upload routes pass CORS', async () => {
    // A centre that allows no web origin: only app://kiosk, which every server allows.
    const centre = await startCentre({ corsOrigins: [] });
    try {
      const answers = await page.evaluate(async (url) => {
        const enrol = await fetch(`${url}/v1/enrol`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'AAAA-BBBB-CCCC-DDDD', deviceId: crypto.randomUUID(), role: 'citizen' }),
        });
        const patch = await fetch(`${url}/v1/blobs/tus/${'0'.repeat(32)}`, {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${'x'.repeat(43)}`,
            'tus-resumable': '1.0.0',
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
          },
          body: new Uint8Array(4),
        });
        return { enrol: enrol.status, patch: patch.status, enrolCode: ((await enrol.json()) as { code: string }).code };
      }, centre.url);
      // Readable answers (not a CORS TypeError): the unknown code and the unknown credential.
      expect(answers).toEqual({ enrol: 401, enrolCode: 'enrol.unknown-code', patch: 401 });
    } finally {
      await centre.close();
    }
  });

  test('exposes only the bridge, never Node', async () => {
    const shape = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const kiosk = w.kiosk as Record<string, unknown> | undefined;
      return {
        hasKiosk: typeof kiosk === 'object' && kiosk !== null,
        members: kiosk ? Object.keys(kiosk).map((k) => [k, typeof kiosk[k]]) : [],
        require: typeof w.require,
        process: typeof w.process,
      };
    });
    expect(shape.hasKiosk).toBe(true);
    expect(shape.members.length).toBeGreaterThan(0);
    for (const [, type] of shape.members) expect(type).toBe('function');
    expect(shape.require).toBe('undefined');
    expect(shape.process).toBe('undefined');
  });

  test('answers IPC with Result values', async () => {
    const info = await page.evaluate(async () => {
      const kiosk = (window as unknown as { kiosk: { appInfo(): Promise<unknown> } }).kiosk;
      return kiosk.appInfo();
    });
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron' } });
    const bad = await page.evaluate(async () => {
      const kiosk = (window as unknown as { kiosk: { printPdf(r: unknown): Promise<unknown> } }).kiosk;
      return kiosk.printPdf({ printerName: null, jobName: 'x', pdf: new Uint8Array([1, 2, 3]), copies: 1 });
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'ipc.invalid-payload' } });
  });

  test('keeps the outbox journal in the profile and reports free disk', async () => {
    type Bridge = {
      journalAppend(r: unknown): Promise<unknown>;
      journalRead(): Promise<unknown>;
      journalConfirm(r: unknown): Promise<unknown>;
      diskStatus(): Promise<unknown>;
    };
    const journalId = '0190a5d2-7b3c-7def-8abc-0000000000e2';
    const entry = {
      mutationId: '0190a5d2-7b3c-7def-8abc-000000000001',
      deviceId: '0190a5d2-7b3c-7def-8abc-1234567890ab',
      deviceSeq: 1,
      name: 'rating.submit@1',
      args: { level: 5 },
      schemaVersion: 2,
      createdAt: 1,
      bytes: 10,
    };
    const answers = await page.evaluate(
      async ({ journalId, entry }) => {
        const kiosk = (window as unknown as { kiosk: Bridge }).kiosk;
        return {
          disk: await kiosk.diskStatus(),
          append: await kiosk.journalAppend({ journalId, entries: [entry] }),
          read: await kiosk.journalRead(),
        };
      },
      { journalId, entry },
    );
    expect(answers.disk).toMatchObject({ ok: true, value: { thresholdBytes: 512 * 1024 * 1024 } });
    expect(answers.append).toEqual({ ok: true, value: { appended: 1 } });
    expect(answers.read).toMatchObject({ ok: true, value: { journals: [{ journalId, entries: [entry] }] } });
    const file = path.join(userData, 'journal', `outbox-${journalId}.jsonl`);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify(entry)}\n`);
    const confirmed = await page.evaluate((journalId) => (window as unknown as { kiosk: Bridge }).kiosk.journalConfirm({ journalId, upToSeq: 1 }), journalId);
    expect(confirmed).toEqual({ ok: true, value: { remaining: 0 } });
    expect(fs.existsSync(file)).toBe(false);
  });

  test('denies pop-ups', async () => {
    expect(await page.evaluate(() => window.open('https://example.invalid/') === null)).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  test('blocks navigation away from the app', async () => {
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'https://example.invalid/';
    });
    await page.waitForTimeout(1000);
    expect(page.url()).toBe(before);
    expect(page.url()).toMatch(/^app:\/\/kiosk\//);
  });
});
