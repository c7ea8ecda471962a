import { callSentence, callWords } from '../domain/callPhrase';
import type { Utterance, VoicePort } from '../platform/voice/VoicePort';
import type { Clock } from '../shared/clock';
import type { QueueBoard } from '../shared/queue';

/**
 * Speaks the board's new calls, one after another.
 *
 * Guarantees:
 * - A call is spoken once: calls are known by `lastCalls[].id` (a recall has its own id, so it is
 *   spoken again). Calls are spoken oldest first, each to its end: a new call waits in the queue,
 *   never cuts off the one being spoken.
 * - No replay of history: the first board after a start only sets what is known. The ids are kept in
 *   `memory` (localStorage) with the time they were saved: a reload within `resumeWindowMs` speaks
 *   what arrived meanwhile, a board reopened later speaks only calls from then on.
 * - While the browser blocks sound, calls wait; once allowed, those older than `staleAfterMs` are
 *   dropped (a hall does not need a call from ten minutes ago).
 */
export type BoardCall = QueueBoard['lastCalls'][number];

export interface AnnouncedMemory {
  load(): { readonly ids: readonly string[]; readonly savedAt: number } | null;
  save(ids: readonly string[], savedAt: number): void;
}

export interface CallAnnouncerDeps {
  readonly voice: VoicePort;
  readonly clock: Clock;
  readonly memory: AnnouncedMemory;
  readonly resumeWindowMs?: number;
  readonly staleAfterMs?: number;
  /** How many ids are remembered (a day's calls at a branch fit many times over in lastCalls' window). */
  readonly rememberIds?: number;
}

export interface AnnouncerState {
  /** The call being spoken. */
  readonly speaking: BoardCall | null;
  readonly queued: readonly BoardCall[];
  /** The sentences handed to the voice, oldest first (the last 50): what the board was asked to say. */
  readonly said: readonly string[];
  /** Calls dropped as stale while sound was blocked. */
  readonly dropped: number;
}

export interface CallAnnouncer {
  /** Hand it each board's `lastCalls` (newest first, as the contract sends them). */
  offer(lastCalls: readonly BoardCall[]): void;
  state(): AnnouncerState;
  onChange(listener: () => void): () => void;
  /** Resolves when nothing is queued or being spoken (tests, and a reload waiting for quiet). */
  idle(): Promise<void>;
  stop(): void;
}

/** The utterance for a call: chime, "Mời khách hàng số …, đến quầy số …". */
export function utteranceFor(call: Pick<BoardCall, 'number' | 'counter'>): Utterance {
  const words = callWords(call.number, call.counter);
  return { chime: true, text: callSentence(words), clips: words.map((w) => w.clip) };
}

export function createCallAnnouncer(deps: CallAnnouncerDeps): CallAnnouncer {
  const resumeWindowMs = deps.resumeWindowMs ?? 90_000;
  const staleAfterMs = deps.staleAfterMs ?? 120_000;
  const rememberIds = deps.rememberIds ?? 500;
  const known: string[] = [];
  const knownSet = new Set<string>();
  const queue: { call: BoardCall; receivedAt: number }[] = [];
  const listeners = new Set<() => void>();
  let first = true;
  let speaking: BoardCall | null = null;
  let said: string[] = [];
  let dropped = 0;
  let pumping = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const emit = (): void => {
    for (const l of listeners) l();
  };
  const remember = (id: string): void => {
    if (knownSet.has(id)) return;
    knownSet.add(id);
    known.push(id);
    while (known.length > rememberIds) knownSet.delete(known.shift() as string);
  };
  const settleIdle = (): void => {
    if (queue.length > 0 || speaking !== null) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  let wake: (() => void) | null = null;
  const waitForSound = (): Promise<void> =>
    new Promise((resolve) => {
      const off = deps.voice.onGateChange((g) => {
        if (g === 'allowed') done();
      });
      const done = (): void => {
        off();
        wake = null;
        resolve();
      };
      wake = done;
      // Allowed between the check and the subscription: no change event will come.
      if (deps.voice.gate() === 'allowed') done();
    });

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && !stopped) {
        if (deps.voice.gate() === 'blocked') {
          await waitForSound();
          continue;
        }
        const next = queue.shift() as { call: BoardCall; receivedAt: number };
        if (deps.clock.now() - next.receivedAt > staleAfterMs) {
          dropped++;
          emit();
          continue;
        }
        speaking = next.call;
        const utterance = utteranceFor(next.call);
        said = [...said, utterance.text].slice(-50);
        emit();
        const outcome = await deps.voice.say(utterance);
        speaking = null;
        // Blocked before a sound came out: the call goes back to the front and waits for sound.
        if (outcome === 'blocked') {
          said = said.slice(0, -1);
          queue.unshift(next);
        }
        emit();
      }
    } finally {
      pumping = false;
      settleIdle();
    }
  }

  return {
    offer(lastCalls) {
      if (stopped) return;
      const now = deps.clock.now();
      if (first) {
        first = false;
        const saved = deps.memory.load();
        if (saved === null || now - saved.savedAt > resumeWindowMs || now < saved.savedAt) {
          // A fresh start: everything on this first board is history.
          for (const c of [...lastCalls].reverse()) remember(c.id);
        } else {
          for (const id of saved.ids) remember(id);
        }
      }
      const fresh = [...lastCalls].reverse().filter((c) => !knownSet.has(c.id));
      for (const c of fresh) {
        remember(c.id);
        queue.push({ call: c, receivedAt: now });
      }
      deps.memory.save(known, now);
      if (fresh.length > 0) emit();
      void pump();
    },
    state: () => ({ speaking, queued: queue.map((q) => q.call), said, dropped }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    stop() {
      stopped = true;
      queue.length = 0;
      wake?.();
      settleIdle();
    },
  };
}

/** `AnnouncedMemory` over localStorage, one key per branch. A broken or full storage only costs the resume. */
export function storageMemory(storage: Storage, branch: string): AnnouncedMemory {
  const key = `hpasc-board-announced:${branch}`;
  return {
    load() {
      try {
        const raw = storage.getItem(key);
        if (raw === null) return null;
        const parsed = JSON.parse(raw) as unknown;
        if (
          typeof parsed === 'object' &&
          parsed !== null &&
          Array.isArray((parsed as { ids?: unknown }).ids) &&
          typeof (parsed as { savedAt?: unknown }).savedAt === 'number'
        ) {
          const { ids, savedAt } = parsed as { ids: unknown[]; savedAt: number };
          return { ids: ids.filter((x): x is string => typeof x === 'string'), savedAt };
        }
        return null;
      } catch {
        return null;
      }
    },
    save(ids, savedAt) {
      try {
        storage.setItem(key, JSON.stringify({ ids, savedAt }));
      } catch {
        // Private mode or a full disk: the next reload starts fresh instead of resuming.
      }
    },
  };
}
