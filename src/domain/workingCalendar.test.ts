import { describe, expect, it } from 'vitest';
import seed2025 from '../../assets/calendar/2025.json';
import seed2026 from '../../assets/calendar/2026.json';
import { CalendarYear } from '../shared/calendar';
import { appointmentFor, isWorkingDay, nextWorkingMoment, type WorkingHours, type WorkPeriod } from './workingCalendar';

const VN = 420;
/** Epoch ms of a Hà Nội wall-clock time (UTC+7). */
const vn = (y: number, mo: number, d: number, h: number, mi: number): number => Date.UTC(y, mo - 1, d, h - 7, mi);

const calendar = [CalendarYear.parse(seed2025), CalendarYear.parse(seed2026)];
const hours: readonly WorkPeriod[] = [
  { start: '08:00', end: '12:00' },
  { start: '13:30', end: '17:30' },
];
const base = { utcOffsetMinutes: VN, calendar, hours };

describe('calendar seed (assets/calendar)', () => {
  it('is valid against the published CalendarYear schema; 2026 is not final (National Day pending)', () => {
    expect(CalendarYear.safeParse(seed2025).success).toBe(true);
    expect(CalendarYear.safeParse(seed2026).success).toBe(true);
    expect(calendar[0]?.final).toBe(true);
    expect(calendar[1]?.final).toBe(false);
    expect(calendar[1]?.days.find((d) => d.date === '2026-09-02')?.name).toMatch(/chưa công bố/);
  });

  it('lists the holidays of DOMAIN.md and only Saturdays as make-up days', () => {
    const off = (y: CalendarYear | undefined): string[] => (y?.days ?? []).filter((d) => d.kind === 'off').map((d) => d.date);
    const range = (from: string, to: string): string[] => {
      const out: string[] = [];
      for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
      return out;
    };
    expect(off(calendar[0])).toEqual([
      '2025-01-01',
      ...range('2025-01-25', '2025-02-02'),
      '2025-04-07',
      ...range('2025-04-30', '2025-05-04'),
      ...range('2025-08-30', '2025-09-02'),
    ]);
    expect(off(calendar[1])).toEqual([
      ...range('2026-01-01', '2026-01-04'),
      ...range('2026-02-14', '2026-02-22'),
      ...range('2026-04-25', '2026-04-27'),
      ...range('2026-04-30', '2026-05-03'),
      '2026-09-02',
    ]);
    const work = calendar.flatMap((y) => y.days.filter((d) => d.kind === 'work').map((d) => d.date));
    expect(work).toEqual(['2025-04-26', '2026-01-10']);
    for (const date of work) expect(new Date(`${date}T00:00:00Z`).getUTCDay()).toBe(6);
    for (const d of calendar.flatMap((y) => y.days)) expect(d.name.normalize('NFC')).toBe(d.name);
  });
});

describe('isWorkingDay', () => {
  it('follows the week unless the calendar lists the day', () => {
    expect(isWorkingDay('2026-03-09', calendar)).toBe(true); // Monday
    expect(isWorkingDay('2026-03-07', calendar)).toBe(false); // Saturday
    expect(isWorkingDay('2026-03-08', calendar)).toBe(false); // Sunday
    expect(isWorkingDay('2026-01-10', calendar)).toBe(true); // make-up Saturday
    expect(isWorkingDay('2026-01-17', calendar)).toBe(false); // ordinary Saturday
    expect(isWorkingDay('2025-04-07', calendar)).toBe(false); // Giỗ Tổ Hùng Vương
  });

  it('answers null, not false, for a year the calendar does not cover, and rejects a non-date', () => {
    expect(isWorkingDay('2027-01-04', calendar)).toBeNull();
    expect(isWorkingDay('2024-12-31', calendar)).toBeNull();
    expect(() => isWorkingDay('2026-02-30', calendar)).toThrow(RangeError);
    expect(() => isWorkingDay('26-02-12', calendar)).toThrow(RangeError);
  });
});

describe('appointmentFor', () => {
  it('worked example: 5 working days from Thu 12/02/2026 10:00 → Thu 26/02/2026 10:00 (Tết off 14–22/02)', () => {
    const receivedAt = vn(2026, 2, 12, 10, 0);
    expect(appointmentFor({ ...base, receivedAt, workingDays: 5 })).toEqual({
      kind: 'date',
      dueAt: vn(2026, 2, 26, 10, 0),
      dueDate: '2026-02-26',
      countedFrom: receivedAt,
      provisional: true,
    });
  });

  it('counts a make-up Saturday (10/01/2026) as a working day and skips the swapped Friday 02/01', () => {
    const fri = appointmentFor({ ...base, receivedAt: vn(2026, 1, 9, 9, 15), workingDays: 1 });
    expect(fri).toMatchObject({ kind: 'date', dueDate: '2026-01-10', dueAt: vn(2026, 1, 10, 9, 15) });
    const onTheSaturday = appointmentFor({ ...base, receivedAt: vn(2026, 1, 10, 9, 0), workingDays: 1 });
    expect(onTheSaturday).toMatchObject({ kind: 'date', countedFrom: vn(2026, 1, 10, 9, 0), dueDate: '2026-01-12' });
    const newYearsEve = appointmentFor({ ...base, receivedAt: vn(2025, 12, 31, 10, 0), workingDays: 1 });
    expect(newYearsEve).toMatchObject({ kind: 'date', dueDate: '2026-01-05', dueAt: vn(2026, 1, 5, 10, 0) });
  });

  it('counts a receipt after hours from the next working morning at 08:00', () => {
    const r = appointmentFor({ ...base, receivedAt: vn(2026, 3, 9, 17, 45), workingDays: 2 });
    expect(r).toMatchObject({ kind: 'date', countedFrom: vn(2026, 3, 10, 8, 0), dueAt: vn(2026, 3, 12, 8, 0), dueDate: '2026-03-12' });
  });

  it('counts a receipt before opening from the same morning and one in the lunch break from 13:30', () => {
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 3, 10, 7, 30), workingDays: 1 })).toMatchObject({
      countedFrom: vn(2026, 3, 10, 8, 0),
      dueAt: vn(2026, 3, 11, 8, 0),
    });
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 3, 10, 12, 15), workingDays: 1 })).toMatchObject({
      countedFrom: vn(2026, 3, 10, 13, 30),
      dueAt: vn(2026, 3, 11, 13, 30),
    });
  });

  it('counts a receipt on a Sunday from Monday morning', () => {
    const r = appointmentFor({ ...base, receivedAt: vn(2026, 3, 8, 11, 0), workingDays: 1 });
    expect(r).toMatchObject({ kind: 'date', countedFrom: vn(2026, 3, 9, 8, 0), dueAt: vn(2026, 3, 10, 8, 0), dueDate: '2026-03-10' });
  });

  it('moves a receipt at or after the 16:00 cut-off to the next working morning', () => {
    const withCutoff = { ...base, cutoff: '16:00', workingDays: 3 };
    expect(appointmentFor({ ...withCutoff, receivedAt: vn(2026, 3, 13, 15, 59) })).toMatchObject({
      countedFrom: vn(2026, 3, 13, 15, 59),
      dueDate: '2026-03-18',
    });
    // Friday 16:00 → Monday 08:00, three working days later is Thursday.
    expect(appointmentFor({ ...withCutoff, receivedAt: vn(2026, 3, 13, 16, 0) })).toMatchObject({
      countedFrom: vn(2026, 3, 16, 8, 0),
      dueAt: vn(2026, 3, 19, 8, 0),
    });
    expect(appointmentFor({ ...base, workingDays: 3, receivedAt: vn(2026, 3, 13, 16, 30) })).toMatchObject({ dueDate: '2026-03-18' });
  });

  it('skips the whole 2026 Tết break, also for a receipt during it', () => {
    for (let d = 14; d <= 22; d++) expect(isWorkingDay(`2026-02-${d}`, calendar)).toBe(false);
    expect(isWorkingDay('2026-02-13', calendar)).toBe(true);
    expect(isWorkingDay('2026-02-23', calendar)).toBe(true);
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 2, 13, 9, 0), workingDays: 1 })).toMatchObject({ dueAt: vn(2026, 2, 23, 9, 0) });
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 2, 17, 10, 0), workingDays: 2 })).toMatchObject({
      countedFrom: vn(2026, 2, 23, 8, 0),
      dueAt: vn(2026, 2, 25, 8, 0),
    });
  });

  it('never invents a date in 2027, which the calendar does not cover', () => {
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 24, 10, 0), workingDays: 3 })).toMatchObject({ kind: 'date', dueDate: '2026-12-29' });
    const late = { kind: 'needs-confirmation', reason: 'beyond-calendar', lastCoveredYear: 2026, uncoveredYear: 2027 };
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 24, 10, 0), workingDays: 10 })).toEqual(late);
    // After hours on the last working day of 2026: even the start would be in 2027.
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 31, 17, 45), workingDays: 0 })).toEqual(late);
    expect(appointmentFor({ ...base, receivedAt: vn(2024, 12, 30, 10, 0), workingDays: 1 })).toEqual({
      kind: 'needs-confirmation',
      reason: 'beyond-calendar',
      lastCoveredYear: null,
      uncoveredYear: 2024,
    });
  });

  it('with 0 working days is due at the moment processing counts from', () => {
    const receivedAt = vn(2026, 3, 10, 9, 30);
    expect(appointmentFor({ ...base, receivedAt, workingDays: 0 })).toMatchObject({ dueAt: receivedAt, countedFrom: receivedAt, dueDate: '2026-03-10' });
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 3, 10, 18, 0), workingDays: 0 })).toMatchObject({
      dueAt: vn(2026, 3, 11, 8, 0),
      dueDate: '2026-03-11',
    });
    expect(() => appointmentFor({ ...base, receivedAt, workingDays: -1 })).toThrow(RangeError);
    expect(() => appointmentFor({ ...base, receivedAt, workingDays: 1.5 })).toThrow(RangeError);
  });

  it('uses the branch offset, not UTC, to decide the day', () => {
    // 17:30 UTC on Sunday 08/03 is already Monday 00:30 in Hà Nội: counts from Monday 08:00.
    const r = appointmentFor({ ...base, receivedAt: Date.UTC(2026, 2, 8, 17, 30), workingDays: 1 });
    expect(r).toMatchObject({ countedFrom: vn(2026, 3, 9, 8, 0), dueDate: '2026-03-10' });
  });

  it('keeps the time of day unless the due day closes earlier (per-weekday hours)', () => {
    const shortFriday: WorkingHours = {
      default: hours,
      byWeekday: {
        5: [
          { start: '08:00', end: '12:00' },
          { start: '13:30', end: '16:30' },
        ],
      },
    };
    const r = appointmentFor({ ...base, hours: shortFriday, receivedAt: vn(2026, 3, 9, 17, 0), workingDays: 4 });
    expect(r).toMatchObject({ countedFrom: vn(2026, 3, 9, 17, 0), dueAt: vn(2026, 3, 13, 16, 30), dueDate: '2026-03-13' });
  });

  it('is final only when every year it used is final', () => {
    expect(appointmentFor({ ...base, receivedAt: vn(2025, 6, 2, 10, 0), workingDays: 5 })).toMatchObject({ provisional: false });
    expect(appointmentFor({ ...base, receivedAt: vn(2025, 4, 29, 10, 0), workingDays: 1 })).toMatchObject({ dueDate: '2025-05-05' });
  });

  it('rejects malformed hours and cut-off', () => {
    const receivedAt = vn(2026, 3, 10, 9, 30);
    expect(() => appointmentFor({ ...base, receivedAt, workingDays: 1, cutoff: '4pm' })).toThrow(RangeError);
    expect(() => appointmentFor({ ...base, receivedAt, workingDays: 1, hours: [] })).toThrow(RangeError);
    expect(() => appointmentFor({ ...base, receivedAt, workingDays: 1, hours: [{ start: '12:00', end: '08:00' }] })).toThrow(RangeError);
    expect(() =>
      appointmentFor({
        ...base,
        receivedAt,
        workingDays: 1,
        hours: [
          { start: '08:00', end: '12:00' },
          { start: '11:00', end: '17:00' },
        ],
      }),
    ).toThrow(RangeError);
  });
});

describe('nextWorkingMoment', () => {
  it('is the moment itself inside hours, else the next period start on a working day', () => {
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 10, 9, 0) })).toEqual({ kind: 'moment', at: vn(2026, 3, 10, 9, 0) });
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 10, 12, 0) })).toEqual({ kind: 'moment', at: vn(2026, 3, 10, 13, 30) });
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 13, 17, 30) })).toEqual({ kind: 'moment', at: vn(2026, 3, 16, 8, 0) });
    expect(nextWorkingMoment({ ...base, at: vn(2026, 4, 24, 18, 0) })).toEqual({ kind: 'moment', at: vn(2026, 4, 28, 8, 0) });
  });
});
