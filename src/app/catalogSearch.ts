import { normalizeForSearch } from '../domain/normalizeText';
import { analyzeQuery, compileSynonyms, NO_SYNONYMS, type AnalyzedQuery, type CompiledSynonyms, type QueryWord } from '../domain/searchQuery';
import { searchWords } from '../domain/searchTerms';
import type { Procedure } from '../shared/catalog';
import type { SearchSynonyms } from '../shared/searchSynonyms';

/**
 * Procedure search for the kiosk and the counter as people type (DOMAIN.md, "Procedure catalog"):
 * an inverted index over each procedure's name, field and code.
 *
 * Guarantees:
 *  - words compare in search form (src/domain/searchTerms.ts): no diacritics or case, đ = d,
 *    "ki" = "ký", "6" = "06";
 *  - the centre's synonym table (src/shared/searchSynonyms.ts) widens the query: an abbreviation
 *    finds its words and back ("BHYT" / "bảo hiểm y tế"), an everyday word finds the official one
 *    ("sổ đỏ" → "giấy chứng nhận quyền sử dụng đất"); a word of the query is found when it, or a
 *    run of words holding it, is found (every word of a wording, anywhere in name or field);
 *  - stop words ("cho con tôi", "ở đâu") never make a hit and count for nothing, unless the query
 *    is nothing else;
 *  - never empty when part of the query is found: procedures are ranked by the share of the query
 *    they hold, each word weighted by its rarity (log(1 + N / (1 + procedures holding it))), then by
 *    how well the words matched (in the name over the code over the field; exact over prefix over
 *    typo or synonym), then shorter names. A code-like query word puts the procedure with that
 *    code first, then its local variants, then codes starting with it;
 *  - the last word matches as a prefix while it is being typed (not after a space); one typo is
 *    forgiven in words of 5 letters or more, two swapped neighbours in words of 4 or more, shorter
 *    words are exact ("xa" never finds "xe"); codes and numbers are never fuzzy;
 *  - an empty or blank query finds nothing; retired procedures are left out unless asked for;
 *  - the index follows the catalog record by record (add / replace / remove) as sync delivers it.
 *
 * Cost: a query word costs the postings of the terms it accepts (its vocabulary is scanned for
 * prefix and typo matches), a synonym wording the postings of its words; no per-procedure work
 * beyond the procedures touched, then one pass over them that keeps the best `limit`. Scratch
 * arrays are reused between queries. A removed procedure leaves stale postings behind, skipped by
 * a liveness check and swept when they outnumber the live ones.
 */

export type SearchField = 'name' | 'code' | 'field';

export interface CatalogSearchHit {
  readonly procedure: Procedure;
  /** Higher is better; comparable only within one result list. */
  readonly score: number;
  /** Share of the query's meaningful words (stop words aside) found, weighted by rarity: 1 = all of them. */
  readonly coverage: number;
  /** The most important field a query word matched in (name > code > field). */
  readonly matchedField: SearchField;
  /** Every field a query word matched in, most important first. */
  readonly matchedFields: readonly SearchField[];
}

export interface CatalogSearchOptions {
  /** Retired procedures (active = false) are offered only for old dossiers. */
  readonly includeRetired?: boolean;
}

export interface CatalogSearchConfig {
  /** The synonym tables in force (published, else the seed); none = words only. */
  readonly synonyms?: readonly SearchSynonyms[];
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

const DEFAULT_LIMIT = 20;
const FUZZY_MIN_LENGTH = 5;
const TRANSPOSE_MIN_LENGTH = 4;

const NAME = 1;
const FIELD = 2;
const CODE = 4;
/** Name over code over field: a word in the name says more about the procedure than its field. */
const FIELD_FACTOR = { [NAME]: 1, [CODE]: 0.5, [FIELD]: 0.25 } as const;
const EXACT = 1;
const PREFIX = 0.9;
const SYNONYM = 0.85;
const TYPO = 0.7;
/** A code's number typed without its dots ("001612", "0016…"): this many digits at least. */
const CODE_NUMBER_MIN_DIGITS = 4;
/**
 * Per word of the name, taken off the match quality (up to 20 words): of two procedures holding the
 * same words, the one whose name the query explains best comes first ("khai sinh" before "khai sinh
 * cho người đã có hồ sơ…"). Its most, 0.6, is below what one word in the name instead of the field
 * is worth (1 − 0.25), so a name match still beats a field match.
 */
const NAME_LENGTH_PENALTY = 0.03;
const NAME_LENGTH_PENALTY_MAX_WORDS = 20;
/** Per pair of neighbouring query words that are neighbours in the name too ("chứng thực", not "chứng nhận … thực hiện"). */
const NEIGHBOUR_BONUS = 0.3;
/** Stale postings are swept once this many procedures were removed and they outnumber the live ones. */
const SWEEP_MIN_REMOVED = 1_000;

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

/** Adjacent transpositions: "sihn" → "isnh", "shin", "sinh". Levenshtein counts a swap as two edits. */
function transpositions(word: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + 1 < word.length; i++) {
    if (word[i] === word[i + 1]) continue;
    out.add(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  return [...out];
}

/** One typo (Levenshtein distance ≤ 1): a letter changed, added or left out. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** How well a vocabulary term answers a query word (0 = not at all). */
function termQuality(term: string, word: string, prefix: boolean, swaps: readonly string[]): number {
  if (term === word) return EXACT;
  if (prefix && term.startsWith(word)) return PREFIX;
  if (swaps.some((v) => (prefix ? term.startsWith(v) : term === v))) return TYPO;
  if (word.length >= FUZZY_MIN_LENGTH && withinOneEdit(term, word)) return TYPO;
  return 0;
}

/** Index of the first element of a sorted array not below `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per-procedure arrays a query writes into, reset through the list of slots it touched. */
class Scratch {
  mask = new Uint32Array(0);
  quality = new Float64Array(0);
  fields = new Uint8Array(0);
  best = new Float32Array(0);
  bestFields = new Uint8Array(0);
  count = new Uint8Array(0);
  inName = new Uint8Array(0);
  neighbours = new Uint8Array(0);
  codeTier = new Uint8Array(0);
  touched = new Int32Array(0);
  wordTouched = new Int32Array(0);

  fit(slots: number): void {
    if (this.mask.length >= slots) return;
    const size = Math.max(slots, this.mask.length * 2, 64);
    this.mask = new Uint32Array(size);
    this.quality = new Float64Array(size);
    this.fields = new Uint8Array(size);
    this.best = new Float32Array(size);
    this.bestFields = new Uint8Array(size);
    this.count = new Uint8Array(size);
    this.inName = new Uint8Array(size);
    this.neighbours = new Uint8Array(size);
    this.codeTier = new Uint8Array(size).fill(3);
    this.touched = new Int32Array(size);
    this.wordTouched = new Int32Array(size);
  }
}

/** Slots and how well they matched: what a synonym wording found, merged into each word it covers. */
interface Found {
  readonly slots: number[];
  readonly quality: number[];
  readonly fields: number[];
}

interface Candidate {
  readonly slot: number;
  readonly tier: number;
  readonly score: number;
  readonly quality: number;
  readonly nameLength: number;
  readonly code: string;
}

/** Best first: code tier, share of the query, match quality, shorter name, code. */
function before(a: Candidate, b: Candidate): boolean {
  if (a.tier !== b.tier) return a.tier < b.tier;
  if (a.score !== b.score) return a.score > b.score;
  if (a.quality !== b.quality) return a.quality > b.quality;
  if (a.nameLength !== b.nameLength) return a.nameLength < b.nameLength;
  return a.code < b.code;
}

/** Whether a procedure may come before `last`: every key but the code decides, a full tie is let through. */
function aheadOf(tier: number, score: number, quality: number, nameLength: number, last: Candidate): boolean {
  if (tier !== last.tier) return tier < last.tier;
  if (score !== last.score) return score > last.score;
  if (quality !== last.quality) return quality > last.quality;
  return nameLength <= last.nameLength;
}

/** Up to this limit the best are kept by insertion as they come; above it, all are sorted once. */
const INSERTION_LIMIT = 100;

/** Adds a candidate to the best `limit` so far, kept sorted (or to all of them, sorted later). */
function keepBest(top: Candidate[], candidate: Candidate, limit: number): void {
  if (limit > INSERTION_LIMIT) {
    top.push(candidate);
    return;
  }
  const last = top[top.length - 1];
  if (top.length === limit && last && !before(candidate, last)) return;
  let at = top.length;
  while (at > 0 && before(candidate, top[at - 1] as Candidate)) at--;
  top.splice(at, 0, candidate);
  if (top.length > limit) top.pop();
}

function fieldsOf(bits: number): SearchField[] {
  const out: SearchField[] = [];
  if (bits & NAME) out.push('name');
  if (bits & CODE) out.push('code');
  if (bits & FIELD) out.push('field');
  return out;
}

export function createCatalogSearch(procedures: readonly Procedure[], config: CatalogSearchConfig = {}): CatalogSearch {
  const synonyms: CompiledSynonyms = config.synonyms && config.synonyms.length > 0 ? compileSynonyms(config.synonyms) : NO_SYNONYMS;

  // Slots: one per indexed procedure version; null once removed (its postings go stale).
  let slots: (Procedure | null)[] = [];
  let nameLengths: number[] = [];
  let slotTerms: number[][] = [];
  let slotOf = new Map<string, number>();
  // Name and field words: term → id; per id its postings (slot * 4 + NAME/FIELD bits) and live count.
  let termIds = new Map<string, number>();
  let termTexts: string[] = [];
  let postings: number[][] = [];
  let liveCount: number[] = [];
  // Codes: term → postings (slot * 2 + 1 when the term is the whole code), and the terms sorted.
  let codePostings = new Map<string, number[]>();
  let sortedCodeTerms: string[] = [];
  // Neighbouring words of a name ("chung thuc") → slots: a phrase of the query found as a phrase.
  let neighbourPostings = new Map<string, number[]>();
  let removed = 0;
  /** 0 for a removed slot, 1 for a retired procedure, 2 for an active one: read per posting, so typed. */
  let alive = new Uint8Array(1024);
  /** While the whole catalog is indexed at once, new code terms are sorted once at the end. */
  let bulk = false;
  const scratch = new Scratch();

  const termId = (term: string): number => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = termTexts.length;
      termIds.set(term, id);
      termTexts.push(term);
      postings.push([]);
      liveCount.push(0);
    }
    return id;
  };

  const index = (procedure: Procedure): void => {
    const slot = slots.length;
    const name = searchWords(procedure.name);
    const bits = new Map<string, number>();
    for (const w of name) bits.set(w, NAME);
    for (const w of searchWords(procedure.field)) bits.set(w, (bits.get(w) ?? 0) | FIELD);
    const ids: number[] = [];
    for (const [term, b] of bits) {
      const id = termId(term);
      postings[id]?.push(slot * 4 + b);
      liveCount[id] = (liveCount[id] ?? 0) + 1;
      ids.push(id);
    }
    const pairs = new Set<string>();
    for (let k = 0; k + 1 < name.length; k++) pairs.add(`${name[k]} ${name[k + 1]}`);
    for (const pair of pairs) {
      let list = neighbourPostings.get(pair);
      if (!list) neighbourPostings.set(pair, (list = []));
      list.push(slot);
    }
    codeTerms(procedure.code).forEach((term, i) => {
      let list = codePostings.get(term);
      if (!list) {
        codePostings.set(term, (list = []));
        if (bulk) sortedCodeTerms.push(term);
        else sortedCodeTerms.splice(lowerBound(sortedCodeTerms, term), 0, term);
      }
      list.push(slot * 2 + (i === 0 ? 1 : 0));
    });
    slots.push(procedure);
    if (slot >= alive.length) {
      const grown = new Uint8Array(alive.length * 2);
      grown.set(alive);
      alive = grown;
    }
    alive[slot] = procedure.active ? 2 : 1;
    nameLengths.push(name.length);
    slotTerms.push(ids);
    slotOf.set(procedure.code, slot);
  };

  const rebuild = (live: readonly Procedure[]): void => {
    slots = [];
    nameLengths = [];
    slotTerms = [];
    slotOf = new Map();
    termIds = new Map();
    termTexts = [];
    postings = [];
    liveCount = [];
    codePostings = new Map();
    sortedCodeTerms = [];
    neighbourPostings = new Map();
    alive = new Uint8Array(Math.max(1024, live.length));
    removed = 0;
    bulk = true;
    for (const p of live) index(p);
    bulk = false;
    sortedCodeTerms.sort();
  };

  const add = (procedure: Procedure): void => {
    if (slotOf.has(procedure.code)) throw new RangeError(`procedure ${procedure.code} is already indexed`);
    index(procedure);
  };

  const remove = (code: string): boolean => {
    const slot = slotOf.get(code);
    if (slot === undefined) return false;
    slotOf.delete(code);
    slots[slot] = null;
    alive[slot] = 0;
    for (const id of slotTerms[slot] ?? []) liveCount[id] = (liveCount[id] ?? 1) - 1;
    slotTerms[slot] = [];
    for (const term of codeTerms(code)) {
      const kept = (codePostings.get(term) ?? []).filter((p) => p >> 1 !== slot);
      if (kept.length > 0) codePostings.set(term, kept);
      else {
        codePostings.delete(term);
        sortedCodeTerms.splice(lowerBound(sortedCodeTerms, term), 1);
      }
    }
    removed++;
    if (removed >= SWEEP_MIN_REMOVED && removed > slotOf.size) rebuild(slots.filter((p): p is Procedure => p !== null));
    return true;
  };

  const seen = new Set<string>();
  for (const p of procedures) {
    if (seen.has(p.code)) throw new RangeError(`procedure ${p.code} appears twice`);
    seen.add(p.code);
  }
  rebuild(procedures);

  /** Slots whose code matches a code or number word, with the tier (0 whole code, 1 its part, 2 a prefix). */
  const matchCodes = (word: string, prefix: boolean, visit: (slot: number, tier: number) => void): void => {
    const exact = codePostings.get(word);
    for (const p of exact ?? []) visit(p >> 1, p & 1 ? 0 : 1);
    if (!prefix) return;
    for (let i = lowerBound(sortedCodeTerms, word); i < sortedCodeTerms.length; i++) {
      const term = sortedCodeTerms[i] ?? '';
      if (!term.startsWith(word)) break;
      if (term === word) continue;
      for (const p of codePostings.get(term) ?? []) visit(p >> 1, 2);
    }
  };

  /** Every vocabulary term a word accepts, with how well. */
  const acceptedTerms = (word: QueryWord): { id: number; quality: number }[] => {
    if (word.kind === 'number') {
      const id = termIds.get(word.term);
      return id === undefined ? [] : [{ id, quality: EXACT }];
    }
    const swaps = word.term.length >= TRANSPOSE_MIN_LENGTH ? transpositions(word.term) : [];
    const out: { id: number; quality: number }[] = [];
    termTexts.forEach((term, id) => {
      if ((liveCount[id] ?? 0) === 0) return;
      const quality = termQuality(term, word.term, word.prefix, swaps);
      if (quality > 0) out.push({ id, quality });
    });
    return out;
  };

  /**
   * Procedures holding a wording (exact terms): as a phrase in the name, or across name and field
   * ("giấy chứng nhận" in the name, "đất đai" the field). Its words scattered over the name are not
   * it ("hợp … thửa" is not "hợp thửa").
   */
  const matchWording = (wording: readonly string[]): Found => {
    const found: Found = { slots: [], quality: [], fields: [] };
    const ids = [...new Set(wording)].map((w) => termIds.get(w));
    if (ids.length === 0 || ids.some((id) => id === undefined)) return found;
    const pairs = new Set<string>();
    for (let k = 0; k + 1 < wording.length; k++) pairs.add(`${wording[k]} ${wording[k + 1]}`);
    const { count, inName, neighbours } = scratch;
    const touched: number[] = [];
    for (const id of ids as number[]) {
      for (const p of postings[id] ?? []) {
        const slot = p >> 2;
        if (alive[slot] === 0) continue;
        if (count[slot] === 0) touched.push(slot);
        count[slot] = (count[slot] ?? 0) + 1;
        if (p & NAME) inName[slot] = (inName[slot] ?? 0) + 1;
      }
    }
    for (const pair of pairs) {
      for (const slot of neighbourPostings.get(pair) ?? []) if ((count[slot] ?? 0) > 0) neighbours[slot] = (neighbours[slot] ?? 0) + 1;
    }
    for (const slot of touched) {
      const allInName = inName[slot] === ids.length;
      const phrase = allInName && neighbours[slot] === pairs.size;
      if (count[slot] === ids.length && (phrase || !allInName)) {
        found.slots.push(slot);
        found.quality.push(SYNONYM * (phrase ? FIELD_FACTOR[NAME] : FIELD_FACTOR[FIELD]));
        found.fields.push((inName[slot] ?? 0) > 0 ? NAME | (allInName ? 0 : FIELD) : FIELD);
      }
      count[slot] = 0;
      inName[slot] = 0;
      neighbours[slot] = 0;
    }
    return found;
  };

  const run = (query: AnalyzedQuery, limit: number, includeRetired: boolean): CatalogSearchHit[] => {
    const { words, spans } = query;
    scratch.fit(slots.length);
    const { mask, quality, fields, best, bestFields, codeTier } = scratch;
    const spanFound = spans.map((span) => span.alternatives.map(matchWording));
    const { touched, wordTouched } = scratch;
    let touchedCount = 0;
    const coveredBy: number[] = [];
    let codeQuery = false;
    // Fields a stop word matched in count only when the query is nothing else.
    const onlyStopWords = words.every((w) => w.stop);

    words.forEach((word, i) => {
      let wordCount = 0;
      const accept = (slot: number, q: number, bits: number): void => {
        if (alive[slot] === 0) return;
        if (best[slot] === 0) wordTouched[wordCount++] = slot;
        if (q > (best[slot] ?? 0)) best[slot] = q;
        bestFields[slot] = (bestFields[slot] ?? 0) | bits;
      };
      // Short numbers are ages, levels, counts ("dưới 6 tuổi", "mức 2"), not the start of a code.
      if (word.kind === 'code' || (word.kind === 'number' && word.raw.length >= CODE_NUMBER_MIN_DIGITS)) {
        codeQuery = true;
        matchCodes(word.raw, word.prefix, (slot, tier) => {
          if (alive[slot] === 0) return;
          accept(slot, (tier === 2 ? PREFIX : EXACT) * FIELD_FACTOR[CODE], CODE);
          if (tier < (codeTier[slot] ?? 3)) codeTier[slot] = tier;
        });
      }
      if (word.kind !== 'code') {
        // The hot loop (tens of thousands of postings for "dang" in a large catalog): inlined.
        for (const { id, quality: q } of acceptedTerms(word)) {
          const list = postings[id] ?? [];
          const inName = q * FIELD_FACTOR[NAME];
          const inField = q * FIELD_FACTOR[FIELD];
          for (let k = 0; k < list.length; k++) {
            const p = list[k] as number;
            const slot = p >> 2;
            if (alive[slot] === 0) continue;
            const bits = p & 3;
            const v = bits & NAME ? inName : inField;
            const b = best[slot] as number;
            if (b === 0) wordTouched[wordCount++] = slot;
            if (v > b) best[slot] = v;
            bestFields[slot] = (bestFields[slot] as number) | bits;
          }
        }
      }
      spans.forEach((span, s) => {
        if (i < span.from || i >= span.to) return;
        for (const found of spanFound[s] ?? []) found.slots.forEach((slot, k) => accept(slot, found.quality[k] ?? 0, found.fields[k] ?? 0));
      });
      const bit = 1 << i;
      const counts = !word.stop || onlyStopWords;
      for (let k = 0; k < wordCount; k++) {
        const slot = wordTouched[k] as number;
        if (mask[slot] === 0) touched[touchedCount++] = slot;
        mask[slot] = (mask[slot] as number) | bit;
        if (counts) {
          quality[slot] = (quality[slot] as number) + (best[slot] as number);
          fields[slot] = (fields[slot] as number) | (bestFields[slot] as number);
        }
        best[slot] = 0;
        bestFields[slot] = 0;
      }
      coveredBy.push(wordCount);
    });

    for (let i = 0; i + 1 < words.length; i++) {
      const a = words[i];
      const b = words[i + 1];
      if (!a || !b || a.kind === 'code' || b.kind === 'code' || a.stop || b.stop) continue;
      for (const slot of neighbourPostings.get(`${a.term} ${b.term}`) ?? []) {
        if (mask[slot] !== 0) quality[slot] = (quality[slot] ?? 0) + NEIGHBOUR_BONUS;
      }
    }

    // Rarer words weigh more. Stop words count for nothing and make no hit, unless they are all there is.
    const live = slotOf.size;
    const weights = words.map((w, i) => (w.stop && !onlyStopWords ? 0 : Math.log(1 + live / (1 + (coveredBy[i] ?? 0)))));
    let required = 0;
    words.forEach((w, i) => {
      if (!w.stop || onlyStopWords) required |= 1 << i;
    });
    const meaningfulWeight = weights.reduce((sum, w, i) => (required & (1 << i) ? sum + w : sum), 0);

    const candidates: Candidate[] = [];
    const minStatus = includeRetired ? 1 : 2;
    for (let k = 0; k < touchedCount; k++) {
      const slot = touched[k] as number;
      const m = (mask[slot] as number) & required;
      if (m === 0 || (alive[slot] as number) < minStatus) continue;
      let score = 0;
      for (let rest = m; rest !== 0; rest &= rest - 1) score += weights[31 - Math.clz32(rest & -rest)] ?? 0;
      const tier = codeQuery ? (codeTier[slot] ?? 3) : 3;
      const nameLength = nameLengths[slot] ?? 0;
      const matchQuality = (quality[slot] ?? 0) - NAME_LENGTH_PENALTY * Math.min(NAME_LENGTH_PENALTY_MAX_WORDS, nameLength);
      const last = candidates[candidates.length - 1];
      // Most procedures of a large answer lose to the current last already: no object, no record read.
      if (limit <= INSERTION_LIMIT && candidates.length === limit && last && !aheadOf(tier, score, matchQuality, nameLength, last)) continue;
      const procedure = slots[slot];
      if (!procedure) continue;
      keepBest(candidates, { slot, tier, score, quality: matchQuality, nameLength, code: procedure.code }, limit);
    }
    const top = limit > INSERTION_LIMIT ? candidates.sort((a, b) => (before(a, b) ? -1 : 1)).slice(0, limit) : candidates;

    const hits = top.flatMap((c): CatalogSearchHit[] => {
      const procedure = slots[c.slot];
      if (!procedure) return [];
      const m = mask[c.slot] ?? 0;
      const matched = weights.reduce((sum, w, i) => (required & m & (1 << i) ? sum + w : sum), 0);
      const matchedFields = fieldsOf(fields[c.slot] || NAME);
      return [
        {
          procedure,
          score: c.score + c.quality / 1000,
          coverage: meaningfulWeight > 0 ? matched / meaningfulWeight : 0,
          matchedField: matchedFields[0] ?? 'name',
          matchedFields,
        },
      ];
    });
    for (let k = 0; k < touchedCount; k++) {
      const slot = touched[k] as number;
      mask[slot] = 0;
      quality[slot] = 0;
      fields[slot] = 0;
      codeTier[slot] = 3;
    }
    return hits;
  };

  return {
    search(query, limit = DEFAULT_LIMIT, options = {}) {
      if (limit <= 0) return [];
      const analyzed = analyzeQuery(query, synonyms);
      if (analyzed.words.length === 0) return [];
      return run(analyzed, limit, options.includeRetired === true);
    },
    add,
    replace(procedure) {
      remove(procedure.code);
      add(procedure);
    },
    remove,
    get size() {
      return slotOf.size;
    },
  };
}
