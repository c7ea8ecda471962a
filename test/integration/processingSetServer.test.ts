import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReceivedDossiers } from '../../src/server/dossiers';
import type { DossierSubmitArgs } from '../../src/shared/records';
import { PushResponse, SYNC_PROTOCOL_VERSION, type MutationEnvelope } from '../../src/shared/sync';
import { engines, enrolDevice, openHarness, START, type EnrolledDevice, type Harness } from './serverHarness';

/**
 * The centre keeps the processing time the officer set at the counter (`dossier.submit@1`
 * `processingSet`, migration 015) beside the appointment computed from it, on PGlite and on
 * PostgreSQL when TEST_DATABASE_URL is set; a dossier from a kiosk without the setting still goes
 * in, with none; a setting without its reason is rejected without blocking the queue.
 */

const JOURNAL = '0193a1b2-0000-7000-8000-00000000e015';

function dossier(n: number, overrides: Partial<DossierSubmitArgs> = {}): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code: `000.21.01.H26-261124-${String(n).padStart(4, '0')}`,
    branchCode: 'CN01',
    slot: 0,
    receivedAt: START,
    procedure: { code: '1.001193', name: 'Thủ tục đăng ký khai sinh', processingTime: 0, unit: 'working-day' },
    applicant: {
      idNumber: '001090012345',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '1990-02-01',
      gender: 'male',
      address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
      phone: '0912345678',
      email: '',
      fromCard: true,
    },
    documents: [
      { documentId: 'd1', name: 'Tờ khai', originals: 1, copies: 0, sha256: randomBytes(32).toString('hex'), size: 1000, pages: 1, reusedFrom: null },
    ],
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'needs-confirmation' },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: 'K7P4X9QM',
    officerName: '',
    ...overrides,
  };
}

const envelope = (deviceSeq: number, args: unknown): MutationEnvelope => ({
  mutationId: randomUUID(),
  deviceSeq,
  name: 'dossier.submit@1',
  args,
  schemaVersion: 1,
  createdAt: START + deviceSeq,
});

describe.each(engines)('processing time set at the counter, stored on $name', (engine) => {
  let h: Harness;
  let counter: EnrolledDevice;
  beforeAll(async () => {
    h = await openHarness(engine);
    counter = await enrolDevice(h, 'CN01', 'counter');
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('keeps the setting with the dossier for the centre; older records and bad settings as before', async () => {
    const byDate = dossier(1, {
      processingSet: { kind: 'date', value: '2026-11-27', reason: 'Theo quy định tại quầy' },
      appointment: { kind: 'date', at: Date.UTC(2026, 10, 27, 1, 0), date: '2026-11-27', provisional: false },
    });
    const byHours = dossier(2, {
      processingSet: { kind: 'working-hours', value: 4, reason: 'Thủ tục giải quyết trong ngày' },
      appointment: { kind: 'date', at: START + 4 * 3_600_000, date: '2026-11-24', provisional: false },
    });
    const older = dossier(3);
    const noReason = dossier(4, {
      processingSet: { kind: 'working-days', value: 3, reason: '  ' },
      appointment: { kind: 'date', at: Date.UTC(2026, 10, 27, 2, 0), date: '2026-11-27', provisional: false },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: counter.auth,
      payload: { protocolVersion: SYNC_PROTOCOL_VERSION, journalId: JOURNAL, mutations: [byDate, byHours, older, noReason].map((a, i) => envelope(i + 1, a)) },
    });
    expect(res.statusCode, res.body).toBe(200);
    const pushed = PushResponse.parse(res.json());
    expect(pushed.lastSeq).toBe(4);
    expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'rejected']);

    const listed = new Map((await listReceivedDossiers(h.db, 'CN01')).map((d) => [d.code, d]));
    expect(listed.get(byDate.code)).toMatchObject({ appointmentDate: '2026-11-27', processingSet: byDate.processingSet });
    expect(listed.get(byHours.code)).toMatchObject({ appointmentDate: '2026-11-24', processingSet: byHours.processingSet });
    expect(listed.get(older.code)).toMatchObject({ appointmentDate: null, processingSet: null });
    expect(listed.has(noReason.code)).toBe(false);
  });
});
