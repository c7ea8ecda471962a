/**
 * The display board's voice: says one call at a time and tells when the browser lets it play sound.
 * Two engines behind it (chooseVoice.ts): the OS's Vietnamese voice through the Web Speech API, or
 * pre-rendered clips played through Web Audio. Callers queue (src/app/callAnnouncer.ts): an
 * engine never cancels what it is saying, so `say` must not be called again before it resolved.
 */

/** A clip id that is a pause, not a sound (the comma before "đến quầy số"). Same value as src/domain/callPhrase PAUSE. */
export const PAUSE_CLIP = '|';

export interface Utterance {
  /** The sentence for the OS voice ("Mời khách hàng số a không một năm, đến quầy số ba"). */
  readonly text: string;
  /** The same words as clip ids for the clip engine, PAUSE_CLIP for a pause. */
  readonly clips: readonly string[];
  /** Play the chime first. */
  readonly chime: boolean;
}

/** Whether the browser lets this page play sound now (autoplay policy: a user gesture unlocks it). */
export type AudioGate = 'allowed' | 'blocked';

/**
 * How a `say` ended: spoken to the end; not played because audio is blocked (say it again once
 * allowed); failed (a missing clip, an engine error); stopped by `stop()` before its end.
 */
export type SayOutcome = 'spoken' | 'blocked' | 'failed' | 'stopped';

export type VoiceEngine = 'speech' | 'clips' | 'fake';

export interface VoicePort {
  readonly engine: VoiceEngine;
  /** The OS voice's name for `speech`, null otherwise (diagnostics). */
  readonly voiceName: string | null;
  /** Says it to the end; never rejects, never interrupts (one call at a time). */
  say(utterance: Utterance): Promise<SayOutcome>;
  /**
   * Ends what is being said now, at once (its `say` resolves 'stopped'); nothing when silent. The
   * board never calls it (a call is never cut off); the citizen kiosk's "Đọc to" does when the
   * citizen leaves the screen being read.
   */
  stop(): void;
  gate(): AudioGate;
  /** `onGateChange(listener)` returns the unsubscribe function. */
  onGateChange(listener: (gate: AudioGate) => void): () => void;
  /** Call it from a user gesture (a click): asks the browser to allow sound; resolves to the gate after. */
  unlock(): Promise<AudioGate>;
  /** Loads and decodes the clips ahead of the first call; reports how many are ready and which failed. */
  prepare(): Promise<{ readonly ready: number; readonly failed: readonly string[] }>;
}
