import { describe, expect, it } from 'vitest';
import { accentedSearchWord, foldSearchWord, isPlainWord, searchWords } from './searchTerms';

describe('searchWords: the form both the index and the query take', () => {
  it('drops diacritics and case and maps đ/Đ to d', () => {
    expect(searchWords('Đăng ký khai sinh')).toEqual(['dang', 'ki', 'khai', 'sinh']);
    expect(searchWords('ĐẤT ĐAI')).toEqual(['dat', 'dai']);
  });

  it('splits on anything not a letter or a digit', () => {
    expect(searchWords('nhận cha, mẹ, con (cấp xã)/phường')).toEqual(['nhan', 'cha', 'me', 'con', 'cap', 'xa', 'phuong']);
  });
});

describe('foldSearchWord', () => {
  it('reads a final i and y after a consonant as one letter: "ki" = "ký", "li" = "lý", "mi" = "mỹ"', () => {
    expect(searchWords('ký')).toEqual(searchWords('kí'));
    expect(searchWords('Lý lịch')).toEqual(searchWords('lí lịch'));
    expect(searchWords('Mỹ')).toEqual(searchWords('mĩ'));
    expect(foldSearchWord('ky')).toBe('ki');
    expect(foldSearchWord('ly')).toBe('li');
    expect(foldSearchWord('ty')).toBe('ti');
  });

  it('reads "quy" as "qui"', () => {
    expect(foldSearchWord('quy')).toBe('qui');
    expect(searchWords('quy định')).toEqual(searchWords('qui định'));
  });

  it('keeps a y after a vowel and a lone y: another sound', () => {
    expect(foldSearchWord('tay')).toBe('tay'); // tây ≠ tai
    expect(foldSearchWord('day')).toBe('day'); // dây ≠ đai
    expect(foldSearchWord('huy')).toBe('huy');
    expect(foldSearchWord('y')).toBe('y'); // y tế
    expect(foldSearchWord('yeu')).toBe('yeu');
  });

  it('reads a number by its value: leading zeros go', () => {
    expect(foldSearchWord('06')).toBe('6');
    expect(foldSearchWord('09')).toBe('9');
    expect(foldSearchWord('6')).toBe('6');
    expect(foldSearchWord('0')).toBe('0');
    expect(foldSearchWord('000')).toBe('0');
    expect(foldSearchWord('100')).toBe('100');
    expect(searchWords('dưới 06 tuổi')).toEqual(searchWords('duoi 6 tuoi'));
  });
});

describe('accentedSearchWord and isPlainWord', () => {
  it('keeps accents, so words that differ only by them stay apart', () => {
    expect(accentedSearchWord('Đó')).toBe('đó');
    expect(accentedSearchWord('đỏ')).not.toBe(accentedSearchWord('đó'));
    expect(accentedSearchWord('cần')).not.toBe(accentedSearchWord('căn'));
  });

  it('applies the same i/y and number rules, tone mark kept', () => {
    expect(accentedSearchWord('ký')).toBe(accentedSearchWord('kí'));
    expect(accentedSearchWord('kỳ')).toBe('kì');
    expect(accentedSearchWord('Tây')).toBe('tây');
    expect(accentedSearchWord('06')).toBe('6');
  });

  it('tells a word typed without accents (or đ) from one typed with them', () => {
    expect(isPlainWord('can')).toBe(true);
    expect(isPlainWord('BHYT')).toBe(true);
    expect(isPlainWord('cần')).toBe(false);
    expect(isPlainWord('dd')).toBe(true);
    expect(isPlainWord('đ')).toBe(false);
  });
});
