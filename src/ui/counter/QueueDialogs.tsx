import { memo, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueDeskView } from '../../app/queueDesk';
import { errorMessage } from '../errorMessage';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';
import { localHm } from './format';

/** The small dialogs of the "Gọi số" strip: the counter's setup, a typed ticket number, a transfer. Escape closes each. */

interface DialogFrameProps {
  readonly title: string;
  readonly testId: string;
  readonly onClose: () => void;
  readonly onSubmit: () => void;
  readonly children: ReactNode;
}

const DialogFrame = memo(function DialogFrame({ title, testId, onClose, onSubmit, children }: DialogFrameProps) {
  const id = `${testId.replace(/\./g, '-')}-title`;
  // Escape closes the dialog and goes no further (the counter's own Escape handlers never see it).
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape') return;
      e.stopImmediatePropagation();
      e.preventDefault();
      close.current();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  return (
    <div className="queue-dialog__backdrop">
      <form
        className="queue-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={id}
        data-testid={testId}
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <h2 id={id} className="queue-dialog__title">
          {title}
        </h2>
        {children}
      </form>
    </div>
  );
});

export interface SetupDialogProps {
  readonly view: QueueDeskView;
  readonly onClose: () => void;
}

/** The counter's number and groups: one of the branch's published counters, or a number and groups chosen here. */
export const SetupDialog = memo(function SetupDialog({ view, onClose }: SetupDialogProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const desk = app.queue;
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const published = desk.counterChoices();
  const [counter, setCounter] = useState(String(view.setup?.counter ?? published[0]?.number ?? ''));
  const [groups, setGroups] = useState<readonly string[]>(view.setup?.groups ?? published[0]?.groups ?? []);
  const [error, setError] = useState<string | null>(null);

  const save = async (): Promise<void> => {
    const r = await desk.saveSetup({ counter: Number(counter), groups });
    if (r.ok) onClose();
    else setError(errorMessage(t, r.error.code, r.error.detail));
  };

  return (
    <DialogFrame title={t('queue.setup.title')} testId="queue.setupDialog" onClose={onClose} onSubmit={() => void save()}>
      <p className="queue-dialog__lead">{t('queue.setup.intro')}</p>
      {published.length > 0 ? (
        <fieldset className="queue-dialog__choices">
          <legend>{t('queue.setup.published')}</legend>
          {published.map((c) => (
            <label key={c.number} className="queue-dialog__choice">
              <input
                type="radio"
                name="queue-counter"
                checked={Number(counter) === c.number}
                onChange={() => {
                  setCounter(String(c.number));
                  setGroups(c.groups);
                }}
                data-testid={`queue.setupCounter.${c.number}`}
                autoFocus={Number(counter) === c.number}
              />
              {t('queue.counter', { counter: c.number })}
              {c.name ? ` – ${c.name}` : ''} ({c.groups.join(', ')})
            </label>
          ))}
        </fieldset>
      ) : (
        <>
          <label className="queue-dialog__label" htmlFor="queue-setup-number">
            {t('queue.setup.number')}
          </label>
          <input
            id="queue-setup-number"
            className="queue-dialog__input"
            inputMode="numeric"
            value={counter}
            onChange={(e) => setCounter(e.target.value.replace(/\D/g, '').slice(0, 2))}
            autoFocus
            data-testid="queue.setupNumber"
          />
          <fieldset className="queue-dialog__choices">
            <legend>{t('queue.setup.groups')}</legend>
            {desk.groups.map((g) => (
              <label key={g.prefix} className="queue-dialog__choice">
                <input
                  type="checkbox"
                  checked={groups.includes(g.prefix)}
                  onChange={() => setGroups((s) => (s.includes(g.prefix) ? s.filter((x) => x !== g.prefix) : [...s, g.prefix]))}
                  data-testid={`queue.setupGroup.${g.prefix}`}
                />
                <strong>{g.prefix}</strong> – {g.name[lang]}
              </label>
            ))}
          </fieldset>
        </>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="queue.setupError">
          {error}
        </p>
      )}
      <div className="queue-dialog__actions">
        <button type="submit" className="btn btn--primary btn--small" data-testid="queue.setupSave">
          {t('queue.setup.save')}
        </button>
        <button type="button" className="btn btn--secondary btn--small" onClick={onClose} data-testid="queue.setupCancel">
          {t('queue.setup.cancel')}
        </button>
      </div>
    </DialogFrame>
  );
});

export interface NumberDialogProps {
  readonly purpose: 'call-number' | 'return';
  /** For a return: the no-shows still within their grace period, to pick from. */
  readonly noShows: QueueDeskView['noShows'];
  readonly onClose: () => void;
  readonly onSubmit: (number: string) => Promise<unknown>;
}

/** A ticket number typed by the officer: to call it (also the offline path), or to bring a no-show back. */
export const NumberDialog = memo(function NumberDialog({ purpose, noShows, onClose, onSubmit }: NumberDialogProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [number, setNumber] = useState('');
  const [sending, setSending] = useState(false);
  // One submission at a time: a double Enter offline recorded the action twice.
  const submit = useSingleFlight(async (value: string): Promise<void> => {
    if (value.trim() === '') return;
    setSending(true);
    try {
      await onSubmit(value);
    } finally {
      setSending(false);
    }
  });
  return (
    <DialogFrame
      title={purpose === 'return' ? t('queue.numberDialog.titleReturn') : t('queue.numberDialog.titleCall')}
      testId="queue.numberDialog"
      onClose={onClose}
      onSubmit={() => void submit(number)}
    >
      <label className="queue-dialog__label" htmlFor="queue-number">
        {t('queue.numberDialog.label')}
      </label>
      <input
        id="queue-number"
        className="queue-dialog__input queue-dialog__input--number"
        value={number}
        autoComplete="off"
        onChange={(e) => setNumber(e.target.value.toUpperCase().slice(0, 12))}
        autoFocus
        data-testid="queue.numberInput"
      />
      {noShows.length > 0 && (
        <div className="queue-dialog__noShows">
          <p>{t('queue.numberDialog.recentNoShows')}</p>
          {noShows.slice(0, 8).map((n) => (
            <button key={n.number} type="button" className="btn btn--secondary btn--small" onClick={() => void submit(n.number)} data-testid="queue.noShowPick">
              {n.number}
              {n.noShowAt !== null && <span className="muted"> {localHm(n.noShowAt, app.branch.utcOffsetMinutes)}</span>}
            </button>
          ))}
        </div>
      )}
      <div className="queue-dialog__actions">
        <button type="submit" className="btn btn--primary btn--small" disabled={sending} data-testid="queue.numberSubmit">
          {purpose === 'return' ? t('queue.numberDialog.submitReturn') : t('queue.numberDialog.submitCall')}
        </button>
        <button type="button" className="btn btn--secondary btn--small" onClick={onClose} data-testid="queue.numberCancel">
          {t('queue.numberDialog.cancel')}
        </button>
      </div>
    </DialogFrame>
  );
});

export interface TransferDialogProps {
  readonly number: string;
  readonly group: string | null;
  readonly onClose: () => void;
  readonly onSubmit: (toGroup: string | null, toCounter: number | null) => Promise<unknown>;
}

/** Sends the ticket to another service group and/or counter; it keeps its arrival. */
export const TransferDialog = memo(function TransferDialog({ number, group, onClose, onSubmit }: TransferDialogProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const [toGroup, setToGroup] = useState('');
  const [toCounter, setToCounter] = useState('');
  const counter = toCounter === '' ? null : Number(toCounter);
  const ready = toGroup !== '' || (counter !== null && counter >= 1 && counter <= 99);
  return (
    <DialogFrame
      title={t('queue.transfer.title', { number })}
      testId="queue.transferDialog"
      onClose={onClose}
      onSubmit={() => ready && void onSubmit(toGroup === '' ? null : toGroup, counter)}
    >
      <label className="queue-dialog__label" htmlFor="queue-transfer-group">
        {t('queue.transfer.toGroup')}
      </label>
      <select
        id="queue-transfer-group"
        className="queue-dialog__input"
        value={toGroup}
        onChange={(e) => setToGroup(e.target.value)}
        autoFocus
        data-testid="queue.transferGroup"
      >
        <option value="">{t('queue.transfer.keepGroup')}</option>
        {app.queue.groups
          .filter((g) => g.prefix !== group)
          .map((g) => (
            <option key={g.prefix} value={g.prefix}>
              {g.prefix} – {g.name[lang]}
            </option>
          ))}
      </select>
      <label className="queue-dialog__label" htmlFor="queue-transfer-counter">
        {t('queue.transfer.toCounter')}
      </label>
      <input
        id="queue-transfer-counter"
        className="queue-dialog__input"
        inputMode="numeric"
        value={toCounter}
        onChange={(e) => setToCounter(e.target.value.replace(/\D/g, '').slice(0, 2))}
        data-testid="queue.transferCounter"
      />
      <div className="queue-dialog__actions">
        <button type="submit" className="btn btn--primary btn--small" disabled={!ready} data-testid="queue.transferSubmit">
          {t('queue.transfer.submit')}
        </button>
        <button type="button" className="btn btn--secondary btn--small" onClick={onClose} data-testid="queue.transferCancel">
          {t('queue.transfer.cancel')}
        </button>
      </div>
    </DialogFrame>
  );
});
