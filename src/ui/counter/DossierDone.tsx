import { memo, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DossierDesk, ReceivedDossier } from '../../app/dossierTypes';
import { maskIdNumber } from '../../domain/citizenId';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';
import { appointmentText } from './appointment';

export interface DossierDoneProps {
  readonly desk: DossierDesk;
  readonly dossier: ReceivedDossier;
  readonly onNew: () => void;
}

type PrintState = { kind: 'printing' } | { kind: 'printed' } | { kind: 'failed'; error: AppError };

/**
 * Prints (or reprints) a receipt; the state says what happened and what to do. `lookupSecret`: the
 * secret this screen still holds in memory (the machine forgets it after the first print).
 */
export function useReceiptPrinter(
  desk: DossierDesk,
  code: string,
  lookupSecret: string | null = null,
): { state: PrintState | null; print: () => Promise<void> } {
  const app = useKiosk();
  const [state, setState] = useState<PrintState | null>(null);
  // One receipt per click: a double click printed two and counted the first print as a reprint.
  const print = useSingleFlight(async () => {
    setState({ kind: 'printing' });
    const end = app.activity.begin();
    await desk
      .printReceipt(code, lookupSecret)
      .then((r) => setState(r.ok ? { kind: 'printed' } : { kind: 'failed', error: r.error }))
      .catch((e: unknown) => setState({ kind: 'failed', error: { code: 'print.failed', detail: e instanceof Error ? e.message : String(e) } }))
      .finally(end);
  });
  return { state, print };
}

export const PrintStatus = memo(function PrintStatus({ state }: { readonly state: PrintState | null }) {
  const { t } = useTranslation();
  if (state === null) return null;
  if (state.kind === 'failed')
    return (
      <div className="notice notice--error" role="alert" data-testid="desk.printError" data-code={state.error.code}>
        {errorMessage(t, state.error.code, state.error.detail)} {t('desk.done.printFailedHelp')}
      </div>
    );
  return (
    <p className={`print-state ${state.kind === 'printed' ? 'text-ok' : ''}`} role="status" data-testid="desk.printState" data-state={state.kind}>
      {state.kind === 'printed' ? t('desk.done.printed') : t('desk.done.printing')}
    </p>
  );
});

/**
 * The dossier is saved: its code large, the appointment, the receipt printing at once, reprint, and
 * "Hồ sơ mới" (focused, so Enter starts the next citizen) which clears the screen.
 */
export const DossierDone = memo(function DossierDone({ desk, dossier, onNew }: DossierDoneProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const a = dossier.args;
  const { state, print } = useReceiptPrinter(desk, a.code, a.lookupSecret);
  const printedOnce = useRef(false);
  const next = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (printedOnce.current) return;
    printedOnce.current = true;
    void print();
    next.current?.focus();
  }, [print]);

  return (
    <section className="done" data-testid="desk.done" data-code={a.code} data-appointment-date={a.appointment.kind === 'date' ? a.appointment.date : ''}>
      <p className="done__saved">{t('desk.done.saved')}</p>
      <p className="done__label">{t('desk.done.code')}</p>
      <p className="done__code" data-testid="desk.doneCode">
        {a.code}
      </p>
      <dl className="dl done__facts">
        <dt>{t('desk.done.applicant')}</dt>
        <dd>
          {a.applicant.fullName} · {maskIdNumber(a.applicant.idNumber)}
        </dd>
        <dt>{t('desk.done.procedure')}</dt>
        <dd>{a.procedure.name}</dd>
        <dt>{t('desk.done.appointment')}</dt>
        <dd data-testid="desk.doneAppointment" className={a.appointment.kind === 'needs-confirmation' ? 'text-danger' : ''}>
          {appointmentText(t, a.appointment, app.branch.utcOffsetMinutes)}
        </dd>
        <dt>{t('desk.done.documents')}</dt>
        <dd>{t('desk.done.documentsCount', { count: a.documents.length, missing: a.missing.length })}</dd>
        <dt>{t('desk.done.lookupSecret')}</dt>
        <dd className="input--code" data-testid="desk.doneLookupSecret">
          {a.lookupSecret}
        </dd>
      </dl>
      <PrintStatus state={state} />
      <div className="actions actions--center">
        <button type="button" className="btn btn--secondary" onClick={() => void print()} disabled={state?.kind === 'printing'} data-testid="desk.reprint">
          {t('desk.done.reprint')}
        </button>
        <button ref={next} type="button" className="btn btn--primary" onClick={onNew} data-testid="desk.newDossier">
          {t('desk.done.new')}
        </button>
      </div>
    </section>
  );
});
