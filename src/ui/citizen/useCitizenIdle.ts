import { useEffect, useRef, useState } from 'react';
import { useKiosk } from '../KioskContext';

/**
 * The citizen kiosk's idle reset. While `active` (the visit left something behind: another screen,
 * a choice, another language), it watches the app's activity tracker (every touch and key anywhere
 * counts, and a task in progress holds it): in the last `countdownMs` of `afterMs` without a touch
 * it returns the seconds left (for the countdown on screen), then calls `onReset` once. A touch
 * during the countdown puts it away. Null otherwise.
 */
export function useCitizenIdle(active: boolean, onReset: () => void): number | null {
  const app = useKiosk();
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const resetRef = useRef(onReset);
  resetRef.current = onReset;

  useEffect(() => {
    if (!active) {
      setSecondsLeft(null);
      return;
    }
    const { afterMs, countdownMs } = app.citizenIdle;
    let done = false;
    const check = (): void => {
      if (done) return;
      const idle = app.activity.idleFor();
      if (idle >= afterMs) {
        done = true;
        resetRef.current();
      } else if (idle >= afterMs - countdownMs) setSecondsLeft(Math.ceil((afterMs - idle) / 1000));
      else setSecondsLeft(null);
    };
    const timer = setInterval(check, 250);
    return () => clearInterval(timer);
  }, [active, app]);

  return active ? secondsLeft : null;
}
