import { Upload, type DetailedError, type HttpRequest, type HttpResponse, type HttpStack, type UrlStorage } from 'tus-js-client';
import { BLOB_RELAY_HEADER, BLOB_RELAY_PENDING, BLOB_VERIFIED_HEADER } from '../shared/blobsKnown';
import { BLOB_BY_HASH_PATH, BLOB_TUS_PATH, type WireError } from '../shared/sync';
import { explainFetchFailure } from './fetchFailure';
import { TransportError, type BlobToUpload, type BlobUploadHooks } from './Transport';

/**
 * Resumable blob upload with tus (tus-js-client), the same code in Node and in the browser.
 *
 * Guarantees:
 * - With `blob.uploadUrl` it resumes: HEAD asks the server's offset, PATCHes send only the rest.
 *   An upload the server no longer knows (404) is started afresh.
 * - The upload URL reaches `hooks.onUploadUrl` as soon as the server created the upload, so the
 *   engine can keep it in Dexie and resume after a restart (never localStorage: URL storage is off).
 * - It resolves only once the server has verified the SHA-256: the final PATCH answers
 *   `Blob-Verified: <hex>`, or, when the upload was already complete, HEAD by hash answers 200.
 *   It resolves 'held' when the server is a branch hub that has not passed the scan on to the
 *   centre yet (`Blob-Relay: pending` on that answer): the device keeps it until the centre has it.
 * - One attempt by default: the first failure ends the call. With `resumeAfterCut` (the HTTP
 *   transport sets it), a request that got no answer at all (a connection cut mid-upload, a server
 *   restarted) is resumed at once from the server's offset (HEAD, then PATCH the rest), as
 *   long as the upload moves on: a link that drops a connection every few MB costs a round trip per
 *   cut, not the rest of the sync run. A cut can lose everything the attempt sent (a reset discards
 *   what the server had not read yet), so two attempts in a row that got nowhere are resumed; a
 *   third ends the call (a link that is down costs two HEADs). So does a timeout, or any answer
 *   the server gave (4xx, 5xx).
 * - Every failure is a TransportError. `blob.hash-mismatch` and `blob.not-verified` (kind
 *   'protocol') mean the upload is gone or useless: the caller clears the stored uploadUrl
 *   (`mustRestartUpload`) and tries again later. Backoff belongs to the sync engine. Whether a
 *   failed request was refused or unreachable (`fetchFailure.ts`, one probe of /health) is asked
 *   only for the failure that ends the call.
 *
 * @tus/server has no checksum extension, so chunks carry no Upload-Checksum; integrity is the
 * whole-file SHA-256 the server checks before it accepts the blob.
 */

/**
 * 2 MiB: a typical 2 MB scan goes as one PATCH after creation (each request costs a credential
 * look-up on the server; 1 MiB chunks measured about half the throughput). Resuming does not
 * depend on chunk size: the server keeps every byte that arrived before a cut, and the creation
 * request carries no data, so the URL is stored before any byte is sent.
 */
export const DEFAULT_BLOB_CHUNK_BYTES = 2 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TusUploadOptions {
  /** Server origin, e.g. http://127.0.0.1:8787. */
  readonly baseUrl: string;
  /** The device's bearer token. */
  readonly token: string;
  readonly blob: BlobToUpload;
  readonly hooks: BlobUploadHooks;
  readonly chunkSize?: number;
  readonly fetchLike?: FetchLike;
  /** Per request (one HEAD, POST or PATCH of one chunk). */
  readonly requestTimeoutMs?: number;
  /** Lets the caller stop an attempt (shutdown, tests); it rejects with kind 'network'. */
  readonly signal?: AbortSignal;
  /** Resume at once after a request cut without an answer, while the upload moves on (default false: one attempt). */
  readonly resumeAfterCut?: boolean;
}

/** Resumes in a row that may get nowhere before the call fails (each one immediate). */
const NO_PROGRESS_RESUMES = [0, 0];

const RESTART_CODES: ReadonlySet<string> = new Set(['blob.hash-mismatch', 'blob.not-verified']);

/** True when the stored upload URL must be forgotten before the next attempt. */
export function mustRestartUpload(error: unknown): boolean {
  return error instanceof TransportError && RESTART_CODES.has(error.wire.code);
}

export async function uploadBlobWithTus(options: TusUploadOptions): Promise<void | 'held'> {
  const { blob, hooks } = options;
  const fetchLike = options.fetchLike ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = `Bearer ${options.token}`;
  const stack = new FetchHttpStack(fetchLike, timeoutMs, base);
  const urlWrites: Promise<void>[] = [];
  // tus-js-client does not wait for onUploadUrlAvailable: bytes go only once the URL is stored.
  stack.beforeBytes = () => Promise.all(urlWrites);
  let reportedUrl: string | null = null;

  const lastResponse = await new Promise<HttpResponse>((resolve, reject) => {
    const upload = new Upload(blob.data, {
      endpoint: `${base}${BLOB_TUS_PATH}`,
      uploadUrl: blob.uploadUrl,
      uploadSize: blob.size,
      chunkSize: options.chunkSize ?? DEFAULT_BLOB_CHUNK_BYTES,
      metadata: { sha256: blob.sha256, mimeType: blob.mimeType },
      headers: { authorization: auth },
      // Immediate retries of a request that got no answer: two in a row that get nowhere, counted
      // afresh by tus-js-client after every attempt that moved the server's offset on.
      retryDelays: options.resumeAfterCut ? NO_PROGRESS_RESUMES : null,
      onShouldRetry: (error) => {
        const cause = (error as DetailedError).causingError;
        return !(error as DetailedError).originalResponse && cause instanceof RequestFailure && cause.kind === 'no-answer';
      },
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      urlStorage: noUrlStorage,
      fingerprint: async () => `sha256:${blob.sha256}`,
      fileReader: blobReader,
      httpStack: stack,
      onUploadUrlAvailable() {
        const url = upload.url;
        // Reported once per call (a resume within it finds the same URL again). A URL that
        // could not be stored only costs the ability to resume (the next attempt starts afresh);
        // it must not turn a verified upload into a failure.
        if (url && url !== reportedUrl) {
          reportedUrl = url;
          urlWrites.push(
            Promise.resolve()
              .then(() => hooks.onUploadUrl(url))
              .catch(() => undefined),
          );
        }
      },
      onProgress(sent, total) {
        hooks.onProgress?.(sent, total);
      },
      onSuccess: ({ lastResponse }) => resolve(lastResponse),
      onError: (error) => void toTransportError(error, stack).then(reject),
    });
    options.signal?.addEventListener(
      'abort',
      () => {
        stack.abortAll();
        void upload.abort(false);
        reject(new TransportError('network', { code: 'blob.aborted', detail: 'the upload was stopped' }));
      },
      { once: true },
    );
    upload.start();
  });
  await Promise.all(urlWrites);

  if (lastResponse.getHeader(BLOB_VERIFIED_HEADER) === blob.sha256)
    return lastResponse.getHeader(BLOB_RELAY_HEADER) === BLOB_RELAY_PENDING ? 'held' : undefined;
  // The upload was already complete (a lost final answer, or a server restart mid-verification):
  // only a verified row counts.
  const res = await stack
    .fetchOnce(`${base}${BLOB_BY_HASH_PATH}/${blob.sha256}`, { method: 'HEAD', headers: { authorization: auth } })
    .catch(async (error: unknown) => {
      throw error instanceof RequestFailure ? await stack.explain(error) : error;
    });
  if (res.status === 200) return res.headers.get(BLOB_RELAY_HEADER) === BLOB_RELAY_PENDING ? 'held' : undefined;
  throw toTransportErrorFromStatus(res.status, '', 'blob.not-verified', 'the upload is complete but the server has not verified it; upload again');
}

/** Reads slices of a Blob: tus-js-client's Node reader accepts only Buffers and streams. */
const blobReader = {
  async openFile(input: Blob) {
    return {
      size: input.size,
      slice: async (start: number, end: number) => ({ value: input.slice(start, end), done: end >= input.size }),
      close: () => undefined,
    };
  },
};

const noUrlStorage: UrlStorage = {
  findAllUploads: async () => [],
  findUploadsByFingerprint: async () => [],
  removeUpload: async () => undefined,
  addUpload: async () => '',
};

interface FetchedAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * A request that failed without an answer: `no-answer` (fetch rejected: unreachable, refused by the
 * browser, or cut) or `timeout`. What it means is asked only if it ends the upload (`explain`).
 */
class RequestFailure extends Error {
  constructor(
    readonly kind: 'no-answer' | 'timeout',
    readonly method: string,
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(kind === 'timeout' ? 'no answer in time' : cause instanceof Error ? cause.message : 'network error');
  }
}

/** tus-js-client's HTTP stack over fetch, so tests (and the engine) can inject the fetch. */
class FetchHttpStack implements HttpStack {
  private readonly live = new Set<AbortController>();
  /** Awaited before every PATCH (the URL writes under way: see uploadBlobWithTus). */
  beforeBytes: () => Promise<unknown> = () => Promise.resolve();

  constructor(
    private readonly fetchLike: FetchLike,
    private readonly timeoutMs: number,
    private readonly baseUrl: string,
  ) {}

  getName(): string {
    return 'fetch';
  }

  createRequest(method: string, url: string): HttpRequest {
    return new FetchHttpRequest(this, method, url);
  }

  abortAll(): void {
    for (const c of this.live) c.abort();
  }

  async fetchOnce(url: string, init: RequestInit, controller = new AbortController()): Promise<FetchedAnswer> {
    this.live.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await this.fetchLike(url, { ...init, signal: controller.signal });
      // Read the body inside the timeout: a stalled answer is a timeout too.
      return { status: res.status, headers: res.headers, body: await res.text() };
    } catch (error) {
      const method = init.method ?? 'GET';
      if (timedOut) throw new RequestFailure('timeout', method, url, error);
      // Stopped on purpose (abortAll): not the network's doing.
      if (controller.signal.aborted) throw error;
      throw new RequestFailure('no-answer', method, url, error);
    } finally {
      clearTimeout(timer);
      this.live.delete(controller);
    }
  }

  /** What a failed request means: a timeout, or unreachable vs refused/cut (fetchFailure.ts). */
  async explain(failure: RequestFailure): Promise<TransportError> {
    if (failure.kind === 'timeout') return new TransportError('timeout', { code: 'net.timeout', detail: `no answer within ${this.timeoutMs} ms` });
    const path = failure.url.startsWith(this.baseUrl) ? failure.url.slice(this.baseUrl.length) : failure.url;
    return explainFetchFailure({ baseUrl: this.baseUrl, method: failure.method, path, cause: failure.cause, fetchLike: this.fetchLike });
  }
}

class FetchHttpRequest implements HttpRequest {
  private readonly headers: Record<string, string> = {};
  private readonly controller = new AbortController();

  constructor(
    private readonly stack: FetchHttpStack,
    private readonly method: string,
    private readonly url: string,
  ) {}

  getMethod(): string {
    return this.method;
  }
  getURL(): string {
    return this.url;
  }
  setHeader(header: string, value: string): void {
    this.headers[header] = value;
  }
  getHeader(header: string): string | undefined {
    return this.headers[header];
  }
  setProgressHandler(): void {
    // fetch reports no upload progress; tus-js-client reports progress per confirmed chunk.
  }
  async send(body: Blob | null): Promise<HttpResponse> {
    if (this.method === 'PATCH') await this.stack.beforeBytes();
    // A chunk is at most chunkSize bytes; as bytes, Node's fetch sends it several times faster
    // than as a Blob (measured), and browsers take either.
    const bytes = body ? new Uint8Array(await body.arrayBuffer()) : null;
    const res = await this.stack.fetchOnce(this.url, { method: this.method, headers: this.headers, body: bytes }, this.controller);
    return {
      getStatus: () => res.status,
      getHeader: (name) => res.headers.get(name) ?? undefined,
      getBody: () => res.body,
      getUnderlyingObject: () => res,
    };
  }
  async abort(): Promise<void> {
    this.controller.abort();
  }
  getUnderlyingObject(): unknown {
    return this.controller;
  }
}

function parseWireError(body: string): WireError | null {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as WireError).code === 'string' && typeof (v as WireError).detail === 'string') return v as WireError;
  } catch {
    // tus's own errors are plain text
  }
  return null;
}

function toTransportErrorFromStatus(status: number, body: string, fallbackCode: string, fallbackDetail: string): TransportError {
  const wire = parseWireError(body) ?? { code: fallbackCode, detail: body.trim() || fallbackDetail };
  if (status >= 500 || status === 429 || status === 423) return new TransportError('unavailable', wire, status);
  // This device's role may not upload scans: its credential is fine (tickets still sync), so the
  // scan is set aside and shown to staff rather than the whole sync stopping as refused.
  if (status === 403 && wire.code === 'blob.role-forbidden') return new TransportError('protocol', wire, status);
  if (status === 401 || status === 403) return new TransportError('auth', wire, status);
  return new TransportError('protocol', wire, status);
}

async function toTransportError(error: Error | DetailedError, stack: FetchHttpStack): Promise<TransportError> {
  const detailed = error as Partial<DetailedError>;
  const res = detailed.originalResponse;
  if (res) return toTransportErrorFromStatus(res.getStatus(), res.getBody(), 'blob.http', `HTTP ${res.getStatus()}`);
  const cause = detailed.causingError ?? error;
  if (cause instanceof TransportError) return cause;
  if (cause instanceof RequestFailure) return stack.explain(cause);
  if (detailed.originalRequest) return new TransportError('network', { code: 'net.unreachable', detail: cause.message });
  // No request was involved: a bad option or input, not something a retry fixes.
  return new TransportError('protocol', { code: 'blob.client', detail: error.message });
}
