import { describe, expect, it } from 'vitest';
import { distinctDocuments, documentWords, reusedFromCounts, reuseWindowStart, suggestReuse } from './documentReuse';

const DAY = 86_400_000;
const candidate = (sha256: string, name: string) => ({ sha256, name });

describe('document reuse', () => {
  it('keeps papers received within the validity window, and each PDF once (the newest copy)', () => {
    expect(reuseWindowStart(100 * DAY, 30)).toBe(70 * DAY);
    expect(reuseWindowStart(100 * DAY, 0)).toBe(100 * DAY);
    const rows = [
      { sha256: 'a', dossierCode: 'new' },
      { sha256: 'b', dossierCode: 'new' },
      { sha256: 'a', dossierCode: 'old' },
    ];
    expect(distinctDocuments(rows)).toEqual([rows[0], rows[1]]);
  });

  it('tells papers apart by what they are, not how they are given', () => {
    expect([...documentWords('Bản sao Giấy khai sinh (có chứng thực)')]).toEqual(['giay', 'khai', 'sinh']);
    expect(documentWords('01 bản chính Giấy khai sinh')).toEqual(documentWords('Bản sao hợp lệ giấy khai sinh'));
    expect(documentWords('Bản sao')).toEqual(new Set());
  });

  it('suggests the same paper for each required document, and nothing for a different or unnamed one', () => {
    const documents = [
      { id: 'd1', name: 'Tờ khai đăng ký khai sinh' },
      { id: 'd2', name: 'Bản sao Giấy khai sinh' },
      { id: 'd3', name: 'Giấy chứng nhận kết hôn' },
      { id: 'd4', name: 'Bản sao' },
    ];
    const birth = candidate('b', 'Giấy khai sinh (bản chính)');
    const form = candidate('f', 'Tờ khai đăng ký khai sinh');
    const suggested = suggestReuse(documents, [birth, form, candidate('x', 'Giấy xác nhận tình trạng hôn nhân'), candidate('y', 'Bản chính')]);
    expect(Object.fromEntries([...suggested].map(([id, c]) => [id, c.sha256]))).toEqual({ d1: 'f', d2: 'b' });
  });

  it('takes the best match, and of equal ones the first (newest) candidate', () => {
    const documents = [{ id: 'd1', name: 'Giấy khai sinh của con' }];
    const exact = candidate('exact', 'Giấy khai sinh của con');
    const newer = candidate('newer', 'Giấy khai sinh');
    const older = candidate('older', 'Giấy khai sinh');
    expect(suggestReuse(documents, [newer, exact, older]).get('d1')).toBe(exact);
    expect(suggestReuse([{ id: 'd1', name: 'Giấy khai sinh' }], [newer, older]).get('d1')).toBe(newer);
    // 2 of 3 telling words shared (0.67) is not the same paper.
    expect(suggestReuse([{ id: 'd1', name: 'Giấy khai sinh' }], [candidate('z', 'Giấy khai tử')]).size).toBe(0);
  });

  it('counts the papers a new dossier took from each earlier one', () => {
    const counts = reusedFromCounts([{ reusedFrom: 'A' }, { reusedFrom: null }, { reusedFrom: 'A' }, { reusedFrom: 'B' }]);
    expect([...counts]).toEqual([
      ['A', 2],
      ['B', 1],
    ]);
    expect(reusedFromCounts([{ reusedFrom: null }]).size).toBe(0);
  });
});
