import { callSentence } from '../domain/callPhrase';
import { readAloudWords, type ReadableScreen } from '../domain/readAloud';
import type { SayOutcome, Utterance, VoiceEngine, VoicePort } from '../platform/voice/VoicePort';

/**
 * The citizen kiosk's "Đọc to": says the current screen's guide in Vietnamese through the same voice
 * port as the display board (the OS's Vietnamese voice, else the shipped clips).
 *
 * - The voice is made once, ahead (`prepare`, when a citizen screen shows) or at the first read. The
 *   browser lets a page play sound only after a user gesture: a read asks the voice to unlock audio
 *   synchronously inside the tap when the voice is ready, before anything is awaited.
 * - One guide at a time: a tap while one is being said is ignored (`busy`), never queued — a
 *   citizen tapping twice must not hear the guide twice. Leaving the screen (another screen, the
 *   idle reset) stops the guide at once (`stop`): it never goes on about a screen no longer shown.
 * - What was said is kept (the last 20 sentences) for diagnostics and tests; never anything
 *   personal: the guides are fixed sentences and a ticket number.
 */
export interface ReadAloudState {
  readonly speaking: boolean;
  readonly engine: VoiceEngine | null;
  /** The sentences asked of the voice, oldest first (the last 20). */
  readonly said: readonly string[];
  /** How the last read ended. */
  readonly last: SayOutcome | null;
}

export interface ReadAloud {
  /** Makes the voice now (the OS lists its voices asynchronously), so the first tap can unlock audio at once. */
  prepare(): void;
  read(screen: ReadableScreen): Promise<SayOutcome | 'busy'>;
  /** The citizen left the screen being read: the guide ends now ('stopped'); nothing when silent. */
  stop(): void;
  state(): ReadAloudState;
  subscribe(listener: () => void): () => void;
}

const KEEP_SAID = 20;

/** The utterance for a screen: no chime (that is the board's call sign). */
export function readAloudUtterance(screen: ReadableScreen): Utterance {
  const words = readAloudWords(screen);
  return { chime: false, text: callSentence(words).replace(/ \./g, '.'), clips: words.map((w) => w.clip) };
}

export function createReadAloud(makeVoice: () => Promise<VoicePort>): ReadAloud {
  let voice: Promise<VoicePort> | null = null;
  let ready: VoicePort | null = null;
  const make = (): Promise<VoicePort> => {
    voice ??= makeVoice().then(
      (port) => (ready = port),
      (e: unknown) => {
        voice = null; // made again on the next tap
        throw e;
      },
    );
    return voice;
  };
  let state: ReadAloudState = { speaking: false, engine: null, said: [], last: null };
  const listeners = new Set<() => void>();
  const set = (next: Partial<ReadAloudState>): void => {
    state = { ...state, ...next };
    for (const l of listeners) l();
  };
  return {
    prepare() {
      make().catch((e: unknown) => console.warn('read aloud: no voice yet', e));
    },
    async read(screen) {
      if (state.speaking) return 'busy';
      // Inside the tap, before any await: the browser counts it as the user's gesture.
      const unlocking = ready && ready.gate() === 'blocked' ? ready.unlock() : null;
      const utterance = readAloudUtterance(screen);
      set({ speaking: true, said: [...state.said, utterance.text].slice(-KEEP_SAID) });
      let outcome: SayOutcome = 'failed';
      try {
        const port = await make();
        if (state.engine !== port.engine) set({ engine: port.engine });
        if (unlocking) await unlocking;
        else if (port.gate() === 'blocked') await port.unlock();
        outcome = await port.say(utterance);
      } catch (e) {
        console.warn('read aloud failed', e);
      } finally {
        set({ speaking: false, last: outcome });
      }
      return outcome;
    },
    stop() {
      if (state.speaking) ready?.stop();
    },
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
