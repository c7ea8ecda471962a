import { memo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SignInOutcome } from '../../app/staffSession';
import { formatLocalDateTime } from '../../domain/localDay';
import { useSingleFlight } from '../hooks';
import { useKiosk } from '../KioskContext';
import { errorMessage } from '../errorMessage';

export interface PinFormProps {
  readonly submitLabel: string;
  /** Checks the PIN; the form shows what went wrong and clears the field. */
  readonly onSubmit: (pin: string) => Promise<SignInOutcome | null>;
  /** Why the form cannot be sent yet (e.g. no name chosen), shown instead of sending. */
  readonly blocked?: string | null;
  readonly autoFocus?: boolean;
  readonly testId: string;
}

/**
 * A PIN field and its button: digits only, Enter sends, the PIN never stays on screen after a
 * wrong try, and the message says what to do next (tries left, until when it is locked).
 */
export const PinForm = memo(function PinForm({ submitLabel, onSubmit, blocked = null, autoFocus = false, testId }: PinFormProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // One try per submission: Enter pressed twice before the next render would count a wrong PIN twice.
  const send = useSingleFlight(async () => {
    if (blocked) {
      setError(blocked);
      return;
    }
    setBusy(true);
    const outcome = await onSubmit(pin).catch(() => null);
    setBusy(false);
    if (!outcome || outcome.ok) return;
    setPin('');
    const values: Record<string, string | number> = {};
    if (outcome.code === 'signin.wrong-pin') values.count = outcome.attemptsLeft;
    if (outcome.code === 'signin.locked') values.time = formatLocalDateTime(outcome.lockedUntil, app.branch.utcOffsetMinutes).slice(11, 16);
    setError(errorMessage(t, outcome.code, '', values));
    input.current?.focus();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void send();
  };

  return (
    <form className="pin-form" onSubmit={submit} data-testid={testId} noValidate>
      <label className="pin-form__label" htmlFor={`${testId}-pin`}>
        {t('staff.signIn.pin')}
      </label>
      <input
        ref={input}
        id={`${testId}-pin`}
        className="pin-form__input"
        type="password"
        inputMode="numeric"
        autoComplete="off"
        maxLength={8}
        autoFocus={autoFocus}
        value={pin}
        aria-invalid={error !== null}
        aria-describedby={error ? `${testId}-error` : undefined}
        onChange={(e) => {
          setPin(e.target.value.replace(/\D/g, ''));
          setError(null);
        }}
        data-testid={`${testId}.pin`}
      />
      <button type="submit" className="btn btn--primary btn--big" disabled={busy} data-testid={`${testId}.submit`}>
        {busy ? t('staff.signIn.checking') : submitLabel}
      </button>
      {error && (
        <p className="notice notice--error pin-form__error" role="alert" id={`${testId}-error`} data-testid={`${testId}.error`}>
          {error}
        </p>
      )}
    </form>
  );
});
