import { describe, expect, it } from 'vitest';
import type { AudioGate, SayOutcome, Utterance, VoicePort } from '../platform/voice/VoicePort';
import { createReadAloud, readAloudUtterance } from './readAloud';

function fakeVoice(gate: AudioGate = 'allowed') {
  const said: Utterance[] = [];
  let unlocks = 0;
  let stops = 0;
  let current = gate;
  let finish: ((o: SayOutcome) => void) | null = null;
  const port: VoicePort = {
    engine: 'clips',
    voiceName: null,
    say: (u) => {
      said.push(u);
      return new Promise((resolve) => (finish = resolve));
    },
    stop: () => {
      stops++;
      finish?.('stopped');
      finish = null;
    },
    gate: () => current,
    onGateChange: () => () => undefined,
    unlock: () => {
      unlocks++;
      current = 'allowed';
      return Promise.resolve(current);
    },
    prepare: () => Promise.resolve({ ready: 0, failed: [] }),
  };
  return {
    port,
    said,
    unlocks: () => unlocks,
    stops: () => stops,
    end: (o: SayOutcome = 'spoken') => {
      finish?.(o);
      finish = null;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('read aloud', () => {
  it('says the screen guide in Vietnamese, the ticket number letter by letter and digit by digit', () => {
    const home = readAloudUtterance({ kind: 'home' });
    expect(home.chime).toBe(false);
    expect(home.clips).toEqual(['screen-home']);
    expect(home.text).toMatch(/^Đây là máy lấy số thứ tự\./);
    const ticket = readAloudUtterance({ kind: 'ticket', number: 'B1002' });
    expect(ticket.clips).toEqual(['ticket-yours', 'letter-b', 'digit-1', 'digit-0', 'digit-0', 'digit-2', '|', 'ticket-wait']);
    expect(ticket.text).toBe('Số thứ tự của bạn là bê một không không hai. Vui lòng nhận phiếu ở khe máy in, và chờ được gọi số.');
  });

  it('makes the voice once, on the first tap, unlocks audio there, and ignores taps while it speaks', async () => {
    const voice = fakeVoice('blocked');
    let made = 0;
    const reader = createReadAloud(() => {
      made++;
      return Promise.resolve(voice.port);
    });
    expect(made).toBe(0);
    const changes: boolean[] = [];
    reader.subscribe(() => changes.push(reader.state().speaking));
    const first = reader.read({ kind: 'home' });
    expect(reader.state().speaking).toBe(true);
    expect(await reader.read({ kind: 'lookup' })).toBe('busy');
    await tick();
    expect(voice.unlocks()).toBe(1);
    expect(voice.said.map((u) => u.clips[0])).toEqual(['screen-home']);
    voice.end('spoken');
    expect(await first).toBe('spoken');
    expect(reader.state()).toMatchObject({ speaking: false, engine: 'clips', last: 'spoken' });
    expect(changes.at(-1)).toBe(false);

    const second = reader.read({ kind: 'follow' });
    await tick();
    voice.end('spoken');
    await second;
    expect(made).toBe(1);
    expect(voice.unlocks()).toBe(1);
    expect(reader.state().said).toEqual([readAloudUtterance({ kind: 'home' }).text, readAloudUtterance({ kind: 'follow' }).text]);
  });

  it('unlocks audio synchronously inside the tap once the voice was prepared', async () => {
    const voice = fakeVoice('blocked');
    const reader = createReadAloud(() => Promise.resolve(voice.port));
    reader.prepare();
    await tick();
    const reading = reader.read({ kind: 'home' });
    // No await between the tap and unlock(): the browser still counts the tap as the gesture.
    expect(voice.unlocks()).toBe(1);
    await tick();
    voice.end('spoken');
    expect(await reading).toBe('spoken');
  });

  it('says it failed when no voice could be made, and tries to make one again on the next tap', async () => {
    const voice = fakeVoice();
    let attempts = 0;
    const reader = createReadAloud(() => (++attempts === 1 ? Promise.reject(new Error('no audio device')) : Promise.resolve(voice.port)));
    expect(await reader.read({ kind: 'rating' })).toBe('failed');
    expect(reader.state()).toMatchObject({ speaking: false, last: 'failed' });
    const again = reader.read({ kind: 'rating' });
    await tick();
    voice.end('spoken');
    expect(await again).toBe('spoken');
    expect(attempts).toBe(2);
  });

  it('stops the guide when the citizen leaves the screen, and reads again on the next tap', async () => {
    const voice = fakeVoice();
    const reader = createReadAloud(() => Promise.resolve(voice.port));
    reader.stop();
    expect(voice.stops()).toBe(0);
    const reading = reader.read({ kind: 'home' });
    await tick();
    reader.stop();
    expect(await reading).toBe('stopped');
    expect(voice.stops()).toBe(1);
    expect(reader.state()).toMatchObject({ speaking: false, last: 'stopped' });
    const again = reader.read({ kind: 'follow' });
    await tick();
    voice.end('spoken');
    expect(await again).toBe('spoken');
    expect(voice.stops()).toBe(1);
  });

  it('keeps only the last 20 sentences', async () => {
    const voice = fakeVoice();
    const reader = createReadAloud(() => Promise.resolve(voice.port));
    for (let i = 0; i < 25; i++) {
      const p = reader.read({ kind: 'ticket', number: `A${String(i).padStart(4, '0')}` });
      await tick();
      voice.end();
      await p;
    }
    expect(reader.state().said).toHaveLength(20);
    expect(reader.state().said[0]).toContain('a không không không năm');
  });
});
