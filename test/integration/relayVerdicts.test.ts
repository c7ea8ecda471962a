import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBranch } from '../../src/server/admin';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { createRelayWorker } from '../../src/server/hub/relay';
import { relayJournalState } from '../../src/server/hub/relayStore';
import { UpstreamUnreachable, type Upstream } from '../../src/server/hub/upstream';
import { pushMutations } from '../../src/server/push';
import { pushAnswer } from '../../src/server/pushAnswer';
import { SYNC_PROTOCOL_VERSION, type MutationEnvelope, type PushResponse } from '../../src/shared/sync';
import { enrolDevice, openHarness, pgliteEngine, sampleRatingArgs, START, testDataProtection, type Harness } from './serverHarness';

/**
 * The hub's relay (hub/relay.ts) against a real centre (in process), the hub's database a PGlite
 * of its own, its link a fake Upstream that forwards to the centre's /v1/hub/relay.
 */
const envelope = (deviceSeq: number, args: unknown): MutationEnvelope => ({
  mutationId: randomUUID(),
  deviceSeq,
  name: 'rating.submit@1',
  args,
  schemaVersion: 1,
  createdAt: START + deviceSeq,
});

describe('relay verdicts', { timeout: 180_000 }, () => {
  let centre: Harness;
  let hubDb: Db;
  let hubAuth: { authorization: string };
  beforeAll(async () => {
    centre = await openHarness(pgliteEngine);
    hubAuth = (await enrolDevice(centre, 'CN01', 'hub')).auth;
    hubDb = await openPgliteDb(null);
    await migrate(hubDb);
    await createBranch(hubDb, 'CN01', 'Chi nhánh số 1');
  }, 180_000);
  afterAll(async () => {
    await hubDb?.close();
    await centre?.dispose();
  });

  const forward = async (path: string, body: unknown, headers: Readonly<Record<string, string>> = {}) => {
    const res = await centre.app.inject({ method: 'POST', url: path, headers: { ...hubAuth, ...headers }, payload: body as object });
    return { status: res.statusCode, body: res.json() as unknown };
  };

  it('a batch whose answer was lost while the batch after it applied: the later batch’s verdicts still reach the hub', async () => {
    // The kiosk, known to both (the hub copies its row from the centre).
    const kiosk = await enrolDevice(centre, 'CN01', 'citizen');
    await hubDb.query(`INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot) VALUES ($1, 'CN01', 'citizen', $2, $3, NULL)`, [
      kiosk.deviceId,
      randomUUID(),
      START,
    ]);
    const device = { deviceId: kiosk.deviceId, branchCode: 'CN01', role: 'citizen', slot: null };
    const journalId = randomUUID();

    // A rating id the centre already holds (another device's record): the centre refuses seq 4, the hub cannot know.
    const taken = sampleRatingArgs();
    const other = await enrolDevice(centre, 'CN01', 'citizen');
    const pre = await centre.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: other.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: randomUUID(), mutations: [envelope(1, taken)] },
    });
    expect(pre.statusCode).toBe(200);

    const mutations = [envelope(1, sampleRatingArgs()), envelope(2, sampleRatingArgs()), envelope(3, sampleRatingArgs()), envelope(4, taken)];
    const atHub = await pushMutations(hubDb, device, journalId, mutations, { protection: testDataProtection, relay: { baseSeq: async () => 0 } });
    expect(atHub.kind).toBe('done');

    // The first batch (seqs 1–2) reaches the centre and applies, but its answer is lost; the one sent
    // beside it (3–4) applies after it and is answered.
    let firstApplied!: () => void;
    const applied = new Promise<void>((r) => (firstApplied = r));
    let secondAnswered!: () => void;
    const answered = new Promise<void>((r) => (secondAnswered = r));
    let lose = true;
    let resentAnswered!: () => void;
    const resent = new Promise<void>((r) => (resentAnswered = r));
    const upstream: Upstream = {
      baseUrl: 'http://centre.test',
      link: () => ({ reachable: true, lastAnswerAt: null, lastFailureAt: null, lastFailure: null }),
      raw: () => Promise.reject(new Error('not used')),
      async request(_method, path, body, options = {}) {
        const first = (body as { mutations: MutationEnvelope[] }).mutations[0]!.deviceSeq;
        if (!lose) {
          const res = await forward(path, body, options.headers);
          if (first === 1) resentAnswered();
          return res;
        }
        if (first === 1) {
          await forward(path, body, options.headers);
          firstApplied();
          await answered;
          throw new UpstreamUnreachable('the answer was lost (test)');
        }
        await applied;
        const res = await forward(path, body, options.headers);
        secondAnswered();
        return res;
      },
    };
    const relay = createRelayWorker({ db: hubDb, protection: testDataProtection, clock: centre.clock, upstream, log: centre.app.log, batchSize: 2 });
    await expect(relay.runOnce()).rejects.toThrow();
    lose = false;
    // The hub's next pass: its read of the batch after the first is slower than the centre's answer
    // to the first (the hub's PGlite busy with the kiosks' pushes; a centre close by).
    const slowRead: Db = {
      kind: hubDb.kind,
      async query(sql, params) {
        if (sql.includes('FROM relay_outbox') && sql.includes('device_seq > $4') && Number(params?.[3]) > 0) {
          await resent;
          await new Promise((r) => setTimeout(r, 50));
        }
        return hubDb.query(sql, params);
      },
      exec: (sql) => hubDb.exec(sql),
      transaction: (fn) => hubDb.transaction(fn),
      close: () => hubDb.close(),
    };
    const next = createRelayWorker({ db: slowRead, protection: testDataProtection, clock: centre.clock, upstream, log: centre.app.log, batchSize: 2 });
    await next.runOnce();

    // The centre refused seq 4 (rating.id-taken) ...
    const [centreRow] = await centre.db.query<{ status: string; reason: { code: string } | null }>(
      'SELECT status, reason FROM mutations WHERE device_id = $1 AND journal_id = $2 AND device_seq = 4',
      [kiosk.deviceId, journalId],
    );
    expect([centreRow!.status, centreRow!.reason?.code]).toEqual(['rejected', 'rating.id-taken']);
    // ... and the hub tells the kiosk that the centre holds seqs 1–4.
    const state = await relayJournalState(hubDb, kiosk.deviceId, journalId);
    expect(state.centreSeq).toBe(4);
    // The kiosk sends seq 4 again to read its final outcome (src/storage/syncRepository.ts): the hub
    // must give the centre's verdict, not its own.
    const again = await pushMutations(hubDb, device, journalId, [mutations[3]!], { protection: testDataProtection, relay: { baseSeq: async () => 0 } });
    const answer = pushAnswer(again, { upstream: state }).body as PushResponse;
    expect(answer.confirmedSeq).toBe(4);
    expect(answer.results[0]?.reason?.code).toBe('rating.id-taken');
  });
});
