import type { FastifyInstance } from 'fastify';
import { KIOSK_APP_ORIGIN } from '../shared/sync';
import { wireError } from './wireErrors';

/**
 * Cross-origin access for kiosks. A kiosk's page is never served by this server: Electron loads it
 * from `app://kiosk`, a web kiosk from its own web origin (another host or port). Browsers enforce
 * CORS on every call it makes, so every route a kiosk calls must answer the preflight and the real
 * request for the kiosk's origin — the tus upload routes included, whose replies bypass fastify.
 *
 * Guarantees:
 * - One allow-list of exact origins (`app://kiosk` always, the web-kiosk origins from
 *   configuration: `KIOSK_ORIGINS`); never `*`. Kiosks authenticate with a bearer header, never
 *   cookies, so credentials are not allowed cross-origin either.
 * - A preflight (`OPTIONS` with `Access-Control-Request-Method`) on any path is answered here,
 *   before routing to a handler: 204 with every method and request header a kiosk uses (tus's
 *   included) for an allowed origin; 403 `cors.origin-not-allowed` for any other origin, logged with
 *   what to configure.
 * - A real request from an allowed origin gets `Access-Control-Allow-Origin: <origin>`, `Vary:
 *   Origin` and the response headers a kiosk reads exposed (tus's `Location`, `Upload-Offset`…,
 *   `Retry-After`, `Blob-Verified`, a hub's `Blob-Relay`). The headers are set on the raw response, so hijacked replies
 *   (tus) carry them as well. Other origins get no CORS header: the browser hides the answer.
 * - Requests without `Origin` (Node, curl, the server's own tools) are unaffected.
 */

export interface CorsPolicy {
  /** The exact origins allowed, normalised (`scheme://host[:port]`, lower case). */
  readonly origins: readonly string[];
  allows(origin: string | undefined): boolean;
}

/** Methods a kiosk uses: the JSON API (GET, HEAD, POST) and tus (POST, HEAD, PATCH, DELETE). */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Request headers a kiosk sends: the bearer and JSON type, and every header of the tus protocol
 * (tus-js-client sends Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset and, with
 * `overridePatchMethod`, X-HTTP-Method-Override; Upload-Checksum and Upload-Defer-Length are part of
 * tus 1.0's extensions, allowed so a client that uses them is told the server's answer, not a CORS error).
 */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'tus-resumable',
  'upload-length',
  'upload-offset',
  'upload-metadata',
  'upload-checksum',
  'upload-defer-length',
  'upload-concat',
  'x-http-method-override',
  'x-requested-with',
] as const;

/** Response headers a kiosk reads (tus-js-client reads the tus ones; the engine reads the rest). */
export const CORS_EXPOSED_HEADERS = [
  'retry-after',
  'location',
  'tus-resumable',
  'tus-version',
  'tus-extension',
  'tus-max-size',
  'upload-offset',
  'upload-length',
  'upload-metadata',
  'upload-expires',
  'blob-verified',
  'blob-size',
  'blob-relay',
] as const;

const MAX_AGE_SECONDS = 600;

export class CorsConfigError extends Error {
  override readonly name = 'CorsConfigError';
}

/**
 * Normalises one configured origin. Accepts `scheme://host[:port]` (a trailing slash is tolerated);
 * refuses `*`, paths, queries, user-info and anything URL cannot parse, with a message naming it.
 */
export function normaliseOrigin(raw: string): string {
  const value = raw.trim();
  if (value === '*') throw new CorsConfigError('KIOSK_ORIGINS may not contain "*": list each kiosk origin, e.g. http://10.0.0.5:4173');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CorsConfigError(`KIOSK_ORIGINS: "${value.slice(0, 100)}" is not an origin (expected scheme://host[:port], e.g. http://10.0.0.5:4173)`);
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  if (path || url.search || url.hash || url.username || url.password || !url.host) {
    throw new CorsConfigError(`KIOSK_ORIGINS: "${value.slice(0, 100)}" must be an origin only (scheme://host[:port], no path)`);
  }
  // URL lower-cases scheme and host and drops a default port; `origin` is "null" for custom schemes.
  return `${url.protocol}//${url.host}`;
}

/** Parses `KIOSK_ORIGINS` (comma- or space-separated). Empty or unset: no web origins. */
export function parseKioskOrigins(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .filter((s) => s.length > 0)
    .map(normaliseOrigin);
}

export function corsPolicy(webOrigins: readonly string[] = []): CorsPolicy {
  const origins = [...new Set([KIOSK_APP_ORIGIN, ...webOrigins.map(normaliseOrigin)])];
  const allowed = new Set(origins);
  return {
    origins,
    allows: (origin) => origin !== undefined && allowed.has(origin.toLowerCase()),
  };
}

const ALLOWED_HEADERS = new Set<string>(CORS_ALLOWED_HEADERS);

/** The request headers a preflight asks for that this policy does not allow (lower case). */
export function unknownRequestHeaders(requested: string | undefined): string[] {
  if (!requested) return [];
  return requested
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0 && !ALLOWED_HEADERS.has(h));
}

/**
 * Installs the policy on `app`: registered before any route, so it covers every route and the
 * tus scope. The caller keeps an `OPTIONS /*` route so a preflight on any path reaches this hook.
 */
export function registerCors(app: FastifyInstance, policy: CorsPolicy): void {
  const exposed = CORS_EXPOSED_HEADERS.join(', ');
  app.addHook('onRequest', async (request, reply) => {
    // Every answer depends on the caller's origin: a shared cache must not serve one origin's to another.
    reply.raw.setHeader('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const allowed = policy.allows(origin);
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      if (!allowed) {
        request.log.warn(
          { origin: origin.slice(0, 200), path: request.url.split('?')[0]?.slice(0, 100) },
          'CORS preflight from an origin not in KIOSK_ORIGINS: refused (add the kiosk origin to KIOSK_ORIGINS if it is one of ours)',
        );
        return reply
          .code(403)
          .send(
            wireError(
              'cors.origin-not-allowed',
              `origin ${origin.slice(0, 200)} is not allowed to call this server; a technician adds the kiosk's origin to the server's KIOSK_ORIGINS`,
            ),
          );
      }
      const unknown = unknownRequestHeaders(request.headers['access-control-request-headers']);
      if (unknown.length > 0) request.log.warn({ origin, headers: unknown.slice(0, 10) }, 'CORS preflight asks for request headers the server does not allow');
      reply
        .code(204)
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', CORS_ALLOWED_METHODS.join(', '))
        .header('access-control-allow-headers', CORS_ALLOWED_HEADERS.join(', '))
        .header('access-control-max-age', String(MAX_AGE_SECONDS));
      // Chromium's Private Network Access: a kiosk page reaching a server on the branch LAN.
      if (request.headers['access-control-request-private-network'] === 'true') reply.header('access-control-allow-private-network', 'true');
      return reply.send();
    }
    // Set on the raw response so that replies written around fastify (tus, hijacked) carry them too.
    if (!allowed) return;
    reply.raw.setHeader('access-control-allow-origin', origin);
    reply.raw.setHeader('access-control-expose-headers', exposed);
  });
}
