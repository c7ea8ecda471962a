/**
 * Vietnamese input by Telex for the on-screen keyboard: a key and the text so far give the next
 * text. Pure and stateless: the last word of the text is read back into the keys that would type
 * it (`telexKeysOf`), the key is added and the word is typed again (`renderTelexWord`), so text a
 * physical keyboard typed, a backspace, or a cursor at the end of anything are handled the same
 * way.
 *
 * Keys (lower or upper case):
 * - `aa` → â, `ee` → ê, `oo` → ô (the last a, e or o of the syllable's vowels, typed next to it
 *   or later: "tiengse" = "tieengs" = "tiếng"); `aw` → ă, `ow` → ơ, `uw` → ư, `uow` → ươ,
 *   `uaw` → ưa, a lone `w` (no a, o or u in the syllable) → ư; `dd` → đ (the first letter);
 * - tones `s` sắc, `f` huyền, `r` hỏi, `x` ngã, `j` nặng; `z` removes the tone. A tone key
 *   without a vowel before it is a letter ("bhxh", "gplx");
 * - the same mark key twice undoes it and types the letter: "ass" → "as", "aaa" → "aa", "ddd" →
 *   "dd", "aww" → "aw".
 *
 * The tone goes on the syllable's vowel by the rules of Vietnamese spelling: on the vowel with a
 * mark (ươ: on ơ); else the only vowel; else, before a final consonant, the last vowel; else the
 * middle of three ("khoái"); else, of two, the first ("mùa", "hỏi") — and for oa, oe, uy the
 * style decides: `old` (default: the seed catalog writes "hòa", "thủy", "khỏe", "hủy" more often
 * than "hoà", "thuỷ") puts it on the first, `new` on the second ("hoà", "thuỷ"). `qu` and `gi`
 * before a vowel are consonants ("quý", "giấy"). The tone moves when a later key changes the
 * vowels ("hofa" → "hòa").
 *
 * Limits: one syllable per word (a word is a run of letters); "uơ" (thuở, huơ) cannot be typed
 * (uow gives ươ); a letter typed literally after an undo combines again when typed once more
 * ("aa" + "a" → "â").
 */

export type TelexToneStyle = 'old' | 'new';

export interface TelexOptions {
  readonly toneStyle?: TelexToneStyle;
}

type Mark = '' | 'circumflex' | 'breve' | 'horn' | 'stroke';
type Tone = '' | 's' | 'f' | 'r' | 'x' | 'j';

interface Letter {
  /** Lower-case base letter a–z. */
  readonly base: string;
  readonly upper: boolean;
  mark: Mark;
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const TONE_KEYS = new Set<Tone>(['s', 'f', 'r', 'x', 'j']);
const TONE_MARK: Record<Exclude<Tone, ''>, string> = { s: '\u0301', f: '\u0300', r: '\u0309', x: '\u0303', j: '\u0323' };
const TONE_OF_MARK = new Map(Object.entries(TONE_MARK).map(([k, v]) => [v, k as Tone]));
const MARK_CHAR: Record<Exclude<Mark, ''>, string> = { circumflex: '\u0302', breve: '\u0306', horn: '\u031B', stroke: '' };
/** Two-vowel nuclei without a final consonant whose tone the style places (old: first, new: second). */
const STYLED_PAIRS = new Set(['oa', 'oe', 'uy']);

/** A Vietnamese letter (any case, with or without marks and tone) or a plain ASCII letter. */
const LETTER = /\p{L}/u;

/** The text after typing `key` (one character) on the on-screen keyboard in Telex mode. */
export function typeTelex(text: string, key: string, options: TelexOptions = {}): string {
  if (!LETTER.test(key) || key.length !== 1) return text + key;
  const { head, word } = splitLastWord(text);
  return head + renderTelexWord(telexKeysOf(word) + key, options);
}

/** `text` with its last word split off (the trailing run of letters). */
export function splitLastWord(text: string): { head: string; word: string } {
  const chars = [...text];
  let i = chars.length;
  while (i > 0 && LETTER.test(chars[i - 1]!)) i--;
  return { head: chars.slice(0, i).join(''), word: chars.slice(i).join('') };
}

/** The Telex keys that type `word`: each mark key right after its letter, the tone key last. */
export function telexKeysOf(word: string): string {
  let keys = '';
  let tone = '';
  for (const ch of word.normalize('NFC')) {
    if (ch === 'đ' || ch === 'Đ') {
      keys += ch === 'đ' ? 'dd' : 'Dd';
      continue;
    }
    const [base = '', ...marks] = [...ch.normalize('NFD')];
    keys += base;
    for (const m of marks) {
      const t = TONE_OF_MARK.get(m);
      if (t) tone = t;
      else if (m === MARK_CHAR.circumflex) keys += base.toLowerCase();
      else if (m === MARK_CHAR.breve || m === MARK_CHAR.horn) keys += 'w';
    }
  }
  return keys + tone;
}

/** Types a run of Telex keys (letters only) as one word. */
export function renderTelexWord(keys: string, options: TelexOptions = {}): string {
  const letters: Letter[] = [];
  let tone: Tone = '';
  for (const key of keys) {
    const k = key.toLowerCase();
    const upper = key !== k;
    const literal = (): void => {
      letters.push({ base: k, upper, mark: '' });
    };
    const nucleus = nucleusOf(letters);
    if (TONE_KEYS.has(k as Tone)) {
      if (nucleus.length === 0) literal();
      else if (tone === k) {
        tone = '';
        literal();
      } else tone = k as Tone;
    } else if (k === 'z') {
      if (tone !== '') tone = '';
      else literal();
    } else if (k === 'd') {
      const first = letters[0];
      if (first?.base === 'd' && first.mark === '') first.mark = 'stroke';
      else if (first?.base === 'd' && first.mark === 'stroke') {
        first.mark = '';
        literal();
      } else literal();
    } else if (k === 'a' || k === 'e' || k === 'o') {
      const target = [...nucleus].reverse().find((i) => letters[i]!.base === k);
      if (target === undefined) literal();
      else if (letters[target]!.mark === 'circumflex') {
        letters[target]!.mark = '';
        literal();
      } else letters[target]!.mark = 'circumflex';
    } else if (k === 'w') {
      typeW(letters, nucleus, literal, upper);
    } else literal();
  }
  return compose(letters, tone, options.toneStyle ?? 'old');
}

function typeW(letters: Letter[], nucleus: readonly number[], literal: () => void, upper: boolean): void {
  const at = (i: number): Letter => letters[i]!;
  // "uo" (ươ) takes the horn on both.
  for (let n = 0; n + 1 < nucleus.length; n++) {
    const u = at(nucleus[n]!);
    const o = at(nucleus[n + 1]!);
    if (u.base === 'u' && o.base === 'o') {
      if (u.mark === 'horn' && o.mark === 'horn') {
        u.mark = '';
        o.mark = '';
        literal();
      } else {
        u.mark = 'horn';
        o.mark = 'horn';
      }
      return;
    }
  }
  const candidates = nucleus.filter((i) => ['a', 'o', 'u'].includes(at(i).base));
  if (candidates.length === 0) {
    // A lone w is ư: "tw" → "tư", "w" → "ư".
    if (nucleus.length === 0) letters.push({ base: 'u', upper, mark: 'horn' });
    else literal();
    return;
  }
  // "ua" → "ưa" (mưa); otherwise the last of a, o, u ("oă" in xoăn).
  const first = at(candidates[0]!);
  const ua = candidates.length >= 2 && first.base === 'u' && at(candidates[1]!).base === 'a';
  const target = at(ua ? candidates[0]! : candidates[candidates.length - 1]!);
  const mark: Mark = target.base === 'a' ? 'breve' : 'horn';
  if (target.mark === mark) {
    target.mark = '';
    literal();
  } else target.mark = mark;
}

/** Indexes of the syllable's vowels: the first run of vowels, `qu` and `gi` before a vowel excluded. */
function nucleusOf(letters: readonly Letter[]): number[] {
  let start = letters.findIndex((l) => VOWELS.has(l.base));
  if (start < 0) return [];
  const next = letters[start + 1];
  const onsetEnd = (base: string, vowel: string): boolean =>
    start === 1 && letters[0]!.base === base && letters[1]!.base === vowel && letters[1]!.mark === '' && next !== undefined && VOWELS.has(next.base);
  if (onsetEnd('q', 'u') || onsetEnd('g', 'i')) start += 1;
  const out: number[] = [];
  for (let i = start; i < letters.length && VOWELS.has(letters[i]!.base); i++) out.push(i);
  return out;
}

/** Which letter of the syllable carries the tone (index into letters), or -1 without a vowel. */
export function toneIndex(letters: readonly { base: string; mark: string }[], style: TelexToneStyle): number {
  const nucleus = nucleusOf(letters as readonly Letter[]);
  if (nucleus.length === 0) return -1;
  const marked = nucleus.filter((i) => letters[i]!.mark !== '');
  if (marked.length > 0) return marked[marked.length - 1]!;
  if (nucleus.length === 1) return nucleus[0]!;
  const last = nucleus[nucleus.length - 1]!;
  if (last + 1 < letters.length) return last;
  if (nucleus.length >= 3) return nucleus[1]!;
  const pair = nucleus.map((i) => letters[i]!.base).join('');
  return style === 'new' && STYLED_PAIRS.has(pair) ? last : nucleus[0]!;
}

function compose(letters: readonly Letter[], tone: Tone, style: TelexToneStyle): string {
  const toned = tone === '' ? -1 : toneIndex(letters, style);
  let out = '';
  letters.forEach((l, i) => {
    let ch: string;
    if (l.mark === 'stroke') ch = 'đ';
    else ch = l.base + (l.mark === '' ? '' : MARK_CHAR[l.mark]);
    if (i === toned && tone !== '') ch += TONE_MARK[tone];
    ch = ch.normalize('NFC');
    out += l.upper ? ch.toLocaleUpperCase('vi') : ch;
  });
  return out;
}
