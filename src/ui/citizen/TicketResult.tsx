import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TakeTicketOutcome } from '../../app/KioskApp';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';

export interface TicketResultProps {
  readonly outcome: TakeTicketOutcome;
  readonly onDone: () => void;
}

const RETURN_AFTER_PRINTED_S = 20;
const RETURN_AFTER_FAILURE_S = 60;

type PrintState = { kind: 'printing' } | { kind: 'printed' } | { kind: 'failed'; error: AppError };

/**
 * The issued number, large, shown as soon as the ticket is saved. Printing follows; if the printer
 * fails, the number stays on screen longer with what to do: the ticket is issued and saved either
 * way, so the citizen's place is kept.
 */
export const TicketResult = memo(function TicketResult({ outcome, onDone }: TicketResultProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const [print, setPrint] = useState<PrintState>({ kind: 'printing' });
  const [seconds, setSeconds] = useState(RETURN_AFTER_PRINTED_S);

  useEffect(() => {
    let live = true;
    void outcome.print.then((result) => {
      if (!live) return;
      setPrint(result.ok ? { kind: 'printed' } : { kind: 'failed', error: result.error });
      setSeconds(result.ok ? RETURN_AFTER_PRINTED_S : RETURN_AFTER_FAILURE_S);
    });
    return () => {
      live = false;
    };
  }, [outcome]);

  useEffect(() => {
    const end = app.activity.begin();
    const id = setInterval(() => setSeconds((s) => s - 1), 1000);
    return () => {
      clearInterval(id);
      end();
    };
  }, [app]);

  // Home again when the countdown ends; a print that never answers does not hold the kiosk longer
  // than the failure timeout.
  useEffect(() => {
    if ((seconds <= 0 && print.kind !== 'printing') || seconds <= RETURN_AFTER_PRINTED_S - RETURN_AFTER_FAILURE_S) onDone();
  }, [seconds, print.kind, onDone]);

  const { ticket, group, waitingAhead, waitEstimate } = outcome;
  return (
    <section className="ticket-result" data-testid="ticket.result" data-print={print.kind}>
      <p className="ticket-result__label">{t('ticket.yourNumber')}</p>
      <p className="ticket-result__number" data-testid="ticket.number">
        {ticket.number}
      </p>
      {ticket.priority && (
        <div className="ticket-result__priority" data-testid="ticket.priority">
          {t('ticket.priority')}
        </div>
      )}
      <p className="ticket-result__service" data-testid="ticket.service">
        {group.name[lang]}
      </p>
      <p data-testid="ticket.waiting">{waitingAhead === 0 ? t('ticket.waitingAheadNone') : t('ticket.waitingAhead', { count: waitingAhead })}</p>
      {waitEstimate && (
        <p data-testid="ticket.wait-estimate" data-low={waitEstimate.low} data-high={waitEstimate.high}>
          {t('ticket.waitEstimate', { low: waitEstimate.low, high: waitEstimate.high })}
        </p>
      )}
      {print.kind === 'printing' && (
        <div className="notice notice--warn" role="status" data-testid="ticket.printing">
          {t('ticket.printing')}
        </div>
      )}
      {print.kind === 'printed' && (
        <div className="notice notice--ok" role="status" data-testid="ticket.printed">
          {t('ticket.printed')}
        </div>
      )}
      {print.kind === 'failed' && (
        <div className="notice notice--error" role="alert" data-testid="ticket.print-failed" data-code={print.error.code}>
          <strong>{t('ticket.printFailed')}</strong>
          <div>{t('ticket.rememberNumber', { number: ticket.number })}</div>
          <div>{errorMessage(t, print.error.code)}</div>
        </div>
      )}
      <button type="button" className="btn btn--primary" onClick={onDone} data-testid="ticket.done">
        {t('ticket.done')}
      </button>
      <p className="ticket-result__countdown">{t('ticket.autoReturn', { seconds: Math.max(seconds, 0) })}</p>
    </section>
  );
});
