import { describe, expect, it } from 'vitest';
import { createClipPlayer } from './clipPlayer';

/** A Web Audio stand-in: sources that end when the test says so, and record stop(). */
function fakeAudio() {
  const sources: { startedAt: number; stopped: boolean; end: () => void }[] = [];
  const context = {
    state: 'running',
    currentTime: 0,
    destination: {},
    addEventListener: () => undefined,
    resume: () => Promise.resolve(),
    decodeAudioData: (bytes: ArrayBuffer) => Promise.resolve({ duration: bytes.byteLength / 10 }),
    createBufferSource() {
      const listeners: (() => void)[] = [];
      const source = { startedAt: -1, stopped: false, end: () => listeners.forEach((l) => l()) };
      sources.push(source);
      return {
        buffer: null as unknown,
        connect: () => undefined,
        start: (at: number) => (source.startedAt = at),
        stop: () => {
          source.stopped = true;
          source.end();
        },
        addEventListener: (_: 'ended', l: () => void) => listeners.push(l),
      };
    },
  };
  const player = createClipPlayer({
    clipUrls: { chime: '/chime.ogg', 'digit-1': '/d1.ogg', 'digit-2': '/d2.ogg' },
    createContext: () => context as unknown as AudioContext,
    fetch: ((url: string) => Promise.resolve({ ok: true, arrayBuffer: () => Promise.resolve(new ArrayBuffer(url.length)) })) as unknown as typeof fetch,
  });
  return { player, sources };
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 0));
};

describe('clip player', () => {
  it('plays a sequence back to back and says played when the last clip ended', async () => {
    const { player, sources } = fakeAudio();
    const playing = player.play(['chime', 'digit-1', 'digit-2']);
    await until(() => sources.length === 3);
    expect(sources.map((s) => s.startedAt)).toEqual([...sources.map((s) => s.startedAt)].sort((a, b) => a - b));
    sources.at(-1)!.end();
    expect(await playing).toBe('played');
    expect(sources.some((s) => s.stopped)).toBe(false);
  });

  it('stop() ends the sequence at once: every source stopped, the play says stopped', async () => {
    const { player, sources } = fakeAudio();
    const playing = player.play(['digit-1', 'digit-2']);
    await until(() => sources.length === 2);
    player.stop();
    expect(await playing).toBe('stopped');
    expect(sources.every((s) => s.stopped)).toBe(true);
    // The next sequence plays as usual.
    const next = player.play(['digit-2']);
    await until(() => sources.length === 3);
    sources[2]!.end();
    expect(await next).toBe('played');
  });

  it('stop() while the clips are still loading plays nothing; stop() when silent does nothing', async () => {
    const { player, sources } = fakeAudio();
    player.stop();
    const playing = player.play(['digit-1']);
    player.stop();
    expect(await playing).toBe('stopped');
    expect(sources).toHaveLength(0);
  });

  it('says failed for a clip it does not have, and plays none of the sequence', async () => {
    const { player, sources } = fakeAudio();
    expect(await player.play(['digit-1', 'letter-z'])).toBe('failed');
    expect(sources).toHaveLength(0);
  });
});
