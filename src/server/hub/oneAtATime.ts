/**
 * Wraps a pass so that calls never overlap: each starts when the one before it settled (whatever
 * its outcome). The hub's relay, mirror and heartbeat run on timers and are also called directly
 * (tests, a link that came back); two passes side by side would send the same batch twice.
 */
export function oneAtATime<T>(pass: () => Promise<T>): () => Promise<T> {
  let lock: Promise<unknown> = Promise.resolve();
  return () => {
    const run = lock.then(pass, pass);
    lock = run.catch(() => undefined);
    return run;
  };
}
