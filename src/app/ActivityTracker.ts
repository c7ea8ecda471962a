import type { Clock } from '../shared/clock';

/**
 * Knows whether someone is using the kiosk. A task (a ticket being printed, a dossier being
 * captured) holds the kiosk busy until it ends; otherwise the kiosk is idle once nobody touched it
 * for `idleAfterMs`. New app versions are applied only when idle, never under someone's fingers.
 */
export class ActivityTracker {
  private busy = 0;
  private lastTouch: number;
  private readonly waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly idleAfterMs = 60_000,
    private readonly pollMs = 5_000,
  ) {
    this.lastTouch = clock.now();
  }

  touch(): void {
    this.lastTouch = this.clock.now();
  }

  /** Marks the start of a task; call the returned function when it ends (once). */
  begin(): () => void {
    this.busy++;
    this.touch();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.busy--;
      this.touch();
    };
  }

  /** A task holds the kiosk busy (someone is taking a ticket, capturing a dossier…). */
  isBusy(): boolean {
    return this.busy > 0;
  }

  /** How long nobody touched the kiosk, in ms; 0 while a task holds it busy. */
  idleFor(): number {
    return this.busy > 0 ? 0 : Math.max(0, this.clock.now() - this.lastTouch);
  }

  isIdle(): boolean {
    return this.busy === 0 && this.clock.now() - this.lastTouch >= this.idleAfterMs;
  }

  /** Runs `action` at the first idle moment (checked every pollMs). */
  whenIdle(action: () => void): void {
    this.waiters.push(action);
    this.timer ??= setInterval(() => this.check(), this.pollMs);
  }

  check(): void {
    if (!this.isIdle()) return;
    const due = this.waiters.splice(0);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const action of due) action();
  }
}
