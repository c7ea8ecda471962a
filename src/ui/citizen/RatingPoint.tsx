import { memo, useCallback, useEffect, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { normaliseTicketNumber, parseTicketQr } from '../../domain/followQr';
import { initialRatingForm, RATING_COMMENT_MAX, ratingFormStep, type RatingEvent, type RatingForm } from '../../domain/ratingForm';
import type { Questionnaire } from '../../shared/published';
import { codeOf, errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { OnScreenKeyboard } from '../keyboard/OnScreenKeyboard';
import './follow.css';
import { QrScanner } from './QrScanner';

export interface RatingPointProps {
  readonly onHome: () => void;
}

/**
 * A face per level, so the choice reads without reading (the words are always beside it). Drawn,
 * not emoji: the kiosk's fonts have no colour emoji and several faces came out blank.
 */
const MOUTHS: Readonly<Record<string, string>> = {
  'very-satisfied': 'M16 34 Q32 52 48 34 Z',
  satisfied: 'M18 38 Q32 48 46 38',
  neutral: 'M19 41 H45',
  dissatisfied: 'M18 46 Q32 34 46 46',
};
function Face({ level }: { readonly level: string }) {
  return (
    <svg className={`rating-face rating-face--${level}`} viewBox="0 0 64 64" width="96" height="96" aria-hidden="true">
      <circle cx="32" cy="32" r="29" fill="currentColor" opacity="0.18" stroke="currentColor" strokeWidth="3" />
      <circle cx="22" cy="25" r="4" fill="currentColor" />
      <circle cx="42" cy="25" r="4" fill="currentColor" />
      <path
        d={MOUTHS[level] ?? MOUTHS.neutral}
        fill={level === 'very-satisfied' ? 'currentColor' : 'none'}
        stroke="currentColor"
        strokeWidth="4"
        strokeLinecap="round"
      />
    </svg>
  );
}
const THANKS_HOME_MS = 8_000;

/**
 * "Đánh giá dịch vụ" at a rating point: the ticket's QR held up to the camera (its `t=` links the
 * rating to the ticket), or the number typed, or none; then the questionnaire in effect (the
 * centre's published one, else the built-in one) as large face buttons and reason chips, an
 * optional comment only when the questionnaire allows it; saved offline (app.ratingPoint); thanks,
 * and home. The steps are src/domain/ratingForm.ts.
 */
export const RatingPoint = memo(function RatingPoint({ onHome }: RatingPointProps) {
  const { i18n } = useTranslation();
  const app = useKiosk();
  const [q, setQ] = useState<{ questionnaire: Questionnaire; builtIn: boolean } | null>(null);
  useEffect(() => {
    let live = true;
    void app.ratingPoint.questionnaire().then((found) => live && setQ(found));
    return () => {
      live = false;
    };
  }, [app]);
  if (q === null) return <section className="follow" data-testid="rating.loading" aria-busy="true" />;
  return <RatingSteps onHome={onHome} questionnaire={q.questionnaire} builtIn={q.builtIn} lang={i18n.language === 'en' ? 'en' : 'vi'} />;
});

interface RatingStepsProps extends RatingPointProps {
  readonly questionnaire: Questionnaire;
  readonly builtIn: boolean;
  readonly lang: 'vi' | 'en';
}

const RatingSteps = memo(function RatingSteps({ onHome, questionnaire: q, builtIn, lang }: RatingStepsProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [form, dispatch] = useReducer((f: RatingForm, e: RatingEvent) => ratingFormStep(f, e, q, builtIn), initialRatingForm);
  const [foreignQr, setForeignQr] = useState(false);

  // Saving: the answer goes to the outbox (offline first); the thank-you screen follows.
  useEffect(() => {
    if (form.step !== 'saving') return;
    let live = true;
    const end = app.activity.begin();
    app.ratingPoint
      .submit(form.answer)
      .then(() => live && dispatch({ type: 'saved' }))
      .catch((e: unknown) => live && dispatch({ type: 'failed', code: codeOf(e) }))
      .finally(end);
    return () => {
      live = false;
    };
  }, [app, form]);

  useEffect(() => {
    if (form.step !== 'done') return;
    const timer = setTimeout(onHome, THANKS_HOME_MS);
    return () => clearTimeout(timer);
  }, [form.step, onHome]);

  const onQr = useCallback((text: string) => {
    const ticket = parseTicketQr(text);
    if (ticket === null) setForeignQr(true);
    else dispatch({ type: 'scanned', ticket });
  }, []);

  const back = (
    <button type="button" className="btn btn--secondary" onClick={onHome} data-testid="rating.back">
      ← {t('rating.back')}
    </button>
  );
  const bar = (
    <div className="lookup__bar">
      {back}
      <h1 className="page-title lookup__title">{builtIn ? t('rating.title') : q.title[lang]}</h1>
    </div>
  );

  if (form.step === 'done') {
    return (
      <section className="follow rating-thanks" data-testid="rating.thanks">
        <Face level="very-satisfied" />
        <h1 className="page-title">{t('rating.thanksTitle')}</h1>
        <p className="page-lead">{t('rating.thanksText')}</p>
        <button type="button" className="btn btn--primary" onClick={onHome} data-testid="rating.home">
          {t('rating.back')}
        </button>
      </section>
    );
  }

  if (form.step === 'ticket') {
    const typedTicket = () => {
      const number = normaliseTicketNumber(form.typed);
      dispatch({ type: 'typed-number', ticket: number === null ? null : { branchCode: app.branch.branchCode, day: app.today(), number, ticketId: null } });
    };
    return (
      <section className="follow" data-testid="rating.ticket">
        {bar}
        {foreignQr && (
          <div className="notice notice--error" role="alert" data-testid="rating.foreignQr">
            {t('rating.scanForeign')}
          </div>
        )}
        <div className="follow__columns">
          <div className="follow__scan">
            <h2>{t('rating.ticketTitle')}</h2>
            <QrScanner onText={onQr} label={t('rating.cameraLabel')} unavailable={t('follow.cameraUnavailable')} testId="rating.camera" />
            <p className="follow__hint">{t('rating.ticketScanHint')}</p>
          </div>
          {/* Not a <form>: simple-keyboard's keys are <button>s, which would submit it on every tap. */}
          <div className="follow__type">
            <h2>{t('rating.typeTitle')}</h2>
            <label className="lookup__label" htmlFor="rating-number">
              {t('rating.numberLabel')}
            </label>
            <input
              id="rating-number"
              className="lookup__input follow__input"
              autoComplete="off"
              spellCheck={false}
              maxLength={10}
              value={form.typed}
              onChange={(e) => dispatch({ type: 'type', text: e.target.value })}
              onKeyDown={(e) => e.key === 'Enter' && typedTicket()}
              data-testid="rating.numberInput"
            />
            {form.invalid && (
              <p className="notice notice--error" role="alert" data-testid="rating.numberInvalid">
                {t('rating.numberInvalid')}
              </p>
            )}
            <OnScreenKeyboard value={form.typed} onChange={(text) => dispatch({ type: 'type', text })} mode="code" maxLength={10} testId="rating.keyboard" />
            <button type="button" className="btn btn--primary follow__submit" onClick={typedTicket} data-testid="rating.next">
              {t('rating.next')}
            </button>
          </div>
        </div>
        <button type="button" className="btn btn--secondary rating__skip" onClick={() => dispatch({ type: 'skip' })} data-testid="rating.skip">
          {t('rating.skip')}
        </button>
        <p className="follow__privacy">{t('rating.anonymous')}</p>
      </section>
    );
  }

  const answer = form.step === 'answer' ? form : null;
  const saving = form.step === 'saving';
  const chosen = form.step === 'answer' ? form.level : form.answer.level;
  const reasons = form.step === 'answer' ? form.reasons : form.answer.reasons;
  return (
    <section className="follow" data-testid="rating.answer" data-questionnaire={builtIn ? 'built-in' : `${q.id}@${q.version}`} aria-busy={saving}>
      {bar}
      <p className="page-lead" data-testid="rating.about">
        {answer?.ticket ? t('rating.forTicket', { number: answer.ticket.number }) : t('rating.general')}
        {builtIn && <span className="follow__hint"> · {t('rating.builtIn')}</span>}
      </p>
      <h2>{t('rating.levelsTitle')}</h2>
      <div className="rating-levels" role="radiogroup" aria-label={t('rating.levelsTitle')}>
        {q.levels.map((level) => (
          <button
            key={level}
            type="button"
            role="radio"
            aria-checked={chosen === level}
            className="rating-level"
            disabled={answer === null}
            onClick={() => dispatch({ type: 'level', level })}
            data-testid={`rating.level.${level}`}
          >
            <Face level={level} />
            <span className="rating-level__word">{t(`rating.level.${level}`)}</span>
          </button>
        ))}
      </div>
      {answer?.missingLevel && (
        <p className="notice notice--error" role="alert" data-testid="rating.missingLevel">
          {t('rating.missingLevel')}
        </p>
      )}
      {q.reasons.length > 0 && (
        <>
          <h2>{t('rating.reasonsTitle')}</h2>
          <div className="rating-reasons">
            {q.reasons.map((reason) => (
              <button
                key={reason}
                type="button"
                className="rating-reason"
                aria-pressed={reasons.includes(reason)}
                disabled={answer === null}
                onClick={() => dispatch({ type: 'reason', reason })}
                data-testid={`rating.reason.${reason}`}
              >
                {reasons.includes(reason) ? '✓ ' : ''}
                {t(`rating.reason.${reason}`)}
              </button>
            ))}
          </div>
        </>
      )}
      {q.allowComment && answer !== null && (
        <div className="rating-comment">
          <label className="lookup__label" htmlFor="rating-comment">
            {t('rating.commentLabel')}
          </label>
          <input
            id="rating-comment"
            className="lookup__input"
            autoComplete="off"
            maxLength={RATING_COMMENT_MAX}
            value={answer.comment}
            onChange={(e) => dispatch({ type: 'comment', text: e.target.value })}
            data-testid="rating.comment"
          />
          <OnScreenKeyboard
            value={answer.comment}
            onChange={(text) => dispatch({ type: 'comment', text })}
            mode="telex"
            maxLength={RATING_COMMENT_MAX}
            testId="rating.commentKeyboard"
          />
        </div>
      )}
      {form.step === 'failed' && (
        <div className="notice notice--error" role="alert" data-testid="rating.failed" data-code={form.code}>
          {t('rating.failed')} {errorMessage(t, form.code)}
        </div>
      )}
      <div className="follow__actions">
        {form.step === 'failed' ? (
          <button type="button" className="btn btn--primary" onClick={() => dispatch({ type: 'retry' })} data-testid="rating.retry">
            {t('rating.retry')}
          </button>
        ) : (
          <button type="button" className="btn btn--primary" disabled={saving} onClick={() => dispatch({ type: 'submit' })} data-testid="rating.submit">
            {saving ? t('rating.saving') : t('rating.submit')}
          </button>
        )}
      </div>
      <p className="follow__privacy">{t('rating.anonymous')}</p>
    </section>
  );
});
