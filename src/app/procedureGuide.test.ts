/**
 * The citizen's look-up and its printed checklist, on the seed catalog and branch: what the list
 * says is read back with poppler's pdftotext, and a 203 dpi render is written for a person to look
 * at (test-results/citizen/checklist-*.png).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import seedBranch from '../../assets/config/branch.json';
import seedCatalog from '../../assets/catalog/procedures.vi.json';
import { readPrintFonts } from '../../test/support/printFonts';
import { BranchConfig } from '../shared/branchConfig';
import { Procedure } from '../shared/catalog';
import { ok } from '../shared/result';
import { createCatalogSearch } from './catalogSearch';
import { initI18n } from './i18n';
import type { ProcedureCatalog } from './procedureCatalog';
import { createProcedureGuide, describePaper, type ProcedureGuide } from './procedureGuide';

const OUT = join('test-results', 'citizen');
const branch = BranchConfig.parse(seedBranch);
const procedures = (seedCatalog as unknown[]).map((p) => Procedure.parse(p));
const catalog: ProcedureCatalog = {
  all: async () => procedures,
  search: async (q, limit) => createCatalogSearch(procedures).search(q, limit),
  find: async (code) => procedures.find((p) => p.code === code) ?? null,
  calendars: async () => [],
};

let guide: ProcedureGuide;
const printed: { pdf: Uint8Array; jobName: string }[] = [];

beforeAll(async () => {
  await initI18n('en');
  guide = createProcedureGuide({
    catalog,
    branch,
    clock: { now: () => Date.parse('2026-12-03T03:15:00Z') },
    loadFonts: async () => readPrintFonts(),
    print: async (pdf, jobName) => {
      printed.push({ pdf, jobName });
      return ok({ jobId: 'test' } as never);
    },
    printT: i18next.getFixedT('vi'),
  });
});

function pdfText(pdf: Uint8Array, name: string): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '203', '-png', '-singlefile', file, join(OUT, name)]);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
}
const flat = (s: string): string => s.replace(/\s+/g, ' ');

describe('procedure guide', () => {
  it('fields of the active procedures, largest first; a field lists its procedures by name', async () => {
    const fields = await guide.fields();
    expect(fields[0]).toEqual({ field: 'Hộ tịch', count: 22 });
    expect(fields.reduce((n, f) => n + f.count, 0)).toBe(procedures.filter((p) => p.active).length);
    const civil = await guide.inField('Hộ tịch');
    expect(civil).toHaveLength(22);
    expect(civil.map((p) => p.name)).toEqual([...civil.map((p) => p.name)].sort((a, b) => a.localeCompare(b, 'vi')));
  });

  it('searches with the counter’s engine: no diacritics, abbreviations', async () => {
    expect((await guide.search('dang ky khai sinh'))[0]?.procedure.name).toMatch(/khai sinh/i);
    expect((await guide.search('đăng ký khai tử'))[0]?.procedure.name).toMatch(/khai tử/i);
  });

  it('a procedure: its group, time and fee, its papers by section', async () => {
    const view = await guide.view('1.001193');
    expect(view?.group?.prefix).toBe('A');
    expect(view?.sections.map((s) => s.kind)).toContain('always');
    expect(await guide.view('9.999999')).toBeNull();
  });

  it('prints the checklist in Vietnamese: title, procedure, where to queue, time, fee, every paper with its count', async () => {
    const view = (await guide.view('1.001193'))!;
    const result = await guide.printChecklist(view);
    expect(result.ok).toBe(true);
    const job = printed.at(-1)!;
    expect(job.jobName).toBe('Giay to 1.001193');
    const text = flat(pdfText(job.pdf, 'checklist-1.001193'));
    expect(text).toContain('DANH SÁCH GIẤY TỜ CẦN MANG');
    expect(text).toContain(flat(view.procedure.name));
    expect(text).toContain('Mã thủ tục: 1.001193');
    expect(text).toContain('Lấy số: A – Hộ tịch, chứng thực');
    expect(text).toContain('Thời hạn giải quyết:');
    expect(text).toContain('Lệ phí:');
    expect(text).toContain('In lúc: 03/12/2026 10:15');
    const vi = i18next.getFixedT('vi');
    for (const section of view.sections) {
      expect(text).toContain(flat(vi(`citizen.lookup.section.${section.kind}`, { label: section.label })));
      for (const paper of section.papers) expect(text).toContain(flat(describePaper(vi, paper)));
    }
  });

  it('a procedure no group receives prints where to ask instead of a queue', async () => {
    const vehicle = procedures.find((p) => p.field.startsWith('Đăng ký, quản lý phương tiện'))!;
    const view = (await guide.view(vehicle.code))!;
    expect(view.group).toBeNull();
    await guide.printChecklist(view);
    const text = flat(pdfText(printed.at(-1)!.pdf, `checklist-${vehicle.code}`));
    expect(text).toContain('Hỏi quầy hướng dẫn để biết nơi nộp hồ sơ');
  });

  it('the longest checklist of the seed prints whole', async () => {
    const longest = [...procedures].sort((a, b) => b.documents.length - a.documents.length)[0]!;
    const view = (await guide.view(longest.code))!;
    await guide.printChecklist(view);
    const text = flat(pdfText(printed.at(-1)!.pdf, 'checklist-longest'));
    const vi = i18next.getFixedT('vi');
    for (const section of view.sections) for (const paper of section.papers) expect(text).toContain(flat(describePaper(vi, paper)));
  });
});
