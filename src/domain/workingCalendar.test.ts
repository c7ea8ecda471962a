import { describe, expect, it } from 'vitest';
import seed2025 from '../../assets/calendar/2025.json';
import seed2026 from '../../assets/calendar/2026.json';
import seed2027 from '../../assets/calendar/2027.json';
import { CalendarYear } from '../shared/calendar';
import { appointmentFor, isWorkingDay, nextWorkingMoment, type WorkingHours, type WorkPeriod } from './workingCalendar';

const VN = 420;
/** Epoch ms of a Hà Nội wall-clock time (UTC+7). */
const vn = (y: number, mo: number, d: number, h: number, mi: number): number => Date.UTC(y, mo - 1, d, h - 7, mi);

const calendar = [CalendarYear.parse(seed2025), CalendarYear.parse(seed2026), CalendarYear.parse(seed2027)];
const hours: readonly WorkPeriod[] = [
  { start: '08:00', end: '12:00' },
  { start: '13:30', end: '17:30' },
];
const base = { utcOffsetMinutes: VN, calendar, hours };

describe('calendar seed (assets/calendar)', () => {
  it('is valid against the published CalendarYear schema; 2025 and 2026 are announced, 2027 is an estimate', () => {
    for (const seed of [seed2025, seed2026, seed2027]) expect(CalendarYear.safeParse(seed).success).toBe(true);
    expect(calendar.map((y) => [y.year, y.final, y.finalThrough])).toEqual([
      [2025, true, undefined],
      [2026, true, undefined],
      [2027, false, undefined],
    ]);
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
      ...range('2026-08-29', '2026-09-02'),
    ]);
    const work = calendar.flatMap((y) => y.days.filter((d) => d.kind === 'work').map((d) => d.date));
    expect(work).toEqual(['2025-04-26', '2026-01-10', '2026-08-22']);
    for (const date of work) expect(new Date(`${date}T00:00:00Z`).getUTCDay()).toBe(6);
    for (const d of calendar.flatMap((y) => y.days)) expect(d.name.normalize('NFC')).toBe(d.name);
  });

  it("lists 2027's fixed-date holidays on the right days, lunar ones converted for UTC+7", () => {
    const y2027 = calendar[2];
    const off = (y2027?.days ?? []).filter((d) => d.kind === 'off').map((d) => d.date);
    expect(off).toEqual([
      '2027-01-01',
      // Tết Đinh Mùi: mùng 1 is Sat 6/2/2027; five working days off placed as in 2024 (Tết also on a Saturday).
      ...['2027-02-04', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10'],
      '2027-04-16', // Giỗ Tổ Hùng Vương, 10/3 âm lịch
      '2027-04-30',
      '2027-05-01',
      '2027-05-03', // 1/5 is a Saturday: the next working day is off (Labour Code art. 112(3))
      '2027-09-01',
      '2027-09-02',
    ]);
    expect(y2027?.days.find((d) => d.date === '2027-02-06')?.name).toMatch(/mùng 1 tháng Giêng/);
    expect(y2027?.days.find((d) => d.date === '2027-04-16')?.name).toMatch(/10 tháng 3 âm lịch/);
    // Tết is five working days off (Labour Code art. 112(1)(b)): Thu 4, Fri 5, Mon 8, Tue 9, Wed 10/2.
    const weekdaysOff = off.filter((d) => d.startsWith('2027-02') && ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
    expect(weekdaysOff).toEqual(['2027-02-04', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10']);
  });
});

describe('National Day 2026 (29/8–2/9, Mon 31/8 swapped with Sat 22/8)', () => {
  it('is off Saturday 29/8 to Wednesday 2/9, and Saturday 22/8 is a working day', () => {
    expect(isWorkingDay('2026-08-22', calendar)).toBe(true); // make-up Saturday for Mon 31/8
    expect(isWorkingDay('2026-08-28', calendar)).toBe(true); // Friday before the break
    for (const date of ['2026-08-29', '2026-08-30', '2026-08-31', '2026-09-01', '2026-09-02']) expect(isWorkingDay(date, calendar)).toBe(false);
    expect(isWorkingDay('2026-09-03', calendar)).toBe(true); // Thursday after the break
  });

  it('worked example: 5 working days from Thu 27/08/2026 10:00 → Tue 08/09/2026 10:00, announced (not provisional)', () => {
    // By hand: counted from Thu 27/8 10:00 (inside hours). Working days after it: Fri 28/8 (1);
    // Sat 29, Sun 30, Mon 31/8 (swap), Tue 1/9 (extra day), Wed 2/9 off; Thu 3/9 (2), Fri 4/9 (3);
    // Sat 5, Sun 6 off; Mon 7/9 (4), Tue 8/9 (5). Due Tue 08/09/2026 at 10:00.
    const receivedAt = vn(2026, 8, 27, 10, 0);
    expect(appointmentFor({ ...base, receivedAt, workingDays: 5 })).toEqual({
      kind: 'date',
      dueAt: vn(2026, 9, 8, 10, 0),
      dueDate: '2026-09-08',
      countedFrom: receivedAt,
      provisional: false,
    });
  });

  it('counts the make-up Saturday 22/08/2026', () => {
    // Fri 21/8 14:00 + 1 working day = Sat 22/8 14:00 (a working Saturday), not Mon 24/8.
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 8, 21, 14, 0), workingDays: 1 })).toMatchObject({
      kind: 'date',
      dueAt: vn(2026, 8, 22, 14, 0),
      dueDate: '2026-08-22',
      provisional: false,
    });
  });
});

describe('finality per period', () => {
  // 2026 as the centre would publish it when only the first half is announced.
  const firstHalf = { ...CalendarYear.parse(seed2026), final: false, finalThrough: '2026-06-30' };
  const partly = { ...base, calendar: [CalendarYear.parse(seed2025), firstHalf] };

  it('an appointment entirely up to finalThrough is not provisional; one that reaches past it is', () => {
    // Tue 23/6 10:00 + 5 working days = Tue 30/6 10:00, the last announced day.
    expect(appointmentFor({ ...partly, receivedAt: vn(2026, 6, 23, 10, 0), workingDays: 5 })).toMatchObject({
      dueDate: '2026-06-30',
      provisional: false,
    });
    // One working day more lands on Wed 1/7, after finalThrough.
    expect(appointmentFor({ ...partly, receivedAt: vn(2026, 6, 23, 10, 0), workingDays: 6 })).toMatchObject({
      dueDate: '2026-07-01',
      provisional: true,
    });
    // Received in the unannounced part: provisional even for a day's work.
    expect(appointmentFor({ ...partly, receivedAt: vn(2026, 9, 8, 10, 0), workingDays: 1 })).toMatchObject({ provisional: true });
    // The same data announced through the end of August: the same receipt in June is final again.
    const throughAugust = { ...partly, calendar: [{ ...firstHalf, finalThrough: '2026-08-31' }] };
    expect(appointmentFor({ ...throughAugust, receivedAt: vn(2026, 6, 23, 10, 0), workingDays: 6 })).toMatchObject({ provisional: false });
  });

  it('counts the days before the receipt moves to the next working morning: an unannounced day skipped is a day walked', () => {
    // Tue 30/6 17:45 is after hours: counting starts Wed 1/7 08:00, past finalThrough, even for 0 days.
    expect(appointmentFor({ ...partly, receivedAt: vn(2026, 6, 30, 17, 45), workingDays: 0 })).toMatchObject({
      countedFrom: vn(2026, 7, 1, 8, 0),
      provisional: true,
    });
    expect(nextWorkingMoment({ ...partly, at: vn(2026, 6, 30, 17, 45) })).toEqual({ kind: 'moment', at: vn(2026, 7, 1, 8, 0), provisional: true });
    expect(nextWorkingMoment({ ...partly, at: vn(2026, 6, 30, 10, 0) })).toEqual({ kind: 'moment', at: vn(2026, 6, 30, 10, 0), provisional: false });
  });

  it('reads a record published before finalThrough existed as it always meant: final: true all of the year, final: false none of it', () => {
    // The 2026 record as kiosks hold it from before National Day was announced (only 2/9 listed).
    const published2026 = CalendarYear.parse({
      year: 2026,
      final: false,
      days: [...seed2026.days.filter((d) => d.date < '2026-08-01'), { date: '2026-09-02', kind: 'off', name: 'Quốc khánh (2/9)' }],
    });
    const old = { ...base, calendar: [CalendarYear.parse(seed2025), published2026] };
    expect(published2026.finalThrough).toBeUndefined();
    // The DOMAIN.md worked example, in February: provisional, as it was printed under that data.
    expect(appointmentFor({ ...old, receivedAt: vn(2026, 2, 12, 10, 0), workingDays: 5 })).toMatchObject({ dueDate: '2026-02-26', provisional: true });
    // Under that data 31/8 and 1/9 were working days: Thu 27/8 + 5 = Fri 4/9.
    expect(appointmentFor({ ...old, receivedAt: vn(2026, 8, 27, 10, 0), workingDays: 5 })).toMatchObject({ dueDate: '2026-09-04', provisional: true });
    // 2025 (final: true, no finalThrough) stays final.
    expect(appointmentFor({ ...old, receivedAt: vn(2025, 6, 2, 10, 0), workingDays: 5 })).toMatchObject({ provisional: false });
    // Reaching from a final year into a year published not final is provisional.
    expect(appointmentFor({ ...old, receivedAt: vn(2025, 12, 30, 10, 0), workingDays: 2 })).toMatchObject({ dueDate: '2026-01-05', provisional: true });
  });

  it('takes finalThrough: null as nothing announced, whatever the days listed', () => {
    const none = { ...base, calendar: [CalendarYear.parse({ ...seed2026, final: false, finalThrough: null })] };
    expect(appointmentFor({ ...none, receivedAt: vn(2026, 3, 10, 10, 0), workingDays: 1 })).toMatchObject({ dueDate: '2026-03-11', provisional: true });
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
    expect(isWorkingDay('2028-01-04', calendar)).toBeNull();
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
      provisional: false,
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

  it('gives December 2026 receipts a date in 2027, provisional only when it reaches into 2027', () => {
    // Thu 24/12/2026 + 3 working days = Tue 29/12/2026, all announced.
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 24, 10, 0), workingDays: 3 })).toMatchObject({
      kind: 'date',
      dueDate: '2026-12-29',
      provisional: false,
    });
    // By hand: Fri 25 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31/12 (5); Fri 1/1/2027 off;
    // Mon 4 (6), Tue 5 (7), Wed 6 (8), Thu 7 (9), Fri 8/1/2027 (10). 2027 is an estimate: provisional.
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 24, 10, 0), workingDays: 10 })).toEqual({
      kind: 'date',
      dueAt: vn(2027, 1, 8, 10, 0),
      dueDate: '2027-01-08',
      countedFrom: vn(2026, 12, 24, 10, 0),
      provisional: true,
    });
    // After hours on the last working day of 2026: counted from Mon 4/1/2027 08:00 (1/1 is off).
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 31, 17, 45), workingDays: 0 })).toMatchObject({
      dueAt: vn(2027, 1, 4, 8, 0),
      provisional: true,
    });
  });

  it('never invents a date in 2028, which the calendar does not cover', () => {
    const late = { kind: 'needs-confirmation', reason: 'beyond-calendar', lastCoveredYear: 2027, uncoveredYear: 2028 };
    expect(appointmentFor({ ...base, receivedAt: vn(2027, 12, 24, 10, 0), workingDays: 10 })).toEqual(late);
    // After hours on the last working day of 2027: even the start would be in 2028.
    expect(appointmentFor({ ...base, receivedAt: vn(2027, 12, 31, 17, 45), workingDays: 0 })).toEqual(late);
    // A December 2026 receipt with a long processing time reaches past 2027 as well.
    expect(appointmentFor({ ...base, receivedAt: vn(2026, 12, 24, 10, 0), workingDays: 300 })).toEqual(late);
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

  it('is final only when every day it walked over is announced', () => {
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
    const moment = (at: number, provisional = false) => ({ kind: 'moment', at, provisional });
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 10, 9, 0) })).toEqual(moment(vn(2026, 3, 10, 9, 0)));
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 10, 12, 0) })).toEqual(moment(vn(2026, 3, 10, 13, 30)));
    expect(nextWorkingMoment({ ...base, at: vn(2026, 3, 13, 17, 30) })).toEqual(moment(vn(2026, 3, 16, 8, 0)));
    expect(nextWorkingMoment({ ...base, at: vn(2026, 4, 24, 18, 0) })).toEqual(moment(vn(2026, 4, 28, 8, 0)));
    // Into 2027, whose holidays are an estimate: Thu 31/12/2026 18:00 → Mon 4/1/2027 08:00, provisional.
    expect(nextWorkingMoment({ ...base, at: vn(2026, 12, 31, 18, 0) })).toEqual(moment(vn(2027, 1, 4, 8, 0), true));
  });
});
