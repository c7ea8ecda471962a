import { memo, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEVICE_ROLES, type DeviceConfig, type DeviceRole } from '../../shared/deviceConfig';
import type { AppInfo, PrinterInfo } from '../../shared/ipc';
import type { DeviceEvent } from '../../app/KioskApp';
import { formatLocalDateTime } from '../../domain/localDay';
import { errorMessage } from '../errorMessage';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';
import { IssuesButton } from '../sync/IssuesButton';
import { ServerConnection } from './ServerConnection';

type Notice = { kind: 'ok' | 'error'; text: string } | null;

export interface TechnicianHomeProps {
  readonly onOpenIssues: () => void;
}

/** Technician home: central server connection, device configuration, a test print, and diagnostics. */
export const TechnicianHome = memo(function TechnicianHome({ onOpenIssues }: TechnicianHomeProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [draft, setDraft] = useState<DeviceConfig>(app.storedDevice);
  const [printers, setPrinters] = useState<PrinterInfo[]>([]);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [events, setEvents] = useState<DeviceEvent[]>([]);
  const [notice, setNotice] = useState<Notice>(null);

  useEffect(() => {
    void app.listPrinters().then((r) => r.ok && setPrinters(r.value));
    void app.appInfo().then((r) => r.ok && setInfo(r.value));
    void app.recentEvents().then(setEvents, () => setEvents([]));
  }, [app]);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    // The server address and branch belong to enrolment (ServerConnection): saved as enrolment left them.
    const result = await app.saveDeviceConfig({ ...draft, serverUrl: app.storedDevice.serverUrl });
    if (result.ok) {
      setNotice({ kind: 'ok', text: t('technician.saved') });
      // The role and numbering range are read at start: restart the shell to apply them.
      setTimeout(() => location.reload(), 800);
    } else {
      setNotice({ kind: 'error', text: errorMessage(t, result.error.code, result.error.detail, { max: app.branch.numbering.slots - 1 }) });
    }
  };

  // One test page per click.
  const testPrint = useSingleFlight(async (): Promise<void> => {
    const result = await app.printTestPage();
    setNotice(result.ok ? { kind: 'ok', text: t('technician.testPrintOk') } : { kind: 'error', text: errorMessage(t, result.error.code, result.error.detail) });
    setEvents(await app.recentEvents().catch(() => []));
  });

  const yesNo = (v: boolean | null): string => (v === null ? t('technician.unknown') : v ? t('technician.yes') : t('technician.no'));
  const mb = (b: number | null): string => (b === null ? t('technician.unknown') : `${(b / 1_048_576).toFixed(1)} MB`);

  return (
    <section data-testid="technician.home">
      <div className="page-head">
        <h1 className="page-title">{t('technician.heading')}</h1>
        <IssuesButton onOpen={onOpenIssues} />
      </div>
      {notice && (
        <div
          className={`notice notice--${notice.kind === 'ok' ? 'ok' : 'error'}`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="technician.notice"
        >
          {notice.text}
        </div>
      )}
      <ServerConnection onEnrolled={(branchCode, serverUrl) => setDraft((d) => ({ ...d, branchCode, serverUrl }))} />
      <form className="panel" noValidate onSubmit={(e) => void save(e)} data-testid="technician.config">
        <h2>{t('technician.device')}</h2>
        <div className="form">
          <span>{t('technician.deviceId')}</span>
          <code data-testid="technician.deviceId">{draft.deviceId}</code>
          <label htmlFor="cfg-role">{t('technician.role')}</label>
          <select id="cfg-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as DeviceRole })} data-testid="technician.role">
            {DEVICE_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
          <label htmlFor="cfg-branch">{t('technician.branchCode')}</label>
          <input
            id="cfg-branch"
            value={draft.branchCode}
            onChange={(e) => setDraft({ ...draft, branchCode: e.target.value.toUpperCase() })}
            data-testid="technician.branchCode"
          />
          <label htmlFor="cfg-slot">{t('technician.kioskSlot')}</label>
          <input
            id="cfg-slot"
            type="number"
            min={0}
            max={app.branch.numbering.slots - 1}
            value={draft.kioskSlot}
            onChange={(e) => setDraft({ ...draft, kioskSlot: e.target.value.trim() === '' ? Number.NaN : Number(e.target.value) })}
            data-testid="technician.kioskSlot"
          />
          <span className="form__hint">{t('technician.kioskSlotHint', { max: app.branch.numbering.slots - 1 })}</span>
          <label htmlFor="cfg-printer">{t('technician.printer')}</label>
          <select
            id="cfg-printer"
            value={draft.printerName ?? ''}
            onChange={(e) => setDraft({ ...draft, printerName: e.target.value || null })}
            data-testid="technician.printer"
          >
            <option value="">{t('technician.defaultPrinter')}</option>
            {printers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {p.isDefault ? ' ★' : ''}
              </option>
            ))}
          </select>
          {printers.length === 0 && <span className="form__hint">{t('technician.noPrinters')}</span>}
        </div>
        <p>
          <button type="submit" className="btn btn--primary" data-testid="technician.save">
            {t('technician.save')}
          </button>{' '}
          <button type="button" className="btn btn--secondary" onClick={() => void testPrint()} data-testid="technician.testPrint">
            {t('technician.testPrint')}
          </button>
        </p>
      </form>
      <div className="panel" data-testid="technician.diagnostics">
        <h2>{t('technician.diagnostics')}</h2>
        <dl className="dl">
          <dt>{t('technician.version')}</dt>
          <dd>{info?.version ?? '…'}</dd>
          <dt>{t('technician.shell')}</dt>
          <dd>
            {info
              ? `${info.shell}${info.electronVersion ? ` ${info.electronVersion}` : ''}${info.chromeVersion ? ` · Chromium ${info.chromeVersion}` : ''}`
              : '…'}
          </dd>
          <dt>{t('technician.storagePersisted')}</dt>
          <dd>{yesNo(app.persistence.persisted)}</dd>
          <dt>{t('technician.storageUsage')}</dt>
          <dd>
            {mb(app.persistence.usageBytes)} / {mb(app.persistence.quotaBytes)}
          </dd>
          <dt>{t('technician.dataProtection')}</dt>
          <dd data-testid="technician.dataProtection" data-protection={app.dataProtection.protection}>
            {t(`technician.dataProtection_${app.dataProtection.protection}`)}
          </dd>
        </dl>
        <h2 style={{ marginTop: 24 }}>{t('technician.events')}</h2>
        {events.length === 0 ? (
          <p>{t('technician.noEvents')}</p>
        ) : (
          <table className="table" data-testid="technician.events">
            <tbody>
              {events.map((ev) => (
                <tr key={ev.id}>
                  <td>{formatLocalDateTime(ev.at, app.branch.utcOffsetMinutes)}</td>
                  <td>{ev.subject ?? ''}</td>
                  <td>{errorMessage(t, ev.code, ev.detail)}</td>
                  <td>
                    <code>{ev.code}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
});
