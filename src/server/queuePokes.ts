import { EventEmitter } from 'node:events';
import type { Db } from './db/Db';
import { QUEUE_NOTIFY_CHANNEL } from './queue';

/**
 * Who hears that a branch's queue changed. Every change commits a `pg_notify` (queue.ts); this
 * listens on the database (Db.listen) and fans the pokes out to the SSE streams of this process.
 * On PostgreSQL one LISTEN connection per replica hears the changes of every replica; on PGlite
 * the single process hears itself. A poke carries the day's version only: clients re-fetch.
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

export function queuePokes(db: Db, onError: (e: unknown) => void): QueuePokes {
  const emitter = new EventEmitter();
  // One listener per open stream; the cap on streams (queueRoutes.ts) bounds them instead.
  emitter.setMaxListeners(0);
  let stopListening: (() => Promise<void>) | null = null;
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
            emitter.emit(p.branch, { day: p.day, version: p.version });
          }
        } catch (e) {
          onError(e);
        }
      });
    },
    async stop() {
      const stop = stopListening;
      stopListening = null;
      emitter.removeAllListeners();
      await stop?.();
    },
  };
}
