import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_CONFIG, type QueueActionArgs } from '../shared/queue';
import { createHttpTransport, QUEUE_ACTIONS_PATH, type QueueEventStream } from './httpTransport';
import { TransportError } from './Transport';

const ACTION: QueueActionArgs = {
  id: '0193a1b2-0000-7000-8000-0000000000a1',
  branchCode: 'CN01',
  day: '2026-12-03',
  counter: 3,
  kind: 'call',
  how: 'next',
  groups: ['A'],
  ticketNumber: null,
  toGroup: null,
  toCounter: null,
  dossierCodes: [],
  staffId: 'CB0012',
  at: Date.UTC(2026, 11, 3, 2),
  offline: false,
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('the HTTP transport’s queue routes', () => {
  it('posts an action with the device credential and validates the answer', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const t = createHttpTransport({
      baseUrl: 'http://hub.test/',
      token: () => 'secret-token',
      eventSource: null,
      fetch: async (url, init) => {
        seen.push({ url: String(url), init });
        return json(200, { action: { ...ACTION, ticketNumber: 'A0001' }, ticket: null, repeated: false });
      },
    });
    const answer = await t.queueAction!(ACTION);
    expect(answer.action.ticketNumber).toBe('A0001');
    expect(seen[0]!.url).toBe(`http://hub.test${QUEUE_ACTIONS_PATH}`);
    expect((seen[0]!.init?.headers as Record<string, string>).authorization).toBe('Bearer secret-token');
    expect(JSON.parse(String(seen[0]!.init?.body))).toEqual(ACTION);
  });

  it('a queue refusal is a protocol error carrying the owner’s code; an answer off the contract is refused', async () => {
    let reply = json(409, { code: 'queue.empty', detail: 'nobody waiting' });
    const t = createHttpTransport({ baseUrl: 'http://hub.test', token: () => 'x', eventSource: null, fetch: async () => reply });
    const e = await t.queueAction!(ACTION).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect([(e as TransportError).kind, (e as TransportError).wire.code]).toEqual(['protocol', 'queue.empty']);
    reply = json(200, { waiting: 'lots' });
    expect(((await t.queueState!('2026-12-03').catch((x: unknown) => x)) as TransportError).wire.code).toBe('sync.bad-answer');
    reply = json(200, {
      branchCode: 'CN01',
      day: '2026-12-03',
      version: 4,
      waiting: [],
      active: [],
      waitingByGroup: { A: 0 },
      estimateByGroup: { A: null },
      config: DEFAULT_QUEUE_CONFIG,
    });
    expect((await t.queueState!('2026-12-03')).version).toBe(4);
  });

  it('opens the events stream for the branch, reports pokes, and closes itself on an error (the caller reconnects)', () => {
    const listeners = new Map<string, (e: { data: string }) => void>();
    let closed = 0;
    let opened = '';
    const stream: QueueEventStream = {
      addEventListener: (type: string, l: (e: { data: string }) => void) => void listeners.set(type, l),
      close: () => void closed++,
    } as QueueEventStream;
    const t = createHttpTransport({
      baseUrl: 'http://hub.test',
      token: () => 'x',
      eventSource: (url) => {
        opened = url;
        return stream;
      },
    });
    const pokes: number[] = [];
    let errors = 0;
    t.queueEvents!('CN01', { onOpen: () => undefined, onPoke: (v) => pokes.push(v), onError: () => void errors++ });
    expect(opened).toBe('http://hub.test/v1/queue/events?branch=CN01');
    listeners.get('queue')!({ data: '{"version":7}' });
    listeners.get('error')!({ data: '' });
    listeners.get('queue')!({ data: '{"version":8}' });
    expect(pokes).toEqual([7]);
    expect([errors, closed]).toEqual([1, 1]);
  });
});
