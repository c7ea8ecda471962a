import type { MutationResult, PushGap, PushResponse, WireError } from '../shared/sync';
import type { PushOutcome } from './push';
import { wireError } from './wireErrors';

/**
 * The HTTP answer to a push (POST /v1/sync/push, and POST /v1/hub/relay where a hub forwards a
 * kiosk's journal): 200 PushResponse, 409 PushGap or journal limit, or the revocation.
 * `upstream`: on a branch hub, how far the centre holds the journal (PushResponse.confirmedSeq);
 * seqs at or below the hub's `baseSeq` are the centre's, so "no stored outcome" there is no issue.
 */
export function pushAnswer(
  outcome: PushOutcome,
  options: { readonly revoked?: WireError & { status: number }; readonly upstream?: { centreSeq: number; baseSeq: number } } = {},
): { status: number; body: PushResponse | PushGap | WireError } {
  if (outcome.kind === 'revoked') {
    const r = options.revoked ?? { status: 401, ...wireError('auth.revoked', 'this device has been revoked; re-enrol it') };
    return { status: r.status, body: { code: r.code, detail: r.detail } };
  }
  if (outcome.kind === 'journal-limit') {
    return {
      status: 409,
      body: wireError(
        'sync.journal-limit',
        `this device already has ${outcome.limit} journal streams; the centre must check it (list-journals) before it opens another`,
      ),
    };
  }
  const up = options.upstream;
  const results = up ? outcome.results.map((r) => heldByCentre(r, up.baseSeq)) : outcome.results;
  const confirmed = up ? { confirmedSeq: up.centreSeq } : {};
  if (outcome.kind === 'gap') {
    return {
      status: 409,
      body: { code: 'sync.gap', detail: `expected deviceSeq ${outcome.expectedSeq}`, expectedSeq: outcome.expectedSeq, results, ...confirmed },
    };
  }
  return { status: 200, body: { lastSeq: outcome.lastSeq, results, ...confirmed } };
}

function heldByCentre(r: MutationResult, baseSeq: number): MutationResult {
  if (r.deviceSeq > baseSeq || r.reason?.code !== 'sync.outcome-unknown') return r;
  return { mutationId: r.mutationId, deviceSeq: r.deviceSeq, status: 'duplicate' };
}

export function countStatuses(results: readonly { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
