import fs from 'node:fs/promises';
import { DEFAULT_MIN_FREE_DISK_BYTES, type DiskStatus } from '../src/shared/ipc';
import { describeUnknown, err, ok, type Result } from '../src/shared/result';

/**
 * Free-disk watch for the userData folder (DESIGN.md, "How Electron apps lose IndexedDB": Chromium
 * resets IndexedDB when the disk fills up, so the kiosk refuses new capture before that happens).
 *
 * Guarantees: `sample()` never throws (a failed statfs is `disk.unavailable`); the watcher samples
 * every 30 s and on demand, and logs once each time free space crosses the threshold (either way),
 * with sizes only. The timer is unref'ed so it never keeps the process alive.
 */

export const DISK_SAMPLE_INTERVAL_MS = 30_000;
const MIB = 1024 * 1024;

/** The threshold from `KIOSK_MIN_FREE_DISK_MB` (a positive whole number of MiB), else 512 MiB. */
export function thresholdFromEnv(env: Readonly<Record<string, string | undefined>>, log: (message: string) => void = () => undefined): number {
  const raw = env.KIOSK_MIN_FREE_DISK_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MIN_FREE_DISK_BYTES;
  const mb = Number(raw.trim());
  if (!Number.isSafeInteger(mb) || mb <= 0 || mb > 1024 * 1024) {
    log(`KIOSK_MIN_FREE_DISK_MB=${JSON.stringify(raw.slice(0, 20))} is not a positive whole number of MiB; using ${DEFAULT_MIN_FREE_DISK_BYTES / MIB} MiB`);
    return DEFAULT_MIN_FREE_DISK_BYTES;
  }
  return mb * MIB;
}

/** The part of fs.statfs this module reads. */
export interface StatFsLike {
  readonly bsize: number;
  readonly blocks: number;
  readonly bavail: number;
}

export interface DiskWatcherOptions {
  readonly dir: string;
  readonly thresholdBytes: number;
  readonly statfs?: (dir: string) => Promise<StatFsLike>;
  readonly log?: (message: string) => void;
  readonly intervalMs?: number;
}

export class DiskWatcher {
  private timer: ReturnType<typeof setInterval> | null = null;
  private wasLow: boolean | null = null;
  private lastStatus: DiskStatus | null = null;
  private readonly statfs: (dir: string) => Promise<StatFsLike>;
  private readonly log: (message: string) => void;

  constructor(private readonly options: DiskWatcherOptions) {
    this.statfs = options.statfs ?? ((dir) => fs.statfs(dir));
    this.log = options.log ?? (() => undefined);
  }

  /** The latest successful sample, or null before the first one. */
  get last(): DiskStatus | null {
    return this.lastStatus;
  }

  async sample(): Promise<Result<DiskStatus>> {
    try {
      const stats = await this.statfs(this.options.dir);
      // bavail (not bfree): the blocks an unprivileged process like the kiosk can still use.
      const freeBytes = Math.max(0, Math.floor(stats.bavail * stats.bsize));
      const totalBytes = Math.max(0, Math.floor(stats.blocks * stats.bsize));
      const thresholdBytes = this.options.thresholdBytes;
      const status: DiskStatus = { freeBytes, totalBytes, thresholdBytes, low: freeBytes < thresholdBytes };
      this.noteCrossing(status);
      this.lastStatus = status;
      return ok(status);
    } catch (e) {
      return err('disk.unavailable', `free space of the data folder is unknown: ${describeUnknown(e)}`);
    }
  }

  start(): void {
    if (this.timer !== null) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs ?? DISK_SAMPLE_INTERVAL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private noteCrossing(status: DiskStatus): void {
    const free = `${Math.floor(status.freeBytes / MIB)} MiB free of ${Math.floor(status.totalBytes / MIB)} MiB`;
    const limit = `${Math.floor(status.thresholdBytes / MIB)} MiB`;
    if (status.low && this.wasLow !== true) this.log(`disk low: ${free}, below ${limit}; new capture is refused`);
    else if (!status.low && this.wasLow === true) this.log(`disk recovered: ${free}, above ${limit}`);
    this.wasLow = status.low;
  }
}
