import type {
  EnrolRequest,
  EnrolResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  PullRequest,
  PullResponse,
  PushGap,
  PushRequest,
  PushResponse,
  SyncStateResponse,
  WireError,
  LookupRequest,
  LookupResponse,
} from '../shared/sync';
import type { ReuseIndexResponse, ReusePdfRequest } from '../shared/reuseIndex';
import type { QueueActionAnswer, QueueActionArgs, QueueBoard, QueueState, StaffCallAnswer, StaffCallAnswerRequest } from '../shared/queue';

/**
 * The sync engine's port to the central server. Implementations: `createHttpTransport` (fetch +
 * tus, the real one; its fetch is injectable, which tests use to run against an in-process server
 * and to inject faults) and `MemoryTransport` (a protocol-faithful in-memory server for fast tests).
 *
 * Every method either returns the server's validated answer or throws a TransportError that says
 * whether trying again later can help.
 */
export interface BlobUploadHooks {
  /** The tus upload URL, as soon as the server created the upload: store it to resume after a restart. */
  onUploadUrl(url: string): void | Promise<void>;
  /** Bytes the server has confirmed so far. */
  onProgress?(confirmedBytes: number, totalBytes: number): void;
}

export interface BlobToUpload {
  readonly sha256: string;
  readonly size: number;
  readonly mimeType: string;
  readonly data: Blob;
  /** From an earlier attempt: resume this upload instead of starting again. */
  readonly uploadUrl: string | null;
  /**
   * 'held': a branch hub verified it but the centre does not have it yet. It is not uploaded
   * again unless the server says it no longer holds it (a hub that lost its disk).
   */
  readonly state?: 'pending' | 'uploading' | 'held' | 'verified';
}

/**
 * The answer to "which of these scans do you hold?": `verified` — held where it counts (the
 * centre, or a hub that relayed it there); `held` — a branch hub holds it verified but the centre
 * does not have it yet, so the device keeps its copy (always empty from a centre).
 */
export interface BlobsKnown {
  readonly verified: ReadonlySet<string>;
  readonly held: ReadonlySet<string>;
}

export interface Transport {
  enrol(request: EnrolRequest): Promise<EnrolResponse>;
  push(request: PushRequest): Promise<PushResponse>;
  pull(request: PullRequest): Promise<PullResponse>;
  syncState(journalId: string): Promise<SyncStateResponse>;
  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse>;
  /** True when the server already holds a verified copy of this blob; 'held' when a branch hub holds it and the centre does not yet. */
  blobExists(sha256: string): Promise<boolean | 'held'>;
  /**
   * Which of these blobs the server already holds verified, asked in one request; null when the
   * server cannot answer that question (a centre older than it): the engine asks `blobExists` per
   * blob then. Optional: a transport without it is asked per blob.
   */
  blobsKnown?(sha256s: readonly string[]): Promise<BlobsKnown | null>;
  /**
   * Uploads (or resumes) a blob; resolves once the server verified its SHA-256 — with 'held' when
   * the server is a branch hub that has not passed it on to the centre yet.
   */
  uploadBlob(blob: BlobToUpload, hooks: BlobUploadHooks): Promise<void | 'held'>;
  /** A citizen's document index at the centre (counters; src/shared/reuseIndex.ts). Optional: not every transport speaks it. */
  reuseIndex?(idNumber: string): Promise<ReuseIndexResponse>;
  /** The bytes of a paper listed in that citizen's index (counters); recorded at the centre. */
  reusePdf?(request: ReusePdfRequest): Promise<Blob>;
  /**
   * One action on the branch's queue, applied by its owner (counters; src/shared/queue.ts). The
   * owner applies an id once: sending the same action again is safe and answers `repeated: true`.
   * A refusal is a `protocol` TransportError whose wire code is a `queue.*` code. Optional.
   */
  queueAction?(args: QueueActionArgs): Promise<QueueActionAnswer>;
  /** The branch's queue today as its owner sees it (waiting, active, counts, estimates, rules, calls for staff). */
  queueState?(day: string): Promise<QueueState>;
  /** "Gọi nhân viên": the officer at this counter goes to the kiosk (counters; idempotent). 404: `queue.staff-call-not-found`. */
  answerStaffCall?(request: StaffCallAnswerRequest): Promise<StaffCallAnswer>;
  /**
   * Pokes when the branch's queue changed (server-sent events; a poke carries only the version:
   * re-read the state). Returns a function that closes the stream. The stream does not reconnect
   * by itself: `onError` is the caller's cue to reconnect with its own backoff.
   */
  queueEvents?(branchCode: string, handlers: QueueEventHandlers): () => void;
  /**
   * The branch's public board today (numbers, counts, wait estimates; no personal data): what the
   * citizen kiosk reads to show the wait on a ticket. Needs no credential. Optional.
   */
  queueBoard?(branchCode: string): Promise<QueueBoard>;
  /**
   * A citizen's dossier status (`POST /v1/lookup`, no credential: the code and the secret are the
   * key). An unknown code and a wrong secret are one answer, `not-found`; the server's limit is
   * `limited` with its wait. Anything else (offline, malformed, 5xx) is a TransportError. Optional.
   */
  lookup?(request: LookupRequest): Promise<LookupAnswer>;
}

export type LookupAnswer =
  | { readonly kind: 'found'; readonly status: LookupResponse }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number };

export interface QueueEventHandlers {
  onOpen(): void;
  onPoke(version: number): void;
  onError(): void;
}

export type TransportErrorKind =
  /** No answer: connection refused or dropped, DNS, offline. Retry later. */
  | 'network'
  /**
   * The server answers (its /health does), but this request got no readable answer: the browser
   * refused it (CORS: the kiosk's origin or a method/header not allowed), a proxy blocked it, or its
   * connection was cut. Retry later; if it repeats, the server's configuration needs a technician.
   */
  | 'blocked'
  /** No answer in time; the server may or may not have committed. Retry later (pushes are idempotent). */
  | 'timeout'
  /** 5xx or 429: the server is there but cannot serve now. Retry later. */
  | 'unavailable'
  /** 401/403: the credential is unknown, revoked, or not allowed this. Needs a technician. */
  | 'auth'
  /** 409 on push: resend from `gap.expectedSeq`. */
  | 'gap'
  /** Any other 4xx, or an answer that does not match the contract: a bug or an incompatible server. */
  | 'protocol';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    readonly wire: WireError,
    readonly status: number | null = null,
    readonly gap: PushGap | null = null,
  ) {
    super(`${kind}: ${wire.code}: ${wire.detail}`);
  }

  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'blocked' || this.kind === 'timeout' || this.kind === 'unavailable' || this.kind === 'gap';
  }
}
