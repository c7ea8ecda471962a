import { createClipPlayer, type ClipPlayerDeps } from './clipPlayer';
import { createClipVoice } from './clipVoice';
import { createSpeechVoice } from './speechVoice';
import type { VoicePort } from './VoicePort';

/** The fields of a SpeechSynthesisVoice the choice looks at. */
export interface VoiceInfo {
  readonly name: string;
  readonly lang: string;
  readonly localService: boolean;
  readonly default?: boolean;
}

/**
 * A Vietnamese voice that runs on this machine, or null. Network voices (`localService: false`)
 * are never chosen: the board must keep speaking when the branch's link is down. Among several,
 * the OS default first, then `vi-VN` before other `vi` tags.
 */
export function pickVietnameseVoice<V extends VoiceInfo>(voices: readonly V[]): V | null {
  const vi = voices.filter((v) => v.localService && /^vi([-_]|$)/i.test(v.lang));
  const rank = (v: V): number => (v.default ? 0 : 2) + (/^vi[-_]vn$/i.test(v.lang) ? 0 : 1);
  return [...vi].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

/** Which engine speaks: the OS voice when it has a Vietnamese voice, else the clips; `force` wins (tests, diagnostics). */
export function chooseVoiceEngine(voices: readonly VoiceInfo[], force: 'speech' | 'clips' | null): 'speech' | 'clips' {
  if (force === 'clips') return 'clips';
  return pickVietnameseVoice(voices) ? 'speech' : 'clips';
}

export interface VoiceEnvironment extends ClipPlayerDeps {
  /** `window.speechSynthesis`, absent in some builds (Electron on Linux without speech-dispatcher has it but lists no voice). */
  readonly synth: SpeechSynthesis | undefined;
  readonly makeUtterance: (text: string) => SpeechSynthesisUtterance;
  readonly force: 'speech' | 'clips' | null;
  /** How long to wait for the OS to list its voices (Chromium fills the list asynchronously). */
  readonly voicesWaitMs?: number;
}

/** Chromium lists voices only after `voiceschanged`; an empty list at first does not mean none. */
async function listVoices(synth: SpeechSynthesis, waitMs: number): Promise<SpeechSynthesisVoice[]> {
  const now = synth.getVoices();
  if (now.length > 0) return now;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      synth.removeEventListener('voiceschanged', done);
      resolve(synth.getVoices());
    };
    const timer = setTimeout(done, waitMs);
    synth.addEventListener('voiceschanged', done);
  });
}

/** Builds the board's voice: the OS's Vietnamese voice where there is one, else the clips. */
export async function createVoice(env: VoiceEnvironment): Promise<VoicePort> {
  const player = createClipPlayer(env);
  const voices = env.synth && env.force !== 'clips' ? await listVoices(env.synth, env.voicesWaitMs ?? 1500) : [];
  const engine = chooseVoiceEngine(voices, env.force);
  const voice = pickVietnameseVoice(voices);
  if (engine === 'speech' && env.synth && voice) return createSpeechVoice({ synth: env.synth, voice, makeUtterance: env.makeUtterance, player });
  return createClipVoice(player);
}
