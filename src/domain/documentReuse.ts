import { normalizeForSearch } from './normalizeText';

/**
 * Reusing a paper the citizen already gave (same ID number: at this machine, or at any counter or
 * branch through the centre's index, src/app/dossierReuse.ts) instead of scanning it again.
 *
 * Guarantees:
 * - Only papers received within the branch's validity window count (`reuseWindowStart`); each PDF
 *   is offered once, the newest copy first (`distinctDocuments`).
 * - A candidate is suggested for a required paper only when their names say the same paper: at
 *   least 3/4 of the telling words shared (Jaccard), words that say how the paper is given ("bản
 *   sao", "bản chính", "hợp lệ", …) and brackets left out, diacritics and case ignored. The best
 *   match wins; ties keep the earlier (newer) candidate. No match, no suggestion: a wrong paper is
 *   worse than a rescan.
 * - Pure: the current time arrives as an argument.
 */

const DAY_MS = 86_400_000;
const MIN_SAME_PAPER = 0.75;
/** Words of a document name that say how the paper is given, not which paper it is. */
const HOW_WORDS = new Set(['ban', 'sao', 'chinh', 'hop', 'le', 'co', 'chung', 'thuc', 'cua', 'va', 'hoac', 'the', 'neu', '01', '02', 'mot']);

/** The earliest receipt time whose papers may still be reused at `now`. */
export function reuseWindowStart(now: number, validityDays: number): number {
  return now - validityDays * DAY_MS;
}

/** One entry per PDF (by SHA-256), keeping the first: give the rows newest first. */
export function distinctDocuments<T extends { readonly sha256: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const row of rows) {
    if (seen.has(row.sha256)) continue;
    seen.add(row.sha256);
    out.push(row);
  }
  return out;
}

/** For each of `documents` (by id), the candidate that is the same paper, if any. */
export function suggestReuse<C extends { readonly name: string }>(
  documents: readonly { readonly id: string; readonly name: string }[],
  candidates: readonly C[],
): Map<string, C> {
  const out = new Map<string, C>();
  const named = candidates.map((c) => ({ c, words: documentWords(c.name) }));
  for (const doc of documents) {
    const mine = documentWords(doc.name);
    let best: { c: C; score: number } | null = null;
    for (const { c, words } of named) {
      const score = jaccard(mine, words);
      if (score >= MIN_SAME_PAPER && (!best || score > best.score)) best = { c, score };
    }
    if (best) out.set(doc.id, best.c);
  }
  return out;
}

/** How many papers of a new dossier came from each earlier dossier (by its code). */
export function reusedFromCounts(documents: readonly { readonly reusedFrom: string | null }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of documents) if (d.reusedFrom !== null) counts.set(d.reusedFrom, (counts.get(d.reusedFrom) ?? 0) + 1);
  return counts;
}

/** The words of a document name that tell papers apart. */
export function documentWords(name: string): Set<string> {
  return new Set(
    normalizeForSearch(name.replace(/\(.*?\)/g, ' '))
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !HOW_WORDS.has(w)),
  );
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  for (const w of a) if (b.has(w)) common++;
  return common / (a.size + b.size - common);
}
