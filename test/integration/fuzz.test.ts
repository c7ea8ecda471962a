import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrolRequest, HeartbeatRequest, PublishRequest, PullRequest, PushRequest, SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import { recordDossierStatus } from '../../src/server/dossiers';
import { QueueActionArgs, QueueBoardQuery, QueueEventsQuery, StaffCallAnswerRequest } from '../../src/shared/queue';
import { BLOBS_KNOWN_PATH, BlobsKnownRequest } from '../../src/shared/blobsKnown';
import { HubHeartbeatRequest, HubRelayRequest } from '../../src/shared/hub';
import { REUSE_INDEX_PATH, REUSE_PDF_PATH, ReuseIndexRequest, ReusePdfRequest } from '../../src/shared/reuseIndex';
import { adminAuthHeader, enrolDevice, openHarness, pgliteEngine, postgresEngine, START, stateHash, type Engine, type Harness } from './serverHarness';

/**
 * Hostile-input fuzzing of every route, in-process (app.inject). A seeded generator (FUZZ_SEED to
 * replay; the seed is printed in every failure message) makes malformed or hostile requests: wrong
 * types, missing / extra / prototype-polluting fields, huge strings up to and past the 1 MB body
 * limit, 10,000-deep nesting, arrays of 10^5 items, SQL-looking text, NUL bytes, lone surrogates,
 * invalid UTF-8 in the raw body, wrong content types, hostile query strings and tus headers.
 * Each authenticated route gets every payload with a valid credential (so validation is reached)
 * and without one. Asserted for every answer: no 5xx; an error body is exactly {code, detail}; no
 * part of the hostile input is echoed; and after each route's batch nothing at all was written
 * (a fingerprint of every table is unchanged). GET /health still answers 200 at the end.
 *
 * PGlite gets the full run (≥ 1,000 payloads per route); PostgreSQL, when TEST_DATABASE_URL is set,
 * a smaller sample of the same generator.
 */
// A fixed default seed keeps CI reproducible; FUZZ_SEED=random explores new inputs (the seed is printed on failure).
const SEED =
  process.env.FUZZ_SEED === 'random' ? (Date.now() ^ (process.pid << 8)) >>> 0 : process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 20261124;
/** Put into every hostile string and key: it must never come back in an answer. */
const MARK = 'Zx7ECHO';

function mulberry32(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// Big shapes are spliced into the serialised JSON through placeholders, so they are built once.
const DEEP_ARRAY = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
const BIG_ARRAY = `[${Array.from({ length: 100_000 }, (_, i) => i % 7).join(',')}]`;
const BIG_OBJECT_ARRAY = `[${Array.from({ length: 100_000 }, () => '{}').join(',')}]`;
const PLACEHOLDERS: Record<string, string> = {
  '"@@DEEP_ARRAY@@"': DEEP_ARRAY,
  '"@@DEEP_OBJECT@@"': DEEP_OBJECT,
  '"@@BIG_ARRAY@@"': BIG_ARRAY,
  '"@@BIG_OBJECT_ARRAY@@"': BIG_OBJECT_ARRAY,
};

function hostileString(r: Rng): string {
  switch (r.int(14)) {
    case 0:
      return `'; DROP TABLE tickets; --${MARK}`;
    case 1:
      return `${MARK}\u0000\u0000nul`;
    case 2:
      return `\ud800${MARK}\udfff`;
    case 3:
      return `${MARK}\u202e\u200b\ufeff`;
    case 4:
      return `../../etc/passwd${MARK}`;
    case 5:
      return `<script>${MARK}</script>`;
    case 6:
      return `\${jndi:ldap://x/${MARK}} %00 %s %n`;
    case 7:
      return `${MARK}${'x'.repeat(r.int(5000))}`;
    case 8:
      return `Nguyễn Văn A ${MARK} 🇻🇳`;
    case 9:
      return `1' OR '1'='1${MARK}`;
    case 10:
      return `${MARK}\\u0000\\`;
    case 11:
      // Huge: from well under to well past the 1 MB body limit (rare: they cost time).
      return r.chance(0.15) ? `${MARK}${'y'.repeat(r.pick([100_000, 900_000, 1_100_000, 2_000_000]))}` : `${MARK}${'z'.repeat(300)}`;
    case 12:
      return `000.00.21.H26-261124-0001${MARK}`;
    default:
      return `${MARK}`;
  }
}

function hostileValue(r: Rng, depth = 0): unknown {
  switch (r.int(16)) {
    case 0:
    case 1:
    case 2:
      return hostileString(r);
    case 3:
      return r.pick([-1, 0, 1.5, -0.0001, 1e308, -1e308, 2 ** 53 + 2, 2 ** 63, 8_640_000_000_000_001, 4294967296]);
    case 4:
      return r.pick([true, false, null]);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return depth < 3 ? Array.from({ length: r.int(4) + 1 }, () => hostileValue(r, depth + 1)) : MARK;
    case 8:
      return depth < 3 ? pollutedObject(r, depth + 1) : MARK;
    // The big shapes are rare: each costs a few milliseconds to send and parse.
    case 9:
      return r.chance(0.15) ? r.pick(['@@DEEP_ARRAY@@', '@@DEEP_OBJECT@@']) : hostileString(r);
    case 10:
      return r.chance(0.15) ? r.pick(['@@BIG_ARRAY@@', '@@BIG_OBJECT_ARRAY@@']) : MARK;
    case 11:
      return r.pick(['1', 'true', 'null', '', ' ', '0x10', '1e3', 'NaN', 'Infinity']);
    case 12:
      return randomUUID() + MARK;
    default:
      return hostileString(r);
  }
}

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  `${MARK}key`,
  `\u0000${MARK}`,
  `${MARK}${'k'.repeat(2000)}`,
  '',
  `\ud800${MARK}`,
];

/** Sets an own property even for "__proto__" (plain assignment would change the prototype instead). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function pollutedObject(r: Rng, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const key = r.pick(HOSTILE_KEYS);
  setOwn(o, key, key === '__proto__' || key === 'constructor' ? { polluted: MARK, prototype: { polluted: MARK } } : hostileValue(r, depth));
  return o;
}

type Json = unknown;

/** Every container (object or array) inside a JSON value, with the way to reach it. */
function containers(value: Json, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof value === 'object' && value !== null) {
    out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) containers(v, out);
  }
  return out;
}

/** Applies 1–3 structural mutations to a deep copy of a valid body. */
function mutate(r: Rng, template: Json): Json {
  let root: Json = structuredClone(template);
  const steps = 1 + r.int(3);
  for (let i = 0; i < steps; i++) {
    const all = containers(root);
    const target = all.length > 0 ? r.pick(all) : null;
    const op = r.int(10);
    if (op === 0 || !target) {
      root = hostileValue(r);
      continue;
    }
    const keys = Object.keys(target);
    if (op <= 4 && keys.length > 0) {
      const key = r.pick(keys);
      if (Array.isArray(target)) target[Number(key)] = hostileValue(r);
      else setOwn(target, key, hostileValue(r));
    } else if (op <= 6 && keys.length > 0) {
      const key = r.pick(keys);
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
    } else if (Array.isArray(target)) {
      target.push(hostileValue(r));
    } else {
      setOwn(target, r.pick(HOSTILE_KEYS), hostileValue(r));
    }
  }
  return root;
}

function serialise(value: Json): string {
  let raw = JSON.stringify(value) ?? 'undefined';
  for (const [placeholder, text] of Object.entries(PLACEHOLDERS)) if (raw.includes(placeholder)) raw = raw.split(placeholder).join(text);
  return raw;
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/octet-stream',
  `application/${MARK}`,
  'application/json;;;',
  'APPLICATION/JSON',
  '',
];

interface Payload {
  readonly body: string | Buffer | undefined;
  readonly contentType: string | undefined;
  readonly description: string;
}

/** A hostile raw body for a JSON route: a mutated valid body, then maybe raw-level damage. */
function jsonPayload(r: Rng, template: Json): Payload {
  const value = mutate(r, template);
  let raw: string | Buffer = serialise(value);
  let contentType: string | undefined = 'application/json';
  const damage = r.int(12);
  if (damage === 0) raw = raw.slice(0, r.int(raw.length));
  else if (damage === 1) {
    // Invalid UTF-8: a stray continuation byte, an overlong NUL, a lone 0xFF, a truncated sequence.
    const at = r.int(raw.length + 1);
    const s = Buffer.from(raw, 'utf8');
    raw = Buffer.concat([s.subarray(0, at), Buffer.from(r.pick([[0x80], [0xc0, 0x80], [0xff, 0xfe], [0xe0, 0xa4], [0xed, 0xa0, 0x80]])), s.subarray(at)]);
  } else if (damage === 2) contentType = r.pick(CONTENT_TYPES) || undefined;
  else if (damage === 3)
    raw = r.pick([
      '',
      ' ',
      'null',
      '[]',
      '"x"',
      '1',
      'true',
      `{"${MARK}":`,
      '\ufeff{}',
      `{"__proto__":{"polluted":"${MARK}"}}`,
      `{"constructor":{"prototype":{"polluted":"${MARK}"}}}`,
    ]);
  else if (damage === 4) raw = `{"__proto__":{"polluted":"${MARK}"},${raw.startsWith('{') ? raw.slice(1) : `"x":${raw}}`}`;
  else if (damage === 5) raw = `${raw}${MARK}`;
  return { body: raw, contentType, description: `${contentType ?? '(none)'} ${describeBody(raw)}` };
}

function describeBody(raw: string | Buffer | undefined): string {
  if (raw === undefined) return '(no body)';
  const s = typeof raw === 'string' ? raw : raw.toString('latin1');
  return s.length > 160 ? `${s.slice(0, 160)}… (${s.length} chars)` : s;
}

/** Would this body pass the route's own schema? Such a payload is not hostile: it is regenerated. */
function passesSchema(schema: { safeParse(v: unknown): { success: boolean } } | null, p: Payload): boolean {
  // Whatever fastify might accept as JSON (any casing or parameters of the media type, a BOM).
  if (!schema || p.body === undefined || !/json/i.test(p.contentType ?? '')) return false;
  const text = (typeof p.body === 'string' ? p.body : p.body.toString('utf8')).replace(/^\ufeff/, '');
  try {
    return schema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

interface Route {
  readonly name: string;
  /** The credential that reaches validation: a counter, the admin, a branch hub, or none. */
  readonly auth: 'device' | 'admin' | 'hub' | 'none';
  /** Builds one request (without the credential). */
  make(r: Rng): InjectOptions & { description: string };
}

const JOURNAL = '0193a1b2-0000-7000-8000-00000000f001';

function jsonRoute(name: string, url: string, auth: Route['auth'], template: Json, schema: { safeParse(v: unknown): { success: boolean } } | null): Route {
  return {
    name,
    auth,
    make(r) {
      for (;;) {
        const p = jsonPayload(r, template);
        if (passesSchema(schema, p)) continue;
        const headers: Record<string, string> = {};
        if (p.contentType !== undefined) headers['content-type'] = p.contentType;
        return { method: 'POST', url, headers, payload: p.body, description: p.description };
      }
    },
  };
}

function hostileUrlPart(r: Rng): string {
  switch (r.int(9)) {
    case 0:
      // encodeURIComponent refuses lone surrogates; their UTF-8-style encoding (%ED%A0%80) is case 1.
      return encodeURIComponent(
        hostileString(r)
          .slice(0, 3000)
          .replace(/[\ud800-\udfff]/g, ''),
      );
    case 1:
      return r.pick(['%', '%E0%A4%A', '%ZZ', '%00', '%C0%80', '%ED%A0%80', '%FF']) + MARK;
    case 2:
      return `..%2F..%2Fetc%2Fpasswd${MARK}`;
    case 3:
      return 'a'.repeat(r.pick([63, 65, 64])) + (r.chance(0.5) ? MARK : '');
    case 4:
      return 'A'.repeat(64);
    case 5:
      return `${'f'.repeat(64)}%00${MARK}`;
    case 6:
      return MARK.repeat(r.pick([1, 100, 20_000]));
    case 7:
      return `${MARK}%20%27%3B%20DROP%20TABLE%20blobs%3B--`;
    default:
      return encodeURIComponent(`${MARK}\u0000\ud83d`.replace('\ud83d', '')) + '%ED%B0%80';
  }
}

/**
 * A GET route whose query the schema checks: hostile keys and values, repeated and missing keys,
 * arrays, prototype names, a huge value, a body on a GET. A query that would pass the schema is
 * drawn again (the SSE route would answer it with an endless stream).
 */
function queryRoute(
  name: string,
  path: string,
  auth: Route['auth'],
  valid: Record<string, string>,
  schema: { safeParse(v: unknown): { success: boolean } } | null,
): Route {
  const keys = Object.keys(valid);
  return {
    name,
    auth,
    make(r) {
      for (;;) {
        const parts: string[] = [];
        const n = r.int(keys.length + 3);
        for (let i = 0; i < n; i++) {
          const key = r.pick([
            ...keys,
            ...keys,
            ...keys.map((k) => `${k}[]`),
            '__proto__',
            'constructor',
            `${MARK}`,
            ...keys.map((k) => `${k}[__proto__]`),
            '',
          ]);
          const name = key.replace(/\[.*$/, '');
          const base = Object.hasOwn(valid, name) ? valid[name] : undefined;
          const value = base !== undefined && r.chance(0.3) ? base.slice(0, r.int(base.length + 1)) : hostileUrlPart(r);
          parts.push(`${encodeURIComponent(key)}=${value}`);
        }
        if (keys.length > 0 && r.chance(0.1)) parts.push(...keys.flatMap((k) => [`${k}=${valid[k]}`, `${k}=${valid[k]}`]));
        if (r.chance(0.05)) parts.push(`x=${'q'.repeat(100_000)}${MARK}`);
        const query = parts.join(r.pick(['&', '&&', ';']));
        const url = `${path}${parts.length > 0 || r.chance(0.5) ? `?${query}` : ''}`;
        if (schema && schema.safeParse(Object.fromEntries(new URLSearchParams(url.split('?')[1] ?? ''))).success) continue;
        const withBody = r.chance(0.1);
        return {
          method: 'GET',
          url,
          headers: withBody ? { 'content-type': 'application/json' } : {},
          payload: withBody ? `{"${keys[0] ?? 'x'}":"${MARK}"}` : undefined,
          description: describeBody(url),
        };
      }
    },
  };
}

function blobHashRoute(): Route {
  return {
    name: 'HEAD|GET /v1/blobs/sha256/:hash',
    auth: 'device',
    make(r) {
      const url = `/v1/blobs/sha256/${hostileUrlPart(r)}${r.chance(0.1) ? `?x=${MARK}` : ''}${r.chance(0.05) ? '/extra' : ''}`;
      return { method: r.pick(['HEAD', 'GET', 'GET', 'HEAD', 'POST', 'DELETE'] as const), url, description: describeBody(url) };
    },
  };
}

function tusRoute(): Route {
  const hostileHeader = (r: Rng, kind: 'number' | 'metadata' | 'version'): string => {
    if (kind === 'number')
      return r.pick([
        '-1',
        '',
        'NaN',
        '1e309',
        '18446744073709551616',
        '9007199254740993',
        '0x10',
        ' 5',
        '5 ',
        '1.5',
        '+1',
        `${MARK}`,
        '1'.repeat(5000),
        '209715201',
      ]);
    if (kind === 'version') return r.pick(['1.0.0', '0.2.2', '', MARK, '1.0.0, 1.0.0']);
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    return r.pick([
      `sha256 ${b64(MARK)}`,
      `sha256 ${b64('a'.repeat(64))}${MARK}`,
      `sha256`,
      `sha256 ${b64(`${'f'.repeat(64)}\u0000${MARK}`)}`,
      `${MARK} ${b64(MARK)}`,
      `sha256 !!!${MARK}`,
      `sha256 ${b64('0'.repeat(64))},sha256 ${b64(MARK)}`,
      `__proto__ ${b64(MARK)},constructor ${b64(MARK)}`,
      `filename ${b64(`../../${MARK}`)}`,
      `sha256 ${b64(MARK.repeat(20_000))}`,
      Array.from({ length: 2000 }, (_, i) => `k${i} ${b64(MARK)}`).join(','),
      ',,,',
    ]);
  };
  return {
    name: 'tus /v1/blobs/tus',
    auth: 'device',
    make(r) {
      // No OPTIONS: @tus/server ends its OPTIONS answer with res.end(callback), which light-my-request's
      // inject never completes (over real HTTP it is a correct 204); the auth test covers real HTTP.
      const method = r.pick(['POST', 'POST', 'PATCH', 'HEAD', 'DELETE', 'GET'] as const);
      const headers: Record<string, string> = {};
      if (r.chance(0.8)) headers['tus-resumable'] = hostileHeader(r, 'version');
      if (method === 'POST') {
        if (r.chance(0.8)) headers['upload-length'] = hostileHeader(r, 'number');
        if (r.chance(0.2)) headers['upload-defer-length'] = hostileHeader(r, 'number');
        if (r.chance(0.8)) headers['upload-metadata'] = hostileHeader(r, 'metadata');
        if (r.chance(0.2)) headers['upload-concat'] = r.pick(['partial', `final;/v1/blobs/tus/${MARK}`, MARK]);
      }
      if (method === 'PATCH') {
        headers['upload-offset'] = hostileHeader(r, 'number');
        headers['content-type'] = r.pick(['application/offset+octet-stream', 'application/json', MARK]);
        if (r.chance(0.3)) headers['upload-checksum'] = r.pick([`sha1 ${MARK}`, `md5 AAAA`, MARK]);
      }
      if (r.chance(0.1)) headers['x-http-method-override'] = r.pick(['DELETE', 'PATCH', MARK]);
      const id = r.chance(0.6) ? hostileUrlPart(r) : r.pick(['', randomUUID().replace(/-/g, ''), '..', '%2e%2e']);
      const url = method === 'POST' ? '/v1/blobs/tus' : `/v1/blobs/tus/${id}`;
      const payload = method === 'PATCH' || r.chance(0.1) ? Buffer.from(`${MARK}`.repeat(r.int(50) + 1)) : undefined;
      return { method, url, headers, payload, description: `${method} ${describeBody(url)} ${JSON.stringify(headers).slice(0, 300)}` };
    },
  };
}

function routes(): Route[] {
  const envelope = {
    mutationId: '0193a1b2-0000-7000-8000-00000000f0a1',
    deviceSeq: 1,
    name: 'ticket.issue@1',
    args: {
      id: '0193a1b2-0000-7000-8000-00000000f0b1',
      branchCode: 'CN01',
      kioskSlot: 0,
      day: '2026-11-24',
      groupPrefix: 'A',
      number: 'A0001',
      numeric: 1,
      priority: false,
      issuedAt: START,
    },
    schemaVersion: 1,
    createdAt: START,
  };
  const heartbeat = {
    protocolVersion: SYNC_PROTOCOL_VERSION,
    journalId: JOURNAL,
    pendingCount: 0,
    oldestPendingAgeMs: null,
    pendingBytes: 0,
    pendingBlobs: 0,
    rejectedCount: 0,
    lastPushAt: null,
    lastPullAt: null,
    freeDiskBytes: 1_000_000,
    stuck: false,
    lastError: { code: 'x', detail: 'y' },
    appVersion: '0.1.0',
    shell: 'browser',
    schemaVersion: 2,
    sentAt: START,
  };
  const hubHeartbeat = {
    protocolVersion: SYNC_PROTOCOL_VERSION,
    appVersion: '0.1.0',
    sentAt: START,
    unrelayedRecords: 0,
    unrelayedBytes: 0,
    oldestUnrelayedAgeMs: null,
    lastRelayAt: null,
    unrelayedScans: 0,
    unrelayedScanBytes: 0,
    oldestUnrelayedScanAgeMs: null,
    stalledJournals: [],
    scopes: [{ scope: 'global', cursor: 0, upToDateAt: null }],
  };
  const publish = {
    scope: 'global',
    changes: [
      {
        entity: 'questionnaire',
        op: 'put',
        data: {
          id: 'fuzz',
          version: 1,
          title: { vi: 'a', en: 'b' },
          levels: ['very-satisfied', 'satisfied', 'neutral'],
          reasons: [],
          allowComment: true,
          active: true,
        },
      },
    ],
  };
  return [
    jsonRoute('POST /v1/enrol', '/v1/enrol', 'none', { code: 'AAAA-BBBB-CCCC-DDDD', deviceId: randomUUID(), role: 'citizen' }, EnrolRequest),
    jsonRoute('POST /v1/sync/push', '/v1/sync/push', 'device', { protocolVersion: 1, journalId: JOURNAL, mutations: [envelope] }, PushRequest),
    jsonRoute('POST /v1/sync/pull', '/v1/sync/pull', 'device', { protocolVersion: 1, scope: 'global', cursor: 0, limit: 10, withChecksum: true }, PullRequest),
    queryRoute('GET /v1/sync/state', '/v1/sync/state', 'device', { journalId: JOURNAL }, null),
    jsonRoute('POST /v1/heartbeat', '/v1/heartbeat', 'device', heartbeat, HeartbeatRequest),
    jsonRoute('POST /v1/admin/publish', '/v1/admin/publish', 'admin', publish, PublishRequest),
    jsonRoute('POST /v1/lookup', '/v1/lookup', 'none', { code: '000.00.21.H26-261124-0001', secret: 'K7P4X9QM' }, null),
    jsonRoute('POST /v1/reuse/index', REUSE_INDEX_PATH, 'device', { idNumber: '001090012345' }, ReuseIndexRequest),
    jsonRoute(
      'POST /v1/reuse/pdf',
      REUSE_PDF_PATH,
      'device',
      { idNumber: '001090012345', sha256: 'ab'.repeat(32), dossierCode: '000.00.21.H26-261124-0001' },
      ReusePdfRequest,
    ),
    jsonRoute(
      'POST /v1/queue/actions',
      '/v1/queue/actions',
      'device',
      {
        id: '0193a1b2-0000-7000-8000-00000000f0c1',
        branchCode: 'CN01',
        day: '2026-11-24',
        counter: 1,
        kind: 'call',
        how: 'number',
        groups: ['A'],
        ticketNumber: 'A0001',
        toGroup: null,
        toCounter: null,
        dossierCodes: [],
        staffId: 'CB0001',
        at: START,
        offline: false,
      },
      QueueActionArgs,
    ),
    jsonRoute(
      'POST /v1/queue/staff-calls/answer',
      '/v1/queue/staff-calls/answer',
      'device',
      { id: '0193a1b2-0000-7000-8000-00000000f0d1', counter: 1 },
      StaffCallAnswerRequest,
    ),
    queryRoute('GET /v1/queue/state', '/v1/queue/state', 'device', { day: '2026-11-24' }, null),
    queryRoute('GET /v1/queue/board', '/v1/queue/board', 'none', { branch: 'CN01', day: '2026-11-24' }, QueueBoardQuery),
    queryRoute('GET /v1/queue/events', '/v1/queue/events', 'none', { branch: 'CN01' }, QueueEventsQuery),
    jsonRoute('POST /v1/blobs/known', BLOBS_KNOWN_PATH, 'device', { sha256: ['ab'.repeat(32)] }, BlobsKnownRequest),
    // What only a branch hub may call at the centre (hubRoutes.ts), fuzzed with the hub's credential.
    jsonRoute('POST /v1/hub/enrol', '/v1/hub/enrol', 'hub', { code: 'AAAA-BBBB-CCCC-DDDD', deviceId: randomUUID(), role: 'citizen' }, EnrolRequest),
    jsonRoute(
      'POST /v1/hub/relay',
      '/v1/hub/relay',
      'hub',
      { protocolVersion: SYNC_PROTOCOL_VERSION, deviceId: '0193a1b2-0000-7000-8000-00000000f0e1', journalId: JOURNAL, mutations: [envelope] },
      HubRelayRequest,
    ),
    queryRoute('GET /v1/hub/state', '/v1/hub/state', 'hub', { deviceId: '0193a1b2-0000-7000-8000-00000000f0e1', journalId: JOURNAL }, null),
    jsonRoute('POST /v1/hub/heartbeat', '/v1/hub/heartbeat', 'hub', hubHeartbeat, HubHeartbeatRequest),
    queryRoute('GET /v1/hub/devices', '/v1/hub/devices', 'hub', {}, null),
    blobHashRoute(),
    tusRoute(),
  ];
}

interface Violation {
  readonly route: string;
  readonly request: string;
  readonly problem: string;
}

function check(
  route: Route,
  req: { method?: string; description: string },
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
): string | null {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
  if (res.body.includes(MARK)) return `echoes the hostile input (status ${res.statusCode}): ${res.body.slice(0, 2000)}`;
  for (const [name, value] of Object.entries(res.headers)) if (String(value).includes(MARK)) return `echoes the hostile input in header ${name}`;
  if (res.statusCode >= 400 && req.method !== 'HEAD' && res.body.length > 0) {
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return `error body is not JSON (status ${res.statusCode}): ${res.body.slice(0, 200)}`;
    }
    const keys = typeof body === 'object' && body !== null ? Object.keys(body).sort().join(',') : '';
    const b = body as { code?: unknown; detail?: unknown };
    if (keys !== 'code,detail' || typeof b.code !== 'string' || typeof b.detail !== 'string')
      return `error body is not {code, detail}: ${res.body.slice(0, 200)}`;
  }
  if (res.statusCode >= 400 && req.method !== 'HEAD' && res.body.length === 0 && route.name !== 'tus /v1/blobs/tus')
    return `empty error body (status ${res.statusCode})`;
  return null;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kinds of violation, each with its count and one example, so a failure reads as a bug list. */
function summarise(violations: readonly Violation[]): string[] {
  const kinds = new Map<string, { count: number; example: Violation }>();
  for (const v of violations) {
    const kind = classify(v.problem);
    const k = kinds.get(kind);
    if (k) k.count++;
    else kinds.set(kind, { count: 1, example: v });
  }
  return [...kinds.entries()].map(
    ([kind, { count, example }]) => `${kind} ×${count} — e.g. ${example.request.slice(0, 300)} → ${example.problem.slice(0, 300)}`,
  );
}

function classify(problem: string): string {
  if (problem.startsWith('status 5')) return `5xx ${problem.slice(7, 10)}`;
  if (problem.startsWith('timeout')) return 'no answer';
  if (/Unrecognized key/.test(problem)) return 'detail echoes unrecognized key names (zod message via describeIssues)';
  if (/http\.not-found/.test(problem)) return 'not-found detail echoes the URL';
  const fst = /FST_ERR_[A-Z_]+/.exec(problem);
  if (fst) return `framework error ${fst[0]} answered outside the error handler`;
  if (problem.startsWith('echoes')) return `echo: ${problem.slice(0, 120)}`;
  const plain = /^error body is not JSON \(status (\d+)\)/.exec(problem);
  if (plain) return `error body is plain text, not {code, detail} (status ${plain[1]})`;
  return problem.slice(0, 80);
}

function fuzzSuite(engine: Engine, perRoute: number) {
  describe(`fuzzing every route on ${engine.name} (${perRoute} hostile payloads per route, seed ${SEED})`, () => {
    let h: Harness;
    let device: { authorization: string };
    let admin: { authorization: string };
    let hub: { authorization: string };
    let baseline: Record<string, string>;
    const violations: Violation[] = [];

    beforeAll(async () => {
      // The reuse routes' per-counter limit would answer most payloads 429 before reading them.
      h = await openHarness(engine, { server: { reuseLimits: { indexPerMinute: 1e9, pdfPerMinute: 1e9 } } });
      // A counter: the role that uploads scans, so the tus route's validation is fuzzed, not only its role check.
      device = (await enrolDevice(h, 'CN01', 'counter')).auth;
      admin = await adminAuthHeader(h);
      hub = (await enrolDevice(h, 'CN01', 'hub')).auth;
      await recordDossierStatus(h.db, {
        code: '000.00.21.H26-261124-0001',
        branchCode: 'CN01',
        lookupSecret: 'K7P4X9QM',
        status: 'processing',
        statusAt: START,
        appointmentDate: null,
        note: '',
      });
      baseline = await stateHash(h.db);
    }, 60_000);
    afterAll(async () => {
      await h?.dispose();
    });

    for (const [index, route] of routes().entries()) {
      it(`${route.name}: no 5xx, {code, detail} errors, no echo, nothing written`, async () => {
        const r = new Rng((SEED + index * 0x9e3779b9) >>> 0);
        let sent = 0;
        // A request left unanswered is a finding; its method is then skipped so one hang does not eat the time budget.
        const hanging = new Set<string>();
        for (let i = 0; i < perRoute; i++) {
          const req = route.make(r);
          const { description, ...options } = req;
          const credentials: (Record<string, string> | null)[] =
            route.auth === 'none'
              ? [null]
              : route.auth === 'admin'
                ? [admin, null, device]
                : route.auth === 'hub'
                  ? // A kiosk's credential on a hub route, too: refused, never read as the hub.
                    [hub, null, device]
                  : [device, null];
          if (r.chance(0.05))
            credentials.push({ authorization: r.pick([`Bearer ${MARK}${'a'.repeat(30)}`, `Bearer ${'a'.repeat(43)}\u0000`, `Basic ${MARK}`]) });
          const ip = `10.${r.int(250)}.${r.int(250)}.${r.int(250) + 1}`;
          for (const credential of credentials) {
            const method = String(options.method ?? 'GET');
            if (hanging.has(method)) continue;
            const answer = await withTimeout(
              h.app.inject({
                ...options,
                headers: { ...(options.headers as Record<string, string> | undefined), ...credential },
                // Look-ups come from many addresses, so validation (not only the per-IP limit) is exercised.
                remoteAddress: ip,
              }),
              2000,
            );
            sent++;
            const problem = answer === null ? 'timeout: no answer within 2 s' : check(route, req, answer);
            if (answer === null) hanging.add(method);
            if (problem) violations.push({ route: route.name, request: `${credential ? 'with credential' : 'without credential'} ${description}`, problem });
          }
        }
        expect(sent).toBeGreaterThanOrEqual(perRoute);
        const mine = violations.filter((v) => v.route === route.name);
        expect.soft(summarise(mine), `seed ${SEED} (replay: FUZZ_SEED=${SEED}); ${mine.length} violation(s) on ${route.name}`).toEqual([]);
        expect.soft(await stateHash(h.db), `seed ${SEED}: ${route.name} wrote to the database`).toEqual(baseline);
      }, 120_000);
    }

    it('pushes with hostile mutation arguments inside a valid envelope are rejected one by one, storing no ticket or rating', async () => {
      const r = new Rng((SEED ^ 0x5eed) >>> 0);
      const kiosk = await enrolDevice(h, 'CN01');
      const journalId = randomUUID();
      const before = await stateHash(h.db);
      const count = Math.max(10, Math.floor(perRoute / 20));
      for (let seq = 1; seq <= count; seq++) {
        const args = mutate(r, { branchCode: r.pick(['CN01', 'CN02']), id: randomUUID(), level: 'satisfied' });
        const body = serialise({
          protocolVersion: 1,
          journalId,
          mutations: [
            { mutationId: randomUUID(), deviceSeq: seq, name: r.pick(['ticket.issue@1', 'rating.submit@1']), args, schemaVersion: 1, createdAt: START },
          ],
        });
        const res = await h.app.inject({ method: 'POST', url: '/v1/sync/push', headers: { ...kiosk.auth, 'content-type': 'application/json' }, payload: body });
        expect(res.statusCode, `seed ${SEED}: ${describeBody(body)}`).toBeLessThan(500);
        expect(res.body).not.toContain(MARK);
        if (res.statusCode === 200) expect(res.json<{ results: { status: string }[] }>().results.map((x) => x.status)).toEqual(['rejected']);
      }
      const after = await stateHash(h.db);
      expect(after.tickets).toBe(before.tickets);
      expect(after.ratings).toBe(before.ratings);
    }, 60_000);

    it('pushes of hostile dossier arguments from a counter never fail, echo or half-store: a dossier is stored exactly when applied', async () => {
      const r = new Rng((SEED ^ 0xd055) >>> 0);
      const counter = await enrolDevice(h, 'CN01', 'counter');
      const journalId = randomUUID();
      const count = Math.max(10, Math.floor(perRoute / 20));
      const applied: string[] = [];
      for (let seq = 1; seq <= count; seq++) {
        const template = {
          id: randomUUID(),
          code: `000.00.21.H26-261124-${String(seq).padStart(4, '0')}`,
          branchCode: r.pick(['CN01', 'CN01', 'CN02']),
          slot: 0,
          receivedAt: START,
          procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
          applicant: {
            idNumber: '001090012345',
            fullName: 'Nguyễn Văn An',
            dateOfBirth: '1990-02-01',
            gender: 'male',
            address: 'Hà Nội',
            phone: '0912345678',
            email: '',
            fromCard: true,
          },
          documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: 'ab'.repeat(32), size: 10, pages: 1, reusedFrom: null }],
          missing: [],
          incompleteReason: null,
          sets: 1,
          appointment: { kind: 'date', at: START, date: '2026-12-01', provisional: false },
          resultDelivery: { method: 'counter', detail: '' },
          lookupSecret: 'K7P4X9QM',
          officerName: 'Cán bộ',
        };
        const args = r.chance(0.8) ? mutate(r, template) : template;
        const code = typeof args === 'object' && args !== null && 'code' in args ? (args as { code: unknown }).code : null;
        const body = serialise({
          protocolVersion: 1,
          journalId,
          mutations: [{ mutationId: randomUUID(), deviceSeq: seq, name: 'dossier.submit@1', args, schemaVersion: 1, createdAt: START }],
        });
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/sync/push',
          headers: { ...counter.auth, 'content-type': 'application/json' },
          payload: body,
        });
        expect(res.statusCode, `seed ${SEED}: ${describeBody(body)}`).toBeLessThan(500);
        expect(res.body).not.toContain(MARK);
        expect(res.body).not.toContain('Nguyễn');
        if (res.statusCode !== 200) continue;
        const [result] = res.json<{ results: { status: string }[] }>().results;
        if (result?.status === 'applied') applied.push(String(code));
      }
      const stored = await h.db.query<{ code: string; status: string | null }>(
        'SELECT r.code, d.status FROM received_dossiers r LEFT JOIN dossiers d ON d.code = r.code WHERE r.device_id = $1 ORDER BY r.code',
        [counter.deviceId],
      );
      expect(stored.map((s) => s.code)).toEqual([...applied].sort());
      expect(stored.every((s) => s.status === 'received')).toBe(true);
    }, 60_000);

    it('still answers GET /health with 200 afterwards', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', db: engine.name });
    });
  });
}

fuzzSuite(pgliteEngine, Number(process.env.FUZZ_PER_ROUTE ?? 1000));
if (postgresEngine) fuzzSuite(postgresEngine, Number(process.env.FUZZ_PER_ROUTE_POSTGRES ?? 100));
