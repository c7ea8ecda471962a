import { afterNextPaint } from './afterNextPaint';

/**
 * Resolves once the page has painted and then has an idle moment: after the next paint
 * (afterNextPaint), the next `requestIdleCallback`, or `timeoutMs` at most when the page stays busy
 * (a frame-paused, hidden page resolves after afterNextPaint's cap plus `timeoutMs`). Where there is
 * no `requestIdleCallback` (Node, Safari) it resolves one task after the paint.
 *
 * Used to fetch and evaluate chunks the first screen does not need (the PDF engine) only after that
 * screen is up, while still ahead of the first tap.
 */
export function afterIdle(timeoutMs = 2000): Promise<void> {
  return afterNextPaint().then(
    () =>
      new Promise<void>((resolve) => {
        if (typeof requestIdleCallback !== 'function') {
          setTimeout(resolve, 0);
          return;
        }
        requestIdleCallback(() => resolve(), { timeout: timeoutMs });
      }),
  );
}
