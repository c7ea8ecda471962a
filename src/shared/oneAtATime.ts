/**
 * Tasks that never overlap: each starts when the one before it settled (whatever its outcome), in
 * the order they were handed over. Where a task reads a state and writes from it, two side by side
 * would read the same state: the hub's relay, mirror and heartbeat passes (run on timers and called
 * directly), the counter's queue actions (a bouncing pedal's second "next"), the PIN check (guesses
 * sent at once each counted).
 */
export function taskLine(): <T>(task: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = last.then(task);
    last = run.catch(() => undefined);
    return run;
  };
}

/** `pass` wrapped so that its calls never overlap (see taskLine). */
export function oneAtATime<T>(pass: () => Promise<T>): () => Promise<T> {
  const line = taskLine();
  return () => line(pass);
}
