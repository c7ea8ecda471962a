import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seededRandom';
import { checkWedgeText, classifyScan, createKeyboardWedgeDetector, type KeyboardWedgeDetector, type WedgeEvent } from './keyboardWedge';

const CARD = '001195012345|012345678|Nguyễn Thị Thu Hằng|15081995|Nữ|Số 12 ngõ 34 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội|20042021';

interface Typed {
  /** What reached the focused field (keys not suppressed, minus leaked chars a scan took back, plus released keys). */
  field: string;
  events: WedgeEvent[];
  /** The time after the last key. */
  end: number;
}

/**
 * Plays keys through the detector the way the app wires it: suppressed keys never reach the field;
 * a scan deletes its leaked characters; a release inserts held keys; an idle timer runs after each key.
 */
function play(detector: KeyboardWedgeDetector, keys: readonly (readonly [string, number])[]): Typed {
  let field = '';
  const events: WedgeEvent[] = [];
  const apply = (list: readonly WedgeEvent[]): void => {
    for (const e of list) {
      events.push(e);
      if (e.kind === 'scan') field = field.slice(0, field.length - e.leaked);
      else field += e.text;
    }
  };
  let end = 0;
  for (const [i, [key, at]] of keys.entries()) {
    const next = keys[i + 1]?.[1] ?? Number.POSITIVE_INFINITY;
    const step = detector.key(key, at);
    apply(step.events);
    if (!step.suppress && [...key].length === 1) field += key;
    // The app's idle timer fires 60 ms after a key unless another key came first.
    if (next - at >= 60) apply(detector.idle(at + 60));
    end = at;
  }
  return { field, events, end };
}

/** A scanner: one key every 3–12 ms, then its suffix. */
function scannerKeys(text: string, start: number, suffix: 'Enter' | 'Tab' | null = 'Enter', random = seededRandom(1)): [string, number][] {
  const out: [string, number][] = [];
  let t = start;
  for (const ch of text) {
    t += 3 + random() * 9;
    out.push([ch, t]);
  }
  if (suffix !== null) out.push([suffix, t + 4]);
  return out;
}

/** A person: 80–200 ms between keys. */
function humanKeys(text: string, start: number, random = seededRandom(2)): [string, number][] {
  const out: [string, number][] = [];
  let t = start;
  for (const ch of text) {
    t += 80 + random() * 120;
    out.push([ch, t]);
  }
  return out;
}

describe('keyboard wedge detector', () => {
  it('recognises a fast scan ended by Enter and leaves nothing in the field', () => {
    const result = play(createKeyboardWedgeDetector(), scannerKeys(CARD, 1000));
    expect(result.events).toEqual([{ kind: 'scan', text: CARD, leaked: 3 }]);
    expect(result.field).toBe('');
  });

  it('suppresses the Enter or Tab that ends a scan (no form submit, no focus jump)', () => {
    for (const suffix of ['Enter', 'Tab'] as const) {
      const detector = createKeyboardWedgeDetector();
      const keys = scannerKeys('000.00.21.H26-260212-0001', 0, suffix);
      keys.slice(0, -1).forEach(([k, t]) => detector.key(k, t));
      const [key, at] = keys.at(-1)!;
      expect(detector.key(key, at).suppress).toBe(true);
    }
  });

  it('recognises a scan without a suffix after a 60 ms pause', () => {
    const result = play(createKeyboardWedgeDetector(), scannerKeys('000.00.21.H26-260212-0001', 0, null));
    expect(result.events).toEqual([{ kind: 'scan', text: '000.00.21.H26-260212-0001', leaked: 3 }]);
  });

  it('never captures a person typing (80–200 ms between keys), whatever they type', () => {
    for (let seed = 0; seed < 50; seed++) {
      const text = 'Nguyễn Văn An, số 12 phố Hàng Bạc 0912345678';
      const result = play(createKeyboardWedgeDetector(), [...humanKeys(text, 0, seededRandom(seed)), ['Enter', 100_000]]);
      expect(result.events).toEqual([]);
      expect(result.field).toBe(text);
    }
  });

  it('separates a scan that arrives in the middle of typing from the typed text around it', () => {
    const before = humanKeys('Nguyễn', 0);
    const scan = scannerKeys(CARD, before.at(-1)![1] + 150);
    const after = humanKeys(' Văn', scan.at(-1)![1] + 50, seededRandom(9));
    const result = play(createKeyboardWedgeDetector(), [...before, ...scan, ...after]);
    expect(result.events.filter((e) => e.kind === 'scan')).toEqual([{ kind: 'scan', text: CARD, leaked: 3 }]);
    expect(result.field).toBe('Nguyễn Văn');
  });

  it('gives back keys it held when a short fast burst was typing after all', () => {
    // A rollover of five keys within 35 ms of each other, then a pause: under 8 characters.
    const keys: [string, number][] = [
      ['a', 0],
      ['b', 20],
      ['c', 40],
      ['d', 60],
      ['e', 80],
    ];
    const result = play(createKeyboardWedgeDetector(), keys);
    expect(result.events).toEqual([{ kind: 'release', text: 'de' }]);
    expect(result.field).toBe('abcde');
  });

  it('keeps Vietnamese letters a Unicode-mode scanner types, and ignores its Shift presses', () => {
    const keys = scannerKeys('Hằng Nữ Đức', 0).flatMap(([k, t]) =>
      k !== k.toLowerCase() ? [['Shift', t - 1] as [string, number], [k, t] as [string, number]] : [[k, t] as [string, number]],
    );
    const result = play(createKeyboardWedgeDetector(), keys);
    expect(result.events).toEqual([{ kind: 'scan', text: 'Hằng Nữ Đức', leaked: 3 }]);
  });

  it('turns keys the layout could not produce into U+FFFD, so the text is flagged', () => {
    const keys = scannerKeys('Nguy?n Th? Thu H?ng', 0).map(([k, t]) => [k === '?' ? 'Unidentified' : k, t] as [string, number]);
    const result = play(createKeyboardWedgeDetector(), keys);
    const scan = result.events[0];
    expect(scan?.kind).toBe('scan');
    expect(scan?.kind === 'scan' && checkWedgeText(scan.text)).toMatchObject({ ok: false, error: { code: 'qr.wedge-garbled' } });
  });
});

describe('checkWedgeText', () => {
  it('accepts a card text with its diacritics', () => {
    expect(checkWedgeText(CARD)).toEqual({ ok: true, value: CARD });
  });

  it.each([
    ["'?' where the layout had no letter", CARD.replace('Nguyễn', 'Nguy?n').replace('Hằng', 'H?ng')],
    ['U+FFFD', CARD.replace('ễ', '\uFFFD')],
    ['UTF-8 shown as Windows-1252', CARD.replace('Nguyễn', 'Nguyá»…n').replace('Thị', 'Thá»‹')],
    ['UTF-8 shown as Latin-1 (đ → Ä‘)', 'Lê Văn Ä‘ức'],
    ['Alt+numpad digits left in the name', CARD.replace('Nguyễn', 'Nguy7872n')],
    ["'Nu' for 'Nữ'", CARD.replace('|Nữ|', '|Nu|')],
  ])('flags %s as qr.wedge-garbled without echoing the text', (_what, text) => {
    const result = checkWedgeText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('qr.wedge-garbled');
      expect(result.error.detail).not.toContain('001195012345');
      expect(result.error.detail).not.toMatch(/Nguy|Hằng|Hàng/);
    }
  });

  it('does not flag a dossier code or a plain ASCII text', () => {
    expect(checkWedgeText('000.00.21.H26-260212-0001').ok).toBe(true);
    expect(checkWedgeText('https://tracuu.hanoi.gov.vn/?code=000.00.21.H26-260212-0001&s=K7Q2').ok).toBe(true);
  });
});

describe('classifyScan', () => {
  it('routes a citizen ID QR, with a scanner BOM and CR LF', () => {
    expect(classifyScan(`\uFEFF${CARD}\r\n`)).toEqual({ kind: 'citizen-id', text: `\uFEFF${CARD}` });
  });

  it('routes a dossier code and the receipt look-up QR', () => {
    expect(classifyScan('000.00.21.H26-260212-0001')).toEqual({ kind: 'dossier-code', code: '000.00.21.H26-260212-0001', lookupSecret: null });
    expect(classifyScan('https://tracuu.example.vn/lookup?code=000.00.21.H26-260212-0001&s=K7Q2ZP')).toEqual({
      kind: 'dossier-code',
      code: '000.00.21.H26-260212-0001',
      lookupSecret: 'K7Q2ZP',
    });
  });

  it('calls anything else other', () => {
    expect(classifyScan('8934567890123')).toEqual({ kind: 'other', text: '8934567890123' });
    expect(classifyScan('https://example.vn/?code=not-a-code')).toMatchObject({ kind: 'other' });
  });
});
