import MiniSearch, { type Query, type SearchResult } from 'minisearch';
import { normalizeForSearch } from '../domain/normalizeText';
import type { Procedure } from '../shared/catalog';

/**
 * Procedure search for the kiosk and the counter (DOMAIN.md, "Procedure catalog"), on MiniSearch.
 *
 * Guarantees:
 *  - diacritics and case do not matter, and đ/Đ is d (NFD does not decompose đ, so it is mapped
 *    by hand): "dang ky khai sinh" finds "Đăng ký khai sinh";
 *  - every word of the query must match (AND); the last word matches as a prefix, so results
 *    update while the citizen types;
 *  - one typo is forgiven in words of 5 letters or more; two swapped neighbouring letters
 *    ("sihn" for "sinh") are forgiven in words of 4 letters or more; shorter words must be exact
 *    ("xa" never finds "xe"); codes and numbers are never fuzzy (1.001612 must not find 1.001613);
 *  - ranking: a code equal to (then starting with) a code-like query word first, then by score
 *    with the name weighted above the code and the code above the field;
 *  - an empty or blank query finds nothing; retired procedures are left out unless asked for;
 *  - the index follows the catalog record by record (add / replace / remove) as sync delivers it.
 *
 * Cost: MiniSearch scores every document of every query word, so a word found in tens of thousands
 * of procedures ("dang", "ky", a one-letter prefix in a 100,000 catalog) costs hundreds of
 * milliseconds. Each word is therefore first expanded against the vocabulary (exact, prefix, typo)
 * and its document count summed: cheap words go to MiniSearch, which scores; expensive ones only
 * filter its hits through a per-procedure list of term ids (the same matching rules). When every
 * word is expensive, a scan over those lists answers instead, ranking name matches and short names
 * first. In a province-size catalog (1,700) no word is expensive and MiniSearch does it all.
 */

export type SearchField = 'name' | 'code' | 'field';

export interface CatalogSearchHit {
  readonly procedure: Procedure;
  /** Higher is better; comparable only within one result list. */
  readonly score: number;
  /** The most important field a query word matched in (name > code > field). */
  readonly matchedField: SearchField;
  /** Every field a query word matched in, most important first. */
  readonly matchedFields: readonly SearchField[];
}

export interface CatalogSearchOptions {
  /** Retired procedures (active = false) are offered only for old dossiers. */
  readonly includeRetired?: boolean;
}

export interface CatalogSearch {
  /** Ranked hits, best first; at most `limit` (default 20). */
  search(query: string, limit?: number, options?: CatalogSearchOptions): CatalogSearchHit[];
  /** Adds a procedure whose code is not indexed yet; throws on a duplicate code. */
  add(procedure: Procedure): void;
  /** Adds or replaces the procedure with this code (a newer version from sync). */
  replace(procedure: Procedure): void;
  /** Removes the procedure with this code; false when it was not indexed. */
  remove(code: string): boolean;
  /** Number of indexed procedures, retired ones included. */
  readonly size: number;
}

const FIELDS: readonly SearchField[] = ['name', 'code', 'field'];
/** Name over code over field: a word in the name says more about the procedure than its field. */
const BOOST: Record<SearchField, number> = { name: 4, code: 2, field: 1 };
const DEFAULT_LIMIT = 20;
/** A query word found in more procedures than this only filters (see the header). */
const MAX_SCORED_DOCUMENTS = 2_000;
const FUZZY_MIN_LENGTH = 5;
const TRANSPOSE_MIN_LENGTH = 4;

const WORD_SPLIT = /[^\p{L}\p{N}]+/u;
/** A code or the start of one: "1.001612", "1.0016", "1.", "1.001612.h26.dd". */
const CODE_LIKE = /^\d\.[\p{L}\p{N}.]*$/u;
const DIGITS = /^\d+$/;

function words(normalized: string): string[] {
  return normalized.split(WORD_SPLIT).filter((w) => w.length > 0);
}

/** A code is findable whole, by its national part ("1.001612") and by its number ("001612"). */
function codeTerms(code: string): string[] {
  const normalized = normalizeForSearch(code);
  const [prefix, number] = normalized.split('.');
  const terms = new Set([normalized]);
  if (prefix !== undefined && number !== undefined) {
    terms.add(`${prefix}.${number}`);
    terms.add(number);
  }
  return [...terms];
}

function indexTokenize(text: string, fieldName?: string): string[] {
  return fieldName === 'code' ? codeTerms(text) : words(normalizeForSearch(text));
}

/** Query words: code-like pieces stay whole (their dots matter), everything else splits on punctuation. */
function queryWords(query: string): string[] {
  const out: string[] = [];
  for (const piece of normalizeForSearch(query).split(/[^\p{L}\p{N}.]+/u)) {
    if (CODE_LIKE.test(piece)) out.push(piece);
    else out.push(...piece.split('.').filter((w) => w.length > 0));
  }
  return out;
}

function isNumeric(word: string): boolean {
  return CODE_LIKE.test(word) || DIGITS.test(word);
}

/** Adjacent transpositions: "sihn" → "isnh", "shin", "sinh". Levenshtein counts a swap as two edits. */
function transpositions(word: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + 1 < word.length; i++) {
    if (word[i] === word[i + 1]) continue;
    out.add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  return [...out];
}

function wordQuery(word: string, last: boolean): Query {
  const prefix = last;
  if (isNumeric(word)) return { queries: [word], prefix, fuzzy: false };
  const fuzzy = word.length >= FUZZY_MIN_LENGTH ? 1 : false;
  const swaps = word.length >= TRANSPOSE_MIN_LENGTH ? transpositions(word) : [];
  if (swaps.length === 0) return { queries: [word], prefix, fuzzy };
  return {
    combineWith: 'OR',
    queries: [
      { queries: [word], prefix, fuzzy },
      // A swap is one typo already: no further fuzziness on top of it.
      { combineWith: 'OR', queries: swaps, prefix, fuzzy: false },
    ],
  };
}

/** One typo (Levenshtein distance ≤ 1): a letter changed, added or left out. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** A procedure's name and field as vocabulary term ids, in order. */
interface TermLists {
  readonly name: Uint32Array;
  readonly field: Uint32Array;
}

/**
 * The name and field terms with the number of procedures holding each. Terms whose count falls to
 * zero stay (their ids are in no list any more); the vocabulary of a catalog is small.
 */
class Vocabulary {
  private readonly ids = new Map<string, number>();
  readonly terms: string[] = [];
  readonly documentCount: number[] = [];

  /** Term ids of a text's words, new terms registered with a count of zero. */
  idsOf(words: readonly string[]): Uint32Array {
    const out = new Uint32Array(words.length);
    words.forEach((w, i) => {
      let id = this.ids.get(w);
      if (id === undefined) {
        id = this.terms.length;
        this.ids.set(w, id);
        this.terms.push(w);
        this.documentCount.push(0);
      }
      out[i] = id;
    });
    return out;
  }

  /** Counts each distinct term of a procedure once: +1 when it is added, -1 when it is removed. */
  count(lists: TermLists, delta: 1 | -1): void {
    for (const id of new Set([...lists.name, ...lists.field])) this.documentCount[id] = (this.documentCount[id] ?? 0) + delta;
  }
}

/** Which terms a query word accepts (the rules of `wordQuery`), and in how many procedures they occur. */
interface WordPlan {
  readonly accepts: Uint8Array;
  readonly documents: number;
}

function planWord(word: string, last: boolean, vocabulary: Vocabulary): WordPlan {
  const variants = word.length >= TRANSPOSE_MIN_LENGTH ? [word, ...transpositions(word)] : [word];
  const fuzzy = word.length >= FUZZY_MIN_LENGTH;
  const accepts = new Uint8Array(vocabulary.terms.length);
  let documents = 0;
  vocabulary.terms.forEach((term, id) => {
    const count = vocabulary.documentCount[id] ?? 0;
    if (count === 0) return;
    const hit = variants.some((v) => (last ? term.startsWith(v) : term === v)) || (fuzzy && withinOneEdit(term, word));
    if (!hit) return;
    accepts[id] = 1;
    documents += count;
  });
  return { accepts, documents };
}

/** Where a planned word occurs in a procedure: its name, else its field, else nowhere. */
function whereMatched(lists: TermLists, plan: WordPlan): SearchField | null {
  for (const id of lists.name) if (plan.accepts[id] === 1) return 'name';
  for (const id of lists.field) if (plan.accepts[id] === 1) return 'field';
  return null;
}

interface IndexedDoc {
  readonly code: string;
  readonly name: string;
  readonly field: string;
}

const toDoc = (p: Procedure): IndexedDoc => ({ code: p.code, name: p.name, field: p.field });

/**
 * 0: the whole code is a query word; 1: its national part or number is (a ward's local variant
 * "1.001612.H26.DD" of "1.001612"); 2: it starts with one; 3: none of these.
 */
function codeTier(code: string, codeWords: readonly string[]): number {
  const terms = codeTerms(code);
  if (codeWords.includes(terms[0] ?? '')) return 0;
  if (codeWords.some((w) => terms.includes(w))) return 1;
  if (codeWords.some((w) => terms.some((t) => t.startsWith(w)))) return 2;
  return 3;
}

function matchedFieldsOf(result: SearchResult): SearchField[] {
  const seen = new Set<string>();
  for (const fields of Object.values(result.match)) for (const f of fields) seen.add(f);
  return FIELDS.filter((f) => seen.has(f));
}

export function createCatalogSearch(procedures: readonly Procedure[]): CatalogSearch {
  const byCode = new Map<string, Procedure>();
  const vocabulary = new Vocabulary();
  const termLists = new Map<string, TermLists>();
  const listTerms = (p: Procedure): void => {
    const lists = { name: vocabulary.idsOf(words(normalizeForSearch(p.name))), field: vocabulary.idsOf(words(normalizeForSearch(p.field))) };
    vocabulary.count(lists, 1);
    termLists.set(p.code, lists);
  };
  const unlistTerms = (code: string): void => {
    const lists = termLists.get(code);
    if (lists) vocabulary.count(lists, -1);
    termLists.delete(code);
  };
  const index = new MiniSearch<IndexedDoc>({
    idField: 'code',
    fields: [...FIELDS],
    tokenize: indexTokenize,
    processTerm: (term) => term,
    searchOptions: {
      // Queries are tokenized and normalised here, before MiniSearch sees them.
      tokenize: (text) => [text],
      processTerm: (term) => term,
      boost: BOOST,
    },
  });

  const add = (procedure: Procedure): void => {
    if (byCode.has(procedure.code)) throw new RangeError(`procedure ${procedure.code} is already indexed`);
    index.add(toDoc(procedure));
    byCode.set(procedure.code, procedure);
    listTerms(procedure);
  };
  const remove = (code: string): boolean => {
    if (!byCode.has(code)) return false;
    index.discard(code);
    byCode.delete(code);
    unlistTerms(code);
    return true;
  };

  for (const p of procedures) {
    if (byCode.has(p.code)) throw new RangeError(`procedure ${p.code} appears twice`);
    byCode.set(p.code, p);
    listTerms(p);
  }
  index.addAll([...byCode.values()].map(toDoc));

  /** Every word expensive: one pass over the term lists, name matches and short names first. */
  const scan = (plans: readonly WordPlan[], limit: number, includeRetired: boolean): CatalogSearchHit[] => {
    const top: { code: string; score: number; fields: SearchField[] }[] = [];
    for (const [code, lists] of termLists) {
      const fields: SearchField[] = [];
      let inName = 0;
      for (const plan of plans) {
        const where = whereMatched(lists, plan);
        if (where === null) break;
        fields.push(where);
        if (where === 'name') inName++;
      }
      if (fields.length < plans.length) continue;
      if (!includeRetired && byCode.get(code)?.active !== true) continue;
      const score = inName + 1 / (1 + lists.name.length);
      if (top.length === limit && score <= (top[top.length - 1]?.score ?? 0)) continue;
      let at = top.length;
      while (at > 0 && (top[at - 1]?.score ?? 0) < score) at--;
      top.splice(at, 0, { code, score, fields });
      if (top.length > limit) top.pop();
    }
    return top.flatMap(({ code, score, fields }) => {
      const procedure = byCode.get(code);
      const matchedFields = FIELDS.filter((f) => fields.includes(f));
      return procedure ? [{ procedure, score, matchedField: matchedFields[0] ?? 'name', matchedFields }] : [];
    });
  };

  return {
    search(query, limit = DEFAULT_LIMIT, options = {}) {
      const qw = queryWords(query);
      if (qw.length === 0 || limit <= 0) return [];
      const includeRetired = options.includeRetired === true;
      const scored: Query[] = [];
      const filters: WordPlan[] = [];
      for (const [i, word] of qw.entries()) {
        const last = i === qw.length - 1;
        if (isNumeric(word)) {
          scored.push(wordQuery(word, last));
          continue;
        }
        const plan = planWord(word, last, vocabulary);
        if (plan.documents === 0) return [];
        if (plan.documents <= MAX_SCORED_DOCUMENTS) scored.push(wordQuery(word, last));
        else filters.push(plan);
      }
      // The rarest filter first: most procedures fail on it and skip the others.
      filters.sort((a, b) => a.documents - b.documents);
      if (scored.length === 0) return scan(filters, limit, includeRetired);
      const passes = (code: string): boolean => {
        if (!includeRetired && byCode.get(code)?.active !== true) return false;
        const lists = termLists.get(code);
        return filters.length === 0 || (lists !== undefined && filters.every((plan) => whereMatched(lists, plan) !== null));
      };
      const results = index.search({ combineWith: 'AND', queries: scored }, { filter: (r) => passes(r.id as string) });
      const codeWords = qw.filter((w) => isNumeric(w));
      // MiniSearch has sorted by score; only code-like queries need the code tiers on top.
      const ranked =
        codeWords.length === 0
          ? results
          : results
              .map((r) => ({ r, tier: codeTier(r.id as string, codeWords) }))
              .sort((a, b) => a.tier - b.tier || b.r.score - a.r.score || (a.r.id < b.r.id ? -1 : 1))
              .map(({ r }) => r);
      const hits: CatalogSearchHit[] = [];
      for (const r of ranked.slice(0, limit)) {
        const procedure = byCode.get(r.id as string);
        if (!procedure) continue;
        const lists = termLists.get(procedure.code);
        const filtered = lists ? filters.map((plan) => whereMatched(lists, plan)) : [];
        const matchedFields = FIELDS.filter((f) => matchedFieldsOf(r).includes(f) || filtered.includes(f));
        hits.push({ procedure, score: r.score, matchedField: matchedFields[0] ?? 'name', matchedFields });
      }
      return hits;
    },
    add,
    replace(procedure) {
      remove(procedure.code);
      add(procedure);
    },
    remove,
    get size() {
      return byCode.size;
    },
  };
}
