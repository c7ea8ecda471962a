/**
 * Resolves once the browser has had the chance to paint what was rendered before the call: after
 * the next animation frame and one task more (the frame is painted between the two). A page whose
 * frames are paused (hidden) resolves after `capMs` at most; where there are no animation frames
 * at all (Node, a worker) it resolves after one task.
 *
 * Used to let a citizen's ticket number reach the screen before the kiosk spends the main thread on
 * the PDF and the print hand-off.
 */
export function afterNextPaint(capMs = 100): Promise<void> {
  return new Promise<void>((resolve) => {
    if (typeof requestAnimationFrame !== 'function') {
      setTimeout(resolve, 0);
      return;
    }
    const cap = setTimeout(resolve, capMs);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(cap);
        resolve();
      }, 0),
    );
  });
}
