/**
 * A promise to wait on (`next()`), settled and replaced on every `wake()`: take `next()` before
 * looking at what may change, then wait on it, and a wake in between is not missed.
 */
export function signal(): { next(): Promise<void>; wake(): void } {
  let resolve!: () => void;
  let current = new Promise<void>((r) => (resolve = r));
  return {
    next: () => current,
    wake() {
      resolve();
      current = new Promise<void>((r) => (resolve = r));
    },
  };
}
