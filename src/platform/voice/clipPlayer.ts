import { PAUSE_CLIP, type AudioGate } from './VoicePort';

/**
 * Plays pre-rendered clips back to back through Web Audio: each clip is fetched and decoded once,
 * then a sequence is scheduled on the audio clock (no gaps from timers) and the promise resolves
 * when its last clip ended. Used by the clip engine for whole calls and by the speech engine for
 * the chime.
 *
 * Autoplay: an AudioContext made before any user gesture starts `suspended` in Chromium; it is the
 * gate both engines report. `unlock()` (from a click) resumes it. Chromium started with
 * `--autoplay-policy=no-user-gesture-required`, or an Electron window with
 * `webPreferences.autoplayPolicy: 'no-user-gesture-required'`, starts it `running`.
 */
export interface ClipPlayerDeps {
  /** Clip id → URL (the build's fingerprinted asset URLs). */
  readonly clipUrls: Readonly<Record<string, string>>;
  readonly createContext: () => AudioContext;
  readonly fetch: typeof fetch;
}

export interface ClipPlayer {
  gate(): AudioGate;
  onGateChange(listener: (gate: AudioGate) => void): () => void;
  unlock(): Promise<AudioGate>;
  prepare(ids?: readonly string[]): Promise<{ ready: number; failed: string[] }>;
  /**
   * Plays the sequence: 'played' to its end; 'failed' when a clip is missing or could not be decoded
   * (nothing is played then); 'stopped' when `stop()` ended it.
   */
  play(ids: readonly string[]): Promise<'played' | 'failed' | 'stopped'>;
  /** Ends the sequence being played (its sources stop now); nothing when silent. */
  stop(): void;
}

/** A sequence in progress: its scheduled sources, and `end` that settles its wait (stop() uses both). */
interface Playing {
  stopped: boolean;
  readonly sources: AudioBufferSourceNode[];
  end: () => void;
}

/** Silence between words, after the chime, and at a pause, in seconds. */
const GAP_S = 0.03;
const CHIME_GAP_S = 0.25;
const PAUSE_S = 0.3;

export function createClipPlayer(deps: ClipPlayerDeps): ClipPlayer {
  let context: AudioContext | null = null;
  const listeners = new Set<(gate: AudioGate) => void>();
  const buffers = new Map<string, Promise<AudioBuffer | null>>();
  /** The sequence being played (or loading): stop() ends it. */
  let current: Playing | null = null;

  const ctx = (): AudioContext => {
    if (context) return context;
    const made = deps.createContext();
    made.addEventListener('statechange', () => {
      const g = gateOf(made);
      for (const l of listeners) l(g);
    });
    context = made;
    return made;
  };
  const gateOf = (c: AudioContext): AudioGate => (c.state === 'running' ? 'allowed' : 'blocked');

  const load = (id: string): Promise<AudioBuffer | null> => {
    const known = buffers.get(id);
    if (known) return known;
    const url = deps.clipUrls[id];
    const loading =
      url === undefined
        ? Promise.resolve(null)
        : deps
            .fetch(url)
            .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))))
            .then((bytes) => ctx().decodeAudioData(bytes))
            .catch((e: unknown) => {
              console.warn(`voice clip ${id} could not be loaded`, e);
              buffers.delete(id); // try again next time (a flaky first load must not mute the board)
              return null;
            });
    buffers.set(id, loading);
    return loading;
  };

  return {
    gate: () => gateOf(ctx()),
    onGateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async unlock() {
      const c = ctx();
      // resume() stays pending while the page may not play sound; do not wait for it forever.
      await Promise.race([c.resume().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      return gateOf(c);
    },
    async prepare(ids = Object.keys(deps.clipUrls)) {
      const loaded = await Promise.all(ids.map(async (id) => [id, await load(id)] as const));
      const failed = loaded.filter(([, b]) => b === null).map(([id]) => id);
      return { ready: loaded.length - failed.length, failed };
    },
    stop() {
      if (!current) return;
      current.stopped = true;
      for (const source of current.sources) {
        try {
          source.stop();
        } catch {
          // Already ended.
        }
      }
      current.end();
    },
    async play(ids) {
      const playing: Playing = { stopped: false, sources: [], end: () => undefined };
      current = playing;
      try {
        const sounds = await Promise.all(ids.map((id) => (id === PAUSE_CLIP ? Promise.resolve('pause' as const) : load(id))));
        if (playing.stopped) return 'stopped';
        if (sounds.some((s) => s === null)) return 'failed';
        await schedule(ids, sounds, playing);
        return playing.stopped ? 'stopped' : 'played';
      } finally {
        if (current === playing) current = null;
      }
    },
  };

  /** Schedules the sounds back to back on the audio clock; resolves when the last has ended (or stop() ended it). */
  async function schedule(ids: readonly string[], sounds: readonly (AudioBuffer | 'pause' | null)[], playing: Playing): Promise<void> {
    const c = ctx();
    let at = c.currentTime + 0.05;
    let last: AudioBufferSourceNode | null = null;
    for (const [i, sound] of sounds.entries()) {
      if (sound === 'pause' || sound === null) {
        at += PAUSE_S;
        continue;
      }
      const source = c.createBufferSource();
      source.buffer = sound;
      source.connect(c.destination);
      source.start(at);
      playing.sources.push(source);
      at += sound.duration + (ids[i] === 'chime' ? CHIME_GAP_S : GAP_S);
      last = source;
    }
    const finished = last;
    if (finished === null) return;
    const endsIn = Math.max(0, at - c.currentTime);
    await new Promise<void>((resolve) => {
      // 'ended' is the signal; the timer only guards against a context suspended mid-sequence.
      const guard = setTimeout(resolve, endsIn * 1000 + 1500);
      const done = (): void => {
        clearTimeout(guard);
        resolve();
      };
      playing.end = done;
      finished.addEventListener('ended', done);
    });
  }
}
