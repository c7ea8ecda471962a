import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';
import { startKioskPreview } from '../../scripts/kioskPreview.mjs';

/**
 * Builds the web kiosk (unless the test runner already did: E2E_SKIP_BUILD=1) and serves it with
 * `vite preview` on a free port; the URL reaches the tests through KIOSK_URL.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  if (process.env.E2E_SKIP_BUILD !== '1' || !existsSync('dist/index.html')) {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  const preview = await startKioskPreview({ port: 0 });
  process.env.KIOSK_URL = preview.url;
  return () => preview.close();
}
