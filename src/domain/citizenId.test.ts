import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CITIZEN_ID_ERROR_CODES,
  CITIZEN_ID_PROVINCES,
  type CitizenIdQrResult,
  looksLikeCitizenIdQr,
  maskApplicantIdNumber,
  maskIdNumber,
  parseCitizenIdQr,
} from './citizenId';

// Every person, number and address below is invented.
const today = { year: 2026, month: 11, day: 24 };

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/cccd/${name}`, import.meta.url), 'utf8');

/** A QR text from fields, so each test changes only the field it is about. */
function qr(overrides: Partial<Record<'id' | 'oldId' | 'name' | 'dob' | 'gender' | 'address' | 'issue', string>> = {}, extras: string[] = []): string {
  const f = {
    id: '001056012345',
    oldId: '012345678',
    name: 'Nguyễn Văn An',
    dob: '15031956',
    gender: 'Nam',
    address: 'Số 12 ngõ 34 phố Thử Nghiệm, Quận Ba Đình, Hà Nội',
    issue: '10072021',
    ...overrides,
  };
  return [f.id, f.oldId, f.name, f.dob, f.gender, f.address, f.issue, ...extras].join('|');
}

function codeOf(result: CitizenIdQrResult): string {
  return result.ok ? 'ok' : result.code;
}

describe('parseCitizenIdQr: valid cards', () => {
  it('reads a 2021 chip CCCD with the old 9-digit CMND (man born in the 1950s, Hà Nội)', () => {
    expect(parseCitizenIdQr(fixture('cccd-2021-old-layout.txt'), today)).toEqual({
      ok: true,
      card: {
        idNumber: '001056012345',
        oldIdNumber: '012345678',
        fullName: 'Nguyễn Văn An',
        dateOfBirth: '1956-03-15',
        gender: 'male',
        address: 'Số 12 ngõ 34 phố Thử Nghiệm, Phường Mẫu, Quận Ba Đình, Hà Nội',
        issueDate: '2021-07-10',
        provinceOfBirthCode: '001',
        provinceName: 'Hà Nội',
        extras: [],
      },
    });
  });

  it('reads a thẻ căn cước with an empty old-ID field and keeps extra fields raw (woman born in the 2000s)', () => {
    const result = parseCitizenIdQr(fixture('can-cuoc-2024-new-layout.txt'), today);
    expect(result).toEqual({
      ok: true,
      card: {
        idNumber: '031304000777',
        oldIdNumber: null,
        fullName: 'Lê Minh Châu',
        dateOfBirth: '2004-12-31',
        gender: 'female',
        address: 'Thôn Giả Định, Xã Ví Dụ, Huyện Minh Họa, Hải Phòng',
        issueDate: '2024-08-01',
        provinceOfBirthCode: '031',
        provinceName: 'Hải Phòng',
        extras: [' extra 1 ', 'extra-2'],
      },
    });
  });

  it('tolerates a USB scanner BOM and trailing CR LF (woman born in the 1990s, TP.HCM)', () => {
    const result = parseCitizenIdQr(fixture('usb-scanner-bom-crlf.txt'), today);
    expect(result.ok && result.card).toMatchObject({
      idNumber: '079190004321',
      fullName: 'Trần Thị Bình',
      dateOfBirth: '1990-02-28',
      gender: 'female',
      issueDate: '2022-01-05',
      provinceName: 'Hồ Chí Minh',
    });
    expect(codeOf(parseCitizenIdQr(`${qr()}\n`, today))).toBe('ok');
    expect(codeOf(parseCitizenIdQr(`${qr()}\r`, today))).toBe('ok');
    expect(codeOf(parseCitizenIdQr(`  ${qr()}\r\n\r\n`, today))).toBe('ok');
  });

  it('reads a man born in the 2000s (gender digit 2) and a leap day', () => {
    const result = parseCitizenIdQr(qr({ id: '046201009999', name: 'Phạm Đức Dũng', dob: '28022001', oldId: '' }), today);
    expect(result.ok && result.card).toMatchObject({ gender: 'male', dateOfBirth: '2001-02-28', provinceName: 'Thừa Thiên Huế', oldIdNumber: null });
    // 2000 is a leap year (divisible by 400), 1900 is not.
    const leap = parseCitizenIdQr(qr({ id: '046200009999', dob: '29022000', oldId: '' }), today);
    expect(leap.ok && leap.card.dateOfBirth).toBe('2000-02-29');
    expect(codeOf(parseCitizenIdQr(qr({ id: '046000009999', dob: '29021900', oldId: '' }), today))).toBe('cccd.date-invalid');
  });

  it('accepts "Nữ" in NFD, in capitals and with spaces, and returns names and addresses in NFC with single spaces', () => {
    const nfdNu = 'Nữ'.normalize('NFD');
    expect(nfdNu).not.toBe('Nữ');
    const base = { id: '079190004321', dob: '28021990' };
    for (const gender of [nfdNu, 'NỮ', ' nữ ', 'Nữ'.normalize('NFD').toUpperCase()]) {
      const result = parseCitizenIdQr(qr({ ...base, gender }), today);
      expect(result.ok && result.card.gender).toBe('female');
    }
    for (const gender of ['NAM', 'nam']) expect(codeOf(parseCitizenIdQr(qr({ gender }), today))).toBe('ok');

    const result = parseCitizenIdQr(qr({ name: '  Nguyễn   Văn\tAn '.normalize('NFD'), address: 'Số 12,  Quận   Ba Đình'.normalize('NFD') }), today);
    expect(result.ok && result.card.fullName).toBe('Nguyễn Văn An');
    expect(result.ok && result.card.address).toBe('Số 12, Quận Ba Đình');
    expect(result.ok && result.card.fullName === result.card.fullName.normalize('NFC')).toBe(true);
  });

  it('accepts a card issued on the day it is scanned, and refuses one issued tomorrow', () => {
    expect(codeOf(parseCitizenIdQr(qr({ issue: '24112026' }), today))).toBe('ok');
    expect(codeOf(parseCitizenIdQr(qr({ issue: '25112026' }), today))).toBe('cccd.date-invalid');
  });
});

describe('parseCitizenIdQr: refusals', () => {
  it('refuses QR codes that are not citizen ID cards', () => {
    const foreign = [
      'https://dichvucong.gov.vn/p/home/dvc-trang-chu.html',
      '00020101021238570010A00000072701270006970436011300123456789010208QRIBFTTA53037045802VN6304ABCD',
      '00020101021238|57|0010A000000727|x|y|z|w',
      'https://example.vn/?a=1|2|3|4|5|6|7',
      'Nguyễn Văn An|001056012345|x|y|z|w|v',
      '',
      '\uFEFF\r\n',
    ];
    for (const text of foreign) expect(codeOf(parseCitizenIdQr(text, today))).toBe('cccd.not-cccd');
  });

  it('refuses fewer than 7 fields', () => {
    expect(codeOf(parseCitizenIdQr('001056012345|012345678|Nguyễn Văn An|15031956|Nam|Hà Nội', today))).toBe('cccd.too-few-fields');
    expect(codeOf(parseCitizenIdQr('001056012345|', today))).toBe('cccd.too-few-fields');
  });

  it('refuses an ID number that is not 12 digits', () => {
    expect(codeOf(parseCitizenIdQr(qr({ id: '00105601234' }), today))).toBe('cccd.id-format');
    expect(codeOf(parseCitizenIdQr(qr({ id: '0010560123456' }), today))).toBe('cccd.id-format');
    expect(codeOf(parseCitizenIdQr(qr({ id: '012345678' }), today))).toBe('cccd.id-format');
  });

  it('refuses an old CMND that is present but not 9 digits', () => {
    expect(codeOf(parseCitizenIdQr(qr({ oldId: '01234567' }), today))).toBe('cccd.old-id-format');
    expect(codeOf(parseCitizenIdQr(qr({ oldId: '01234567X' }), today))).toBe('cccd.old-id-format');
    expect(codeOf(parseCitizenIdQr(qr({ oldId: '001056012345' }), today))).toBe('cccd.old-id-format');
    expect(codeOf(parseCitizenIdQr(qr({ oldId: '   ' }), today))).toBe('ok');
  });

  it('refuses an empty name or residence', () => {
    expect(codeOf(parseCitizenIdQr(qr({ name: '  ' }), today))).toBe('cccd.name-missing');
    expect(codeOf(parseCitizenIdQr(qr({ address: '' }), today))).toBe('cccd.address-missing');
  });

  it('refuses impossible, malformed and future dates, and an issue date before birth', () => {
    for (const dob of ['31021956', '30021956', '29021957', '15131956', '00031956', '1503195', '1956-03-15', '15/03/1956', '']) {
      expect(codeOf(parseCitizenIdQr(qr({ dob }), today))).toBe('cccd.date-invalid');
    }
    expect(codeOf(parseCitizenIdQr(qr({ issue: '31042021' }), today))).toBe('cccd.date-invalid');
    // Born 2026-12-01: in the future on 2026-11-24 (gender digit 2, year 26 so the ID agrees).
    expect(codeOf(parseCitizenIdQr(qr({ id: '001226012345', dob: '01122026', issue: '24112026' }), today))).toBe('cccd.date-invalid');
    expect(codeOf(parseCitizenIdQr(qr({ dob: '15031956', issue: '14031956' }), today))).toBe('cccd.date-invalid');
  });

  it('refuses a gender field other than Nam/Nữ', () => {
    for (const gender of ['Nu', 'Male', '', 'N?', 'Khác']) expect(codeOf(parseCitizenIdQr(qr({ gender }), today))).toBe('cccd.gender-invalid');
  });

  it('refuses a province code that is not one of the 63', () => {
    for (const ppp of ['000', '003', '050', '097', '999']) expect(codeOf(parseCitizenIdQr(qr({ id: `${ppp}056012345` }), today))).toBe('cccd.province-unknown');
  });

  it('refuses an ID number whose gender digit disagrees with the gender field', () => {
    expect(codeOf(parseCitizenIdQr(qr({ id: '001156012345', gender: 'Nam' }), today))).toBe('cccd.id-mismatch-gender');
    expect(codeOf(parseCitizenIdQr(qr({ id: '001056012345', gender: 'Nữ' }), today))).toBe('cccd.id-mismatch-gender');
  });

  it('refuses an ID number whose century digit or year digits disagree with the date of birth', () => {
    // Right year digits, wrong century: 2056 (digit 2) and 1856 (digit 8) are not 1956.
    expect(codeOf(parseCitizenIdQr(qr({ id: '001256012345' }), today))).toBe('cccd.id-mismatch-year');
    expect(codeOf(parseCitizenIdQr(qr({ id: '001856012345' }), today))).toBe('cccd.id-mismatch-year');
    // Right century, wrong year.
    expect(codeOf(parseCitizenIdQr(qr({ id: '001057012345' }), today))).toBe('cccd.id-mismatch-year');
    // Born in 2004 with a 1900s digit.
    expect(codeOf(parseCitizenIdQr(qr({ id: '031104000777', dob: '31122004', gender: 'Nữ' }), today))).toBe('cccd.id-mismatch-year');
  });

  it('decodes every gender+century digit', () => {
    const cases: Array<[string, string, string]> = [
      ['0', 'Nam', '01011999'],
      ['1', 'Nữ', '01011999'],
      ['2', 'Nam', '01012020'],
      ['3', 'Nữ', '01012020'],
      ['8', 'Nam', '01011899'],
      ['9', 'Nữ', '01011899'],
    ];
    for (const [g, gender, dob] of cases) {
      const yy = dob.slice(6, 8);
      expect(codeOf(parseCitizenIdQr(qr({ id: `001${g}${yy}012345`, gender, dob, issue: '01012025', oldId: '' }), today))).toBe('ok');
    }
    // 2100s and 2200s digits are well-formed but cannot match a date of birth that is not in the future.
    expect(codeOf(parseCitizenIdQr(qr({ id: '001456012345' }), today))).toBe('cccd.id-mismatch-year');
    expect(codeOf(parseCitizenIdQr(qr({ id: '001756012345', gender: 'Nữ' }), today))).toBe('cccd.id-mismatch-year');
  });

  it('returns only a code and a detail on failure, and never puts the scanned personal data in the detail', () => {
    const texts = [
      qr({ id: '00105601234' }),
      qr({ oldId: '01234567' }),
      qr({ dob: '31021956' }),
      qr({ gender: 'Nu' }),
      qr({ id: '003056012345' }),
      qr({ id: '001156012345' }),
      qr({ id: '001256012345' }),
    ];
    for (const text of texts) {
      const result = parseCitizenIdQr(text, today);
      expect(result.ok).toBe(false);
      expect(Object.keys(result).sort()).toEqual(['code', 'detail', 'ok']);
      if (result.ok) continue;
      expect(CITIZEN_ID_ERROR_CODES).toContain(result.code);
      for (const secret of ['0105601234', '1234567', 'Nguyễn', 'Thử Nghiệm', '1956', '003', '00105601234']) expect(result.detail).not.toContain(secret);
    }
  });

  it('throws on a caller bug: today that is not a real date', () => {
    expect(() => parseCitizenIdQr(qr(), { year: 2026, month: 2, day: 30 })).toThrow(RangeError);
  });
});

describe('province codes', () => {
  it('lists the 63 pre-2025 provinces, from 001 Hà Nội to 096 Cà Mau', () => {
    const codes = Object.keys(CITIZEN_ID_PROVINCES);
    expect(codes).toHaveLength(63);
    expect(new Set(Object.values(CITIZEN_ID_PROVINCES)).size).toBe(63);
    for (const code of codes) expect(code).toMatch(/^0\d{2}$/);
    expect(CITIZEN_ID_PROVINCES['001']).toBe('Hà Nội');
    expect(CITIZEN_ID_PROVINCES['079']).toBe('Hồ Chí Minh');
    expect(CITIZEN_ID_PROVINCES['096']).toBe('Cà Mau');
    for (const name of Object.values(CITIZEN_ID_PROVINCES)) expect(name).toBe(name.normalize('NFC'));
  });
});

describe('looksLikeCitizenIdQr', () => {
  it('routes 12 digits then "|" to the ID-card reader, and nothing else', () => {
    expect(looksLikeCitizenIdQr(qr())).toBe(true);
    expect(looksLikeCitizenIdQr(fixture('usb-scanner-bom-crlf.txt'))).toBe(true);
    expect(looksLikeCitizenIdQr('001056012345|')).toBe(true);
    expect(looksLikeCitizenIdQr('001056012345')).toBe(false);
    expect(looksLikeCitizenIdQr('00105601234|x')).toBe(false);
    expect(looksLikeCitizenIdQr('0010560123456|x')).toBe(false);
    expect(looksLikeCitizenIdQr('000201010212385700')).toBe(false);
    expect(looksLikeCitizenIdQr('https://example.vn')).toBe(false);
    expect(looksLikeCitizenIdQr('A0001')).toBe(false);
  });
});

describe('maskIdNumber', () => {
  it('shows only the last four digits', () => {
    expect(maskIdNumber('001056011234')).toBe('001*******34');
    expect(maskIdNumber(' 079190004321 ')).toBe('079*******21');
  });

  it('masks anything that is not a 12-digit number entirely', () => {
    expect(maskIdNumber('012345678')).toBe('************');
    expect(maskIdNumber('')).toBe('************');
    expect(maskIdNumber('Nguyễn Văn An')).toBe('************');
  });
});

describe('maskApplicantIdNumber', () => {
  it('masks a citizen ID card number as maskIdNumber does, and keeps only the last three characters of another number', () => {
    expect(maskApplicantIdNumber('001195012345')).toBe('001*******45');
    expect(maskApplicantIdNumber('B1234567')).toBe('*****567');
    expect(maskApplicantIdNumber('012345678')).toBe('******678');
    expect(maskApplicantIdNumber('1234')).toBe('***');
  });
});
