import { OUTCOME_AT_CENTRE, type MutationResult, type PushGap, type PushResponse, type WireError } from '../shared/sync';
import type { PushOutcome } from './push';
import { wireError } from './wireErrors';

/**
 * The HTTP answer to a push (POST /v1/sync/push, and POST /v1/hub/relay where a hub forwards a
 * kiosk's journal): 200 PushResponse, 409 PushGap or journal limit, or the revocation.
 * `upstream`: on a branch hub, how far the centre holds the journal (PushResponse.confirmedSeq).
 * Seqs at or below the hub's `baseSeq` are the centre's: "no stored outcome" there is no issue of
 * the kiosk's, and the outcome is the one the centre gave (`fromCentre`, asked for just now) or,
 * when the centre could not be asked, OUTCOME_AT_CENTRE (the kiosk keeps the entry and asks again).
 * Never a plain duplicate: that would confirm as accepted a record the centre refused.
 */
export function pushAnswer(
  outcome: PushOutcome,
  options: {
    readonly revoked?: WireError & { status: number };
    readonly upstream?: { centreSeq: number; baseSeq: number; fromCentre?: ReadonlyMap<number, MutationResult> };
  } = {},
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
  const results = up ? outcome.results.map((r) => heldByCentre(r, up.baseSeq, up.fromCentre)) : outcome.results;
  const confirmed = up ? { confirmedSeq: up.centreSeq } : {};
  if (outcome.kind === 'gap') {
    return {
      status: 409,
      body: { code: 'sync.gap', detail: `expected deviceSeq ${outcome.expectedSeq}`, expectedSeq: outcome.expectedSeq, results, ...confirmed },
    };
  }
  return { status: 200, body: { lastSeq: outcome.lastSeq, results, ...confirmed } };
}

/** Entries of this answer whose outcome is the centre's to give (see pushAnswer). */
export function outcomesAtCentre(results: readonly MutationResult[], baseSeq: number): MutationResult[] {
  return results.filter((r) => centreOwns(r, baseSeq));
}

/** No stored outcome at or below where the hub's copy of the journal starts: the centre's to give. */
function centreOwns(r: MutationResult, baseSeq: number): boolean {
  return r.deviceSeq <= baseSeq && r.reason?.code === 'sync.outcome-unknown';
}

function heldByCentre(r: MutationResult, baseSeq: number, fromCentre: ReadonlyMap<number, MutationResult> | undefined): MutationResult {
  if (!centreOwns(r, baseSeq)) return r;
  const centre = fromCentre?.get(r.deviceSeq);
  if (centre && centre.mutationId === r.mutationId)
    return centre.reason ? { ...r, reason: centre.reason } : { mutationId: r.mutationId, deviceSeq: r.deviceSeq, status: 'duplicate' };
  return {
    ...r,
    reason: {
      code: OUTCOME_AT_CENTRE,
      detail: 'the centre holds this record; its outcome is at the centre, which the branch hub cannot reach now: ask again later',
    },
  };
}

export function countStatuses(results: readonly { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
