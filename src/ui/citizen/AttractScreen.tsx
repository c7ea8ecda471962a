import { memo } from 'react';
import { useTranslation } from 'react-i18next';

export interface AttractScreenProps {
  readonly onStart: () => void;
}

const THINGS = [
  { key: 'ticket', badge: '123' },
  { key: 'lookup', badge: '?' },
  { key: 'follow', badge: 'QR' },
  { key: 'rating', badge: '★' },
] as const;

/**
 * What a kiosk nobody is using shows (after the idle reset, or when its start page was left alone):
 * what it can do, and "touch to start". The whole screen is one button, so the first touch only
 * wakes the kiosk and never lands on a tile underneath.
 */
export const AttractScreen = memo(function AttractScreen({ onStart }: AttractScreenProps) {
  const { t } = useTranslation();
  return (
    <button type="button" className="attract" onClick={onStart} data-testid="citizen.attract">
      <span className="attract__title">{t('attract.title')}</span>
      <span className="attract__lead">{t('attract.lead')}</span>
      <span className="attract__list">
        {THINGS.map((thing) => (
          <span key={thing.key} className="attract__item">
            <span className="attract__badge" aria-hidden="true">
              {thing.badge}
            </span>
            <span>
              <span className="attract__name">{t(`attract.${thing.key}`)}</span>
              <span className="attract__hint">{t(`attract.${thing.key}Hint`)}</span>
            </span>
          </span>
        ))}
      </span>
      <span className="attract__touch">{t('attract.touch')}</span>
    </button>
  );
});
