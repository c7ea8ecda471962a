import { describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../shared/clock';
import { ActivityTracker } from './ActivityTracker';

describe('ActivityTracker', () => {
  it('waits for the end of a task and for quiet before running an idle action', () => {
    const clock = fixedClock(0);
    const tracker = new ActivityTracker(clock, 60_000, 1_000_000);
    const apply = vi.fn();
    const end = tracker.begin();
    tracker.whenIdle(apply);
    clock.advance(10 * 60_000);
    tracker.check();
    expect(apply).not.toHaveBeenCalled(); // a citizen is mid-ticket
    end();
    tracker.check();
    expect(apply).not.toHaveBeenCalled(); // just finished: not idle yet
    clock.advance(30_000);
    tracker.touch(); // someone taps again
    clock.advance(59_000);
    tracker.check();
    expect(apply).not.toHaveBeenCalled();
    clock.advance(1_000);
    tracker.check();
    expect(apply).toHaveBeenCalledOnce();
  });

  it('ignores a task ended twice', () => {
    const clock = fixedClock(0);
    const tracker = new ActivityTracker(clock, 1000, 1_000_000);
    const endA = tracker.begin();
    const endB = tracker.begin();
    endA();
    endA();
    clock.advance(5000);
    expect(tracker.isIdle()).toBe(false);
    endB();
    clock.advance(1000);
    expect(tracker.isIdle()).toBe(true);
  });

  it('idleFor: time since the last touch, 0 while a task holds the kiosk (the citizen idle reset reads it)', () => {
    const clock = fixedClock(0);
    const tracker = new ActivityTracker(clock);
    clock.advance(12_000);
    expect(tracker.idleFor()).toBe(12_000);
    tracker.touch();
    expect(tracker.idleFor()).toBe(0);
    const end = tracker.begin();
    clock.advance(90_000);
    expect(tracker.idleFor()).toBe(0);
    end();
    clock.advance(3_000);
    expect(tracker.idleFor()).toBe(3_000);
  });
});
