import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { useEscapeToGoBack, useSyncStatus, type StuckScan, type SyncIssue } from '../hooks';
import { sizeText } from '../counter/format';
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
 * Staff list of records the centre refused for good (DESIGN.md: never dropped silently) and of
 * scans that have failed to reach the centre for longer than the sync threshold (which dossier and
 * paper, since when, why and what to do; they leave the list by themselves once sent). Each refused
 * record says what it was, why it was refused and what to do; "Seen" dismisses it. Keyboard: the
 * heading takes focus on open, Tab walks Back → each "Seen", Enter presses, Escape goes back; after
 * a dismissal the focus moves to the next row's button so an officer can clear a list without the mouse.
 */
export const SyncIssuesScreen = memo(function SyncIssuesScreen({ onBack }: SyncIssuesScreenProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const status = useSyncStatus(app);
  const [issues, setIssues] = useState<SyncIssue[] | null>(null);
  const [scans, setScans] = useState<StuckScan[]>([]);
  const [failed, setFailed] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const focusIndex = useRef<number | null>(null);

  const load = useCallback(async () => {
    try {
      const [all, stuck] = await Promise.all([app.sync.listIssues(false), app.sync.listStuckScans()]);
      setScans(stuck);
      setIssues([...all].sort((a, b) => b.at - a.at));
    } catch {
      setFailed(true);
      setIssues([]);
    }
  }, [app]);

  // Reload whenever the open counts change (a new rejection arrives, another window dismissed one,
  // a scan got stuck or was sent at last).
  useEffect(() => {
    void load();
  }, [load, status.rejected, status.stuckBlobs]);

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
      {scans.length > 0 && (
        <section className="issues-scans" aria-labelledby="issues-scans-heading" data-testid="issues.scans" data-count={scans.length}>
          <h2 className="issues-scans__title" id="issues-scans-heading">
            {t('issues.scans.heading')}
          </h2>
          <p className="page-lead">{t('issues.scans.lead')}</p>
          <ul className="issues">
            {scans.map((scan) => (
              <li key={scan.sha256} className="issue" data-testid="issues.scan" data-code={scan.lastError.code}>
                <div className="issue__body">
                  {scan.usedBy.length === 0 ? (
                    <p className="issue__subject">{t('issues.scans.noDossier')}</p>
                  ) : (
                    scan.usedBy.map((u) => (
                      <p className="issue__subject" key={`${u.dossierCode}/${u.documentName}`} data-testid="issues.scanSubject">
                        {t('issues.scans.dossier', { code: u.dossierCode, document: u.documentName })}
                      </p>
                    ))
                  )}
                  <p className="issue__reason">{errorMessage(t, scan.lastError.code, scan.lastError.detail)}</p>
                  <p className="issue__meta">
                    <code>{scan.lastError.code}</code> ·{' '}
                    {t('issues.scans.since', {
                      time: formatLocalDateTime(scan.failingSince, app.branch.utcOffsetMinutes),
                      count: scan.failedAttempts,
                      size: sizeText(scan.size),
                    })}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {issues?.length === 0 && scans.length === 0 && (
        <div className="notice notice--ok" role="status" data-testid="issues.empty">
          {t('issues.empty')}
        </div>
      )}
      {issues && issues.length > 0 && (
        <h2 className="issues-scans__title" id="issues-records-heading">
          {t('issues.records.heading')}
        </h2>
      )}
      {issues && issues.length > 0 && <p className="page-lead">{t('issues.records.lead')}</p>}
      {issues && issues.length > 0 && (
        <ul className="issues" ref={list} data-testid="issues.list" data-count={issues.length} aria-labelledby="issues-records-heading">
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
