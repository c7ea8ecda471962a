import type { PublishedEntity } from '../shared/published';
import {
  OUTCOME_AT_CENTRE,
  SYNC_PROTOCOL_VERSION,
  type Change,
  type EnrolRequest,
  type EnrolResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type MutationEnvelope,
  type MutationResult,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type SyncStateResponse,
} from '../shared/sync';
import { TransportError, type BlobToUpload, type BlobUploadHooks, type Transport } from './Transport';

/**
 * A protocol-faithful central server in memory, for fast tests of the engine and the loop: the same
 * push rules (per-journal gapless sequence, duplicates answered with their stored outcome, 409 on a
 * gap, rejected mutations consume their seq), a per-scope change feed that keeps the newest change
 * per key with a checksum, blobs by hash. `rejectWhen` decides which mutations are refused, and
 * `failNext` makes the next calls fail like a network would. The real server is tested in
 * test/integration with the HTTP transport.
 */
interface Stored {
  readonly mutationId: string;
  readonly result: MutationResult;
}

export class MemoryServer {
  readonly journals = new Map<string, { lastSeq: number; outcomes: Map<number, Stored> }>();
  readonly applied: { name: string; args: unknown }[] = [];
  readonly heartbeats: HeartbeatRequest[] = [];
  readonly blobs = new Map<string, Uint8Array>();
  private readonly scopes = new Map<string, { lastSeq: number; rows: Map<string, Change> }>();
  private failures: TransportError[] = [];
  rejectWhen: (name: string, args: unknown) => { code: string; detail: string } | null = () => null;
  /**
   * Plays a branch hub (src/server/hub) when set: per journal, how far "the centre" holds it. Answers
   * then carry `confirmedSeq`, and a journal the hub has not seen starts at the kiosk's confirmedSeq.
   */
  hub: Map<string, number> | null = null;
  /**
   * As a hub: the centre's outcome of an entry below where this hub's copy of the journal started
   * (null: the centre cannot be asked now, and the answer says so with OUTCOME_AT_CENTRE).
   */
  askCentre: (journalId: string, m: MutationEnvelope) => MutationResult | null = () => null;

  /** As a hub: its database is lost (the journal and what it held are gone). */
  forgetJournal(journalId: string): void {
    this.journals.delete(journalId);
  }

  private confirmed(journalId: string): { confirmedSeq?: number } {
    return this.hub ? { confirmedSeq: this.hub.get(journalId) ?? 0 } : {};
  }

  /** The next `count` calls fail with this error (network, timeout, unavailable, …). */
  failNext(error: TransportError, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  publish(scope: string, entity: PublishedEntity, key: string, data: unknown | null): number {
    const s = this.scopes.get(scope) ?? { lastSeq: 0, rows: new Map<string, Change>() };
    this.scopes.set(scope, s);
    const seq = ++s.lastSeq;
    const op = data === null ? 'delete' : 'put';
    s.rows.set(`${entity}\u0000${key}`, { seq, entity, key, op, data, checksum: fnv32(`${scope}|${entity}|${key}|${seq}|${JSON.stringify(data)}`) });
    return seq;
  }

  transport(): Transport {
    const gate = async (): Promise<void> => {
      await Promise.resolve();
      const f = this.failures.shift();
      if (f) throw f;
    };
    return {
      enrol: async (r: EnrolRequest): Promise<EnrolResponse> => {
        await gate();
        return { deviceId: r.deviceId, branchCode: 'CN01', token: 'memory-token-memory-token-memory-token' };
      },
      push: async (r: PushRequest): Promise<PushResponse> => {
        await gate();
        return this.push(r);
      },
      pull: async (r: PullRequest): Promise<PullResponse> => {
        await gate();
        return this.pull(r);
      },
      syncState: async (journalId: string): Promise<SyncStateResponse> => {
        await gate();
        return { journalId, lastSeq: this.journals.get(journalId)?.lastSeq ?? 0, ...this.confirmed(journalId) };
      },
      heartbeat: async (r: HeartbeatRequest): Promise<HeartbeatResponse> => {
        await gate();
        this.heartbeats.push(r);
        return { serverTime: r.sentAt, lastSeq: this.journals.get(r.journalId)?.lastSeq ?? 0 };
      },
      blobExists: async (sha256: string) => {
        await gate();
        return this.blobs.has(sha256);
      },
      uploadBlob: async (blob: BlobToUpload, hooks: BlobUploadHooks) => {
        await gate();
        await hooks.onUploadUrl(`memory://${blob.sha256}`);
        this.blobs.set(blob.sha256, new Uint8Array(await blob.data.arrayBuffer()));
        hooks.onProgress?.(blob.size, blob.size);
      },
    };
  }

  private push(r: PushRequest): PushResponse {
    if (r.protocolVersion !== SYNC_PROTOCOL_VERSION) throw new TransportError('protocol', { code: 'sync.bad-request', detail: 'protocol version' }, 400);
    const j = this.journals.get(r.journalId) ?? { lastSeq: this.hub ? (r.confirmedSeq ?? 0) : 0, outcomes: new Map<number, Stored>() };
    this.journals.set(r.journalId, j);
    const results: MutationResult[] = [];
    for (const m of r.mutations) {
      if (m.deviceSeq <= j.lastSeq) {
        const s = j.outcomes.get(m.deviceSeq);
        const base = { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'duplicate' as const };
        if (!s && this.hub) {
          // Below where this hub's copy started: the outcome is the centre's.
          const centre = this.askCentre(r.journalId, m);
          results.push(
            centre
              ? centre.reason
                ? { ...base, reason: centre.reason }
                : base
              : { ...base, reason: { code: OUTCOME_AT_CENTRE, detail: 'the centre holds it; ask again later' } },
          );
          continue;
        }
        if (!s || s.mutationId !== m.mutationId) results.push({ ...base, reason: { code: 'sync.seq-reused', detail: 'seq used by another mutation' } });
        else results.push(s.result.reason ? { ...base, reason: s.result.reason } : base);
        continue;
      }
      if (m.deviceSeq > j.lastSeq + 1) {
        throw new TransportError('gap', { code: 'sync.gap', detail: 'gap' }, 409, {
          code: 'sync.gap',
          detail: `expected deviceSeq ${j.lastSeq + 1}`,
          expectedSeq: j.lastSeq + 1,
          results,
          ...this.confirmed(r.journalId),
        });
      }
      const reason = this.rejectWhen(m.name, m.args);
      const result: MutationResult = reason
        ? { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'rejected', reason }
        : { mutationId: m.mutationId, deviceSeq: m.deviceSeq, status: 'applied' };
      if (!reason) this.applied.push({ name: m.name, args: m.args });
      j.outcomes.set(m.deviceSeq, { mutationId: m.mutationId, result });
      j.lastSeq = m.deviceSeq;
      results.push(result);
    }
    return { lastSeq: j.lastSeq, results, ...this.confirmed(r.journalId) };
  }

  private pull(r: PullRequest): PullResponse {
    const s = this.scopes.get(r.scope);
    const all = s ? [...s.rows.values()].sort((a, b) => a.seq - b.seq) : [];
    const after = all.filter((c) => c.seq > r.cursor);
    const changes = after.slice(0, r.limit);
    const hasMore = after.length > changes.length;
    const live = all.filter((c) => c.op === 'put');
    const top = s?.lastSeq ?? 0;
    if (r.cursor > top) return { scope: r.scope, changes: [], cursor: top, hasMore: false, checksum: null };
    return {
      scope: r.scope,
      changes,
      cursor: changes.length > 0 ? changes[changes.length - 1]!.seq : r.cursor,
      hasMore,
      checksum: r.withChecksum && !hasMore ? { count: live.length, sum: live.reduce((a, c) => a + c.checksum, 0) } : null,
    };
  }
}

function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
