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
  request(method: 'GET' | 'POST', path: string, body?: unknown, options?: { timeoutMs?: number; auth?: boolean }): Promise<UpstreamAnswer>;
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
  return {
    baseUrl,
    link: () => state,
    async request(method, path, body, requestOptions = {}) {
      const headers: Record<string, string> = { accept: 'application/json' };
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
        const why = e instanceof Error ? `${e.name}: ${(e.cause instanceof Error ? e.cause.message : e.message).slice(0, 200)}` : 'no answer';
        state = { ...state, reachable: false, lastFailureAt: options.clock.now(), lastFailure: why };
        throw new UpstreamUnreachable(`the centre (${baseUrl}) did not answer: ${why}`);
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
