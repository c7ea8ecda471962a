import { describe, expect, it } from 'vitest';
import { DossierCode as PublishedDossierCode } from '../shared/published';
import type { Result } from '../shared/result';
import { dossierCodeFor, nextDailySeq, parseDossierCode, type DailySeq, type DossierNumbering } from './dossierCode';

const VN = 420;
const UNIT = '000.00.21.H26';
const numbering: DossierNumbering = { blockSize: 1000, slots: 4, digits: 4 };
/** Epoch ms of a Hà Nội wall-clock time (UTC+7). */
const vn = (y: number, mo: number, d: number, h: number, mi: number): number => Date.UTC(y, mo - 1, d, h - 7, mi);

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.detail}`);
  return r.value;
}

const codeFor = (receivedAt: number, localSeq: number, slot: number, n: DossierNumbering = numbering): string =>
  value(dossierCodeFor({ unitCode: UNIT, receivedAt, utcOffsetMinutes: VN, localSeq, slot, numbering: n })).code;

describe('dossierCodeFor', () => {
  it('builds <unit code>-YYMMDD-XXXX as in Circular 01/2018 art. 19', () => {
    expect(dossierCodeFor({ unitCode: UNIT, receivedAt: vn(2026, 2, 12, 10, 0), utcOffsetMinutes: VN, localSeq: 1, slot: 0, numbering })).toEqual({
      ok: true,
      value: { code: '000.00.21.H26-260212-0001', date: '2026-02-12', sequence: 1 },
    });
    expect(codeFor(vn(2026, 2, 12, 10, 0), 15, 1)).toBe('000.00.21.H26-260212-1015');
  });

  it('never gives two devices the same code: 2 devices × 300 dossiers on one day, each its own counter', () => {
    const seen = new Set<string>();
    for (const slot of [0, 1]) {
      let counter: DailySeq | null = null;
      for (let i = 0; i < 300; i++) {
        const receivedAt = vn(2026, 2, 12, 8, 0) + i * 90_000; // every 90 s from 08:00
        counter = nextDailySeq(counter, receivedAt, VN);
        const code = codeFor(receivedAt, counter.seq, slot);
        expect(seen.has(code)).toBe(false);
        expect(PublishedDossierCode.safeParse(code).success).toBe(true);
        seen.add(code);
      }
    }
    expect(seen.size).toBe(600);
  });

  it('stays unique past a block: every slot, 2,400 dossiers each, 6-digit sequence', () => {
    const wide: DossierNumbering = { blockSize: 1000, slots: 4, digits: 6 };
    const seen = new Set<string>();
    for (let slot = 0; slot < wide.slots; slot++) {
      for (let seq = 1; seq <= 2400; seq++) seen.add(codeFor(vn(2026, 2, 12, 9, 0), seq, slot, wide));
    }
    expect(seen.size).toBe(4 * 2400);
    expect(codeFor(vn(2026, 2, 12, 9, 0), 1000, 0, wide)).toBe('000.00.21.H26-260212-004001');
  });

  it('restarts the day part and the sequence at local midnight', () => {
    const before = vn(2026, 11, 22, 23, 59);
    const after = vn(2026, 11, 23, 0, 1);
    let counter: DailySeq | null = { dayKey: '2026-11-22', seq: 41 };
    counter = nextDailySeq(counter, before, VN);
    expect(counter).toEqual({ dayKey: '2026-11-22', seq: 42 });
    expect(codeFor(before, counter.seq, 0)).toBe('000.00.21.H26-261122-0042');
    counter = nextDailySeq(counter, after, VN);
    expect(counter).toEqual({ dayKey: '2026-11-23', seq: 1 });
    expect(codeFor(after, counter.seq, 0)).toBe('000.00.21.H26-261123-0001');
  });

  it('uses the Hà Nội date when the UTC date differs', () => {
    // 17:30 UTC on 11/02 is 00:30 on 12/02 in Hà Nội; 16:59 UTC is still 23:59 on 11/02.
    expect(codeFor(Date.UTC(2026, 1, 11, 17, 30), 1, 0)).toBe('000.00.21.H26-260212-0001');
    expect(codeFor(Date.UTC(2026, 1, 11, 16, 59), 1, 0)).toBe('000.00.21.H26-260211-0001');
    expect(nextDailySeq({ dayKey: '2026-02-11', seq: 7 }, Date.UTC(2026, 1, 11, 17, 30), VN)).toEqual({ dayKey: '2026-02-12', seq: 1 });
  });

  it('matches the published DossierCode pattern', () => {
    for (const slot of [0, 1, 2, 3]) {
      for (const seq of [1, 999, 1000, 1998]) {
        expect(PublishedDossierCode.safeParse(codeFor(vn(2025, 12, 31, 16, 0), seq, slot)).success).toBe(true);
      }
    }
  });

  it('reports an exhausted sequence instead of printing a wider code', () => {
    // 4 digits, slot 3: blocks 3 and 7 (1,998 dossiers), then block 11 would need 5 digits.
    expect(codeFor(vn(2026, 2, 12, 10, 0), 1998, 3)).toBe('000.00.21.H26-260212-7999');
    const r = dossierCodeFor({ unitCode: UNIT, receivedAt: vn(2026, 2, 12, 10, 0), utcOffsetMinutes: VN, localSeq: 1999, slot: 3, numbering });
    expect(r.ok ? r.value : r.error.code).toBe('dossier.sequence-exhausted');
  });

  it('refuses a bad unit code, slot, sequence or numbering', () => {
    const input = { unitCode: UNIT, receivedAt: vn(2026, 2, 12, 10, 0), utcOffsetMinutes: VN, localSeq: 1, slot: 0, numbering };
    expect(() => dossierCodeFor({ ...input, unitCode: '000.00.21.h26' })).toThrow(RangeError);
    expect(() => dossierCodeFor({ ...input, unitCode: 'H26' })).toThrow(RangeError);
    expect(() => dossierCodeFor({ ...input, slot: 4 })).toThrow(RangeError);
    expect(() => dossierCodeFor({ ...input, localSeq: 0 })).toThrow(RangeError);
    expect(() => dossierCodeFor({ ...input, numbering: { ...numbering, digits: 3 } })).toThrow(RangeError);
    expect(() => dossierCodeFor({ ...input, numbering: { blockSize: 1000, slots: 11, digits: 4 } })).toThrow(RangeError);
  });
});

describe('parseDossierCode', () => {
  it('inverts dossierCodeFor: date, slot and local sequence', () => {
    for (let slot = 0; slot < numbering.slots; slot++) {
      for (const localSeq of [1, 2, 500, 999, 1000, 1500, 1998]) {
        const code = codeFor(vn(2026, 2, 12, 10, 0), localSeq, slot);
        expect(value(parseDossierCode(code, numbering, UNIT))).toMatchObject({ unitCode: UNIT, date: '2026-02-12', slot, localSeq });
      }
    }
  });

  it('rejects what no device can have issued', () => {
    const codeOf = (text: string, unit?: string): string => {
      const r = parseDossierCode(text, numbering, unit);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(codeOf('000.00.21.H26-260212-0001')).toBe('ok');
    expect(codeOf('000.00.21.H26-260230-0001')).toBe('dossier.code-bad-date');
    expect(codeOf('000.00.21.H26-260212-1000')).toBe('dossier.code-bad-sequence');
    expect(codeOf('000.00.21.H26-260212-0000')).toBe('dossier.code-bad-sequence');
    expect(codeOf('000.00.21.H26-260212-00001')).toBe('dossier.code-malformed');
    expect(codeOf('000.00.21.H26-2602120001')).toBe('dossier.code-malformed');
    expect(codeOf('H26-260212-0001')).toBe('dossier.code-malformed');
    expect(codeOf('000.00.22.H26-260212-0001', UNIT)).toBe('dossier.code-other-unit');
  });
});
