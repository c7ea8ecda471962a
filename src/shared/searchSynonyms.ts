import { z } from 'zod';

/**
 * The words people type for procedures, as the centre publishes them (global scope, one record per
 * table, keyed by `id`): abbreviations and their words, everyday words for the official ones the
 * catalog uses, and words a query may carry that say nothing about the procedure. It changes with
 * how people speak and with new procedures, so it is data, not code (DOMAIN.md). A kiosk merges
 * every table it holds; until the centre publishes one it uses the seed in `assets/search`.
 *
 * Phrases are compared the way search compares text (no diacritics, đ = d, i = y at a word's end,
 * numbers without leading zeros), so "BHYT", "bhyt" and "Bảo hiểm y tế" need no separate entries.
 */
const Phrase = z.string().trim().min(1).max(80);

export const SynonymMeaning = z
  .object({
    /** What people say ("sổ hồng", "làm"). */
    say: z.array(Phrase).min(1).max(20),
    /** The official wordings it stands for, any of which may appear in a procedure's name. */
    means: z.array(Phrase).min(1).max(20),
  })
  .strict();
export type SynonymMeaning = z.infer<typeof SynonymMeaning>;

export const SearchSynonyms = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    version: z.number().int().min(1),
    /** Interchangeable wordings (an abbreviation and its words): each finds what the others find. */
    equivalents: z.array(z.array(Phrase).min(2).max(20)).max(1000),
    /** One way: a query saying `say` also finds procedures named with `means`, not the reverse. */
    meanings: z.array(SynonymMeaning).max(1000),
    /**
     * Words and phrases that say nothing about the procedure ("cho con tôi", "ở đâu", "làm sao"):
     * they never make a procedure a hit and count for nothing in the ranking.
     */
    stopWords: z.array(Phrase).max(1000),
  })
  .strict();
export type SearchSynonyms = z.infer<typeof SearchSynonyms>;
