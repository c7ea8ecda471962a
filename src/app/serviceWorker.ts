import { Workbox } from 'workbox-window';
import type { ActivityTracker } from './ActivityTracker';

/**
 * Registers the Workbox-generated service worker that keeps the app shell available offline. The
 * service worker is for the shell only: records never go through it (Workbox background sync is
 * not the outbox). A new version waits until the kiosk is idle, then takes over and reloads.
 */
export function registerServiceWorker(activity: ActivityTracker, onUpdateReady: () => void): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  wb.addEventListener('waiting', () => {
    onUpdateReady();
    activity.whenIdle(() => {
      wb.addEventListener('controlling', () => location.reload());
      wb.messageSkipWaiting();
    });
  });
  wb.register().catch((e: unknown) => {
    // No service worker means no offline reload, but the kiosk itself keeps working.
    console.warn('service worker registration failed', e);
  });
}
