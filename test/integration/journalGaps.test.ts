import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { adminAuthHeader, engines, enrolDevice, openHarness, START, type Harness } from './serverHarness';

/**
 * A kiosk stream with a gap it can never fill (its database and a journal-file line both lost):
 * the server records the gap, centre staff see the stalled stream and close the gap — audited,
 * only the seqs the kiosk showed missing — and the stream goes on; a lost record that turns up
 * afterwards is told so, never applied silently. Real server on port 0, PGlite and PostgreSQL.
 */
const JOURNAL = '0193a1b2-0000-7000-8000-0000000000aa';

describe.each(engines)('closing a gap a kiosk cannot fill, on $name', (engine) => {
  let h: Harness;
  let admin: { authorization: string };
  beforeAll(async () => {
    h = await openHarness(engine, { listen: true });
    admin = await adminAuthHeader(h, 'Nguyễn Văn Quản Trị');
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${h.base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const ticket = (seq: number): MutationEnvelope => ({
    mutationId: randomUUID(),
    deviceSeq: seq,
    name: 'ticket.issue@1',
    args: {
      id: randomUUID(),
      branchCode: 'CN01',
      kioskSlot: 0,
      day: '2026-11-24',
      groupPrefix: 'G',
      number: `G${String(seq).padStart(4, '0')}`,
      numeric: seq,
      priority: false,
      issuedAt: START + seq,
    },
    schemaVersion: 1,
    createdAt: START + seq,
  });
  const push = (auth: Record<string, string>, mutations: MutationEnvelope[]) =>
    call('POST', '/v1/sync/push', auth, { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: JOURNAL, mutations });

  it('records the gap, lists the stalled stream, closes exactly the missing seqs with who and why, and the stream goes on', async () => {
    const device = await enrolDevice(h, 'CN01', 'citizen');
    expect((await push(device.auth, [ticket(1), ticket(2)])).status).toBe(200);
    // Seqs 3 and 4 are gone for good; the kiosk holds 5 and 6.
    const lost3 = ticket(3);
    const gap = await push(device.auth, [ticket(5), ticket(6)]);
    expect(gap.status).toBe(409);
    expect(gap.body).toMatchObject({ code: 'sync.gap', expectedSeq: 3 });

    const listed = await call('GET', '/v1/admin/journals', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.stalled).toEqual([
      { deviceId: device.deviceId, branchCode: 'CN01', journalId: JOURNAL, lastSeq: 2, gapFrom: 3, gapTo: 4, seenAt: h.clock.now() },
    ]);
    // Devices cannot see or close it.
    expect((await call('GET', '/v1/admin/journals', device.auth)).status).toBe(401);

    const close = (upToSeq: number, reason = 'Máy mất dữ liệu sau sự cố điện; đã xác minh với chi nhánh CN01') =>
      call('POST', '/v1/admin/journals/close-gap', admin, { deviceId: device.deviceId, journalId: JOURNAL, upToSeq, reason });
    // Never more than the kiosk showed missing: seq 5 is a record it still holds.
    expect(await close(5)).toMatchObject({ status: 409, body: { code: 'gap.not-seen' } });
    expect(await close(2)).toMatchObject({ status: 409, body: { code: 'gap.nothing-to-close' } });
    expect((await close(4, 'short')).status).toBe(400);
    const closed = await close(4);
    expect(closed).toMatchObject({
      status: 200,
      body: { deviceId: device.deviceId, journalId: JOURNAL, fromSeq: 3, toSeq: 4, closedBy: 'Nguyễn Văn Quản Trị' },
    });

    // The kiosk's next push is applied.
    const after = await push(device.auth, [ticket(5), ticket(6)]);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ lastSeq: 6 });
    const state = await call('GET', '/v1/admin/journals', admin);
    expect(state.body.stalled).toEqual([]);
    expect(state.body.closed).toEqual([
      expect.objectContaining({ fromSeq: 3, toSeq: 4, reason: 'Máy mất dữ liệu sau sự cố điện; đã xác minh với chi nhánh CN01' }),
    ]);

    // A lost record that turns up after all is answered as such (the kiosk shows it to staff).
    const late = await push(device.auth, [lost3]);
    expect(late.status).toBe(200);
    expect(late.body.results).toEqual([
      expect.objectContaining({ deviceSeq: 3, status: 'duplicate', reason: expect.objectContaining({ code: 'sync.gap-closed' }) }),
    ]);
    const tickets = await h.db.query<{ number: string }>("SELECT number FROM tickets WHERE group_prefix = 'G' ORDER BY number");
    expect(tickets.map((t) => t.number)).toEqual(['G0001', 'G0002', 'G0005', 'G0006']);
  });
});
