import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/shared/clock';
import { createEnrolCode, revokeDevice } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { RELAY_PARALLEL_SCANS } from '../../src/server/hub/blobRelay';
import { BLOBS_KNOWN_PATH } from '../../src/shared/blobsKnown';
import { hubOf } from '../../src/server/hub/hub';
import { enrolHub, toHubIdentity, type StoredIdentity } from '../../src/server/hub/identity';
import { HubStatus } from '../../src/shared/hub';
import { journalId, listSyncIssues, loadSyncMeta } from '../../src/storage/syncRepository';
import { issueTicket } from '../../src/storage/ticketRepository';
import { TransportError } from '../../src/sync/Transport';
import { getCursor, localChecksum, readPublishedOne } from '../../src/storage/referenceRepository';
import { branchScope, type DossierStatus } from '../../src/shared/published';
import { queueCounterBacklog } from '../support/counterBacklog';
import { dyingDb } from '../support/dyingDb';
import { nodeRandom, seededBranch } from '../unit/fixtures';
import {
  enrolKiosk,
  procedure,
  publish,
  rate,
  startCentre,
  storedBlobBytes,
  storedDossiers,
  storedRatings,
  storedTickets,
  takeTicket,
  ticketContent,
  type TestKiosk,
} from './syncHarness';

/**
 * The branch hub (src/server/hub) between kiosks and the centre, each a real server on port 0 with
 * its own PGlite; the kiosks are the real sync engine on fake-indexeddb. The hub's link to the
 * centre goes through a fetch the test can cut.
 */
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0));
/**
 * How long a test waits for what the hub does in the background (relay and mirror passes every
 * 100 ms): long enough for a CI machine running the browser tests beside this file, where 5–10 s
 * waits timed out; what never happens still fails, later.
 */
const SETTLE_MS = 30_000;

interface RunningHub {
  db: Db;
  app: FastifyInstance;
  base: string;
  blobDir: string;
  close(): Promise<void>;
}

describe('branch hub', { timeout: 120_000 }, () => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let identity: StoredIdentity;
  let centreBlobs: string;
  const link = { down: false };
  const linkFetch: typeof fetch = (input, init) => (link.down ? Promise.reject(new TypeError('fetch failed (link cut by the test)')) : fetch(input, init));
  const hubs: RunningHub[] = [];
  /** Every hub's blob folder, removed at the end (a hub's late write may re-create one removed right after its test). */
  const blobDirs: string[] = [];

  async function startHub(
    db?: Db,
    options: { fetch?: typeof fetch; mirrorEveryMs?: number; relayBatchSize?: number; relayEveryMs?: number } = {},
  ): Promise<RunningHub> {
    const database = db ?? (await openPgliteDb(null));
    await migrate(database);
    const blobDir = mkdtempSync(join(tmpdir(), 'hpasc-hub-blobs-'));
    blobDirs.push(blobDir);
    const app = buildServer({
      db: database,
      clock,
      version: 'test',
      blobDir,
      hub: {
        upstreamUrl: centre.baseUrl,
        identity: toHubIdentity(identity),
        fetch: options.fetch ?? linkFetch,
        relayEveryMs: options.relayEveryMs ?? 100,
        relayMaxBackoffMs: 200,
        mirrorEveryMs: options.mirrorEveryMs ?? 100,
        ...(options.relayBatchSize ? { relayBatchSize: options.relayBatchSize } : {}),
      },
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const hub: RunningHub = {
      db: database,
      app,
      base,
      blobDir,
      async close() {
        await app.close();
        await database.close();
      },
    };
    hubs.push(hub);
    return hub;
  }

  const centreHas = async (ids: readonly string[]) => (await storedTickets(centre.db, ids)).size;
  /** A counter's offline backlog in its own slot: `records` queue records, one dossier per entry of `pages`. */
  const counterBacklog = (counter: TestKiosk, shape: { records: number; pages: number[]; pageBytes: number }) =>
    queueCounterBacklog(counter.db, { deviceId: counter.deviceId, slot: counter.slot, branch: seededBranch(), clock, random: nodeRandom, ...shape });
  const status = async (hub: RunningHub) => HubStatus.parse(await (await fetch(`${hub.base}/v1/hub/status`)).json());
  const outboxSeqs = async (k: TestKiosk) => (await k.db.outbox.orderBy('deviceSeq').toArray()).map((e) => e.deviceSeq);

  beforeAll(async () => {
    centreBlobs = mkdtempSync(join(tmpdir(), 'hpasc-centre-blobs-'));
    centre = await startCentre(clock, undefined, { blobDir: centreBlobs });
    const { code } = await createEnrolCode(centre.db, 'CN01', 'hub', clock.now());
    identity = await enrolHub(centre.baseUrl, code, null);
  });
  afterEach(async () => {
    link.down = false;
    // A test's hubs stop with it: left running, their relay and mirror passes (every 100 ms) load
    // the one process every later test runs in (30 s timeouts hit under a busy CI machine).
    for (const h of hubs.splice(0)) await h.close().catch(() => undefined);
  });
  afterAll(async () => {
    await centre?.close();
    for (const dir of [...blobDirs, ...(centreBlobs ? [centreBlobs] : [])]) rmSync(dir, { recursive: true, force: true });
  });

  it('kiosks enrol at the hub with the centre’s codes; records reach the hub at once, the centre through the relay, and the kiosk keeps them until the centre has them', async () => {
    const hub = await startHub();
    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 0);
    link.down = true;
    const ids = [await takeTicket(kiosk, clock), await takeTicket(kiosk, clock), await takeTicket(kiosk, clock)];
    const first = await kiosk.engine.runOnce({ blobs: false });
    expect(first.pushed).toBe(3);
    // The branch has them (its queue runs on the hub); the centre does not yet.
    expect((await storedTickets(hub.db, ids)).size).toBe(3);
    expect(await centreHas(ids)).toBe(0);
    // Held by the hub only: kept, not synced, and not sent again.
    expect(await outboxSeqs(kiosk)).toEqual([1, 2, 3]);
    expect((await kiosk.db.tickets.toArray()).every((t) => (t.syncedAt ?? null) === null)).toBe(true);
    expect(await loadSyncMeta(kiosk.db)).toMatchObject({ confirmedSeq: 0, heldSeq: 3 });
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(0);
    const waiting = await status(hub);
    expect(waiting).toMatchObject({ branchCode: 'CN01', upstreamReachable: false, unrelayedRecords: 3 });

    link.down = false;
    await vi.waitFor(async () => expect(await centreHas(ids)).toBe(3), { timeout: SETTLE_MS, interval: 50 });
    // Exactly what the kiosk wrote, once.
    const atCentre = await storedTickets(centre.db, ids);
    for (const t of await kiosk.db.tickets.toArray()) expect(atCentre.get(t.id)).toEqual(ticketContent(t));
    const again = await kiosk.engine.runOnce({ blobs: false });
    expect(again.duplicates).toBe(3);
    expect(await outboxSeqs(kiosk)).toEqual([]);
    expect((await kiosk.db.tickets.toArray()).every((t) => typeof t.syncedAt === 'number')).toBe(true);
    expect(await loadSyncMeta(kiosk.db)).toMatchObject({ confirmedSeq: 3, heldSeq: 3 });
    await vi.waitFor(async () => expect(await status(hub)).toMatchObject({ upstreamReachable: true, unrelayedRecords: 0 }), { timeout: SETTLE_MS });
    const [centreRows] = await centre.db.query<{ n: unknown }>('SELECT count(*) AS n FROM mutations WHERE device_id = $1', [kiosk.deviceId]);
    expect(Number(centreRows!.n)).toBe(3);
  });

  it('a hub that dies while it starts a kiosk’s journal still tells the kiosk, once the centre has its records, that it may let them go', async () => {
    // The connection dies on the first statement that starts the hub's copy of a journal (a power
    // cut between the stream's row and its relay row): the push fails, the kiosk sends it again.
    const cut = { pending: true };
    const dying = dyingDb(await openPgliteDb(null), (sql) => {
      if (!cut.pending || !sql.includes('INSERT INTO relay_journals')) return false;
      cut.pending = false;
      return true;
    });
    const hub = await startHub(dying);
    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 0);
    const ids = [await takeTicket(kiosk, clock, undefined, 'D'), await takeTicket(kiosk, clock, undefined, 'D')]; // group D: slot 0's A tickets are the first test's
    await expect(kiosk.engine.runOnce({ blobs: false })).rejects.toMatchObject({ kind: 'unavailable' });
    expect(cut.pending).toBe(false);
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(2);
    await vi.waitFor(async () => expect(await centreHas(ids)).toBe(2), { timeout: SETTLE_MS, interval: 50 });
    await vi.waitFor(
      async () => {
        await kiosk.engine.runOnce({ blobs: false });
        expect(await outboxSeqs(kiosk)).toEqual([]);
      },
      { timeout: SETTLE_MS, interval: 100 },
    );
    expect(await loadSyncMeta(kiosk.db)).toMatchObject({ confirmedSeq: 2, heldSeq: 2 });
  });

  it('a hub whose database is lost loses nothing: kiosks send again what only it held, and the centre has each record once', { timeout: 90_000 }, async () => {
    const hubA = await startHub();
    const kiosk = await enrolKiosk(centre.db, hubA.base, clock, 1);
    const relayed = [await takeTicket(kiosk, clock), await takeTicket(kiosk, clock)];
    await kiosk.engine.runOnce({ blobs: false });
    await vi.waitFor(async () => expect(await centreHas(relayed)).toBe(2), { timeout: SETTLE_MS, interval: 50 });
    await kiosk.engine.runOnce({ blobs: false });
    expect(await outboxSeqs(kiosk)).toEqual([]);

    link.down = true;
    const onlyAtHub = [await takeTicket(kiosk, clock), await takeTicket(kiosk, clock)];
    await kiosk.engine.runOnce({ blobs: false });
    expect((await storedTickets(hubA.db, onlyAtHub)).size).toBe(2);
    expect(await outboxSeqs(kiosk)).toEqual([3, 4]);
    // The hub's machine dies with its disk; a new one starts empty, with the same hub credential.
    await hubA.close();
    hubs.splice(hubs.indexOf(hubA), 1);
    link.down = false;
    const hubB = await startHub();
    // Its first mirror pass brings back the branch's devices (credential hashes) from the centre.
    await vi.waitFor(async () => expect((await hubB.db.query('SELECT 1 FROM devices WHERE device_id = $1', [kiosk.deviceId])).length).toBe(1), {
      timeout: SETTLE_MS,
    });
    kiosk.moveTo(hubB.base);
    const report = await kiosk.engine.runOnce({ blobs: false });
    expect(report.pushed).toBe(2);
    await vi.waitFor(async () => expect(await centreHas([...relayed, ...onlyAtHub])).toBe(4), { timeout: SETTLE_MS, interval: 50 });
    const [n] = await centre.db.query<{ n: unknown }>('SELECT count(*) AS n FROM mutations WHERE device_id = $1', [kiosk.deviceId]);
    expect(Number(n!.n)).toBe(4);
  });

  it(
    'a refusal the centre recorded reaches the kiosk even when the hub that relayed it lost its database before the kiosk read it',
    { timeout: 90_000 },
    async () => {
      const hubA = await startHub();
      const kiosk = await enrolKiosk(centre.db, hubA.base, clock, 2);
      const branch = seededBranch();
      const group = branch.serviceGroups[0]!;
      // Numbered under a stale configuration (8 slots where the centre published 4): refused (ticket.slot-out-of-range).
      const stale = { ...branch, numbering: { ...branch.numbering, slots: 8 } };
      const { ticket: refused } = await issueTicket(
        kiosk.db,
        { deviceId: kiosk.deviceId, kioskSlot: 6, branch: stale, group, priority: false },
        clock,
        nodeRandom,
      );
      const accepted = await takeTicket(kiosk, clock);
      await kiosk.engine.runOnce({ blobs: false });
      const journal = await journalId(kiosk.db);
      await vi.waitFor(
        async () =>
          expect((await centre.db.query('SELECT 1 FROM mutations WHERE device_id = $1 AND journal_id = $2', [kiosk.deviceId, journal])).length).toBe(2),
        { timeout: SETTLE_MS, interval: 50 },
      );
      // The kiosk hears that the centre holds both (the state question) but its push is lost.
      const push = kiosk.transport.push.bind(kiosk.transport);
      let lost = 0;
      kiosk.transport.push = async (r) => {
        if (lost++ === 0) throw new TransportError('network', { code: 'sync.network', detail: 'lost by the test' });
        return push(r);
      };
      await expect(kiosk.engine.runOnce({ blobs: false })).rejects.toThrow();
      expect(await loadSyncMeta(kiosk.db)).toMatchObject({ confirmedSeq: 2, heldSeq: 2 });
      expect(await outboxSeqs(kiosk)).toEqual([1, 2]);

      // The hub's disk dies; a new one starts at what the kiosk says the centre holds, and knows no outcome there.
      await hubA.close();
      hubs.splice(hubs.indexOf(hubA), 1);
      const hubB = await startHub();
      await vi.waitFor(async () => expect((await hubB.db.query('SELECT 1 FROM devices WHERE device_id = $1', [kiosk.deviceId])).length).toBe(1), {
        timeout: SETTLE_MS,
      });
      kiosk.moveTo(hubB.base);
      // The link is down: the outcomes live at the centre only, so the kiosk keeps both entries and
      // its new records still reach the branch.
      link.down = true;
      const later = await takeTicket(kiosk, clock);
      const cut = await kiosk.engine.runOnce({ blobs: false });
      expect(cut).toMatchObject({ applied: 0, duplicates: 0, rejected: 0 });
      expect(await outboxSeqs(kiosk)).toEqual([1, 2, 3]);
      expect((await storedTickets(hubB.db, [later])).size).toBe(1);
      expect(await listSyncIssues(kiosk.db)).toEqual([]);

      // Link back: the hub asks the centre, and the kiosk reads the centre's verdicts.
      link.down = false;
      await vi.waitFor(async () => expect(await centreHas([later])).toBe(1), { timeout: SETTLE_MS, interval: 50 });
      await kiosk.engine.runOnce({ blobs: false });
      expect(await outboxSeqs(kiosk)).toEqual([]);
      const issues = await listSyncIssues(kiosk.db);
      expect(issues.map((i) => [i.deviceSeq, i.reason.code])).toEqual([[1, 'ticket.slot-out-of-range']]);
      const tickets = new Map((await kiosk.db.tickets.toArray()).map((t) => [t.id, t.syncedAt ?? null]));
      expect(typeof tickets.get(accepted)).toBe('number');
      expect(typeof tickets.get(later)).toBe('number');
      expect(tickets.get(refused.id)).toBeNull();
    },
  );

  it('a counter’s dossier with scans goes on while the link is down, and reaches the centre whole, each scan verified once', async () => {
    const hub = await startHub();
    const counter = await enrolKiosk(centre.db, hub.base, clock, 2, { role: 'counter' });
    link.down = true;
    const backlog = await counterBacklog(counter, { records: 5, pages: [1, 2, 1], pageBytes: 60_000 });
    const run = await counter.engine.runOnce();
    expect(run.blobsUploaded).toBe(3);
    const [dossier] = await counter.db.dossiers.toArray();
    const dossierId = dossier!.id;
    expect((await storedDossiers(hub.db, [dossierId])).get(dossierId)?.blobsMissing).toBe(0);
    expect((await status(hub)).unrelayedScans).toBe(3);
    expect((await storedDossiers(centre.db, [dossierId])).size).toBe(0);
    // The hub has the scans, the centre not yet: the counter keeps every one of them.
    const states = async () => (await counter.db.blobs.bulkGet(backlog.scans.map((x) => x.sha256))).map((b) => b?.state);
    expect(await states()).toEqual(['held', 'held', 'held']);
    expect(await counter.engine.runOnce()).toMatchObject({ blobsUploaded: 0 });
    // The received status is the centre's to publish: the hub's branch feed (a mirror) has none yet.
    const statusAtHub = async () => readPublishedOne<DossierStatus>(counter.reference, branchScope('CN01'), 'dossierStatus', dossier!.code);
    expect(await statusAtHub()).toBeNull();

    link.down = false;
    await vi.waitFor(async () => expect((await storedDossiers(centre.db, [dossierId])).get(dossierId)?.blobsMissing).toBe(0), {
      timeout: SETTLE_MS,
      interval: 100,
    });
    for (const scan of backlog.scans) expect(await storedBlobBytes(centre.db, centreBlobs, scan.sha256)).toEqual(Buffer.from(scan.bytes));
    const owners = await centre.db.query<{ device_id: string }>('SELECT device_id FROM blob_owners WHERE sha256 = ANY($1::text[])', [
      backlog.scans.map((x) => x.sha256),
    ]);
    expect(owners.map((o) => o.device_id)).toEqual([counter.deviceId, counter.deviceId, counter.deviceId]);
    await vi.waitFor(async () => expect(await status(hub)).toMatchObject({ unrelayedScans: 0, unrelayedRecords: 0 }), { timeout: SETTLE_MS });
    await vi.waitFor(async () => expect((await status(hub)).scopes.find((x) => x.scope === branchScope('CN01'))?.cursor).toBeGreaterThan(0), {
      timeout: SETTLE_MS,
    });
    const after = await counter.engine.runOnce();
    expect(after.repulled).toEqual([]);
    expect(await counter.db.outbox.count()).toBe(0);
    expect(await states()).toEqual(['verified', 'verified', 'verified']);
    expect(await statusAtHub()).toMatchObject({ code: dossier!.code, status: 'received' });
  });

  it('a scan whose every byte reached the centre but which nothing says it verified is sent again, not taken as delivered', async () => {
    // The first two final PATCHes are answered as by a centre that died between its last byte and
    // the verification: every byte counted (Upload-Offset = length), no Blob-Verified.
    const cutShort = new Set<string>();
    const dyingCentre: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.method === 'PATCH') {
        const headers = new Headers(init.headers);
        const offset = Number(headers.get('upload-offset'));
        const length = (init.body as Uint8Array).byteLength;
        const head = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: headers.get('authorization') ?? '' } });
        if (offset + length === Number(head.headers.get('upload-length')) && cutShort.size < 2) {
          cutShort.add(url);
          return new Response(null, { status: 204, headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(offset + length) } });
        }
      }
      return linkFetch(input, init);
    };
    const hub = await startHub(undefined, { fetch: dyingCentre });
    const counter = await enrolKiosk(centre.db, hub.base, clock, 1, { role: 'counter' });
    const backlog = await counterBacklog(counter, { records: 1, pages: [1, 2], pageBytes: 30_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(2);
    const [dossier] = await counter.db.dossiers.toArray();
    await vi.waitFor(async () => expect((await storedDossiers(centre.db, [dossier!.id])).get(dossier!.id)?.blobsMissing).toBe(0), {
      timeout: SETTLE_MS,
      interval: 100,
    });
    expect(cutShort.size, 'the centre "died" twice').toBe(2);
    for (const x of backlog.scans) expect(await storedBlobBytes(centre.db, centreBlobs, x.sha256)).toEqual(Buffer.from(x.bytes));
    await vi.waitFor(async () => expect((await status(hub)).unrelayedScans).toBe(0), { timeout: SETTLE_MS });
  });

  it('scans only the hub held are sent again to a hub that lost its disk, and reach the centre once', async () => {
    const hubA = await startHub();
    const counter = await enrolKiosk(centre.db, hubA.base, clock, 3, { role: 'counter' });
    link.down = true;
    const backlog = await counterBacklog(counter, { records: 2, pages: [2, 1], pageBytes: 40_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(2);
    expect((await status(hubA)).unrelayedScans).toBe(2);
    // The hub's machine dies with its disk before the link returns.
    await hubA.close();
    hubs.splice(hubs.indexOf(hubA), 1);
    link.down = false;
    const hubB = await startHub();
    await vi.waitFor(async () => expect((await hubB.db.query('SELECT 1 FROM devices WHERE device_id = $1', [counter.deviceId])).length).toBe(1), {
      timeout: SETTLE_MS,
    });
    counter.moveTo(hubB.base);
    const again = await counter.engine.runOnce();
    expect(again.blobsUploaded).toBe(2);
    const [dossier] = await counter.db.dossiers.toArray();
    await vi.waitFor(async () => expect((await storedDossiers(centre.db, [dossier!.id])).get(dossier!.id)?.blobsMissing).toBe(0), {
      timeout: SETTLE_MS,
      interval: 100,
    });
    for (const x of backlog.scans) expect(await storedBlobBytes(centre.db, centreBlobs, x.sha256)).toEqual(Buffer.from(x.bytes));
    const [owners] = await centre.db.query<{ n: unknown }>('SELECT count(*) AS n FROM blob_owners WHERE sha256 = ANY($1::text[])', [
      backlog.scans.map((x) => x.sha256),
    ]);
    expect(Number(owners!.n)).toBe(2);
    await vi.waitFor(async () => expect((await status(hubB)).unrelayedScans).toBe(0), { timeout: SETTLE_MS });
    await counter.engine.runOnce();
    expect((await counter.db.blobs.toArray()).map((b) => b.state)).toEqual(['verified', 'verified']);
  });

  it('scans whose bytes the hub lost while its database kept them are asked of the kiosk again, and reach the centre whole', async () => {
    // Slot 0: no other test here receives a dossier in it (the first dossier of a slot and day has one code).
    const hub = await startHub();
    const counter = await enrolKiosk(centre.db, hub.base, clock, 0, { role: 'counter' });
    link.down = true;
    const backlog = await counterBacklog(counter, { records: 0, pages: [1, 2], pageBytes: 30_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(2);
    const [dossier] = await counter.db.dossiers.toArray();
    const dossierId = dossier!.id;
    expect((await storedDossiers(hub.db, [dossierId])).get(dossierId)?.blobsMissing).toBe(0);
    // The hub's scan folder is damaged while its database lives on: one sealed copy is gone, the
    // other's bytes are overwritten.
    const [first, second] = backlog.scans.map((x) => x.sha256);
    const sealedFile = (sha: string) => {
      const folder = join(hub.blobDir, 'sha256', sha.slice(0, 2));
      return join(
        folder,
        readdirSync(folder).find((f) => f.startsWith(sha))!,
      );
    };
    rmSync(sealedFile(first!));
    writeFileSync(sealedFile(second!), Buffer.alloc(40_000, 7));
    link.down = false;
    // The relay finds both lost and forgets them: the hub counts them missing again and no longer
    // says it holds them, rather than failing on them for ever.
    await vi.waitFor(async () => expect((await storedDossiers(hub.db, [dossierId])).get(dossierId)?.blobsMissing).toBe(2), {
      timeout: SETTLE_MS,
      interval: 100,
    });
    expect((await status(hub)).unrelayedScans).toBe(0);
    expect((await counter.db.blobs.bulkGet([first!, second!])).map((b) => b?.state)).toEqual(['held', 'held']);
    // The counter kept its copies: its next run sends both again, and they reach the centre.
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(2);
    await vi.waitFor(async () => expect((await storedDossiers(centre.db, [dossierId])).get(dossierId)?.blobsMissing).toBe(0), {
      timeout: SETTLE_MS,
      interval: 100,
    });
    for (const x of backlog.scans) expect(await storedBlobBytes(centre.db, centreBlobs, x.sha256)).toEqual(Buffer.from(x.bytes));
    await vi.waitFor(async () => expect((await status(hub)).unrelayedScans).toBe(0), { timeout: SETTLE_MS });
    await counter.engine.runOnce();
    expect((await counter.db.blobs.bulkGet([first!, second!])).map((b) => b?.state)).toEqual(['verified', 'verified']);
  });

  it('a kiosk the hub has not heard of yet is let in at once: the hub asks the centre for its devices instead of answering 401 until its next pass', async () => {
    const hub = await startHub(undefined, { mirrorEveryMs: 600_000 });
    // The start's pass (its timer may fire while the first call runs; calls queue) and ours end:
    // no other until the test ends.
    await hubOf(hub.app)!.mirror.runOnce();
    await hubOf(hub.app)!.mirror.runOnce();
    // Enrolled at the centre after the hub's only pass (a kiosk moved here, or a hub that lost its database).
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 0);
    expect((await hub.db.query('SELECT 1 FROM devices WHERE device_id = $1', [kiosk.deviceId])).length).toBe(0);
    kiosk.moveTo(hub.base);
    // A rating: no ticket number that the other tests' slot-0 kiosk could already have taken.
    const rating = await rate(kiosk, clock);
    const run = await kiosk.engine.runOnce();
    expect(run.pushed, JSON.stringify(run)).toBe(1);
    await vi.waitFor(async () => expect((await storedRatings(centre.db, [rating])).size).toBe(1), { timeout: SETTLE_MS });
    // An unknown credential is still refused, and asks the centre at most once in a while.
    const stranger = await fetch(`${hub.base}/v1/sync/state`, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
    expect(stranger.status).toBe(401);
  });

  it('mirrors what the centre publishes, verbatim: a kiosk behind the hub pulls it with the centre’s cursors and checksums', async () => {
    const hub = await startHub();
    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 20);
    const published = await publish(centre.baseUrl, centre.adminToken, 'global', [
      { entity: 'procedure', op: 'put', data: procedure('1.007001', 'Thủ tục qua hub') },
    ]);
    expect(published.status).toBe(200);
    const top = (published.body as { lastSeq: number }).lastSeq;
    await vi.waitFor(async () => expect((await status(hub)).scopes.find((s) => s.scope === 'global')?.cursor).toBe(top), { timeout: SETTLE_MS });
    const report = await kiosk.engine.runOnce({ blobs: false });
    expect(report.repulled).toEqual([]);
    expect(await getCursor(kiosk.reference, 'global')).toBe(top);
    // The same feed as the centre's: the centre's checksum matches what the kiosk pulled from the hub.
    const atCentre = await fetch(`${centre.baseUrl}/v1/sync/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${identity.token}` },
      body: JSON.stringify({ protocolVersion: 1, scope: 'global', cursor: top, limit: 1, withChecksum: true }),
    });
    expect((await atCentre.json()).checksum).toEqual(await localChecksum(kiosk.reference, 'global'));
    // The hub does not publish on its own.
    const refused = await publish(hub.base, centre.adminToken, 'global', [{ entity: 'procedure', op: 'put', data: procedure('1.007002', 'Thủ tục khác') }]);
    expect(refused.status).toBe(401);
  });

  it('enrolment through the hub: codes of another branch are refused unspent; without the centre it says so; a revocation at the centre reaches the hub', async () => {
    const hub = await startHub();
    const other = await createEnrolCode(centre.db, 'CN02', 'citizen', clock.now());
    const enrol = (code: string, deviceId: string) =>
      fetch(`${hub.base}/v1/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, deviceId, role: 'citizen', slot: 20 }),
      });
    const refused = await enrol(other.code, crypto.randomUUID());
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe('enrol.other-branch-code');
    // Unspent: it still enrols a kiosk of CN02 at the centre.
    const atCentre = await fetch(`${centre.baseUrl}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: other.code, deviceId: crypto.randomUUID(), role: 'citizen', slot: 20 }),
    });
    expect(atCentre.status).toBe(200);

    link.down = true;
    const mine = await createEnrolCode(centre.db, 'CN01', 'citizen', clock.now());
    const offline = await enrol(mine.code, crypto.randomUUID());
    expect(offline.status).toBe(503);
    expect((await offline.json()).code).toBe('hub.upstream-unreachable');
    link.down = false;

    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 3);
    await takeTicket(kiosk, clock);
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(1);
    await revokeDevice(centre.db, kiosk.deviceId, clock.now());
    await vi.waitFor(
      async () =>
        expect(
          (await hub.db.query<{ revoked_at: unknown }>('SELECT revoked_at FROM devices WHERE device_id = $1', [kiosk.deviceId]))[0]?.revoked_at,
        ).not.toBeNull(),
      { timeout: SETTLE_MS },
    );
    await takeTicket(kiosk, clock);
    await expect(kiosk.engine.runOnce({ blobs: false })).rejects.toMatchObject({ kind: 'auth' });
  });

  it('the centre’s hub routes answer only a hub, and only for its own branch', async () => {
    const kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 15);
    const asKiosk = await fetch(`${centre.baseUrl}/v1/hub/devices`, { headers: { authorization: `Bearer ${kiosk.token}` } });
    expect(asKiosk.status).toBe(403);
    expect((await asKiosk.json()).code).toBe('auth.not-hub');
    const cn02 = await enrolKiosk(centre.db, centre.baseUrl, clock, 16, { branch: 'CN02' });
    const relay = await fetch(`${centre.baseUrl}/v1/hub/relay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${identity.token}` },
      body: JSON.stringify({
        protocolVersion: 1,
        deviceId: cn02.deviceId,
        journalId: crypto.randomUUID(),
        mutations: [{ mutationId: crypto.randomUUID(), deviceSeq: 1, name: 'ticket.issue@1', args: {}, schemaVersion: 1, createdAt: clock.now() }],
      }),
    });
    expect(relay.status).toBe(404);
    expect((await relay.json()).code).toBe('hub.unknown-device');
    const list = await fetch(`${centre.baseUrl}/v1/hub/devices`, { headers: { authorization: `Bearer ${identity.token}` } });
    const devices = ((await list.json()) as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId);
    expect(devices).toContain(kiosk.deviceId);
    expect(devices).not.toContain(cn02.deviceId);
    expect(devices).not.toContain(identity.deviceId);
  });

  it('a scan that reaches the hub while a relay pass is uploading another goes up beside it, not after the pass', async () => {
    // The centre takes the hub's PATCHes only when the test lets it: the first scan's upload is
    // under way and held there when the second dossier's scan arrives at the hub.
    const held: { url: string; release: () => void }[] = [];
    const gate = { open: false, patches: 0 };
    const slowCentre: typeof fetch = async (input, init) => {
      if (init?.method === 'PATCH') {
        gate.patches++;
        if (!gate.open) await new Promise<void>((release) => held.push({ url: String(input), release }));
      }
      return linkFetch(input, init);
    };
    // Last in the file, on a day of its own: a fresh counter in slot 1 numbers its dossiers from 1
    // again, and the centre would refuse codes another test's counter took today.
    clock.advance(24 * 3_600_000);
    const hub = await startHub(undefined, { fetch: slowCentre });
    const counter = await enrolKiosk(centre.db, hub.base, clock, 1, { role: 'counter' });
    const first = await counterBacklog(counter, { records: 0, pages: [1], pageBytes: 20_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(1);
    await vi.waitFor(() => expect(held).toHaveLength(1), { timeout: SETTLE_MS, interval: 20 });

    const second = await counterBacklog(counter, { records: 0, pages: [1], pageBytes: 20_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(1);
    // The first upload is still held, and the second has its own PATCH in flight beside it.
    await vi.waitFor(() => expect(held).toHaveLength(2), { timeout: SETTLE_MS, interval: 20 });
    expect(new Set(held.map((h) => h.url)).size).toBe(2);

    gate.open = true;
    for (const h of held) h.release();
    const scans = [...first.scans, ...second.scans];
    await vi.waitFor(async () => expect((await status(hub)).unrelayedScans).toBe(0), { timeout: SETTLE_MS, interval: 50 });
    for (const x of scans) expect(await storedBlobBytes(centre.db, centreBlobs, x.sha256)).toEqual(Buffer.from(x.bytes));
    expect(gate.patches, 'each scan went up in one PATCH').toBe(2);
  });

  it('scans the centre got from the counter directly are not all sent again by the hub: only those under way when the centre says it holds them', async () => {
    // Once the link is back, the hub's PATCHes wait until the centre has answered its question
    // which scans it holds: the uploads started before that answer are the ones sent again.
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    const link = { up: true, patches: 0 };
    const countingLink: typeof fetch = async (input, init) => {
      if (!link.up) throw new TypeError('fetch failed (link cut by the test)');
      if (init?.method === 'PATCH') {
        link.patches++;
        await answer;
      }
      const res = await fetch(input, init);
      if (String(input).endsWith(BLOBS_KNOWN_PATH) && res.ok) answered();
      return res;
    };
    clock.advance(24 * 3_600_000); // a day of its own, as above
    const hub = await startHub(undefined, { fetch: countingLink });
    const counter = await enrolKiosk(centre.db, hub.base, clock, 1, { role: 'counter' });
    link.up = false;
    const backlog = await counterBacklog(counter, { records: 0, pages: [1, 1, 1, 1, 1, 1, 1, 1], pageBytes: 20_000 });
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(8);
    expect((await status(hub)).unrelayedScans).toBe(8);
    // The counter moves to the centre and sends it everything the centre lacks, the scans too.
    counter.moveTo(centre.baseUrl);
    expect((await counter.engine.runOnce()).blobsUploaded).toBe(8);
    for (const x of backlog.scans) expect(await storedBlobBytes(centre.db, centreBlobs, x.sha256)).toEqual(Buffer.from(x.bytes));

    // The hub's own passes stop (the one under way ends); the test runs the next one itself.
    const relay = hubOf(hub.app)!.relay;
    await relay.stop();
    link.up = true;
    await relay.runOnce();
    expect((await status(hub)).unrelayedScans).toBe(0);
    // The pass asks the centre which of the eight it holds while its first uploads start: only
    // those (three at a time) go up again, never all eight.
    expect(link.patches).toBeLessThanOrEqual(RELAY_PARALLEL_SCANS);
    const [dossier] = await counter.db.dossiers.toArray();
    expect((await storedDossiers(centre.db, [dossier!.id])).get(dossier!.id)?.blobsMissing).toBe(0);
  });

  it('relays a journal two batches at a time: a push that arrives while a batch is on its way goes at once, and a batch that overtakes the one before it goes again after it, without stalling the journal', async () => {
    // The link holds the journal's first relayed batch back until the test lets it go.
    const relayed: { first: number; status: number }[] = [];
    let holding: (() => void) | null = null;
    const held = new Promise<void>((r) => (holding = r));
    let firstSent = false;
    const holdFirst: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.endsWith('/v1/hub/relay') || typeof init?.body !== 'string') return linkFetch(input, init);
      const first = (JSON.parse(init.body) as { mutations: { deviceSeq: number }[] }).mutations[0]!.deviceSeq;
      if (first === 1 && !firstSent) {
        firstSent = true;
        await held;
      }
      const res = await linkFetch(input, init);
      relayed.push({ first, status: res.status });
      return res;
    };
    // No pass on a timer: what reaches the centre goes in the pass the first push started (a
    // journal set aside as stalled would wait a minute for the next one).
    clock.advance(24 * 3_600_000); // a day of its own: its tickets' numbers are free at the centre
    const hub = await startHub(undefined, { fetch: holdFirst, relayBatchSize: 5, relayEveryMs: 60_000 });
    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 0);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await takeTicket(kiosk, clock));
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(5);
    await vi.waitFor(() => expect(firstSent).toBe(true), { timeout: SETTLE_MS, interval: 20 });
    // While seqs 1–5 are on their way, the kiosk pushes 6–12: the hub sends 6–10 at once, and
    // they reach the centre first, which answers with a gap.
    for (let i = 0; i < 7; i++) ids.push(await takeTicket(kiosk, clock));
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(7);
    await vi.waitFor(() => expect(relayed).toContainEqual({ first: 6, status: 409 }), { timeout: SETTLE_MS, interval: 20 });
    // The hub said the batch follows one on its way: the centre did not keep a gap for its staff
    // (closing it would declare seqs 1–5 lost while they travel).
    const [during] = await centre.db.query<{ gap_from: unknown }>('SELECT gap_from FROM journals WHERE device_id = $1', [kiosk.deviceId]);
    expect(during!.gap_from).toBeNull();
    holding!();
    await vi.waitFor(async () => expect(await centreHas(ids)).toBe(12), { timeout: SETTLE_MS, interval: 50 });
    await vi.waitFor(async () => expect(await status(hub)).toMatchObject({ unrelayedRecords: 0, stalledJournals: [] }), { timeout: SETTLE_MS });
    // After the first batch, the refused one went again and was applied; each batch once (the
    // answers are listed as they came back, on connections of their own).
    expect(
      relayed
        .filter((r) => r.status === 200)
        .map((r) => r.first)
        .sort((a, b) => a - b),
    ).toEqual([1, 6, 11]);
    const atCentre = await storedTickets(centre.db, ids);
    for (const t of await kiosk.db.tickets.toArray()) expect(atCentre.get(t.id)).toEqual(ticketContent(t));
    const [centreRows] = await centre.db.query<{ n: unknown }>('SELECT count(*) AS n FROM mutations WHERE device_id = $1', [kiosk.deviceId]);
    expect(Number(centreRows!.n)).toBe(12);
    // The gap the early batch showed the centre closed when the first batch applied.
    const [journal] = await centre.db.query<{ gap_from: unknown }>('SELECT gap_from FROM journals WHERE device_id = $1', [kiosk.deviceId]);
    expect(journal!.gap_from).toBeNull();
  });

  it('a relayed batch that overtook the one before it is sent again in the same pass, not set aside until the next', async () => {
    // Twelve records at the hub; the link holds the first batch back until the second, sent beside
    // it, has been answered. No pass on a timer and no push during the pass: a journal set aside as
    // stalled would wait for the next pass, a minute away.
    clock.advance(24 * 3_600_000); // a day of its own, as above
    const relayed: { first: number; status: number }[] = [];
    let secondBack: () => void = () => undefined;
    const second = new Promise<void>((r) => (secondBack = r));
    const holdFirst: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.endsWith('/v1/hub/relay') || typeof init?.body !== 'string') return linkFetch(input, init);
      const first = (JSON.parse(init.body) as { mutations: { deviceSeq: number }[] }).mutations[0]!.deviceSeq;
      if (first === 1) await second;
      const res = await linkFetch(input, init);
      relayed.push({ first, status: res.status });
      if (first === 6) secondBack();
      return res;
    };
    const hub = await startHub(undefined, { fetch: holdFirst, relayBatchSize: 5, relayEveryMs: 60_000 });
    const kiosk = await enrolKiosk(centre.db, hub.base, clock, 0);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await takeTicket(kiosk, clock));
    expect((await kiosk.engine.runOnce({ blobs: false })).pushed).toBe(12);
    await vi.waitFor(async () => expect(await centreHas(ids)).toBe(12), { timeout: SETTLE_MS, interval: 50 });
    expect(relayed[0]).toEqual({ first: 6, status: 409 });
    await vi.waitFor(async () => expect(await status(hub)).toMatchObject({ stalledJournals: [], unrelayedRecords: 0 }), { timeout: SETTLE_MS });
  });
});
