import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { CITIZEN_ID_ERROR_CODES } from '../../domain/citizenId';
import { initI18n } from './index';

/** Every error code the code base can produce, found by reading the sources. */
function producedErrorCodes(): string[] {
  const codes = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.includes('.test.')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/(?:err|AppFailure)\(\s*'([a-z]+\.[a-z-]+)'/g)) codes.add(m[1]!);
        // Codes kept in lookup tables, e.g. `kioskSlot: 'config.slot-out-of-range',`.
        // (Not the centre's audit actions, e.g. `action: 'config.publish'`: names, not errors.)
        for (const m of text.matchAll(/^(?!\s*action:).*:\s*'((?:config|storage|print|ticket|ipc)\.[a-z-]+)',?$/gm)) codes.add(m[1]!);
      }
    }
  };
  walk('src');
  walk('electron');
  // Codes returned as values rather than thrown (the ID card parser's results).
  for (const code of CITIZEN_ID_ERROR_CODES) codes.add(code);
  return [...codes].sort();
}

describe('i18n catalog', () => {
  beforeAll(() => initI18n('vi'));

  it('finds the error codes it checks', () => {
    expect(producedErrorCodes()).toEqual(expect.arrayContaining(['storage.full', 'print.printer-not-found', 'ipc.invalid-payload', 'config.server-url']));
  });

  for (const lng of ['vi', 'en'] as const) {
    it(`has a specific message for every error code in ${lng}`, () => {
      const t = i18next.getFixedT(lng);
      const missing = producedErrorCodes().filter((code) => !t(`errors.${code}`, { defaultValue: '' }));
      expect(missing).toEqual([]);
    });
  }
});
