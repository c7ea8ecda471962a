import { describe, expect, it } from 'vitest';
import { createHttpTransport } from './httpTransport';
import { TransportError } from './Transport';

const CODE = '000.00.21.H26-261203-0042';
const answer = (status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch =>
  (async () => new Response(body === null ? null : JSON.stringify(body), { status, headers })) as typeof fetch;

describe('httpTransport.lookup', () => {
  const ask = (f: typeof fetch) => createHttpTransport({ baseUrl: 'http://centre', token: () => null, fetch: f }).lookup!({ code: CODE, secret: 'R7TQ4WXN' });
  it('found, not found (unknown code and wrong secret alike), limited with the wait', async () => {
    const status = { code: CODE, status: 'processing', statusAt: 1, appointmentDate: null, note: '' };
    expect(await ask(answer(200, status))).toEqual({ kind: 'found', status });
    expect(await ask(answer(404, { code: 'lookup.not-found', detail: '' }))).toEqual({ kind: 'not-found' });
    expect(await ask(answer(429, { code: 'lookup.rate-limited', detail: '' }, { 'retry-after': '8' }))).toEqual({ kind: 'limited', retryAfterSeconds: 8 });
    expect(await ask(answer(429, null))).toEqual({ kind: 'limited', retryAfterSeconds: 60 });
  });
  it('sends no credential, and an answer off the contract is a protocol error', async () => {
    let auth: string | null = 'unset';
    const spy = (async (_url: string, init?: RequestInit) => {
      auth = new Headers(init?.headers).get('authorization');
      return new Response(JSON.stringify({ nope: 1 }), { status: 200 });
    }) as typeof fetch;
    await expect(ask(spy)).rejects.toBeInstanceOf(TransportError);
    expect(auth).toBeNull();
  });
});
