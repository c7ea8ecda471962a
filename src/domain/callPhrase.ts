/**
 * What the display board says for a call (DOMAIN.md, "Calling tickets"):
 * "Mời khách hàng số A không một năm, đến quầy số mười lăm".
 *
 * - The ticket number is read character by character, always: letters by their Vietnamese names,
 *   digits one by one ("A015" → "A không một năm"), so every number sounds the same way whatever
 *   its length and leading zeros.
 * - The counter number is read as a number (1–99: "ba", "mười", "mười lăm", "hai mươi mốt"), the
 *   way people say "quầy số 15".
 * - One word list serves both voice engines: its `text`s joined make the sentence the OS voice
 *   speaks, its `clip`s are the pre-rendered clips the clip engine plays. VOICE_VOCABULARY is every
 *   clip there is: scripts/voice/makeClips.ts renders exactly these, and a phrase never names a
 *   clip outside it.
 */

/** A pause in a clip sequence (a comma in the spoken sentence). */
export const PAUSE = '|';

const DIGIT_WORDS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;

/** How Vietnamese announcers name the Latin letters that prefix ticket numbers. */
const LETTER_WORDS: Readonly<Record<string, string>> = {
  A: 'a',
  B: 'bê',
  C: 'xê',
  D: 'dê',
  E: 'e',
  F: 'ép',
  // Not "giê": in the northern accent it sounds exactly like D's "dê" (espeak-ng renders both the same).
  G: 'gờ',
  H: 'hát',
  I: 'i',
  // "gi" said alone is only a consonant to espeak-ng (130 ms of hiss); "di" sounds the same in the north.
  J: 'di',
  K: 'ca',
  L: 'e lờ',
  M: 'em mờ',
  N: 'en nờ',
  O: 'o',
  P: 'pê',
  Q: 'quy',
  R: 'e rờ',
  S: 'ét xì',
  T: 'tê',
  U: 'u',
  V: 'vê',
  W: 'vê kép',
  X: 'ích xì',
  Y: 'i dài',
  Z: 'dét',
};

/** Clip id → the Vietnamese text it says. Ids are file names (assets/voice/vi/<id>.opus). */
export const VOICE_VOCABULARY: Readonly<Record<string, string>> = {
  invite: 'Mời khách hàng số',
  'to-counter': 'đến quầy số',
  ...Object.fromEntries(DIGIT_WORDS.map((w, d) => [`digit-${d}`, w])),
  ...Object.fromEntries(Object.entries(LETTER_WORDS).map(([letter, w]) => [`letter-${letter.toLowerCase()}`, w])),
  /** 10–19: "mười". */
  ten: 'mười',
  /** The tens of 20–99: "hai mươi". */
  tens: 'mươi',
  /** A final 1 after "mươi": "hai mươi mốt". */
  'one-after-tens': 'mốt',
  /** A final 5 after "mười"/"mươi": "mười lăm". */
  'five-after-tens': 'lăm',
};

/** The chime before each call; not a word, so not in the vocabulary (synthesised by the script). */
export const CHIME_CLIP = 'chime';

export interface CallWord {
  /** A VOICE_VOCABULARY id, or PAUSE. */
  readonly clip: string;
  /** What the OS voice says for it ("," for a pause). */
  readonly text: string;
}

const word = (clip: string): CallWord => {
  const text = VOICE_VOCABULARY[clip];
  if (text === undefined) throw new Error(`no voice clip ${clip}`);
  return { clip, text };
};

/** "A015" → a, không, một, năm. Throws on a character a ticket number cannot hold. */
export function ticketNumberWords(ticket: string): CallWord[] {
  return [...ticket].map((ch) => {
    if (/^[0-9]$/.test(ch)) return word(`digit-${ch}`);
    if (/^[A-Z]$/.test(ch)) return word(`letter-${ch.toLowerCase()}`);
    throw new Error(`a ticket number holds A–Z and 0–9, not ${JSON.stringify(ch)}`);
  });
}

/** 1–99 read as a number: 5 → năm, 10 → mười, 15 → mười lăm, 21 → hai mươi mốt, 40 → bốn mươi. */
export function counterNumberWords(n: number): CallWord[] {
  if (!Number.isInteger(n) || n < 1 || n > 99) throw new Error(`a counter number is 1–99, not ${n}`);
  if (n < 10) return [word(`digit-${n}`)];
  const tens = Math.floor(n / 10);
  const unit = n % 10;
  const head = tens === 1 ? [word('ten')] : [word(`digit-${tens}`), word('tens')];
  if (unit === 0) return head;
  if (unit === 5) return [...head, word('five-after-tens')];
  if (unit === 1 && tens > 1) return [...head, word('one-after-tens')];
  return [...head, word(`digit-${unit}`)];
}

/** The whole call, without the chime: invite, ticket, pause, to counter, counter. */
export function callWords(ticket: string, counter: number): CallWord[] {
  return [word('invite'), ...ticketNumberWords(ticket), { clip: PAUSE, text: ',' }, word('to-counter'), ...counterNumberWords(counter)];
}

/** The sentence the OS voice speaks: "Mời khách hàng số a không một năm, đến quầy số ba". */
export function callSentence(words: readonly CallWord[]): string {
  return words
    .map((w) => w.text)
    .join(' ')
    .replace(/ ,/g, ',');
}
