import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive Debian's Chromium (no browser download) against the built web kiosk served
 * by `vite preview` on a free port; Electron tests run where an Electron binary exists.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Containers often give /dev/shm only 64 MB; Chromium's renderer crashes when it runs out.
  '--disable-dev-shm-usage',
];

export default defineConfig({
  testDir: './test',
  testMatch: ['e2e/**/*.spec.ts', 'electron/**/*.spec.ts'],
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  timeout: 60_000,
  outputDir: 'test-results',
  use: {
    launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS },
    viewport: { width: 1080, height: 1920 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    // A failed test keeps its trace: actions, DOM snapshots, console and network. Without the
    // screencast (a JPEG of every frame at 1080×1920): it cost about a sixth of the suite's time
    // (crossOrigin + queue specs: 154 s with it, 135 s without, 126 s with no trace at all);
    // the failure screenshot is still taken.
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: true },
    screenshot: 'only-on-failure',
  },
  globalSetup: './test/e2e/globalSetup.ts',
});
