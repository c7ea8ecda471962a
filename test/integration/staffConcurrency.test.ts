import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock';
import { createStaff, listStaff } from '../../src/server/staff';
import { startCentre } from './syncHarness';
import { dbEngines } from './engines';

/**
 * Review: staff accounts are published by read (outside the transaction) → PBKDF2 → publish. A
 * disable that commits while a PIN reset is between its read and its publish is overwritten by the
 * reset's stale copy (active: true): both calls answer 200, the published account is active, and
 * every counter pulls it active again.
 */
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));

/**
 * Staff changes to one account at once (found in review, 2026-12-07): each is made from the account
 * as the other left it, never from a copy read before it (a disable undone by a PIN reset).
 */
for (const engine of dbEngines) {
  describe(`staff changes to one account at once (${engine.name})`, () => {
    let dispose: () => Promise<void>;
    let centre: Awaited<ReturnType<typeof startCentre>>;
    beforeAll(async () => {
      const opened = await engine.open();
      dispose = opened.dispose;
      centre = await startCentre(clock, opened.db);
    });
    afterAll(async () => {
      await centre?.close();
      await dispose?.();
    });

    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${centre.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${centre.adminToken}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };

    it('a disable racing a PIN reset stays disabled', async () => {
      const made = await createStaff(
        centre.db,
        { branchCode: 'CN01', staffId: 'CB0012', name: 'Nguyễn Thị Lan', role: 'officer' },
        { kind: 'admin-cli', id: 't' },
        clock.now(),
      );
      expect(made.ok).toBe(true);
      const [reset, disabled] = await Promise.all([
        post('/v1/admin/staff/reset-pin', { branchCode: 'CN01', staffId: 'CB0012' }),
        post('/v1/admin/staff/disable', { branchCode: 'CN01', staffId: 'CB0012' }),
      ]);
      expect(reset.status).toBe(200);
      expect(disabled.status).toBe(200);
      const [account] = await listStaff(centre.db, 'CN01');
      // Both succeeded; the disable committed (200) and must not be undone by the reset.
      expect(account!.active).toBe(false);
    });

    it('two creations of one id: one account, and the other admin is told it exists', async () => {
      const input = { branchCode: 'CN01', staffId: 'CB0013', name: 'Trần Văn Nam', role: 'officer' as const };
      const made = await Promise.all([1, 2].map(() => createStaff(centre.db, input, { kind: 'admin-cli', id: 't' }, clock.now())));
      expect(made.map((m) => (m.ok ? 'ok' : m.code)).sort()).toEqual(['ok', 'staff.exists']);
      expect((await listStaff(centre.db, 'CN01')).filter((a) => a.staffId === 'CB0013')).toHaveLength(1);
    });
  });
}
