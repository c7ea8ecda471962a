import { describe, expect, it } from 'vitest';
import { durationFigures, queueDayFigures, type DayAction, type DayTicket } from './queueDayFigures';

const T0 = Date.UTC(2026, 10, 24, 1, 0, 0); // 08:00 in Hà Nội
const m = (minutes: number) => T0 + minutes * 60_000;

const tickets: DayTicket[] = [
  { number: 'A001', group: 'A', issuedAt: m(0) },
  { number: 'A002', group: 'A', issuedAt: m(1) },
  { number: 'A003', group: 'A', issuedAt: m(2) },
  { number: 'A004', group: 'A', issuedAt: m(3) },
  { number: 'B001', group: 'B', issuedAt: m(0) },
  { number: 'B002', group: 'B', issuedAt: m(5) },
  { number: 'B003', group: 'B', issuedAt: m(50) },
];
const act = (
  minute: number,
  counter: number,
  kind: DayAction['kind'],
  ticketNumber: string | null,
  staffId: string | null,
  toGroup: string | null = null,
): DayAction => ({
  kind,
  counter,
  ticketNumber,
  at: m(minute),
  staffId,
  toGroup,
});
// A hand-made morning: two counters, a transfer, a recall and a no-show, a finish without "serve",
// a walk-in, one ticket never called past the target and one not yet past it.
const actions: DayAction[] = [
  act(5, 1, 'call', 'A001', 'CB1'),
  act(6, 1, 'serve', 'A001', 'CB1'),
  act(10, 2, 'call', 'B001', null),
  act(10, 2, 'serve', 'B001', null),
  act(12, 2, 'transfer', 'B001', null, 'A'),
  act(16, 1, 'finish', 'A001', 'CB1'),
  act(16, 1, 'call', 'A002', 'CB1'),
  act(17, 1, 'recall', 'A002', 'CB1'),
  act(18, 1, 'no-show', 'A002', 'CB1'),
  act(20, 1, 'call', 'A003', 'CB1'),
  act(24, 1, 'finish', 'A003', 'CB1'),
  act(25, 1, 'call', 'B001', 'CB1'),
  act(25, 1, 'serve', 'B001', 'CB1'),
  act(28, 1, 'finish', 'B001', 'CB1'),
  act(30, 2, 'call', 'A004', 'CB2'),
  act(31, 2, 'serve', 'A004', 'CB2'),
  act(33, 2, 'finish', 'A004', 'CB2'),
  act(34, 2, 'walk-in', null, null),
  act(35, 2, 'call', 'Z999', null), // not a ticket of the day: ignored
];
const figures = () => queueDayFigures({ branch: 'CN01', day: '2026-11-24', targetWaitMinutes: 15, asOf: m(60), tickets, actions });

describe('queueDayFigures on a hand-made day', () => {
  it('times the wait from issue to first call and the service from serve (or call) to finish, per group', () => {
    const f = figures();
    const a = f.byGroup.find((g) => g.group === 'A')!;
    // waits 5, 15, 18, 27 min; services in A: 10 (A001), 4 (A003 from its call), 3 (B001 after its transfer), 2 (A004)
    expect(a).toMatchObject({ issued: 4, called: 4, neverCalled: 0, served: 4 });
    expect(a.wait).toEqual({ count: 4, medianS: 15 * 60, p90S: 27 * 60 });
    expect(a.service).toEqual({ count: 4, medianS: 3 * 60, p90S: 10 * 60 });
    const b = f.byGroup.find((g) => g.group === 'B')!;
    expect(b).toMatchObject({ issued: 3, called: 1, neverCalled: 2, served: 0 });
    expect(b.wait).toEqual({ count: 1, medianS: 600, p90S: 600 });
    expect(b.service).toEqual({ count: 0, medianS: null, p90S: null });
  });

  it('counts within target up to the target itself, and tickets never called once past it', () => {
    const f = figures();
    // A: 5 and 15 min within, 18 and 27 not.
    expect(f.byGroup.find((g) => g.group === 'A')!.withinTarget).toEqual({ within: 2, of: 4, share: 0.5 });
    // B: B001 within; B002 never called and 55 min old counts as missed; B003 (10 min old) not yet.
    expect(f.byGroup.find((g) => g.group === 'B')!.withinTarget).toEqual({ within: 1, of: 2, share: 0.5 });
    expect(f.total.withinTarget).toEqual({ within: 3, of: 6, share: 0.5 });
  });

  it('rates no-shows over the tickets called', () => {
    const f = figures();
    expect(f.byGroup.find((g) => g.group === 'A')).toMatchObject({ noShows: 1, noShowRate: 0.25 });
    expect(f.total).toMatchObject({ issued: 7, called: 5, noShows: 1, noShowRate: 0.2, served: 4 });
    expect(f.total.wait).toEqual({ count: 5, medianS: 15 * 60, p90S: 27 * 60 });
  });

  it('sums each counter and each officer that carried a staffId', () => {
    const f = figures();
    expect(f.byCounter).toEqual([
      { counter: 1, calls: 4, recalls: 1, served: 3, service: { count: 3, medianS: 240, p90S: 600 }, noShows: 1, transfers: 0, walkIns: 0 },
      { counter: 2, calls: 2, recalls: 0, served: 1, service: { count: 1, medianS: 120, p90S: 120 }, noShows: 0, transfers: 1, walkIns: 1 },
    ]);
    expect(f.byOfficer).toEqual([
      { staffId: 'CB1', calls: 4, recalls: 1, served: 3, service: { count: 3, medianS: 240, p90S: 600 }, noShows: 1, transfers: 0, walkIns: 0 },
      { staffId: 'CB2', calls: 1, recalls: 0, served: 1, service: { count: 1, medianS: 120, p90S: 120 }, noShows: 0, transfers: 0, walkIns: 0 },
    ]);
  });

  it('does not count a no-show that came back and was served', () => {
    const f = queueDayFigures({
      branch: 'CN01',
      day: '2026-11-24',
      targetWaitMinutes: 15,
      asOf: m(60),
      tickets: [{ number: 'A001', group: 'A', issuedAt: m(0) }],
      actions: [
        act(2, 1, 'call', 'A001', null),
        act(3, 1, 'no-show', 'A001', null),
        act(5, 3, 'return', 'A001', null),
        act(6, 2, 'call', 'A001', null),
        act(9, 2, 'finish', 'A001', null),
      ],
    });
    expect(f.total).toMatchObject({ called: 1, noShows: 0, noShowRate: 0, served: 1 });
    // the wait is to the first call; the service from the call that brought the citizen
    expect(f.total.wait.medianS).toBe(120);
    expect(f.total.service.medianS).toBe(180);
  });

  it('answers an empty day with counts of zero and no shares', () => {
    const f = queueDayFigures({ branch: 'CN01', day: '2026-11-24', targetWaitMinutes: 15, asOf: m(60), tickets: [], actions: [] });
    expect(f.total).toMatchObject({
      issued: 0,
      withinTarget: { within: 0, of: 0, share: null },
      noShowRate: null,
      wait: { count: 0, medianS: null, p90S: null },
    });
    expect(f.byGroup).toEqual([]);
  });

  it('takes percentiles by nearest rank', () => {
    expect(durationFigures([4000, 1000, 3000, 2000])).toEqual({ count: 4, medianS: 2, p90S: 4 });
    expect(durationFigures(Array.from({ length: 10 }, (_, i) => (i + 1) * 1000))).toEqual({ count: 10, medianS: 5, p90S: 9 });
  });
});
