import { describe, expect, it } from 'vitest';
import seedJson from '../../assets/catalog/procedures.vi.json' with { type: 'json' };
import synonymsJson from '../../assets/search/synonyms.vi.json' with { type: 'json' };
import { Procedure } from '../shared/catalog';
import { SearchSynonyms } from '../shared/searchSynonyms';
import { createCatalogSearch } from './catalogSearch';

/**
 * Search quality on the seed catalog: queries phrased the way citizens and officers say them at a
 * Hà Nội counter (everyday words, abbreviations, no diacritics, "ki" for "ký", whole sentences),
 * none copied from a procedure's name, each with the procedure it should find (code looked up in
 * assets/catalog/procedures.vi.json). Target: the expected procedure in the top 3 for ≥ 95 %.
 */
const QUERIES: readonly (readonly [query: string, expected: string])[] = [
  // Hộ tịch
  ['làm giấy khai sinh cho con', '1.001193'],
  ['dang ki khai sinh', '1.001193'],
  ['khai sinh cho con tôi ở đâu', '1.001193'],
  ['báo tử cho bố', '1.000656'],
  ['đăng kí kết hôn', '1.000894'],
  ['lay chong nuoc ngoai', '2.000806'],
  ['con lai nước ngoài làm khai sinh', '2.000528'],
  ['giấy xác nhận độc thân', '1.004873'],
  ['xin giay xac nhan chua vo de cuoi', '1.004873'],
  ['kết hôn lại', '1.004746'],
  ['cải chính họ tên trong giấy khai sinh', '1.004859'],
  ['nhận con ngoài giá thú', '1.001022'],
  ['đăng ký giám hộ cho cháu', '1.004837'],
  ['xin bản sao giấy khai sinh', '2.000635'],
  ['khai sinh cho bé dưới 6 tuổi kèm thẻ bhyt và hộ khẩu', '2.000986'],
  // Căn cước, cư trú
  ['làm căn cước cho con 5 tuổi', '1.116410'],
  ['cccd cho người 14 tuổi', '1.014061'],
  ['đổi CCCD', '1.014063'],
  ['mất căn cước làm lại', '1.014064'],
  ['xac nhan so cmnd 9 so', '1.012566'],
  ['làm tài khoản định danh điện tử mức 2', '3.000228'],
  ['vneid muc 2', '3.000228'],
  ['đăng ký hộ khẩu', '1.004222'],
  ['nhập khẩu cho con về nhà ông bà', '1.004222'],
  ['dang ky tam tru o tro', '1.004194'],
  ['cắt khẩu', '1.003197'],
  ['tách hộ khẩu ra riêng', '1.010038'],
  ['xin giấy xác nhận cư trú CT07', '1.010041'],
  ['khai báo đi vắng', '1.003677'],
  ['thông báo khách ở lại qua đêm', '2.001159'],
  // Đất đai
  ['sổ đỏ bị mất', '1.012786'],
  ['đổi sổ hồng', '1.012783'],
  ['làm sổ đỏ lần đầu', '1.013978'],
  ['tách sổ đỏ', '1.012784'],
  ['tranh chấp đất với hàng xóm', '1.012812'],
  ['sổ đỏ ghi sai tên', '1.012790'],
  ['thế chấp sổ đỏ vay ngân hàng', '1.011441'],
  // Kinh doanh, thuế
  ['mở cửa hàng tạp hóa', '1.001612'],
  ['đăng ký HKD', '1.001612'],
  ['dong cua hkd', '1.001266'],
  ['tạm nghỉ kinh doanh mấy tháng', '1.001570'],
  ['mở công ty TNHH 1 thành viên', '2.001583'],
  ['mở DNTN', '2.001610'],
  ['mã số thuế cá nhân', '1.008498'],
  ['quyết toán thuế TNCN tiền lương', '2.002233'],
  // Bảo hiểm
  ['cấp thẻ BHYT', '1.014137'],
  ['rút bảo hiểm xã hội 1 lần', '1.001613'],
  ['chế độ nghỉ đẻ', '2.000693'],
  ['tiền tuất khi bố mất', '2.000821'],
  ['nhờ người lĩnh hộ tiền bảo hiểm', '1.001601'],
  ['đóng BHXH tự nguyện', '1.002179'],
  // Chứng thực
  ['công chứng bản sao giấy tờ', '2.000815'],
  ['chứng thực chữ kí', '2.000884'],
  ['công chứng di chúc', '2.001019'],
  // Xe, xây dựng, khác
  ['làm lại bằng lái xe bị mất', '3.000348'],
  ['GPLX bị hỏng', '3.000348'],
  ['sang tên xe máy', '1.013076'],
  ['đăng ký biển số xe mới mua', '1.013067'],
  ['gia hạn giấy phép xây nhà', '1.013227'],
  ['xin công nhận hộ nghèo', '1.011607'],
  ['luật sư miễn phí', '2.000829'],
  ['khoan giếng', '1.001662'],
  ['xem quy hoạch', '1.014159'],
  ['mua nhà ở xã hội', '1.014632'],
  ['xin phiếu lí lịch tư pháp', '3.000333'],
  ['LLTP', '3.000333'],
  ['giấy không tiền án', '3.000333'],
];

const seed = Procedure.array().parse(seedJson);
const synonyms = SearchSynonyms.parse(synonymsJson);

describe('search quality on the seed catalog', () => {
  const search = createCatalogSearch(seed, { synonyms: [synonyms] });
  const known = new Set(seed.map((p) => p.code));

  it('has at least 40 queries, each expecting a procedure of the seed', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(40);
    for (const [, code] of QUERIES) expect(known).toContain(code);
  });

  it('finds the expected procedure in the top 3 for at least 95 % of the queries', () => {
    let top1 = 0;
    let top3 = 0;
    const misses: string[] = [];
    for (const [query, expected] of QUERIES) {
      const found = search.search(query, 3).map((h) => h.procedure.code);
      if (found[0] === expected) top1++;
      if (found.includes(expected)) top3++;
      else misses.push(`  "${query}": expected ${expected}, got ${found.join(', ') || 'nothing'}`);
    }
    const share = (n: number): string => `${((100 * n) / QUERIES.length).toFixed(1)} %`;
    console.info(`search quality: ${QUERIES.length} queries, top-1 ${share(top1)}, top-3 ${share(top3)}`);
    if (misses.length > 0) console.info(`misses (not in the top 3):\n${misses.join('\n')}`);
    expect(top3 / QUERIES.length).toBeGreaterThanOrEqual(0.95);
  });

  it('answers every query (never empty when part of it matches)', () => {
    for (const [query] of QUERIES) expect(search.search(query, 1), query).toHaveLength(1);
  });
});
