import type { Procedure, RequiredDocument } from '../../src/shared/catalog';

/**
 * A realistic procedure catalog of any size, for tests and benchmarks (1,700 is about the size of a
 * province's catalog; 100,000 stresses search and sync). Built from the real seed
 * (assets/catalog/procedures.vi.json) so names, fields, documents, times and fees look like the portal.
 *
 * Guarantees: pure (no I/O, no clock; randomness only from `random`), so the same seed function gives
 * the same catalog; codes are unique; the real seed procedures come first, unchanged; every record has
 * 1–15 documents with ids d1…dN; fields follow the seed's distribution (each synthetic procedure is
 * derived from a seed procedure drawn uniformly).
 */

/** Actions that open real procedure names (Vietnamese, with diacritics). */
const ACTIONS = [
  'Đăng ký',
  'Đăng ký lại',
  'Đăng ký thay đổi',
  'Cấp',
  'Cấp lại',
  'Cấp đổi',
  'Cấp bản sao',
  'Gia hạn',
  'Điều chỉnh',
  'Đính chính',
  'Xác nhận',
  'Chứng thực',
  'Thông báo',
  'Xóa đăng ký',
  'Công nhận',
  'Giải quyết',
] as const;

/** Qualifiers the portal appends to a procedure's object (cases and local variants). */
const QUALIFIERS = [
  'có yếu tố nước ngoài',
  'lưu động',
  'cho người đã có hồ sơ, giấy tờ cá nhân',
  'đối với hộ gia đình, cá nhân',
  'trong trường hợp ủy quyền',
  'thực hiện tại cấp xã',
  'thực hiện bằng dịch vụ công trực tuyến toàn trình',
  'đối với trường hợp đã được cấp Giấy chứng nhận',
  'do thay đổi địa giới hành chính',
  'cho người dưới 14 tuổi',
  'đối với tổ chức',
  'trên địa bàn thành phố Hà Nội',
] as const;

/** Hà Nội communes and wards after the 2025 reform, for local (agency-suffixed) variants. */
const WARDS = [
  { name: 'phường Đống Đa', suffix: 'H26.DD' },
  { name: 'phường Hoàn Kiếm', suffix: 'H26.HK' },
  { name: 'phường Ba Đình', suffix: 'H26.BD' },
  { name: 'phường Hà Đông', suffix: 'H26.HD' },
  { name: 'phường Cầu Giấy', suffix: 'H26.CG' },
  { name: 'xã Đông Anh', suffix: 'H26.DA' },
  { name: 'xã Đan Phượng', suffix: 'H26.DP' },
  { name: 'phường Long Biên', suffix: 'H26.LB' },
] as const;

/** Share of synthetic procedures that are a ward's local variant of another one. */
const LOCAL_VARIANT_SHARE = 0.08;
const MAX_DOCUMENTS = 15;

function pick<T>(items: readonly T[], random: () => number): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}

function intBetween(min: number, max: number, random: () => number): number {
  return min + Math.min(max - min, Math.floor(random() * (max - min + 1)));
}

/** "Thủ tục đăng ký khai sinh" → "khai sinh" after its action; the object of the name. */
function objectOf(name: string): string {
  const bare = name.replace(/^Thủ tục\s+/i, '');
  const lower = bare.toLocaleLowerCase('vi');
  for (const action of [...ACTIONS].sort((a, b) => b.length - a.length)) {
    const a = action.toLocaleLowerCase('vi');
    if (lower.startsWith(a + ' ')) return bare.slice(action.length + 1);
  }
  return bare.charAt(0).toLocaleLowerCase('vi') + bare.slice(1);
}

function syntheticName(base: Procedure, random: () => number): string {
  const object = objectOf(base.name);
  const action = random() < 0.5 ? null : pick(ACTIONS, random);
  const head = action ? `${action} ${object}` : base.name.replace(/^Thủ tục\s+/i, '');
  const qualifier = random() < 0.6 ? ` ${pick(QUALIFIERS, random)}` : '';
  const withQualifier = `${head}${qualifier}`;
  return (withQualifier.charAt(0).toLocaleUpperCase('vi') + withQualifier.slice(1)).slice(0, 500);
}

function documentsFor(base: Procedure, pool: readonly RequiredDocument[], random: () => number): RequiredDocument[] {
  // Most procedures ask for a handful of papers; a few (land, construction) for many.
  const count = Math.min(MAX_DOCUMENTS, 1 + Math.floor(random() * random() * MAX_DOCUMENTS));
  const chosen: RequiredDocument[] = [];
  const names = new Set<string>();
  const sources = [...base.documents, ...pool];
  for (let tries = 0; chosen.length < count && tries < count * 4; tries++) {
    const source = tries < base.documents.length && random() < 0.7 ? base.documents[tries]! : pick(sources, random);
    if (names.has(source.name)) continue;
    names.add(source.name);
    chosen.push({ ...source, id: `d${chosen.length + 1}` });
  }
  if (chosen.length === 0) {
    chosen.push({ id: 'd1', name: 'Tờ khai theo mẫu', originals: 1, copies: 0, optional: false, formTemplate: null });
  }
  return chosen;
}

function newCode(used: Set<string>, random: () => number): string {
  for (;;) {
    const prefix = pick(['1', '1', '1', '2', '2', '3'], random);
    const number = String(intBetween(0, 999_999, random)).padStart(6, '0');
    const code = `${prefix}.${number}`;
    if (!used.has(code)) {
      used.add(code);
      return code;
    }
  }
}

/**
 * `count` procedures: the seed first (up to count), then synthetic ones derived from it.
 * Throws when the seed is empty and synthetic procedures are needed.
 */
export function generateCatalog(count: number, random: () => number, seed: readonly Procedure[]): Procedure[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  const out: Procedure[] = [];
  const used = new Set<string>();
  for (const p of seed) {
    if (out.length >= count) return out;
    if (used.has(p.code)) continue;
    used.add(p.code);
    out.push(p);
  }
  if (out.length >= count) return out;
  if (seed.length === 0) throw new RangeError('a seed catalog is needed to generate procedures');

  const documentsByField = new Map<string, RequiredDocument[]>();
  for (const p of seed) documentsByField.set(p.field, [...(documentsByField.get(p.field) ?? []), ...p.documents]);

  const synthetic: Procedure[] = [];
  while (out.length < count) {
    const base = pick(seed, random);
    const variantOf = synthetic.length > 0 && random() < LOCAL_VARIANT_SHARE ? pick(synthetic, random) : null;
    if (variantOf) {
      const ward = pick(WARDS, random);
      const code = `${variantOf.code.split('.').slice(0, 2).join('.')}.${ward.suffix}`;
      if (!used.has(code)) {
        used.add(code);
        out.push({ ...variantOf, code, agency: `Ủy ban nhân dân ${ward.name}`, documents: variantOf.documents.map((d) => ({ ...d })) });
        continue;
      }
    }
    const procedure: Procedure = {
      ...base,
      code: newCode(used, random),
      name: syntheticName(base, random),
      channels: base.channels.map((c) => ({ ...c })),
      documents: documentsFor(base, documentsByField.get(base.field) ?? [], random),
      legalBasis: [...base.legalBasis],
      level: [...base.level],
      active: random() >= 0.02,
    };
    synthetic.push(procedure);
    out.push(procedure);
  }
  return out;
}
