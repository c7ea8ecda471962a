import { memo } from 'react';
import { useTranslation } from 'react-i18next';

export interface IdleCountdownProps {
  readonly seconds: number;
}

/** "The screen returns to the start page in N seconds — touch to continue": any touch keeps the visit. */
export const IdleCountdown = memo(function IdleCountdown({ seconds }: IdleCountdownProps) {
  const { t } = useTranslation();
  return (
    <div
      className="idle-countdown"
      role="alertdialog"
      aria-live="assertive"
      aria-labelledby="idle-countdown-text"
      data-testid="citizen.idle"
      data-seconds={seconds}
    >
      <div className="idle-countdown__box">
        <p id="idle-countdown-text" className="idle-countdown__text">
          {t('citizen.idle.countdown', { count: seconds })}
        </p>
        <button type="button" className="btn btn--primary idle-countdown__continue" data-testid="citizen.idle.continue">
          {t('citizen.idle.continue')}
        </button>
      </div>
    </div>
  );
});
