import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { BenchSkipped, figuresMarkdown, markdownTable, recordedFigures, recordFigure, skippable, type Figure, type RunInfo } from '../../scripts/bench/figures';

/**
 * scripts/bench/figures.ts: the table `npm run bench` ends with is pasted into README.md as it is,
 * so it must say which run it comes from, keep every figure (skipped ones with their reason) and be
 * what prettier would write, or `npm run lint` fails on the pasted copy.
 */

const RUN: RunInfo = {
  commit: 'dda13c6',
  dirtyFiles: 0,
  date: new Date('2026-11-24T03:04:05.678Z'),
  cpus: 2,
  cpuModel: 'Intel Xeon',
  node: 'v20.19.0',
  loadStart: [1.5, 2.25, 3],
  loadEnd: [4, 5.5, 6.125],
  only: [],
};

const FIGURES: Figure[] = [
  { figure: 'ticket PDF, Node, subset font', measured: 'p95 14 ms, 9.8 KB (max 10.2)', target: 'p95 ≤ 50 ms, ≤ 15 KB', pass: true },
  { figure: 'same with the full font', measured: 'p95 22 ms, 69 KB (7× larger)', target: '—', pass: null },
  { figure: '20 kiosks → PostgreSQL, durable, 60 s', measured: '812 records/s, p99 301 ms', target: '≥ 1,000 records/s, p99 ≤ 250 ms', pass: false },
  {
    figure: '20 kiosks → PostgreSQL, 60 s',
    measured: '4,839 records/s, p99 215 ms',
    target: '≥ 1,000 records/s, p99 ≤ 250 ms',
    pass: null,
    note: 'not comparable: fsync=off',
  },
  { figure: 'web kiosk in Chromium', measured: 'not measured', target: '—', pass: null, note: 'skipped: no Chromium at /usr/bin/chromium' },
  { figure: 'Hộ tịch | search', measured: 'line one\nline two', target: '—', pass: true, note: 'scaled' },
];

const prettierClean = async (markdown: string): Promise<string> =>
  format(markdown, { ...(await resolveConfig(new URL('../../README.md', import.meta.url))), parser: 'markdown' });

describe('figuresMarkdown', () => {
  it('heads the table with the commit, the date, the CPUs and the load at start and end', () => {
    const [intro] = figuresMarkdown(RUN, FIGURES).split('\n');
    expect(intro).toBe(
      'One run of `npm run bench` (every bench) at commit dda13c6, 2026-11-24T03:04:05Z: 2 × Intel Xeon, node v20.19.0; ' +
        'load average (1, 5, 15 min) 1.50 2.25 3.00 at start, 4.00 5.50 6.13 at end.',
    );
  });

  it('says when the tree differs from the commit and which benches BENCH_ONLY picked', () => {
    const intro = figuresMarkdown({ ...RUN, dirtyFiles: 3, only: ['ingest', 'search'] }, FIGURES).split('\n')[0];
    expect(intro).toContain('(`BENCH_ONLY=ingest,search`) at commit dda13c6 + uncommitted changes to 3 files,');
    expect(figuresMarkdown({ ...RUN, commit: null }, FIGURES)).toContain('at no git commit,');
  });

  it('has one row per figure: PASS/MISS when judged, the reason when not, a note beside a verdict', () => {
    const rows = figuresMarkdown(RUN, FIGURES)
      .split('\n')
      .filter((l) => l.startsWith('| '))
      .map((l) =>
        l
          .slice(2, -2)
          .split(/ (?<!\\)\| /)
          .map((c) => c.trim()),
      );
    expect(rows[0]).toEqual(['figure', 'measured', 'target', 'PASS/MISS']);
    expect(rows.slice(2).map((r) => r[3])).toEqual([
      'PASS',
      '—',
      'MISS',
      'not comparable: fsync=off',
      'skipped: no Chromium at /usr/bin/chromium',
      'PASS (scaled)',
    ]);
    // A `|` in a cell is escaped and a line break becomes a space: the row stays one row of four cells.
    expect(rows[7]?.slice(0, 2)).toEqual(['Hộ tịch \\| search', 'line one line two']);
  });

  it('is already formatted the way prettier formats Markdown (a pasted copy passes lint)', async () => {
    const markdown = figuresMarkdown(RUN, FIGURES);
    expect(await prettierClean(markdown)).toBe(markdown);
  });

  it('says so when no figure was recorded', () => {
    expect(figuresMarkdown(RUN, [])).toContain('\n\nNo figures were recorded.\n');
  });
});

describe('markdownTable', () => {
  it('pads every column to its widest cell, counting a combined accent as no width', () => {
    expect(markdownTable(['a', 'bb'], [['Hộ', 'x']])).toBe(['| a   | bb  |', '| --- | --- |', '| Hộ  | x   |'].join('\n'));
    const decomposed = 'Ho\u0323'; // "Họ" as o + combining dot below
    expect(markdownTable(['name'], [[decomposed]]).split('\n')[2]).toBe(`| ${decomposed}   |`);
  });
});

describe('recording', () => {
  it('keeps figures in the order the benches record them', () => {
    const before = recordedFigures().length;
    recordFigure({ figure: 'one', measured: '1', target: '—', pass: null });
    recordFigure({ figure: 'two', measured: '2', target: '≤ 3', pass: true });
    expect(
      recordedFigures()
        .slice(before)
        .map((f) => f.figure),
    ).toEqual(['one', 'two']);
  });

  it('skippable lists a bench that lacks a prerequisite as skipped, with the reason, and goes on', async () => {
    const before = recordedFigures().length;
    await skippable('web kiosk in Chromium', () => Promise.reject(new BenchSkipped('no Chromium at /nowhere (CHROMIUM_PATH)')));
    expect(recordedFigures().slice(before)).toEqual([
      { figure: 'web kiosk in Chromium', measured: 'not measured', target: '—', pass: null, note: 'skipped: no Chromium at /nowhere (CHROMIUM_PATH)' },
    ]);
  });

  it('skippable lets any other error end the run', async () => {
    const before = recordedFigures().length;
    await expect(skippable('broken', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(recordedFigures().length).toBe(before);
  });
});
