import { describe, expect, it } from 'vitest';
import { hanoiContext, VN, vn } from '../../test/support/hanoiReception';
import type { ProcessingSet } from '../shared/records';
import { formatLocalDateTime } from './localDay';
import { isoFromViDate, processingSetAppointment, type ProcessingSetOutcome } from './processingSet';

const context = hanoiContext;
const REASON = 'Theo quy định tại quầy';

const set = (kind: ProcessingSet['kind'], value: number | string, reason = REASON): ProcessingSet => ({ kind, value, reason }) as ProcessingSet;

/** What the officer reads: "dd/MM/yyyy HH:mm" and whether it is provisional, or the refusal's code and values. */
function shown(outcome: ProcessingSetOutcome): string {
  if (!outcome.ok) return `${outcome.error.code} ${JSON.stringify(outcome.error.values)}`;
  return `${formatLocalDateTime(outcome.value.at, VN)}${outcome.value.provisional ? ' (dự kiến)' : ''}`;
}

describe('working hours (same-day services)', () => {
  it('ends the same day, counting over the lunch break', () => {
    // Tue 10/03/2026.
    expect(shown(processingSetAppointment(set('working-hours', 2), vn(2026, 3, 10, 9), context))).toBe('10/03/2026 11:00');
    expect(shown(processingSetAppointment(set('working-hours', 3), vn(2026, 3, 10, 10, 30), context))).toBe('10/03/2026 15:00');
    // Received during the break: counting starts at 13:30.
    expect(shown(processingSetAppointment(set('working-hours', 1), vn(2026, 3, 10, 12, 15), context))).toBe('10/03/2026 14:30');
  });

  it('rolls over to the next working morning what the day cannot hold', () => {
    // 16:00 → 17:30 is 1 h 30; the other 2 h 30 from 08:00 Wednesday.
    expect(shown(processingSetAppointment(set('working-hours', 4), vn(2026, 3, 10, 16), context))).toBe('11/03/2026 10:30');
    // After the 16:30 cut-off nothing counts today.
    expect(shown(processingSetAppointment(set('working-hours', 2), vn(2026, 3, 10, 16, 45), context))).toBe('11/03/2026 10:00');
    // Friday afternoon before National Day: Sat 29/08 to Wed 02/09/2026 are off, so Thursday 03/09.
    expect(shown(processingSetAppointment(set('working-hours', 4), vn(2026, 8, 28, 15, 30), context))).toBe('03/09/2026 10:00');
  });
});

describe('working days', () => {
  it('skip the 2026 National Day break (29/08–02/09, Mon 31/08 swapped) and count the make-up Saturday 22/08', () => {
    // Thu 27/08 10:00 + 5: Fri 28/08, Thu 03/09, Fri 04/09, Mon 07/09, Tue 08/09.
    expect(shown(processingSetAppointment(set('working-days', 5), vn(2026, 8, 27, 10), context))).toBe('08/09/2026 10:00');
    // Fri 21/08 10:00 + 1 is the make-up Saturday.
    expect(shown(processingSetAppointment(set('working-days', 1), vn(2026, 8, 21, 10), context))).toBe('22/08/2026 10:00');
  });

  it('are provisional when they reach a year whose holidays are not announced, and refused past the published years', () => {
    expect(shown(processingSetAppointment(set('working-days', 5), vn(2026, 12, 29, 9), context))).toBe('06/01/2027 09:00 (dự kiến)');
    expect(shown(processingSetAppointment(set('working-days', 10), vn(2027, 12, 27, 9), context))).toBe('processing.beyond-calendar {"year":"2028"}');
  });
});

describe('a fixed date', () => {
  const at = vn(2026, 8, 27, 10); // Thu 27/08/2026

  it('is due when the counter opens that day', () => {
    expect(shown(processingSetAppointment(set('date', '2026-09-03'), at, context))).toBe('03/09/2026 08:00');
    // The make-up Saturday is a working day.
    expect(shown(processingSetAppointment(set('date', '2026-08-22'), vn(2026, 8, 20, 10), context))).toBe('22/08/2026 08:00');
  });

  it('is refused in the past, on the receipt day, on a weekend or holiday, and more than a year ahead', () => {
    expect(shown(processingSetAppointment(set('date', '2026-08-26'), at, context))).toBe('processing.date-past {"date":"26/08/2026"}');
    expect(shown(processingSetAppointment(set('date', '2026-08-27'), at, context))).toBe('processing.date-today {"date":"27/08/2026"}');
    expect(shown(processingSetAppointment(set('date', '2026-09-02'), at, context))).toBe(
      'processing.date-holiday {"date":"02/09/2026","name":"Quốc khánh (2/9)"}',
    );
    expect(shown(processingSetAppointment(set('date', '2026-08-31'), at, context))).toBe(
      'processing.date-holiday {"date":"31/08/2026","name":"Nghỉ hoán đổi (làm bù thứ Bảy 22/8/2026)"}',
    );
    expect(shown(processingSetAppointment(set('date', '2026-09-05'), at, context))).toBe('processing.date-weekend {"date":"05/09/2026"}');
    expect(shown(processingSetAppointment(set('date', '2027-09-01'), at, context))).toBe('processing.date-too-far {"date":"01/09/2027"}');
    expect(shown(processingSetAppointment(set('date', '2026-02-30'), at, context))).toBe('processing.date-invalid {}');
  });

  it('is provisional in a year not yet announced, or not yet published', () => {
    expect(shown(processingSetAppointment(set('date', '2027-03-02'), at, context))).toBe('02/03/2027 08:00 (dự kiến)');
    expect(shown(processingSetAppointment(set('date', '2028-01-05'), vn(2027, 12, 20, 9), context))).toBe('05/01/2028 08:00 (dự kiến)');
  });

  it('is read the way officers write it (dd/MM/yyyy), real dates only', () => {
    expect(isoFromViDate('03/09/2026')).toBe('2026-09-03');
    expect(isoFromViDate(' 3/9/2026 ')).toBe('2026-09-03');
    expect(isoFromViDate('31/02/2026')).toBeNull();
    expect(isoFromViDate('2026-09-03')).toBeNull();
  });
});

describe('the setting itself', () => {
  it('needs a reason and a value in bounds', () => {
    const at = vn(2026, 3, 10, 9);
    expect(shown(processingSetAppointment(set('working-days', 3, '   '), at, context))).toBe('processing.reason-required {}');
    expect(shown(processingSetAppointment(set('working-days', 3, 'x'.repeat(201)), at, context))).toBe('processing.reason-too-long {"max":"200"}');
    expect(shown(processingSetAppointment(set('working-days', 0), at, context))).toBe('processing.days-invalid {"min":"1","max":"3650"}');
    expect(shown(processingSetAppointment(set('working-hours', 1.5), at, context))).toBe('processing.hours-invalid {"min":"1","max":"200"}');
    expect(shown(processingSetAppointment(set('working-days', 3), at, { ...context, reception: null }))).toBe('processing.no-reception {}');
  });
});
