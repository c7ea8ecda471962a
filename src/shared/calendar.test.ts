import { describe, expect, it } from 'vitest';
import { CalendarYear } from './calendar';
import { validatePublished } from './published';

const days = [{ date: '2026-09-02', kind: 'off', name: 'Quốc khánh (2/9)' }];

/** What the centre's publish accepts (the server validates every published record with this). */
const accepted = (record: unknown): boolean => validatePublished('calendar', record).ok;

describe('CalendarYear finality', () => {
  it('accepts a record without finalThrough, as published before it existed, and keeps its meaning', () => {
    expect(accepted({ year: 2026, final: true, days })).toBe(true);
    expect(accepted({ year: 2026, final: false, days })).toBe(true);
    expect(CalendarYear.parse({ year: 2026, final: false, days }).finalThrough).toBeUndefined();
  });

  it('accepts a year announced through a day of it, or through none', () => {
    expect(accepted({ year: 2026, final: false, finalThrough: '2026-06-30', days })).toBe(true);
    expect(accepted({ year: 2027, final: false, finalThrough: null, days: [] })).toBe(true);
    expect(accepted({ year: 2026, final: true, finalThrough: '2026-12-31', days })).toBe(true);
    expect(validatePublished('calendar', { year: 2026, final: false, finalThrough: '2026-06-30', days })).toMatchObject({ ok: true, key: '2026' });
  });

  it('rejects a finalThrough outside the year or not a real date', () => {
    expect(accepted({ year: 2026, final: false, finalThrough: '2025-12-31', days })).toBe(false);
    expect(accepted({ year: 2026, final: false, finalThrough: '2026-02-30', days })).toBe(false);
    expect(accepted({ year: 2026, final: false, finalThrough: '30/06/2026', days })).toBe(false);
    expect(accepted({ year: 2026, final: false, finalThrough: 'abcd-ef-gh', days })).toBe(false);
  });

  it('rejects a final flag that disagrees with finalThrough (older kiosks read only final)', () => {
    expect(accepted({ year: 2026, final: true, finalThrough: '2026-06-30', days })).toBe(false);
    expect(accepted({ year: 2026, final: true, finalThrough: null, days })).toBe(false);
    expect(accepted({ year: 2026, final: false, finalThrough: '2026-12-31', days })).toBe(false);
  });
});
