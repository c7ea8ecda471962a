import type { DeviceConfig } from '../shared/deviceConfig';
import type { PrintPdfRequest } from '../shared/ipc';
import { err, ok, type AppError } from '../shared/result';
import type { Platform } from './Platform';

/** In-memory platform for tests: records print jobs, can be told to fail the next ones. */
export interface FakePlatform extends Platform {
  readonly printed: PrintPdfRequest[];
  failPrintingWith(error: AppError | null): void;
  config: DeviceConfig | null;
}

export function createFakePlatform(initial: DeviceConfig | null = null): FakePlatform {
  let printFailure: AppError | null = null;
  const printed: PrintPdfRequest[] = [];
  const fake: FakePlatform = {
    kind: 'fake',
    printed,
    config: initial,
    failPrintingWith(error) {
      printFailure = error;
    },
    async printPdf(request) {
      if (printFailure) return err(printFailure.code, printFailure.detail);
      printed.push(request);
      return ok({ jobId: `fake-${printed.length}` });
    },
    async listPrinters() {
      return ok([{ name: 'Fake_Thermal_80mm', isDefault: true, status: 'idle' as const }]);
    },
    async readConfig() {
      return ok(fake.config);
    },
    async writeConfig(config) {
      fake.config = config;
      return ok(config);
    },
    async appInfo() {
      return ok({ version: '0.0.0-test', shell: 'browser' as const, electronVersion: null, chromeVersion: null, packaged: false, platform: 'test' });
    },
  };
  return fake;
}
