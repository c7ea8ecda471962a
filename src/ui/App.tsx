import { memo, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatLocalDateTime } from '../domain/localDay';
import { CitizenHome } from './citizen/CitizenHome';
import { CounterShell } from './counter/CounterShell';
import { useKiosk } from './KioskContext';
import { StatusBar } from './StatusBar';
import { SignInScreen } from './staff/SignInScreen';
import { useStaffState } from './staff/useStaff';
import { SyncIssuesScreen } from './sync/SyncIssuesScreen';
import { TechnicianHome } from './technician/TechnicianHome';
import { useNow } from './hooks';

export interface AppProps {
  readonly updateReady: boolean;
}

/** The shell: header, the home screen of this device's role, status bar. */
export const App = memo(function App({ updateReady }: AppProps) {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const now = useNow(10_000);
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const toggleLanguage = useCallback(() => {
    void i18n.changeLanguage(lang === 'vi' ? 'en' : 'vi');
  }, [i18n, lang]);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    const touch = (): void => app.activity.touch();
    window.addEventListener('pointerdown', touch, { passive: true });
    window.addEventListener('keydown', touch, { passive: true });
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, [app]);

  // Staff screens can open the sync-issues list; citizens never see it.
  const [screen, setScreen] = useState<'home' | 'issues'>('home');
  // The citizen screens render their help buttons into the status bar (CitizenHome, AccessBar).
  const [accessSlot, setAccessSlot] = useState<HTMLElement | null>(null);
  const openIssues = useCallback(() => setScreen('issues'), []);
  const closeIssues = useCallback(() => setScreen('home'), []);

  const role = app.device.role;
  const staff = role !== 'citizen';
  const session = useStaffState(app.staff);
  // Counters and the technician area need a signed-in member of staff once the branch's accounts
  // reached this machine — from the next start on: accounts that arrive mid-session (the first sync
  // after enrolment) never pull the screen from under a technician or a half-typed dossier.
  const [gated] = useState(() => app.staff.state().required);
  const signIn = staff && gated && session.current === null;
  const clock = formatLocalDateTime(now, app.branch.utcOffsetMinutes);
  return (
    <div className="shell" data-testid="app.shell" data-role={role}>
      <header className="shell__header">
        <div className="shell__emblem" aria-hidden="true">
          ★
        </div>
        <div className="shell__titles">
          <p className="shell__title" data-testid="app.branch">
            {app.branch.name[lang]}
          </p>
          <p className="shell__subtitle">{t(`role.${role}`)}</p>
        </div>
        {staff && session.current && (
          <div className="shell__staff" data-testid="staff.bar">
            <span data-testid="staff.bar.name">{t('staff.bar.signedIn', { name: session.current.name })}</span>
            <button type="button" className="btn btn--secondary btn--small" onClick={() => app.staff.signOut()} data-testid="staff.signOut">
              {t('staff.bar.signOut')}
            </button>
          </div>
        )}
        <div className="shell__clock" data-testid="app.clock">
          {clock.slice(11)}
          <div className="shell__subtitle">{clock.slice(0, 10)}</div>
        </div>
      </header>
      <main className="shell__main">
        {signIn && <SignInScreen purpose={role === 'technician' ? 'technician' : 'counter'} />}
        {role === 'citizen' && <CitizenHome accessSlot={accessSlot} />}
        {staff && !signIn && screen === 'issues' && <SyncIssuesScreen onBack={closeIssues} />}
        {/* Kept mounted under the issues screen: a dossier being received must survive a look at sync issues. */}
        {role === 'counter' && !signIn && (
          <div hidden={screen !== 'home'}>
            <CounterShell onOpenIssues={openIssues} active={screen === 'home'} />
          </div>
        )}
        {role === 'technician' && !signIn && screen === 'home' && <TechnicianHome onOpenIssues={openIssues} />}
      </main>
      <StatusBar
        updateReady={updateReady}
        onToggleLanguage={toggleLanguage}
        onOpenIssues={staff ? openIssues : undefined}
        accessSlotRef={role === 'citizen' ? setAccessSlot : undefined}
      />
    </div>
  );
});
