import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DISK_SAMPLE_INTERVAL_MS, DiskWatcher, thresholdFromEnv, type StatFsLike } from '../../electron/diskWatcher';
import { DEFAULT_MIN_FREE_DISK_BYTES } from '../../src/shared/ipc';

const MIB = 1024 * 1024;
const stat = (freeMiB: number, totalMiB = 100_000): StatFsLike => ({ bsize: 4096, blocks: (totalMiB * MIB) / 4096, bavail: (freeMiB * MIB) / 4096 });

describe('thresholdFromEnv', () => {
  it('defaults to 512 MiB', () => {
    expect(DEFAULT_MIN_FREE_DISK_BYTES).toBe(512 * MIB);
    expect(thresholdFromEnv({})).toBe(512 * MIB);
    expect(thresholdFromEnv({ KIOSK_MIN_FREE_DISK_MB: ' ' })).toBe(512 * MIB);
  });
  it('reads KIOSK_MIN_FREE_DISK_MB', () => {
    expect(thresholdFromEnv({ KIOSK_MIN_FREE_DISK_MB: '2048' })).toBe(2048 * MIB);
  });
  it.each(['-5', '0', '1.5', 'lots', '1e400', '9999999999'])('ignores %s with a log line', (value) => {
    const logs: string[] = [];
    expect(thresholdFromEnv({ KIOSK_MIN_FREE_DISK_MB: value }, (m) => logs.push(m))).toBe(512 * MIB);
    expect(logs).toHaveLength(1);
  });
});

describe('DiskWatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports free, total and low from statfs', async () => {
    const watcher = new DiskWatcher({ dir: '/data', thresholdBytes: 512 * MIB, statfs: async () => stat(2000, 10_000) });
    expect(await watcher.sample()).toEqual({ ok: true, value: { freeBytes: 2000 * MIB, totalBytes: 10_000 * MIB, thresholdBytes: 512 * MIB, low: false } });
    expect(watcher.last?.low).toBe(false);
  });

  it('logs once each time the threshold is crossed, either way', async () => {
    let free = 2000;
    const logs: string[] = [];
    const watcher = new DiskWatcher({ dir: '/data', thresholdBytes: 512 * MIB, statfs: async () => stat(free), log: (m) => logs.push(m) });
    await watcher.sample();
    expect(logs).toEqual([]);
    free = 511;
    expect(await watcher.sample()).toMatchObject({ ok: true, value: { low: true, freeBytes: 511 * MIB } });
    free = 300;
    await watcher.sample();
    expect(logs).toEqual(['disk low: 511 MiB free of 100000 MiB, below 512 MiB; new capture is refused']);
    free = 512;
    expect(await watcher.sample()).toMatchObject({ ok: true, value: { low: false } });
    free = 4000;
    await watcher.sample();
    expect(logs).toHaveLength(2);
    expect(logs[1]).toBe('disk recovered: 512 MiB free of 100000 MiB, above 512 MiB');
  });

  it('logs a disk that is already low at the first sample', async () => {
    const logs: string[] = [];
    await new DiskWatcher({ dir: '/data', thresholdBytes: 512 * MIB, statfs: async () => stat(10), log: (m) => logs.push(m) }).sample();
    expect(logs).toHaveLength(1);
  });

  it('answers disk.unavailable when statfs fails', async () => {
    const watcher = new DiskWatcher({
      dir: '/data',
      thresholdBytes: 1,
      statfs: () => Promise.reject(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' })),
    });
    expect(await watcher.sample()).toMatchObject({ ok: false, error: { code: 'disk.unavailable' } });
    expect(watcher.last).toBeNull();
  });

  it('samples at start and every 30 s until stopped', async () => {
    vi.useFakeTimers();
    const statfs = vi.fn(async () => stat(1000));
    const watcher = new DiskWatcher({ dir: '/data', thresholdBytes: 512 * MIB, statfs });
    watcher.start();
    watcher.start();
    expect(statfs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(DISK_SAMPLE_INTERVAL_MS * 3);
    expect(statfs).toHaveBeenCalledTimes(4);
    watcher.stop();
    await vi.advanceTimersByTimeAsync(DISK_SAMPLE_INTERVAL_MS * 3);
    expect(statfs).toHaveBeenCalledTimes(4);
  });

  it('reads the real file system by default', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-disk-test-'));
    try {
      const r = await new DiskWatcher({ dir, thresholdBytes: 0 }).sample();
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.value.totalBytes).toBeGreaterThan(0);
        expect(r.value.freeBytes).toBeLessThanOrEqual(r.value.totalBytes);
        expect(r.value.low).toBe(false);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
