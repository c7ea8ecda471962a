import { describe, expect, it, vi } from 'vitest';
import { createSyncBell } from './leader';

describe('the sync bell', () => {
  it('wakes this window and the others while open; a ring after close (a save finishing as the app stops) does nothing and does not throw', async () => {
    const here = vi.fn();
    const there = vi.fn();
    const bell = createSyncBell(here);
    const other = createSyncBell(there);
    bell.ring();
    expect(here).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(there).toHaveBeenCalledTimes(1));
    bell.close();
    expect(() => bell.ring()).not.toThrow();
    expect(here).toHaveBeenCalledTimes(1);
    other.close();
  });
});
