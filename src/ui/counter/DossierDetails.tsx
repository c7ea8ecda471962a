import { memo, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DossierDesk, ReceivedDossier } from '../../app/dossierTypes';
import { maskIdNumber } from '../../domain/citizenId';
import { useEscapeToGoBack } from '../hooks';
import { useKiosk } from '../KioskContext';
import { appointmentText } from './appointment';
import { PrintStatus, useReceiptPrinter } from './DossierDone';
import { localDate, localHm, sizeText } from './format';

export interface DossierDetailsProps {
  readonly desk: DossierDesk;
  readonly code: string;
  readonly onBack: () => void;
}

/** One received dossier: applicant (ID masked), procedure, appointment, its PDFs to view, reprint. */
export const DossierDetails = memo(function DossierDetails({ desk, code, onBack }: DossierDetailsProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const offset = app.branch.utcOffsetMinutes;
  const [dossier, setDossier] = useState<ReceivedDossier | null | undefined>(undefined);
  const [viewing, setViewing] = useState<{ name: string; url: string } | null>(null);
  const [gone, setGone] = useState(false);
  const { state, print } = useReceiptPrinter(desk, code);
  const heading = useRef<HTMLHeadingElement>(null);

  // Re-read after each print too: "printed at / how many times" is what the officer checks.
  const printed = state?.kind === 'printed';
  useEffect(() => {
    let live = true;
    void desk.get(code).then((d) => live && setDossier(d));
    return () => {
      live = false;
    };
  }, [desk, code, printed]);
  useEffect(() => heading.current?.focus(), [code]);
  useEffect(() => () => void (viewing && URL.revokeObjectURL(viewing.url)), [viewing]);
  useEscapeToGoBack(onBack);

  const view = async (sha256: string, name: string): Promise<void> => {
    const blob = await desk.documentPdf(sha256);
    if (blob === null) {
      setGone(true);
      return;
    }
    setGone(false);
    setViewing({ name, url: URL.createObjectURL(blob) });
  };

  const a = dossier?.args;
  return (
    <section data-testid="details.screen" data-code={code}>
      <div className="page-head">
        <h2 ref={heading} tabIndex={-1} className="details__code">
          {code}
        </h2>
        <button type="button" className="btn btn--secondary btn--small" onClick={onBack} data-testid="details.back">
          {t('desk.details.back')}
        </button>
      </div>
      {dossier === null && <p className="notice notice--warn">{t('desk.details.notFound')}</p>}
      {a && (
        <>
          <div className="panel">
            <dl className="dl">
              <dt>{t('desk.details.received')}</dt>
              <dd>
                {localHm(a.receivedAt, offset)} · {localDate(a.receivedAt, offset)}
              </dd>
              {dossier.ticketNumber !== null && (
                <>
                  <dt>{t('queue.dossier.ticketLabel')}</dt>
                  <dd data-testid="details.ticket">{dossier.ticketNumber}</dd>
                </>
              )}
              <dt>{t('desk.done.applicant')}</dt>
              <dd data-testid="details.applicant">
                {a.applicant.fullName} · {maskIdNumber(a.applicant.idNumber)}
              </dd>
              <dt>{t('desk.done.procedure')}</dt>
              <dd>
                {a.procedure.name} ({a.procedure.code})
              </dd>
              <dt>{t('desk.done.appointment')}</dt>
              <dd>{appointmentText(t, a.appointment, offset)}</dd>
              {a.missing.length > 0 && (
                <>
                  <dt>{t('desk.details.missing')}</dt>
                  <dd className="text-danger">
                    {a.missing.map((m) => m.name).join('; ')} — {t('desk.details.reason')}: {a.incompleteReason}
                  </dd>
                </>
              )}
              <dt>{t('desk.details.printed')}</dt>
              <dd>
                {dossier.printedAt === null
                  ? t('desk.details.notPrinted')
                  : t('desk.details.printedAt', { time: localHm(dossier.printedAt, offset), count: dossier.printCount })}
              </dd>
            </dl>
            <PrintStatus state={state} />
            <div className="actions">
              <button
                type="button"
                className="btn btn--primary btn--small"
                onClick={() => void print()}
                disabled={state?.kind === 'printing'}
                data-testid="details.reprint"
              >
                {t('desk.done.reprint')}
              </button>
            </div>
          </div>
          <div className="panel">
            <h2>{t('desk.details.documents')}</h2>
            {gone && <p className="notice notice--warn">{t('desk.details.pdfGone')}</p>}
            <ol className="details__docs">
              {a.documents.map((d) => (
                <li key={d.documentId} data-testid="details.document">
                  <span>
                    {d.name}
                    <span className="muted">
                      {' '}
                      · {t('desk.details.pages', { count: d.pages })} · {sizeText(d.size)}
                      {d.reusedFrom && <> · {t('desk.details.reusedFrom', { code: d.reusedFrom })}</>}
                    </span>
                  </span>
                  <button type="button" className="btn btn--secondary btn--small" onClick={() => void view(d.sha256, d.name)} data-testid="details.view">
                    {t('desk.details.view')}
                  </button>
                </li>
              ))}
            </ol>
            {viewing && <iframe className="pdf-view" title={viewing.name} src={viewing.url} data-testid="details.pdf" />}
          </div>
        </>
      )}
    </section>
  );
});
