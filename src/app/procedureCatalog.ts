import { CalendarYear } from '../shared/calendar';
import { Procedure } from '../shared/catalog';
import { GLOBAL_SCOPE } from '../shared/published';
import { SearchSynonyms } from '../shared/searchSynonyms';
import { AppFailure, describeUnknown } from '../shared/result';
import type { ReferenceDb } from '../storage/referenceDb';
import { getCursor, readPublished, referenceGeneration } from '../storage/referenceRepository';
import { createCatalogSearch, type CatalogSearch, type CatalogSearchHit } from './catalogSearch';

/**
 * The counter's procedure catalog and working-day calendar: what the centre published and the kiosk
 * pulled, else what ships with the app.
 *
 * Guarantees:
 * - Procedures: the published catalog as soon as it holds one procedure, else the seed
 *   (`assets/catalog`, loaded once, lazily; records that fail the schema are left out). The search
 *   index is rebuilt only when the global scope's pull cursor moved, so a call per keystroke costs
 *   one read.
 * - Search synonyms: every table the centre published, else the shipped one (`assets/search`);
 *   a table that fails the schema is left out. They change with the same cursor as the catalog.
 * - Calendars: the shipped years, each replaced by the centre's published year, sorted by year.
 * - A seed that cannot be loaded is `dossier.catalog-unavailable`, and is tried again next call.
 */
export interface ProcedureCatalogDeps {
  readonly reference: ReferenceDb;
  /** The catalog shipped with the app, used until the centre publishes one. */
  readonly loadSeedCatalog: () => Promise<unknown>;
  /** Calendar years shipped with the app; published years replace them. */
  readonly seedCalendars: readonly unknown[];
  /** The synonym table shipped with the app, used until the centre publishes one; none = words only. */
  readonly seedSynonyms?: unknown;
  /** Milliseconds, for how long a check of the pulled cursor holds (the clock port's `now`). */
  readonly now?: () => number;
}

/**
 * The index is rebuilt when the pulled global scope moved. A pull in this page says so at once
 * (referenceGeneration); otherwise the cursor is read again at most this often, for writes this
 * page did not make (another tab): a keystroke never waits for IndexedDB.
 */
const RECHECK_MS = 5_000;

export interface ProcedureCatalog {
  /** Every procedure, retired ones included. */
  all(): Promise<readonly Procedure[]>;
  /** Ranked hits, best first (see catalogSearch.ts). */
  search(query: string, limit?: number): Promise<readonly CatalogSearchHit[]>;
  find(code: string): Promise<Procedure | null>;
  calendars(): Promise<CalendarYear[]>;
}

export function createProcedureCatalog(deps: ProcedureCatalogDeps): ProcedureCatalog {
  const { reference } = deps;
  let current: { key: string; generation: number; checkedAt: number; procedures: readonly Procedure[]; search: CatalogSearch } | null = null;
  const now = deps.now ?? (() => Date.now());
  let seed: Promise<readonly Procedure[]> | null = null;

  function loadSeed(): Promise<readonly Procedure[]> {
    seed ??= deps
      .loadSeedCatalog()
      .then((raw) => {
        const list = Array.isArray(raw) ? raw : ((raw as { procedures?: unknown[] } | null)?.procedures ?? []);
        return list.flatMap((p) => {
          const parsed = Procedure.safeParse(p);
          return parsed.success ? [parsed.data] : [];
        });
      })
      .catch((e: unknown) => {
        seed = null;
        throw new AppFailure('dossier.catalog-unavailable', describeUnknown(e));
      });
    return seed;
  }

  async function synonyms(): Promise<SearchSynonyms[]> {
    const published = (await readPublished<unknown>(reference, GLOBAL_SCOPE, 'searchSynonyms')).flatMap((raw) => {
      const parsed = SearchSynonyms.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
    if (published.length > 0) return published.sort((a, b) => (a.id < b.id ? -1 : 1));
    const seeded = SearchSynonyms.safeParse(deps.seedSynonyms);
    return seeded.success ? [seeded.data] : [];
  }

  async function load(): Promise<NonNullable<typeof current>> {
    const generation = referenceGeneration(reference);
    const at = now();
    if (current && current.generation === generation && at >= current.checkedAt && at - current.checkedAt < RECHECK_MS) return current;
    // The global scope's pull cursor moves with every published change: one read says whether the index is current.
    const key = `cursor:${await getCursor(reference, GLOBAL_SCOPE)}`;
    if (current?.key === key) {
      current = { ...current, generation, checkedAt: at };
      return current;
    }
    const published = await readPublished<Procedure>(reference, GLOBAL_SCOPE, 'procedure');
    const source = published.length > 0 ? published : await loadSeed();
    current = { key, generation, checkedAt: at, procedures: source, search: createCatalogSearch(source, { synonyms: await synonyms() }) };
    return current;
  }

  return {
    all: async () => (await load()).procedures,
    search: async (query, limit) => (await load()).search.search(query, limit),
    find: async (code) => (await load()).procedures.find((p) => p.code === code) ?? null,
    async calendars() {
      const byYear = new Map<number, CalendarYear>();
      for (const raw of deps.seedCalendars) {
        const parsed = CalendarYear.safeParse(raw);
        if (parsed.success) byYear.set(parsed.data.year, parsed.data);
      }
      for (const year of await readPublished<CalendarYear>(reference, GLOBAL_SCOPE, 'calendar')) byYear.set(year.year, year);
      return [...byYear.values()].sort((a, b) => a.year - b.year);
    },
  };
}
