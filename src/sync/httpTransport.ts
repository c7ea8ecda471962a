import {
  BLOB_BY_HASH_PATH,
  EnrolResponse,
  HeartbeatResponse,
  PullResponse,
  PushGap,
  PushResponse,
  SyncStateResponse,
  WireError,
  type EnrolRequest,
  type HeartbeatRequest,
  type PullRequest,
  type PushRequest,
  LookupResponse,
  type LookupRequest,
} from '../shared/sync';
import { BLOB_RELAY_HEADER, BLOB_RELAY_PENDING, BLOBS_KNOWN_PATH, BlobsKnownResponse, MAX_BLOBS_KNOWN } from '../shared/blobsKnown';
import { REUSE_INDEX_PATH, REUSE_PDF_PATH, ReuseIndexResponse, type ReusePdfRequest } from '../shared/reuseIndex';
import { QueueActionAnswer, QueueBoard, QueueState, StaffCallAnswer, type QueueActionArgs, type StaffCallAnswerRequest } from '../shared/queue';
import { explainFetchFailure } from './fetchFailure';
import {
  TransportError,
  type BlobToUpload,
  type BlobUploadHooks,
  type LookupAnswer,
  type QueueEventHandlers,
  type Transport,
  type TransportErrorKind,
} from './Transport';

/**
 * The real transport: JSON over HTTPS with fetch, blobs with tus. `fetch` is injectable: tests pass
 * one that runs the server in-process, or one that injects faults. Every answer is validated
 * against the shared contract; anything else is a `protocol` error, never trusted.
 */
export interface HttpTransportOptions {
  readonly baseUrl: string;
  /** The device credential; null before enrolment (only enrol works then). */
  readonly token: () => string | null;
  readonly fetch?: typeof fetch;
  /** Per request; a push of 100 mutations must fit comfortably. */
  readonly timeoutMs?: number;
  /** tus chunk size for blob uploads. */
  readonly chunkSize?: number;
  /**
   * Resume a scan at once when a connection is cut mid-upload (tusUpload.ts), and send a push,
   * pull, state or blobs-known question once more when it got no answer at all; default true.
   */
  readonly resumeAfterCut?: boolean;
  /**
   * Opens the queue's server-sent events (default: the page's EventSource, when there is one).
   * Tests pass a fake; without one, `queueEvents` is absent and callers poll the state.
   */
  readonly eventSource?: ((url: string) => QueueEventStream) | null;
}

/** The part of an EventSource the queue's pokes need. */
export interface QueueEventStream {
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'queue', listener: (e: { readonly data: string }) => void): void;
  close(): void;
}

/** One answer as read: status, JSON body, and the Retry-After header (429s say how long to wait). */
interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly retryAfter?: string | null;
  /** A branch hub's `Blob-Relay` header (HEAD by hash). */
  readonly relay?: string | null;
}

/** The citizen's status look-up (src/server/lookup.ts). */
export const LOOKUP_PATH = '/v1/lookup';
export const QUEUE_ACTIONS_PATH = '/v1/queue/actions';
export const QUEUE_STATE_PATH = '/v1/queue/state';
export const STAFF_CALL_ANSWER_PATH = '/v1/queue/staff-calls/answer';
export const QUEUE_EVENTS_PATH = '/v1/queue/events';
export const QUEUE_BOARD_PATH = '/v1/queue/board';
/**
 * An officer waits on a queue action with the citizen in front of them: a much shorter limit than a
 * push's. The action is idempotent by its id, so the caller may send it again after a timeout.
 */
export const QUEUE_TIMEOUT_MS = 4_000;

export const DEFAULT_TIMEOUT_MS = 20_000;
const PDF_TIMEOUT_MS = 60_000;

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /**
   * One request. `again`: the request is idempotent (push, pull, state, blobs known: the server
   * answers a repeat the same way), so one that got no answer at all (a connection cut, a server
   * restarted) is sent once more at once; the run does not fail on a single cut. A timeout is not
   * repeated (a link that slow would only cost another timeout).
   */
  async function call(
    method: 'GET' | 'POST' | 'HEAD',
    path: string,
    body: unknown,
    authenticated: boolean,
    again = false,
    limitMs = timeoutMs,
  ): Promise<Answer> {
    if (!again || options.resumeAfterCut === false) return callOnce(method, path, body, authenticated, false, limitMs);
    try {
      return await callOnce(method, path, body, authenticated, true, limitMs);
    } catch (e) {
      if (!(e instanceof CutRequest)) throw e;
      return callOnce(method, path, body, authenticated, false, limitMs);
    }
  }

  async function callOnce(
    method: 'GET' | 'POST' | 'HEAD',
    path: string,
    body: unknown,
    authenticated: boolean,
    cutIsRetried = false,
    limitMs = timeoutMs,
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (authenticated) {
      const token = options.token();
      if (!token) throw new TransportError('auth', { code: 'auth.not-enrolled', detail: 'this kiosk has no server credential yet' });
      headers.authorization = `Bearer ${token}`;
    }
    let res: Response;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limitMs);
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
      });
      const text = method === 'HEAD' ? '' : await res.text();
      return { status: res.status, json: text ? safeJson(text) : null, retryAfter: res.headers.get('retry-after'), relay: res.headers.get(BLOB_RELAY_HEADER) };
    } catch (e) {
      if (controller.signal.aborted) throw new TransportError('timeout', { code: 'net.timeout', detail: `no answer from the server within ${limitMs} ms` });
      if (cutIsRetried) throw new CutRequest();
      // Unreachable, or reachable but this request refused (CORS, a proxy): fetch cannot say which.
      throw await explainFetchFailure({ baseUrl: base, method, path, cause: e, fetchLike: doFetch });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A POST whose 2xx answer is bytes (a PDF), not JSON; an error answer is read as JSON. */
  async function fetchBlob(path: string, body: unknown): Promise<Blob | { status: number; json: unknown }> {
    const token = options.token();
    if (!token) throw new TransportError('auth', { code: 'auth.not-enrolled', detail: 'this kiosk has no server credential yet' });
    // A scan of several MB over a branch's link takes longer than a JSON answer.
    const limitMs = Math.max(timeoutMs, PDF_TIMEOUT_MS);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limitMs);
    try {
      const res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
      });
      if (res.status >= 200 && res.status < 300) return await res.blob();
      const text = await res.text();
      return { status: res.status, json: text ? safeJson(text) : null };
    } catch (e) {
      if (controller.signal.aborted) throw new TransportError('timeout', { code: 'net.timeout', detail: `no answer from the server within ${limitMs} ms` });
      throw await explainFetchFailure({ baseUrl: base, method: 'POST', path, cause: e, fetchLike: doFetch });
    } finally {
      clearTimeout(timer);
    }
  }

  function expect<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, r: { status: number; json: unknown }): T {
    if (r.status >= 200 && r.status < 300) {
      const parsed = schema.safeParse(r.json);
      if (parsed.success) return parsed.data;
      throw new TransportError('protocol', { code: 'sync.bad-answer', detail: `the server's answer (${r.status}) does not match the contract` }, r.status);
    }
    throw errorFor(r.status, r.json);
  }

  const openEvents =
    options.eventSource === undefined
      ? typeof EventSource === 'undefined'
        ? null
        : (url: string): QueueEventStream => new EventSource(url) as unknown as QueueEventStream
      : options.eventSource;

  return {
    async lookup(request: LookupRequest): Promise<LookupAnswer> {
      // A citizen waits at the kiosk: the queue's short limit, and no credential (the keys are the secret).
      const r = await call('POST', LOOKUP_PATH, request, false, false, Math.min(timeoutMs, QUEUE_TIMEOUT_MS));
      if (r.status === 404) return { kind: 'not-found' };
      if (r.status === 429) {
        const seconds = Number(r.retryAfter);
        return { kind: 'limited', retryAfterSeconds: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60 };
      }
      return { kind: 'found', status: expect(LookupResponse, r) };
    },
    async queueAction(args: QueueActionArgs) {
      return expect(QueueActionAnswer, await call('POST', QUEUE_ACTIONS_PATH, args, true, true, Math.min(timeoutMs, QUEUE_TIMEOUT_MS)));
    },
    async queueState(day: string) {
      return expect(
        QueueState,
        await call('GET', `${QUEUE_STATE_PATH}?day=${encodeURIComponent(day)}`, undefined, true, true, Math.min(timeoutMs, QUEUE_TIMEOUT_MS)),
      );
    },
    async answerStaffCall(request: StaffCallAnswerRequest) {
      return expect(StaffCallAnswer, await call('POST', STAFF_CALL_ANSWER_PATH, request, true, true, Math.min(timeoutMs, QUEUE_TIMEOUT_MS)));
    },
    async queueBoard(branchCode: string) {
      return expect(
        QueueBoard,
        await call('GET', `${QUEUE_BOARD_PATH}?branch=${encodeURIComponent(branchCode)}`, undefined, false, true, Math.min(timeoutMs, QUEUE_TIMEOUT_MS)),
      );
    },
    ...(openEvents === null
      ? {}
      : {
          queueEvents(branchCode: string, handlers: QueueEventHandlers) {
            // A poke only (no personal data, no queue content): the route needs no credential,
            // which an EventSource could not send anyway.
            const stream = openEvents(`${base}${QUEUE_EVENTS_PATH}?branch=${encodeURIComponent(branchCode)}`);
            let closed = false;
            stream.addEventListener('open', () => !closed && handlers.onOpen());
            stream.addEventListener('queue', (e) => {
              if (closed) return;
              const version = (safeJson(e.data) as { version?: unknown } | null)?.version;
              handlers.onPoke(typeof version === 'number' ? version : -1);
            });
            stream.addEventListener('error', () => {
              if (closed) return;
              // The caller reconnects with its own backoff; EventSource's own retry would hammer.
              closed = true;
              stream.close();
              handlers.onError();
            });
            return () => {
              closed = true;
              stream.close();
            };
          },
        }),
    async enrol(request: EnrolRequest) {
      return expect(EnrolResponse, await call('POST', '/v1/enrol', request, false));
    },
    async push(request: PushRequest) {
      const r = await call('POST', '/v1/sync/push', request, true, true);
      if (r.status === 409) {
        const gap = PushGap.safeParse(r.json);
        if (gap.success) throw new TransportError('gap', { code: gap.data.code, detail: gap.data.detail }, 409, gap.data);
      }
      return expect(PushResponse, r);
    },
    async pull(request: PullRequest) {
      return expect(PullResponse, await call('POST', '/v1/sync/pull', request, true, true));
    },
    async syncState(journalId: string) {
      return expect(SyncStateResponse, await call('GET', `/v1/sync/state?journalId=${encodeURIComponent(journalId)}`, undefined, true, true));
    },
    async heartbeat(request: HeartbeatRequest) {
      return expect(HeartbeatResponse, await call('POST', '/v1/heartbeat', request, true));
    },
    async blobExists(sha256: string) {
      const r = await call('HEAD', `${BLOB_BY_HASH_PATH}/${sha256}`, undefined, true);
      if (r.status === 200) return r.relay === BLOB_RELAY_PENDING ? 'held' : true;
      if (r.status === 404) return false;
      throw errorFor(r.status, r.json);
    },
    async blobsKnown(sha256s: readonly string[]) {
      const verified = new Set<string>();
      const held = new Set<string>();
      for (let i = 0; i < sha256s.length; i += MAX_BLOBS_KNOWN) {
        const asked = sha256s.slice(i, i + MAX_BLOBS_KNOWN);
        const r = await call('POST', BLOBS_KNOWN_PATH, { sha256: asked }, true, true);
        // A centre older than this question: the engine asks per blob.
        if (r.status === 404) return null;
        const answer = expect(BlobsKnownResponse, r);
        const wanted = new Set(asked);
        for (const h of answer.verified) if (wanted.has(h)) verified.add(h);
        for (const h of answer.held ?? []) if (wanted.has(h) && !verified.has(h)) held.add(h);
      }
      return { verified, held };
    },
    async reuseIndex(idNumber: string) {
      return expect(ReuseIndexResponse, await call('POST', REUSE_INDEX_PATH, { idNumber }, true));
    },
    async reusePdf(request: ReusePdfRequest) {
      const r = await fetchBlob(REUSE_PDF_PATH, request);
      if (r instanceof Blob) return r;
      throw errorFor(r.status, r.json);
    },
    async uploadBlob(blob: BlobToUpload, hooks: BlobUploadHooks) {
      const token = options.token();
      if (!token) throw new TransportError('auth', { code: 'auth.not-enrolled', detail: 'this kiosk has no server credential yet' });
      // tus-js-client is loaded only when there is something to upload.
      const { uploadBlobWithTus } = await import('./tusUpload');
      return uploadBlobWithTus({
        baseUrl: base,
        token,
        blob,
        hooks,
        chunkSize: options.chunkSize,
        fetchLike: doFetch,
        resumeAfterCut: options.resumeAfterCut ?? true,
      });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function errorFor(status: number, json: unknown): TransportError {
  const parsed = WireError.safeParse(json);
  const wire: WireError = parsed.success ? parsed.data : { code: `http.${status}`, detail: `HTTP ${status}` };
  let kind: TransportErrorKind = 'protocol';
  if (status >= 500 || status === 429 || status === 408) kind = 'unavailable';
  else if (status === 401 || status === 403) kind = 'auth';
  return new TransportError(kind, wire, status);
}

/** A request that got no answer, to be sent once more (never leaves `call`). */
class CutRequest extends Error {}
