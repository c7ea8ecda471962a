import { describe, expect, it } from 'vitest';
import { PAUSE, VOICE_VOCABULARY, callSentence, callWords, counterNumberWords, ticketNumberWords } from './callPhrase';

const texts = (ws: { text: string }[]): string => ws.map((w) => w.text).join(' ');

describe('call phrase', () => {
  it('reads a ticket number character by character, digits one by one', () => {
    expect(texts(ticketNumberWords('A015'))).toBe('a không một năm');
    expect(texts(ticketNumberWords('B100'))).toBe('bê một không không');
    expect(texts(ticketNumberWords('AB20'))).toBe('a bê hai không');
    expect(ticketNumberWords('C7').map((w) => w.clip)).toEqual(['letter-c', 'digit-7']);
  });

  it('reads a counter number as a number', () => {
    const cases: [number, string][] = [
      [1, 'một'],
      [3, 'ba'],
      [5, 'năm'],
      [10, 'mười'],
      [11, 'mười một'],
      [14, 'mười bốn'],
      [15, 'mười lăm'],
      [20, 'hai mươi'],
      [21, 'hai mươi mốt'],
      [25, 'hai mươi lăm'],
      [34, 'ba mươi bốn'],
      [99, 'chín mươi chín'],
    ];
    for (const [n, said] of cases) expect(texts(counterNumberWords(n)), String(n)).toBe(said);
  });

  it('builds the whole sentence and its clip list from the same words', () => {
    const words = callWords('A015', 3);
    expect(callSentence(words)).toBe('Mời khách hàng số a không một năm, đến quầy số ba');
    expect(words.map((w) => w.clip)).toEqual(['invite', 'letter-a', 'digit-0', 'digit-1', 'digit-5', PAUSE, 'to-counter', 'digit-3']);
  });

  it('names only clips of the vocabulary, for every letter, digit and counter', () => {
    const clips = new Set(Object.keys(VOICE_VOCABULARY));
    for (let counter = 1; counter <= 99; counter++)
      for (const w of callWords(`ABCDEFGHIJKLMNOPQRSTUVWXYZ`.slice(counter % 26, (counter % 26) + 1) + '0123456789', counter))
        if (w.clip !== PAUSE) expect(clips.has(w.clip), w.clip).toBe(true);
  });

  it('refuses what a ticket or counter cannot be', () => {
    expect(() => ticketNumberWords('a015')).toThrow();
    expect(() => counterNumberWords(0)).toThrow();
    expect(() => counterNumberWords(100)).toThrow();
    expect(() => counterNumberWords(2.5)).toThrow();
  });
});
