import type { WireError } from '../shared/sync';

/**
 * What the UI shows about sync (status bar, technician diagnostics, staff sync-issues screen).
 *  - not-enrolled: no server credential yet (a technician must enrol the kiosk);
 *  - idle: nothing pending, last run succeeded;  syncing: a run is in progress;
 *  - offline: the browser says there is no network;  backoff: the last run failed, next try at
 *    nextAttemptAt;  stuck: the watchdog saw pending work not move while online for too long;
 *  - refused: the server refused the credential (revoked or unknown): re-enrol.
 */
export const SYNC_STATES = ['not-enrolled', 'idle', 'syncing', 'offline', 'backoff', 'stuck', 'refused'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export interface SyncStatus {
  readonly state: SyncState;
  /** Mutations not yet confirmed by the server. */
  readonly pending: number;
  /** Blobs (scanned documents) not yet verified by the server. */
  readonly pendingBlobs: number;
  /**
   * Of `pending` and `pendingBlobs`: those a branch hub holds and the centre does not have yet
   * (sent, kept here until the centre has them; nothing for anyone at this machine to do).
   */
  readonly pendingAtHub: number;
  readonly pendingBlobsAtHub: number;
  /** Rejected mutations staff have not acknowledged yet. */
  readonly rejected: number;
  /**
   * Scans that have not reached the centre for longer than the stuck threshold despite attempts
   * (shown on the staff sync-issues screen with the reason, and in the heartbeat).
   */
  readonly stuckBlobs: number;
  /** Kiosk clock, ms: the last run that completed without error. */
  readonly lastSuccessAt: number | null;
  readonly lastError: WireError | null;
  readonly nextAttemptAt: number | null;
  /** Blob upload progress of the current run, when uploading. */
  readonly upload: { readonly sentBytes: number; readonly totalBytes: number } | null;
}

export const INITIAL_SYNC_STATUS: SyncStatus = {
  state: 'not-enrolled',
  pending: 0,
  pendingBlobs: 0,
  pendingAtHub: 0,
  pendingBlobsAtHub: 0,
  rejected: 0,
  stuckBlobs: 0,
  lastSuccessAt: null,
  lastError: null,
  nextAttemptAt: null,
  upload: null,
};
