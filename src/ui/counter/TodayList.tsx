import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DossierDesk, DossierListRow } from '../../app/dossierTypes';
import { useWatch } from '../hooks';
import { useKiosk } from '../KioskContext';
import { appointmentText } from './appointment';
import { DossierDetails } from './DossierDetails';
import { localHm } from './format';

/** A dossier code (or receipt QR) the USB scanner read on this screen: search for it and open it. */
export interface CodeScan {
  readonly code: string;
  readonly seq: number;
}

export interface TodayListProps {
  readonly desk: DossierDesk;
  readonly codeScan: CodeScan | null;
}

/**
 * "Hồ sơ hôm nay": this machine's dossiers of today, newest first, live (a save or a sync changes
 * the rows); search by code, name without diacritics, or ID number across the dossiers on this
 * machine; a row opens the details (documents, reprint).
 */
export const TodayList = memo(function TodayList({ desk, codeScan }: TodayListProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const offset = app.branch.utcOffsetMinutes;
  const watch = useCallback((cb: (rows: readonly DossierListRow[]) => void) => desk.watchToday(cb), [desk]);
  const today = useWatch<readonly DossierListRow[] | null>(watch, null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<readonly DossierListRow[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    const q = query.trim();
    const mine = ++seq.current;
    if (q === '') {
      setFound(null);
      return;
    }
    void desk.search(q).then((rows) => mine === seq.current && setFound(rows));
  }, [desk, query, today]);

  useEffect(() => {
    if (codeScan === null) return;
    setQuery(codeScan.code);
    setOpen(codeScan.code);
  }, [codeScan]);

  if (open !== null) return <DossierDetails desk={desk} code={open} onBack={() => setOpen(null)} />;

  const rows = found ?? today ?? [];
  return (
    <section data-testid="list.screen">
      <div className="list-search">
        <label htmlFor="list-q" className="visually-hidden">
          {t('desk.list.search')}
        </label>
        <input
          id="list-q"
          type="search"
          className="picker__input"
          placeholder={t('desk.list.searchPlaceholder')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          data-testid="list.search"
        />
      </div>
      <p className="panel__lead" data-testid="list.count">
        {found !== null ? t('desk.list.found', { count: rows.length }) : t('desk.list.today', { count: rows.length })}
      </p>
      {rows.length === 0 && today !== null && (
        <p className="panel" data-testid="list.empty">
          {found !== null ? t('desk.list.noMatch') : t('desk.list.empty')}
        </p>
      )}
      {rows.length > 0 && (
        <table className="table dossier-table" data-testid="list.table">
          <thead>
            <tr>
              <th>{t('desk.list.time')}</th>
              <th>{t('desk.list.code')}</th>
              <th>{t('desk.list.applicant')}</th>
              <th>{t('desk.list.procedure')}</th>
              <th>{t('desk.list.documents')}</th>
              <th>{t('desk.list.state')}</th>
              <th>{t('desk.list.appointment')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid="list.row" data-code={r.code} data-sync={r.syncState}>
                <td className="num">{localHm(r.receivedAt, offset)}</td>
                <td>
                  <button type="button" className="link-btn" onClick={() => setOpen(r.code)} data-testid="list.open">
                    {r.code}
                  </button>
                </td>
                <td data-testid="list.applicant">
                  {/* Two citizens may share a masked number (001*******45): name and time tell them apart, nothing is unmasked. */}
                  <strong>{r.applicantName}</strong>
                  <br />
                  <span className="muted">{t('form.list.idAndTime', { id: r.idNumberMasked, time: localHm(r.receivedAt, offset) })}</span>
                </td>
                <td>
                  {r.procedureName}
                  <br />
                  <span className="muted">{r.procedureCode}</span>
                </td>
                <td className="num">
                  {r.documents}
                  {r.missing > 0 && <span className="text-danger"> · {t('desk.list.missing', { count: r.missing })}</span>}
                </td>
                <td>
                  <span className={`sync-tag sync-tag--${r.syncState}`} data-testid="list.sync">
                    {t(`desk.sync.${r.syncState}`)}
                  </span>
                  {r.centreStatus && (
                    <>
                      <br />
                      <span className="muted" data-testid="list.status">
                        {t(`desk.status.${r.centreStatus.status}`, { defaultValue: r.centreStatus.status })}
                      </span>
                    </>
                  )}
                </td>
                <td>{appointmentText(t, r.appointment, offset)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});
