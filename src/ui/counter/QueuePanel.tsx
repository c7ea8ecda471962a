import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueDeskView, QueueOutcome, QueueRequest } from '../../app/queueDesk';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { useWatch } from '../hooks';
import { localHm } from './format';
import { NumberDialog, SetupDialog, TransferDialog } from './QueueDialogs';

/**
 * Keys of the panel. F9 (call next) is the one a USB foot pedal or a keypad is programmed to send;
 * F8 recalls. Both reach the page in Electron's kiosk mode (windowHardening lets F1–F4, F6, F8–F10
 * through), are not the tabs' F2–F4, and a scanner's wedge never sends a function key (it ends a
 * burst, never starts one). F10 is left alone: Chromium gives it to its menu outside kiosk mode.
 */
export const QUEUE_KEYS = { next: 'F9', recall: 'F8' } as const;

export interface QueuePanelProps {
  /** False while the counter is covered (idle lock, sync issues): keys are not taken. */
  readonly active: boolean;
  /** "Tiếp nhận hồ sơ": open the dossier reception for the ticket being served. */
  readonly onReceive: () => void;
}

type Dialog = 'setup' | 'call-number' | 'return' | 'transfer' | null;
type Message = { readonly kind: 'ok' | 'error'; readonly text: string; readonly code?: string };

const INITIAL: QueueDeskView | null = null;

/**
 * The counter's "Gọi số" strip, above every tab: the ticket at the counter (number big, group,
 * state, called time, calls), the actions that fit its state, waiting counts and estimates for the
 * counter's groups, and — plainly — when the queue server cannot be reached (calling by typed number
 * still works then). Compact: the dossier form below keeps the screen.
 */
export const QueuePanel = memo(function QueuePanel({ active, onReceive }: QueuePanelProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const desk = app.queue;
  const watch = useCallback((cb: (v: QueueDeskView) => void) => desk.watch(cb), [desk]);
  const view = useWatch<QueueDeskView | null>(watch, INITIAL);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const offset = app.branch.utcOffsetMinutes;
  const groupName = (prefix: string | null): string => app.branch.serviceGroups.find((g) => g.prefix === prefix)?.name[lang] ?? prefix ?? '';

  const describe = (request: QueueRequest, outcome: QueueOutcome): string => {
    if (outcome.offline) return t('queue.done.offline');
    if (outcome.repeated) return t('queue.done.repeated');
    const number = outcome.action?.ticketNumber ?? '';
    if (request.kind === 'finish') return t('queue.done.finished', { number, count: outcome.action?.dossierCodes.length ?? 0 });
    if (outcome.action?.kind === 'call') return t('queue.done.called', { number, counter: outcome.action.counter });
    return '';
  };

  const [acted, setActed] = useState(0);
  const run = async (request: QueueRequest): Promise<boolean> => {
    setMessage(null);
    const r = await desk.act(request).finally(() => setActed((n) => n + 1));
    if (r.ok) {
      const text = describe(request, r.value);
      setMessage(text ? { kind: 'ok', text } : null);
      return true;
    }
    setMessage({ kind: 'error', text: errorMessage(t, r.error.code, r.error.detail), code: r.error.code });
    return false;
  };
  // "Gọi nhân viên" from a kiosk: the officer who goes closes it on every counter.
  const answerStaffCall = async (id: string): Promise<void> => {
    setMessage(null);
    const r = await desk.answerStaffCall(id).finally(() => setActed((n) => n + 1));
    if (!r.ok) setMessage({ kind: 'error', text: errorMessage(t, r.error.code, r.error.detail), code: r.error.code });
  };
  const runRef = useRef(run);
  useEffect(() => {
    runRef.current = run;
  });

  useEffect(() => {
    if (!active || dialog !== null) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.altKey || e.metaKey || e.shiftKey || e.repeat) return;
      if (e.key === QUEUE_KEYS.next) {
        e.preventDefault();
        void runRef.current({ kind: 'call-next' });
      } else if (e.key === QUEUE_KEYS.recall) {
        e.preventDefault();
        void runRef.current({ kind: 'recall' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, dialog]);

  if (view === null) return <section className="queue" data-testid="queue.panel" data-loading="true" />;
  const { current, setup, reach, busy } = view;
  const disconnected = reach === 'unreachable' || reach === 'not-enrolled';
  const state = current === null ? 'none' : current.number === null ? 'walk-in' : current.state;
  const btn = (testId: string, label: string, onClick: () => void, primary = false, key?: string) => (
    <button
      type="button"
      className={`btn btn--small ${primary ? 'btn--primary' : 'btn--secondary'}`}
      onClick={onClick}
      disabled={busy || setup === null}
      data-testid={`queue.${testId}`}
    >
      {label}
      {key && <kbd className="tab__key queue__key">{key}</kbd>}
    </button>
  );

  return (
    <section
      className="queue"
      aria-label={t('queue.title')}
      data-testid="queue.panel"
      data-reach={reach}
      data-state={state}
      data-busy={busy}
      data-acted={acted}
    >
      <div className="queue__main">
        <div
          className={`queue__ticket queue__ticket--${state}`}
          data-testid="queue.current"
          data-number={current?.number ?? ''}
          data-state={state}
          data-offline={current?.offline ?? false}
        >
          {current === null ? (
            <span className="queue__none">{setup === null ? t('queue.setup.needed') : t('queue.none')}</span>
          ) : (
            <>
              <span className="queue__number" data-testid="queue.number">
                {current.number ?? t('queue.walkIn')}
              </span>
              <span className="queue__meta">
                <span className="queue__state" data-testid="queue.ticketState">
                  {t(`queue.state.${current.state}`)}
                  {current.priority && <> · {t('queue.priority')}</>}
                </span>
                <span>
                  {current.group !== null && <>{groupName(current.group)} · </>}
                  {current.calledAt !== null && t('queue.calledAt', { time: localHm(current.calledAt, offset) })}
                  {current.calls > 0 && <> · {t('queue.calls', { count: current.calls })}</>}
                  {current.calledAt === null && current.servingSince !== null && t('queue.since', { time: localHm(current.servingSince, offset) })}
                </span>
              </span>
            </>
          )}
        </div>
        <div className="queue__actions" data-testid="queue.actions">
          {setup === null ? (
            <button type="button" className="btn btn--small btn--primary" onClick={() => setDialog('setup')} data-testid="queue.setupOpen">
              {t('queue.action.setup')}
            </button>
          ) : state === 'none' ? (
            <>
              {btn('next', t('queue.action.next'), () => void run({ kind: 'call-next' }), !disconnected, QUEUE_KEYS.next)}
              {btn('callNumber', t('queue.action.number'), () => setDialog('call-number'), disconnected)}
              {btn('walkIn', t('queue.action.walkIn'), () => void run({ kind: 'walk-in' }))}
              {btn('return', t('queue.action.return'), () => setDialog('return'))}
            </>
          ) : state === 'called' ? (
            <>
              {btn('serve', t('queue.action.serve'), () => void run({ kind: 'serve' }), true)}
              {btn('recall', t('queue.action.recall'), () => void run({ kind: 'recall' }), false, QUEUE_KEYS.recall)}
              {btn('noShow', t('queue.action.noShow'), () => void run({ kind: 'no-show' }))}
              {btn('transfer', t('queue.action.transfer'), () => setDialog('transfer'))}
            </>
          ) : (
            <>
              {btn('receive', t('queue.action.receive'), onReceive, true)}
              {btn('finish', t('queue.action.finish'), () => void run({ kind: 'finish' }))}
              {state === 'serving' && btn('transfer', t('queue.action.transfer'), () => setDialog('transfer'))}
            </>
          )}
        </div>
        <div className="queue__side">
          <p className="queue__counter" data-testid="queue.counter" data-counter={setup?.counter ?? ''} data-groups={setup?.groups.join(',') ?? ''}>
            {setup && (
              <>
                <strong>{t('queue.counter', { counter: setup.counter })}</strong> · {setup.groups.join(', ')}{' '}
              </>
            )}
            <button type="button" className="link-btn" onClick={() => setDialog('setup')} data-testid="queue.setupChange">
              {t('queue.action.setup')}
            </button>
          </p>
          <p className="queue__waiting" data-testid="queue.waiting">
            {view.waiting === null ? (
              <span className="muted">{t('queue.waitingNone')}</span>
            ) : (
              <>
                {t('queue.waiting')}:{' '}
                {view.waiting.map((w, i) => (
                  <span key={w.group} data-testid={`queue.waiting.${w.group}`} data-count={w.waiting} title={groupName(w.group)}>
                    {i > 0 && ' · '}
                    <strong>{w.group}</strong> {w.waiting}
                    {w.estimate && w.waiting > 0 && (
                      <span className="queue__estimate" title={t('queue.estimate', { low: w.estimate.low, high: w.estimate.high })}>
                        {' '}
                        ({t('queue.estimateShort', { low: w.estimate.low, high: w.estimate.high })})
                      </span>
                    )}
                  </span>
                ))}
              </>
            )}
          </p>
          <p className="queue__keys">{busy ? t('queue.busy') : t('queue.keys')}</p>
        </div>
      </div>
      {view.staffCalls.length > 0 && (
        <div className="queue__calls" role="alert" data-testid="queue.staffCalls">
          <strong className="queue__calls-title">{t('queue.staffCall.title')}</strong>
          {view.staffCalls.map((c) => (
            <p key={c.id} className="queue__call" data-testid="queue.staffCall" data-id={c.id} data-screen={c.screen}>
              <span>
                {t('queue.staffCall.kiosk', { number: c.kioskSlot + 1 })} · {t(`queue.staffCall.screen.${c.screen}`)} ·{' '}
                {t('queue.staffCall.at', { time: localHm(c.calledAt, offset) })}
              </span>
              <button type="button" className="btn btn--primary btn--small" onClick={() => void answerStaffCall(c.id)} data-testid="queue.staffCall.answer">
                {t('queue.staffCall.answer')}
              </button>
            </p>
          ))}
        </div>
      )}
      {(disconnected || reach === 'connecting' || message || current?.offline || current?.flag) && (
        <div className="queue__notes">
          {disconnected && (
            <p className="queue__note queue__note--warn" role="status" data-testid="queue.offline">
              {t(`queue.reach.${reach}`)}{' '}
              <button type="button" className="link-btn" onClick={() => desk.reconnect()} data-testid="queue.retry">
                {t('queue.action.retry')}
              </button>
            </p>
          )}
          {current?.offline && !disconnected && <p className="queue__note queue__note--warn">{t('queue.offlineTicket')}</p>}
          {current?.flag && (
            <p className="queue__note queue__note--error" data-testid="queue.flag">
              {current.flag === 'queue.called-twice' ? t('queue.flag.queue.called-twice') : t('queue.flag.other', { flag: current.flag })}
            </p>
          )}
          {message && (
            <p
              className={`queue__note queue__note--${message.kind}`}
              role={message.kind === 'error' ? 'alert' : 'status'}
              data-testid="queue.message"
              data-kind={message.kind}
              data-code={message.code ?? ''}
            >
              {message.text}
            </p>
          )}
        </div>
      )}
      {dialog === 'setup' && <SetupDialog view={view} onClose={() => setDialog(null)} />}
      {(dialog === 'call-number' || dialog === 'return') && (
        <NumberDialog
          purpose={dialog}
          noShows={dialog === 'return' ? view.noShows : []}
          onClose={() => setDialog(null)}
          onSubmit={async (number) => (await run(dialog === 'return' ? { kind: 'return', number } : { kind: 'call-number', number })) && setDialog(null)}
        />
      )}
      {dialog === 'transfer' && current?.number && (
        <TransferDialog
          number={current.number}
          group={current.group}
          onClose={() => setDialog(null)}
          onSubmit={async (toGroup, toCounter) => (await run({ kind: 'transfer', toGroup, toCounter })) && setDialog(null)}
        />
      )}
    </section>
  );
});
