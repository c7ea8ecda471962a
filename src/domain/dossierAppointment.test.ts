import { describe, expect, it } from 'vitest';
import { calendar, hanoiContext, reception, vn } from '../../test/support/hanoiReception';
import type { Procedure, ProcedureChannel } from '../shared/catalog';
import { dossierAppointment, inPersonChannel, processingTimeOf, weeklyHoursOf } from './dossierAppointment';

const context = hanoiContext;

const channel = (over: Partial<ProcedureChannel> = {}): ProcedureChannel => ({
  channel: 'in-person',
  workingDays: null,
  timeText: '',
  feeVnd: 0,
  feeText: 'Miễn phí',
  ...over,
});

function procedure(...channels: ProcedureChannel[]): Procedure {
  return {
    code: '1.999999',
    name: 'Thủ tục thử',
    field: 'Hộ tịch',
    level: ['xa'],
    agency: 'UBND phường',
    channels,
    documents: [],
    applicants: 'Công dân',
    conditions: '',
    result: 'Giấy xác nhận',
    legalBasis: [],
    active: true,
  };
}

describe('processing time of the counter channel', () => {
  it('reads the in-person channel, else the first one the catalog lists', () => {
    const online = channel({ channel: 'online', workingDays: 3, timeText: '3 Ngày làm việc' });
    const inPerson = channel({ workingDays: 5, timeText: '5 Ngày làm việc' });
    expect(inPersonChannel(procedure(online, inPerson))).toBe(inPerson);
    expect(inPersonChannel(procedure(online))).toBe(online);
    expect(inPersonChannel(procedure())).toBeUndefined();
    expect(processingTimeOf(procedure(online, inPerson))).toEqual({ amount: 5, unit: 'working-day', text: '5 Ngày làm việc' });
  });

  it('prefers the unit-bearing duration, and gives no time when the catalog has no unit', () => {
    expect(processingTimeOf(procedure(channel({ workingDays: 10, timeText: '10 Ngày', duration: { amount: 10, unit: 'day' } })))).toEqual({
      amount: 10,
      unit: 'day',
      text: '10 Ngày',
    });
    expect(processingTimeOf(procedure(channel({ timeText: '1' })))).toBeNull();
    expect(processingTimeOf(procedure())).toBeNull();
  });
});

describe('the branch hours as the calendar reads them', () => {
  it('keys weekday overrides by ISO weekday number and keeps the default periods', () => {
    const day = reception.workingHours;
    const friday = [{ start: '08:00', end: '11:30' }];
    const week = { '1': day, '2': day, '3': day, '4': day, '5': friday, '6': [], '7': [] };
    expect(weeklyHoursOf({ ...reception, workingHoursByWeekday: week })).toEqual({
      default: day,
      byWeekday: { 1: day, 2: day, 3: day, 4: day, 5: friday, 6: [], 7: [] },
    });
    expect(weeklyHoursOf(reception)).toEqual({ default: day, byWeekday: {} });
  });
});

describe('dossier appointment', () => {
  const fiveWorkingDays = procedure(channel({ workingDays: 5, timeText: '5 Ngày làm việc' }));

  it('counts working days on the calendar (DOMAIN.md worked example: Thu 12/02/2026 10:00 → Thu 26/02 10:00 after Tết), provisional past the announced days', () => {
    expect(dossierAppointment(fiveWorkingDays, vn(2026, 2, 12, 10), context)).toEqual({
      kind: 'date',
      at: vn(2026, 2, 26, 10),
      date: '2026-02-26',
      provisional: false,
    });
    // Wed 30/12/2026 10:00 + 5 working days: Thu 31/12 (1); Fri 1/1/2027 off; Mon 4 … Thu 7/1/2027 (5). 2027 is an estimate.
    expect(dossierAppointment(fiveWorkingDays, vn(2026, 12, 30, 10), context)).toEqual({
      kind: 'date',
      at: vn(2027, 1, 7, 10),
      date: '2027-01-07',
      provisional: true,
    });
    // 2025 is final: Tue 4/03/2025 10:00 + 5 working days = Tue 11/03/2025 10:00.
    expect(dossierAppointment(fiveWorkingDays, vn(2025, 3, 4, 10), context)).toEqual({
      kind: 'date',
      at: vn(2025, 3, 11, 10),
      date: '2025-03-11',
      provisional: false,
    });
  });

  it('rounds half days up: the citizen is never told a day too early', () => {
    const half = procedure(channel({ workingDays: 4.5, timeText: '4,5 Ngày làm việc' }));
    expect(dossierAppointment(half, vn(2025, 3, 4, 10), context)).toEqual(dossierAppointment(fiveWorkingDays, vn(2025, 3, 4, 10), context));
  });

  it('runs calendar days and hours around the clock and hands the result over at the next working moment', () => {
    const tenDays = procedure(channel({ timeText: '10 Ngày', duration: { amount: 10, unit: 'day' } }));
    // Thu 12/02/2026 10:00 + 10 days = Sun 22/02, still Tết: Mon 23/02 at opening time.
    expect(dossierAppointment(tenDays, vn(2026, 2, 12, 10), context)).toEqual({ kind: 'date', at: vn(2026, 2, 23, 8), date: '2026-02-23', provisional: false });
    // Thu 24/12/2026 10:00 + 10 days = Sun 3/01/2027: handed over Mon 4/01 08:00, on the estimated 2027 calendar.
    expect(dossierAppointment(tenDays, vn(2026, 12, 24, 10), context)).toEqual({ kind: 'date', at: vn(2027, 1, 4, 8), date: '2027-01-04', provisional: true });
    // With 2026 announced only through November: due Wed 11/11 10:00 is final, due Fri 11/12 10:00 is provisional.
    const throughNovember = { ...context, calendar: [{ ...calendar.find((c) => c.year === 2026)!, final: false, finalThrough: '2026-11-30' }] };
    expect(dossierAppointment(tenDays, vn(2026, 12, 1, 10), throughNovember)).toMatchObject({ date: '2026-12-11', provisional: true });
    expect(dossierAppointment(tenDays, vn(2026, 11, 1, 10), throughNovember)).toMatchObject({ date: '2026-11-11', provisional: false });
    const fourHours = procedure(channel({ timeText: '4 Giờ', duration: { amount: 4, unit: 'hour' } }));
    // Fri 7/03/2025 15:00 + 4 h = 19:00, after hours before a weekend: Mon 10/03 08:00 (the cut-off applies to receipts, not results).
    expect(dossierAppointment(fourHours, vn(2025, 3, 7, 15), context)).toEqual({
      kind: 'date',
      at: vn(2025, 3, 10, 8),
      date: '2025-03-10',
      provisional: false,
    });
    // Within the day: Tue 4/03/2025 08:30 + 4 h = 12:30, the lunch break: 13:30.
    expect(dossierAppointment(fourHours, vn(2025, 3, 4, 8, 30), context)).toMatchObject({ at: vn(2025, 3, 4, 13, 30) });
  });

  it('asks the officer to confirm past the calendar, without a processing time, or without reception settings', () => {
    expect(dossierAppointment(fiveWorkingDays, vn(2027, 12, 30, 10), context)).toEqual({ kind: 'needs-confirmation', reason: 'beyond-calendar' });
    const longDays = procedure(channel({ timeText: '30 Ngày', duration: { amount: 30, unit: 'day' } }));
    expect(dossierAppointment(longDays, vn(2027, 12, 20, 10), context)).toEqual({ kind: 'needs-confirmation', reason: 'beyond-calendar' });
    expect(dossierAppointment(procedure(channel({ timeText: '1' })), vn(2026, 2, 12, 10), context)).toEqual({
      kind: 'needs-confirmation',
      reason: 'no-working-days',
    });
    expect(dossierAppointment(fiveWorkingDays, vn(2026, 2, 12, 10), { ...context, reception: null })).toEqual({
      kind: 'needs-confirmation',
      reason: 'no-working-days',
    });
  });

  it('counts from the next working morning after the cut-off', () => {
    // Tue 4/03/2025 16:45 is past the 16:30 cut-off: counted from Wed 08:00, due Wed 12/03 08:00.
    expect(dossierAppointment(fiveWorkingDays, vn(2025, 3, 4, 16, 45), context)).toMatchObject({ at: vn(2025, 3, 12, 8), date: '2025-03-12' });
  });
});
