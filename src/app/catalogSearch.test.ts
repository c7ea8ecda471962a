import { describe, expect, it } from 'vitest';
import seedJson from '../../assets/catalog/procedures.vi.json' with { type: 'json' };
import { generateCatalog } from '../../test/support/catalogGenerator';
import { seededRandom } from '../../test/support/seededRandom';
import { Procedure } from '../shared/catalog';
import { normalizeForSearch } from '../domain/normalizeText';
import { searchWords } from '../domain/searchTerms';
import type { SearchSynonyms } from '../shared/searchSynonyms';
import { createCatalogSearch, type CatalogSearch } from './catalogSearch';

const seed: Procedure[] = Procedure.array().parse(seedJson);

const codes = (s: CatalogSearch, query: string, limit?: number): string[] => s.search(query, limit).map((h) => h.procedure.code);
/** Procedures holding every meaningful word of the query (coverage 1). */
const whole = (s: CatalogSearch, query: string, limit?: number): string[] =>
  s
    .search(query, limit)
    .filter((h) => h.coverage === 1)
    .map((h) => h.procedure.code);

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
    expect(whole(s, 'cap lai giay phep lai xa ', 100)).not.toContain('3.000348');
    expect(whole(s, 'giay phep lai xa', 100)).not.toContain('3.000348');
    expect(codes(s, 'xa ', 100)).not.toContain('3.000348');
  });

  it('ranks the procedures holding every word first, then by how much of the query they hold', () => {
    expect(whole(s, 'khai sinh luu dong', 100)).toEqual(['1.003583']);
    const hits = s.search('khai sinh luu dong', 100);
    expect(hits[0]?.procedure.code).toBe('1.003583');
    expect(hits.length).toBeGreaterThan(1);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.coverage).toBeLessThanOrEqual(hits[i - 1]!.coverage);
    for (const h of s.search('khai sinh', 100).filter((x) => x.coverage === 1)) {
      expect(normalizeForSearch(`${h.procedure.name} ${h.procedure.field}`)).toMatch(/khai sinh/);
    }
  });

  it('never answers empty when part of the query matches', () => {
    // No procedure is both a birth and a land one: the birth registrations still come, partly matched.
    const hits = s.search('dang ky khai sinh dat dai', 5);
    expect(hits).toHaveLength(5);
    for (const h of hits) expect(h.coverage).toBeLessThan(1);
    // One word no name holds ("xyzzy") does not empty the answer.
    expect(codes(s, 'dang ky khai sinh xyzzy')[0]).toBe('1.001193');
    expect(s.search('xyzzy qwerty')).toEqual([]);
  });

  it('weighs rare words above common ones', () => {
    // "lưu động" is rarer than "đăng ký": a procedure with it ranks above one with only "đăng ký".
    const hits = s.search('dang ky luu dong', 100);
    const mobile = hits.findIndex(
      (h) => normalizeForSearch(h.procedure.name).includes('luu dong') && !normalizeForSearch(h.procedure.name).includes('dang ky'),
    );
    const onlyRegister = hits.findIndex(
      (h) => normalizeForSearch(h.procedure.name).includes('dang ky') && !normalizeForSearch(h.procedure.name).includes('luu dong'),
    );
    expect(onlyRegister).toBeGreaterThan(-1);
    if (mobile > -1) expect(mobile).toBeLessThan(onlyRegister);
    expect(hits[0]?.coverage).toBe(1);
  });

  it('reads "ki" as "ký" and "li" as "lý"', () => {
    expect(codes(s, 'dang ki ket hon')[0]).toBe('1.000894');
    expect(codes(s, 'li lich tu phap')[0]).toBe('3.000333');
    expect(codes(s, 'đăng kí khai sinh')).toEqual(codes(s, 'đăng ký khai sinh'));
  });

  it('reads numbers with or without leading zeros', () => {
    // 1.116410 "Cấp thẻ căn cước cho người dưới 06 tuổi"; 1.012566 "… chứng minh nhân dân 09 số …".
    expect(codes(s, 'can cuoc duoi 6 tuoi')[0]).toBe('1.116410');
    expect(codes(s, 'chung minh nhan dan 9 so')[0]).toBe('1.012566');
    expect(codes(s, 'chung minh nhan dan 009 so')[0]).toBe('1.012566');
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
    const hits = s.search('chung thuc', 100).filter((h) => h.coverage === 1);
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
    expect(codes(s, 'sinh')).toEqual([]);
    expect(codes(s, 'khai tu')).toEqual(['1.000001']);

    expect(s.remove('1.000002')).toBe(true);
    expect(s.remove('1.000002')).toBe(false);
    expect(s.size).toBe(1);
    expect(codes(s, 'ket hon')).toEqual([]);
    expect(codes(s, '1.000002')).toEqual([]);

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

describe('a large catalog, where frequent words are in thousands of procedures', () => {
  // 6,000 generated procedures: "dang", "ky" and a one-letter prefix occur in thousands of them; the
  // procedures holding every word must be exactly those plain word matching (in search form) finds.
  const catalog = generateCatalog(6_000, seededRandom(7), seed);
  const s = createCatalogSearch(catalog);
  const tokens = (p: Procedure): string[] => searchWords(`${p.name} ${p.field}`);
  const expected = (query: string): string[] => {
    const ws = searchWords(query);
    return catalog
      .filter((p) => p.active)
      .filter((p) => ws.every((w, i) => tokens(p).some((t) => (i === ws.length - 1 ? t.startsWith(w) : t === w))))
      .map((p) => p.code)
      .sort();
  };

  it.each(['dang ky khai sinh', 'dang ky', 'dang ky kh', 'd', 'cap lai giay phep lai xe', 'ho kinh doanh'])(
    '"%s" finds exactly the procedures with every word',
    (query) => {
      const found = whole(s, query, 10_000).sort();
      expect(found.length).toBeGreaterThan(0);
      expect(found).toEqual(expected(query));
    },
  );

  it('keeps the typo rules on the filter path', () => {
    expect(whole(s, 'dang ky khai sihn', 10_000).sort()).toEqual(expected('dang ky khai sinh'));
  });

  it('ranks name matches first', () => {
    const hits = s.search('dang ky', 50);
    expect(hits).toHaveLength(50);
    for (const h of hits) expect(h.matchedField).toBe('name');
  });
});

describe('the synonym table', () => {
  const table: SearchSynonyms = {
    id: 'test',
    version: 1,
    equivalents: [['BHYT', 'bảo hiểm y tế']],
    meanings: [
      { say: ['sổ đỏ'], means: ['giấy chứng nhận quyền sử dụng đất'] },
      { say: ['tách sổ'], means: ['tách thửa'] },
    ],
    stopWords: ['cho', 'tôi', 'ở đâu'],
  };
  const catalog = [
    procedure('1.000001', 'Cấp thẻ bảo hiểm y tế', 'Bảo hiểm y tế'),
    procedure('1.000002', 'Đăng ký đóng, cấp thẻ BHYT', 'Thu BHXH'),
    procedure('1.000003', 'Cấp đổi Giấy chứng nhận quyền sử dụng đất', 'Đất đai'),
    procedure('1.000004', 'Tách thửa hoặc hợp thửa đất', 'Đất đai'),
    procedure('1.000005', 'Thay đổi trong trường hợp hợp nhất thửa đất', 'Đất đai'),
    procedure('1.000006', 'Cấp thẻ căn cước cho người dưới 6 tuổi', 'Căn cước'),
    procedure('1.000007', 'Đăng ký kết hôn', 'Hộ tịch'),
  ];
  const s = createCatalogSearch(catalog, { synonyms: [table] });

  it('finds an abbreviation by its words and the words by the abbreviation', () => {
    expect(whole(s, 'bhyt').sort()).toEqual(['1.000001', '1.000002']);
    expect(whole(s, 'bảo hiểm y tế').sort()).toEqual(['1.000001', '1.000002']);
    // Without the table the abbreviation is just a word.
    expect(whole(createCatalogSearch(catalog), 'bhyt')).toEqual(['1.000002']);
  });

  it('finds the official wording of an everyday word, not the reverse', () => {
    expect(codes(s, 'so do')[0]).toBe('1.000003');
    expect(codes(s, 'cấp đổi sổ đỏ')[0]).toBe('1.000003');
    expect(whole(s, 'giay chung nhan quyen su dung dat')).toEqual(['1.000003']);
  });

  it('takes a wording as a phrase in the name, not as words scattered over it', () => {
    // "hợp nhất thửa": "tách thửa" is not in it, though "thửa" is.
    expect(whole(s, 'tách sổ')).toEqual(['1.000004']);
  });

  it('never makes a hit of stop words alone, nor weighs them', () => {
    // 1.000006 holds "cho", a stop word: it is no hit for "kết hôn cho tôi".
    expect(codes(s, 'kết hôn cho tôi ở đâu', 100)).toEqual(['1.000007']);
    expect(s.search('kết hôn cho tôi ở đâu')[0]?.coverage).toBe(1);
    // A query of stop words only is searched as it stands.
    expect(codes(s, 'cho tôi')).toEqual(['1.000006']);
  });
});

describe('an index that outlives many removals', () => {
  it('sweeps stale postings and keeps answering the same', () => {
    const many = Array.from({ length: 1_500 }, (_, i) => procedure(`1.${String(100_000 + i).padStart(6, '0')}`, `Thủ tục số ${i} khai sinh`, 'Hộ tịch'));
    const s = createCatalogSearch(many);
    for (let i = 0; i < 1_200; i++) expect(s.remove(many[i]!.code)).toBe(true);
    expect(s.size).toBe(300);
    expect(s.search('khai sinh', 10_000)).toHaveLength(300);
    expect(codes(s, 'so 1400 khai sinh')[0]).toBe('1.101400');
    expect(codes(s, '1.101400')).toEqual(['1.101400']);
    expect(codes(s, 'so 5 khai sinh', 10_000)).not.toContain('1.100005');
    s.add(procedure('1.100005', 'Thủ tục số 5 khai sinh', 'Hộ tịch'));
    expect(codes(s, 'so 5 khai sinh')[0]).toBe('1.100005');
  });
});
