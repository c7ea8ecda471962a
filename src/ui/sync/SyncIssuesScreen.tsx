import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { useEscapeToGoBack, useSyncStatus, type SyncIssue } from '../hooks';
import { formatLocalDateTime } from '../../domain/localDay';

/** The record's kind in the reader's language; the stored subject names it in English ("ticket A0001 / day"). */
function kindOf(name: string): 'ticket' | 'rating' | 'other' {
  if (name.startsWith('ticket.')) return 'ticket';
  if (name.startsWith('rating.')) return 'rating';
  return 'other';
}

function subjectDetail(subject: string): string {
  // Dates as staff read them elsewhere on screen (dd/mm/yyyy), not the stored ISO day.
  return subject.replace(/^(ticket|rating)\s+/, '').replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, '$3/$2/$1');
}

export interface SyncIssuesScreenProps {
  readonly onBack: () => void;
}

/**
 * Staff list of records the centre refused for good (DESIGN.md: never dropped silently). Each row
 * says what the record was, why it was refused and what to do; "Seen" dismisses it. Keyboard: the
 * heading takes focus on open, Tab walks Back → each "Seen", Enter presses, Escape goes back; after
 * a dismissal the focus moves to the next row's button so an officer can clear a list without the mouse.
 */
export const SyncIssuesScreen = memo(function SyncIssuesScreen({ onBack }: SyncIssuesScreenProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const status = useSyncStatus(app);
  const [issues, setIssues] = useState<SyncIssue[] | null>(null);
  const [failed, setFailed] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const focusIndex = useRef<number | null>(null);

  const load = useCallback(async () => {
    try {
      const all = await app.sync.listIssues(false);
      setIssues([...all].sort((a, b) => b.at - a.at));
    } catch {
      setFailed(true);
      setIssues([]);
    }
  }, [app]);

  // Reload whenever the open count changes (a new rejection arrives, or another window dismissed one).
  useEffect(() => {
    void load();
  }, [load, status.rejected]);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEscapeToGoBack(onBack);

  useEffect(() => {
    if (focusIndex.current === null || !issues) return;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>('button');
    const target = buttons?.[Math.min(focusIndex.current, buttons.length - 1)];
    (target ?? heading.current)?.focus();
    focusIndex.current = null;
  }, [issues]);

  const acknowledge = async (issue: SyncIssue, index: number): Promise<void> => {
    setFailed(false);
    try {
      await app.sync.acknowledgeIssue(issue.mutationId);
      focusIndex.current = index;
      setIssues((prev) => (prev ?? []).filter((i) => i.mutationId !== issue.mutationId));
    } catch {
      setFailed(true);
    }
  };

  return (
    <section data-testid="issues.screen" aria-labelledby="issues-heading">
      <div className="page-head">
        <h1 className="page-title" id="issues-heading" tabIndex={-1} ref={heading}>
          {t('issues.heading')}
        </h1>
        <button type="button" className="btn btn--secondary btn--small" onClick={onBack} data-testid="issues.back">
          {t('issues.back')}
        </button>
      </div>
      <p className="page-lead">{t('issues.lead')}</p>
      {failed && (
        <div className="notice notice--error" role="alert" data-testid="issues.failed">
          {t('issues.failed')}
        </div>
      )}
      {issues === null && <p>{t('issues.loading')}</p>}
      {issues?.length === 0 && (
        <div className="notice notice--ok" role="status" data-testid="issues.empty">
          {t('issues.empty')}
        </div>
      )}
      {issues && issues.length > 0 && (
        <ul className="issues" ref={list} data-testid="issues.list" data-count={issues.length}>
          {issues.map((issue, index) => (
            <li key={issue.mutationId} className="issue" data-testid="issues.item" data-code={issue.reason.code}>
              <div className="issue__body">
                <p className="issue__subject" data-testid="issues.subject">
                  {t(`issues.kind.${kindOf(issue.name)}`)} {subjectDetail(issue.subject)}
                </p>
                <p className="issue__reason">{errorMessage(t, issue.reason.code, issue.reason.detail)}</p>
                <p className="issue__meta">
                  <code>{issue.reason.code}</code> · {formatLocalDateTime(issue.at, app.branch.utcOffsetMinutes)}
                </p>
              </div>
              <button
                type="button"
                className="btn btn--primary issue__ack"
                onClick={() => void acknowledge(issue, index)}
                aria-label={t('issues.acknowledgeLabel', { subject: `${t(`issues.kind.${kindOf(issue.name)}`)} ${subjectDetail(issue.subject)}` })}
                data-testid="issues.ack"
              >
                {t('issues.acknowledge')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
});
