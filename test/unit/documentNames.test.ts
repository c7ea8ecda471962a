import { describe, expect, it } from 'vitest';
import { DOCUMENT_NAME_SHORT, splitDocumentName } from '../../scripts/catalog/documentNames';

describe('splitDocumentName (scripts/catalog)', () => {
  it('keeps a short text as the name, without notes', () => {
    expect(splitDocumentName('Tờ khai đăng ký khai sinh theo mẫu')).toEqual({ name: 'Tờ khai đăng ký khai sinh theo mẫu', notes: null, lookedUp: false });
  });

  it('marks "Thông tin … được khai thác trong …" as looked up, named by what comes before', () => {
    const text = `Thông tin chứng minh về chỗ ở hợp pháp được khai thác trong căn cước điện tử, tài khoản định danh điện tử ${'và Cơ sở dữ liệu quốc gia về dân cư, '.repeat(10)}`;
    const split = splitDocumentName(text);
    expect(split).toMatchObject({ name: 'Thông tin chứng minh về chỗ ở hợp pháp', lookedUp: true });
    expect(split.notes).toBe(text.trim());
  });

  it('names a long text by its first sentence, or a clause prefix with "…", never over the limit nor with an open bracket', () => {
    const sentence = splitDocumentName(`Giấy tờ, tài liệu chứng minh việc chăm sóc, nuôi dưỡng. Trường hợp ${'người được chăm sóc '.repeat(10)}`);
    expect(sentence.name).toBe('Giấy tờ, tài liệu chứng minh việc chăm sóc, nuôi dưỡng');
    const clause = splitDocumentName(
      `Giấy phép xây dựng, trừ trường hợp được miễn giấy phép xây dựng theo quy định của Luật Xây dựng (01 bản chính ${'hoặc bản sao '.repeat(10)})`,
    );
    expect(clause.name.length).toBeLessThanOrEqual(DOCUMENT_NAME_SHORT);
    expect(clause.name.endsWith('…')).toBe(true);
    expect(clause.name).not.toMatch(/\([^)]*$/u);
    expect(splitDocumentName(clause.name)).toEqual({ name: clause.name, notes: null, lookedUp: false });
  });
});
