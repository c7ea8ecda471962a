import { describe, expect, it } from 'vitest';
import seedBranch from '../../assets/config/branch.json';
import seedCatalog from '../../assets/catalog/procedures.vi.json';
import { BranchConfig, type ServiceGroup } from '../shared/branchConfig';
import { serviceGroupFor } from './procedureGroup';

const branch = BranchConfig.parse(seedBranch);
const group = (prefix: string, vi: string, extra: Partial<ServiceGroup> = {}): ServiceGroup => ({
  prefix,
  name: { vi, en: vi },
  description: { vi: '', en: '' },
  active: true,
  ...extra,
});

describe('serviceGroupFor: the service group a procedure’s ticket is for', () => {
  it('a group that lists the field wins, compared without diacritics, case or punctuation', () => {
    const groups = [group('A', 'Hộ tịch'), group('D', 'Công an', { fields: ['Cấp, quản lý căn cước'] })];
    expect(serviceGroupFor('cap quan ly CAN CUOC', groups)?.prefix).toBe('D');
    expect(serviceGroupFor('Cấp, quản lý căn cước', groups)?.prefix).toBe('D');
  });

  it('listed fields come before names: a field listed by a later group is not taken by an earlier name', () => {
    const groups = [group('B', 'Đất đai, nhà ở, xây dựng'), group('X', 'Xây dựng riêng', { fields: ['Hoạt động xây dựng'] })];
    expect(serviceGroupFor('Hoạt động xây dựng', groups)?.prefix).toBe('X');
  });

  it('without fields, a part of the group’s name found as whole words in the field', () => {
    const groups = [group('A', 'Hộ tịch, chứng thực'), group('B', 'Đất đai, nhà ở, xây dựng'), group('D', 'Cư trú, lý lịch tư pháp')];
    expect(serviceGroupFor('Chứng thực', groups)?.prefix).toBe('A');
    expect(serviceGroupFor('Hoạt động xây dựng', groups)?.prefix).toBe('B');
    expect(serviceGroupFor('Đăng ký, quản lý cư trú', groups)?.prefix).toBe('D');
    // Whole words only: "nhà ở" is not in "nhà ởi", "cư trú" not in "cư trúc".
    expect(serviceGroupFor('Cư trúc', groups)).toBeNull();
  });

  it('inactive groups are never chosen; the first match in the configuration’s order wins', () => {
    expect(serviceGroupFor('Hộ tịch', [group('A', 'Hộ tịch', { active: false }), group('Z', 'Hộ tịch, khác')])?.prefix).toBe('Z');
    expect(serviceGroupFor('Hộ tịch', [group('Y', 'Hộ tịch'), group('Z', 'Hộ tịch')])?.prefix).toBe('Y');
  });

  it('no match: null, never a guess', () => {
    expect(serviceGroupFor('Sát hạch, cấp giấy phép lái xe', [group('A', 'Hộ tịch')])).toBeNull();
  });

  it('the seed branch routes every seeded field but vehicles, driving licences and joint procedures', () => {
    const unrouted = new Set<string>();
    const byGroup = new Map<string, number>();
    for (const p of seedCatalog as { field: string }[]) {
      const g = serviceGroupFor(p.field, branch.serviceGroups);
      if (g) byGroup.set(g.prefix, (byGroup.get(g.prefix) ?? 0) + 1);
      else unrouted.add(p.field);
    }
    expect([...unrouted].sort()).toEqual([
      'Sát hạch, cấp giấy phép lái xe',
      'thủ tục hành chính liên thông',
      'Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng',
    ]);
    expect(serviceGroupFor('Hộ tịch', branch.serviceGroups)?.prefix).toBe('A');
    expect(serviceGroupFor('Đất đai', branch.serviceGroups)?.prefix).toBe('B');
    expect(serviceGroupFor('Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)', branch.serviceGroups)?.prefix).toBe('C');
    expect(serviceGroupFor('Lý lịch tư pháp', branch.serviceGroups)?.prefix).toBe('D');
    expect(serviceGroupFor('Thực hiện chính sách BHXH', branch.serviceGroups)?.prefix).toBe('E');
    // "Nhận kết quả" (F) receives no procedure.
    expect(byGroup.has('F')).toBe(false);
  });
});
