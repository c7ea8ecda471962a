import type { ClipPlayer } from './clipPlayer';
import type { VoicePort } from './VoicePort';

/**
 * The OS voice engine: the chime from the clip player, then the sentence through the Web Speech API
 * with a Vietnamese voice of the machine. Never calls `speechSynthesis.cancel()` (that would cut
 * the call being spoken); one utterance at a time, and its end is awaited.
 *
 * Chromium may never fire `end` (a known Web Speech bug when the speech service stalls): a timer
 * sized on the sentence ends the wait, so one stuck call cannot silence the board.
 */
export interface SpeechVoiceDeps {
  readonly synth: SpeechSynthesis;
  readonly voice: SpeechSynthesisVoice;
  readonly makeUtterance: (text: string) => SpeechSynthesisUtterance;
  /** Plays the chime and holds the autoplay gate (speech follows the same policy). */
  readonly player: ClipPlayer;
  /** Speaking rate; 0.9 is a touch slower than the voice's default, for a hall. */
  readonly rate?: number;
}

export function createSpeechVoice(deps: SpeechVoiceDeps): VoicePort {
  let refused = false;
  const gate = () => (refused ? 'blocked' : deps.player.gate());
  return {
    engine: 'speech',
    voiceName: deps.voice.name,
    async say(u) {
      if (gate() === 'blocked') return 'blocked';
      if (u.chime) await deps.player.play(['chime']);
      const outcome = await new Promise<'spoken' | 'blocked' | 'failed'>((resolve) => {
        const utterance = deps.makeUtterance(u.text);
        utterance.voice = deps.voice;
        utterance.lang = deps.voice.lang;
        utterance.rate = deps.rate ?? 0.9;
        const guard = setTimeout(() => resolve('spoken'), 4000 + 150 * u.text.length);
        utterance.addEventListener('end', () => {
          clearTimeout(guard);
          resolve('spoken');
        });
        utterance.addEventListener('error', (e) => {
          clearTimeout(guard);
          // 'not-allowed': the page has not had a user gesture yet.
          resolve(e.error === 'not-allowed' ? 'blocked' : e.error === 'interrupted' || e.error === 'canceled' ? 'spoken' : 'failed');
        });
        deps.synth.speak(utterance);
      });
      if (outcome === 'blocked') refused = true;
      return outcome;
    },
    gate,
    onGateChange: (l) => deps.player.onGateChange(l),
    async unlock() {
      refused = false;
      return (await deps.player.unlock()) === 'allowed' ? 'allowed' : 'blocked';
    },
    prepare: () => deps.player.prepare(['chime']),
  };
}
