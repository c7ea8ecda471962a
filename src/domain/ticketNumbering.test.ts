import { describe, expect, it } from 'vitest';
import { localDayKey } from './localDay';
import { ticketNumberFor } from './ticketNumbering';

const numbering = { blockSize: 1000, slots: 4, digits: 4 };

describe('ticketNumberFor', () => {
  it('gives slot 0 the numbers 0001… and slot 1 the numbers 1001…', () => {
    expect(ticketNumberFor('A', 1, 0, numbering).display).toBe('A0001');
    expect(ticketNumberFor('A', 15, 1, numbering).display).toBe('A1015');
    expect(ticketNumberFor('B', 999, 3, numbering).display).toBe('B3999');
  });

  it('moves an exhausted kiosk into an overflow block no other slot owns', () => {
    expect(ticketNumberFor('A', 1000, 0, numbering).display).toBe('A4001');
    expect(ticketNumberFor('A', 1000, 1, numbering).display).toBe('A5001');
    const all = new Set<number>();
    for (let slot = 0; slot < numbering.slots; slot++) {
      for (let seq = 1; seq <= 5000; seq++) {
        const n = ticketNumberFor('A', seq, slot, numbering).numeric;
        expect(all.has(n)).toBe(false);
        all.add(n);
      }
    }
  });

  it('never issues a round number ending in 000 (the block boundary)', () => {
    for (let seq = 1; seq <= 3000; seq++) expect(ticketNumberFor('A', seq, 2, numbering).numeric % 1000).not.toBe(0);
  });

  it('refuses a slot outside the configured range and a non-positive sequence', () => {
    expect(() => ticketNumberFor('A', 1, 4, numbering)).toThrow(RangeError);
    expect(() => ticketNumberFor('A', 0, 0, numbering)).toThrow(RangeError);
  });
});

describe('localDayKey', () => {
  it('uses the branch offset, not the machine time zone', () => {
    // 16:59 UTC on 22/11 is 23:59 in Hà Nội; 17:00 UTC is already 23/11.
    expect(localDayKey(Date.UTC(2026, 10, 22, 16, 59), 420)).toBe('2026-11-22');
    expect(localDayKey(Date.UTC(2026, 10, 22, 17, 0), 420)).toBe('2026-11-23');
  });
});
