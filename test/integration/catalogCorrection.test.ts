import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcedureCatalog } from '../../src/app/procedureCatalog';
import { dossierAppointment, processingTimeOf } from '../../src/domain/dossierAppointment';
import { listAudit } from '../../src/server/audit';
import { correctProcessingTime } from '../../src/server/catalogCorrections';
import type { Procedure } from '../../src/shared/catalog';
import { fixedClock } from '../../src/shared/clock';
import { seededBranch } from '../unit/fixtures';
import { engines } from './serverHarness';
import { enrolKiosk, publish, startCentre, type TestKiosk } from './syncHarness';

/**
 * The centre publishes a corrected processing time for one procedure (issue 13: "the centre can
 * publish corrected times for the catalog"): a real server on port 0, on PGlite and on PostgreSQL
 * when TEST_DATABASE_URL is set; a counter kiosk pulls the catalog, then the correction, and its
 * counter computes a date for a procedure that had none.
 */

const seed = JSON.parse(readFileSync(new URL('../../assets/catalog/procedures.vi.json', import.meta.url), 'utf8')) as Procedure[];
const calendars = ['2025', '2026', '2027'].map((y) => JSON.parse(readFileSync(new URL(`../../assets/calendar/${y}.json`, import.meta.url), 'utf8')) as unknown);
/** Thủ tục đăng ký khai sinh: its time in the catalog has no unit. */
const BIRTH = '1.001193';
/** Thủ tục đăng ký kết hôn: not published in these tests. */
const MARRIAGE = '1.000894';
const clock = fixedClock(Date.UTC(2026, 10, 24, 2, 0)); // Tue 24/11/2026 09:00 in Hà Nội

describe.each(engines)('corrected processing time on $name', (engine) => {
  let centre: Awaited<ReturnType<typeof startCentre>>;
  let dispose: () => Promise<void>;
  let kiosk: TestKiosk;
  const birth = seed.find((p) => p.code === BIRTH)!;
  const other = seed.find((p) => p.code === '1.000656')!;

  beforeAll(async () => {
    const opened = await engine.open();
    dispose = opened.dispose;
    centre = await startCentre(clock, opened.db);
    const catalog = await publish(centre.baseUrl, centre.adminToken, 'global', [
      { entity: 'procedure', op: 'put', data: birth },
      { entity: 'procedure', op: 'put', data: other },
    ]);
    expect(catalog.status).toBe(200);
    kiosk = await enrolKiosk(centre.db, centre.baseUrl, clock, 0, { role: 'counter' });
  });
  afterAll(async () => {
    await centre?.close();
    await dispose?.();
  });

  const kioskCatalog = () => createProcedureCatalog({ reference: kiosk.reference, loadSeedCatalog: async () => seed, seedCalendars: calendars });
  const correct = (body: unknown, token: string | null = centre.adminToken) =>
    fetch(`${centre.baseUrl}/v1/admin/catalog/processing-time`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('reaches the kiosk on its next pull: the counter gets a time and a date where it had none', async () => {
    await kiosk.engine.runOnce();
    const before = await kioskCatalog().find(BIRTH);
    expect(before && processingTimeOf(before)).toBeNull();

    const res = await correct({ code: BIRTH, amount: 3, unit: 'working-day' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: BIRTH, channel: 'in-person', timeText: '3 Ngày làm việc' });

    await kiosk.engine.runOnce();
    const after = await kioskCatalog().find(BIRTH);
    expect(after && processingTimeOf(after)).toEqual({ amount: 3, unit: 'working-day', text: '3 Ngày làm việc' });
    // Only the time changed: the rest of the procedure is as the catalog published it.
    expect({ ...after, channels: [] }).toEqual({ ...birth, channels: [] });
    // Tue 24/11/2026 09:00 + 3 working days.
    const branch = seededBranch();
    expect(
      dossierAppointment(after!, clock.now(), { reception: branch.reception ?? null, utcOffsetMinutes: 420, calendar: await kioskCatalog().calendars() }),
    ).toMatchObject({
      kind: 'date',
      date: '2026-11-27',
      provisional: false,
    });
    // The other published procedure is still there: the kiosk's catalog was not reduced to one record.
    expect((await kioskCatalog().all()).map((p) => p.code).sort()).toEqual([BIRTH, other.code].sort());

    const audit = await listAudit(centre.db, { action: 'catalog.processing-time' });
    expect(audit[0]).toMatchObject({ actorKind: 'admin-token', actorId: 'tests', target: BIRTH, outcome: 'ok' });
  });

  it('calendar days and hours keep their unit (never read as working days); the command line does the same', async () => {
    const outcome = await correctProcessingTime(
      centre.db,
      { code: BIRTH, amount: 4, unit: 'hour', timeText: '4 giờ làm việc' },
      {
        actor: { kind: 'admin-cli', id: 'ops' },
        now: clock.now(),
      },
    );
    expect(outcome.ok).toBe(true);
    await kiosk.engine.runOnce();
    const after = await kioskCatalog().find(BIRTH);
    expect(after?.channels.find((c) => c.channel === 'in-person')).toMatchObject({
      workingDays: null,
      duration: { amount: 4, unit: 'hour' },
      timeText: '4 giờ làm việc',
    });
  });

  it('refuses a procedure the centre has not published, a bad request and a caller without an admin token, publishing nothing', async () => {
    const top = async () => Number((await centre.db.query<{ last_seq: unknown }>(`SELECT last_seq FROM scope_seqs WHERE scope = 'global'`))[0]?.last_seq);
    const seqBefore = await top();
    const unknown = await correct({ code: MARRIAGE, amount: 5, unit: 'working-day' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'catalog.unknown-procedure' });
    expect((await correct({ code: BIRTH, amount: 0, unit: 'working-day' })).status).toBe(400);
    expect((await correct({ code: BIRTH, amount: 3, unit: 'week' })).status).toBe(400);
    expect((await correct({ code: BIRTH, amount: 3, unit: 'working-day' }, null)).status).toBe(401);
    expect(await top()).toBe(seqBefore);
    const refused = await listAudit(centre.db, { action: 'catalog.processing-time' });
    expect(refused.find((e) => e.target === MARRIAGE)).toMatchObject({ outcome: 'refused', detail: 'catalog.unknown-procedure' });
  });
});
