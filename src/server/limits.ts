import type { Server, ServerOptions as HttpServerOptions } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * What one caller may cost the server (issue 11, item 4): slow senders, deep bodies, many sockets.
 * Every figure is configurable (main.ts reads the environment); the defaults suit a centre serving
 * branches over ordinary links, where a 2 MiB scan chunk must still pass on a slow line.
 */
export interface ServerLimits {
  /** The whole request (headers and body) must arrive within this time, or 408 and the socket closes. */
  readonly requestTimeoutMs: number;
  /** The request's headers must arrive within this time. */
  readonly headersTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed. */
  readonly idleTimeoutMs: number;
  /** An idle keep-alive socket is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /**
   * Open sockets per source address; the next one gets 503 and is closed. A branch behind one NAT
   * address shares it, so it is generous; trusted proxies are not counted (they count for us).
   */
  readonly maxConnectionsPerAddress: number;
  /** JSON bodies nested deeper than this are refused before they are parsed. */
  readonly maxJsonDepth: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  // 2 MiB (a tus chunk) in 120 s is 17 KiB/s: a slow branch line still gets through, and a tus
  // upload cut by the timeout resumes from the bytes already stored.
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 10_000,
  maxConnectionsPerAddress: 128,
  maxJsonDepth: 32,
};

/**
 * Options for Fastify's own HTTP server. Node checks request and header timeouts every
 * `connectionsCheckingInterval` (30 s by default, so a 15 s timeout could take 45 s); 1 s keeps them
 * close to what is configured. Fastify's default requestTimeout is 0 (never): the slow-body probe
 * held a connection past 150 s.
 */
export function fastifyTimeoutOptions(limits: ServerLimits): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: HttpServerOptions;
} {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
  };
}

const TOO_MANY_CONNECTIONS = (() => {
  const body = JSON.stringify({ code: 'http.too-many-connections', detail: 'too many open connections from this address; retry later' });
  return `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
})();

/**
 * Caps open sockets per source address. Counted at the socket, before any byte is parsed, so it
 * also bounds slow senders. Addresses `isTrusted` says are our proxies are not capped.
 */
export function capConnectionsPerAddress(server: Server, max: number, isTrusted: (address: string) => boolean): { open(address: string): number } {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (isTrusted(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.end(TOO_MANY_CONNECTIONS);
      socket.destroySoon();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return { open: (address) => open.get(address) ?? 0 };
}

/** Marker on the error the JSON parser throws for a too-deep body (app.ts answers `http.too-deep`). */
export const JSON_TOO_DEEP = 'HPASC_JSON_TOO_DEEP';

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping as soon as it passes `max`.
 * One pass over the characters, no allocation: strings are skipped with their escapes, so a
 * bracket inside a string does not count. Malformed text is left to the parser.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser with one that refuses deep nesting before parsing (a 1 MB body of
 * 500,000 nested arrays cost 200–300 ms of parsing on the open enrol route), then parses with
 * Fastify's own parser (prototype-poisoning checks kept).
 */
export function registerJsonParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      const error = Object.assign(new Error(`JSON nested deeper than ${maxDepth} levels`), { statusCode: 400, code: JSON_TOO_DEEP });
      done(error, undefined);
      return;
    }
    parse(request, text, done);
  });
}

/**
 * The reverse proxies in front of the centre (`TRUST_PROXY`: comma-separated addresses or CIDR
 * ranges). Only their `X-Forwarded-For` is believed (Fastify's trustProxy takes the same list), so
 * a caller cannot pick its own address for the look-up limits by sending the header itself.
 */
export interface TrustedProxies {
  readonly list: readonly string[];
  has(address: string): boolean;
}

export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const blocks = new BlockList();
  for (const entry of list) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = prefix === undefined ? null : Number(prefix);
    if (family === 0 || rest.length > 0 || (bits !== null && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)))) {
      throw new Error(`TRUST_PROXY: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24)`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === null) blocks.addAddress(address!, type);
    else blocks.addSubnet(address!, bits, type);
  }
  return {
    list,
    has(raw) {
      if (list.length === 0) return false;
      const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
      const family = isIP(address);
      return family !== 0 && blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

const LIMIT_ENV: Readonly<Record<keyof ServerLimits, string>> = {
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'HEADERS_TIMEOUT_MS',
  idleTimeoutMs: 'IDLE_TIMEOUT_MS',
  keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS',
  maxConnectionsPerAddress: 'MAX_CONNECTIONS_PER_ADDRESS',
  maxJsonDepth: 'MAX_JSON_DEPTH',
};

/** The limits set in the environment (names in LIMIT_ENV); a bad value stops the server with its name. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<ServerLimits> {
  const out: Partial<Record<keyof ServerLimits, number>> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof ServerLimits, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
    out[key] = value;
  }
  return out;
}
