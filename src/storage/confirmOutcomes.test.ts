import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import type { MutationName } from '../shared/records';
import type { MutationResult, WireError } from '../shared/sync';
import { freshDb, nodeRandom } from '../../test/unit/fixtures';
import type { Ticket } from '../domain/ticket';
import type { KioskDb, Rating, StoredDossierRow } from './KioskDb';
import { appendOutbox, type StoredArgs } from './outboxRepository';
import { acknowledgeSyncIssue, confirmMutations, countOpenSyncIssues, describeMutation, listSyncIssues } from './syncRepository';

/**
 * What the kiosk does with the server's answer to a pushed batch: confirmed records are marked
 * synced (so pruning may later remove them), rejected ones become issues staff see, and anything
 * the answer does not clearly name stays queued for the next push.
 */

const START = Date.UTC(2026, 10, 24, 2, 0, 0);
const NOW = START + 60_000;
const DEVICE = '0193a1b2-0000-7000-8000-00000000d001';

/** The server's answer for an entry: applied (or duplicate: it had it already), or rejected for good. */
const applied = (e: { mutationId: string; deviceSeq: number }, status: 'applied' | 'duplicate' = 'applied'): MutationResult => ({
  mutationId: e.mutationId,
  deviceSeq: e.deviceSeq,
  status,
});
const refused = (e: { mutationId: string; deviceSeq: number }, reason: WireError): MutationResult => ({
  mutationId: e.mutationId,
  deviceSeq: e.deviceSeq,
  status: 'rejected',
  reason,
});

// Only the fields confirmation touches matter here; the rest of a ticket/rating is the desk's business.
const ticket = (id: string) => ({ id, day: '2026-11-24', groupPrefix: 'A', status: 'waiting', issuedAt: START, syncedAt: null }) as unknown as Ticket;
const rating = (id: string) => ({ id, level: 4, submittedAt: START, syncedAt: null }) as unknown as Rating;
const dossierRow = (id: string, code: string): StoredDossierRow => ({
  id,
  code,
  day: '2026-11-24',
  receivedAt: START,
  applicantId: 'blind-index',
  documents: [],
  syncedAt: null,
  printedAt: null,
  printCount: 0,
});

/** Queues an entry with arguments of any shape: confirmation must cope with what is stored, whatever it is. */
async function queue(db: KioskDb, name: MutationName, args: unknown) {
  const clock = fixedClock(START);
  return db.transaction('rw', db.outbox, db.counters, () => appendOutbox(db, DEVICE, name, args as StoredArgs<typeof name>, clock, nodeRandom));
}

async function syncedAt(db: KioskDb) {
  return {
    ticket: (await db.tickets.get('same'))?.syncedAt ?? null,
    rating: (await db.ratings.get('same'))?.syncedAt ?? null,
    dossier: (await db.dossiers.get('same'))?.syncedAt ?? null,
  };
}

/** A ticket, a rating and a dossier that share one id, so a confirmation marking the wrong kind shows. */
async function threeKinds(db: KioskDb) {
  await db.tickets.add(ticket('same'));
  await db.ratings.add(rating('same'));
  await db.dossiers.add(dossierRow('same', 'H26-241124-0001'));
  const t = await queue(db, 'ticket.issue@1', { id: 'same', number: 'A1005', day: '2026-11-24' });
  const r = await queue(db, 'rating.submit@1', { id: 'same', level: 4 });
  // Sealed dossier arguments keep id and code in clear; the rest stays sealed.
  const d = await queue(db, 'dossier.submit@1', { id: 'same', code: 'H26-241124-0001', $sealed: { v: 1 } });
  return { t, r, d };
}

describe('confirming a pushed batch', () => {
  it('marks each confirmed record synced in its own kind only, and removes its entry from the queue', async () => {
    const db = freshDb('confirm-kinds');
    const { t, r, d } = await threeKinds(db);

    expect(await confirmMutations(db, [applied(t)], NOW)).toEqual({ confirmedUpTo: 1, rejected: 0 });
    expect(await syncedAt(db)).toEqual({ ticket: NOW, rating: null, dossier: null });

    // "duplicate": the server had it already (an earlier answer was lost); confirmed all the same.
    expect(await confirmMutations(db, [applied(r, 'duplicate')], NOW + 1)).toEqual({ confirmedUpTo: 2, rejected: 0 });
    expect(await syncedAt(db)).toEqual({ ticket: NOW, rating: NOW + 1, dossier: null });

    expect(await confirmMutations(db, [applied(d)], NOW + 2)).toEqual({ confirmedUpTo: 3, rejected: 0 });
    expect(await syncedAt(db)).toEqual({ ticket: NOW, rating: NOW + 1, dossier: NOW + 2 });
    expect(await db.outbox.count()).toBe(0);
    db.close();
  });

  it('turns a rejection into an open issue and an event naming the record, without marking it synced', async () => {
    const db = freshDb('confirm-reject');
    const { t, r, d } = await threeKinds(db);
    const reason = { code: 'rating.invalid-level', detail: `level out of range ${'!'.repeat(400)}` };
    const outcome = await confirmMutations(db, [applied(t), refused(r, reason)], NOW);
    expect(outcome).toEqual({ confirmedUpTo: 2, rejected: 1 });
    expect(await syncedAt(db)).toEqual({ ticket: NOW, rating: null, dossier: null });
    // Both left the queue (the server moved past the rejected one); the dossier still waits.
    expect((await db.outbox.toArray()).map((e) => e.mutationId)).toEqual([d.mutationId]);

    expect(await listSyncIssues(db)).toEqual([
      { mutationId: r.mutationId, deviceSeq: 2, name: 'rating.submit@1', reason, subject: 'rating 4', at: NOW, acknowledgedAt: null },
    ]);
    expect(await countOpenSyncIssues(db)).toBe(1);
    const events = await db.events.where('kind').equals('sync.rejected').toArray();
    expect(events).toEqual([expect.objectContaining({ at: NOW, kind: 'sync.rejected', code: 'rating.invalid-level', subject: 'rating 4' })]);
    // The event log keeps a bounded detail; the issue keeps the server's full reason.
    expect(events[0]!.detail).toBe(reason.detail.slice(0, 300));

    await acknowledgeSyncIssue(db, r.mutationId, NOW + 5);
    expect(await countOpenSyncIssues(db)).toBe(0);
    expect(await listSyncIssues(db)).toEqual([]);
    expect(await listSyncIssues(db, true)).toEqual([expect.objectContaining({ mutationId: r.mutationId, acknowledgedAt: NOW + 5 })]);
    db.close();
  });

  it('lists issues newest first', async () => {
    const db = freshDb('confirm-issues-order');
    const a = await queue(db, 'ticket.issue@1', { id: 't1', number: 'A1001', day: '2026-11-24' });
    const b = await queue(db, 'ticket.issue@1', { id: 't2', number: 'A1002', day: '2026-11-24' });
    const reason = { code: 'ticket.duplicate', detail: 'already issued' };
    await confirmMutations(db, [refused(a, reason)], NOW);
    await confirmMutations(db, [refused(b, reason)], NOW + 10);
    expect((await listSyncIssues(db)).map((i) => i.subject)).toEqual(['ticket A1002 / 2026-11-24', 'ticket A1001 / 2026-11-24']);
    db.close();
  });

  it('keeps entries the answer does not name, or names with another deviceSeq, queued and unsynced', async () => {
    const db = freshDb('confirm-mismatch');
    const { t, r } = await threeKinds(db);
    const outcome = await confirmMutations(
      db,
      [
        // The right id with a deviceSeq from another stream: not this entry's outcome.
        { ...applied(t), deviceSeq: 7 },
        { ...refused(r, { code: 'x', detail: 'y' }), deviceSeq: 9 },
        applied({ mutationId: '0193a1b2-0000-7000-8000-0000000000ff', deviceSeq: 3 }),
      ],
      NOW,
    );
    expect(outcome).toEqual({ confirmedUpTo: 0, rejected: 0 });
    expect(await db.outbox.count()).toBe(3);
    expect(await syncedAt(db)).toEqual({ ticket: null, rating: null, dossier: null });
    expect(await countOpenSyncIssues(db)).toBe(0);
    db.close();
  });

  it('reports the highest confirmed deviceSeq whatever the order of the answer, and 0 for an empty answer', async () => {
    const db = freshDb('confirm-upto');
    const { t, r, d } = await threeKinds(db);
    expect(await confirmMutations(db, [], NOW)).toEqual({ confirmedUpTo: 0, rejected: 0 });
    expect(await db.outbox.count()).toBe(3);
    const outcome = await confirmMutations(db, [refused(d, { code: 'dossier.invalid', detail: 'bad code' }), applied(t), applied(r)], NOW);
    expect(outcome).toEqual({ confirmedUpTo: 3, rejected: 1 });
    expect(await db.outbox.count()).toBe(0);
    db.close();
  });

  it('lets an audit event, or an entry without a record id, leave the queue without marking any record synced', async () => {
    const db = freshDb('confirm-no-record');
    await db.tickets.add(ticket('same'));
    await db.ratings.add(rating('same'));
    await db.dossiers.add(dossierRow('same', 'H26-241124-0001'));
    // An audit event has an id of its own, which is no record's.
    const audit = await queue(db, 'audit.event@1', { id: 'same', action: 'dossier.print', dossierCode: 'H26-241124-0001' });
    const odd = await queue(db, 'ticket.issue@1', null);
    expect(await confirmMutations(db, [applied(audit), applied(odd)], NOW)).toEqual({ confirmedUpTo: 2, rejected: 0 });
    expect(await db.outbox.count()).toBe(0);
    expect(await syncedAt(db)).toEqual({ ticket: null, rating: null, dossier: null });
    db.close();
  });
});

describe('when the database cannot be written', () => {
  it('confirmation fails loudly, so the engine does not count the batch as recorded', async () => {
    const db = freshDb('confirm-closed');
    const { t } = await threeKinds(db);
    db.close();
    await expect(confirmMutations(db, [applied(t)], NOW)).rejects.toMatchObject({ code: 'storage.write-failed' });
  });
});

describe('what staff read about a rejected record', () => {
  it('names the record by kind and number, never with personal data', () => {
    expect(describeMutation('ticket.issue@1', { number: 'A1005', day: '2026-11-24' })).toBe('ticket A1005 / 2026-11-24');
    expect(describeMutation('rating.submit@1', { level: 2 })).toBe('rating 2');
    expect(describeMutation('dossier.submit@1', { code: 'H26-241124-0001', applicantName: 'Nguyễn Văn A', applicantIdNumber: '001195012345' })).toBe(
      'dossier H26-241124-0001',
    );
    expect(describeMutation('audit.event@1', { action: 'dossier.print', dossierCode: 'H26-241124-0001' })).toBe('dossier.print H26-241124-0001');
    expect(describeMutation('something.else@1', { id: 'x' })).toBe('something.else@1');
  });

  it('shows a placeholder for what is missing rather than failing', () => {
    expect(describeMutation('ticket.issue@1', {})).toBe('ticket ? / ?');
    expect(describeMutation('ticket.issue@1', null)).toBe('ticket ? / ?');
    expect(describeMutation('rating.submit@1', 'garbled')).toBe('rating ?');
    expect(describeMutation('dossier.submit@1', undefined)).toBe('dossier ?');
    expect(describeMutation('audit.event@1', {})).toBe('audit ?');
  });
});
