import { useEffect, useRef } from 'react';
import { createKeyboardWedgeDetector, type WedgeEvent } from '../../app/capture';

/** After this much silence a burst without Enter/Tab suffix is over (the detector's endPauseMs is 60). */
const IDLE_CHECK_MS = 80;

function editableTarget(): HTMLInputElement | HTMLTextAreaElement | null {
  const el = document.activeElement;
  if (el instanceof HTMLTextAreaElement) return el;
  if (el instanceof HTMLInputElement && ['text', 'search', 'tel', 'email', 'number', 'url', ''].includes(el.type)) return el;
  return null;
}

/** Input types with a caret the page can read and edit (email and number have none: setRangeText throws). */
const WITH_SELECTION = new Set(['text', 'search', 'tel', 'url', '']);

/** Edits the focused field as typing would, so a React-controlled input sees an ordinary change. */
function replaceBeforeCaret(remove: number, insert: string): void {
  const el = editableTarget();
  if (el === null) return;
  if (el instanceof HTMLTextAreaElement || WITH_SELECTION.has(el.type)) {
    const end = el.selectionEnd ?? el.value.length;
    const start = Math.max(0, (el.selectionStart ?? end) - remove);
    el.setRangeText(insert, start, end, 'end');
  } else {
    // No caret to read: the leaked keys are the last ones typed. The prototype's setter keeps
    // React's value tracking right, so the input event below is seen as a change.
    const next = (remove > 0 ? el.value.slice(0, -remove) : el.value) + insert;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(el, next);
  }
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

/**
 * Listens to every keydown of the window (capture phase) for a USB 2D scanner's keyboard-wedge
 * burst: the scanned text goes to `onScan` and none of its characters land in the focused field
 * (held-back keys are suppressed; the few that leaked before the burst was recognised are deleted).
 * Keys held back from a burst that was a person typing after all are put back where the caret is.
 */
export function useScannerWedge(onScan: (text: string) => void, enabled = true): void {
  const onScanRef = useRef(onScan);
  useEffect(() => {
    onScanRef.current = onScan;
  }, [onScan]);

  useEffect(() => {
    if (!enabled) return undefined;
    const detector = createKeyboardWedgeDetector();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const handle = (events: readonly WedgeEvent[]): void => {
      for (const event of events) {
        if (event.kind === 'scan') {
          // The scan is delivered even if tidying the field fails: a card read is never lost.
          try {
            if (event.leaked > 0) replaceBeforeCaret(event.leaked, '');
          } catch (e) {
            console.error('could not remove scanner keys from the field', e);
          } finally {
            onScanRef.current(event.text);
          }
        } else if (event.text !== '') replaceBeforeCaret(0, event.text);
      }
    };
    const onKeyDown = (e: KeyboardEvent): void => {
      // Shortcuts (Ctrl+C, Alt+…) are a person at the keyboard, never a scanner.
      // A held key auto-repeats as fast as a scanner types (≈ 33 ms on Windows): a person, too.
      if (e.repeat || e.ctrlKey || e.metaKey || (e.altKey && e.key.length !== 1)) {
        detector.reset();
        return;
      }
      const step = detector.key(e.key, e.timeStamp);
      if (step.suppress) {
        e.preventDefault();
        e.stopPropagation();
      }
      handle(step.events);
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => handle(detector.idle(performance.now())), IDLE_CHECK_MS);
    };
    window.addEventListener('keydown', onKeyDown, true);
    return () => {
      window.removeEventListener('keydown', onKeyDown, true);
      if (timer !== null) clearTimeout(timer);
    };
  }, [enabled]);
}
