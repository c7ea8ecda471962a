import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { KioskApp } from '../app/KioskApp';
import { INITIAL_SYNC_STATUS, type SyncService } from '../app/syncService';
import { useKiosk } from './KioskContext';

/** The UI may not import src/sync or src/storage (lint zones): their types are read off the service. */
export type SyncStatus = Parameters<Parameters<SyncService['watchStatus']>[0]>[0];
export type SyncIssue = Awaited<ReturnType<SyncService['listIssues']>>[number];
export type StuckScan = Awaited<ReturnType<SyncService['listStuckScans']>>[number];

/** What the staff sync-issues screen lists: refused records and scans failing for too long. */
export function openIssueCount(status: Pick<SyncStatus, 'rejected' | 'stuckBlobs'>): number {
  return status.rejected + status.stuckBlobs;
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = (): void => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/** Subscribes to a watch function (returns unsubscribe) and keeps its latest value. */
export function useWatch<T>(watch: (onChange: (value: T) => void) => () => void, initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => watch(setValue), [watch]);
  return value;
}

/** The time now from the app's clock port, read again every `intervalMs`. */
export function useNow(intervalMs: number): number {
  const app = useKiosk();
  const [now, setNow] = useState(() => app.now());
  useEffect(() => {
    const id = setInterval(() => setNow(app.now()), intervalMs);
    return () => clearInterval(id);
  }, [app, intervalMs]);
  return now;
}

/**
 * The sync service's status, live (status bar, technician and sync-issues screens). The pending
 * count comes from the outbox's own live query: the service re-reads its figures only when its
 * loop runs, and while offline or not enrolled it does not run, yet a save must show at once.
 */
export function useSyncStatus(app: KioskApp): SyncStatus {
  const watch = useCallback((cb: (s: SyncStatus) => void) => app.sync.watchStatus(cb), [app]);
  const status = useWatch<SyncStatus>(watch, INITIAL_SYNC_STATUS);
  const watchPending = useCallback((cb: (n: number) => void) => app.watchPending(cb), [app]);
  const pending = useWatch<number | null>(watchPending, null);
  return useMemo(() => (pending === null || Number.isNaN(pending) ? status : { ...status, pending }), [status, pending]);
}

/** Escape goes back: screens opened over a home screen (officers expect it). */
export function useEscapeToGoBack(onBack: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onBack();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onBack]);
}

/**
 * A handler that runs once at a time: a call while one runs is dropped. For handlers that write,
 * print, send or count: a `busy` state reaches the handler's closure only with the next render, and
 * two clicks, Enter presses or pedal presses can come before it (a double tap issued two tickets).
 * The returned function is stable; it always runs the latest `handler`.
 */
export function useSingleFlight<A extends unknown[]>(handler: (...args: A) => Promise<unknown> | unknown): (...args: A) => Promise<void> {
  const running = useRef(false);
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  return useCallback(async (...args: A) => {
    if (running.current) return;
    running.current = true;
    try {
      await latest.current(...args);
    } finally {
      running.current = false;
    }
  }, []);
}
