import { describe, expect, it } from 'vitest';
import { Procedure, type RequiredDocument } from '../shared/catalog';
import { checklistItems, checklistView, classificationOf, missingDocuments, unansweredGroups } from './checklist';
import { headingLabelOf, situationLabelOf } from './checklistRules';

const doc = (id: string, group: string | null, extra: Partial<RequiredDocument> = {}): RequiredDocument => ({
  id,
  name: `Giấy tờ ${id}`,
  originals: 1,
  copies: 0,
  optional: false,
  formTemplate: null,
  group,
  ...extra,
});

describe('required-documents checklist, a catalog without classification (read by rule)', () => {
  it('requires every listed document of a plain procedure except the optional ones', () => {
    const p = { documents: [doc('d1', null), doc('d2', null), doc('d3', null, { optional: true })] };
    expect(missingDocuments(p, new Set(), new Set(['d2'])).map((d) => d.documentId)).toEqual(['d1']);
  });

  it('never counts papers that are only shown (xuất trình) or looked up as missing', () => {
    const p = { documents: [doc('d1', 'Giấy tờ phải nộp'), doc('d2', 'Giấy tờ phải xuất trình'), doc('d3', null, { lookedUp: true })] };
    expect(checklistItems(p, new Set()).map((i) => [i.document.id, i.need])).toEqual([
      ['d1', 'required'],
      ['d2', 'show'],
      ['d3', 'info'],
    ]);
    expect(missingDocuments(p, new Set(), new Set()).map((d) => d.documentId)).toEqual(['d1']);
  });

  it('turns a conditional paper of the main list into a situation the officer ticks', () => {
    const p = {
      documents: [
        doc('d1', 'Giấy tờ phải nộp', { name: 'Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi.' }),
        doc('d2', 'Giấy tờ phải nộp', { name: 'Văn bản ủy quyền theo quy định của pháp luật trong trường hợp ủy quyền thực hiện việc đăng ký' }),
        doc('d3', 'Giấy tờ phải nộp', { name: 'Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng' }),
        doc('d4', null, { name: 'Tờ khai theo mẫu (nếu người có yêu cầu lựa chọn nộp hồ sơ theo hình thức trực tiếp)' }),
        doc('d5', null, { name: 'Mẫu hộ tịch điện tử tương tác (nếu nộp hồ sơ theo hình thức trực tuyến)' }),
      ],
    };
    const view = checklistView(p, new Set());
    expect(view.groups.map((g) => [g.label, g.required, g.situations.map((s) => s.label)])).toEqual([
      ['Trường hợp riêng của hồ sơ (đánh dấu nếu có)', false, ['Trẻ em bị bỏ rơi', 'Nộp hồ sơ theo ủy quyền']],
    ]);
    expect(missingDocuments(p, new Set(), new Set()).map((d) => d.documentId)).toEqual(['d3', 'd4']);
    expect(view.hidden).toBe(2);
    const abandoned = view.groups[0]!.situations[0]!.id;
    expect(missingDocuments(p, new Set([abandoned]), new Set(['d3', 'd4'])).map((d) => d.documentId)).toEqual(['d1']);
    expect(checklistItems(p, new Set()).find((i) => i.document.id === 'd5')?.need).toBe('info');
  });

  it('makes alternative headings a required question when nothing is required without one', () => {
    const p = {
      documents: [
        doc('d1', 'Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình'),
        doc('d2', 'Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ'),
        doc('d3', 'Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ'),
      ],
    };
    const [group] = unansweredGroups(p, new Set());
    expect(group?.situations.map((s) => s.documents)).toEqual([1, 2]);
    expect(missingDocuments(p, new Set(), new Set())).toEqual([]);
    const renting = group!.situations[1]!.id;
    expect(unansweredGroups(p, new Set([renting]))).toEqual([]);
    expect(missingDocuments(p, new Set([renting]), new Set(['d3'])).map((d) => d.documentId)).toEqual(['d2']);
  });

  it('reads papers of one case starting "Đối với …:" as alternatives, missing once under the group label', () => {
    const p = {
      documents: [
        doc('d1', 'Đăng ký tại nơi đơn vị đóng quân', { name: 'Đối với Quân đội nhân dân: Giấy giới thiệu của đơn vị' }),
        doc('d2', 'Đăng ký tại nơi đơn vị đóng quân', { name: 'Đối với Công an nhân dân: Giấy giới thiệu của Thủ trưởng' }),
        doc('d3', 'Đăng ký vào chỗ ở của mình'),
      ],
    };
    const [group] = unansweredGroups(p, new Set());
    const unit = group!.situations[0]!.id;
    expect(missingDocuments(p, new Set([unit]), new Set())).toEqual([{ documentId: 'd1', name: expect.stringMatching(/^Một trong các giấy tờ/) }]);
    expect(missingDocuments(p, new Set([unit]), new Set(['d2']))).toEqual([]);
  });

  it('labels situations from the portal words', () => {
    expect(situationLabelOf('Trường hợp khai sinh cho trẻ em sinh ra do mang thai hộ phải có văn bản xác nhận')).toBe(
      'Khai sinh cho trẻ em sinh ra do mang thai hộ',
    );
    expect(headingLabelOf('(ii) Đăng ký tạm trú theo danh sách, hồ sơ gồm:')).toBe('Đăng ký tạm trú theo danh sách');
  });
});

describe('a classified catalog', () => {
  const classified = {
    code: '1.000001',
    name: 'Thủ tục thử',
    field: 'Hộ tịch',
    level: ['xa'],
    agency: 'UBND cấp xã',
    channels: [{ channel: 'in-person', workingDays: 1, timeText: '1 Ngày làm việc', feeVnd: 0, feeText: 'Miễn phí' }],
    documents: [
      { ...doc('d1', null), need: 'required' },
      { ...doc('d2', null), need: 'situation', situations: ['s1'] },
      { ...doc('d3', 'Trường hợp 1: …'), need: 'show' },
    ],
    applicants: '',
    conditions: '',
    result: '',
    legalBasis: [],
    active: true,
    checklist: {
      situationGroups: [{ id: 'g', label: 'Trường hợp', pick: 'any', required: false, situations: [{ id: 's1', label: 'Ủy quyền' }] }],
      alternatives: [],
    },
  };

  it('uses the published classification over the headings', () => {
    const p = Procedure.parse(classified);
    expect(classificationOf(p).checklist).toBe(p.checklist);
    expect(checklistItems(p, new Set()).map((i) => [i.document.id, i.need])).toEqual([
      ['d1', 'required'],
      ['d3', 'show'],
    ]);
    expect(missingDocuments(p, new Set(['s1']), new Set()).map((d) => d.documentId)).toEqual(['d1', 'd2']);
  });

  it('parses published data tolerantly: unknown fields are ignored, an unreadable classification falls back to the rule', () => {
    const newer = {
      ...classified,
      publishedBy: 'centre v9',
      documents: classified.documents.map((d) => ({ ...d, colour: 'blue' })),
      checklist: { ...classified.checklist, hint: 'x' },
    };
    const p = Procedure.parse(newer);
    expect(p).not.toHaveProperty('publishedBy');
    expect(checklistItems(p, new Set()).map((i) => i.need)).toEqual(['required', 'show']);
    const unknownNeed = Procedure.parse({ ...classified, documents: [{ ...classified.documents[0], need: 'later-kind' }] });
    expect(unknownNeed.documents[0]?.need).toBeUndefined();
    // A paper pointing at a situation the procedure does not define: the rule reads the headings.
    const dangling = Procedure.parse({ ...classified, documents: [{ ...classified.documents[1], situations: ['nowhere'] }] });
    expect(classificationOf(dangling).checklist).not.toBe(dangling.checklist);
    expect(Procedure.safeParse({ ...classified, checklist: { situationGroups: 'garbage' } }).success).toBe(true);
  });
});
