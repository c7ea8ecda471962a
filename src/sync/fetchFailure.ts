import { KIOSK_APP_ORIGIN } from '../shared/sync';
import { TransportError } from './Transport';

/**
 * Tells a dead network from a refused request, after `fetch` rejected.
 *
 * In a browser, fetch rejects with the same bare TypeError whether the server cannot be reached or
 * the browser refused the request or hid its answer (CORS: a preflight the server did not allow, a
 * missing `Access-Control-Allow-Origin`; a proxy that answers without CORS headers). A `no-cors`
 * GET of `/health` tells the two apart: it sends no custom header (so no preflight) and resolves
 * with an opaque answer whenever the server answered anything at all. If it resolves, the network
 * works and the server is there, so the failed request was refused on its own — kind `blocked`,
 * code `net.blocked`, with the method, path and this page's origin for the technician. Otherwise
 * (or when the probe itself cannot run) the failure is the network's: `network`, `net.unreachable`.
 *
 * In Node there is no CORS: the probe only confirms the server is reachable again, which happens
 * when it restarted between the two requests; the next attempt then classifies afresh.
 */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface FailedRequest {
  readonly baseUrl: string;
  readonly method: string;
  /** The path (and query) that failed, e.g. `/v1/blobs/tus/ab12…`. */
  readonly path: string;
  readonly cause: unknown;
  readonly fetchLike: FetchFn;
  readonly probeTimeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 200) : 'network error';
}

/** The page's own origin, when there is a page (what the server's KIOSK_ORIGINS must list). */
function pageOrigin(): string | null {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? origin : null;
}

/** Shortens upload ids and query strings: the detail names the route, not the request. */
function routeOf(path: string): string {
  return path
    .split('?')[0]!
    .replace(/\/[0-9a-f]{24,}$/i, '/…')
    .slice(0, 120);
}

export async function explainFetchFailure(request: FailedRequest): Promise<TransportError> {
  const base = request.baseUrl.replace(/\/+$/, '');
  const route = `${request.method} ${routeOf(request.path)}`;
  if (await serverAnswers(base, request.fetchLike, request.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS)) {
    const origin = pageOrigin();
    // Electron's app://kiosk is allowed by every server: there the cause is a proxy or a cut.
    const advice = origin && origin !== KIOSK_APP_ORIGIN ? `; this kiosk's origin ${origin} must be in the server's KIOSK_ORIGINS` : '';
    return new TransportError('blocked', {
      code: 'net.blocked',
      detail: `the server at ${base} answers, but ${route} was refused or cut before the kiosk could read the answer (CORS or a proxy${advice}): ${describeCause(request.cause)}`,
    });
  }
  return new TransportError('network', { code: 'net.unreachable', detail: `${route}: ${describeCause(request.cause)}` });
}

async function serverAnswers(base: string, fetchLike: FetchFn, timeoutMs: number): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await fetchLike(`${base}/health`, { method: 'GET', mode: 'no-cors', cache: 'no-store', credentials: 'omit', signal: controller.signal });
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
