import { EventEmitter } from 'node:events';
import type { Db } from './db/Db';
import { QUEUE_NOTIFY_CHANNEL } from './queue';

/**
 * Who hears that a branch's queue changed. Every change commits a `pg_notify` (queue.ts); this
 * listens on the database (Db.listen) and fans the pokes out to the SSE streams of this process.
 * On PostgreSQL one LISTEN connection per replica hears the changes of every replica; on PGlite
 * the single process hears itself. A poke carries the day's version only: clients re-fetch.
 *
 * A busy branch changes its queue many times a second (every call, serve, finish and ticket), and
 * every board and desk re-reads on every poke. Pokes of one branch's day are spaced: the first
 * after a quiet spell goes at once, the ones that follow within `spacingMs` become one poke with
 * the latest version at the end of the spell, sent to every stream of the branch at the same
 * moment (so their reads share one computed answer: queueRoutes.ts). A change is never held back
 * more than `spacingMs` and the last one is always poked.
 */
export interface QueuePoke {
  readonly day: string;
  /** Null after the listening connection was lost and restored: something may have changed. */
  readonly version: number | null;
}

export interface QueuePokes {
  /** Calls fn for each change of this branch's queue; returns the unsubscribe. */
  subscribe(branchCode: string, fn: (poke: QueuePoke) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const EVERY_BRANCH = '*';

/** How far apart the pokes of one branch's day go out at most (see above). */
export const POKE_SPACING_MS = 100;

export function queuePokes(db: Db, onError: (e: unknown) => void, spacingMs: number = POKE_SPACING_MS): QueuePokes {
  const emitter = new EventEmitter();
  // One listener per open stream; the cap on streams (queueRoutes.ts) bounds them instead.
  emitter.setMaxListeners(0);
  let stopListening: (() => Promise<void>) | null = null;
  /** Per branch and day: when its last poke went, and the one waiting for the spell to end. */
  const spells = new Map<string, { sentAt: number; held: { branch: string; poke: QueuePoke; timer: NodeJS.Timeout } | null }>();
  const send = (branch: string, poke: QueuePoke): void => {
    const key = `${branch}\u0000${poke.day}`;
    const now = performance.now();
    const spell = spells.get(key);
    if (spell?.held) {
      if (poke.version !== null && (spell.held.poke.version === null || poke.version > spell.held.poke.version)) spell.held.poke = poke;
      return;
    }
    if (!spell || now - spell.sentAt >= spacingMs) {
      if (spells.size >= 10_000) for (const [k, v] of spells) if (!v.held && now - v.sentAt >= spacingMs) spells.delete(k);
      spells.set(key, { sentAt: now, held: null });
      emitter.emit(branch, poke);
      return;
    }
    const timer = setTimeout(
      () => {
        const held = spell.held!;
        spell.held = null;
        spell.sentAt = performance.now();
        emitter.emit(held.branch, held.poke);
      },
      spacingMs - (now - spell.sentAt),
    );
    spell.held = { branch, poke, timer };
  };
  return {
    subscribe(branchCode, fn) {
      const onBranch = (p: QueuePoke) => fn(p);
      emitter.on(branchCode, onBranch);
      emitter.on(EVERY_BRANCH, onBranch);
      return () => {
        emitter.off(branchCode, onBranch);
        emitter.off(EVERY_BRANCH, onBranch);
      };
    },
    async start() {
      if (!db.listen || stopListening) return;
      stopListening = await db.listen(QUEUE_NOTIFY_CHANNEL, (payload) => {
        if (payload === '') {
          emitter.emit(EVERY_BRANCH, { day: '', version: null });
          return;
        }
        try {
          const p = JSON.parse(payload) as { branch?: unknown; day?: unknown; version?: unknown };
          if (typeof p.branch === 'string' && typeof p.day === 'string' && typeof p.version === 'number') {
            send(p.branch, { day: p.day, version: p.version });
          }
        } catch (e) {
          onError(e);
        }
      });
    },
    async stop() {
      const stop = stopListening;
      stopListening = null;
      for (const spell of spells.values()) if (spell.held) clearTimeout(spell.held.timer);
      spells.clear();
      emitter.removeAllListeners();
      await stop?.();
    },
  };
}
