import { describe, expect, it } from 'vitest';
import type { ClipPlayer } from './clipPlayer';
import { createSpeechVoice } from './speechVoice';

/** speechSynthesis as Chromium behaves: cancel() fires `error` 'canceled' on the utterance being said. */
function fakeSynth() {
  type Listener = (e: { error?: string }) => void;
  const spoken: { text: string; listeners: Map<string, Listener[]> }[] = [];
  let cancels = 0;
  const fire = (name: string, e: { error?: string } = {}) =>
    spoken
      .at(-1)
      ?.listeners.get(name)
      ?.forEach((l) => l(e));
  const synth = {
    speak: (u: { text: string; listeners: Map<string, Listener[]> }) => spoken.push(u),
    cancel: () => {
      cancels++;
      fire('error', { error: 'canceled' });
    },
  };
  const makeUtterance = (text: string) => {
    const listeners = new Map<string, Listener[]>();
    return { text, listeners, addEventListener: (name: string, l: Listener) => listeners.set(name, [...(listeners.get(name) ?? []), l]) };
  };
  const played: string[][] = [];
  let playerStops = 0;
  const player: ClipPlayer = {
    gate: () => 'allowed',
    onGateChange: () => () => undefined,
    unlock: () => Promise.resolve('allowed'),
    prepare: () => Promise.resolve({ ready: 1, failed: [] }),
    play: (ids) => {
      played.push([...ids]);
      return Promise.resolve('played');
    },
    stop: () => void playerStops++,
  };
  const voice = createSpeechVoice({
    synth: synth as unknown as SpeechSynthesis,
    voice: { name: 'vi-VN test', lang: 'vi-VN' } as SpeechSynthesisVoice,
    makeUtterance: makeUtterance as unknown as (text: string) => SpeechSynthesisUtterance,
    player,
  });
  return { voice, spoken, fire, cancels: () => cancels, played, playerStops: () => playerStops };
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 0));
};

describe('OS voice', () => {
  it('says the chime then the sentence, to its end, and never cancels on its own', async () => {
    const s = fakeSynth();
    const saying = s.voice.say({ text: 'Mời khách hàng số a một', clips: [], chime: true });
    await until(() => s.spoken.length === 1);
    expect(s.played).toEqual([['chime']]);
    s.fire('end');
    expect(await saying).toBe('spoken');
    expect(s.cancels()).toBe(0);
  });

  it('stop() cancels the sentence being said and the say ends stopped; stop() when silent cancels nothing', async () => {
    const s = fakeSynth();
    s.voice.stop();
    expect(s.cancels()).toBe(0);
    const saying = s.voice.say({ text: 'Đây là máy lấy số thứ tự.', clips: [], chime: false });
    await until(() => s.spoken.length === 1);
    s.voice.stop();
    expect(await saying).toBe('stopped');
    expect(s.cancels()).toBe(1);
    expect(s.playerStops()).toBe(1);
    // An interruption it did not ask for (another page's speech) is not a stop.
    const next = s.voice.say({ text: 'Vui lòng chờ.', clips: [], chime: false });
    await until(() => s.spoken.length === 2);
    s.fire('error', { error: 'interrupted' });
    expect(await next).toBe('spoken');
  });
});
