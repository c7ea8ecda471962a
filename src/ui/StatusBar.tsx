import { memo, useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useKiosk } from './KioskContext';
import { useOnline, useWatch } from './hooks';

export interface StatusBarProps {
  readonly updateReady: boolean;
  readonly onToggleLanguage: () => void;
}

/** Always visible: connectivity, records waiting to sync, pending update, language switch. */
export const StatusBar = memo(function StatusBar({ updateReady, onToggleLanguage }: StatusBarProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const online = useOnline();
  const watchPending = useCallback((cb: (n: number) => void) => app.watchPending(cb), [app]);
  const pending = useWatch<number | null>(watchPending, null);
  return (
    <footer className="statusbar" data-testid="status.bar">
      <span className={`pill ${online ? 'pill--ok' : 'pill--warn'}`} data-testid="status.network" data-online={online}>
        {online ? t('status.online') : t('status.offline')}
      </span>
      <span className={`pill ${pending ? 'pill--warn' : 'pill--neutral'}`} data-testid="status.pending" data-count={pending ?? ''}>
        {pending === null || Number.isNaN(pending) ? t('status.pendingUnknown') : t('status.pending', { count: pending })}
      </span>
      {updateReady && (
        <span className="pill pill--neutral" data-testid="status.update">
          {t('status.updateReady')}
        </span>
      )}
      <span className="statusbar__spacer" />
      <button type="button" className="btn btn--secondary btn--small" onClick={onToggleLanguage} data-testid="status.language">
        {t('status.language')}
      </button>
    </footer>
  );
});
