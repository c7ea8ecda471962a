import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { classifyScan } from '../../app/capture';
import type { QueueDeskView } from '../../app/queueDesk';
import { useWatch } from '../hooks';
import { useKiosk } from '../KioskContext';
import { IssuesButton } from '../sync/IssuesButton';
import { PinForm } from '../staff/PinForm';
import { useStaffState } from '../staff/useStaff';
import { CounterHome } from './CounterHome';
import { NewDossier, type CardScan } from './NewDossier';
import { PanelActive } from './panelActive';
import { QueuePanel } from './QueuePanel';
import { TodayList, type CodeScan } from './TodayList';
import { useScannerWedge } from './useScannerWedge';

export interface CounterShellProps {
  readonly onOpenIssues: () => void;
  /** False while another screen (sync issues) covers the counter: no camera, no keys, no scans. */
  readonly active?: boolean;
}

type Tab = 'new' | 'list' | 'queue';

/**
 * After this long without a touch or a key, the counter hides what is on screen (the citizen's
 * name, ID, scans) behind a lock; any key or touch brings it back as it was. Nothing is discarded:
 * the officer may have stepped away mid-dossier (DOMAIN.md, "Personal data").
 */
export const IDLE_LOCK_MS = 3 * 60_000;
const TABS: readonly { tab: Tab; key: string }[] = [
  { tab: 'new', key: 'F2' },
  { tab: 'list', key: 'F3' },
  { tab: 'queue', key: 'F4' },
];

/**
 * The counter officer's screens as tabs, each one key away: "Tiếp nhận hồ sơ" (F2), "Hồ sơ hôm
 * nay" (F3), the queue tally (F4), and the sync issues. A USB 2D scanner works from anywhere: an ID
 * card goes to the applicant, a dossier code (or receipt QR) to the list, and none of its
 * characters land in the focused field.
 */
export const CounterShell = memo(function CounterShell({ onOpenIssues, active = true }: CounterShellProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const desk = app.dossiers;
  const reception = desk.reception;
  const [tab, setTab] = useState<Tab>(reception ? 'new' : 'queue');
  const [dossierKey, setDossierKey] = useState(0);
  const [cardScan, setCardScan] = useState<CardScan | null>(null);
  const [codeScan, setCodeScan] = useState<CodeScan | null>(null);
  const [unknownScan, setUnknownScan] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    if (!active) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      const found = TABS.find((x) => x.key === e.key);
      if (!found || e.ctrlKey || e.altKey || e.metaKey) return;
      e.preventDefault();
      setCodeScan(null);
      setTab(found.tab);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);

  const onScan = useCallback(
    (text: string) => {
      const scan = classifyScan(text);
      setUnknownScan(false);
      if (scan.kind === 'citizen-id' && reception) {
        setTab('new');
        setCardScan({ text: scan.text, source: 'wedge', seq: ++seq.current });
      } else if (scan.kind === 'dossier-code' && reception) {
        setTab('list');
        setCodeScan({ code: scan.code, seq: ++seq.current });
      } else setUnknownScan(true);
    },
    [reception],
  );

  const session = useStaffState(app.staff);
  const withPin = session.current !== null;
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    let last = app.now();
    const touch = (): void => {
      last = app.now();
      // With a signed-in officer only the PIN unlocks (PinForm); otherwise any touch does.
      if (!app.staff.state().current) setIdle(false);
    };
    window.addEventListener('pointerdown', touch, true);
    window.addEventListener('keydown', touch, true);
    const timer = setInterval(() => {
      if (app.now() - last < IDLE_LOCK_MS) return;
      if (app.staff.state().current) app.staff.lock();
      else setIdle(true);
    }, 5_000);
    return () => {
      window.removeEventListener('pointerdown', touch, true);
      window.removeEventListener('keydown', touch, true);
      clearInterval(timer);
    };
  }, [app]);
  const locked = withPin ? session.locked : idle;
  const unlock = useCallback((pin: string) => app.staff.unlock(pin), [app]);
  const live = active && !locked;
  // Not under the lock: its PIN field takes keys, and a quick typist is not a scanner.
  useScannerWedge(onScan, live);

  // The form belongs to the ticket being served when it was opened (null: no ticket, or a walk-in).
  const servedTicket = (): string | null => {
    const c = app.queue.current();
    return c?.state === 'serving' ? c.number : null;
  };
  const [formTicket, setFormTicket] = useState<string | null>(servedTicket);
  const formDone = useRef(false);
  const newDossier = useCallback((carry?: CardScan) => {
    setCardScan(carry ?? null);
    setFormTicket(servedTicket());
    formDone.current = false;
    setDossierKey((k) => k + 1);
    setTab('new');
    // eslint-disable-next-line react-hooks/exhaustive-deps -- servedTicket reads the desk at call time
  }, []);
  // "Tiếp nhận hồ sơ" from the queue panel: a fresh form for this ticket, unless the one on screen
  // is already this ticket's (or untouched by another ticket) and not finished.
  const receiveForTicket = useCallback(() => {
    const ticket = servedTicket();
    if (formDone.current || (formTicket !== null && formTicket !== ticket)) newDossier();
    else {
      setFormTicket(ticket);
      setTab('new');
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- servedTicket reads the desk at call time
  }, [formTicket, newDossier]);
  const onFormStage = useCallback((stage: 'editing' | 'done') => {
    formDone.current = stage === 'done';
  }, []);
  // A form keeps its ticket only while that ticket is still at the counter: after finish, no-show
  // or transfer, a dossier saved from it is not that citizen's service any more.
  const watchQueue = useCallback((cb: (v: QueueDeskView | null) => void) => app.queue.watch(cb), [app]);
  const queueView = useWatch<QueueDeskView | null>(watchQueue, null);
  const formTicketShown = formTicket !== null && queueView?.current?.number === formTicket ? formTicket : null;

  return (
    <section className="counter" data-testid="counter.shell" data-tab={tab} data-locked={locked}>
      {locked && (
        <div className="idle-lock" role="dialog" aria-modal="true" aria-labelledby="idle-lock-title" data-testid="counter.idleLock">
          <p id="idle-lock-title" className="idle-lock__title">
            {withPin ? t('staff.lock.title') : t('desk.lock.title')}
          </p>
          {withPin && session.current ? (
            <>
              <p className="idle-lock__who" data-testid="counter.idleLock.who">
                {t('staff.lock.who', { name: session.current.name, staffId: session.current.staffId })}
              </p>
              <p className="idle-lock__hint">{t('staff.lock.hint')}</p>
              <PinForm submitLabel={t('staff.lock.unlock')} onSubmit={unlock} autoFocus testId="counter.idleLock.form" />
              <button type="button" className="link-btn" onClick={() => app.staff.signOut()} data-testid="counter.idleLock.signOut">
                {t('staff.lock.signOut')}
              </button>
            </>
          ) : (
            <p className="idle-lock__hint">{t('desk.lock.hint')}</p>
          )}
        </div>
      )}
      <div className="counter__content" hidden={locked}>
        <div className="counter__bar">
          <div className="tabs" role="tablist" aria-label={t('desk.tabs.label')}>
            {TABS.map(({ tab: id, key }) => (
              <button
                key={id}
                type="button"
                role="tab"
                id={`counter-tab-${id}`}
                aria-selected={tab === id}
                aria-controls={`counter-panel-${id}`}
                className="tab"
                onClick={() => {
                  setCodeScan(null);
                  setTab(id);
                }}
                data-testid={`counter.tab.${id}`}
              >
                {t(`desk.tabs.${id}`)}
                <kbd className="tab__key">{key}</kbd>
              </button>
            ))}
          </div>
          {!session.required && (
            <span className="counter__nostaff" title={t('staff.noAccounts')} data-testid="counter.noAccounts">
              {t('staff.noAccounts')}
            </span>
          )}
          <IssuesButton onOpen={onOpenIssues} />
        </div>
        <QueuePanel active={live} onReceive={receiveForTicket} />
        {unknownScan && (
          <div className="notice notice--warn" role="status" data-testid="counter.unknownScan">
            {t('desk.scan.unknown')}
          </div>
        )}
        <div id="counter-panel-new" role="tabpanel" aria-labelledby="counter-tab-new" hidden={tab !== 'new'}>
          <PanelActive.Provider value={live && tab === 'new'}>
            {desk && reception ? (
              <NewDossier key={dossierKey} desk={desk} cardScan={cardScan} onReset={newDossier} ticketNumber={formTicketShown} onStage={onFormStage} />
            ) : (
              <NoReception />
            )}
          </PanelActive.Provider>
        </div>
        <div id="counter-panel-list" role="tabpanel" aria-labelledby="counter-tab-list" hidden={tab !== 'list'}>
          {reception ? tab === 'list' && <TodayList desk={desk} codeScan={codeScan} /> : <NoReception />}
        </div>
        <div id="counter-panel-queue" role="tabpanel" aria-labelledby="counter-tab-queue" hidden={tab !== 'queue'}>
          <CounterHome />
        </div>
      </div>
    </section>
  );
});

const NoReception = memo(function NoReception() {
  const { t } = useTranslation();
  return (
    <div className="notice notice--warn" role="status" data-testid="counter.noReception">
      <p className="notice__title">{t('desk.noReception.title')}</p>
      <p>{t('desk.noReception.help')}</p>
    </div>
  );
});
