import type { Clock } from '../../shared/clock';

/**
 * A branch hub's link to the centre: JSON requests with the hub's credential and a timeout, and
 * what the last ones said about the link (for the hub's status). A request that gets no HTTP answer
 * (refused, reset, timed out, DNS) throws UpstreamUnreachable; any HTTP answer is returned as is.
 */
export class UpstreamUnreachable extends Error {
  override readonly name = 'UpstreamUnreachable';
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface LinkState {
  /** Whether the last request got an HTTP answer (null before the first). */
  readonly reachable: boolean | null;
  readonly lastAnswerAt: number | null;
  readonly lastFailureAt: number | null;
  readonly lastFailure: string | null;
}

export interface Upstream {
  readonly baseUrl: string;
  request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options?: { timeoutMs?: number; auth?: boolean; headers?: Readonly<Record<string, string>> },
  ): Promise<UpstreamAnswer>;
  /** Any request (tus), with the hub's credential; `target` is a path or an absolute URL on the centre. */
  raw(method: string, target: string, init: { headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer>; timeoutMs?: number }): Promise<Response>;
  link(): LinkState;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 20_000;

export function createUpstream(options: {
  readonly baseUrl: string;
  readonly token: () => string | null;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}): Upstream {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  let state: LinkState = { reachable: null, lastAnswerAt: null, lastFailureAt: null, lastFailure: null };
  const failed = (e: unknown): UpstreamUnreachable => {
    const why = e instanceof Error ? `${e.name}: ${(e.cause instanceof Error ? e.cause.message : e.message).slice(0, 200)}` : 'no answer';
    state = { ...state, reachable: false, lastFailureAt: options.clock.now(), lastFailure: why };
    return new UpstreamUnreachable(`the centre (${baseUrl}) did not answer: ${why}`);
  };
  return {
    baseUrl,
    link: () => state,
    async raw(method, target, init) {
      const url = /^https?:\/\//.test(target) ? target : `${baseUrl}${target}`;
      if (!url.startsWith(`${baseUrl}/`)) throw new Error(`refusing to send the hub credential outside the centre: ${url.slice(0, 100)}`);
      const headers: Record<string, string> = { ...init.headers };
      const token = options.token();
      if (token) headers.authorization = `Bearer ${token}`;
      try {
        const res = await doFetch(url, {
          method,
          headers,
          ...(init.body ? { body: init.body } : {}),
          signal: AbortSignal.timeout(init.timeoutMs ?? options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS),
        });
        state = { ...state, reachable: true, lastAnswerAt: options.clock.now() };
        return res;
      } catch (e) {
        throw failed(e);
      }
    },
    async request(method, path, body, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const token = options.token();
      if (requestOptions.auth !== false && token) headers.authorization = `Bearer ${token}`;
      let res: Response;
      try {
        res = await doFetch(`${baseUrl}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(requestOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS),
        });
      } catch (e) {
        throw failed(e);
      }
      const text = await res.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      state = { ...state, reachable: true, lastAnswerAt: options.clock.now() };
      return { status: res.status, body: parsed };
    },
  };
}
