import { describe, expect, it } from 'vitest';
import type { Questionnaire } from '../shared/published';
import { BUILT_IN_QUESTIONNAIRE, initialRatingForm, pickQuestionnaire, ratingAnswer, ratingFormStep, type RatingEvent, type RatingForm } from './ratingForm';

const TICKET = { branchCode: 'CN01', day: '2026-12-03', number: 'A015', ticketId: '0193a6f2-7c4e-7b1a-9f00-123456789abc' };
const PUBLISHED: Questionnaire = {
  id: 'hai-long-quay',
  version: 2,
  title: { vi: 'Đánh giá', en: 'Rate' },
  levels: ['very-satisfied', 'satisfied', 'dissatisfied'],
  reasons: ['attitude', 'time'],
  allowComment: true,
  active: true,
};

function run(events: readonly RatingEvent[], q: Questionnaire = PUBLISHED, builtIn = false): RatingForm {
  return events.reduce((f, e) => ratingFormStep(f, e, q, builtIn), initialRatingForm);
}

describe('the rating form', () => {
  it('scanned ticket → level and reasons → saving carries the ticket id and the questionnaire', () => {
    const form = run([
      { type: 'scanned', ticket: TICKET },
      { type: 'reason', reason: 'time' },
      { type: 'reason', reason: 'attitude' },
      { type: 'level', level: 'satisfied' },
      { type: 'submit' },
    ]);
    expect(form).toEqual({
      step: 'saving',
      answer: {
        ticketId: TICKET.ticketId,
        level: 'satisfied',
        reasons: ['attitude', 'time'],
        comment: '',
        questionnaireId: 'hai-long-quay',
        questionnaireVersion: 2,
      },
    });
  });
  it('a typed number or no ticket goes with ticketId null', () => {
    const typed = run([{ type: 'typed-number', ticket: TICKET }, { type: 'level', level: 'very-satisfied' }, { type: 'submit' }]);
    expect(typed.step === 'saving' && typed.answer.ticketId).toBeNull();
    const none = run([{ type: 'skip' }, { type: 'level', level: 'very-satisfied' }, { type: 'submit' }]);
    expect(none.step === 'saving' && none.answer.ticketId).toBeNull();
  });
  it('an unreadable number stays on the ticket step and says so', () => {
    expect(
      run([
        { type: 'type', text: 'A-1' },
        { type: 'typed-number', ticket: null },
      ]),
    ).toEqual({ step: 'ticket', typed: 'A-1', invalid: true });
    expect(
      run([
        { type: 'typed-number', ticket: null },
        { type: 'type', text: 'A1' },
      ]),
    ).toEqual({ step: 'ticket', typed: 'A1', invalid: false });
  });
  it('nothing is sent without a level', () => {
    const form = run([{ type: 'skip' }, { type: 'submit' }]);
    expect(form.step === 'answer' && form.missingLevel).toBe(true);
    const chosen = ratingFormStep(form, { type: 'level', level: 'dissatisfied' }, PUBLISHED, false);
    expect(chosen.step === 'answer' && chosen.missingLevel).toBe(false);
  });
  it('only the questionnaire’s own levels and reasons can be chosen; a second tap takes a reason back', () => {
    const form = run([
      { type: 'skip' },
      { type: 'level', level: 'neutral' },
      { type: 'reason', reason: 'result' },
      { type: 'reason', reason: 'time' },
      { type: 'reason', reason: 'time' },
    ]);
    expect(form.step === 'answer' && [form.level, form.reasons]).toEqual([null, []]);
  });
  it('a comment only when the questionnaire allows one', () => {
    const allowed = run([{ type: 'skip' }, { type: 'comment', text: '  Cán bộ nhiệt tình ' }, { type: 'level', level: 'satisfied' }, { type: 'submit' }]);
    expect(allowed.step === 'saving' && allowed.answer.comment).toBe('Cán bộ nhiệt tình');
    const built = run(
      [{ type: 'skip' }, { type: 'comment', text: 'x' }, { type: 'level', level: 'neutral' }, { type: 'submit' }],
      BUILT_IN_QUESTIONNAIRE,
      true,
    );
    expect(built.step === 'saving' && built.answer).toMatchObject({ comment: '', questionnaireId: null, questionnaireVersion: null });
  });
  it('the answer drops a comment the questionnaire does not allow, however it got into the form', () => {
    const form = { step: 'answer', ticket: null, level: 'neutral', reasons: [], comment: 'x', missingLevel: false } as const;
    expect(ratingAnswer(form, BUILT_IN_QUESTIONNAIRE, true)?.comment).toBe('');
  });
  it('saving → done; a failed save keeps the answer and can be retried', () => {
    const saving = run([{ type: 'skip' }, { type: 'level', level: 'satisfied' }, { type: 'submit' }]);
    expect(ratingFormStep(saving, { type: 'saved' }, PUBLISHED, false)).toEqual({ step: 'done' });
    const failed = ratingFormStep(saving, { type: 'failed', code: 'disk.low' }, PUBLISHED, false);
    expect(failed).toMatchObject({ step: 'failed', code: 'disk.low' });
    expect(ratingFormStep(failed, { type: 'retry' }, PUBLISHED, false)).toEqual(saving);
  });
});

describe('pickQuestionnaire', () => {
  it('the active one with the highest version; none active → null (the built-in one is used)', () => {
    const old = { ...PUBLISHED, version: 1 };
    const off = { ...PUBLISHED, id: 'khac', version: 9, active: false };
    expect(pickQuestionnaire([old, PUBLISHED, off])).toBe(PUBLISHED);
    expect(pickQuestionnaire([off])).toBeNull();
    expect(BUILT_IN_QUESTIONNAIRE.levels).toHaveLength(4);
    expect(BUILT_IN_QUESTIONNAIRE.reasons).toHaveLength(4);
  });
});
