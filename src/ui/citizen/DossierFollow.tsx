import { memo, useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { followStatusKey, followStatusTone, type FollowOutcome } from '../../app/dossierFollow';
import { parseReceiptQr } from '../../domain/followQr';
import type { LookupResponse } from '../../shared/sync';
import { localDate, localHm, viDate } from '../counter/format';
import { useKiosk } from '../KioskContext';
import { OnScreenKeyboard } from '../keyboard/OnScreenKeyboard';
import './follow.css';
import { QrScanner } from './QrScanner';

export interface DossierFollowProps {
  readonly onHome: () => void;
}

type Field = 'code' | 'secret';
type Problem = Exclude<FollowOutcome, { kind: 'found' }> | { kind: 'foreign-qr' };

const CODE_MAX = 40;
const SECRET_MAX = 14;

/**
 * "Theo dõi hồ sơ": the receipt's QR held up to the kiosk camera, or the dossier code and the
 * look-up secret typed on the on-screen keyboard (`code` layout; a physical keyboard works too) →
 * the status from the hub or the centre, in plain words with what to do next, the appointment date
 * and the note. The keys live only in this component's state: leaving (back, idle reset) unmounts
 * it, so nothing typed stays in the DOM or in memory; "Tra cứu hồ sơ khác" clears them.
 */
export const DossierFollow = memo(function DossierFollow({ onHome }: DossierFollowProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [code, setCode] = useState('');
  const [secret, setSecret] = useState('');
  const [field, setField] = useState<Field>('code');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [found, setFound] = useState<LookupResponse | null>(null);
  const asking = useRef(false);

  const ask = useCallback(
    async (c: string, s: string) => {
      if (asking.current) return;
      asking.current = true;
      const end = app.activity.begin();
      setBusy(true);
      setProblem(null);
      try {
        const outcome = await app.follow.lookup(c, s);
        if (outcome.kind === 'found') setFound(outcome.status);
        else setProblem(outcome);
      } finally {
        asking.current = false;
        setBusy(false);
        end();
      }
    },
    [app],
  );

  const onQr = useCallback(
    (text: string) => {
      const keys = parseReceiptQr(text);
      if (keys === null) {
        setProblem({ kind: 'foreign-qr' });
        return;
      }
      setCode(keys.code);
      setSecret(keys.secret);
      void ask(keys.code, keys.secret);
    },
    [ask],
  );

  const again = useCallback(() => {
    setCode('');
    setSecret('');
    setFound(null);
    setProblem(null);
    setField('code');
  }, []);

  const back = (
    <button type="button" className="btn btn--secondary" onClick={onHome} data-testid="follow.back">
      ← {t('follow.back')}
    </button>
  );

  if (found !== null) {
    const key = followStatusKey(found.status);
    return (
      <section className="follow" data-testid="follow.result" data-status={found.status}>
        <div className="lookup__bar">
          {back}
          <h1 className="page-title lookup__title">{t('follow.result.heading')}</h1>
        </div>
        <div className={`follow-status follow-status--${followStatusTone(found.status)}`} role="status">
          <p className="follow-status__title" data-testid="follow.statusTitle">
            {t(`${key}.title`)}
          </p>
          <p className="follow-status__next" data-testid="follow.statusNext">
            {t(`${key}.next`)}
          </p>
        </div>
        <dl className="follow-facts" data-testid="follow.facts">
          <dt>{t('follow.result.code')}</dt>
          <dd data-testid="follow.code">{found.code}</dd>
          {found.appointmentDate !== null && (
            <>
              <dt>{t('follow.result.appointment')}</dt>
              <dd data-testid="follow.appointment">{viDate(found.appointmentDate)}</dd>
            </>
          )}
          {found.note !== '' && (
            <>
              <dt>{t('follow.result.note')}</dt>
              <dd data-testid="follow.note">{found.note}</dd>
            </>
          )}
          <dt>{t('follow.result.updated')}</dt>
          <dd>
            {localHm(found.statusAt, app.branch.utcOffsetMinutes)} {localDate(found.statusAt, app.branch.utcOffsetMinutes)}
          </dd>
        </dl>
        <div className="follow__actions">
          <button type="button" className="btn btn--primary" onClick={again} data-testid="follow.again">
            {t('follow.again')}
          </button>
        </div>
        <p className="follow__privacy">{t('follow.privacy')}</p>
      </section>
    );
  }

  const value = field === 'code' ? code : secret;
  const onKey = field === 'code' ? setCode : setSecret;
  return (
    <section className="follow" data-testid="follow.home" aria-busy={busy}>
      <div className="lookup__bar">
        {back}
        <h1 className="page-title lookup__title">{t('follow.title')}</h1>
      </div>
      <div className="follow__columns">
        <div className="follow__scan">
          <h2>{t('follow.scanTitle')}</h2>
          <QrScanner onText={onQr} label={t('follow.cameraLabel')} unavailable={t('follow.cameraUnavailable')} testId="follow.camera" />
          <p className="follow__hint">{t('follow.scanHint')}</p>
        </div>
        {/* Not a <form>: simple-keyboard's keys are <button>s, which would submit it on every tap. */}
        <div className="follow__type">
          <h2>{t('follow.typeTitle')}</h2>
          <label className="lookup__label" htmlFor="follow-code">
            {t('follow.codeLabel')} <span className="follow__hint">{t('follow.codeHint')}</span>
          </label>
          <input
            id="follow-code"
            className="lookup__input follow__input"
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            maxLength={CODE_MAX}
            value={code}
            aria-current={field === 'code'}
            onFocus={() => setField('code')}
            onChange={(e) => setCode(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && void ask(code, secret)}
            data-testid="follow.codeInput"
          />
          <label className="lookup__label" htmlFor="follow-secret">
            {t('follow.secretLabel')} <span className="follow__hint">{t('follow.secretHint')}</span>
          </label>
          <input
            id="follow-secret"
            className="lookup__input follow__input"
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            maxLength={SECRET_MAX}
            value={secret}
            aria-current={field === 'secret'}
            onFocus={() => setField('secret')}
            onChange={(e) => setSecret(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && void ask(code, secret)}
            data-testid="follow.secretInput"
          />
          <OnScreenKeyboard value={value} onChange={onKey} mode="code" maxLength={field === 'code' ? CODE_MAX : SECRET_MAX} testId="follow.keyboard" />
          {problem !== null && (
            <div className="notice notice--error follow__problem" role="alert" data-testid="follow.problem" data-kind={problem.kind}>
              {problemText(t, problem)}
            </div>
          )}
          <button type="button" className="btn btn--primary follow__submit" disabled={busy} onClick={() => void ask(code, secret)} data-testid="follow.submit">
            {busy ? t('follow.asking') : t('follow.submit')}
          </button>
        </div>
      </div>
      <p className="follow__privacy">{t('follow.privacy')}</p>
    </section>
  );
});

function problemText(t: (key: string, options?: Record<string, unknown>) => string, problem: Problem): string {
  switch (problem.kind) {
    case 'malformed':
      return t(`follow.problem.${problem.problem}`);
    case 'not-found':
      return t('follow.notFound');
    case 'limited':
      return problem.waitSeconds >= 120
        ? t('follow.limitedMinutes', { count: Math.ceil(problem.waitSeconds / 60) })
        : t('follow.limited', { count: problem.waitSeconds });
    case 'offline':
      return t('follow.offline');
    case 'not-enrolled':
      return t('follow.notEnrolled');
    case 'foreign-qr':
      return t('follow.scanForeign');
    case 'failed':
      return t('follow.failed');
  }
}
