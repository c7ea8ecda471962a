import type { AudioGate, SayOutcome, Utterance, VoicePort } from '../../src/platform/voice/VoicePort';

/**
 * A VoicePort for tests: each `say` takes `durationMs` of (fake) timer time; it records when each
 * utterance started and ended, so a test can check that nothing overlapped (no call cut off).
 */
export interface FakeVoice extends VoicePort {
  readonly log: { text: string; startedAt: number; endedAt: number | null }[];
  /** How many `say` calls are in progress right now (must never exceed 1). */
  readonly maxConcurrent: number;
  setGate(gate: AudioGate): void;
}

export function createFakeVoice(opts: { durationMs?: number; gate?: AudioGate; now: () => number }): FakeVoice {
  const durationMs = opts.durationMs ?? 3000;
  let gate: AudioGate = opts.gate ?? 'allowed';
  let active = 0;
  let maxConcurrent = 0;
  const listeners = new Set<(g: AudioGate) => void>();
  const log: FakeVoice['log'] = [];
  let stopCurrent: (() => void) | null = null;
  return {
    engine: 'fake',
    voiceName: null,
    log,
    get maxConcurrent() {
      return maxConcurrent;
    },
    setGate(g) {
      gate = g;
      for (const l of listeners) l(g);
    },
    async say(u: Utterance): Promise<SayOutcome> {
      if (gate === 'blocked') return 'blocked';
      active++;
      maxConcurrent = Math.max(maxConcurrent, active);
      const entry = { text: u.text, startedAt: opts.now(), endedAt: null as number | null };
      log.push(entry);
      const outcome = await new Promise<SayOutcome>((r) => {
        const timer = setTimeout(() => r('spoken'), durationMs);
        stopCurrent = () => {
          clearTimeout(timer);
          r('stopped');
        };
      });
      stopCurrent = null;
      entry.endedAt = opts.now();
      active--;
      return outcome;
    },
    stop() {
      stopCurrent?.();
    },
    gate: () => gate,
    onGateChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    unlock: async () => {
      gate = 'allowed';
      for (const l of listeners) l(gate);
      return gate;
    },
    prepare: async () => ({ ready: 0, failed: [] }),
  };
}
