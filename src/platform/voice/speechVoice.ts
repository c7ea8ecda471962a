import type { ClipPlayer } from './clipPlayer';
import type { SayOutcome, Utterance, VoicePort } from './VoicePort';

/**
 * The OS voice engine: the chime from the clip player, then the sentence through the Web Speech API
 * with a Vietnamese voice of the machine. One utterance at a time, and its end is awaited.
 * `speechSynthesis.cancel()` is called only by `stop()` (the citizen kiosk's "Đọc to" when the
 * citizen leaves the screen), never on the board's path: it would cut the call being spoken.
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
  /** The say in progress: stop() marks it and ends its wait. */
  let current: { stopped: boolean; end: (outcome: SayOutcome) => void } | null = null;
  const gate = () => (refused ? 'blocked' : deps.player.gate());

  const sayNow = async (u: Utterance, me: { stopped: boolean; end: (outcome: SayOutcome) => void }): Promise<SayOutcome> => {
    if (u.chime) await deps.player.play(['chime']);
    if (me.stopped) return 'stopped';
    return new Promise<SayOutcome>((resolve) => {
      const utterance = deps.makeUtterance(u.text);
      utterance.voice = deps.voice;
      utterance.lang = deps.voice.lang;
      utterance.rate = deps.rate ?? 0.9;
      const finish = (outcome: SayOutcome): void => {
        clearTimeout(guard);
        resolve(me.stopped ? 'stopped' : outcome);
      };
      me.end = finish;
      const guard = setTimeout(() => finish('spoken'), 4000 + 150 * u.text.length);
      utterance.addEventListener('end', () => finish('spoken'));
      utterance.addEventListener('error', (e) => {
        // 'not-allowed': the page has not had a user gesture yet.
        finish(e.error === 'not-allowed' ? 'blocked' : e.error === 'interrupted' || e.error === 'canceled' ? 'spoken' : 'failed');
      });
      deps.synth.speak(utterance);
    });
  };

  return {
    engine: 'speech',
    voiceName: deps.voice.name,
    async say(u) {
      if (gate() === 'blocked') return 'blocked';
      const me = { stopped: false, end: (_outcome: SayOutcome): void => undefined };
      current = me;
      try {
        const outcome = await sayNow(u, me);
        if (outcome === 'blocked') refused = true;
        return outcome;
      } finally {
        if (current === me) current = null;
      }
    },
    stop() {
      const me = current;
      if (!me) return;
      me.stopped = true;
      deps.player.stop();
      deps.synth.cancel();
      me.end('stopped');
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
