import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useKiosk } from '../KioskContext';
import { openIssueCount, useSyncStatus } from '../hooks';

export interface IssuesButtonProps {
  readonly onOpen: () => void;
}

/** The way from a staff home screen to the sync-issues list, with the count of open issues (refused records and stuck scans). */
export const IssuesButton = memo(function IssuesButton({ onOpen }: IssuesButtonProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const open = openIssueCount(useSyncStatus(app));
  return (
    <button
      type="button"
      className={`btn btn--small ${open > 0 ? 'btn--danger' : 'btn--secondary'}`}
      onClick={onOpen}
      data-testid="issues.open"
      data-count={open}
    >
      {t('issues.open')}
      <span className={`badge ${open > 0 ? 'badge--danger' : ''}`} data-testid="issues.badge">
        {open}
      </span>
    </button>
  );
});
