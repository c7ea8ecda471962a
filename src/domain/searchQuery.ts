import type { SearchSynonyms } from '../shared/searchSynonyms';
import { normalizeForSearch } from './normalizeText';
import { accentedSearchWord, foldSearchWord, isPlainWord, searchWords } from './searchTerms';

/**
 * A typed query read against the centre's synonym table (src/shared/searchSynonyms.ts): its words
 * in search form (searchTerms.ts), which of them say nothing about the procedure (stop words),
 * and, for each run of words the table knows, the other wordings that stand for it.
 *
 * Guarantees:
 *  - a code or the start of one ("1.001612", "1.0016") stays one word, dots kept; a run of digits
 *    is a number; everything else splits on anything not a letter or digit;
 *  - the last word is being typed (it matches as a prefix) unless the query ends in a space or
 *    punctuation: "xa " is a whole word;
 *  - every run of words the table lists is found, overlapping runs included (so "làm sổ đỏ" reads
 *    both "làm" and "sổ đỏ"); a phrase never stands for itself;
 *  - a typed word with accents must match the table's word with its accents ("đỏ" is not the stop
 *    word "đó", "căn" is not "cần"); a word typed without any accent matches on its plain form,
 *    except that a lone plain word is a stop word only when listed plain (see `isStop`);
 *  - at most `MAX_QUERY_WORDS` words are read (a mask of 32 bits holds them); the rest is dropped.
 */

export const MAX_QUERY_WORDS = 32;

/** A phrase in search form: its words joined by one space. */
type PhraseKey = string;

/** A listed phrase as written (accented search form, one entry per word) and what it stands for. */
export interface ListedPhrase {
  readonly accented: readonly string[];
  /** The wordings (word lists in search form) it also stands for; none for a stop phrase. */
  readonly alternatives: readonly (readonly string[])[];
}

export interface CompiledSynonyms {
  /** Listed phrases by their plain key; phrases that differ only by accents share a key. */
  readonly alternatives: ReadonlyMap<PhraseKey, readonly ListedPhrase[]>;
  readonly stopPhrases: ReadonlyMap<PhraseKey, readonly ListedPhrase[]>;
  /** The longest listed phrase, in words: how far a run is looked for. */
  readonly longestPhrase: number;
}

export type QueryWordKind = 'word' | 'number' | 'code';

export interface QueryWord {
  /** Normalised but not folded: how a code or a code's number is matched ("001612"). */
  readonly raw: string;
  /** In search form (searchTerms.ts): how names and fields are matched ("1612", "ki"). */
  readonly term: string;
  readonly kind: QueryWordKind;
  /** The word being typed: matches as a prefix. */
  readonly prefix: boolean;
  readonly stop: boolean;
}

/** Words `from` (inclusive) to `to` (exclusive) of the query stand also for each of `alternatives`. */
export interface SynonymSpan {
  readonly from: number;
  readonly to: number;
  readonly alternatives: readonly (readonly string[])[];
}

export interface AnalyzedQuery {
  readonly words: readonly QueryWord[];
  readonly spans: readonly SynonymSpan[];
}

export const NO_SYNONYMS: CompiledSynonyms = { alternatives: new Map(), stopPhrases: new Map(), longestPhrase: 0 };

/** A code or the start of one: "1.001612", "1.0016", "1.", "1.001612.h26.dd". */
const CODE_LIKE = /^\d\.[\p{L}\p{N}.]*$/u;
const DIGITS = /^\d+$/;
const STILL_TYPING = /[\p{L}\p{M}\p{N}.]$/u;

/** Merges the tables a kiosk holds; the same phrase listed twice keeps every wording. */
export function compileSynonyms(tables: readonly SearchSynonyms[]): CompiledSynonyms {
  // plain key → accented key → (its words, the wordings it stands for by their plain key)
  const listed = new Map<PhraseKey, Map<string, { accented: string[]; to: Map<PhraseKey, string[]> }>>();
  const stops = new Map<PhraseKey, Map<string, ListedPhrase>>();
  let longestPhrase = 0;
  const read = (phrase: string): { key: PhraseKey; words: string[]; accented: string[] } | null => {
    const words = searchWords(phrase);
    const accented = phraseWords(phrase).map(accentedSearchWord);
    if (words.length === 0 || accented.length !== words.length) return null;
    longestPhrase = Math.max(longestPhrase, words.length);
    return { key: words.join(' '), words, accented };
  };
  const link = (from: string, to: string): void => {
    const a = read(from);
    const b = read(to);
    if (!a || !b || a.key === b.key) return;
    let variants = listed.get(a.key);
    if (!variants) listed.set(a.key, (variants = new Map()));
    const accentedKey = a.accented.join(' ');
    let entry = variants.get(accentedKey);
    if (!entry) variants.set(accentedKey, (entry = { accented: a.accented, to: new Map() }));
    entry.to.set(b.key, b.words);
  };
  for (const table of tables) {
    for (const group of table.equivalents) for (const a of group) for (const b of group) link(a, b);
    for (const { say, means } of table.meanings) for (const s of say) for (const m of means) link(s, m);
    for (const phrase of table.stopWords) {
      const stop = read(phrase);
      if (!stop) continue;
      let variants = stops.get(stop.key);
      if (!variants) stops.set(stop.key, (variants = new Map()));
      variants.set(stop.accented.join(' '), { accented: stop.accented, alternatives: [] });
    }
  }
  return {
    alternatives: new Map(
      [...listed].map(([key, variants]) => [key, [...variants.values()].map((v) => ({ accented: v.accented, alternatives: [...v.to.values()] }))]),
    ),
    stopPhrases: new Map([...stops].map(([key, variants]) => [key, [...variants.values()]])),
    longestPhrase,
  };
}

/** A phrase's words as written, lower case NFC, split where search splits them. */
function phraseWords(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => normalizeForSearch(w).length > 0);
}

interface Piece {
  /** Normalised, not folded. */
  readonly raw: string;
  /** As typed, lower case NFC, in accented search form. */
  readonly accented: string;
  /** Typed without accents: compared with a listed phrase on its plain form only. */
  readonly plain: boolean;
  readonly kind: QueryWordKind;
}

function queryPieces(query: string): Piece[] {
  const out: Piece[] = [];
  for (const typed of query
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}.]+/u)) {
    const piece = normalizeForSearch(typed);
    if (CODE_LIKE.test(piece)) {
      out.push({ raw: piece, accented: piece, plain: true, kind: 'code' });
      continue;
    }
    for (const w of typed.split('.')) {
      const raw = normalizeForSearch(w);
      if (raw.length === 0) continue;
      out.push({ raw, accented: accentedSearchWord(w), plain: isPlainWord(w), kind: DIGITS.test(raw) ? 'number' : 'word' });
    }
  }
  return out.slice(0, MAX_QUERY_WORDS);
}

/** Whether typed words name a listed phrase: accented words must match its accents, plain ones need not. */
function sameWords(pieces: readonly Piece[], phrase: ListedPhrase): boolean {
  return pieces.every((p, k) => p.plain || p.accented === phrase.accented[k]);
}

/**
 * A lone word typed without accents is too ambiguous to drop ("can" is "căn" as often as "cần", "di"
 * is "di chúc" as often as "đi"): it is a stop word only when listed without accents itself. A
 * phrase of several words ("o dau", "lam sao") is telling enough either way.
 */
function isStop(pieces: readonly Piece[], phrase: ListedPhrase): boolean {
  if (pieces.length === 1 && pieces[0]?.plain === true) return isPlainWord(phrase.accented[0] ?? '');
  return sameWords(pieces, phrase);
}

export function analyzeQuery(query: string, synonyms: CompiledSynonyms = NO_SYNONYMS): AnalyzedQuery {
  const pieces = queryPieces(query);
  // A code is typed with its dots ("1." on the way to "1.001612"): a final dot is still typing.
  const typing = STILL_TYPING.test(query);
  const terms = pieces.map((p) => (p.kind === 'code' ? p.raw : foldSearchWord(p.raw)));
  const stop = new Array<boolean>(pieces.length).fill(false);
  const spans: SynonymSpan[] = [];
  for (let from = 0; from < pieces.length; from++) {
    for (let to = from + 1; to <= Math.min(pieces.length, from + synonyms.longestPhrase); to++) {
      const key = terms.slice(from, to).join(' ');
      const typed = pieces.slice(from, to);
      if (synonyms.stopPhrases.get(key)?.some((phrase) => isStop(typed, phrase))) stop.fill(true, from, to);
      const alternatives = (synonyms.alternatives.get(key) ?? []).filter((phrase) => sameWords(typed, phrase)).flatMap((phrase) => phrase.alternatives);
      if (alternatives.length > 0) spans.push({ from, to, alternatives });
    }
  }
  const words = pieces.map((p, i) => ({
    raw: p.raw,
    term: terms[i] ?? p.raw,
    kind: p.kind,
    prefix: typing && i === pieces.length - 1,
    stop: stop[i] === true && p.kind === 'word',
  }));
  return { words, spans };
}
