import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { TakeTicketOutcome } from '../../app/KioskApp';
import type { ReadableScreen } from '../../domain/readAloud';
import { codeOf, errorMessage } from '../errorMessage';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';
import { AccessBar, type AccessSettings, type StaffCallState } from './AccessBar';
import { AttractScreen } from './AttractScreen';
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

export interface CitizenHomeProps {
  /** Where the help-for-everyone buttons go (the status bar's slot); null until it is mounted. */
  readonly accessSlot: HTMLElement | null;
}

/**
 * The citizen kiosk. Each citizen gets a fresh session: "Xong", the end of the ticket countdown
 * and the idle reset all remount it (`key`), so nothing a citizen typed or chose survives in the
 * DOM or in React state, and the language, text size and contrast return to the kiosk's own. A
 * kiosk nobody uses (after the idle reset, or its start page left alone as long) shows the
 * attract screen until the next touch.
 */
export const CitizenHome = memo(function CitizenHome({ accessSlot }: CitizenHomeProps) {
  const { i18n } = useTranslation();
  const app = useKiosk();
  const [session, setSession] = useState(0);
  const [attract, setAttract] = useState(false);
  const reset = useCallback(
    (why: 'done' | 'idle') => {
      setSession((s) => s + 1);
      if (why === 'idle') setAttract(true);
      if (i18n.language !== app.device.locale) void i18n.changeLanguage(app.device.locale);
    },
    [i18n, app],
  );
  const start = useCallback(() => {
    app.activity.touch();
    setAttract(false);
  }, [app]);
  if (attract) return <AttractScreen onStart={start} />;
  return <CitizenSession key={session} onReset={reset} accessSlot={accessSlot} />;
});

/** How long a tap waits for its number before the page says it is being issued. */
export const ISSUING_NOTICE_AFTER_MS = 150;

interface CitizenSessionProps {
  readonly onReset: (why: 'done' | 'idle') => void;
  readonly accessSlot: HTMLElement | null;
}

const NO_ACCESS: AccessSettings = { largeText: false, highContrast: false };

/** One citizen's visit: the service tiles and the look-up entry; a tap issues a ticket. */
const CitizenSession = memo(function CitizenSession({ onReset, accessSlot }: CitizenSessionProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const [priority, setPriority] = useState(false);
  const [state, setState] = useState<State>({ kind: 'choose' });
  const [access, setAccess] = useState<AccessSettings>(NO_ACCESS);
  const [procedureOpen, setProcedureOpen] = useState(false);
  const [staffCall, setStaffCall] = useState<StaffCallState>('idle');

  // The switches dress the whole page (header and status bar too); the session's end takes them off.
  useEffect(() => {
    const root = document.documentElement;
    if (access.largeText) root.dataset.text = 'large';
    else delete root.dataset.text;
    if (access.highContrast) root.dataset.contrast = 'high';
    else delete root.dataset.contrast;
    return () => {
      delete root.dataset.text;
      delete root.dataset.contrast;
    };
  }, [access]);

  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const groups = app.branch.serviceGroups.filter((g) => g.active);

  // One ticket per tap, however fast the taps (a double tap, a bouncing touch screen): a tap on any
  // tile while one is being issued is ignored.
  const take = useSingleFlight(async (prefix: string) => {
    const end = app.activity.begin();
    // "Đang cấp số…" (buttons disabled) only when the number is slow to come: drawn at once it
    // re-rendered and re-styled the whole page while the ticket's transaction ran, on the same
    // thread that has to handle the transaction's answers (the number came later, not sooner).
    const slow = setTimeout(() => setState({ kind: 'issuing', prefix }), ISSUING_NOTICE_AFTER_MS);
    try {
      const outcome = await app.takeTicket(prefix, priority);
      clearTimeout(slow);
      setState({ kind: 'issued', outcome });
    } catch (e) {
      clearTimeout(slow);
      setState({ kind: 'error', code: codeOf(e) });
    } finally {
      end();
    }
  });

  // Anything a next citizen should not find: another screen, a choice, another language, a switch.
  const dirty = state.kind !== 'choose' || priority || i18n.language !== app.device.locale || access.largeText || access.highContrast;
  const idleReset = useCallback(() => onReset('idle'), [onReset]);
  const done = useCallback(() => onReset('done'), [onReset]);
  const secondsLeft = useCitizenIdle(dirty && state.kind !== 'issued' && state.kind !== 'issuing', idleReset);
  // A clean start page left alone as long as the idle reset waits turns into the attract screen.
  useEffect(() => {
    if (dirty) return;
    const timer = setInterval(() => {
      if (app.activity.idleFor() >= app.citizenIdle.afterMs) idleReset();
    }, 1000);
    return () => clearInterval(timer);
  }, [app, dirty, idleReset]);

  // One call per tap: a double tap would alert every counter twice.
  const callStaff = useSingleFlight(async () => {
    if (staffCall === 'calling') return;
    setStaffCall('calling');
    const screen =
      state.kind === 'issued'
        ? 'ticket'
        : state.kind === 'lookup'
          ? procedureOpen
            ? 'procedure'
            : 'lookup'
          : state.kind === 'follow' || state.kind === 'rating'
            ? state.kind
            : 'home';
    const end = app.activity.begin();
    await app
      .callStaff(screen)
      .then(setStaffCall, () => setStaffCall('failed'))
      .finally(end);
  });

  const readable = useMemo<ReadableScreen>(() => {
    if (state.kind === 'issued') return { kind: 'ticket', number: state.outcome.ticket.number };
    if (state.kind === 'lookup') return { kind: procedureOpen ? 'procedure' : 'lookup' };
    if (state.kind === 'follow' || state.kind === 'rating') return { kind: state.kind };
    return { kind: 'home' };
  }, [state, procedureOpen]);

  const openLookup = useCallback(() => setState({ kind: 'lookup' }), []);
  const closeLookup = useCallback(() => setState({ kind: 'choose' }), []);
  const openFollow = useCallback(() => setState({ kind: 'follow' }), []);
  const openRating = useCallback(() => setState({ kind: 'rating' }), []);

  let screen;
  if (state.kind === 'issued') screen = <TicketResult outcome={state.outcome} onDone={done} />;
  else if (state.kind === 'follow') screen = <DossierFollow onHome={closeLookup} />;
  else if (state.kind === 'rating') screen = <RatingPoint onHome={closeLookup} />;
  else if (state.kind === 'lookup')
    screen = <ProcedureLookup onBack={closeLookup} onTakeTicket={(prefix) => void take(prefix)} onProcedureOpen={setProcedureOpen} />;
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
      {(staffCall === 'told' || staffCall === 'queued' || staffCall === 'failed') && (
        <div
          className={`notice ${staffCall === 'told' ? 'notice--ok' : 'notice--warn'} citizen-staff-call`}
          role={staffCall === 'told' ? 'status' : 'alert'}
          data-testid="access.staffCalled"
          data-state={staffCall}
        >
          {staffCall === 'told' ? t('access.staffCalled') : t('access.staffCallFailed')}
        </div>
      )}
      {screen}
      {secondsLeft !== null && <IdleCountdown seconds={secondsLeft} />}
      {accessSlot &&
        createPortal(<AccessBar settings={access} onChange={setAccess} readable={readable} staffCall={staffCall} onCallStaff={callStaff} />, accessSlot)}
    </>
  );
});
