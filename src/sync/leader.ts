/**
 * One sync engine per device, however many windows are open (DESIGN.md, "Loop"): the window holding
 * the Web Lock runs the loop; the others wait in the lock's queue and take over when it closes or
 * crashes (the browser releases a dead holder's lock). Saves in any window wake the leader through
 * a BroadcastChannel.
 */
export const SYNC_LOCK_NAME = 'hpasc-kiosk-sync-leader';
export const SYNC_CHANNEL_NAME = 'hpasc-kiosk-sync';

export interface LeaderHandle {
  /** Resolves when this window became the leader (never, if released before). */
  readonly elected: Promise<void>;
  release(): void;
}

/**
 * Asks to lead. Where Web Locks are missing (old runtimes, Node tests) this window leads alone,
 * which is right for a single-window kiosk.
 */
export function requestLeadership(locks: LockManager | undefined = globalThis.navigator?.locks): LeaderHandle {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  if (!locks) return { elected: Promise.resolve(), release };
  let elect!: () => void;
  const elected = new Promise<void>((resolve) => {
    elect = resolve;
  });
  void locks
    .request(SYNC_LOCK_NAME, { mode: 'exclusive' }, async () => {
      elect();
      await held;
    })
    .catch(() => undefined);
  return { elected, release };
}

/**
 * Tells the leader (in whichever window) that something was saved. A ring after `close` (a save
 * whose follow-up runs as the app shuts down) does nothing: it must not throw where the journal
 * copy of that save is still to be written.
 */
export function createSyncBell(onRing: () => void): { ring(): void; close(): void } {
  let closed = false;
  if (typeof BroadcastChannel === 'undefined') {
    return {
      ring: () => {
        if (!closed) onRing();
      },
      close: () => {
        closed = true;
      },
    };
  }
  const channel = new BroadcastChannel(SYNC_CHANNEL_NAME);
  channel.onmessage = () => onRing();
  return {
    ring() {
      if (closed) return;
      onRing();
      channel.postMessage('saved');
    },
    close: () => {
      closed = true;
      channel.close();
    },
  };
}
