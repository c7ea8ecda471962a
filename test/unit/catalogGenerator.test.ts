import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Procedure } from '../../src/shared/catalog';
import { generateCatalog } from '../support/catalogGenerator';
import { seededRandom } from '../support/seededRandom';

const seed = (JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[]).map((p) =>
  Procedure.parse(p),
);

describe('generateCatalog', () => {
  it('gives the same catalog for the same seed function, a different one for another', () => {
    const a = generateCatalog(1_700, seededRandom(42), seed);
    const b = generateCatalog(1_700, seededRandom(42), seed);
    const c = generateCatalog(1_700, seededRandom(43), seed);
    expect(b).toEqual(a);
    expect(c.map((p) => p.code)).not.toEqual(a.map((p) => p.code));
  });

  it('produces 1,700 procedures that all pass the published schema, with unique codes', () => {
    const catalog = generateCatalog(1_700, seededRandom(7), seed);
    expect(catalog).toHaveLength(1_700);
    for (const p of catalog) expect(Procedure.safeParse(p).success, p.code).toBe(true);
    expect(new Set(catalog.map((p) => p.code)).size).toBe(1_700);
  });

  it('keeps the real seed first and derives the rest like it: fields, 1–15 documents, local variants, Vietnamese names', () => {
    const catalog = generateCatalog(1_700, seededRandom(1), seed);
    expect(catalog.slice(0, seed.length)).toEqual(seed);
    const synthetic = catalog.slice(seed.length);
    for (const p of synthetic) {
      expect(p.documents.length).toBeGreaterThanOrEqual(1);
      expect(p.documents.length).toBeLessThanOrEqual(15);
      expect(p.documents.map((d) => d.id)).toEqual(p.documents.map((_, i) => `d${i + 1}`));
    }
    const seedFields = new Set(seed.map((p) => p.field));
    expect(synthetic.every((p) => seedFields.has(p.field))).toBe(true);
    // The most common real field (Hộ tịch) stays the most common one.
    const counts = new Map<string, number>();
    for (const p of synthetic) counts.set(p.field, (counts.get(p.field) ?? 0) + 1);
    const top = [...counts].sort((x, y) => y[1] - x[1])[0]![0];
    expect(top).toBe('Hộ tịch');
    expect(synthetic.some((p) => /^\d\.\d{6}\.H26\./.test(p.code))).toBe(true);
    expect(synthetic.some((p) => /[đĐ]/.test(p.name))).toBe(true);
    expect(new Set(synthetic.map((p) => p.name)).size).toBeGreaterThan(500);
  });

  it('generates 100,000 procedures with unique codes (benchmark size)', () => {
    const catalog = generateCatalog(100_000, seededRandom(2026), seed);
    expect(catalog).toHaveLength(100_000);
    expect(new Set(catalog.map((p) => p.code)).size).toBe(100_000);
    for (let i = 0; i < catalog.length; i += 997) expect(Procedure.safeParse(catalog[i]).success).toBe(true);
  });

  it('returns a prefix of the seed for small counts and refuses a negative count', () => {
    expect(generateCatalog(3, seededRandom(1), seed)).toEqual(seed.slice(0, 3));
    expect(() => generateCatalog(-1, seededRandom(1), seed)).toThrow(RangeError);
    expect(() => generateCatalog(5, seededRandom(1), [])).toThrow(RangeError);
  });
});
