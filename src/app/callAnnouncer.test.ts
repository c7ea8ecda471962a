import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeVoice } from '../../test/support/fakeVoice';
import { PAUSE } from '../domain/callPhrase';
import { PAUSE_CLIP } from '../platform/voice/VoicePort';
import { createCallAnnouncer, utteranceFor, type AnnouncedMemory, type BoardCall } from './callAnnouncer';

const T0 = Date.UTC(2026, 10, 24, 2, 0, 0);
let seq = 0;
const call = (number: string, counter: number, recall = false): BoardCall => ({
  id: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
  number,
  counter,
  at: T0 + seq * 1000,
  recall,
});
const sentence = (number: string, counter: number): string => utteranceFor({ number, counter }).text;

function memoryStore(): AnnouncedMemory & { saved: { ids: readonly string[]; savedAt: number } | null } {
  const m = {
    saved: null as { ids: readonly string[]; savedAt: number } | null,
    load: () => m.saved,
    save: (ids: readonly string[], savedAt: number) => {
      m.saved = { ids: [...ids], savedAt };
    },
  };
  return m;
}

describe('call announcer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(opts: { durationMs?: number; memory?: ReturnType<typeof memoryStore> } = {}) {
    // Date.now is faked with the timers: the voice's timings and the announcer's clock agree.
    const clock = { now: () => Date.now(), set: (ms: number) => vi.setSystemTime(ms) };
    const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);
    const voice = createFakeVoice({ durationMs: opts.durationMs ?? 3000, now: () => clock.now() });
    const memory = opts.memory ?? memoryStore();
    const announcer = createCallAnnouncer({ voice, clock, memory });
    return { clock, tick, voice, memory, announcer };
  }

  it('hands the voice the chime, the sentence and its clips (the pause the port knows)', () => {
    expect(PAUSE).toBe(PAUSE_CLIP);
    expect(utteranceFor({ number: 'A015', counter: 15 })).toEqual({
      chime: true,
      text: 'Mời khách hàng số a không một năm, đến quầy số mười lăm',
      clips: ['invite', 'letter-a', 'digit-0', 'digit-1', 'digit-5', PAUSE_CLIP, 'to-counter', 'ten', 'five-after-tens'],
    });
  });

  it('speaks two calls 100 ms apart, both, in order, the second after the first ended', async () => {
    const { tick, voice, announcer } = setup();
    const history = call('A001', 1);
    announcer.offer([history]); // the first board: history, not spoken
    const first = call('A015', 3);
    announcer.offer([first, history]);
    await tick(100);
    const second = call('B007', 12);
    announcer.offer([second, first, history]);
    await tick(10_000);
    expect(voice.log.map((l) => l.text)).toEqual([sentence('A015', 3), sentence('B007', 12)]);
    expect(voice.maxConcurrent).toBe(1);
    const [a, b] = voice.log;
    expect(b?.startedAt).toBeGreaterThanOrEqual(a?.endedAt ?? Infinity);
    expect(announcer.state().said).toEqual([sentence('A015', 3), sentence('B007', 12)]);
  });

  it('never cuts off: calls arriving mid-sentence wait their turn; several on one board go oldest first', async () => {
    const { tick, voice, announcer } = setup({ durationMs: 4000 });
    announcer.offer([]);
    const a = call('A001', 1);
    announcer.offer([a]);
    await tick(1000);
    const b = call('A002', 2);
    const c = call('A003', 3);
    announcer.offer([c, b, a]);
    await tick(500);
    expect(announcer.state().speaking?.number).toBe('A001');
    expect(announcer.state().queued.map((q) => q.number)).toEqual(['A002', 'A003']);
    await tick(20_000);
    expect(voice.log.map((l) => l.text)).toEqual([sentence('A001', 1), sentence('A002', 2), sentence('A003', 3)]);
    expect(voice.log.every((l) => l.endedAt !== null && l.endedAt - l.startedAt === 4000)).toBe(true);
    expect(voice.maxConcurrent).toBe(1);
  });

  it('speaks a recall again (its own id), and the same board twice only once', async () => {
    const { tick, voice, announcer } = setup();
    announcer.offer([]);
    const first = call('C021', 5);
    announcer.offer([first]);
    announcer.offer([first]);
    await tick(5000);
    const recall = call('C021', 5, true);
    announcer.offer([recall, first]);
    announcer.offer([recall, first]);
    await tick(5000);
    expect(voice.log.map((l) => l.text)).toEqual([sentence('C021', 5), sentence('C021', 5)]);
  });

  it('does not replay the history after a reload; speaks what came during a quick reload', async () => {
    const memory = memoryStore();
    const run1 = setup({ memory });
    const old1 = call('A001', 1);
    const old2 = call('A002', 2);
    run1.announcer.offer([old2, old1]); // first board of the day on this screen: nothing spoken
    await run1.tick(5000);
    expect(run1.voice.log).toEqual([]);
    const spoken = call('A003', 3);
    run1.announcer.offer([spoken, old2, old1]);
    await run1.tick(5000);
    expect(run1.voice.log.map((l) => l.text)).toEqual([sentence('A003', 3)]);
    run1.announcer.stop();

    // Reload 10 s later: one call came meanwhile.
    const during = call('B001', 4);
    const run2 = setup({ memory });
    run2.clock.set(memory.saved!.savedAt + 10_000);
    run2.announcer.offer([during, spoken, old2, old1]);
    await run2.tick(5000);
    expect(run2.voice.log.map((l) => l.text)).toEqual([sentence('B001', 4)]);
    run2.announcer.stop();

    // Opened again an hour later: everything on the board is history.
    const later = call('B002', 5);
    const run3 = setup({ memory });
    run3.clock.set(memory.saved!.savedAt + 3_600_000);
    run3.announcer.offer([later, during, spoken, old2, old1]);
    await run3.tick(5000);
    expect(run3.voice.log).toEqual([]);
    const next = call('B003', 6);
    run3.announcer.offer([next, later, during, spoken]);
    await run3.tick(5000);
    expect(run3.voice.log.map((l) => l.text)).toEqual([sentence('B003', 6)]);
  });

  it('holds calls while sound is blocked, then speaks the recent ones and drops the stale', async () => {
    const { tick, voice, announcer } = setup();
    voice.setGate('blocked');
    announcer.offer([]);
    const old = call('A001', 1);
    announcer.offer([old]);
    await tick(3 * 60_000); // older than the 2-minute staleness by the time sound is on
    const fresh = call('A002', 2);
    announcer.offer([fresh, old]);
    await tick(1000);
    expect(voice.log).toEqual([]);
    expect(announcer.state().queued.map((q) => q.number)).toEqual(['A001', 'A002']);
    await voice.unlock();
    await tick(10_000);
    expect(voice.log.map((l) => l.text)).toEqual([sentence('A002', 2)]);
    expect(announcer.state().dropped).toBe(1);
  });
});
