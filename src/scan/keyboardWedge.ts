/**
 * USB 2D scanners in keyboard-wedge mode "type" what they read: a burst of keydown events far faster
 * than a person types. This module tells the two apart from key names and timestamps alone (pure: no
 * DOM, no clock), so a scan works whatever field has the focus and leaves nothing in it.
 *
 * Guarantees:
 *  - a scan is a burst of ≥ `minChars` printable keys, each ≤ `maxGapMs` after the previous one,
 *    ended by Enter or Tab (the scanner's suffix) or by a pause of `endPauseMs` (`idle()`);
 *  - human typing (gaps of 80–200 ms; a two- or three-key rollover) is never captured: a burst is
 *    suspected only from its `suspectAfter`-th fast key on;
 *  - the caller suppresses every key the detector says to (`suppress`: preventDefault) and, on a
 *    scan, deletes the `leaked` characters that reached the field before the burst was recognised;
 *    keys held back from a burst that turns out not to be a scan come back as a `release` event;
 *  - the Enter/Tab that ends a scan is suppressed (no form submit, no focus jump);
 *  - keys the layout could not produce inside a burst ('Dead', 'Unidentified', 'Process') become
 *    U+FFFD in the text, so `wedgeGarbling` flags them instead of silently dropping a letter.
 */
import { looksLikeCitizenIdQr } from '../domain/citizenId';
import { DossierCode } from '../shared/published';
import { err, ok, type Result } from '../shared/result';

export interface KeyboardWedgeOptions {
  /** Shortest text taken as a scan (a CCCD QR is ~100 characters; a dossier code 25). */
  readonly minChars?: number;
  /** Longest gap between two keys of one burst. Scanners type every 2–20 ms. */
  readonly maxGapMs?: number;
  /** Silence after which a burst without Enter/Tab is over (see `idle`). */
  readonly endPauseMs?: number;
  /** Fast keys in a row after which the following keys are held back from the field. */
  readonly suspectAfter?: number;
}

export type WedgeEvent =
  /** A scanner burst: `text` without its suffix; delete `leaked` characters before the caret. */
  | { readonly kind: 'scan'; readonly text: string; readonly leaked: number }
  /** Keys held back that were typing after all: insert `text` where the caret is. */
  | { readonly kind: 'release'; readonly text: string };

export interface WedgeStep {
  /** preventDefault() this key. */
  readonly suppress: boolean;
  readonly events: readonly WedgeEvent[];
}

export interface KeyboardWedgeDetector {
  /** Feed every keydown: `event.key` and `event.timeStamp` (ms). */
  key(key: string, timeStamp: number): WedgeStep;
  /** Call ~`endPauseMs` after the last key (a timer): ends a burst that had no Enter/Tab suffix. */
  idle(timeStamp: number): readonly WedgeEvent[];
  reset(): void;
}

const MODIFIERS = new Set(['Shift', 'Alt', 'AltGraph', 'Control', 'Meta', 'CapsLock', 'NumLock']);
const UNPRODUCIBLE = new Set(['Dead', 'Unidentified', 'Process']);

function isPrintable(key: string): boolean {
  return [...key].length === 1;
}

export function createKeyboardWedgeDetector(options: KeyboardWedgeOptions = {}): KeyboardWedgeDetector {
  const minChars = options.minChars ?? 8;
  const maxGapMs = options.maxGapMs ?? 35;
  const endPauseMs = options.endPauseMs ?? 60;
  const suspectAfter = Math.max(2, Math.min(options.suspectAfter ?? 4, minChars));

  let chars: string[] = [];
  let lastAt = Number.NEGATIVE_INFINITY;
  let holding = false;
  let leaked = 0;

  const end = (): WedgeEvent[] => {
    const out: WedgeEvent[] = [];
    if (holding && chars.length >= minChars) out.push({ kind: 'scan', text: chars.join(''), leaked });
    else if (holding) out.push({ kind: 'release', text: chars.slice(leaked).join('') });
    chars = [];
    holding = false;
    leaked = 0;
    return out;
  };

  return {
    key(key, timeStamp) {
      if (MODIFIERS.has(key)) return { suppress: holding, events: [] };
      const gap = timeStamp - lastAt;
      const events: WedgeEvent[] = [];
      if (key === 'Enter' || key === 'Tab') {
        const scanning = holding && chars.length >= minChars && gap <= endPauseMs;
        events.push(...end());
        lastAt = timeStamp;
        return { suppress: scanning, events };
      }
      const printable = isPrintable(key);
      if (!printable && !(holding && UNPRODUCIBLE.has(key))) {
        // Backspace, arrows, shortcuts: a person is at the keyboard.
        events.push(...end());
        lastAt = timeStamp;
        return { suppress: false, events };
      }
      if (chars.length > 0 && gap > maxGapMs) events.push(...end());
      chars.push(printable ? key : '\uFFFD');
      lastAt = timeStamp;
      if (!holding && chars.length >= suspectAfter) {
        holding = true;
        leaked = chars.length - 1;
      }
      return { suppress: holding, events };
    },
    idle(timeStamp) {
      return chars.length > 0 && timeStamp - lastAt >= endPauseMs ? end() : [];
    },
    reset() {
      chars = [];
      holding = false;
      leaked = 0;
      lastAt = Number.NEGATIVE_INFINITY;
    },
  };
}

export type ScanKind = 'citizen-id' | 'dossier-code' | 'other';

export type ClassifiedScan =
  | { readonly kind: 'citizen-id'; readonly text: string }
  /** A bare dossier code, or the receipt's look-up QR (`…?code=<code>&s=<secret>`). */
  | { readonly kind: 'dossier-code'; readonly code: string; readonly lookupSecret: string | null }
  | { readonly kind: 'other'; readonly text: string };

/** What a scanned text is, for routing; it does not validate (parseCitizenIdQr does). */
export function classifyScan(raw: string): ClassifiedScan {
  const text = raw.replace(/[\r\n]+$/, '');
  if (looksLikeCitizenIdQr(text)) return { kind: 'citizen-id', text };
  const bare = text.trim();
  if (DossierCode.safeParse(bare).success) return { kind: 'dossier-code', code: bare, lookupSecret: null };
  const query = /[?&]code=([^&#]+)(?:&s=([^&#]+))?/.exec(bare);
  if (query?.[1] !== undefined) {
    const code = safeDecode(query[1]);
    if (code !== null && DossierCode.safeParse(code).success)
      return { kind: 'dossier-code', code, lookupSecret: query[2] === undefined ? null : safeDecode(query[2]) };
  }
  return { kind: 'other', text };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** UTF-8 read as Windows-1252/Latin-1: "Nguyá»…n", "Ä‘", "Æ°", "Ã¡". */
const MOJIBAKE = /[ÂÃÄÅÆáâ][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/u;

/**
 * Checks a scanned text for the damage a keyboard-wedge scanner does to Vietnamese: U+FFFD or '?'
 * where a letter was, UTF-8 shown as Windows-1252 (mojibake), Alt+numpad digits left inside a name,
 * "Nu" for "Nữ". Returns `qr.wedge-garbled` (the officer should use the camera or switch the scanner
 * to its Unicode/UTF-8 output) or the text unchanged. The detail never contains the text.
 */
export function checkWedgeText(text: string): Result<string> {
  if (text.includes('\uFFFD')) return err('qr.wedge-garbled', 'replacement character (U+FFFD) in scanned text');
  if (MOJIBAKE.test(text)) return err('qr.wedge-garbled', 'UTF-8 bytes typed as Windows-1252 characters (mojibake)');
  if (looksLikeCitizenIdQr(text)) {
    const fields = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('|');
    const [name = '', gender = '', address = ''] = [fields[2], fields[4], fields[5]];
    if (/[?]/.test(name) || /[?]/.test(gender) || /[?]/.test(address))
      return err('qr.wedge-garbled', "'?' in the name, gender or address field of a citizen ID QR");
    if (/\d/.test(name)) return err('qr.wedge-garbled', 'digits (Alt+numpad codes?) in the name field of a citizen ID QR');
    if (/^nu$/i.test(gender.trim())) return err('qr.wedge-garbled', "gender field 'Nu': the diacritic of 'Nữ' was lost");
  }
  return ok(text);
}
