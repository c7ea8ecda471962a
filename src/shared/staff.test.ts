import { describe, expect, it } from 'vitest';
import { isWeakPin, makePinVerifier, PinVerifier, randomPin, StaffAccount, verifyPin } from './staff';

describe('staff PIN verifiers', () => {
  it('accepts the PIN it was made from and nothing else; the verifier is the published shape with fresh salt each time', async () => {
    const v = await makePinVerifier('480315', { iterations: 100_000 });
    expect(PinVerifier.parse(v)).toEqual(v);
    expect(await verifyPin('480315', v)).toBe(true);
    expect(await verifyPin('480316', v)).toBe(false);
    expect(await verifyPin('48031', v)).toBe(false);
    expect(await verifyPin('', v)).toBe(false);
    const again = await makePinVerifier('480315', { iterations: 100_000 });
    expect(again.salt).not.toBe(v.salt);
    expect(again.hash).not.toBe(v.hash);
    expect(await verifyPin('480315', again)).toBe(true);
  });

  it('derives what the PBKDF2-HMAC-SHA256 of Node derives, in the base64 Node writes', async () => {
    const { pbkdf2Sync } = await import('node:crypto');
    const salt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const v = await makePinVerifier('135792', { iterations: 100_000, salt });
    expect(v.salt).toBe(Buffer.from(salt).toString('base64'));
    expect(v.hash).toBe(pbkdf2Sync('135792', Buffer.from(salt), 100_000, 32, 'sha256').toString('base64'));
  });

  it('refuses weak PINs and never issues one', () => {
    for (const weak of ['000000', '111111', '123456', '234567', '890123', '987654', '654321', '210987']) expect(isWeakPin(weak)).toBe(true);
    for (const fine of ['480315', '246813', '135792', '120456']) expect(isWeakPin(fine)).toBe(false);
    for (let i = 0; i < 200; i++) {
      const pin = randomPin();
      expect(pin).toMatch(/^\d{6}$/);
      expect(isWeakPin(pin)).toBe(false);
    }
  });

  it('an account record is strict about its shape', async () => {
    const pin = await makePinVerifier('480315', { iterations: 100_000 });
    const good = { staffId: 'CB0012', name: 'Nguyễn Thị Lan', role: 'officer', active: true, pin, pinSetAt: 1 };
    expect(StaffAccount.safeParse(good).success).toBe(true);
    expect(StaffAccount.safeParse({ ...good, staffId: 'cb 12' }).success).toBe(false);
    expect(StaffAccount.safeParse({ ...good, role: 'admin' }).success).toBe(false);
    expect(StaffAccount.safeParse({ ...good, pin: { ...pin, iterations: 1000 } }).success).toBe(false);
  });
});
