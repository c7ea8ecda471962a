/**
 * Procedure search (src/app/catalogSearch, with the seeded synonym table) on generated catalogs of 1,700 (a province)
 * and 100,000 procedures (stress), against a plain substring scan over normalised names (every
 * query word must occur) on the same data and the same queries. Run: `BENCH_ONLY=search npx tsx
 * scripts/bench/index.ts` or `npx tsx scripts/bench/search.bench.ts`.
 * Targets (issue): p95 ≤ 5 ms per query at 1,700 procedures, ≤ 50 ms at 100,000.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCatalogSearch } from '../../src/app/catalogSearch';
import { normalizeForSearch } from '../../src/domain/normalizeText';
import { generateCatalog } from '../../test/support/catalogGenerator';
import { seededRandom } from '../../test/support/seededRandom';
import { Procedure } from '../../src/shared/catalog';
import { SearchSynonyms } from '../../src/shared/searchSynonyms';
import { recordFigure } from './figures';
import { percentile, round } from './stats';

export const SEARCH_TARGETS = [
  { size: 1_700, p95Ms: 5 },
  { size: 100_000, p95Ms: 50 },
] as const;

export interface SearchSeries {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
  /** Queries with at least one hit. */
  readonly answered: number;
}

export interface SearchBenchRow {
  readonly size: number;
  readonly queries: number;
  readonly buildMs: { readonly index: number; readonly scan: number };
  readonly index: SearchSeries;
  readonly scan: SearchSeries;
  /** index ÷ scan, per query */
  readonly p50Ratio: number;
  readonly p95Ratio: number;
  /** One record replaced in the built index (sync delivering a newer version). */
  readonly replaceP50Ms: number;
  readonly targetP95Ms: number;
  readonly pass: boolean;
}

const LIMIT = 20;

/** What citizens and officers type most (DOMAIN.md examples), with and without diacritics. */
const TYPED = [
  'dang ky khai sinh',
  'Đăng ký khai sinh',
  'ho kinh doanh',
  'hộ kinh doanh',
  'ly lich tu phap',
  'cap doi can cuoc',
  'cấp đổi thẻ căn cước',
  'dat dai',
  'đất đai',
  'giay phep xay dung',
  'ket hon',
  'khai tu',
  'chung thuc ban sao',
  'thuong tru',
  'tam tru',
  'giay phep lai xe',
  'bao hiem xa hoi',
  'dang ky kh',
  'cap lai giay chung nhan',
  'dang ky khai sihn',
  'ho kinh doamh',
  // As people say them: everyday words, abbreviations, whole sentences (src/app/catalogSearch.quality.test.ts).
  'làm giấy khai sinh cho con',
  'khai sinh cho con tôi ở đâu',
  'sổ đỏ bị mất',
  'dang ki ket hon',
  'cấp thẻ BHYT',
  'mở cửa hàng tạp hóa',
  'căn cước cho bé dưới 6 tuổi',
];

function swapInside(word: string, random: () => number): string {
  if (word.length < 4) return word;
  const i = 1 + Math.floor(random() * (word.length - 2));
  return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
}

/** ~200 queries: typed examples, name fragments (plain, accented, half-typed, with a typo), codes. */
function queriesFor(catalog: readonly Procedure[], random: () => number): string[] {
  const out = [...TYPED];
  const pick = (): Procedure => catalog[Math.floor(random() * catalog.length)]!;
  while (out.length < 200) {
    const p = pick();
    const kind = out.length % 6;
    if (kind === 5) {
      // A code, whole or its first digits (officers type codes from the paper form).
      out.push(random() < 0.5 ? p.code : p.code.slice(0, 5));
      continue;
    }
    const words = p.name
      .replace(/^Thủ tục\s+/i, '')
      .split(/[\s,.;:()]+/)
      .filter(Boolean);
    const start = Math.floor(random() * Math.max(1, words.length - 3));
    const phrase = words.slice(start, start + 2 + Math.floor(random() * 3));
    if (kind === 0) out.push(phrase.join(' '));
    else if (kind === 1) out.push(normalizeForSearch(phrase.join(' ')));
    else if (kind === 2) {
      const plain = normalizeForSearch(phrase.join(' '));
      out.push(plain.slice(0, Math.max(2, plain.length - 1 - Math.floor(random() * 3))));
    } else if (kind === 3) {
      const plain = normalizeForSearch(phrase.join(' ')).split(' ');
      const longest = plain.reduce((a, b, i) => (b.length > (plain[a]?.length ?? 0) ? i : a), 0);
      plain[longest] = swapInside(plain[longest] ?? '', random);
      out.push(plain.join(' '));
    } else out.push(normalizeForSearch(phrase.slice(0, 2).join(' ')));
  }
  return out;
}

function createSubstringScan(catalog: readonly Procedure[]): (query: string) => Procedure[] {
  const active = catalog.filter((p) => p.active);
  const names = active.map((p) => normalizeForSearch(p.name));
  return (query) => {
    const words = normalizeForSearch(query).split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    // Every name is looked at, as ranking would need; the first LIMIT matches are returned.
    const hits: Procedure[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (words.every((w) => name.includes(w))) hits.push(active[i]!);
    }
    return hits.slice(0, LIMIT);
  };
}

function timeQueries(run: (q: string) => readonly unknown[], queries: readonly string[]): SearchSeries {
  for (const q of queries) run(q); // warm-up: JIT and lazy structures
  const times: number[] = [];
  let answered = 0;
  for (const q of queries) {
    const start = performance.now();
    const hits = run(q);
    times.push(performance.now() - start);
    if (hits.length > 0) answered++;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50), 3),
    p95Ms: round(percentile(sorted, 95), 3),
    meanMs: round(times.reduce((a, b) => a + b, 0) / times.length, 3),
    answered,
  };
}

function benchSize(size: number, seed: readonly Procedure[], synonyms: SearchSynonyms, targetP95Ms: number): SearchBenchRow {
  const catalog = generateCatalog(size, seededRandom(20261124), seed);
  const queries = queriesFor(catalog, seededRandom(size));

  let t = performance.now();
  const search = createCatalogSearch(catalog, { synonyms: [synonyms] });
  const indexBuild = performance.now() - t;
  t = performance.now();
  const scan = createSubstringScan(catalog);
  const scanBuild = performance.now() - t;

  const index = timeQueries((q) => search.search(q, LIMIT), queries);
  const plain = timeQueries(scan, queries);

  const replaceTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const p = catalog[(i * 7919) % catalog.length]!;
    const start = performance.now();
    search.replace({ ...p, name: `${p.name} (sửa đổi)` });
    replaceTimes.push(performance.now() - start);
  }
  replaceTimes.sort((a, b) => a - b);

  return {
    size,
    queries: queries.length,
    buildMs: { index: round(indexBuild, 1), scan: round(scanBuild, 1) },
    index,
    scan: plain,
    p50Ratio: round(index.p50Ms / plain.p50Ms),
    p95Ratio: round(index.p95Ms / plain.p95Ms),
    replaceP50Ms: round(percentile(replaceTimes, 50), 3),
    targetP95Ms,
    pass: index.p95Ms <= targetP95Ms,
  };
}

export function runSearchBench(): SearchBenchRow[] {
  const path = join(dirname(fileURLToPath(import.meta.url)), '../../assets/catalog/procedures.vi.json');
  const seed = Procedure.array().parse(JSON.parse(readFileSync(path, 'utf8')));
  const synonymsPath = join(dirname(fileURLToPath(import.meta.url)), '../../assets/search/synonyms.vi.json');
  const synonyms = SearchSynonyms.parse(JSON.parse(readFileSync(synonymsPath, 'utf8')));
  return SEARCH_TARGETS.map(({ size, p95Ms }) => benchSize(size, seed, synonyms, p95Ms));
}

export function printSearchBench(rows: readonly SearchBenchRow[]): void {
  const [load1] = loadavg();
  const cpus = availableParallelism();
  if ((load1 ?? 0) > cpus) console.log(`note    load average above CPU count: p95 includes waiting for a CPU`);
  const series = (s: SearchSeries): string => `p50 ${s.p50Ms} ms  p95 ${s.p95Ms} ms  mean ${s.meanMs} ms  answered ${s.answered}`;
  for (const r of rows) {
    const verdict = r.pass ? 'PASS' : 'MISS';
    console.log(`${r.size.toLocaleString('en')} procedures, ${r.queries} queries, top ${LIMIT}`);
    console.log(`  build     index ${r.buildMs.index} ms, substring scan ${r.buildMs.scan} ms (normalised names)`);
    console.log(`  index      ${series(r.index)}`);
    console.log(`  substring  ${series(r.scan)}`);
    console.log(`  ratio     index/scan: p50 ${r.p50Ratio}×, p95 ${r.p95Ratio}×; replace one record p50 ${r.replaceP50Ms} ms`);
    console.log(`  target    p95 ≤ ${r.targetP95Ms} ms: ${verdict} (${r.index.p95Ms} ms)`);
    recordFigure({
      figure: `catalog search, ${r.size.toLocaleString('en')} procedures`,
      measured: `p95 ${r.index.p95Ms} ms (substring scan ${r.scan.p95Ms})`,
      target: `p95 ≤ ${r.targetP95Ms} ms`,
      pass: r.pass,
    });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printSearchBench(runSearchBench());
}
