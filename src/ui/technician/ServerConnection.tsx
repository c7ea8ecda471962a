import { memo, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { useSingleFlight, useSyncStatus } from '../hooks';
import { localTime, megabytes } from '../sync/format';
import { formatLocalDateTime } from '../../domain/localDay';

type Result = { kind: 'ok'; branchCode: string; serverUrl: string } | { kind: 'error'; code: string; detail: string } | null;

/** Letters and digits only, upper case: what a USB scanner or a hurried technician types is accepted. */
function codeCharacters(raw: string): string {
  return raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * "Kết nối máy chủ trung tâm": enrolment with the one-time code, then the live sync details a
 * technician needs (pending work, last success, last error, free disk) and "Sync now".
 */
export interface ServerConnectionProps {
  /** Enrolment rewrote the stored branch and server: the device form shows them from now on. */
  readonly onEnrolled: (branchCode: string, serverUrl: string) => void;
}

export const ServerConnection = memo(function ServerConnection({ onEnrolled }: ServerConnectionProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const status = useSyncStatus(app);
  const offset = app.branch.utcOffsetMinutes;
  const [serverUrl, setServerUrl] = useState(app.storedDevice.serverUrl ?? '');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>(null);
  const [reEnrol, setReEnrol] = useState(false);
  const [syncRequested, setSyncRequested] = useState(false);

  // The acknowledgement of "Sync now" is a moment's feedback; the state line says the rest.
  useEffect(() => {
    if (!syncRequested) return;
    const id = setTimeout(() => setSyncRequested(false), 5000);
    return () => clearTimeout(id);
  }, [syncRequested]);

  const enrolled = status.state !== 'not-enrolled' && app.sync.isEnrolled();
  const showForm = !enrolled || status.state === 'refused' || reEnrol;
  const disk = app.sync.disk();

  // One enrolment per submission: a second one before the next render would spend nothing (the
  // code is used) but answer with an error over the first one's success.
  const enrol = useSingleFlight(async (): Promise<void> => {
    setBusy(true);
    setResult(null);
    const end = app.activity.begin();
    try {
      const r = await app.sync.enrol(serverUrl, code);
      if (r.ok) {
        setResult({ kind: 'ok', ...r.value });
        onEnrolled(r.value.branchCode, r.value.serverUrl);
        setCode('');
        setReEnrol(false);
      } else {
        setResult({ kind: 'error', code: r.error.code, detail: r.error.detail });
      }
    } finally {
      end();
      setBusy(false);
    }
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void enrol();
  };

  const chars = codeCharacters(code).length;
  return (
    <div className="panel" data-testid="connection.panel" data-enrolled={enrolled}>
      <h2>{t('technician.connection.heading')}</h2>
      {app.restoredFromJournal > 0 && (
        <div className="notice notice--warn" role="status" data-testid="connection.restored">
          {t('technician.connection.restored', { count: app.restoredFromJournal })}
        </div>
      )}
      {result?.kind === 'ok' && (
        <div className="notice notice--ok" role="status" data-testid="connection.result" data-branch={result.branchCode}>
          {t('technician.connection.enrolled', { branch: result.branchCode, server: result.serverUrl })}
        </div>
      )}
      {result?.kind === 'error' && (
        <div className="notice notice--error" role="alert" data-testid="connection.error" data-code={result.code}>
          {errorMessage(t, result.code, result.detail)} <code>{result.code}</code>
        </div>
      )}
      {!enrolled && result?.kind !== 'error' && <p className="panel__lead">{t('technician.connection.notEnrolled')}</p>}
      {enrolled && status.state === 'refused' && (
        <div className="notice notice--error" role="alert" data-testid="connection.refused">
          {t('technician.connection.refused')}
        </div>
      )}

      {enrolled && (
        <>
          <dl className="dl" data-testid="connection.details">
            <dt>{t('technician.connection.server')}</dt>
            <dd data-testid="connection.server">{app.storedDevice.serverUrl}</dd>
            <dt>{t('technician.connection.branch')}</dt>
            <dd data-testid="connection.branch">{app.storedDevice.branchCode}</dd>
            <dt>{t('technician.connection.state')}</dt>
            <dd data-testid="connection.state" data-state={status.state}>
              {status.state === 'backoff'
                ? status.nextAttemptAt === null
                  ? t('sync.state.backoffSoon')
                  : t('sync.state.backoff', { time: localTime(status.nextAttemptAt, offset, true) })
                : t(`sync.state.${status.state}`)}
            </dd>
            <dt>{t('technician.connection.pending')}</dt>
            <dd data-testid="connection.pending">{status.pending}</dd>
            <dt>{t('technician.connection.blobs')}</dt>
            <dd data-testid="connection.blobs">{status.pendingBlobs}</dd>
            <dt>{t('technician.connection.rejected')}</dt>
            <dd data-testid="connection.rejected">{status.rejected}</dd>
            <dt>{t('technician.connection.stuckBlobs')}</dt>
            <dd data-testid="connection.stuckBlobs" className={status.stuckBlobs > 0 ? 'text-danger' : undefined}>
              {status.stuckBlobs}
            </dd>
            <dt>{t('technician.connection.lastSuccess')}</dt>
            <dd data-testid="connection.lastSuccess">
              {status.lastSuccessAt === null ? t('technician.connection.never') : formatLocalDateTime(status.lastSuccessAt, offset)}
            </dd>
            <dt>{t('technician.connection.lastError')}</dt>
            <dd data-testid="connection.lastError">
              {status.lastError ? (
                <>
                  <code>{status.lastError.code}</code> – {errorMessage(t, status.lastError.code, status.lastError.detail)}
                </>
              ) : (
                t('technician.connection.none')
              )}
            </dd>
            <dt>{t('technician.connection.disk')}</dt>
            <dd data-testid="connection.disk" className={disk?.low ? 'text-danger' : undefined}>
              {disk
                ? t(disk.low ? 'technician.connection.diskLow' : 'technician.connection.diskOk', {
                    free: megabytes(disk.freeBytes),
                    total: megabytes(disk.totalBytes),
                  })
                : t('technician.unknown')}
            </dd>
          </dl>
          <p className="actions">
            <button
              type="button"
              className="btn btn--primary"
              onClick={() => {
                app.sync.syncNow();
                setSyncRequested(true);
              }}
              data-testid="connection.syncNow"
            >
              {t('technician.connection.syncNow')}
            </button>
            {!showForm && (
              <button type="button" className="btn btn--secondary" onClick={() => setReEnrol(true)} data-testid="connection.reEnrol">
                {t('technician.connection.reEnrol')}
              </button>
            )}
            {syncRequested && (
              <span role="status" className="actions__note">
                {t('technician.connection.syncRequested')}
              </span>
            )}
          </p>
        </>
      )}

      {showForm && (
        <form className={enrolled ? 'connection__form' : undefined} noValidate onSubmit={submit} data-testid="connection.form" aria-busy={busy}>
          <p className="panel__lead">{t('technician.connection.intro')}</p>
          <div className="form">
            <label htmlFor="enrol-server">{t('technician.connection.serverUrl')}</label>
            <input
              id="enrol-server"
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              value={serverUrl}
              onChange={(e) => setServerUrl(e.target.value)}
              aria-describedby="enrol-server-hint"
              data-testid="connection.serverUrl"
            />
            <span className="form__hint" id="enrol-server-hint">
              {t('technician.connection.serverUrlHint')}
            </span>
            <label htmlFor="enrol-code">{t('technician.connection.code')}</label>
            <input
              id="enrol-code"
              className="input--code"
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={32}
              value={code}
              onChange={(e) => setCode(e.target.value.toUpperCase())}
              aria-describedby="enrol-code-hint"
              aria-invalid={result?.kind === 'error' && result.code.startsWith('enrol.') ? true : undefined}
              data-testid="connection.code"
            />
            <span className="form__hint" id="enrol-code-hint">
              {t('technician.connection.codeHint')}{' '}
              <strong data-testid="connection.codeCount" className={chars === 16 ? 'text-ok' : undefined}>
                {t('technician.connection.codeCount', { count: chars })}
              </strong>
            </span>
          </div>
          <p className="actions">
            <button type="submit" className="btn btn--primary" disabled={busy} data-testid="connection.enrol">
              {busy ? t('technician.connection.enrolling') : t('technician.connection.enrol')}
            </button>
            {reEnrol && (
              <button type="button" className="btn btn--secondary" onClick={() => setReEnrol(false)} data-testid="connection.cancel">
                {t('technician.connection.cancel')}
              </button>
            )}
          </p>
        </form>
      )}
    </div>
  );
});
