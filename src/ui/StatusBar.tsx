import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from './errorMessage';
import { useKiosk } from './KioskContext';
import { openIssueCount, useOnline, useSyncStatus, type SyncStatus } from './hooks';
import { localTime } from './sync/format';
import { SyncIcon, type SyncIconKind } from './sync/SyncIcon';

export interface StatusBarProps {
  readonly updateReady: boolean;
  readonly onToggleLanguage: () => void;
  /** Staff roles: opens the sync-issues screen (the badge shows how many are open). */
  readonly onOpenIssues?: () => void;
  /** Citizen kiosk: receives the element the citizen screens put their help buttons in (AccessBar). */
  readonly accessSlotRef?: (element: HTMLElement | null) => void;
}

/**
 * Always visible: sync state, pending update, language switch. A citizen sees one calm line (the
 * kiosk works offline, nothing for them to do); staff see pending records and scans, the last
 * success, the next attempt, and what to do when sync is stuck or refused.
 */
export const StatusBar = memo(function StatusBar({ updateReady, onToggleLanguage, onOpenIssues, accessSlotRef }: StatusBarProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const online = useOnline();
  const status = useSyncStatus(app);
  const staff = app.device.role !== 'citizen';
  return (
    <footer className="statusbar" data-testid="status.bar" data-role={staff ? 'staff' : 'citizen'}>
      {staff ? <StaffSync status={status} online={online} onOpenIssues={onOpenIssues} /> : <CitizenSync status={status} online={online} />}
      {updateReady && (
        <span className="pill pill--neutral" data-testid="status.update">
          {t('status.updateReady')}
        </span>
      )}
      <span className="statusbar__spacer" />
      {accessSlotRef && <div className="statusbar__access" ref={accessSlotRef} />}
      <button type="button" className="btn btn--secondary btn--small" onClick={onToggleLanguage} data-testid="status.language">
        {t('status.language')}
      </button>
    </footer>
  );
});

interface SyncPartProps {
  readonly status: SyncStatus;
  readonly online: boolean;
}

/**
 * One pill, never red: offline and not-enrolled are normal for a citizen (everything is saved here).
 * A kiosk enrolled with no server says so first, whatever the network, so staff notice it.
 */
const CitizenSync = memo(function CitizenSync({ status, online }: SyncPartProps) {
  const { t } = useTranslation();
  const offline = !online || status.state === 'offline';
  let kind: SyncIconKind;
  let text: string;
  const kept = status.pending + status.pendingBlobs;
  if (status.state === 'not-enrolled') {
    // Staff passing by must see that this kiosk talks to no server at all, not only that records wait.
    kind = 'pending';
    text = kept > 0 ? t('sync.notConnected', { count: kept }) : t('sync.notConnectedNone');
  } else if (offline) {
    kind = 'offline';
    text = t('sync.offline');
  } else if (kept > 0 && onlyAtHub(status)) {
    // Behind a branch hub with its link to the centre down: sent, and the branch has it.
    kind = 'ok';
    text = t('sync.atHub');
  } else if (status.pending > 0 || status.pendingBlobs > 0) {
    kind = 'pending';
    text = t('sync.waiting', { count: kept });
  } else if (status.state === 'idle' || status.state === 'syncing') {
    kind = 'ok';
    text = t('sync.synced');
  } else {
    kind = 'ok';
    text = t('sync.savedHere');
  }
  return (
    <span
      className={`pill pill--icon ${kind === 'ok' ? 'pill--ok' : 'pill--neutral'}`}
      role="status"
      data-testid="status.sync"
      data-state={status.state}
      data-online={!offline}
      data-pending={status.pending}
    >
      <SyncIcon kind={kind} />
      {text}
    </span>
  );
});

interface StaffSyncProps extends SyncPartProps {
  readonly onOpenIssues: (() => void) | undefined;
}

const STATE_TONE: Readonly<Record<SyncStatus['state'], 'ok' | 'neutral' | 'warn' | 'danger'>> = {
  idle: 'ok',
  syncing: 'neutral',
  offline: 'warn',
  backoff: 'warn',
  'not-enrolled': 'warn',
  stuck: 'danger',
  refused: 'danger',
};

const StaffSync = memo(function StaffSync({ status, online, onOpenIssues }: StaffSyncProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const offset = app.branch.utcOffsetMinutes;
  const state = !online && status.state !== 'refused' && status.state !== 'not-enrolled' ? 'offline' : status.state;
  // Idle with everything waiting held by the branch hub: not "synced", and nothing wrong here either.
  const atHub = state === 'idle' && status.pending + status.pendingBlobs > 0 && onlyAtHub(status);
  const tone = atHub ? 'neutral' : STATE_TONE[state];
  const stateText = atHub
    ? t('sync.state.atHub')
    : state === 'backoff'
      ? status.nextAttemptAt === null
        ? t('sync.state.backoffSoon')
        : t('sync.state.backoff', { time: localTime(status.nextAttemptAt, offset, true) })
      : t(`sync.state.${state}`);
  const icon: SyncIconKind = tone === 'ok' ? 'ok' : state === 'offline' ? 'offline' : tone === 'danger' ? 'alert' : 'pending';
  const waiting = status.pending > 0 || status.pendingBlobs > 0;
  return (
    <>
      <span className={`pill pill--icon pill--${tone}`} role="status" data-testid="status.sync" data-state={state} data-online={online} data-at-hub={atHub}>
        <SyncIcon kind={icon} />
        {stateText}
      </span>
      <span
        className={`pill ${waiting && !atHub ? 'pill--warn' : 'pill--neutral'}`}
        data-testid="status.pending"
        data-count={status.pending}
        data-blobs={status.pendingBlobs}
      >
        {t('sync.pendingRecords', { count: status.pending })}
        {status.pendingBlobs > 0 && ` · ${t('sync.pendingBlobs', { count: status.pendingBlobs })}`}
        {status.pendingAtHub + status.pendingBlobsAtHub > 0 && ` (${t('sync.atHubCount', { count: status.pendingAtHub + status.pendingBlobsAtHub })})`}
      </span>
      <span className="statusbar__note" data-testid="status.lastSuccess">
        {status.lastSuccessAt === null ? t('sync.lastSuccessNever') : t('sync.lastSuccess', { time: localTime(status.lastSuccessAt, offset) })}
      </span>
      {status.upload && status.upload.totalBytes > 0 && (
        <span className="statusbar__note" data-testid="status.upload">
          {t('sync.upload', { percent: Math.floor((100 * status.upload.sentBytes) / status.upload.totalBytes) })}
        </span>
      )}
      {openIssueCount(status) > 0 && onOpenIssues && (
        <button type="button" className="btn btn--danger btn--small" onClick={onOpenIssues} data-testid="status.issues" data-count={openIssueCount(status)}>
          {t('sync.issues', { count: openIssueCount(status) })}
        </button>
      )}
      {(state === 'stuck' || state === 'not-enrolled') && (
        <p className={`statusbar__help statusbar__help--${tone}`} role={state === 'stuck' ? 'alert' : undefined} data-testid="status.help">
          {state === 'stuck' ? t('sync.stuckHelp') : t('sync.notEnrolledHelp')}
          {state === 'stuck' && status.lastError && (
            <>
              {' '}
              {errorMessage(t, status.lastError.code, status.lastError.detail)} <code>{status.lastError.code}</code>
            </>
          )}
        </p>
      )}
    </>
  );
});

/** Everything this machine still keeps is held by a branch hub, waiting for the centre. */
function onlyAtHub(status: SyncStatus): boolean {
  return status.pending === status.pendingAtHub && status.pendingBlobs === status.pendingBlobsAtHub;
}
