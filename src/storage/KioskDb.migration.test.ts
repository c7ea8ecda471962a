import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { nodeRandom, seededBranch } from '../../test/unit/fixtures';
import { addBlob } from './blobRepository';
import { JOURNAL_ID_KEY, KioskDb, LEGACY_JOURNAL_ID } from './KioskDb';
import { journalId, pendingBatch } from './syncRepository';
import { issueTicket } from './ticketRepository';

/**
 * Schema upgrades must never lose what is waiting to be synced (DESIGN.md: "test upgrades from
 * earlier versions with a non-empty outbox"). v1 databases are built here exactly as the v1 code
 * declared them; a future version is simulated by a subclass that adds one.
 */
const V1_STORES = {
  tickets: 'id, [day+groupPrefix+status], day, issuedAt',
  outbox: 'mutationId, &deviceSeq',
  counters: 'key',
  settings: 'key',
  events: '++id, at, kind',
};
const DEVICE = '0193a1b2-0000-7000-8000-00000000d001';

async function writeV1(idb: IDBFactory, name: string): Promise<void> {
  const v1 = new Dexie(name, { indexedDB: idb, IDBKeyRange });
  v1.version(1).stores(V1_STORES);
  await v1.open();
  for (let seq = 1; seq <= 3; seq++) {
    const id = `0193a1b2-0000-7000-8000-00000000000${seq}`;
    await v1.table('tickets').add({
      id,
      branchCode: 'CN01',
      deviceId: DEVICE,
      kioskSlot: 0,
      day: '2026-11-23',
      groupPrefix: 'A',
      localSeq: seq,
      numeric: seq,
      number: `A000${seq}`,
      priority: false,
      status: 'issued',
      issuedAt: 1000 + seq,
      printStatus: 'printed',
    });
    await v1.table('outbox').add({
      mutationId: `0193a1b2-0000-7000-8000-0000000000a${seq}`,
      deviceId: DEVICE,
      deviceSeq: seq,
      name: 'ticket.issue@1',
      args: { id },
      schemaVersion: 1,
      createdAt: 1000 + seq,
      bytes: 40,
    });
  }
  await v1.table('counters').bulkPut([
    { key: 'deviceSeq', value: 3 },
    { key: 'seq|2026-11-23|A|0', value: 3 },
  ]);
  v1.close();
}

describe('journal database upgrades', () => {
  it('v1 → v2 keeps the outbox, tickets and counters, and continues the legacy journal', async () => {
    const idb = new IDBFactory();
    await writeV1(idb, 'upgrade');
    const db = new KioskDb('upgrade', { indexedDB: idb, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(2);
    expect((await pendingBatch(db, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3]);
    expect(await db.tickets.count()).toBe(3);
    expect(await journalId(db)).toBe(LEGACY_JOURNAL_ID);
    // New writes continue the same gapless sequence.
    const branch = seededBranch();
    const clock = fixedClock(Date.UTC(2026, 10, 23, 3));
    const { outboxEntry } = await issueTicket(
      db,
      { deviceId: DEVICE, kioskSlot: 0, branch, group: branch.serviceGroups[0]!, priority: false },
      clock,
      nodeRandom,
    );
    expect(outboxEntry.deviceSeq).toBe(4);
    expect(outboxEntry.schemaVersion).toBe(2);
    db.close();
  });

  it('a new database is born with its own journal id', async () => {
    const db = new KioskDb('fresh', { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.open();
    const id = (await db.settings.get(JOURNAL_ID_KEY))?.value;
    expect(typeof id).toBe('string');
    expect(id).not.toBe(LEGACY_JOURNAL_ID);
    db.close();
  });

  it('a later upgrade (simulated v3) keeps a non-empty outbox and pending blobs', async () => {
    const idb = new IDBFactory();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
    const v2 = new KioskDb('future', { indexedDB: idb, IDBKeyRange });
    const branch = seededBranch();
    for (let i = 0; i < 5; i++)
      await issueTicket(v2, { deviceId: DEVICE, kioskSlot: 1, branch, group: branch.serviceGroups[1]!, priority: i % 2 === 0 }, clock, nodeRandom);
    const blob = await addBlob(v2, new Blob([new Uint8Array(300_000).fill(7)], { type: 'application/pdf' }), 'application/pdf', clock);
    const journal = await journalId(v2);
    v2.close();

    class KioskDbV3 extends KioskDb {
      constructor() {
        super('future', { indexedDB: idb, IDBKeyRange });
        this.version(3)
          .stores({ blobs: 'sha256, state, createdAt, size' })
          .upgrade(async (tx) => {
            await tx.table('events').add({ at: 0, kind: 'print.failed', code: 'upgrade.test', detail: 'v3 upgrade ran', subject: null });
          });
      }
    }
    const v3 = new KioskDbV3();
    await v3.open();
    expect(v3.verno).toBe(3);
    expect((await pendingBatch(v3, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4, 5]);
    const kept = await v3.blobs.get(blob.sha256);
    expect(kept?.state).toBe('pending');
    expect(kept?.size).toBe(300_000);
    expect(new Uint8Array(await kept!.data.arrayBuffer())[299_999]).toBe(7);
    expect(await journalId(v3)).toBe(journal);
    expect(await v3.events.filter((e) => e.code === 'upgrade.test').count()).toBe(1);
    v3.close();
  });
});
