import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterIdle } from './afterIdle';

describe('afterIdle', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('resolves where there is neither requestAnimationFrame nor requestIdleCallback (Node)', async () => {
    await expect(afterIdle()).resolves.toBeUndefined();
  });

  it('waits for the paint, then for an idle callback, with the timeout handed to the browser', async () => {
    vi.useFakeTimers();
    const frames: FrameRequestCallback[] = [];
    const idle: { callback: IdleRequestCallback; timeout: number | undefined }[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback));
    vi.stubGlobal('requestIdleCallback', (callback: IdleRequestCallback, options?: IdleRequestOptions) => idle.push({ callback, timeout: options?.timeout }));
    let done = false;
    void afterIdle(1500).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(50);
    expect(idle).toHaveLength(0);
    frames[0]!(performance.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toHaveLength(1);
    expect(idle[0]!.timeout).toBe(1500);
    expect(done).toBe(false);
    idle[0]!.callback({ didTimeout: false, timeRemaining: () => 10 });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(done).toBe(true);
  });
});
