import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Procedure } from '../../src/shared/catalog';

const raw = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as unknown[];
const catalog = raw.map((p) => Procedure.parse(p));
const byCode = (code: string): Procedure => {
  const p = catalog.find((x) => x.code === code);
  if (!p) throw new Error(`${code} missing from the seed`);
  return p;
};
const channel = (p: Procedure, c: 'in-person' | 'online' | 'post') => p.channels.find((x) => x.channel === c);

describe('seed catalog (assets/catalog/procedures.vi.json)', () => {
  it('parses with the published schema: at least 60 procedures in at least 6 fields, unique codes', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(60);
    expect(new Set(catalog.map((p) => p.field)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(catalog.map((p) => p.code)).size).toBe(catalog.length);
    for (const field of [
      'Hộ tịch',
      'Đăng ký, quản lý cư trú',
      'Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)',
      'Đất đai',
      'Hoạt động xây dựng',
      'Lý lịch tư pháp',
    ]) {
      expect(
        catalog.some((p) => p.field === field),
        field,
      ).toBe(true);
    }
  });

  it('has cleaned texts: no document starts with "-" or ends with ";", ids d1…dN', () => {
    for (const p of catalog) {
      expect(p.name).not.toMatch(/^[-+]|;$/);
      expect(p.documents.length).toBeGreaterThan(0);
      p.documents.forEach((d, i) => {
        expect(d.name, `${p.code} ${d.id}`).not.toMatch(/^\s*-/);
        expect(d.name, `${p.code} ${d.id}`).not.toMatch(/;\s*$/);
        expect(d.id).toBe(`d${i + 1}`);
      });
    }
  });

  it('gives a number of working days only where the portal shows the unit', () => {
    for (const p of catalog) {
      for (const c of p.channels) {
        if (c.workingDays !== null) expect(c.timeText).toMatch(/Ngày làm việc/);
        if (/^\d+$/.test(c.timeText)) expect(c.workingDays).toBeNull();
      }
    }
  });

  it('1.001193 Đăng ký khai sinh: unit-less "1" keeps its text and gets no number; free', () => {
    const p = byCode('1.001193');
    expect(p.name).toBe('Thủ tục đăng ký khai sinh');
    expect(p.field).toBe('Hộ tịch');
    const direct = channel(p, 'in-person')!;
    expect(direct.timeText).toBe('1');
    expect(direct.workingDays).toBeNull();
    expect(direct.feeVnd).toBe(0);
    expect(direct.feeText).toBe('Miễn phí');
  });

  it('1.000656 Đăng ký khai tử: "Miễn phí" label whose amount is left to the HĐND has no number', () => {
    const direct = channel(byCode('1.000656'), 'in-person')!;
    expect(direct.feeVnd).toBeNull();
    expect(direct.feeText).toMatch(/^Miễn phí .*Hội đồng nhân dân/);
  });

  it('1.004222 Đăng ký thường trú: 7 working days, 20.000 đồng in person, 10.000 đồng online', () => {
    const p = byCode('1.004222');
    expect(p.name).toBe('Đăng ký thường trú');
    expect(channel(p, 'in-person')).toMatchObject({ workingDays: 7, timeText: '7 Ngày làm việc', feeVnd: 20_000 });
    expect(channel(p, 'online')).toMatchObject({ workingDays: 7, feeVnd: 10_000 });
  });

  it('3.000348 Cấp lại giấy phép lái xe: "Miễn phí" label followed by the real fee 135.000 đồng', () => {
    const p = byCode('3.000348');
    expect(p.name).toBe('Cấp lại giấy phép lái xe');
    const direct = channel(p, 'in-person')!;
    expect(direct).toMatchObject({ workingDays: 5, timeText: '5 Ngày làm việc', feeVnd: 135_000 });
    expect(direct.feeText).toMatch(/^Miễn phí .*135\.000 đồng\/lần/);
  });

  it('3.000333 Phiếu lý lịch tư pháp: "10 Ngày" is calendar days, not working days', () => {
    const p = byCode('3.000333');
    expect(p.field).toBe('Lý lịch tư pháp');
    expect(channel(p, 'in-person')).toMatchObject({ workingDays: null, timeText: '10 Ngày', duration: { amount: 10, unit: 'day' } });
  });

  // Every document name a checklist shows and a receipt prints, by rule, for all seeded procedures.
  it('lists short document names: none over 120 characters, none a legal note; the portal text stays in notes', () => {
    const legalNote = /được khai thác|^(?:lưu ý|ghi chú|chú ý)\b|^thông tin chứng minh\b|^trường hợp .* thì không phải nộp/iu;
    for (const p of catalog) {
      for (const d of p.documents) {
        const at = `${p.code} ${d.id}`;
        expect(d.name.length, at).toBeLessThanOrEqual(120);
        if (d.lookedUp !== true) expect(d.name, at).not.toMatch(legalNote);
        if (d.notes !== undefined && d.notes !== null) {
          expect(d.notes.length, at).toBeGreaterThan(d.name.length);
          // The name is the start of the portal's text (with "…" when cut mid-sentence).
          expect(d.notes.startsWith(d.name.replace(/…$/u, '')), at).toBe(true);
        }
      }
    }
  });

  it('1.004222: information the office looks up (national databases) is marked, with a short name and the note kept', () => {
    const p = byCode('1.004222');
    const lookedUp = p.documents.filter((d) => d.lookedUp === true);
    expect(lookedUp.map((d) => d.name)).toEqual([
      'Thông tin chứng minh quan hệ nhân thân với chủ hộ, thành viên hộ gia đình',
      'Thông tin chứng minh đủ diện tích nhà ở để đăng ký thường trú tại chỗ ở hợp pháp do thuê, mượn, ở nhờ',
      'Thông tin chứng minh về chỗ ở hợp pháp',
    ]);
    for (const d of lookedUp) expect(d.notes).toMatch(/Cơ sở dữ liệu quốc gia về dân cư/u);
    // Papers the citizen hands in are never marked.
    expect(p.documents.find((d) => d.id === 'd12')?.lookedUp).toBeUndefined();
  });
});
