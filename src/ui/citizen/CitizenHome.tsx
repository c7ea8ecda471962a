import { memo, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TakeTicketOutcome } from '../../app/KioskApp';
import { codeOf, errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { TicketResult } from './TicketResult';

type State = { kind: 'choose' } | { kind: 'issuing'; prefix: string } | { kind: 'issued'; outcome: TakeTicketOutcome } | { kind: 'error'; code: string };

/** Citizen kiosk home: pick a service group, get a printed queue ticket. No typing, no personal data. */
export const CitizenHome = memo(function CitizenHome() {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const [priority, setPriority] = useState(false);
  const [state, setState] = useState<State>({ kind: 'choose' });
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const groups = app.branch.serviceGroups.filter((g) => g.active);

  const take = useCallback(
    async (prefix: string) => {
      const end = app.activity.begin();
      setState({ kind: 'issuing', prefix });
      try {
        const outcome = await app.takeTicket(prefix, priority);
        setState({ kind: 'issued', outcome });
      } catch (e) {
        setState({ kind: 'error', code: codeOf(e) });
      } finally {
        end();
      }
    },
    [app, priority],
  );

  // Back to a clean home for the next citizen: no priority, the kiosk's own language.
  const reset = useCallback(() => {
    setPriority(false);
    setState({ kind: 'choose' });
    if (i18n.language !== app.device.locale) void i18n.changeLanguage(app.device.locale);
  }, [i18n, app]);

  if (state.kind === 'issued') return <TicketResult outcome={state.outcome} onDone={reset} />;

  const busy = state.kind === 'issuing';
  return (
    <section data-testid="citizen.home" aria-busy={busy}>
      <h1 className="page-title">{t('citizen.heading')}</h1>
      <p className="page-lead">{busy ? t('citizen.issuing') : t('citizen.subheading')}</p>
      {state.kind === 'error' && (
        <div className="notice notice--error" role="alert" data-testid="citizen.error" data-code={state.code}>
          {errorMessage(t, state.code)}
        </div>
      )}
      <button type="button" className="toggle" aria-pressed={priority} onClick={() => setPriority((p) => !p)} data-testid="citizen.priority" disabled={busy}>
        <span className="toggle__box" aria-hidden="true">
          {priority ? '✓' : ''}
        </span>
        <span>
          <span className="toggle__label">{priority ? t('citizen.priorityOn') : t('citizen.priorityToggle')}</span>
          <span className="toggle__hint">{t('citizen.priorityHint')}</span>
        </span>
      </button>
      {groups.length === 0 && <div className="notice notice--warn">{t('citizen.noGroups')}</div>}
      <div className="tiles">
        {groups.map((g) => (
          <button key={g.prefix} type="button" className="tile" disabled={busy} onClick={() => void take(g.prefix)} data-testid={`citizen.service.${g.prefix}`}>
            <span className="tile__badge" aria-hidden="true">
              {g.prefix}
            </span>
            <span>
              <span className="tile__name">{g.name[lang]}</span>
              <span className="tile__desc">{g.description[lang]}</span>
            </span>
          </button>
        ))}
      </div>
    </section>
  );
});
