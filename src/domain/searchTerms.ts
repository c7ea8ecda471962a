import { normalizeForSearch } from './normalizeText';

/**
 * The one form a word takes in catalog search, on both sides (the index and the query), so that
 * spellings people use interchangeably compare equal:
 *  - no diacritics, lower case, đ → d (`normalizeForSearch`): "Đăng ký" = "dang ky";
 *  - i and y at the end of a syllable after a consonant are one letter ("kí"/"ký", "lí"/"lý",
 *    "mĩ"/"mỹ", "qui"/"quy"): a final y after a consonant or after "qu" becomes i. A y after a vowel
 *    is another sound ("tay" ≠ "tai", "huy" ≠ "hui") and stays; a lone "y" (y tế) stays;
 *  - a number is its value: leading zeros go ("06" = "6", "09" = "9"; "0" stays "0").
 * Procedure codes are not words: they are matched as typed (catalogSearch.ts).
 *
 * `accentedSearchWord` is the same form with the accents kept (lower case, NFC, i = y, numbers by
 * value): how a synonym table's short words are told apart when the query carries accents
 * ("đó" is a stop word, "đỏ" is not; "cần" is, "căn" is not).
 */

const WORD_SPLIT = /[^\p{L}\p{N}]+/u;
const DIGITS = /^\d+$/;
/** A final y after a consonant, or the y of "quy": the /i/ vowel spelled either way. */
const FINAL_I_Y = /(?:[bcdghklmnpqrstvx]|qu)y$/;

export function foldSearchWord(word: string): string {
  if (DIGITS.test(word)) return word.replace(/^0+(?=\d)/, '');
  if (word.length > 1 && FINAL_I_Y.test(word)) return `${word.slice(0, -1)}i`;
  return word;
}

/** A final y with its tone mark, and the i with the same mark. */
const Y_TO_I: Readonly<Record<string, string>> = { y: 'i', ý: 'í', ỳ: 'ì', ỷ: 'ỉ', ỹ: 'ĩ', ỵ: 'ị' };

export function accentedSearchWord(word: string): string {
  const lower = word.normalize('NFC').toLowerCase();
  if (DIGITS.test(lower)) return lower.replace(/^0+(?=\d)/, '');
  const plain = normalizeForSearch(lower);
  const last = lower.slice(-1);
  const i = Y_TO_I[last];
  if (i !== undefined && plain.length > 1 && FINAL_I_Y.test(plain)) return lower.slice(0, -1) + i;
  return lower;
}

/** Whether a typed word carries no accent (nor đ): then only its plain form says what was meant. */
export function isPlainWord(word: string): boolean {
  return normalizeForSearch(word) === word.normalize('NFC').toLowerCase();
}

/** A text's search words, in order: normalised, split on anything not a letter or digit, folded. */
export function searchWords(text: string): string[] {
  return normalizeForSearch(text)
    .split(WORD_SPLIT)
    .filter((w) => w.length > 0)
    .map(foldSearchWord);
}
