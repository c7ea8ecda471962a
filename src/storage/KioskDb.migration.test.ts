import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock';
import { nodeRandom, seededBranch, testCipher } from '../../test/unit/fixtures';
import { addBlob } from './blobRepository';
import { openBlobData } from './sealing';
import { JOURNAL_ID_KEY, KioskDb, LEGACY_JOURNAL_ID } from './KioskDb';
import { journalId, pendingBatchOutside } from './syncRepository';
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
  it('v1 → current keeps the outbox, tickets and counters, and continues the legacy journal', async () => {
    const idb = new IDBFactory();
    await writeV1(idb, 'upgrade');
    const db = new KioskDb('upgrade', { indexedDB: idb, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(3);
    expect((await pendingBatchOutside(db, 0, { confirmedSeq: 0, heldSeq: 0 }, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3]);
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
    expect(outboxEntry.schemaVersion).toBe(3);
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

  it('v2 → v3 (dossiers) keeps a non-empty outbox and pending blobs, and dossiers can be stored', async () => {
    const idb = new IDBFactory();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
    // v2 exactly as the issue-3 code declared it.
    const v2 = new Dexie('v2', { indexedDB: idb, IDBKeyRange });
    v2.version(1).stores(V1_STORES);
    v2.version(2).stores({
      tickets: 'id, [day+groupPrefix+status], day, issuedAt, syncedAt',
      ratings: 'id, submittedAt, syncedAt',
      syncIssues: 'mutationId, deviceSeq, at',
      blobs: 'sha256, state, createdAt',
    });
    await v2.open();
    await v2.table('settings').add({ key: JOURNAL_ID_KEY, value: '0193a1b2-0000-7000-8000-0000000000ff' });
    await v2.table('outbox').bulkAdd(
      [1, 2].map((seq) => ({
        mutationId: `0193a1b2-0000-7000-8000-0000000000b${seq}`,
        deviceId: DEVICE,
        deviceSeq: seq,
        name: 'rating.submit@1',
        args: { id: `r${seq}` },
        schemaVersion: 2,
        createdAt: seq,
        bytes: 10,
      })),
    );
    await v2.table('counters').put({ key: 'deviceSeq', value: 2 });
    const bytes = new Uint8Array(1000).fill(3);
    await v2.table('blobs').add({
      sha256: 'a'.repeat(64),
      size: 1000,
      mimeType: 'application/pdf',
      data: new Blob([bytes]),
      state: 'pending',
      uploadUrl: null,
      createdAt: 1,
      verifiedAt: null,
    });
    v2.close();

    const db = new KioskDb('v2', { indexedDB: idb, IDBKeyRange });
    await db.open();
    expect(db.verno).toBe(3);
    expect((await pendingBatchOutside(db, 0, { confirmedSeq: 0, heldSeq: 0 }, 100)).map((e) => e.deviceSeq)).toEqual([1, 2]);
    expect((await db.blobs.get('a'.repeat(64)))?.state).toBe('pending');
    expect(await journalId(db)).toBe('0193a1b2-0000-7000-8000-0000000000ff');
    expect(await db.dossiers.count()).toBe(0);
    await db.documentIndex.put({
      applicantId: '001095012345',
      sha256: 'a'.repeat(64),
      size: 1,
      pages: 1,
      name: 'x',
      documentId: 'd1',
      dossierCode: 'c',
      procedureName: 'p',
      receivedAt: clock.now(),
    });
    expect(await db.documentIndex.where('applicantId').equals('001095012345').count()).toBe(1);
    db.close();
  });

  it('a later upgrade (simulated v4) keeps a non-empty outbox and pending blobs', async () => {
    const idb = new IDBFactory();
    const clock = fixedClock(Date.UTC(2026, 10, 24, 3));
    const v3 = new KioskDb('future', { indexedDB: idb, IDBKeyRange });
    v3.personal = testCipher;
    const branch = seededBranch();
    for (let i = 0; i < 5; i++)
      await issueTicket(v3, { deviceId: DEVICE, kioskSlot: 1, branch, group: branch.serviceGroups[1]!, priority: i % 2 === 0 }, clock, nodeRandom);
    const blob = await addBlob(v3, new Blob([new Uint8Array(300_000).fill(7)], { type: 'application/pdf' }), 'application/pdf', clock);
    const journal = await journalId(v3);
    v3.close();

    class KioskDbV4 extends KioskDb {
      constructor() {
        super('future', { indexedDB: idb, IDBKeyRange });
        this.version(4)
          .stores({ blobs: 'sha256, state, createdAt, size' })
          .upgrade(async (tx) => {
            await tx.table('events').add({ at: 0, kind: 'print.failed', code: 'upgrade.test', detail: 'v4 upgrade ran', subject: null });
          });
      }
    }
    const v4 = new KioskDbV4();
    v4.personal = testCipher;
    await v4.open();
    expect(v4.verno).toBe(4);
    expect((await pendingBatchOutside(v4, 0, { confirmedSeq: 0, heldSeq: 0 }, 100)).map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4, 5]);
    const kept = await v4.blobs.get(blob.sha256);
    expect(kept?.state).toBe('pending');
    expect(kept?.size).toBe(300_000);
    expect(new Uint8Array(await (await openBlobData(v4, kept!)).arrayBuffer())[299_999]).toBe(7);
    expect(await journalId(v4)).toBe(journal);
    expect(await v4.events.filter((e) => e.code === 'upgrade.test').count()).toBe(1);
    v4.close();
  });
});
