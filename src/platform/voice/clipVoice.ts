import type { ClipPlayer } from './clipPlayer';
import type { VoicePort } from './VoicePort';

/** The clip engine: every word is a pre-rendered Vietnamese clip (assets/voice/vi), played in order. */
export function createClipVoice(player: ClipPlayer): VoicePort {
  return {
    engine: 'clips',
    voiceName: null,
    async say(u) {
      if (player.gate() === 'blocked') return 'blocked';
      const played = await player.play(u.chime ? ['chime', ...u.clips] : u.clips);
      return played === 'played' ? 'spoken' : played;
    },
    stop: () => player.stop(),
    gate: () => player.gate(),
    onGateChange: (l) => player.onGateChange(l),
    unlock: () => player.unlock(),
    prepare: () => player.prepare(),
  };
}
