/**
 * The figures of one `npm run bench` run in one place. Each bench calls recordFigure() where it
 * prints its verdict lines; index.ts prints them at the end as a Markdown table headed by the
 * commit, the date, the CPU count and the load average at start and end, and writes it to
 * bench-results/figures.md. The README's figures table is that file pasted, so every figure in it
 * comes from the same run on the same machine. The table is formatted the way prettier formats
 * Markdown, so a pasted copy passes `npm run lint` unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIGURES_FILE = join(ROOT, 'bench-results/figures.md');

export interface Figure {
  /** What was measured, in the words of the README's table. */
  readonly figure: string;
  readonly measured: string;
  /** '—' for a figure without a target (a baseline, a side figure). */
  readonly target: string;
  /** null: no target, or not judged — `note` says why (shown in the PASS/MISS column). */
  readonly pass: boolean | null;
  readonly note?: string;
}

/** Thrown by a bench whose prerequisite is missing (no Chromium, …); see skippable(). */
export class BenchSkipped extends Error {
  override readonly name = 'BenchSkipped';
}

const recorded: Figure[] = [];

export function recordFigure(figure: Figure): void {
  recorded.push(figure);
}

/** A figure the run could not measure: it stays in the table, with the reason. */
export function recordSkipped(figure: string, reason: string): void {
  recorded.push({ figure, measured: 'not measured', target: '—', pass: null, note: `skipped: ${reason}` });
}

export function recordedFigures(): readonly Figure[] {
  return recorded;
}

/**
 * Runs a bench that may lack a prerequisite: when it throws BenchSkipped, the reason is printed and
 * kept in the table and the run goes on. Any other error still ends the run.
 */
export async function skippable(label: string, bench: () => Promise<void>): Promise<void> {
  try {
    await bench();
  } catch (e) {
    if (!(e instanceof BenchSkipped)) throw e;
    console.log(`SKIPPED — ${e.message}`);
    recordSkipped(label, e.message);
  }
}

export interface RunInfo {
  /** `git rev-parse --short HEAD`, or null outside a git checkout. */
  readonly commit: string | null;
  /** Tracked files that differ from the commit (untracked ones, such as a linked node_modules, do not count). */
  readonly dirtyFiles: number;
  readonly date: Date;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  /** os.loadavg() (1, 5, 15 min) when the run started and when it ended. */
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  /** The BENCH_ONLY selection; empty = every bench. */
  readonly only: readonly string[];
}

/** The commit and how many tracked files differ from it, as git sees the folder `cwd`. */
export function gitState(cwd: string): { commit: string | null; dirtyFiles: number } {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const dirtyFiles = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).length;
    return { commit, dirtyFiles };
  } catch {
    return { commit: null, dirtyFiles: 0 };
  }
}

const verdictCell = (f: Figure): string => (f.pass === null ? (f.note ?? '—') : `${f.pass ? 'PASS' : 'MISS'}${f.note ? ` (${f.note})` : ''}`);

/** One line, and a `|` cannot end the cell. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** Columns as prettier counts them: combining marks take no room. */
const width = (text: string): number => [...text.replace(/\p{M}/gu, '')].length;
const pad = (text: string, to: number): string => text + ' '.repeat(Math.max(0, to - width(text)));

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => width(r[i] ?? ''))));
  const line = (r: readonly string[]): string => `| ${widths.map((w, i) => pad(r[i] ?? '', w)).join(' | ')} |`;
  const [head, ...body] = all;
  return [line(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

const loads = (l: readonly number[]): string => l.map((v) => v.toFixed(2)).join(' ');

/** The whole of bench-results/figures.md: a line saying which run it is, then the table. */
export function figuresMarkdown(run: RunInfo, figures: readonly Figure[]): string {
  const commit = run.commit === null ? 'no git commit' : `commit ${run.commit}${run.dirtyFiles > 0 ? ` + uncommitted changes to ${run.dirtyFiles} files` : ''}`;
  const which = run.only.length > 0 ? `\`BENCH_ONLY=${run.only.join(',')}\`` : 'every bench';
  const intro =
    `One run of \`npm run bench\` (${which}) at ${commit}, ${run.date.toISOString().replace(/\.\d+Z$/, 'Z')}: ` +
    `${run.cpus} × ${run.cpuModel}, node ${run.node}; load average (1, 5, 15 min) ${loads(run.loadStart)} at start, ${loads(run.loadEnd)} at end.`;
  const rows = figures.map((f) => [f.figure, f.measured, f.target, verdictCell(f)]);
  const table = rows.length > 0 ? markdownTable(['figure', 'measured', 'target', 'PASS/MISS'], rows) : 'No figures were recorded.';
  return `${intro}\n\n${table}\n`;
}

/** The end of `npm run bench`: the table of every figure recorded since `started`, printed and written to FIGURES_FILE. */
export function printFiguresOfRun(started: { readonly date: Date; readonly load: readonly number[] }, only: readonly string[]): void {
  const markdown = figuresMarkdown(
    {
      ...gitState(ROOT),
      date: started.date,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'cpu',
      node: process.version,
      loadStart: started.load,
      loadEnd: loadavg(),
      only,
    },
    recorded,
  );
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  writeFileSync(FIGURES_FILE, markdown);
  console.log(`\nFigures of this run (written to bench-results/figures.md; paste it into README.md, Benchmarks):\n\n${markdown}`);
}
