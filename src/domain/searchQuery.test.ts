import { describe, expect, it } from 'vitest';
import type { SearchSynonyms } from '../shared/searchSynonyms';
import { analyzeQuery, compileSynonyms, MAX_QUERY_WORDS } from './searchQuery';

const table: SearchSynonyms = {
  id: 'test',
  version: 1,
  equivalents: [['BHYT', 'bảo hiểm y tế']],
  meanings: [
    { say: ['sổ đỏ'], means: ['giấy chứng nhận quyền sử dụng đất'] },
    { say: ['làm'], means: ['cấp', 'đăng ký'] },
  ],
  stopWords: ['cho', 'tôi', 'đó', 'cần', 'ở đâu', 'làm sao'],
};
const synonyms = compileSynonyms([table]);
const terms = (q: string): string[] => analyzeQuery(q, synonyms).words.map((w) => w.term);
const stops = (q: string): boolean[] => analyzeQuery(q, synonyms).words.map((w) => w.stop);

describe('analyzeQuery', () => {
  it('folds words, keeps codes whole and tells numbers apart', () => {
    const { words } = analyzeQuery('Đăng ký 06 1.001612 1.0016', synonyms);
    expect(words.map((w) => [w.term, w.kind])).toEqual([
      ['dang', 'word'],
      ['ki', 'word'],
      ['6', 'number'],
      ['1.001612', 'code'],
      ['1.0016', 'code'],
    ]);
    expect(words.find((w) => w.kind === 'number')?.raw).toBe('06');
  });

  it('reads the last word as a prefix while it is typed, not after a space', () => {
    expect(analyzeQuery('khai si').words.map((w) => w.prefix)).toEqual([false, true]);
    expect(analyzeQuery('khai si ').words.map((w) => w.prefix)).toEqual([false, false]);
    expect(analyzeQuery('1.').words[0]?.prefix).toBe(true);
  });

  it('expands abbreviations both ways and everyday words one way', () => {
    expect(analyzeQuery('the bhyt', synonyms).spans).toEqual([{ from: 1, to: 2, alternatives: [['bao', 'hiem', 'y', 'te']] }]);
    expect(analyzeQuery('bảo hiểm y tế', synonyms).spans).toEqual([{ from: 0, to: 4, alternatives: [['bhyt']] }]);
    expect(analyzeQuery('làm sổ đỏ', synonyms).spans).toEqual([
      { from: 0, to: 1, alternatives: [['cap'], ['dang', 'ki']] },
      { from: 1, to: 3, alternatives: [['giay', 'chung', 'nhan', 'quyen', 'su', 'dung', 'dat']] },
    ]);
    // One way: the official words do not stand for the everyday ones.
    expect(analyzeQuery('cấp', synonyms).spans).toEqual([]);
  });

  it('matches listed phrases typed without accents', () => {
    expect(analyzeQuery('so do', synonyms).spans).toHaveLength(1);
  });

  it('keeps words apart that differ only by accents when the query has them', () => {
    expect(analyzeQuery('sổ đó', synonyms).spans).toEqual([]);
    expect(stops('sổ đỏ')).toEqual([false, false]);
    expect(stops('cái đó')).toEqual([false, true]);
    expect(stops('căn cước')).toEqual([false, false]);
    expect(stops('cần gì')).toEqual([true, false]);
  });

  it('marks stop words and phrases; a lone plain word only when listed plain', () => {
    expect(stops('khai sinh cho tôi ở đâu')).toEqual([false, false, true, true, true, true]);
    expect(stops('lam sao')).toEqual([true, true]);
    expect(stops('cho toi')).toEqual([true, false]); // "cho" is listed plain; "toi" may be "tối", "tội"
    expect(stops('can cuoc')).toEqual([false, false]); // "can" may be "căn": kept
  });

  it('reads at most 32 words', () => {
    expect(terms(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))).toHaveLength(MAX_QUERY_WORDS);
  });
});

describe('compileSynonyms', () => {
  it('merges tables and keeps every wording of a phrase', () => {
    const merged = compileSynonyms([table, { ...table, id: 'more', equivalents: [['BHYT', 'thẻ y tế']], meanings: [], stopWords: [] }]);
    expect(analyzeQuery('bhyt', merged).spans[0]?.alternatives).toEqual([
      ['bao', 'hiem', 'y', 'te'],
      ['the', 'y', 'te'],
    ]);
  });
});
