import { describe, expect, it } from 'vitest';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import { fixedClock } from '../shared/clock';
import { AuditEventArgs } from '../shared/records';
import { recordCounterAudit, recordReceiptAudit } from './auditRepository';
import { confirmMutations, listSyncIssues } from './syncRepository';

const DEVICE = '0193a1b2-0000-7000-8000-00000000a001';
const CODE = '000.21.01.H26-261124-0001';
const EARLIER = '000.21.01.H26-261120-0007';

describe("the counter's audit events (audit.event@1)", () => {
  it('are outbox entries with the next gapless seqs, in the order given, valid for the centre, codes and counts only', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
    const entries = await recordCounterAudit(
      db,
      DEVICE,
      'CN01',
      [
        { action: 'dossier.reuse', dossierCode: EARLIER, relatedCode: CODE, documents: 2 },
        { action: 'receipt.print', dossierCode: CODE },
      ],
      clock,
      nodeRandom,
    );
    expect(entries.map((e) => [e.name, e.deviceSeq])).toEqual([
      ['audit.event@1', 1],
      ['audit.event@1', 2],
    ]);
    expect(entries.map((e) => AuditEventArgs.parse(e.args))).toEqual([
      { id: expect.any(String), branchCode: 'CN01', action: 'dossier.reuse', dossierCode: EARLIER, relatedCode: CODE, documents: 2, at: clock.now() },
      { id: expect.any(String), branchCode: 'CN01', action: 'receipt.print', dossierCode: CODE, relatedCode: null, documents: 0, at: clock.now() },
    ]);
    expect((await db.outbox.orderBy('deviceSeq').toArray()).map((e) => e.mutationId)).toEqual(entries.map((e) => e.mutationId));
  });

  it('queue nothing when one event is invalid (the centre would refuse it), and keep the sequence gapless', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
    const refused = recordCounterAudit(
      db,
      DEVICE,
      'CN01',
      [
        { action: 'receipt.print', dossierCode: CODE },
        // A reuse must name the dossier the papers went into.
        { action: 'dossier.reuse', dossierCode: EARLIER },
      ],
      clock,
      nodeRandom,
    );
    await expect(refused).rejects.toThrow();
    expect(await db.outbox.count()).toBe(0);
    const [next] = await recordCounterAudit(db, DEVICE, 'CN01', [{ action: 'receipt.print', dossierCode: CODE }], clock, nodeRandom);
    expect(next?.deviceSeq).toBe(1);
  });

  it('queue nothing for a receipt of a dossier not on this machine', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
    expect(await recordReceiptAudit(db, DEVICE, 'CN01', CODE, clock, nodeRandom)).toBeNull();
    expect(await db.outbox.count()).toBe(0);
  });

  it('show staff what was refused by its action and code, never more', async () => {
    const db = freshDb();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
    const [entry] = await recordCounterAudit(db, DEVICE, 'CN01', [{ action: 'receipt.reprint', dossierCode: CODE }], clock, nodeRandom);
    await confirmMutations(
      db,
      [
        {
          mutationId: entry!.mutationId,
          deviceSeq: entry!.deviceSeq,
          status: 'rejected',
          reason: { code: 'auth.role-forbidden', detail: 'a citizen device may not send audit.event@1' },
        },
      ],
      clock.now(),
    );
    const [issue] = await listSyncIssues(db);
    expect(issue).toMatchObject({ name: 'audit.event@1', subject: `receipt.reprint ${CODE}`, reason: { code: 'auth.role-forbidden' } });
    expect(await db.outbox.count()).toBe(0);
  });
});
