import { describe, expect, it } from 'vitest';
import { followInputProblem, normaliseFollowKeys, normaliseTicketNumber, parseReceiptQr, parseTicketQr } from './followQr';

const CODE = '000.00.21.H26-261203-0042';

describe('parseReceiptQr', () => {
  it('reads code and secret from the receipt QR, whatever its base address', () => {
    expect(parseReceiptQr(`https://dichvucong.hanoi.gov.vn/tra-cuu?code=${encodeURIComponent(CODE)}&s=R7TQ4WXN`)).toEqual({ code: CODE, secret: 'R7TQ4WXN' });
    expect(parseReceiptQr(`http://127.0.0.1:8080/tra-cuu?s=r7tq-4wxn&code=${CODE}#x`)).toEqual({ code: CODE, secret: 'R7TQ4WXN' });
  });
  it('refuses anything else: an ID card QR, a ticket QR, a missing or malformed key', () => {
    expect(parseReceiptQr('001195012345|012345678|Nguyễn Thị Thu Hằng|15081995|Nữ|Hà Nội|20042021')).toBeNull();
    expect(parseReceiptQr('https://x/hang-doi?b=CN01&d=2026-12-03&n=A015')).toBeNull();
    expect(parseReceiptQr(`https://x/tra-cuu?code=${CODE}`)).toBeNull();
    expect(parseReceiptQr('https://x/tra-cuu?code=12345&s=R7TQ4WXN')).toBeNull();
    expect(parseReceiptQr(`https://x/tra-cuu?code=${CODE}&s=R7TQ0WXN`)).toBeNull();
    expect(parseReceiptQr(`https://x/tra-cuu?code=%E0%A4%A&s=R7TQ4WXN`)).toBeNull();
  });
});

describe('typed keys', () => {
  it('are normalised the way the centre reads them', () => {
    expect(normaliseFollowKeys(` ${CODE.toLowerCase()} `, 'r7tq 4wx-n')).toEqual({ code: CODE, secret: 'R7TQ4WXN' });
  });
  it('name what is wrong before anything is sent', () => {
    expect(followInputProblem({ code: '', secret: 'R7TQ4WXN' })).toBe('empty');
    expect(followInputProblem({ code: CODE, secret: '' })).toBe('empty');
    expect(followInputProblem({ code: '000.00.21', secret: 'R7TQ4WXN' })).toBe('code-malformed');
    expect(followInputProblem({ code: CODE, secret: 'R7TQ' })).toBe('secret-malformed');
    expect(followInputProblem({ code: CODE, secret: 'R7TQ4WXN' })).toBeNull();
  });
});

describe('parseTicketQr', () => {
  const id = '0193a6f2-7c4e-7b1a-9f00-123456789abc';
  it('reads branch, day, number and the ticket id', () => {
    expect(parseTicketQr(`https://dichvucong.hanoi.gov.vn/hang-doi?b=CN01&d=2026-12-03&n=A015&t=${id}`)).toEqual({
      branchCode: 'CN01',
      day: '2026-12-03',
      number: 'A015',
      ticketId: id,
    });
  });
  it('an older QR without t, or a t that is not a UUID, gives no id', () => {
    expect(parseTicketQr('https://x/hang-doi?b=CN01&d=2026-12-03&n=A015')?.ticketId).toBeNull();
    expect(parseTicketQr('https://x/hang-doi?b=CN01&d=2026-12-03&n=A015&t=DROP')?.ticketId).toBeNull();
  });
  it('refuses a receipt QR or a malformed ticket', () => {
    expect(parseTicketQr(`https://x/tra-cuu?code=${CODE}&s=R7TQ4WXN`)).toBeNull();
    expect(parseTicketQr('https://x/hang-doi?b=CN01&d=03/12/2026&n=A015')).toBeNull();
    expect(parseTicketQr('https://x/hang-doi?b=CN01&d=2026-12-03&n=A-15')).toBeNull();
    expect(parseTicketQr('A015')).toBeNull();
  });
  it('typed numbers are upper-cased and checked', () => {
    expect(normaliseTicketNumber(' a015 ')).toBe('A015');
    expect(normaliseTicketNumber('B0001')).toBe('B0001');
    expect(normaliseTicketNumber('ABCD1')).toBeNull();
    expect(normaliseTicketNumber('')).toBeNull();
  });
});
