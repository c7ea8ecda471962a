import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchConfig } from '../../src/shared/branchConfig';
import { PushGap, PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope, type MutationResult } from '../../src/shared/sync';
import { type DossierSubmitArgs } from '../../src/shared/records';
import { revokeDevice } from '../../src/server/admin';
import { publishChanges } from '../../src/server/changes';
import { MAX_JOURNALS_PER_DEVICE, pushMutations } from '../../src/server/push';
import { engines, enrolDevice, openHarness, sampleRatingArgs, START, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * Every outcome a kiosk can get back from a push, as the kiosk and the centre's staff see it: what
 * is stored (and exactly what), what is refused with which code, how seqs and mutation ids that are
 * used twice are answered, the order of the answers, the stream's gap bookkeeping, and a record the
 * database itself refuses. Server in process (inject) on PGlite, and on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
const DAY = '2026-11-24';

const ticket = (branchCode: string, slot: number, numeric: number, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  branchCode,
  kioskSlot: slot,
  day: DAY,
  groupPrefix: 'A',
  number: `A${String(numeric).padStart(4, '0')}`,
  numeric,
  priority: false,
  issuedAt: START + numeric,
  ...extra,
});

const envelope = (deviceSeq: number, args: unknown, name: MutationEnvelope['name'] = 'ticket.issue@1', mutationId = randomUUID()): MutationEnvelope => ({
  mutationId,
  deviceSeq,
  name,
  args,
  schemaVersion: 1,
  createdAt: START + deviceSeq,
});

/** A dossier received at a counter of CN01 (slot 0), with one scan. */
const dossier = (code: string, id = randomUUID()): DossierSubmitArgs => ({
  id,
  code,
  branchCode: 'CN01',
  slot: 0,
  receivedAt: START,
  procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
  applicant: {
    idNumber: '001090012345',
    fullName: 'Phạm Thị Thu',
    dateOfBirth: '1991-03-04',
    gender: 'female',
    address: 'Số 2 Tràng Tiền, Hoàn Kiếm, Hà Nội',
    phone: '0912000111',
    email: '',
    fromCard: true,
  },
  documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: 'e'.repeat(64), size: 1000, pages: 1, reusedFrom: null }],
  missing: [],
  incompleteReason: null,
  sets: 1,
  appointment: { kind: 'needs-confirmation' },
  resultDelivery: { method: 'counter', detail: '' },
  lookupSecret: 'K7P4X9QM',
  officerName: 'Lê Văn Cường',
});

/** [status, reason code] of each result, the way the kiosk's outbox reads them. */
const outcomes = (results: readonly MutationResult[]) => results.map((r) => [r.deviceSeq, r.status, r.reason?.code ?? null]);

describe.each(engines)('push outcomes on $name', (engine) => {
  let h: Harness;
  // A server on a fresh database: PGlite's start can take a minute on a loaded 2-core machine.
  beforeAll(async () => {
    h = await openHarness(engine);
  }, 180_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const post = async (device: EnrolledDevice, journalId: string, mutations: MutationEnvelope[]) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: device.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations },
    });
    return { status: res.statusCode, body: res.json() as unknown };
  };
  /** A push that must be answered 200. */
  const push = async (device: EnrolledDevice, journalId: string, mutations: MutationEnvelope[]) => {
    const res = await post(device, journalId, mutations);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return PushResponse.parse(res.body);
  };
  const rows = <T>(sql: string, params: unknown[] = []) => h.db.query<T & Record<string, unknown>>(sql, params);
  const count = async (sql: string, params: unknown[] = []) => Number((await rows<{ n: unknown }>(sql, params))[0]?.n);
  const journal = async (device: EnrolledDevice, journalId: string) =>
    (
      await rows<{ last_seq: unknown; gap_from: unknown; gap_to: unknown; gap_seen_at: unknown }>(
        'SELECT last_seq, gap_from, gap_to, gap_seen_at FROM journals WHERE device_id = $1 AND journal_id = $2',
        [device.deviceId, journalId],
      )
    ).map((r) => ({
      lastSeq: Number(r.last_seq),
      gapFrom: r.gap_from === null ? null : Number(r.gap_from),
      gapTo: r.gap_to === null ? null : Number(r.gap_to),
      gapSeenAt: r.gap_seen_at === null ? null : Number(r.gap_seen_at),
    }))[0];
  const storedMutations = async (device: EnrolledDevice) =>
    (
      await rows<{ mutation_id: string; device_seq: unknown; status: string; reason: { code: string } | null }>(
        'SELECT mutation_id, device_seq, status, reason FROM mutations WHERE device_id = $1 ORDER BY device_seq',
        [device.deviceId],
      )
    ).map((r) => [Number(r.device_seq), r.mutation_id, r.status, r.reason?.code ?? null]);

  it('stores a ticket and a rating exactly as the kiosk sent them, attributed to the sending device', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const t = ticket('CN01', 3, 3007, { priority: true, groupPrefix: 'B', number: 'B3007' });
    const r = sampleRatingArgs('CN01', {
      ticketId: t.id,
      dossierCode: '000.21.01.H26-261124-0007',
      counter: 'Quầy 7',
      level: 'dissatisfied',
      reasons: ['time', 'attitude'],
      comment: 'Chờ lâu quá',
      questionnaireId: 'q-2026',
      questionnaireVersion: 3,
      submittedAt: START + 99,
    });
    const res = await push(kiosk, journalId, [envelope(1, t), envelope(2, r, 'rating.submit@1')]);
    expect(res).toEqual({ lastSeq: 2, results: [expect.objectContaining({ status: 'applied' }), expect.objectContaining({ status: 'applied' })] });
    expect(res.results.every((x) => x.reason === undefined)).toBe(true);

    const [storedTicket] = await rows('SELECT * FROM tickets WHERE id = $1', [t.id]);
    expect({
      ...storedTicket,
      kiosk_slot: Number(storedTicket?.kiosk_slot),
      numeric: Number(storedTicket?.numeric),
      issued_at: Number(storedTicket?.issued_at),
    }).toMatchObject({
      id: t.id,
      branch_code: 'CN01',
      device_id: kiosk.deviceId,
      kiosk_slot: 3,
      day: DAY,
      group_prefix: 'B',
      number: 'B3007',
      numeric: 3007,
      priority: true,
      issued_at: t.issuedAt,
    });
    const [storedRating] = await rows<{ questionnaire_version: unknown; submitted_at: unknown }>('SELECT * FROM ratings WHERE id = $1', [r.id]);
    expect({
      ...storedRating,
      questionnaire_version: Number(storedRating?.questionnaire_version),
      submitted_at: Number(storedRating?.submitted_at),
    }).toMatchObject({
      id: r.id,
      branch_code: 'CN01',
      device_id: kiosk.deviceId,
      ticket_id: t.id,
      dossier_code: '000.21.01.H26-261124-0007',
      counter: 'Quầy 7',
      level: 'dissatisfied',
      reasons: ['time', 'attitude'],
      comment: 'Chờ lâu quá',
      questionnaire_id: 'q-2026',
      questionnaire_version: 3,
      submitted_at: START + 99,
    });
    // The mutation log: one applied row per seq, under the stream it came on.
    expect(await storedMutations(kiosk)).toEqual([
      [1, expect.any(String), 'applied', null],
      [2, expect.any(String), 'applied', null],
    ]);
    expect(await count('SELECT count(*) AS n FROM mutations WHERE device_id = $1 AND journal_id = $2', [kiosk.deviceId, journalId])).toBe(2);
  });

  describe("with the branch's published ticket numbering (blocks of 1000, 4 slots)", () => {
    beforeAll(async () => {
      const seed = JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')) as BranchConfig;
      const config: BranchConfig = { ...seed, branchCode: 'CN02', numbering: { ...seed.numbering, blockSize: 1000, slots: 4 } };
      const published = await publishChanges(h.db, { scope: 'branch:CN02', changes: [{ entity: 'branchConfig', op: 'put', data: config }] });
      expect(published.ok).toBe(true);
    });

    it('refuses a ticket from a slot the branch does not have, or numbered outside its slot’s blocks, and applies the rest', async () => {
      const kiosk = await enrolDevice(h, 'CN02', 'citizen');
      const journalId = randomUUID();
      const cases: [slot: number, numeric: number, expected: string][] = [
        [1, 1001, 'applied'], // first number of slot 1's block 1
        [1, 1999, 'applied'], // last number of it
        [1, 5001, 'applied'], // block 5 = 1 mod 4: slot 1's overflow block
        [0, 999, 'applied'],
        [3, 3500, 'applied'],
        [4, 4001, 'ticket.slot-out-of-range'], // slots are 0–3
        [7, 3001, 'ticket.slot-out-of-range'],
        [1, 2001, 'ticket.number-out-of-range'], // block 2 belongs to slot 2
        [1, 1000, 'ticket.number-out-of-range'], // 1000 opens block 1 but is never issued (a block starts at …001)
        [0, 0, 'ticket.number-out-of-range'],
        [2, 1002, 'ticket.number-out-of-range'],
        [3, 6001, 'ticket.number-out-of-range'], // block 6 = 2 mod 4
      ];
      const tickets = cases.map(([slot, numeric]) => ticket('CN02', slot, numeric));
      const res = await push(
        kiosk,
        journalId,
        tickets.map((t, k) => envelope(k + 1, t)),
      );
      expect(res.lastSeq).toBe(cases.length);
      expect(res.results.map((r) => r.reason?.code ?? r.status)).toEqual(cases.map(([, , expected]) => expected));
      const slotOut = res.results[5]!.reason!;
      expect(slotOut.detail).toBe("kiosk slot 4 is not below the branch's 4 slots");
      expect(res.results[7]!.reason!.detail).toBe('ticket A2001 is outside the number blocks of kiosk slot 1');
      // Only the applied ones are stored; every seq is consumed, the refusals logged with their reason.
      const stored = await rows<{ id: string }>('SELECT id FROM tickets WHERE device_id = $1', [kiosk.deviceId]);
      expect(new Set(stored.map((r) => r.id))).toEqual(new Set(tickets.filter((_, k) => cases[k]![2] === 'applied').map((t) => t.id)));
      expect((await storedMutations(kiosk)).map(([seq, , status, code]) => [seq, code ?? status])).toEqual(cases.map(([, , e], k) => [k + 1, e]));
    });

    it('checks each branch against its own numbering: a branch without a published one takes any slot and number', async () => {
      const kiosk = await enrolDevice(h, 'CN01', 'citizen');
      const res = await push(kiosk, randomUUID(), [envelope(1, ticket('CN01', 4, 4001)), envelope(2, ticket('CN01', 1, 2000))]);
      expect(outcomes(res.results)).toEqual([
        [1, 'applied', null],
        [2, 'applied', null],
      ]);
    });
  });

  it('answers a seq sent again with another mutation as sync.seq-reused, storing nothing of it (earlier push or same batch)', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const first = [envelope(1, ticket('CN01', 0, 11)), envelope(2, ticket('CN01', 0, 12))];
    await push(kiosk, journalId, first);

    // A restored kiosk numbers a new record 1 again; seq 2 is the very same mutation.
    const impostor = ticket('CN01', 0, 13);
    const res = await push(kiosk, journalId, [envelope(1, impostor), first[1]!, envelope(3, ticket('CN01', 0, 14))]);
    expect(outcomes(res.results)).toEqual([
      [1, 'duplicate', 'sync.seq-reused'],
      [2, 'duplicate', null],
      [3, 'applied', null],
    ]);
    expect(res.results[0]!.reason!.detail).toBe('seq 1 was already used by another mutation');
    expect(res.lastSeq).toBe(3);
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [impostor.id])).toBe(0);

    // Within one batch: the first mutation with seq 4 is applied, another one with seq 4 is not;
    // the same mutation twice is a plain duplicate.
    const four = envelope(4, ticket('CN01', 0, 15));
    const otherFour = envelope(4, ticket('CN01', 0, 16));
    const five = envelope(5, ticket('CN01', 0, 17));
    const batch = await push(kiosk, journalId, [four, otherFour, five, five]);
    expect(outcomes(batch.results)).toEqual([
      [4, 'applied', null],
      [4, 'duplicate', 'sync.seq-reused'],
      [5, 'applied', null],
      [5, 'duplicate', null],
    ]);
    expect(batch.results.map((r) => r.mutationId)).toEqual([four.mutationId, otherFour.mutationId, five.mutationId, five.mutationId]);
    expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(5);
  });

  it('refuses a mutationId used for a second record (sync.mutation-id-reused), consumes its seq, and a replay of that seq has no stored outcome', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const reusedId = randomUUID();
    const original = envelope(1, ticket('CN01', 0, 21), 'ticket.issue@1', reusedId);
    const copy = envelope(2, ticket('CN01', 0, 22), 'ticket.issue@1', reusedId);
    const res = await push(kiosk, journalId, [original, copy, envelope(3, ticket('CN01', 0, 23))]);
    expect(outcomes(res.results)).toEqual([
      [1, 'applied', null],
      [2, 'rejected', 'sync.mutation-id-reused'],
      [3, 'applied', null],
    ]);
    expect(res.lastSeq).toBe(3);
    // Its record is not stored and the log keeps one row per mutationId: the first.
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [(copy.args as { id: string }).id])).toBe(0);
    expect(await storedMutations(kiosk)).toEqual([
      [1, reusedId, 'applied', null],
      [3, expect.any(String), 'applied', null],
    ]);

    // The id known from an earlier push is refused as well; a replay of a seq consumed that way
    // is told its outcome is unknown (nothing was stored for it), whether sent alone or twice.
    const later = envelope(4, ticket('CN01', 0, 24), 'ticket.issue@1', reusedId);
    const again = await push(kiosk, journalId, [later, later]);
    expect(outcomes(again.results)).toEqual([
      [4, 'rejected', 'sync.mutation-id-reused'],
      [4, 'duplicate', 'sync.outcome-unknown'],
    ]);
    const replay = await push(kiosk, journalId, [copy, original]);
    expect(outcomes(replay.results)).toEqual([
      [2, 'duplicate', 'sync.outcome-unknown'],
      [1, 'duplicate', null],
    ]);
    expect(await journal(kiosk, journalId)).toMatchObject({ lastSeq: 4 });
  });

  it('applies the new part of a batch that repeats old seqs, answering in the order sent', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const [m1, m2, m3, m4] = [31, 32, 33, 34].map((n, k) => envelope(k + 1, ticket('CN01', 0, n)));
    await push(kiosk, journalId, [m1!, m2!]);
    const res = await push(kiosk, journalId, [m3!, m1!, m4!, m2!]);
    expect(res.lastSeq).toBe(4);
    expect(outcomes(res.results)).toEqual([
      [3, 'applied', null],
      [1, 'duplicate', null],
      [4, 'applied', null],
      [2, 'duplicate', null],
    ]);
    expect(res.results.map((r) => r.mutationId)).toEqual([m3!.mutationId, m1!.mutationId, m4!.mutationId, m2!.mutationId]);
  });

  it('keeps what came before a gap, records the missing seqs for staff, and clears them when the stream moves on', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const m = [41, 42, 43, 44, 45, 46].map((n, k) => envelope(k + 1, ticket('CN01', 0, n)));
    await push(kiosk, journalId, [m[0]!]);
    h.clock.advance(5_000);
    // Seqs 3 and 4 are missing; 2 and the repeated 1 come before the gap, 5 and 6 after it.
    const gap = await post(kiosk, journalId, [m[1]!, m[0]!, m[4]!, m[5]!]);
    expect(gap.status).toBe(409);
    const body = PushGap.parse(gap.body);
    expect(body).toMatchObject({ code: 'sync.gap', expectedSeq: 3, detail: 'expected deviceSeq 3' });
    expect(outcomes(body.results)).toEqual([
      [2, 'applied', null],
      [1, 'duplicate', null],
    ]);
    expect(await journal(kiosk, journalId)).toEqual({ lastSeq: 2, gapFrom: 3, gapTo: 4, gapSeenAt: h.clock.now() });
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [(m[4]!.args as { id: string }).id])).toBe(0);

    // A gap right at the start of a batch: nothing applied, the gap still recorded.
    const only = await post(kiosk, journalId, [m[5]!]);
    expect(only.status).toBe(409);
    expect(PushGap.parse(only.body)).toMatchObject({ expectedSeq: 3, results: [] });
    expect(await journal(kiosk, journalId)).toMatchObject({ lastSeq: 2, gapFrom: 3, gapTo: 5 });

    const filled = await push(kiosk, journalId, m.slice(2));
    expect(filled.lastSeq).toBe(6);
    expect(await journal(kiosk, journalId)).toEqual({ lastSeq: 6, gapFrom: null, gapTo: null, gapSeenAt: null });
  });

  it('rejects a record the database refuses (sync.unstorable) and applies the rest of the batch, before and after it', async () => {
    // A rule the kiosk's schemas do not know (a check added at the centre): the database refuses the row.
    const refusedComment = 'từ chối bởi cơ sở dữ liệu';
    await h.db.query(`ALTER TABLE ratings ADD CONSTRAINT push_outcomes_refused CHECK (comment <> '${refusedComment}')`);
    try {
      const kiosk = await enrolDevice(h, 'CN01', 'citizen');
      const journalId = randomUUID();
      const refused = sampleRatingArgs('CN01', { comment: refusedComment });
      const kept = sampleRatingArgs('CN01', { comment: 'Tốt' });
      const t1 = ticket('CN01', 0, 51);
      const t2 = ticket('CN01', 0, 52);
      const batch = [envelope(1, t1), envelope(2, refused, 'rating.submit@1'), envelope(3, kept, 'rating.submit@1'), envelope(4, t2)];
      const res = await push(kiosk, journalId, batch);
      expect(res.lastSeq).toBe(4);
      expect(outcomes(res.results)).toEqual([
        [1, 'applied', null],
        [2, 'rejected', 'sync.unstorable'],
        [3, 'applied', null],
        [4, 'applied', null],
      ]);
      expect(await count('SELECT count(*) AS n FROM ratings WHERE device_id = $1', [kiosk.deviceId])).toBe(1);
      expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(2);
      expect(await storedMutations(kiosk)).toEqual([
        [1, batch[0]!.mutationId, 'applied', null],
        [2, batch[1]!.mutationId, 'rejected', 'sync.unstorable'],
        [3, batch[2]!.mutationId, 'applied', null],
        [4, batch[3]!.mutationId, 'applied', null],
      ]);
      // The replay tells the same story, and a refused record followed by a gap keeps its answer.
      const replay = await push(kiosk, journalId, batch);
      expect(outcomes(replay.results)).toEqual([
        [1, 'duplicate', null],
        [2, 'duplicate', 'sync.unstorable'],
        [3, 'duplicate', null],
        [4, 'duplicate', null],
      ]);
      const gap = await post(kiosk, journalId, [
        envelope(5, sampleRatingArgs('CN01', { comment: refusedComment }), 'rating.submit@1'),
        envelope(7, ticket('CN01', 0, 57)),
      ]);
      expect(gap.status).toBe(409);
      expect(PushGap.parse(gap.body)).toMatchObject({ expectedSeq: 6, results: [{ deviceSeq: 5, status: 'rejected', reason: { code: 'sync.unstorable' } }] });
      expect(await journal(kiosk, journalId)).toMatchObject({ lastSeq: 5 });
    } finally {
      await h.db.query('ALTER TABLE ratings DROP CONSTRAINT push_outcomes_refused');
    }
  });

  it('rejects a record on a data exception (22…) but fails the push on a transient error (503), consuming nothing, so the same batch applies later', async () => {
    // The database itself raises them (a trigger standing for a rule or an outage the schemas cannot know).
    await h.db.exec(`
      CREATE FUNCTION push_outcomes_raise() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.comment = 'data exception' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF;
        IF NEW.comment = 'database busy' THEN RAISE EXCEPTION 'busy' USING ERRCODE = '53300'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER push_outcomes_raise BEFORE INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION push_outcomes_raise();`);
    try {
      const kiosk = await enrolDevice(h, 'CN01', 'citizen');
      const journalId = randomUUID();
      const dataError = [envelope(1, ticket('CN01', 0, 81)), envelope(2, sampleRatingArgs('CN01', { comment: 'data exception' }), 'rating.submit@1')];
      expect(outcomes((await push(kiosk, journalId, dataError)).results)).toEqual([
        [1, 'applied', null],
        [2, 'rejected', 'sync.unstorable'],
      ]);

      const busy = [envelope(3, ticket('CN01', 0, 83)), envelope(4, sampleRatingArgs('CN01', { comment: 'database busy' }), 'rating.submit@1')];
      const refused = await post(kiosk, journalId, busy);
      expect(refused).toMatchObject({ status: 503, body: { code: 'server.unavailable' } });
      expect(await journal(kiosk, journalId)).toMatchObject({ lastSeq: 2 });
      expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [(busy[0]!.args as { id: string }).id])).toBe(0);
      await h.db.exec('DROP TRIGGER push_outcomes_raise ON ratings');
      expect(outcomes((await push(kiosk, journalId, busy)).results)).toEqual([
        [3, 'applied', null],
        [4, 'applied', null],
      ]);
    } finally {
      await h.db.exec('DROP TRIGGER IF EXISTS push_outcomes_raise ON ratings; DROP FUNCTION push_outcomes_raise()');
    }
  });

  it('answers a dossier sent twice in one batch like its first copy, and the same id with another code as dossier.id-taken', async () => {
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const journalId = randomUUID();
    const first = dossier('000.21.01.H26-261124-0901');
    const clash = dossier('000.21.01.H26-261124-0902');
    const res = await push(counter, journalId, [
      envelope(1, first, 'dossier.submit@1'),
      envelope(2, first, 'dossier.submit@1'),
      envelope(3, { ...first, code: '000.21.01.H26-261124-0903' }, 'dossier.submit@1'),
      envelope(4, clash, 'dossier.submit@1'),
      envelope(5, { ...clash, id: randomUUID() }, 'dossier.submit@1'),
      envelope(6, { ...clash, id: randomUUID() }, 'dossier.submit@1'),
    ]);
    expect(outcomes(res.results)).toEqual([
      [1, 'applied', null],
      [2, 'applied', null],
      [3, 'rejected', 'dossier.id-taken'],
      [4, 'applied', null],
      [5, 'rejected', 'dossier.code-taken'],
      [6, 'rejected', 'dossier.code-taken'],
    ]);
    expect(await count('SELECT count(*) AS n FROM received_dossiers WHERE device_id = $1', [counter.deviceId])).toBe(2);
    expect(await count("SELECT count(*) AS n FROM dossiers WHERE code LIKE '000.21.01.H26-261124-090%'")).toBe(2);
  });

  it('refuses a ticket number another ticket of the day and group holds (ticket.number-taken), in one batch and across two', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const first = ticket('CN01', 0, 901);
    const res = await push(kiosk, journalId, [envelope(1, first), envelope(2, ticket('CN01', 0, 901)), envelope(3, ticket('CN01', 0, 902))]);
    expect(outcomes(res.results)).toEqual([
      [1, 'applied', null],
      [2, 'rejected', 'ticket.number-taken'],
      [3, 'applied', null],
    ]);
    expect(res.results[1]!.reason!.detail).toBe(`ticket ${first.number} of ${first.day} already exists in branch CN01`);
    const later = await push(kiosk, journalId, [envelope(4, ticket('CN01', 0, 902))]);
    expect(outcomes(later.results)).toEqual([[4, 'rejected', 'ticket.number-taken']]);
    expect(await count('SELECT count(*) AS n FROM tickets WHERE device_id = $1', [kiosk.deviceId])).toBe(2);
  });

  it("records a counter's audit events in the centre's log: a reuse with what it went into, a print without detail", async () => {
    const counter = await enrolDevice(h, 'CN01', 'counter');
    const event = (action: string, relatedCode: string | null, documents: number) => ({
      id: randomUUID(),
      branchCode: 'CN01',
      action,
      dossierCode: '000.21.01.H26-261124-0501',
      relatedCode,
      documents,
      at: START + 5,
    });
    const reuse = event('dossier.reuse', '000.21.01.H26-261124-0502', 3);
    const print = event('receipt.print', null, 0);
    const res = await push(counter, randomUUID(), [envelope(1, reuse, 'audit.event@1'), envelope(2, print, 'audit.event@1')]);
    expect(outcomes(res.results)).toEqual([
      [1, 'applied', null],
      [2, 'applied', null],
    ]);
    const logged = await rows<{ event_id: string; action: string; target: string; detail: string | null; actor_id: string; device_at: unknown }>(
      'SELECT event_id, action, target, detail, actor_id, device_at FROM audit_log WHERE event_id = ANY($1::uuid[]) ORDER BY action',
      [[reuse.id, print.id]],
    );
    expect(logged.map((r) => [r.action, r.target, r.detail, r.actor_id, Number(r.device_at)])).toEqual([
      ['dossier.reuse', reuse.dossierCode, 'into 000.21.01.H26-261124-0502: 3 document(s)', counter.deviceId, START + 5],
      ['receipt.print', print.dossierCode, null, counter.deviceId, START + 5],
    ]);
  });

  it('refuses a rating id already stored (rating.id-taken) and ratings of another branch or with bad fields, without echoing values', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const r = sampleRatingArgs('CN01');
    const res = await push(kiosk, journalId, [
      envelope(1, r, 'rating.submit@1'),
      envelope(2, { ...r, comment: 'lần hai' }, 'rating.submit@1'),
      envelope(3, sampleRatingArgs('CN02'), 'rating.submit@1'),
      envelope(4, sampleRatingArgs('CN01', { level: 'Nguyễn Văn Bí Mật' }), 'rating.submit@1'),
      envelope(5, sampleRatingArgs('CN01', { 'khóa lạ': 1, other: 2 }), 'rating.submit@1'),
      envelope(6, { ...ticket('CN01', 0, 61), number: 'A9999' }),
    ]);
    expect(outcomes(res.results)).toEqual([
      [1, 'applied', null],
      [2, 'rejected', 'rating.id-taken'],
      [3, 'rejected', 'sync.wrong-branch'],
      [4, 'rejected', 'sync.invalid-args'],
      [5, 'rejected', 'sync.invalid-args'],
      [6, 'rejected', 'sync.invalid-args'],
    ]);
    expect(res.results[2]!.reason!.detail).toBe('device belongs to branch CN01, rating says CN02');
    expect(res.results[3]!.reason!.detail).toMatch(/^level: /);
    expect(res.results[3]!.reason!.detail).not.toContain('Bí Mật');
    expect(res.results[4]!.reason!.detail).toBe('(root): 2 unknown field(s)');
    expect(res.results[5]!.reason!.detail).toBe('(root): number must be groupPrefix followed by numeric');
    expect(await count('SELECT count(*) AS n FROM ratings WHERE device_id = $1', [kiosk.deviceId])).toBe(1);
    expect((await rows<{ comment: string }>('SELECT comment FROM ratings WHERE id = $1', [r.id]))[0]?.comment).toBe(r.comment);
  });

  it('answers a device revoked between its authentication and the push as revoked, applying nothing', async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journalId = randomUUID();
    const device = { deviceId: kiosk.deviceId, branchCode: 'CN01', role: 'citizen' };
    expect(await pushMutations(h.db, device, journalId, [envelope(1, ticket('CN01', 0, 71))])).toMatchObject({ kind: 'done', lastSeq: 1 });
    await revokeDevice(h.db, kiosk.deviceId, h.clock.now());
    const t = ticket('CN01', 0, 72);
    expect(await pushMutations(h.db, device, journalId, [envelope(2, t)])).toEqual({ kind: 'revoked' });
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [t.id])).toBe(0);
    expect(await journal(kiosk, journalId)).toMatchObject({ lastSeq: 1 });
  });

  it(`opens at most ${MAX_JOURNALS_PER_DEVICE} streams per device; the next is refused (sync.journal-limit), writing nothing, and the old ones go on`, async () => {
    const kiosk = await enrolDevice(h, 'CN01', 'citizen');
    const journals = Array.from({ length: MAX_JOURNALS_PER_DEVICE }, () => randomUUID());
    for (const [k, j] of journals.entries()) await push(kiosk, j, [envelope(1, ticket('CN01', 1, 1100 + k))]);
    const extra = ticket('CN01', 1, 1200);
    const refused = await post(kiosk, randomUUID(), [envelope(1, extra)]);
    expect(refused).toMatchObject({ status: 409, body: { code: 'sync.journal-limit' } });
    expect(await count('SELECT count(*) AS n FROM journals WHERE device_id = $1', [kiosk.deviceId])).toBe(MAX_JOURNALS_PER_DEVICE);
    expect(await count('SELECT count(*) AS n FROM tickets WHERE id = $1', [extra.id])).toBe(0);
    const onward = await push(kiosk, journals[0]!, [envelope(2, extra)]);
    expect(outcomes(onward.results)).toEqual([[2, 'applied', null]]);
  });
});
