import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StaffChoice } from '../../app/staffSession';
import { useKiosk } from '../KioskContext';
import { PinForm } from './PinForm';

export interface SignInScreenProps {
  readonly purpose: 'counter' | 'technician';
}

/**
 * The start of a shift: the accounts this machine can sign in (the centre's, pulled with the
 * branch's data) as large choices — arrow keys move, Enter or a tap picks and puts the cursor in
 * the PIN field — then the PIN and Enter. One account only: it is chosen already.
 */
export const SignInScreen = memo(function SignInScreen({ purpose }: SignInScreenProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [choices, setChoices] = useState<StaffChoice[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const pinArea = useRef<HTMLDivElement>(null);

  const pick = useCallback((staffId: string) => {
    setChosen(staffId);
    requestAnimationFrame(() => pinArea.current?.querySelector('input')?.focus());
  }, []);

  useEffect(() => {
    let live = true;
    void app.staff.choices().then((list) => {
      if (!live) return;
      setChoices(list);
      // One account: it is chosen, the cursor waits in the PIN field.
      if (list.length === 1) pick(list[0]!.staffId);
    });
    return () => {
      live = false;
    };
  }, [app, pick]);

  const submit = useCallback(async (pin: string) => (chosen ? app.staff.signIn(chosen, pin) : null), [app, chosen]);

  return (
    <section className="signin" aria-labelledby="signin-title" data-testid="staff.signIn" data-purpose={purpose}>
      <h1 id="signin-title" className="signin__title">
        {t(purpose === 'counter' ? 'staff.signIn.titleCounter' : 'staff.signIn.titleTechnician')}
      </h1>
      <p className="signin__intro">{t(purpose === 'counter' ? 'staff.signIn.introCounter' : 'staff.signIn.introTechnician')}</p>
      {choices !== null && choices.length === 0 ? (
        <p className="notice notice--warn" role="status" data-testid="staff.signIn.none">
          {t('staff.signIn.none')}
        </p>
      ) : (
        <div className="signin__body">
          <div className="signin__who" role="radiogroup" aria-label={t('staff.signIn.who')}>
            {(choices ?? []).map((c, i) => (
              <button
                key={c.staffId}
                type="button"
                role="radio"
                aria-checked={chosen === c.staffId}
                className="signin__choice"
                autoFocus={i === 0 && choices!.length > 1}
                onClick={() => pick(c.staffId)}
                onKeyDown={(e) => {
                  const move = e.key === 'ArrowDown' || e.key === 'ArrowRight' ? 1 : e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? -1 : 0;
                  if (move === 0) return;
                  e.preventDefault();
                  const buttons = [...(e.currentTarget.parentElement?.querySelectorAll('button') ?? [])];
                  buttons[(i + move + buttons.length) % buttons.length]?.focus();
                }}
                data-testid={`staff.signIn.choice.${c.staffId}`}
              >
                <span className="signin__name">{c.name}</span>
                <span className="signin__id">{c.staffId}</span>
              </button>
            ))}
          </div>
          <div ref={pinArea} className="signin__pin">
            <PinForm
              submitLabel={t('staff.signIn.submit')}
              onSubmit={submit}
              blocked={chosen ? null : t('staff.signIn.pickFirst')}
              testId="staff.signIn.form"
            />
          </div>
        </div>
      )}
    </section>
  );
});
