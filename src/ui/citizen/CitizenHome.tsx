import { memo, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TakeTicketOutcome } from '../../app/KioskApp';
import { codeOf, errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import './citizen.css';
import { DossierFollow } from './DossierFollow';
import { IdleCountdown } from './IdleCountdown';
import { ProcedureLookup } from './ProcedureLookup';
import { RatingPoint } from './RatingPoint';
import { TicketResult } from './TicketResult';
import { useCitizenIdle } from './useCitizenIdle';

type State =
  | { kind: 'choose' }
  | { kind: 'lookup' }
  | { kind: 'follow' }
  | { kind: 'rating' }
  | { kind: 'issuing'; prefix: string }
  | { kind: 'issued'; outcome: TakeTicketOutcome }
  | { kind: 'error'; code: string };

/**
 * The citizen kiosk. Each citizen gets a fresh session: "Xong", the end of the ticket countdown
 * and the idle reset all remount it (`key`), so nothing a citizen typed or chose survives in the
 * DOM or in React state, and the language returns to the kiosk's own.
 */
export const CitizenHome = memo(function CitizenHome() {
  const { i18n } = useTranslation();
  const app = useKiosk();
  const [session, setSession] = useState(0);
  const reset = useCallback(() => {
    setSession((s) => s + 1);
    if (i18n.language !== app.device.locale) void i18n.changeLanguage(app.device.locale);
  }, [i18n, app]);
  return <CitizenSession key={session} onReset={reset} />;
});

interface CitizenSessionProps {
  readonly onReset: () => void;
}

/** One citizen's visit: the service tiles and the look-up entry; a tap issues a ticket. */
const CitizenSession = memo(function CitizenSession({ onReset }: CitizenSessionProps) {
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

  // Anything a next citizen should not find: another screen, a choice, another language.
  const dirty = state.kind !== 'choose' || priority || i18n.language !== app.device.locale;
  const secondsLeft = useCitizenIdle(dirty && state.kind !== 'issued' && state.kind !== 'issuing', onReset);

  const openLookup = useCallback(() => setState({ kind: 'lookup' }), []);
  const closeLookup = useCallback(() => setState({ kind: 'choose' }), []);
  const openFollow = useCallback(() => setState({ kind: 'follow' }), []);
  const openRating = useCallback(() => setState({ kind: 'rating' }), []);

  let screen;
  if (state.kind === 'issued') screen = <TicketResult outcome={state.outcome} onDone={onReset} />;
  else if (state.kind === 'follow') screen = <DossierFollow onHome={closeLookup} />;
  else if (state.kind === 'rating') screen = <RatingPoint onHome={closeLookup} />;
  else if (state.kind === 'lookup') screen = <ProcedureLookup onBack={closeLookup} onTakeTicket={(prefix) => void take(prefix)} />;
  else {
    const busy = state.kind === 'issuing';
    screen = (
      <section className="citizen-home" data-testid="citizen.home" aria-busy={busy}>
        <h1 className="page-title">{t('citizen.heading')}</h1>
        <p className="page-lead">{busy ? t('citizen.issuing') : t('citizen.subheading')}</p>
        {state.kind === 'error' && (
          <div className="notice notice--error" role="alert" data-testid="citizen.error" data-code={state.code}>
            {errorMessage(t, state.code)}
          </div>
        )}
        <div className="citizen-home__top">
          <button
            type="button"
            className="toggle"
            aria-pressed={priority}
            onClick={() => setPriority((p) => !p)}
            data-testid="citizen.priority"
            disabled={busy}
          >
            <span className="toggle__box" aria-hidden="true">
              {priority ? '✓' : ''}
            </span>
            <span>
              <span className="toggle__label">{priority ? t('citizen.priorityOn') : t('citizen.priorityToggle')}</span>
              <span className="toggle__hint">{t('citizen.priorityHint')}</span>
            </span>
          </button>
        </div>
        {groups.length === 0 && <div className="notice notice--warn">{t('citizen.noGroups')}</div>}
        <div className="tiles">
          {groups.map((g) => (
            <button
              key={g.prefix}
              type="button"
              className="tile"
              disabled={busy}
              onClick={() => void take(g.prefix)}
              data-testid={`citizen.service.${g.prefix}`}
            >
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
        <button type="button" className="lookup-entry" disabled={busy} onClick={openLookup} data-testid="citizen.lookup">
          <span className="lookup-entry__icon" aria-hidden="true">
            ?
          </span>
          <span>
            <span className="lookup-entry__title">{t('citizen.lookup.entry')}</span>
            <span className="lookup-entry__hint">{t('citizen.lookup.entryHint')}</span>
          </span>
        </button>
        <div className="citizen-home__more">
          <button type="button" className="lookup-entry lookup-entry--follow" disabled={busy} onClick={openFollow} data-testid="citizen.follow">
            <span className="lookup-entry__icon lookup-entry__icon--text" aria-hidden="true">
              QR
            </span>
            <span>
              <span className="lookup-entry__title">{t('follow.entry')}</span>
              <span className="lookup-entry__hint">{t('follow.entryHint')}</span>
            </span>
          </button>
          <button type="button" className="lookup-entry lookup-entry--rating" disabled={busy} onClick={openRating} data-testid="citizen.rating">
            <span className="lookup-entry__icon" aria-hidden="true">
              ★
            </span>
            <span>
              <span className="lookup-entry__title">{t('rating.entry')}</span>
              <span className="lookup-entry__hint">{t('rating.entryHint')}</span>
            </span>
          </button>
        </div>
      </section>
    );
  }
  return (
    <>
      {screen}
      {secondsLeft !== null && <IdleCountdown seconds={secondsLeft} />}
    </>
  );
});
