import { memo, useCallback, useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReadableScreen } from '../../domain/readAloud';
import { useKiosk } from '../KioskContext';

/** Drawn, not emoji or symbol characters: the kiosk's fonts have neither. */
function Icon({ kind }: { readonly kind: 'contrast' | 'speaker' | 'bell' }) {
  return (
    <svg
      className="access-bar__icon"
      viewBox="0 0 24 24"
      width="36"
      height="36"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinejoin="round"
      strokeLinecap="round"
    >
      {kind === 'contrast' && (
        <>
          <circle cx="12" cy="12" r="9" />
          <path d="M12 3a9 9 0 0 1 0 18z" fill="currentColor" />
        </>
      )}
      {kind === 'bell' && (
        <>
          <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6z" fill="currentColor" />
          <path d="M10 19a2 2 0 0 0 4 0" />
        </>
      )}
      {kind === 'speaker' && (
        <>
          <path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor" />
          <path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13" />
        </>
      )}
    </svg>
  );
}

export interface AccessSettings {
  readonly largeText: boolean;
  readonly highContrast: boolean;
}

export interface AccessBarProps {
  readonly settings: AccessSettings;
  readonly onChange: (next: AccessSettings) => void;
  /** The screen "Đọc to" describes now. */
  readonly readable: ReadableScreen;
  readonly staffCall: StaffCallState;
  readonly onCallStaff: () => void;
}

/** "Gọi nhân viên": not tapped, on its way, the counters were told, or not (yet). */
export type StaffCallState = 'idle' | 'calling' | 'told' | 'queued' | 'failed';

/**
 * The citizen's help for everyone, at the bottom of every citizen screen (in the status bar, where
 * the language switch is): larger text, high contrast, "Đọc to" (the screen's guide said in
 * Vietnamese) and "Gọi nhân viên" (the branch's counters are told: app.callStaff). The switches are the visit's: the idle reset and "Xong" put them
 * back. Large touch targets, `aria-pressed` for the switches.
 */
export const AccessBar = memo(function AccessBar({ settings, onChange, readable, staffCall, onCallStaff }: AccessBarProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const voice = useSyncExternalStore(app.readAloud.subscribe, app.readAloud.state);
  const read = useCallback(() => void app.readAloud.read(readable), [app, readable]);
  useEffect(() => app.readAloud.prepare(), [app]);
  // Another screen (or none: the idle reset, "Xong") ends the guide of the one that was read.
  const screenKey = readable.kind === 'ticket' ? `ticket ${readable.number}` : readable.kind;
  useEffect(() => () => app.readAloud.stop(), [app, screenKey]);
  return (
    <div className="access-bar" role="group" aria-label={t('access.label')} data-testid="access.bar">
      <button
        type="button"
        className="access-bar__btn"
        aria-pressed={settings.largeText}
        onClick={() => onChange({ ...settings, largeText: !settings.largeText })}
        data-testid="access.largeText"
      >
        <span className="access-bar__icon access-bar__icon--text" aria-hidden="true">
          A+
        </span>
        {t('access.largeText')}
      </button>
      <button
        type="button"
        className="access-bar__btn"
        aria-pressed={settings.highContrast}
        onClick={() => onChange({ ...settings, highContrast: !settings.highContrast })}
        data-testid="access.highContrast"
      >
        <Icon kind="contrast" />
        {t('access.highContrast')}
      </button>
      <button
        type="button"
        className="access-bar__btn"
        onClick={read}
        aria-disabled={voice.speaking}
        data-testid="access.readAloud"
        data-speaking={voice.speaking}
        data-engine={voice.engine ?? ''}
        data-outcome={voice.last ?? ''}
        data-said={JSON.stringify(voice.said)}
      >
        <Icon kind="speaker" />
        {voice.speaking ? t('access.reading') : t('access.readAloud')}
      </button>
      <button
        type="button"
        className="access-bar__btn access-bar__btn--staff"
        onClick={onCallStaff}
        aria-disabled={staffCall === 'calling'}
        data-testid="access.callStaff"
        data-state={staffCall}
      >
        <Icon kind="bell" />
        {staffCall === 'calling' ? t('access.callingStaff') : t('access.callStaff')}
      </button>
      {voice.last === 'failed' && !voice.speaking && (
        <p className="access-bar__note" role="alert" data-testid="access.readFailed">
          {t('access.readFailed')}
        </p>
      )}
    </div>
  );
});
