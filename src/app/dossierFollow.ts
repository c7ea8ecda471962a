import { followInputProblem, normaliseFollowKeys, type FollowInputProblem } from '../domain/followQr';
import { DOSSIER_STATUSES } from '../shared/published';
import type { LookupResponse } from '../shared/sync';
import type { SyncService } from './syncService';
import { TransportError } from '../sync/Transport';

/**
 * "Theo dõi hồ sơ": a citizen's dossier status, asked of the server this kiosk is enrolled with (the
 * branch hub or the centre) through the device's transport (`POST /v1/lookup`, the centre's limits
 * and audit apply). Only online: the kiosk never shows a status it holds without the centre having
 * checked the secret, since a code alone must reveal nothing.
 *
 * Guarantees: malformed keys never leave the machine; nothing typed is kept here (no cache, no log):
 * the screen holds the keys and drops them when it goes; every outcome is a value the screen words.
 */
export type FollowOutcome =
  | { readonly kind: 'found'; readonly status: LookupResponse }
  | { readonly kind: 'malformed'; readonly problem: FollowInputProblem }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'limited'; readonly waitSeconds: number }
  /** Not reachable now: the machine offline, no answer, the server busy (5xx). */
  | { readonly kind: 'offline' }
  | { readonly kind: 'not-enrolled' }
  | { readonly kind: 'failed'; readonly code: string };

export interface DossierFollow {
  lookup(code: string, secret: string): Promise<FollowOutcome>;
}

export function createDossierFollow(deps: { readonly sync: Pick<SyncService, 'lookupServer'> }): DossierFollow {
  return {
    async lookup(code, secret) {
      const keys = normaliseFollowKeys(code, secret);
      const problem = followInputProblem(keys);
      if (problem !== null) return { kind: 'malformed', problem };
      const ask = deps.sync.lookupServer();
      if (ask === 'offline') return { kind: 'offline' };
      if (ask === 'not-enrolled') return { kind: 'not-enrolled' };
      try {
        const answer = await ask(keys);
        if (answer.kind === 'found') return { kind: 'found', status: answer.status };
        if (answer.kind === 'not-found') return { kind: 'not-found' };
        return { kind: 'limited', waitSeconds: answer.retryAfterSeconds };
      } catch (e) {
        if (e instanceof TransportError && e.retryable) return { kind: 'offline' };
        if (e instanceof TransportError && e.wire.code === 'lookup.bad-request') return { kind: 'malformed', problem: 'code-malformed' };
        return { kind: 'failed', code: e instanceof TransportError ? e.wire.code : 'unknown' };
      }
    },
  };
}

/** The catalog keys of a status's wording (`follow.status.<status>.title|next`); an unknown status gets `unknown`. */
export function followStatusKey(status: string): string {
  return `follow.status.${(DOSSIER_STATUSES as readonly string[]).includes(status) ? status : 'unknown'}`;
}

/** How the status reads at a glance: done, needs the citizen, or in progress. */
export function followStatusTone(status: string): 'ok' | 'act' | 'wait' {
  if (status === 'ready' || status === 'returned') return 'ok';
  if (status === 'supplement-requested' || status === 'rejected') return 'act';
  return 'wait';
}
