import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useKiosk } from '../KioskContext';
import { useSyncStatus } from '../hooks';

export interface IssuesButtonProps {
  readonly onOpen: () => void;
}

/** The way from a staff home screen to the sync-issues list, with the count of open issues. */
export const IssuesButton = memo(function IssuesButton({ onOpen }: IssuesButtonProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const { rejected } = useSyncStatus(app);
  return (
    <button
      type="button"
      className={`btn btn--small ${rejected > 0 ? 'btn--danger' : 'btn--secondary'}`}
      onClick={onOpen}
      data-testid="issues.open"
      data-count={rejected}
    >
      {t('issues.open')}
      <span className={`badge ${rejected > 0 ? 'badge--danger' : ''}`} data-testid="issues.badge">
        {rejected}
      </span>
    </button>
  );
});
