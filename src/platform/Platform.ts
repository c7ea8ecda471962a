import type { KioskBridge } from '../shared/ipc';

/**
 * What differs between the Electron kiosk and a plain browser: printing, printers, device
 * configuration and version. The app talks only to this port; src/platform is the only module that
 * touches the preload bridge (`window.kiosk`).
 */
export interface Platform extends KioskBridge {
  readonly kind: 'electron' | 'browser' | 'fake';
}
