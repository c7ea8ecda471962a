/**
 * A machine of the branch following the queue's pokes (GET /v1/queue/events, server-sent events)
 * as the board and the counters do: each `queue` event makes it read again; events that arrive
 * while a read is under way make one more read after it, not one each.
 */
export function followQueuePokes(
  baseUrl: string,
  branch: string,
  read: (signal: AbortSignal) => Promise<void>,
  hooks: { onPoke?: () => void; onError: (error: unknown) => void },
): { stop(): void; ready: Promise<void> } {
  const controller = new AbortController();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let reading = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        await read(controller.signal);
      } while (again && !controller.signal.aborted);
    } finally {
      reading = false;
    }
  };
  void (async () => {
    const res = await fetch(`${baseUrl}/v1/queue/events?branch=${branch}`, { signal: controller.signal });
    if (!res.body) throw new Error('the event stream has no body');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    markReady();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (event.includes('event: queue')) {
          hooks.onPoke?.();
          void refresh().catch((e: unknown) => {
            if (!controller.signal.aborted) hooks.onError(e);
          });
        }
      }
    }
  })().catch((e: unknown) => {
    if (!controller.signal.aborted) hooks.onError(e);
  });
  return { stop: () => controller.abort(), ready };
}
