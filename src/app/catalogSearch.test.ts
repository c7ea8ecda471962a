import { describe, expect, it } from 'vitest';
import seedJson from '../../assets/catalog/procedures.vi.json' with { type: 'json' };
import { generateCatalog } from '../../test/support/catalogGenerator';
import { seededRandom } from '../../test/support/seededRandom';
import { Procedure } from '../shared/catalog';
import { normalizeForSearch } from '../domain/normalizeText';
import { createCatalogSearch, type CatalogSearch } from './catalogSearch';

const seed: Procedure[] = Procedure.array().parse(seedJson);

const codes = (s: CatalogSearch, query: string, limit?: number): string[] => s.search(query, limit).map((h) => h.procedure.code);

function procedure(code: string, name: string, field: string, active = true): Procedure {
  const base = seed[0]!;
  return { ...base, code, name, field, active };
}

describe('normalizeForSearch', () => {
  it('drops diacritics and case and maps đ/Đ to d (NFD leaves đ whole)', () => {
    expect(normalizeForSearch('Đăng ký khai sinh')).toBe('dang ky khai sinh');
    expect(normalizeForSearch('ĐẤT ĐAI')).toBe('dat dai');
    expect(normalizeForSearch('Lý lịch tư pháp')).toBe('ly lich tu phap');
  });
});

describe('createCatalogSearch on the real seed', () => {
  const s = createCatalogSearch(seed);

  it('indexes the whole seed', () => {
    expect(s.size).toBe(seed.length);
  });

  it('finds procedures from queries typed without diacritics', () => {
    // Codes looked up in assets/catalog/procedures.vi.json.
    expect(codes(s, 'dang ky khai sinh')[0]).toBe('1.001193'); // Thủ tục đăng ký khai sinh
    expect(codes(s, 'ly lich tu phap')[0]).toBe('3.000333'); // Cấp Phiếu Lý lịch tư pháp …
    expect(codes(s, 'cap doi can cuoc')[0]).toBe('1.014063'); // Cấp đổi thẻ căn cước
    expect(codes(s, 'dang ky thanh lap ho kinh doanh')[0]).toBe('1.001612');
    // "hộ kinh doanh" names six procedures; the top three must be among them.
    const hoKinhDoanh = ['1.001266', '1.001570', '1.001612', '1.011022', '2.000575', '2.000720'];
    for (const code of codes(s, 'ho kinh doanh', 3)) expect(hoKinhDoanh).toContain(code);
  });

  it('gives the same answer with diacritics and in capitals', () => {
    expect(codes(s, 'Đăng ký khai sinh')).toEqual(codes(s, 'dang ky khai sinh'));
    expect(codes(s, 'ĐĂNG KÝ KHAI SINH')).toEqual(codes(s, 'dang ky khai sinh'));
  });

  it('matches the last word as a prefix while typing', () => {
    expect(codes(s, 'dang ky khai s', 5)).toContain('1.001193');
    expect(codes(s, 'cap doi can cu')[0]).toBe('1.014063');
  });

  it('forgives one typo in long words and swapped letters, not in short words', () => {
    expect(codes(s, 'dang ky khai sihn')[0]).toBe('1.001193'); // swapped neighbours
    expect(codes(s, 'dang ky khai sinh', 3)).toEqual(codes(s, 'dang ky khai sihn', 3));
    expect(codes(s, 'thanh lap ho kinh doamh')[0]).toBe('1.001612'); // one substitution in a 5-letter word
    // "xe" is a 2-letter word: "xa" must not find "Cấp lại giấy phép lái xe" (3.000348).
    expect(codes(s, 'cap lai giay phep lai xe')[0]).toBe('3.000348');
    expect(codes(s, 'cap lai giay phep lai xa ')).not.toContain('3.000348');
    expect(codes(s, 'giay phep lai xa', 100)).not.toContain('3.000348');
  });

  it('requires every word of the query (AND)', () => {
    const hits = s.search('khai sinh luu dong', 100);
    expect(hits.map((h) => h.procedure.code)).toEqual(['1.003583']);
    expect(s.search('dang ky khai sinh dat dai', 100)).toEqual([]);
    for (const h of s.search('khai sinh', 100)) {
      expect(normalizeForSearch(`${h.procedure.name} ${h.procedure.field}`)).toMatch(/khai sinh/);
    }
  });

  it('maps đ to d: "dat dai" finds the Đất đai field', () => {
    const hits = s.search('dat dai', 100);
    const landField = seed.filter((p) => p.field === 'Đất đai').map((p) => p.code);
    expect(landField.length).toBeGreaterThan(0);
    expect(hits.map((h) => h.procedure.code)).toEqual(expect.arrayContaining(landField));
    expect(codes(s, 'Đất Đai', 100)).toEqual(hits.map((h) => h.procedure.code));
  });

  it('finds by code, exact code first, then by code prefix', () => {
    const [first] = s.search('1.001612');
    expect(first?.procedure.code).toBe('1.001612');
    expect(first?.matchedField).toBe('code');
    expect(codes(s, '001612')[0]).toBe('1.001612');
    const prefixHits = codes(s, '1.0016', 100);
    expect(prefixHits.length).toBeGreaterThan(1);
    for (const code of prefixHits) expect(code.startsWith('1.0016')).toBe(true);
    // Codes are never fuzzy: 1.001612 must not find its neighbour 1.001613.
    expect(codes(s, '1.001612 ', 100)).toEqual(['1.001612']);
  });

  it('ranks a name match above a field-only match', () => {
    const hits = s.search('chung thuc', 100);
    const lastNameHit = hits.findLastIndex((h) => h.matchedField === 'name');
    const firstFieldOnly = hits.findIndex((h) => !h.matchedFields.includes('name'));
    expect(firstFieldOnly).toBeGreaterThan(-1);
    expect(lastNameHit).toBeLessThan(firstFieldOnly);
  });

  it('returns nothing for an empty or blank query', () => {
    expect(s.search('')).toEqual([]);
    expect(s.search('   \t ')).toEqual([]);
    expect(s.search(' , . ')).toEqual([]);
  });
});

describe('ranking and the catalog arriving through sync', () => {
  it('puts the name above the field even when the field is short', () => {
    const s = createCatalogSearch([
      procedure('1.000001', 'Cấp bản sao hồ sơ địa chính', 'Đất đai'),
      procedure('1.000002', 'Hòa giải tranh chấp đất đai tại cơ sở', 'Hòa giải ở cơ sở'),
    ]);
    const hits = s.search('dat dai');
    expect(hits.map((h) => h.procedure.code)).toEqual(['1.000002', '1.000001']);
    expect(hits.map((h) => h.matchedField)).toEqual(['name', 'field']);
  });

  it('puts the exact code above its local variants', () => {
    const s = createCatalogSearch([
      procedure('1.001612.H26.DD', 'Đăng ký thành lập hộ kinh doanh (phường Đống Đa)', 'Hộ kinh doanh'),
      procedure('1.001612', 'Đăng ký thành lập hộ kinh doanh', 'Hộ kinh doanh'),
    ]);
    expect(codes(s, '1.001612')).toEqual(['1.001612', '1.001612.H26.DD']);
    expect(codes(s, '1.001612.h26.dd')).toEqual(['1.001612.H26.DD']);
  });

  it('adds, replaces and removes record by record', () => {
    const s = createCatalogSearch([]);
    expect(s.size).toBe(0);
    s.add(procedure('1.000001', 'Đăng ký khai sinh', 'Hộ tịch'));
    s.add(procedure('1.000002', 'Đăng ký kết hôn', 'Hộ tịch'));
    expect(s.size).toBe(2);
    expect(codes(s, 'khai sinh')).toEqual(['1.000001']);
    expect(() => s.add(procedure('1.000001', 'Trùng mã', 'Hộ tịch'))).toThrow(RangeError);

    s.replace(procedure('1.000001', 'Đăng ký khai tử', 'Hộ tịch'));
    expect(s.size).toBe(2);
    expect(codes(s, 'khai sinh')).toEqual([]);
    expect(codes(s, 'khai tu')).toEqual(['1.000001']);

    expect(s.remove('1.000002')).toBe(true);
    expect(s.remove('1.000002')).toBe(false);
    expect(s.size).toBe(1);
    expect(codes(s, 'ket hon')).toEqual([]);

    s.replace(procedure('1.000003', 'Đăng ký nhận cha, mẹ, con', 'Hộ tịch'));
    expect(codes(s, 'nhan cha me con')).toEqual(['1.000003']);
  });

  it('leaves retired procedures out unless asked for', () => {
    const s = createCatalogSearch([
      procedure('1.000001', 'Đăng ký khai sinh', 'Hộ tịch', false),
      procedure('1.000002', 'Đăng ký khai sinh lưu động', 'Hộ tịch'),
    ]);
    expect(codes(s, 'khai sinh')).toEqual(['1.000002']);
    expect(s.search('khai sinh', 20, { includeRetired: true }).map((h) => h.procedure.code)).toEqual(['1.000001', '1.000002']);
  });

  it('honours the limit', () => {
    const s = createCatalogSearch(seed);
    expect(s.search('dang ky', 3)).toHaveLength(3);
    expect(s.search('dang ky', 0)).toEqual([]);
  });
});

describe('a large catalog, where frequent words only filter', () => {
  // 6,000 generated procedures: "dang", "ky" and a one-letter prefix occur in more than 2,000 of
  // them, so they take the filter or scan path; the hits must be the same as plain word matching.
  const catalog = generateCatalog(6_000, seededRandom(7), seed);
  const s = createCatalogSearch(catalog);
  const tokens = (p: Procedure): string[] => normalizeForSearch(`${p.name} ${p.field}`).split(/[^a-z0-9]+/);
  const expected = (query: string): string[] => {
    const ws = normalizeForSearch(query).split(' ');
    return catalog
      .filter((p) => p.active)
      .filter((p) => ws.every((w, i) => tokens(p).some((t) => (i === ws.length - 1 ? t.startsWith(w) : t === w))))
      .map((p) => p.code)
      .sort();
  };

  it.each(['dang ky khai sinh', 'dang ky', 'dang ky kh', 'd', 'cap lai giay phep lai xe', 'ho kinh doanh'])(
    '"%s" finds exactly the procedures with every word',
    (query) => {
      const found = codes(s, query, 10_000).sort();
      expect(found.length).toBeGreaterThan(0);
      expect(found).toEqual(expected(query));
    },
  );

  it('keeps the typo rules on the filter path', () => {
    expect(codes(s, 'dang ky khai sihn', 10_000).sort()).toEqual(expected('dang ky khai sinh'));
  });

  it('ranks name matches first on the scan path', () => {
    const hits = s.search('dang ky', 50);
    expect(hits).toHaveLength(50);
    for (const h of hits) expect(h.matchedField).toBe('name');
  });
});
