import type { Questionnaire } from '../shared/published';
import { RATING_REASONS, SATISFACTION_LEVELS } from '../shared/published';
import type { TicketRef } from './followQr';

/**
 * The citizen's rating at a rating point, as states a screen walks through: `ticket` (scan the
 * ticket's QR, type its number, or go on without) → `answer` (one level, optional reasons, an
 * optional comment when the questionnaire allows one) → `done`. Pure: the screen dispatches, the
 * app saves what `ratingAnswer` gives.
 *
 * Guarantees: anonymous — nothing about the citizen is kept, only the ticket's id when its QR carried
 * one (a typed number or an older QR gives `ticketId: null`); only the questionnaire's own levels
 * and reasons can be chosen; a comment is dropped when the questionnaire allows none; nothing can
 * be sent without a level.
 */

export type SatisfactionLevel = (typeof SATISFACTION_LEVELS)[number];
export type RatingReason = (typeof RATING_REASONS)[number];

/** Used when the centre has published no active questionnaire (DOMAIN.md: 4 levels, 4 reasons). */
export const BUILT_IN_QUESTIONNAIRE: Questionnaire = {
  id: 'built-in',
  version: 1,
  title: { vi: 'Đánh giá mức độ hài lòng', en: 'How satisfied are you?' },
  levels: [...SATISFACTION_LEVELS],
  reasons: [...RATING_REASONS],
  allowComment: false,
  active: true,
};

/** The active questionnaire with the highest version (ties: the id), or null. */
export function pickQuestionnaire(published: readonly Questionnaire[]): Questionnaire | null {
  const active = published.filter((q) => q.active && q.levels.length > 0);
  active.sort((a, b) => b.version - a.version || a.id.localeCompare(b.id));
  return active[0] ?? null;
}

export type RatingForm =
  | { readonly step: 'ticket'; readonly typed: string; readonly invalid: boolean }
  | {
      readonly step: 'answer';
      readonly ticket: TicketRef | null;
      readonly level: SatisfactionLevel | null;
      readonly reasons: readonly RatingReason[];
      readonly comment: string;
      readonly missingLevel: boolean;
    }
  | { readonly step: 'saving'; readonly answer: RatingAnswer }
  | { readonly step: 'done' }
  | { readonly step: 'failed'; readonly answer: RatingAnswer; readonly code: string };

export type RatingEvent =
  | { readonly type: 'type'; readonly text: string }
  | { readonly type: 'scanned'; readonly ticket: TicketRef }
  | { readonly type: 'typed-number'; readonly ticket: TicketRef | null }
  | { readonly type: 'skip' }
  | { readonly type: 'level'; readonly level: SatisfactionLevel }
  | { readonly type: 'reason'; readonly reason: RatingReason }
  | { readonly type: 'comment'; readonly text: string }
  | { readonly type: 'submit' }
  | { readonly type: 'saved' }
  | { readonly type: 'failed'; readonly code: string }
  | { readonly type: 'retry' };

/** What is saved: the record's fields a rating point knows. */
export interface RatingAnswer {
  readonly ticketId: string | null;
  readonly level: SatisfactionLevel;
  readonly reasons: readonly RatingReason[];
  readonly comment: string;
  readonly questionnaireId: string | null;
  readonly questionnaireVersion: number | null;
}

export const RATING_COMMENT_MAX = 500;

export const initialRatingForm: RatingForm = { step: 'ticket', typed: '', invalid: false };

const answering = (ticket: TicketRef | null): RatingForm => ({ step: 'answer', ticket, level: null, reasons: [], comment: '', missingLevel: false });

export function ratingAnswer(form: Extract<RatingForm, { step: 'answer' }>, q: Questionnaire, builtIn: boolean): RatingAnswer | null {
  if (form.level === null || !q.levels.includes(form.level)) return null;
  return {
    ticketId: form.ticket?.ticketId ?? null,
    level: form.level,
    // In the questionnaire's order, whatever order they were tapped in.
    reasons: q.reasons.filter((r) => form.reasons.includes(r)),
    comment: q.allowComment ? form.comment.trim().slice(0, RATING_COMMENT_MAX) : '',
    questionnaireId: builtIn ? null : q.id,
    questionnaireVersion: builtIn ? null : q.version,
  };
}

/** The next state; events that do not fit the current step change nothing. */
export function ratingFormStep(form: RatingForm, event: RatingEvent, q: Questionnaire, builtIn: boolean): RatingForm {
  switch (form.step) {
    case 'ticket':
      if (event.type === 'type') return { step: 'ticket', typed: event.text.slice(0, 10), invalid: false };
      if (event.type === 'scanned') return answering(event.ticket);
      if (event.type === 'typed-number') return event.ticket === null ? { ...form, invalid: true } : answering({ ...event.ticket, ticketId: null });
      if (event.type === 'skip') return answering(null);
      return form;
    case 'answer':
      if (event.type === 'level') return q.levels.includes(event.level) ? { ...form, level: event.level, missingLevel: false } : form;
      if (event.type === 'reason') {
        if (!q.reasons.includes(event.reason)) return form;
        const has = form.reasons.includes(event.reason);
        return { ...form, reasons: has ? form.reasons.filter((r) => r !== event.reason) : [...form.reasons, event.reason] };
      }
      if (event.type === 'comment') return q.allowComment ? { ...form, comment: event.text.slice(0, RATING_COMMENT_MAX) } : form;
      if (event.type === 'submit') {
        const answer = ratingAnswer(form, q, builtIn);
        return answer === null ? { ...form, missingLevel: true } : { step: 'saving', answer };
      }
      return form;
    case 'saving':
      if (event.type === 'saved') return { step: 'done' };
      if (event.type === 'failed') return { step: 'failed', answer: form.answer, code: event.code };
      return form;
    case 'failed':
      if (event.type === 'retry') return { step: 'saving', answer: form.answer };
      return form;
    case 'done':
      return form;
  }
}
