import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeFacts, describePaper, sectionTitle, serviceLine, type ProcedureGuideView } from '../../app/procedureGuide';
import { errorMessage } from '../errorMessage';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';

export interface ProcedureScreenProps {
  readonly code: string;
  readonly onBack: () => void;
  readonly onHome: () => void;
  readonly onTakeTicket: (prefix: string) => void;
}

type PrintState = { kind: 'idle' } | { kind: 'printing' } | { kind: 'printed' } | { kind: 'failed'; code: string };

/**
 * One procedure on one screen: name, where to queue, time and fee, the two actions (take a ticket
 * for its group, print the list of papers), then the papers by section in plain words.
 */
export const ProcedureScreen = memo(function ProcedureScreen({ code, onBack, onHome, onTakeTicket }: ProcedureScreenProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const [view, setView] = useState<ProcedureGuideView | null>(null);
  const [print, setPrint] = useState<PrintState>({ kind: 'idle' });

  useEffect(() => {
    let live = true;
    void app.guide.view(code).then((v) => live && setView(v));
    return () => {
      live = false;
    };
  }, [app, code]);

  // One slip per tap.
  const printList = useSingleFlight(async () => {
    if (!view) return;
    const end = app.activity.begin();
    setPrint({ kind: 'printing' });
    const result = await app.guide.printChecklist(view);
    end();
    setPrint(result.ok ? { kind: 'printed' } : { kind: 'failed', code: result.error.code });
  });

  if (!view) return <section className="procedure" data-testid="procedure.loading" aria-busy="true" />;
  const facts = describeFacts(t, view.facts);
  const group = view.group;
  return (
    <section className="procedure" data-testid="procedure.screen" data-code={view.procedure.code}>
      <div className="lookup__bar">
        <button type="button" className="btn btn--secondary" onClick={onBack} data-testid="procedure.back">
          ← {t('citizen.lookup.back')}
        </button>
        <button type="button" className="btn btn--secondary" onClick={onHome} data-testid="procedure.home">
          {t('citizen.lookup.home')}
        </button>
      </div>
      <h1 className="page-title procedure__name" data-testid="procedure.name">
        {view.procedure.name}
      </h1>
      <p className="procedure__code">
        {t('citizen.lookup.code', { code: view.procedure.code })} · {view.procedure.field}
      </p>
      <dl className="procedure__facts">
        <div>
          <dt>{t('citizen.lookup.timeLabel')}</dt>
          <dd data-testid="procedure.time">{facts.time}</dd>
        </div>
        <div>
          <dt>{t('citizen.lookup.feeLabel')}</dt>
          <dd data-testid="procedure.fee">{facts.fee}</dd>
        </div>
      </dl>
      <div className="procedure__actions">
        {group ? (
          <button
            type="button"
            className="btn btn--primary procedure__take"
            onClick={() => onTakeTicket(group.prefix)}
            data-testid="procedure.takeTicket"
            data-prefix={group.prefix}
          >
            <span className="procedure__take-title">{t('citizen.lookup.takeTicket')}</span>
            <span className="procedure__take-group">{serviceLine(t, group, lang)}</span>
          </button>
        ) : (
          <p className="notice notice--warn" data-testid="procedure.noGroup">
            {t('citizen.lookup.noGroup')}
          </p>
        )}
        <button
          type="button"
          className="btn btn--secondary procedure__print"
          onClick={() => void printList()}
          disabled={print.kind === 'printing'}
          data-testid="procedure.print"
        >
          {t('citizen.lookup.print')}
        </button>
      </div>
      {print.kind === 'printing' && (
        <p className="notice notice--warn" role="status" data-testid="procedure.printing">
          {t('citizen.lookup.printing')}
        </p>
      )}
      {print.kind === 'printed' && (
        <p className="notice notice--ok" role="status" data-testid="procedure.printed">
          {t('citizen.lookup.printed')}
        </p>
      )}
      {print.kind === 'failed' && (
        <div className="notice notice--error" role="alert" data-testid="procedure.printFailed" data-code={print.code}>
          <strong>{t('citizen.lookup.printFailed')}</strong> {errorMessage(t, print.code)}
        </div>
      )}
      <h2>{t('citizen.lookup.papersTitle')}</h2>
      {view.sections.length === 0 && <p data-testid="procedure.noPapers">{t('citizen.lookup.noPapers')}</p>}
      {view.sections.map((s, i) => (
        <div key={i} className={`papers papers--${s.kind}`} data-testid="procedure.section" data-kind={s.kind}>
          <h3 className="papers__title">{sectionTitle(t, s)}</h3>
          <ul className="papers__list">
            {s.papers.map((p) => (
              <li key={p.id} className="papers__item">
                {describePaper(t, p)}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
});
