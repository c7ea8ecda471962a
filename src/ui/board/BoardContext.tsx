import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { BoardApp } from '../../app/boardApp';
import type { BoardFeedState } from '../../app/boardFeed';
import type { AnnouncerState } from '../../app/callAnnouncer';
import type { AudioGate } from '../../app/boardApp';

export const BoardContext = createContext<BoardApp | null>(null);

/** The display board's app: the one way a board component reaches data, voice and time. */
export function useBoard(): BoardApp {
  const app = useContext(BoardContext);
  if (!app) throw new Error('useBoard() outside <BoardContext.Provider>');
  return app;
}

export function useBoardFeed(): BoardFeedState {
  const { feed } = useBoard();
  const subscribe = useCallback((onChange: () => void) => feed.onChange(onChange), [feed]);
  return useSyncExternalStore(subscribe, feed.state);
}

export function useAnnouncer(): AnnouncerState {
  const { announcer } = useBoard();
  const subscribe = useCallback((onChange: () => void) => announcer.onChange(onChange), [announcer]);
  // state() builds a new object per call: keep one snapshot per change, as useSyncExternalStore needs.
  const [snapshot, setSnapshot] = useState(() => announcer.state());
  useEffect(() => subscribe(() => setSnapshot(announcer.state())), [announcer, subscribe]);
  return snapshot;
}

export function useAudioGate(): AudioGate {
  const { voice } = useBoard();
  const subscribe = useCallback((onChange: () => void) => voice.onGateChange(onChange), [voice]);
  return useSyncExternalStore(subscribe, voice.gate);
}

/** The board's clock, from the app (never the system clock: tests control it). */
export function useBoardNow(intervalMs: number): number {
  const app = useBoard();
  const [now, setNow] = useState(() => app.now());
  useEffect(() => {
    const id = setInterval(() => setNow(app.now()), intervalMs);
    return () => clearInterval(id);
  }, [app, intervalMs]);
  return now;
}
