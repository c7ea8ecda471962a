import type { Platform } from '../platform/Platform';
import type { CounterMark } from '../shared/ipc';

/**
 * Numbers a citizen has seen are never issued again (ticket numbers, dossier codes), even when the
 * kiosk database is lost after its records synced and left the journal file.
 *
 * Before a number is shown, its counter's high-water mark must be on disk beside the journal
 * (electron/journalStore.ts `reserve`, fsync'ed, never trimmed); a restored database continues
 * above it. To keep the fsync off most taps, marks are reserved ahead, the way database sequences
 * cache values: the first number of a block reserves `RESERVE_AHEAD` numbers, the following ones
 * are already covered. After a loss the kiosk continues above the block: up to RESERVE_AHEAD − 1
 * numbers are skipped, none is repeated.
 *
 * A reservation that fails (full disk, a broken shell) does not stop the citizen: the number is
 * shown anyway and `onFailure` records it for the technician, the way a failed journal append is.
 * In the browser build the platform keeps no file: the marks are accepted and not stored.
 */
export const RESERVE_AHEAD = 20;

export interface CounterReservations {
  /** Takes the marks found on disk at start (after a restore they are also the counters' floor). */
  load(marks: readonly CounterMark[]): void;
  /** Resolves once `value` of `key` is covered by a durable mark (or the reservation failed). */
  ensure(mark: CounterMark): Promise<void>;
}

export function createCounterReservations(platform: Pick<Platform, 'journalReserve'>, onFailure: (code: string, detail: string) => void): CounterReservations {
  const reserved = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();

  async function reserve(key: string, upTo: number): Promise<void> {
    const r = await platform.journalReserve({ marks: [{ key, value: upTo }] }).catch((e: unknown) => ({
      ok: false as const,
      error: { code: 'journal.write-failed', detail: e instanceof Error ? e.message : String(e) },
    }));
    if (r.ok) {
      for (const m of r.value.marks) reserved.set(m.key, Math.max(reserved.get(m.key) ?? 0, m.value));
    } else {
      onFailure(r.error.code, r.error.detail);
    }
  }

  return {
    load(marks) {
      for (const m of marks) reserved.set(m.key, Math.max(reserved.get(m.key) ?? 0, m.value));
    },
    async ensure({ key, value }) {
      const covered = (): boolean => (reserved.get(key) ?? 0) >= value;
      if (covered()) return;
      const pending = inFlight.get(key);
      if (pending) {
        await pending;
        // Covered now; or that reservation was for a lower number, or failed: reserve for this one.
        if (covered()) return;
      }
      const p = reserve(key, value + RESERVE_AHEAD - 1).finally(() => {
        if (inFlight.get(key) === p) inFlight.delete(key);
      });
      inFlight.set(key, p);
      await p;
    },
  };
}
