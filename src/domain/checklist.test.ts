import { describe, expect, it } from 'vitest';
import type { RequiredDocument } from '../shared/catalog';
import { checklistItems, checklistSections, missingDocuments, sectionKindOf } from './checklist';

const doc = (id: string, group: string | null, optional = false): RequiredDocument => ({
  id,
  name: `Giấy tờ ${id}`,
  originals: 1,
  copies: 0,
  optional,
  formTemplate: null,
  group,
});

describe('required-documents checklist', () => {
  it('requires every listed document of a plain procedure except the optional ones', () => {
    const p = { documents: [doc('d1', null), doc('d2', null), doc('d3', null, true)] };
    expect(missingDocuments(p, new Set(), new Set(['d2'])).map((d) => d.id)).toEqual(['d1']);
  });

  it('never counts papers that are only shown (xuất trình) as missing', () => {
    const p = { documents: [doc('d1', 'Giấy tờ phải nộp'), doc('d2', 'Giấy tờ phải xuất trình')] };
    expect(checklistSections(p).map((s) => s.kind)).toEqual(['submit', 'show']);
    expect(missingDocuments(p, new Set(), new Set()).map((d) => d.id)).toEqual(['d1']);
  });

  it('treats alternative situations as cases: only the selected case is required', () => {
    const p = {
      documents: [
        doc('d1', null),
        doc('d2', 'Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình'),
        doc('d3', 'Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ'),
        doc('d4', 'Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ'),
      ],
    };
    const sections = checklistSections(p);
    expect(sections.map((s) => [s.kind, s.id, s.documents.length])).toEqual([
      ['submit', 'submit', 1],
      ['case', 'case-1', 1],
      ['case', 'case-2', 2],
    ]);
    expect(missingDocuments(p, new Set(), new Set()).map((d) => d.id)).toEqual(['d1']);
    expect(missingDocuments(p, new Set(['case-2']), new Set(['d1', 'd3'])).map((d) => d.id)).toEqual(['d4']);
    expect(
      checklistItems(p, new Set(['case-1']))
        .filter((i) => i.required)
        .map((i) => i.document.id),
    ).toEqual(['d1', 'd2']);
  });

  it('reads one named heading as the main list, and "Trường hợp …" as a case even alone', () => {
    expect(sectionKindOf('Hồ sơ đăng ký tạm trú gồm', 1)).toBe('submit');
    expect(sectionKindOf('Hồ sơ đăng ký tạm trú gồm', 2)).toBe('case');
    expect(sectionKindOf('Trường hợp ủy quyền thực hiện thủ tục thì hồ sơ phải kèm theo một trong những giấy tờ sau', 1)).toBe('case');
    expect(sectionKindOf('(iii) Trường hợp hộ kinh doanh …', 1)).toBe('case');
    expect(sectionKindOf('a) Đối với trường hợp cấp lại Giấy chứng nhận bị mất', 1)).toBe('case');
    expect(sectionKindOf('Thành phần hồ sơ', 3)).toBe('submit');
    expect(sectionKindOf(null, 3)).toBe('submit');
  });

  it('lists information the office looks up apart: never required, never missing, whatever case is chosen', () => {
    const p = {
      documents: [doc('d1', null), { ...doc('d2', 'Trường hợp 1: thuê nhà'), lookedUp: true }, doc('d3', 'Trường hợp 1: thuê nhà')],
    };
    const sections = checklistSections(p);
    expect(sections.map((s) => [s.kind, s.documents.map((d) => d.id)])).toEqual([
      ['submit', ['d1']],
      ['case', ['d3']],
      ['lookup', ['d2']],
    ]);
    const caseId = sections.find((s) => s.kind === 'case')!.id;
    expect(missingDocuments(p, new Set([caseId]), new Set()).map((d) => d.id)).toEqual(['d1', 'd3']);
    expect(checklistItems(p, new Set([caseId])).find((i) => i.document.id === 'd2')?.required).toBe(false);
  });
});
